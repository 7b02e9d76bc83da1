"""A step that hangs on its first attempt and answers on the next (importable by workers)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from shipyard.pipelines import pipeline, step


@step(timeout=1.0, retries=1, retry_delay=0.01)
def hang_once(marker: str) -> dict[str, int]:
    path = Path(marker)
    first = not path.exists()
    path.write_text(str(os.getpid()))
    if first:
        time.sleep(120)
    return {"pid": os.getpid()}


@step
def after(value: dict[str, int]) -> dict[str, int]:
    return {"pid": os.getpid(), "upstream_pid": value["pid"]}


@pipeline(project="pipes")
def recovering(marker: str = ""):
    return after(hang_once(marker))
