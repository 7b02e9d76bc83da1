"""``PipelineService``: pipelines, pipeline runs and step runs in the metadata store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, RowMapping, select, update

from shipyard.core.errors import (
    InvalidInputError,
    InvalidPipelineError,
    PipelineNotFoundError,
    PipelineRunNotFoundError,
)
from shipyard.core.timeutil import now_ms
from shipyard.pipelines._sql import dumps, loads
from shipyard.pipelines.records import (
    PipelineRecord,
    PipelineRunRecord,
    PipelineStatus,
    StepRunRecord,
    StepStatus,
)
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema_pipelines import pipeline_runs, pipelines, step_runs

__all__ = ["STEP_FIELDS", "PipelineService"]

MAX_NAME = 256
MAX_LIST = 1000
#: step-run columns a caller may update (``update_step``)
STEP_FIELDS = frozenset(
    {
        "status",
        "run_id",
        "code_hash",
        "cache_key",
        "cached_from",
        "inputs",
        "outputs",
        "attempts",
        "started_at",
        "ended_at",
        "duration_ms",
        "log_digest",
        "log_bytes",
        "error",
    }
)
_JSON_STEP_FIELDS = {"inputs", "outputs"}


def _check_name(name: str, what: str = "Pipeline name") -> str:
    if not isinstance(name, str) or not name or len(name) > MAX_NAME:
        raise InvalidPipelineError(f"{what} must be 1..{MAX_NAME} characters, got {name!r}")
    return name


def _pipeline(row: RowMapping) -> PipelineRecord:
    return PipelineRecord(
        id=row["id"],
        name=row["name"],
        project=row["project"],
        target=row["target"],
        definition=loads(row["definition"], {}),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _step(row: RowMapping) -> StepRunRecord:
    data = dict(row)
    data["upstream"] = loads(row["upstream"], [])
    data["inputs"] = loads(row["inputs"], {})
    data["outputs"] = loads(row["outputs"], {})
    return StepRunRecord.from_dict(data)


class PipelineService:
    """Pipelines and their runs; every write is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- pipelines ----------------------------------------------------------------
    def register_pipeline(
        self, name: str, project: str, target: str = "", definition: Mapping[str, Any] | None = None
    ) -> PipelineRecord:
        """Create the pipeline or update its project, target and step graph."""
        _check_name(name)
        _check_name(project, "Project name")
        if len(target) > 1024:
            raise InvalidPipelineError("Pipeline target must be at most 1024 characters")
        now = now_ms()
        text = dumps(dict(definition or {}), "Pipeline definition")
        with write_transaction(self.engine) as conn:
            row = conn.execute(select(pipelines).where(pipelines.c.name == name)).mappings().first()
            values: dict[str, Any] = {"project": project, "definition": text, "updated_at": now}
            if target:
                values["target"] = target
            if row is None:
                values["target"] = target
                conn.execute(pipelines.insert().values(name=name, created_at=now, **values))
            else:
                conn.execute(update(pipelines).where(pipelines.c.id == row["id"]).values(values))
            new = conn.execute(select(pipelines).where(pipelines.c.name == name)).mappings().one()
        return _pipeline(new)

    def get_pipeline(self, name: str) -> PipelineRecord:
        with read_connection(self.engine) as conn:
            row = conn.execute(select(pipelines).where(pipelines.c.name == name)).mappings().first()
        if row is None:
            raise PipelineNotFoundError(f"No pipeline named {name!r}", name=name)
        return _pipeline(row)

    def list_pipelines(self) -> list[PipelineRecord]:
        with read_connection(self.engine) as conn:
            rows = conn.execute(select(pipelines).order_by(pipelines.c.name)).mappings().all()
        return [_pipeline(r) for r in rows]

    # -- runs ---------------------------------------------------------------------
    def create_run(
        self,
        pipeline: str,
        run_id: str,
        steps: Sequence[Mapping[str, Any]],
        *,
        params: Mapping[str, Any] | None = None,
        executor: str = "local",
        trigger: str = "manual",
        schedule_id: int | None = None,
        slot_time: int | None = None,
        resumed_from: str | None = None,
    ) -> PipelineRunRecord:
        """A RUNNING pipeline run with one PENDING step row per ``{"name", "upstream"}``."""
        now = now_ms()
        names = [s["name"] for s in steps]
        if len(set(names)) != len(names):
            raise InvalidPipelineError(f"Step names in a run must be unique, got {names}")
        with write_transaction(self.engine) as conn:
            pid = conn.execute(select(pipelines.c.id).where(pipelines.c.name == pipeline)).scalar()
            if pid is None:
                raise PipelineNotFoundError(f"No pipeline named {pipeline!r}", name=pipeline)
            conn.execute(
                pipeline_runs.insert().values(
                    id=run_id,
                    pipeline_id=pid,
                    status=PipelineStatus.RUNNING.value,
                    params=dumps(dict(params or {}), "Pipeline parameters"),
                    executor=executor,
                    trigger=trigger,
                    schedule_id=schedule_id,
                    slot_time=slot_time,
                    resumed_from=resumed_from,
                    started_at=now,
                )
            )
            if steps:
                conn.execute(
                    step_runs.insert(),
                    [
                        {
                            "pipeline_run_id": run_id,
                            "name": _check_name(s["name"], "Step name"),
                            "position": i,
                            "status": StepStatus.PENDING.value,
                            "upstream": dumps(list(s.get("upstream", [])), "Step upstream"),
                            "inputs": "{}",
                            "outputs": "{}",
                            "attempts": 0,
                        }
                        for i, s in enumerate(steps)
                    ],
                )
        return self.get_run(run_id)

    def finish_run(self, run_id: str, status: str, error: str | None = None) -> PipelineRunRecord:
        """Set the final status (and error) of a pipeline run."""
        if status not in PipelineStatus.__members__:
            raise InvalidInputError(f"Unknown pipeline run status {status!r}")
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                update(pipeline_runs)
                .where(pipeline_runs.c.id == run_id)
                .values(status=status, error=error, ended_at=now_ms())
            )
        if done.rowcount == 0:
            raise PipelineRunNotFoundError(f"No pipeline run {run_id!r}", run_id=run_id)
        return self.get_run(run_id)

    def update_step(self, pipeline_run_id: str, step_name: str, **values: Any) -> StepRunRecord:
        """Update columns of one step run (names in ``STEP_FIELDS``)."""
        unknown = set(values) - STEP_FIELDS
        if unknown:
            raise InvalidInputError(f"Unknown step run fields: {sorted(unknown)}")
        if "status" in values and values["status"] not in StepStatus.__members__:
            raise InvalidInputError(f"Unknown step status {values['status']!r}")
        for key in _JSON_STEP_FIELDS & set(values):
            values[key] = dumps(values[key], f"Step {key}")
        run_id, name = pipeline_run_id, step_name
        where = (step_runs.c.pipeline_run_id == run_id) & (step_runs.c.name == name)
        with write_transaction(self.engine) as conn:
            if values:
                conn.execute(update(step_runs).where(where).values(values))
            row = conn.execute(select(step_runs).where(where)).mappings().first()
        if row is None:
            raise PipelineRunNotFoundError(
                f"Pipeline run {run_id!r} has no step {name!r}", run_id=run_id, step=name
            )
        return _step(row)

    def get_run(self, run_id: str) -> PipelineRunRecord:
        with read_connection(self.engine) as conn:
            rows = self._run_rows(conn, pipeline_runs.c.id == run_id, 1)
            if not rows:
                raise PipelineRunNotFoundError(f"No pipeline run {run_id!r}", run_id=run_id)
            steps = conn.execute(
                select(step_runs)
                .where(step_runs.c.pipeline_run_id == run_id)
                .order_by(step_runs.c.position)
            ).mappings()
            return self._run(rows[0], [_step(s) for s in steps])

    def list_runs(
        self, pipeline: str | None = None, status: str | None = None, limit: int = 50
    ) -> list[PipelineRunRecord]:
        """Newest first, without their steps."""
        if not 1 <= limit <= MAX_LIST:
            raise InvalidInputError(f"limit must be in 1..{MAX_LIST}, got {limit}")
        where: Any = pipeline_runs.c.id.is_not(None)
        if pipeline is not None:
            where = where & (pipelines.c.name == pipeline)
        if status is not None:
            where = where & (pipeline_runs.c.status == status)
        with read_connection(self.engine) as conn:
            return [self._run(r, []) for r in self._run_rows(conn, where, limit)]

    def _run_rows(self, conn: Any, where: Any, limit: int) -> list[RowMapping]:
        stmt = (
            select(pipeline_runs, pipelines.c.name.label("pipeline"), pipelines.c.project)
            .join(pipelines, pipelines.c.id == pipeline_runs.c.pipeline_id)
            .where(where)
            .order_by(pipeline_runs.c.started_at.desc(), pipeline_runs.c.id)
            .limit(limit)
        )
        return list(conn.execute(stmt).mappings().all())

    def _run(self, row: RowMapping, steps: list[StepRunRecord]) -> PipelineRunRecord:
        data = dict(row)
        data.pop("pipeline_id", None)
        data["params"] = loads(row["params"], {})
        return PipelineRunRecord(**{**PipelineRunRecord._kwargs(data), "steps": steps})

    def find_cached_step(self, cache_key: str) -> StepRunRecord | None:
        """The newest step run with this cache key whose outputs were stored."""
        with read_connection(self.engine) as conn:
            row = (
                conn.execute(
                    select(step_runs)
                    .where(
                        (step_runs.c.cache_key == cache_key)
                        & (step_runs.c.status == StepStatus.SUCCEEDED.value)
                    )
                    .order_by(step_runs.c.id.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return None if row is None else _step(row)
