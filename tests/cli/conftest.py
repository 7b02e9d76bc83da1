"""Fixtures for the CLI tests: an isolated SHIPYARD_HOME and a CliRunner helper."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from shipyard.cli.main import app

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def shipyard_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own embedded store; no server, token or offline mode leaks in."""
    home = tmp_path / "home"
    monkeypatch.setenv("SHIPYARD_HOME", str(home))
    for name in ("SHIPYARD_TRACKING_URI", "SHIPYARD_MODE", "SHIPYARD_AUTH", "SHIPYARD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHIPYARD_CAPTURE_PACKAGES", "1")
    monkeypatch.setenv("COLUMNS", "200")  # wide tables: cells are not folded
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def invoke() -> Invoke:
    """``invoke("runs", "list", ...)`` → the CliRunner result (stdout and stderr apart)."""
    runner = CliRunner()

    def _invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return _invoke


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with one commit and an uncommitted change; the working directory."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "train.py").write_text("print('v1')\n")
    git(repo, "add", "train.py")
    git(repo, "commit", "-q", "-m", "first")
    git(repo, "remote", "add", "origin", "https://user:secret@example.com/team/repo.git")
    (repo / "train.py").write_text("print('v2')\n")
    monkeypatch.chdir(repo)
    return repo
