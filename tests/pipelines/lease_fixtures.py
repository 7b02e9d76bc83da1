"""A pipeline that blocks until the test opens its gate, for scheduler lease tests."""

from __future__ import annotations

import os
import time
from pathlib import Path

from shipyard.pipelines import pipeline, step


@step
def wait_for_gate(folder: str) -> int:
    """Mark that it started (one file per start), then wait for ``folder/open``."""
    gate = Path(folder)
    starts = len(list(gate.glob("started-*")))
    (gate / f"started-{starts + 1}-{os.getpid()}").touch()
    deadline = time.monotonic() + 120
    while not (gate / "open").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the test never opened the gate")
        time.sleep(0.05)
    return starts + 1


@pipeline(project="pipes", schedule="* * * * *")
def gated(folder: str = ""):
    return wait_for_gate(folder)
