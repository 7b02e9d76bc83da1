"""``shipyard quickstart`` once per test session, in a home each test copies.

The quickstart takes about half a minute, so ``quickstart_home`` (a session fixture in
``tests/conftest.py``) runs it once; a test that changes the home copies it first with
``copy_home``. A copied home is a real home: the database, blobs and feature store sit
under it and are found from ``SHIPYARD_HOME``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class QuickstartHome:
    """A home after one ``shipyard quickstart`` and what the command printed."""

    path: Path
    stdout: str

    @property
    def uri(self) -> str:
        return f"sqlite:///{self.path / 'shipyard.db'}"


def shipyard(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the ``shipyard`` CLI in its own process against ``home``; it must succeed.
    The working folder is the home, so the example is imported from the package."""
    env = {**os.environ, "SHIPYARD_HOME": str(home), "COLUMNS": "160"}
    env.pop("SHIPYARD_TRACKING_URI", None)
    proc = subprocess.run(
        [sys.executable, "-m", "shipyard.cli.main", *args],
        env=env, cwd=home, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def copy_home(home: QuickstartHome, dest: Path) -> QuickstartHome:
    """A copy of the home at ``dest`` (which must not exist yet)."""
    shutil.copytree(home.path, dest)
    return QuickstartHome(dest, home.stdout)


@pytest.fixture(scope="session")
def quickstart_home(tmp_path_factory: pytest.TempPathFactory) -> QuickstartHome:
    """A home after one ``shipyard quickstart``; copy it before changing anything."""
    path = tmp_path_factory.mktemp("quickstart")
    return QuickstartHome(path, shipyard(path, "quickstart").stdout)
