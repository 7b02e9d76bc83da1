"""Pipeline pages: pipelines per project with their runs, one pipeline run (the step DAG
coloured by status, cache hits, attempts, durations, links, logs) and the schedules."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from shipyard.pipelines.cron import next_slot
from shipyard.pipelines.records import PipelineRunRecord, ScheduleRecord, StepRunRecord
from shipyard.pipelines.schedule_service import ScheduleService
from shipyard.pipelines.service import PipelineService
from shipyard.server.ui.render import render
from shipyard.server.ui.session import require_session
from shipyard.store.blobs import BlobStore

router = APIRouter(include_in_schema=False)
Session = Annotated[str, Depends(require_session)]

MAX_LOG_BYTES = 256 * 1024
NEXT_SLOTS = 5
NODE_W, NODE_H, COL_W, ROW_H = 200, 46, 250, 66


def _pipelines(request: Request) -> PipelineService:
    service: PipelineService = request.app.state.pipelines
    return service


def _schedules(request: Request) -> ScheduleService:
    service: ScheduleService = request.app.state.schedules
    return service


def dag_layout(steps: list[StepRunRecord]) -> dict[str, Any]:
    """A layered layout: each step one column right of its deepest upstream step."""
    by_name = {s.name: s for s in steps}
    layer: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in layer:
            ups = [u for u in by_name[name].upstream if u in by_name and u not in seen]
            layer[name] = 1 + max((depth(u, seen | {name}) for u in ups), default=-1)
        return layer[name]

    rows: dict[int, int] = {}
    placed: dict[str, dict[str, Any]] = {}
    for s in steps:
        col = depth(s.name)
        row = rows.get(col, 0)
        rows[col] = row + 1
        placed[s.name] = {"step": s, "x": 20 + col * COL_W, "y": 20 + row * ROW_H}
    edges = [(placed[u], placed[s.name]) for s in steps for u in s.upstream if u in placed]
    width = 40 + max(rows, default=0) * COL_W + NODE_W
    height = 40 + max(rows.values(), default=1) * ROW_H
    return {"nodes": list(placed.values()), "edges": edges, "width": width, "height": height}


def artifact_link(step: StepRunRecord) -> tuple[str, str] | None:
    """(URL, label) of the artifact a step produced (or reused), if any."""
    ref = str(step.outputs.get("value", {}).get("ref") or "")
    name, _, selector = ref.removeprefix("artifacts:/").rpartition(":")
    if not name or not selector:
        return None
    from urllib.parse import quote

    return f"/artifacts/{quote(name, safe='')}/{quote(selector, safe='')}", f"{name}:{selector}"


def read_log(blobs: BlobStore, digest: str | None, size: int | None) -> tuple[str, bool]:
    """A step's captured log (its last 256 KiB) and whether it was cut."""
    if digest is None:
        return "", False
    with blobs.open(digest) as fh:
        if size and size > MAX_LOG_BYTES:
            fh.seek(size - MAX_LOG_BYTES)
        data = fh.read(MAX_LOG_BYTES)
    return data.decode("utf-8", "replace"), bool(size and size > MAX_LOG_BYTES)


def next_slots(schedule: ScheduleRecord, now: int, count: int = NEXT_SLOTS) -> list[int]:
    """The next ``count`` cron slots after ``now`` (none while paused)."""
    if schedule.status != "ACTIVE":
        return []
    out: list[int] = []
    after = now
    for _ in range(count):
        after = next_slot(schedule.cron, schedule.timezone, after)
        out.append(after)
    return out


@router.get("/pipelines", response_class=HTMLResponse)
def pipelines_page(
    request: Request, user: Session, project: Annotated[str, Query(max_length=300)] = ""
) -> Response:
    service = _pipelines(request)
    found = [p for p in service.list_pipelines() if not project or p.project == project]
    projects: dict[str, list[Any]] = {}
    for p in found:
        last = service.list_runs(p.name, limit=1)
        projects.setdefault(p.project, []).append((p, last[0] if last else None))
    return render(
        request, "pipelines.html", user=user, projects=sorted(projects.items()), project=project
    )


@router.get("/pipelines/{name}", response_class=HTMLResponse)
def pipeline_page(request: Request, name: str, user: Session) -> Response:
    service = _pipelines(request)
    pipe = service.get_pipeline(name)
    runs = service.list_runs(name, limit=200)
    schedules = [s for s in _schedules(request).list_schedules() if s.pipeline == name]
    return render(request, "pipeline.html", user=user, pipe=pipe, runs=runs, schedules=schedules)


@router.get("/pipeline-runs/{run_id}", response_class=HTMLResponse)
def pipeline_run_page(request: Request, run_id: str, user: Session) -> Response:
    run: PipelineRunRecord = _pipelines(request).get_run(run_id)
    blobs: BlobStore = request.app.state.blobs
    logs = {s.name: read_log(blobs, s.log_digest, s.log_bytes) for s in run.steps}
    links = {s.name: artifact_link(s) for s in run.steps}
    return render(
        request, "pipeline_run.html", user=user, run=run, dag=dag_layout(run.steps),
        logs=logs, links=links, box=(NODE_W, NODE_H),
    )  # fmt: skip


@router.get("/schedules", response_class=HTMLResponse)
def schedules_page(request: Request, user: Session) -> Response:
    from shipyard.core.timeutil import now_ms

    service = _schedules(request)
    now = now_ms()
    rows = [
        (s, next_slots(s, now), service.list_slots(s.name, limit=20))
        for s in service.list_schedules()
    ]
    return render(request, "schedules.html", user=user, rows=rows)
