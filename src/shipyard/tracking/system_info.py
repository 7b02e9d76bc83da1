"""The reproducibility record captured automatically for every run.

:func:`capture_system_info` records the code (git commit, branch, remote, uncommitted
diff), the command, the Python interpreter and installed packages, the OS, host, user
and hardware. It never raises: whatever cannot be captured becomes ``None`` and a line
in the record's ``errors`` list. Every subprocess gets a 2 s timeout; a typical capture
takes well under 300 ms. :class:`RunClock` measures a run's wall and CPU time.

Environment switches (``0/false/no/off`` turns a section off): ``SHIPYARD_CAPTURE_GIT``,
``SHIPYARD_CAPTURE_PACKAGES``, ``SHIPYARD_CAPTURE_HARDWARE``, ``SHIPYARD_CAPTURE_COMMAND``;
``SHIPYARD_CAPTURE_DIFF_LIMIT`` caps the stored diff in bytes.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import psutil

from shipyard.core.errors import InvalidInputError

__all__ = [
    "SUBPROCESS_TIMEOUT_S",
    "CaptureOptions",
    "RunClock",
    "capture_system_info",
    "strip_credentials",
]

SUBPROCESS_TIMEOUT_S = 2.0
"""Timeout of every subprocess the capture starts (git, nvidia-smi)."""

ENV_CAPTURE_GIT = "SHIPYARD_CAPTURE_GIT"
ENV_CAPTURE_PACKAGES = "SHIPYARD_CAPTURE_PACKAGES"
ENV_CAPTURE_HARDWARE = "SHIPYARD_CAPTURE_HARDWARE"
ENV_CAPTURE_COMMAND = "SHIPYARD_CAPTURE_COMMAND"
ENV_CAPTURE_DIFF_LIMIT = "SHIPYARD_CAPTURE_DIFF_LIMIT"

_OFF_VALUES = frozenset({"0", "false", "no", "off"})
_NVIDIA_SMI_QUERY = [
    "nvidia-smi",
    "--query-gpu=name,memory.total,driver_version",
    "--format=csv,noheader,nounits",
]
_T = TypeVar("_T")


@dataclass(frozen=True)
class CaptureOptions:
    """Which sections of the record to capture, and how much of the git diff to keep."""

    git: bool = True
    packages: bool = True
    hardware: bool = True
    command: bool = True
    diff_limit_bytes: int = 256_000

    def __post_init__(self) -> None:
        if self.diff_limit_bytes < 0:
            raise InvalidInputError(f"diff_limit_bytes must be >= 0, got {self.diff_limit_bytes}")

    @classmethod
    def from_env(cls) -> CaptureOptions:
        """Read the ``SHIPYARD_CAPTURE_*`` variables; unset ones keep the defaults."""
        raw_limit = os.environ.get(ENV_CAPTURE_DIFF_LIMIT, "").strip()
        try:
            limit = int(raw_limit) if raw_limit else cls.diff_limit_bytes
        except ValueError:
            raise InvalidInputError(
                f"{ENV_CAPTURE_DIFF_LIMIT} must be an integer number of bytes, got {raw_limit!r}"
            ) from None
        return cls(
            git=_env_switch(ENV_CAPTURE_GIT),
            packages=_env_switch(ENV_CAPTURE_PACKAGES),
            hardware=_env_switch(ENV_CAPTURE_HARDWARE),
            command=_env_switch(ENV_CAPTURE_COMMAND),
            diff_limit_bytes=limit,
        )


def _env_switch(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in _OFF_VALUES


def capture_system_info(
    options: CaptureOptions | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Capture the reproducibility record as a JSON-serialisable dict.

    ``cwd`` is the folder whose git repository is recorded (default: the process's
    working directory). Switched-off sections are omitted; ``errors`` is always present.
    """
    opts = options if options is not None else CaptureOptions()
    errors: list[str] = []
    # nvidia-smi is slow to start, so it runs while everything else is captured.
    gpu_proc = (
        _start(_NVIDIA_SMI_QUERY, None, errors) if opts.hardware and _has_gpu_tool() else None
    )
    info: dict[str, Any] = {}
    if opts.git:
        repo_dir = cwd if cwd is not None else Path.cwd()
        info["git"] = _guard("git", errors, lambda: _capture_git(repo_dir, opts, errors))
    if opts.command:
        info["command"] = _guard("command", errors, _capture_command)
    info["python"] = {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    if opts.packages:
        info["packages"] = _guard("packages", errors, _capture_packages)
    info["os"] = _guard("os", errors, _capture_os)
    info["hostname"] = _guard("hostname", errors, socket.gethostname)
    info["user"] = _guard("user", errors, getpass.getuser)
    if opts.hardware:
        info["hardware"] = _guard("hardware", errors, lambda: _capture_hardware(gpu_proc, errors))
    elif gpu_proc is not None:
        _finish(gpu_proc, "nvidia-smi", errors)
    info["errors"] = errors
    return info


def _has_gpu_tool() -> bool:
    return shutil.which("nvidia-smi") is not None


def _guard(label: str, errors: list[str], fn: Callable[[], _T]) -> _T | None:
    """Call ``fn``; on any exception record it in ``errors`` and return None."""
    try:
        return fn()
    except Exception as exc:
        errors.append(f"{label}: {type(exc).__name__}: {exc}")
        return None


# --- subprocesses -----------------------------------------------------------------------


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    # English messages, no credential prompts, no index.lock taken by `git status`.
    env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
    return env


def _start(args: list[str], cwd: Path | None, errors: list[str]) -> subprocess.Popen[bytes] | None:
    """Start ``args`` with pipes attached; a failure to start is recorded and gives None."""
    try:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=_subprocess_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        errors.append(f"{' '.join(args[:2])}: {type(exc).__name__}: {exc}")
        return None


def _finish(
    proc: subprocess.Popen[bytes] | None, label: str, errors: list[str]
) -> tuple[int, bytes, bytes] | None:
    """Wait (at most the timeout) for ``proc``: (returncode, stdout, stderr) or None."""
    if proc is None:
        return None
    try:
        out, err = proc.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        _kill(proc)
        errors.append(f"{label}: timed out after {SUBPROCESS_TIMEOUT_S:g} s")
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        _kill(proc)
        errors.append(f"{label}: {type(exc).__name__}: {exc}")
        return None
    return proc.returncode, out, err


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill and reap ``proc`` without waiting on pipes a grandchild may hold open."""
    proc.kill()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        proc.communicate(timeout=0.5)


def _run(args: list[str], cwd: Path | None, errors: list[str]) -> tuple[int, bytes, bytes] | None:
    return _finish(_start(args, cwd, errors), " ".join(args[:2]), errors)


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else ""


# --- git --------------------------------------------------------------------------------


class _NotARepoError(Exception):
    """The folder is not inside a git work tree."""


def _git(cwd: Path, errors: list[str], *args: str, ok: tuple[int, ...] = (0,)) -> bytes | None:
    """Run ``git args`` in ``cwd``: stdout, or None after recording the failure."""
    result = _run(["git", *args], cwd, errors)
    if result is None:
        return None
    code, out, err = result
    if code in ok:
        return out
    if b"not a git repository" in err.lower():
        raise _NotARepoError
    errors.append(f"git {args[0]}: exit {code}: {_first_line(err)}")
    return None


def _capture_git(cwd: Path, opts: CaptureOptions, errors: list[str]) -> dict[str, Any] | None:
    """Commit, branch, remote, dirtiness and diff; None outside a repo or without git."""
    if shutil.which("git") is None:
        return None
    try:
        status = _git(cwd, errors, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
    except _NotARepoError:
        return None
    if status is None:
        return None
    commit, branch, dirty = _parse_status(status.decode("utf-8", "replace"))
    info: dict[str, Any] = {
        "commit": commit,
        "branch": branch,
        "remote_url": _remote_url(cwd, errors),
        "dirty": dirty,
        "diff": "",
        "diff_truncated": False,
        "diff_bytes": 0,
    }
    if dirty:
        info.update(_diff(cwd, commit is not None, opts.diff_limit_bytes, errors))
    return info


def _parse_status(text: str) -> tuple[str | None, str | None, bool]:
    """(commit, branch, dirty) from ``git status --porcelain=v2 --branch``."""
    commit: str | None = None
    branch: str | None = None
    dirty = False
    for line in text.splitlines():
        if line.startswith("# branch.oid "):
            oid = line.removeprefix("# branch.oid ").strip()
            commit = None if oid == "(initial)" else oid
        elif line.startswith("# branch.head "):
            head = line.removeprefix("# branch.head ").strip()
            branch = None if head == "(detached)" else head
        elif line[:2] in ("1 ", "2 ", "u "):
            dirty = True
    return commit, branch, dirty


def _remote_url(cwd: Path, errors: list[str]) -> str | None:
    """The URL of ``origin`` (else of the first remote), credentials stripped."""
    out = _git(cwd, errors, "config", "--get-regexp", r"^remote\..*\.url$", ok=(0, 1))
    if not out:
        return None
    urls: dict[str, str] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        key, _, url = line.partition(" ")
        urls.setdefault(key.removeprefix("remote.").removesuffix(".url"), url.strip())
    chosen = urls.get("origin") or next(iter(urls.values()), "")
    return strip_credentials(chosen) if chosen else None


def strip_credentials(url: str) -> str:
    """Remove credentials from a remote URL.

    ``scheme://user:password@host/…`` loses the password; for http(s) the whole
    user-info goes, since a bare ``token@`` is a secret too. scp-like ``git@host:path``
    and local paths cannot carry a password and are returned unchanged.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return url
    if scheme.lower() in ("http", "https", "ftp", "ftps"):
        kept = ""
    else:
        kept = userinfo.partition(":")[0] + "@"
    return f"{scheme}{sep}{kept}{host}{slash}{path}"


def _diff(cwd: Path, has_head: bool, limit: int, errors: list[str]) -> dict[str, Any]:
    """The uncommitted diff (staged and unstaged) against HEAD, truncated to ``limit``."""
    flags = ("--no-color", "--no-ext-diff", "--no-textconv")
    if has_head:
        parts = [_git(cwd, errors, "diff", "HEAD", *flags)]
    else:  # no commit yet: staged changes, then unstaged ones
        parts = [_git(cwd, errors, "diff", "--cached", *flags), _git(cwd, errors, "diff", *flags)]
    if any(part is None for part in parts):
        return {"diff": None, "diff_truncated": False, "diff_bytes": None}
    data = b"".join(part for part in parts if part is not None)
    return {
        "diff": data[:limit].decode("utf-8", "replace"),
        "diff_truncated": len(data) > limit,
        "diff_bytes": len(data),
    }


# --- command, packages, os, hardware ----------------------------------------------------


def _capture_command() -> dict[str, Any]:
    argv = [str(arg) for arg in getattr(sys, "argv", [])]
    script = argv[0] if argv else ""
    entry = str(Path(script).resolve()) if script and os.path.isfile(script) else None
    return {"entry_script": entry, "argv": argv, "cwd": os.getcwd(), "executable": sys.executable}


def _capture_packages() -> dict[str, str]:
    """Installed distributions ``{name: version}``, sorted case-insensitively.

    Reads only the Name/Version header lines of each METADATA file: parsing the whole
    file with the email parser (``dist.metadata``) is about ten times slower.
    """
    found: dict[str, tuple[str, str]] = {}
    for dist in metadata.distributions():
        try:
            name, version = _name_version(dist)
        except (OSError, UnicodeDecodeError):
            continue
        if name and version:
            # The first on sys.path wins, as it does for imports.
            found.setdefault(name.lower().replace("_", "-").replace(".", "-"), (name, version))
    return dict(sorted(found.values(), key=lambda item: item[0].lower()))


def _name_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name: str | None = None
    version: str | None = None
    for line in text.splitlines():
        if not line:  # end of the header block
            break
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "name":
            name = value.strip()
        elif key == "version":
            version = value.strip()
        if name and version:
            break
    return name, version


def _capture_os() -> dict[str, str]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "platform": platform.platform(),
    }


