"""The tracking service: projects, runs, params, tags, metrics and search over the store.

Both the embedded backend and the server call this; it holds the business rules
(immutable params, run lifecycle, config flattening) so no adapter repeats them.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError

from shipyard.core.errors import (
    ImmutableParamError,
    InvalidInputError,
    MetricNotFoundError,
    ProjectAlreadyExistsError,
    ProjectNotFoundError,
    RunAlreadyExistsError,
    RunNotFoundError,
)
from shipyard.core.ids import is_run_id, new_run_id, new_run_name
from shipyard.core.timeutil import now_ms
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema import ingested_batches, latest_metrics, metric_blocks, projects, runs
from shipyard.store.schema import params as params_table
from shipyard.store.schema import tags as tags_table
from shipyard.tracking import validation as v
from shipyard.tracking.entities import (
    MetricColumns,
    MetricHistory,
    MetricPoint,
    Project,
    RunPage,
    RunRecord,
    RunStatus,
)
from shipyard.tracking.metric_codec import decode_block
from shipyard.tracking.metric_store import claim_batch, iter_blocks, read_history, write_columns
from shipyard.tracking.run_loader import load_runs
from shipyard.tracking.search import build_search_query, parse_filter, parse_order_by

MAX_SEARCH_LIMIT = 50_000
_HEX = re.compile(r"[0-9a-f]+")


class TrackingService:
    """Business operations of experiment tracking over one metadata database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- projects ---------------------------------------------------------------------
    def create_project(self, name: str, description: str = "") -> Project:
        v.check_name(name, "Project")
        try:
            with write_transaction(self.engine) as conn:
                created = now_ms()
                row = {"name": name, "description": description, "created_at": created}
                pid = conn.execute(projects.insert().values(row)).inserted_primary_key
                assert pid is not None
                return Project(
                    id=int(pid[0]), name=name, description=description, created_at=created
                )
        except IntegrityError as exc:
            raise ProjectAlreadyExistsError(f"Project {name!r} already exists") from exc

    def get_project(self, name: str) -> Project:
        with read_connection(self.engine) as conn:
            row = conn.execute(select(projects).where(projects.c.name == name)).mappings().first()
        if row is None:
            raise ProjectNotFoundError(f"Project {name!r} does not exist")
        return Project(**row)

    def ensure_project(self, name: str) -> Project:
        """The project with this name, created if missing (safe under concurrency)."""
        try:
            return self.get_project(name)
        except ProjectNotFoundError:
            try:
                return self.create_project(name)
            except ProjectAlreadyExistsError:
                return self.get_project(name)

    def list_projects(self) -> list[Project]:
        with read_connection(self.engine) as conn:
            rows = conn.execute(select(projects).order_by(projects.c.name)).mappings().all()
        return [Project(**r) for r in rows]

    # -- runs -------------------------------------------------------------------------
    def create_run(
        self,
        project: str,
        *,
        name: str | None = None,
        config: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        parent_id: str | None = None,
        run_id: str | None = None,
        user: str = "",
        system: Mapping[str, Any] | None = None,
        start_time: int | None = None,
        status: RunStatus = RunStatus.RUNNING,
    ) -> RunRecord:
        """Start a run in ``project`` (created if missing); config becomes dotted params."""
        run_id = run_id or new_run_id()
        if not is_run_id(run_id):
            raise InvalidInputError(f"Run id {run_id!r} is not 32 lowercase hex digits")
        name = v.check_name(name, "Run") if name is not None else new_run_name()
        config = dict(config or {})
        flat = {
            v.check_key(k, "Config"): v.param_value(k, val)
            for k, val in v.flatten_config(config).items()
        }
        tag_rows = {v.check_key(k, "Tag"): v.tag_value(k, val) for k, val in (tags or {}).items()}
        proj = self.ensure_project(project)
        row = {
            "id": run_id,
            "project_id": proj.id,
            "name": name,
            "status": RunStatus(status).value,
            "user": user,
            "parent_id": parent_id,
            "start_time": start_time if start_time is not None else now_ms(),
            "end_time": None,
            "config": v.json_safe(config, "Run config"),
            "summary": "{}",
            "system": v.json_safe(dict(system or {}), "System metadata"),
        }
        try:
            with write_transaction(self.engine) as conn:
                if parent_id is not None:
                    self._require_run(conn, parent_id, what="Parent run")
                conn.execute(runs.insert().values(row))
                if flat:
                    conn.execute(
                        params_table.insert(),
                        [{"run_id": run_id, "key": k, "value": val} for k, val in flat.items()],
                    )
                if tag_rows:
                    conn.execute(
                        tags_table.insert(),
                        [{"run_id": run_id, "key": k, "value": val} for k, val in tag_rows.items()],
                    )
        except IntegrityError as exc:
            raise RunAlreadyExistsError(f"Run {run_id} already exists") from exc
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> RunRecord:
        """A run by id, or by a unique prefix of 6+ hex digits (as the CLI shows them)."""
        with read_connection(self.engine) as conn:
            if 6 <= len(run_id) < 32 and _HEX.fullmatch(run_id):
                run_id = self._resolve_prefix(conn, run_id)
            found = load_runs(conn, [run_id])
        if not found:
            raise RunNotFoundError(f"Run {run_id!r} does not exist")
        return found[0]

    @staticmethod
    def _resolve_prefix(conn: Any, prefix: str) -> str:
        ids = (
            conn.execute(
                select(runs.c.id).where(runs.c.id.startswith(prefix, autoescape=True)).limit(2)
            )
            .scalars()
            .all()
        )
        if len(ids) > 1:
            raise InvalidInputError(f"Run id prefix {prefix!r} is ambiguous; give more digits")
        if not ids:
            raise RunNotFoundError(f"No run id starts with {prefix!r}")
        return str(ids[0])

    def update_run(
        self,
        run_id: str,
        *,
        status: RunStatus | str | None = None,
        end_time: int | None = None,
        name: str | None = None,
        summary: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        """Change lifecycle fields; ``summary`` and ``system`` are merged into what is stored."""
        values: dict[str, Any] = {}
        if status is not None:
            try:
                values["status"] = RunStatus(status).value
            except ValueError as exc:
                allowed = ", ".join(s.value for s in RunStatus)
                raise InvalidInputError(f"Unknown run status {status!r}; use {allowed}") from exc
        if end_time is not None:
            values["end_time"] = end_time
        if name is not None:
            values["name"] = v.check_name(name, "Run")
        with write_transaction(self.engine) as conn:
            row = self._require_run(conn, run_id)
            if summary:
                merged = {**json.loads(row["summary"]), **summary}
                values["summary"] = v.json_safe(merged, "Run summary")
            if system:
                merged = {**json.loads(row["system"]), **system}
                values["system"] = v.json_safe(merged, "System metadata")
            if values:
                conn.execute(update(runs).where(runs.c.id == run_id).values(values))
        return self.get_run(run_id)

    def delete_run(self, run_id: str) -> None:
        """Delete a run and everything logged to it."""
        with write_transaction(self.engine) as conn:
            self._require_run(conn, run_id)
            series = select(latest_metrics.c.id).where(latest_metrics.c.run_id == run_id)
            conn.execute(delete(metric_blocks).where(metric_blocks.c.series_id.in_(series)))
            conn.execute(delete(ingested_batches).where(ingested_batches.c.run_id == run_id))
            conn.execute(delete(latest_metrics).where(latest_metrics.c.run_id == run_id))
            conn.execute(delete(params_table).where(params_table.c.run_id == run_id))
            conn.execute(delete(tags_table).where(tags_table.c.run_id == run_id))
            conn.execute(delete(runs).where(runs.c.id == run_id))

    # -- logging ----------------------------------------------------------------------
    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricPoint] | MetricColumns = (),
        params_: Mapping[str, Any] | None = None,
        tags_: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
    ) -> bool:
        """Store metrics, params and tags of one run atomically (all or nothing).

        A ``batch_id`` makes the call idempotent: a batch this run already stored under
        the same id is skipped (returns False), so a client may re-send after a lost reply.
        """
        if batch_id is not None and not (0 < len(batch_id) <= 64):
            raise InvalidInputError("batch_id must be 1 to 64 characters")
        columns = self._checked_columns(metrics)
        new_params = {
            v.check_key(k, "Param"): v.param_value(k, val) for k, val in (params_ or {}).items()
        }
        new_tags = {v.check_key(k, "Tag"): v.tag_value(k, val) for k, val in (tags_ or {}).items()}
        with write_transaction(self.engine) as conn:
            self._require_run(conn, run_id)
            if not claim_batch(conn, run_id, batch_id):
                return False
            if new_params:
                self._insert_params(conn, run_id, new_params)
            if new_tags:
                self._upsert_tags(conn, run_id, new_tags)
            write_columns(conn, run_id, columns)
        return True

    @staticmethod
    def _checked_columns(metrics: Sequence[MetricPoint] | MetricColumns) -> MetricColumns:
        """Validate a batch; each key is checked once and well-typed columns pass through
        untouched (this runs for every point logged, so it avoids per-point objects)."""
        if not isinstance(metrics, MetricColumns):
            metrics = MetricColumns.from_points(metrics)
        out = MetricColumns()
        for key, (steps, stamps, values) in metrics.items():
            v.check_key(key, "Metric")
            if not len(steps) == len(stamps) == len(values):
                raise InvalidInputError(
                    f"Metric {key!r}: steps, timestamps and values differ in length"
                )
            if any(type(x) is not float for x in values):
                values = [v.metric_value(key, x) for x in values]  # noqa: PLW2901
            if any(type(x) is not int for x in steps):
                steps = [_as_int(key, "step", x) for x in steps]  # noqa: PLW2901
            if any(type(x) is not int for x in stamps):
                stamps = [_as_int(key, "timestamp", x) for x in stamps]  # noqa: PLW2901
            out[key] = (steps, stamps, values)
        return out

    def _insert_params(self, conn: Any, run_id: str, new: dict[str, str]) -> None:
        existing = dict(
            conn.execute(
                select(params_table.c.key, params_table.c.value).where(
                    params_table.c.run_id == run_id, params_table.c.key.in_(list(new))
                )
            ).all()
        )
        changed = sorted(k for k, val in new.items() if k in existing and existing[k] != val)
        if changed:
            details = "; ".join(f"{k!r}: {existing[k]!r} → {new[k]!r}" for k in changed[:5])
            raise ImmutableParamError(
                f"Params are immutable; run {run_id} already has a different value for {details}",
                keys=changed,
            )
        rows = [
            {"run_id": run_id, "key": k, "value": val}
            for k, val in new.items()
            if k not in existing
        ]
        if rows:
            conn.execute(params_table.insert(), rows)

    @staticmethod
    def _upsert_tags(conn: Any, run_id: str, new: dict[str, str]) -> None:
        conn.execute(
            delete(tags_table).where(tags_table.c.run_id == run_id, tags_table.c.key.in_(list(new)))
        )
        conn.execute(
            tags_table.insert(),
            [{"run_id": run_id, "key": k, "value": val} for k, val in new.items()],
        )

    def delete_tag(self, run_id: str, key: str) -> None:
        with write_transaction(self.engine) as conn:
            self._require_run(conn, run_id)
            conn.execute(
                delete(tags_table).where(tags_table.c.run_id == run_id, tags_table.c.key == key)
            )

    # -- reading ----------------------------------------------------------------------
    def get_metric_history(self, run_id: str, key: str) -> MetricHistory:
        """The full series of one metric, any length."""
        with read_connection(self.engine) as conn:
            self._require_run(conn, run_id)
            sid = conn.execute(
                select(latest_metrics.c.id).where(
                    latest_metrics.c.run_id == run_id, latest_metrics.c.key == key
                )
            ).scalar()
            if sid is None:
                raise MetricNotFoundError(f"Run {run_id} has no metric {key!r}", key=key)
            return read_history(conn, int(sid), key)

    def get_metric_histories(self, run_ids: Sequence[str], key: str) -> dict[str, MetricHistory]:
        """The full series of one metric for many runs, read in one transaction (runs
        that never logged ``key`` are left out)."""
        ids = list(dict.fromkeys(run_ids))
        out: dict[str, MetricHistory] = {}
        t = latest_metrics.c
        with read_connection(self.engine) as conn:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                query = select(t.run_id, t.id).where(t.run_id.in_(chunk), t.key == key)
                for run_id, sid in conn.execute(query).all():
                    out[str(run_id)] = read_history(conn, int(sid), key)
        return out

    def iter_metric_blocks(self, run_id: str) -> Iterator[tuple[int, MetricColumns]]:
        """Every stored block of a run as (block id, columns); blocks never change once
        written, so their ids make stable batch ids for ``shipyard sync``."""
        with read_connection(self.engine) as conn:
            self._require_run(conn, run_id)
            series = conn.execute(
                select(latest_metrics.c.id, latest_metrics.c.key).where(
                    latest_metrics.c.run_id == run_id
                )
            ).all()
        for sid, key in series:
            with read_connection(self.engine) as conn:
                blocks = list(iter_blocks(conn, int(sid)))
            for block_id, data in blocks:
                steps, stamps, values = decode_block(data)
                yield (
                    block_id,
                    MetricColumns({key: (steps.tolist(), stamps.tolist(), values.tolist())}),
                )

    def search_runs(
        self,
        projects_: Sequence[str],
        filter_: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 1000,
        page_token: str | None = None,
    ) -> RunPage:
        """Runs of the given projects matching the filter, in order, one page at a time."""
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            raise InvalidInputError(f"limit must be between 1 and {MAX_SEARCH_LIMIT}, got {limit}")
        offset = decode_page_token(page_token)
        tree = parse_filter(filter_ or "")
        order = parse_order_by(list(order_by))
        with read_connection(self.engine) as conn:
            ids = [self._project_id(conn, name) for name in projects_]
            query = build_search_query(ids, tree, order, limit + 1, offset)
            run_ids = [r[0] for r in conn.execute(query)]
            records = load_runs(conn, run_ids[:limit])
        token = encode_page_token(offset + limit) if len(run_ids) > limit else None
        return RunPage(runs=records, next_page_token=token)

    # -- helpers ----------------------------------------------------------------------
    @staticmethod
    def _project_id(conn: Any, name: str) -> int:
        pid = conn.execute(select(projects.c.id).where(projects.c.name == name)).scalar()
        if pid is None:
            raise ProjectNotFoundError(f"Project {name!r} does not exist")
        return int(pid)

    @staticmethod
    def _require_run(conn: Any, run_id: str, what: str = "Run") -> Any:
        row = conn.execute(select(runs).where(runs.c.id == run_id)).mappings().first()
        if row is None:
            raise RunNotFoundError(f"{what} {run_id!r} does not exist")
        return row


def _as_int(key: str, what: str, value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidInputError(f"Metric {key!r}: {what} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError as exc:
        raise InvalidInputError(
            f"Metric {key!r}: {what} must be an integer, got {value!r}"
        ) from exc


def encode_page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_page_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise InvalidInputError(f"Invalid page token {token[:40]!r}") from exc
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInputError(f"Invalid page token {token[:40]!r}")
    return offset
