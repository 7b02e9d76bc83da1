"""Pipelines the tests run (importable, so Ray workers and the scheduler can load them)."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from shipyard.pipelines import pipeline, step

log = logging.getLogger("fixture")


def _count(name: str) -> None:
    """Append to a counter file so tests can see how often a step really ran."""
    folder = os.environ.get("SHIPYARD_TEST_COUNTS")
    if folder:
        with (Path(folder) / f"{name}.txt").open("a") as f:
            f.write("x")


@step(cache=True)
def load_raw(rows: int) -> pd.DataFrame:
    _count("load_raw")
    print("loading raw rows", rows)
    return pd.DataFrame({"x": np.arange(rows, dtype=float), "y": np.arange(rows) * 2.0})


@step(cache=True, retries=1, retry_delay=0.01)
def features(raw: pd.DataFrame, scale: float = 1.0) -> pd.DataFrame:
    _count("features")
    log.info("building features from %d rows", len(raw))
    return raw.assign(x2=raw["x"] * scale)


@step
def train(features: pd.DataFrame, lr: float) -> dict[str, Any]:
    _count("train")
    if os.environ.get("SHIPYARD_TEST_FAIL_TRAIN"):
        raise RuntimeError("train failed on purpose")
    return {"lr": lr, "rows": len(features), "weight": float(features["x2"].sum()) * lr}


@step
def stats(raw: pd.DataFrame) -> np.ndarray:
    _count("stats")
    return raw.to_numpy().mean(axis=0)


@pipeline(project="pipes", schedule="0 * * * *")
def training(rows: int = 10, lr: float = 0.1, scale: float = 2.0):
    raw = load_raw(rows)
    stats(raw)
    return train(features(raw, scale), lr)


@step(timeout=1.0)
def sleepy(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


@pipeline(project="pipes")
def slow(seconds: float = 30.0):
    return sleepy(seconds)


@step(retries=2, retry_delay=0.01)
def flaky(marker: str) -> str:
    path = Path(marker)
    attempts = int(path.read_text()) if path.exists() else 0
    path.write_text(str(attempts + 1))
    if attempts < 2:
        raise ValueError(f"flaky attempt {attempts + 1}")
    return f"ok after {attempts + 1}"


@pipeline(project="pipes")
def retrying(marker: str = ""):
    return flaky(marker)


@step
def window(interval_start: str, interval_end: str) -> dict[str, str]:
    return {"start": interval_start, "end": interval_end}


@pipeline(project="pipes", schedule="0 0 * * *")
def daily(interval_start: str = "", interval_end: str = ""):
    return window(interval_start, interval_end)


@step
def sleep_a(seconds: float) -> float:
    time.sleep(seconds)
    return time.time()


@step
def sleep_b(seconds: float) -> float:
    time.sleep(seconds)
    return time.time()


@step
def join(a: float, b: float) -> list[float]:
    return [a, b]


@pipeline(project="pipes")
def parallel(seconds: float = 0.5):
    return join(sleep_a(seconds), sleep_b(seconds))


@step
def unstorable() -> object:
    return object()


@pipeline(project="pipes")
def bad_output():
    return unstorable()