def _capture_hardware(
    gpu_proc: subprocess.Popen[bytes] | None, errors: list[str]
) -> dict[str, Any]:
    return {
        "cpu_model": _guard("cpu_model", errors, _cpu_model),
        "cpu_count_logical": _guard("cpu_count", errors, lambda: psutil.cpu_count(logical=True)),
        "cpu_count_physical": _guard("cpu_count", errors, lambda: psutil.cpu_count(logical=False)),
        "memory_total_bytes": _guard("memory", errors, lambda: psutil.virtual_memory().total),
        "gpus": _gpus(gpu_proc, errors),
    }


def _cpu_model() -> str | None:
    """``model name`` from /proc/cpuinfo, else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and value.strip():
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def _gpus(proc: subprocess.Popen[bytes] | None, errors: list[str]) -> list[dict[str, Any]] | None:
    """GPUs reported by nvidia-smi: [] without nvidia-smi, None if it failed."""
    if proc is None:
        return None if _has_gpu_tool() else []
    result = _finish(proc, "nvidia-smi", errors)
    if result is None:
        return None
    code, out, err = result
    if code != 0:
        errors.append(f"nvidia-smi: exit {code}: {_first_line(err or out)}")
        return None
    gpus = []
    for line in out.decode("utf-8", "replace").splitlines():
        fields = [field.strip() for field in line.rsplit(",", 2)]
        if len(fields) == 3:
            name, memory, driver = fields
            gpus.append({"name": name, "memory_total_mb": _number(memory), "driver": driver})
    return gpus


def _number(text: str) -> int | None:
    """An nvidia-smi number (``[N/A]`` and friends give None)."""
    try:
        return round(float(text))
    except ValueError:
        return None


# --- run clock --------------------------------------------------------------------------


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class RunClock:
    """Wall and CPU time of a run, measured from construction to :meth:`stop`.

    CPU time is user + system time of this process and of its waited-for children.
    """

    def __init__(self) -> None:
        self._wall_start = time.perf_counter()
        self._cpu_start = _cpu_seconds()
        self._result: dict[str, float] | None = None

    def stop(self) -> dict[str, float]:
        """``{"wall_time_s", "cpu_time_s"}``; later calls return the first result."""
        if self._result is None:
            self._result = {
                "wall_time_s": time.perf_counter() - self._wall_start,
                "cpu_time_s": _cpu_seconds() - self._cpu_start,
            }
        return dict(self._result)
