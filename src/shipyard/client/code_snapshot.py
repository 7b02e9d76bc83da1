"""Code snapshots: the git-tracked source files of a run's repository as a ``code``
artifact (``run.log_code()``, ``sy.start_run(save_code=True)``).

The files are the working-tree contents of every path ``git ls-files`` lists (so
uncommitted edits to tracked files are captured, untracked files are not); tracked
files deleted from the working tree and submodules are skipped. The metadata records
the commit, the branch and whether the tree had uncommitted changes.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.artifacts import validate_artifact_path
from shipyard.core.errors import InvalidInputError

if TYPE_CHECKING:
    from shipyard.client.artifacts import ArtifactVersion
    from shipyard.client.backend import Backend

__all__ = ["git_snapshot", "log_code"]

GIT_TIMEOUT_S = 60


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=GIT_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InvalidInputError(f"Cannot run git in {root}: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise InvalidInputError(
            f"{root} is not inside a git repository, so there is no code to snapshot "
            f"(git {args[0]}: {message})",
            path=str(root),
        )
    return done.stdout.decode("utf-8", errors="surrogateescape")


def git_snapshot(
    start: str | os.PathLike[str] | None = None,
) -> tuple[list[tuple[str, Path]], dict[str, Any]]:
    """``(files, metadata)``: the tracked files of the repository holding ``start``
    (default: the working directory) as ``(path in repo, file)`` and the git facts."""
    here = Path(start) if start is not None else Path.cwd()
    if here.is_file():
        here = here.parent
    root = Path(_git(here, "rev-parse", "--show-toplevel").strip())
    listed = _git(root, "ls-files", "-z", "--cached").split("\0")
    files = []
    for rel in sorted(set(filter(None, listed))):
        file = root / rel
        if file.is_file() and not file.is_symlink():  # deleted files and submodules: skip
            files.append((validate_artifact_path(rel), file))
    if not files:
        raise InvalidInputError(f"The git repository at {root} tracks no files", path=str(root))
    commit = _git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}").strip() or None
    branch = _git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    dirty = bool(_git(root, "status", "--porcelain", "--untracked-files=no").strip())
    metadata = {
        "git_commit": commit,
        "git_branch": branch,
        "git_dirty": dirty,
        "repo": root.name,
        "files": len(files),
    }
    return files, metadata


def code_artifact_name(project: str) -> str:
    """``code-<project>`` with characters artifact names do not allow replaced."""
    return "code-" + re.sub(r"[^A-Za-z0-9._-]", "-", project)


def log_code(
    backend: Backend,
    run_id: str,
    project: str,
    root: str | os.PathLike[str] | None = None,
    name: str | None = None,
) -> ArtifactVersion:
    """Log the snapshot as a ``code`` artifact produced by run ``run_id``."""
    from shipyard.client.artifacts import log_artifact

    files, metadata = git_snapshot(root)
    return log_artifact(
        backend,
        None,
        name=name or code_artifact_name(project),
        type="code",
        metadata=metadata,
        run_id=run_id,
        files=files,
    )
