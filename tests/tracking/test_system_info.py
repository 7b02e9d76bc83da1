"""The reproducibility record: git state, sections, options, errors and the run clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from shipyard.core.errors import InvalidInputError
from shipyard.tracking import system_info
from shipyard.tracking.system_info import (
    CaptureOptions,
    RunClock,
    capture_system_info,
    strip_credentials,
)


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user/system git config, and no repository above tmp_path."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo on branch ``main`` with one commit of train.py, then train.py modified."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "--quiet")
    git(path, "checkout", "--quiet", "-b", "main")
    (path / "train.py").write_text("lr = 0.1\n")
    git(path, "add", "train.py")
    git(path, "commit", "--quiet", "-m", "first")
    (path / "train.py").write_text("lr = 0.1\nepochs = 42\n")
    return path


def capture_git(repo: Path, diff_limit_bytes: int = 256_000) -> dict[str, object]:
    opts = CaptureOptions(
        packages=False, hardware=False, command=False, diff_limit_bytes=diff_limit_bytes
    )
    info = capture_system_info(opts, cwd=repo)
    assert info["errors"] == []
    git_info = info["git"]
    assert isinstance(git_info, dict)
    return git_info


def test_git_commit_branch_dirty_and_diff(repo: Path) -> None:
    info = capture_git(repo)
    assert info["commit"] == git(repo, "rev-parse", "HEAD")
    assert info["branch"] == "main"
    assert info["remote_url"] is None
    assert info["dirty"] is True
    diff = info["diff"]
    assert isinstance(diff, str)
    assert "+epochs = 42" in diff
    assert info["diff_truncated"] is False
    assert info["diff_bytes"] == len(diff.encode())


def test_staged_changes_are_in_the_diff(repo: Path) -> None:
    (repo / "data.py").write_text("STAGED = True\n")
    git(repo, "add", "data.py")
    diff = capture_git(repo)["diff"]
    assert isinstance(diff, str)
    assert "+STAGED = True" in diff
    assert "+epochs = 42" in diff


def test_clean_repo_is_not_dirty_and_untracked_files_do_not_count(repo: Path) -> None:
    git(repo, "checkout", "--", "train.py")
    (repo / "notes.txt").write_text("untracked\n")
    info = capture_git(repo)
    assert info["dirty"] is False
    assert info["diff"] == ""
    assert info["diff_bytes"] == 0


def test_detached_head_has_no_branch(repo: Path) -> None:
    git(repo, "checkout", "--quiet", "--detach")
    info = capture_git(repo)
    assert info["branch"] is None
    assert info["commit"] == git(repo, "rev-parse", "HEAD")


def test_repo_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet")
    (tmp_path / "a.py").write_text("x = 1\n")
    git(tmp_path, "add", "a.py")
    info = capture_git(tmp_path)
    assert info["commit"] is None
    assert info["dirty"] is True
    assert "+x = 1" in str(info["diff"])


def test_remote_url_credentials_are_stripped(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://alice:s3cr3t@git.example.com/ml/repo.git")
    info = capture_system_info(CaptureOptions(packages=False, hardware=False), cwd=repo)
    assert info["git"]["remote_url"] == "https://git.example.com/ml/repo.git"
    assert "s3cr3t" not in json.dumps(info)


def test_origin_is_preferred_over_other_remotes(repo: Path) -> None:
    git(repo, "remote", "add", "aaa", "https://example.com/aaa.git")
    git(repo, "remote", "add", "origin", "git@github.com:ml/repo.git")
    assert capture_git(repo)["remote_url"] == "git@github.com:ml/repo.git"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@host/r.git", "https://host/r.git"),
        ("https://ghp_token@github.com/o/r.git", "https://github.com/o/r.git"),
        ("http://u:p@ss@host:8080/r", "http://host:8080/r"),
        ("ssh://git:pw@host:22/r.git", "ssh://git@host:22/r.git"),
        ("ssh://git@host/r.git", "ssh://git@host/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
        ("https://host/r.git", "https://host/r.git"),
    ],
)
def test_strip_credentials(url: str, expected: str) -> None:
    assert strip_credentials(url) == expected


def test_diff_truncated_to_the_limit(repo: Path) -> None:
    (repo / "train.py").write_text("lr = 0.1\n" + "x = 1\n" * 1000)
    info = capture_git(repo, diff_limit_bytes=100)
    diff = info["diff"]
    assert isinstance(diff, str)
    assert len(diff.encode()) == 100
    assert info["diff_truncated"] is True
    assert isinstance(info["diff_bytes"], int)
    assert info["diff_bytes"] > 6000


def test_outside_a_repo_git_is_none(tmp_path: Path) -> None:
    info = capture_system_info(cwd=tmp_path)
    assert info["git"] is None
    assert not any(error.startswith("git") for error in info["errors"])


def test_git_missing_gives_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shipyard.tracking.system_info.shutil.which", lambda name: None)
    info = capture_system_info(cwd=repo)
    assert info["git"] is None
    assert info["hardware"]["gpus"] == []


def test_options_switch_sections_off(repo: Path) -> None:
    info = capture_system_info(
        CaptureOptions(git=False, packages=False, hardware=False, command=False), cwd=repo
    )
    assert set(info) == {"python", "os", "hostname", "user", "errors"}


def test_all_sections_and_json_serialisable(repo: Path) -> None:
    info = capture_system_info(cwd=repo)
    assert json.loads(json.dumps(info)) == info
    assert {"git", "command", "python", "packages", "os", "hostname", "user", "hardware"} <= set(
        info
    )
    assert info["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert info["command"]["argv"] == sys.argv
    assert info["command"]["cwd"] == os.getcwd()
    assert info["command"]["executable"] == sys.executable
    hardware = info["hardware"]
    assert hardware["cpu_count_logical"] >= 1
    assert hardware["memory_total_bytes"] > 0
    assert isinstance(hardware["gpus"], list | None)


def test_entry_script_is_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["train.py", "--lr", "0.1"])
    command = capture_system_info(CaptureOptions(packages=False, hardware=False))["command"]
    assert command["entry_script"] == str(script.resolve())
    assert command["argv"] == ["train.py", "--lr", "0.1"]
    monkeypatch.setattr(sys, "argv", ["-c"])
    assert capture_system_info()["command"]["entry_script"] is None


def test_packages_sorted_with_versions() -> None:
    packages = capture_system_info(CaptureOptions(git=False, hardware=False))["packages"]
    assert packages["psutil"] == metadata.version("psutil")
    assert "pytest" in packages
    assert list(packages) == sorted(packages, key=str.lower)


def test_capture_is_fast(repo: Path) -> None:
    capture_system_info(cwd=repo)  # warm the filesystem caches
    start = time.perf_counter()
    capture_system_info(cwd=repo)
    assert time.perf_counter() - start < 1.5  # typically ~20 ms; loose for slow CI


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHIPYARD_CAPTURE_GIT", "off")
    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "False")
    monkeypatch.setenv("SHIPYARD_CAPTURE_HARDWARE", "1")
    monkeypatch.setenv("SHIPYARD_CAPTURE_COMMAND", "no")
    monkeypatch.setenv("SHIPYARD_CAPTURE_DIFF_LIMIT", "1024")
    assert CaptureOptions.from_env() == CaptureOptions(
        git=False, packages=False, hardware=True, command=False, diff_limit_bytes=1024
    )
    monkeypatch.setenv("SHIPYARD_CAPTURE_DIFF_LIMIT", "lots")
    with pytest.raises(InvalidInputError):
        CaptureOptions.from_env()


def test_from_env_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GIT", "PACKAGES", "HARDWARE", "COMMAND", "DIFF_LIMIT"):
        monkeypatch.delenv(f"SHIPYARD_CAPTURE_{name}", raising=False)
    assert CaptureOptions.from_env() == CaptureOptions()


@pytest.fixture
def fake_nvidia_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty bin folder put first on PATH; tests write bin/nvidia-smi into it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    yield bin_dir / "nvidia-smi"


def write_script(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def test_gpus_from_nvidia_smi(fake_nvidia_smi: Path) -> None:
    write_script(
        fake_nvidia_smi,
        "echo 'NVIDIA A100-SXM4-40GB, 40960, 535.104.05'\necho 'Tesla T4, [N/A], 535.104.05'",
    )
    info = capture_system_info(CaptureOptions(git=False, packages=False, command=False))
    assert info["hardware"]["gpus"] == [
        {"name": "NVIDIA A100-SXM4-40GB", "memory_total_mb": 40960, "driver": "535.104.05"},
        {"name": "Tesla T4", "memory_total_mb": None, "driver": "535.104.05"},
    ]
    assert info["errors"] == []


def test_failing_nvidia_smi_is_an_error_not_an_exception(fake_nvidia_smi: Path) -> None:
    write_script(fake_nvidia_smi, "echo 'NVIDIA-SMI has failed' >&2\nexit 9")
    info = capture_system_info(CaptureOptions(git=False, packages=False, command=False))
    assert info["hardware"]["gpus"] is None
    assert any("nvidia-smi" in error and "exit 9" in error for error in info["errors"])


def test_hanging_subprocess_times_out(
    fake_nvidia_smi: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_script(fake_nvidia_smi, "exec sleep 30")
    monkeypatch.setattr(system_info, "SUBPROCESS_TIMEOUT_S", 0.2)
    start = time.perf_counter()
    info = capture_system_info(CaptureOptions(git=False, packages=False, command=False))
    assert time.perf_counter() - start < 5
    assert info["hardware"]["gpus"] is None
    assert any("timed out" in error for error in info["errors"])


def test_run_clock() -> None:
    clock = RunClock()
    deadline = time.perf_counter() + 0.1
    while time.perf_counter() < deadline:
        pass
    times = clock.stop()
    assert set(times) == {"wall_time_s", "cpu_time_s"}
    assert 0.1 <= times["wall_time_s"] < 5
    assert 0 < times["cpu_time_s"] <= times["wall_time_s"] * (os.cpu_count() or 1) + 0.1
    assert clock.stop() == times
