"""Plain data objects the tracking service returns and the REST API serialises."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"


TERMINAL_STATUSES = frozenset({RunStatus.FINISHED, RunStatus.FAILED, RunStatus.KILLED})


class MetricPoint(NamedTuple):
    """One metric value: ``timestamp`` in ms since the epoch."""

    key: str
    value: float
    step: int
    timestamp: int


class MetricColumns(dict[str, tuple[list[int], list[int], list[float]]]):
    """A batch of points grouped by key: ``{key: (steps, timestamps, values)}``.

    The SDK builds batches in this shape because it is what the store writes (one block
    per key) and what the wire format carries, so no point is ever boxed on its own.
    """

    def add(self, key: str, value: float, step: int, timestamp: int) -> None:
        col = self.get(key)
        if col is None:
            col = self[key] = ([], [], [])
        col[0].append(step)
        col[1].append(timestamp)
        col[2].append(value)

    def add_step(self, values: dict[str, float], step: int, timestamp: int) -> None:
        """All keys of one ``run.log`` call."""
        for key, value in values.items():
            col = self.get(key)
            if col is None:
                col = self[key] = ([], [], [])
            col[0].append(step)
            col[1].append(timestamp)
            col[2].append(value)

    @classmethod
    def from_points(cls, points: Sequence[MetricPoint]) -> MetricColumns:
        cols = cls()
        for key, value, step, ts in points:
            cols.add(key, value, step, ts)
        return cols

    def n_points(self) -> int:
        return sum(len(c[0]) for c in self.values())

    def points(self) -> list[MetricPoint]:
        return [
            MetricPoint(key, v, s, t)
            for key, (steps, stamps, values) in self.items()
            for s, t, v in zip(steps, stamps, values, strict=True)
        ]


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    description: str
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Project:
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            description=str(data.get("description", "")),
            created_at=int(data["created_at"]),
        )


@dataclass(frozen=True)
class LatestMetric:
    """The latest point of one metric of a run (highest step, then newest timestamp)."""

    key: str
    value: float
    step: int
    timestamp: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": encode_float(self.value),
            "step": self.step,
            "timestamp": self.timestamp,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LatestMetric:
        return cls(
            key=str(data["key"]),
            value=decode_float(data["value"]),
            step=int(data["step"]),
            timestamp=int(data["timestamp"]),
        )


@dataclass(frozen=True)
class RunRecord:
    """Everything stored about a run, as one snapshot."""

    id: str
    name: str
    project: str
    status: RunStatus
    user: str
    parent_id: str | None
    start_time: int
    end_time: int | None
    params: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    latest_metrics: dict[str, LatestMetric] = field(default_factory=dict)
    summary_overrides: dict[str, Any] = field(default_factory=dict)
    system: dict[str, Any] = field(default_factory=dict)

    @property
    def metrics(self) -> dict[str, float]:
        """Latest value of each metric."""
        return {k: m.value for k, m in self.latest_metrics.items()}

    @property
    def summary(self) -> dict[str, Any]:
        """Last value of each metric, overridden by explicitly set summary values."""
        merged: dict[str, Any] = dict(self.metrics)
        merged.update(self.summary_overrides)
        return merged

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "project": self.project,
            "status": self.status.value,
            "user": self.user,
            "parent_id": self.parent_id,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "params": self.params,
            "config": self.config,
            "tags": self.tags,
            "metrics": [m.to_dict() for m in self.latest_metrics.values()],
            "summary": encode_floats_in(self.summary_overrides),
            "system": self.system,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        metrics = [LatestMetric.from_dict(m) for m in data.get("metrics", [])]
        return cls(
            id=str(data["id"]),
            name=str(data["name"]),
            project=str(data["project"]),
            status=RunStatus(data["status"]),
            user=str(data.get("user", "")),
            parent_id=data.get("parent_id"),
            start_time=int(data["start_time"]),
            end_time=None if data.get("end_time") is None else int(data["end_time"]),
            params=dict(data.get("params", {})),
            config=dict(data.get("config", {})),
            tags=dict(data.get("tags", {})),
            latest_metrics={m.key: m for m in metrics},
            summary_overrides=decode_floats_in(dict(data.get("summary", {}))),
            system=dict(data.get("system", {})),
        )


@dataclass(frozen=True)
class RunPage:
    """One page of search results; ``next_page_token`` is None on the last page."""

    runs: list[RunRecord]
    next_page_token: str | None


@dataclass(frozen=True)
class MetricHistory:
    """The full series of one metric, ordered by step then timestamp."""

    key: str
    steps: npt.NDArray[np.int64]
    timestamps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def points(self) -> list[MetricPoint]:
        return [
            MetricPoint(self.key, float(v), int(s), int(t))
            for s, t, v in zip(self.steps, self.timestamps, self.values, strict=True)
        ]

    def to_pandas(self) -> Any:
        """A DataFrame with columns step, timestamp, value (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(
            {"step": self.steps, "timestamp": self.timestamps, "value": self.values}
        )


_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def encode_float(value: float) -> float | str:
    """JSON has no NaN/inf: send them as the strings ``NaN``, ``Infinity``, ``-Infinity``."""
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def decode_float(value: Any) -> float:
    if isinstance(value, str):
        if value in _SPECIAL:
            return _SPECIAL[value]
        raise ValueError(f"not a number: {value!r}")
    return float(value)


def encode_floats_in(data: dict[str, Any]) -> dict[str, Any]:
    return {k: encode_float(v) if isinstance(v, float) else v for k, v in data.items()}


def decode_floats_in(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _SPECIAL.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
