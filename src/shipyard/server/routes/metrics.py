"""Chart routes: down-sampled metric series, mean ± std bands, raw series downloads."""

from __future__ import annotations

import io
import re

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from fastapi import APIRouter, Query, Response

from shipyard.core.errors import InvalidInputError
from shipyard.server._common import JSONBytesResponse, Tracking, json_response
from shipyard.tracking.downsample import MAX_POINTS, MIN_POINTS, ChartQuery, band, chart_series

router = APIRouter(tags=["charts"])
MAX_BAND_RUNS = 200
MAX_KEY = 250
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.get("/runs/{run_id}/metrics/chart", summary="A metric down-sampled for a chart")
def chart(
    run_id: str,
    service: Tracking,
    *,
    key: str = Query(min_length=1, max_length=MAX_KEY),
    points: int = Query(default=1000, ge=MIN_POINTS, le=MAX_POINTS),
    method: str = Query(default="lttb", pattern="^(lttb|minmax)$"),
    x: str = Query(default="step", pattern="^(step|time)$"),
    start: int | None = None,
    end: int | None = None,
) -> JSONBytesResponse:
    """At most ``points`` points chosen by LTTB or min/max buckets, within an optional
    step window ``[start, end]`` (for zooming), plus the stored point count."""
    history = service.get_metric_history(run_id, key)
    query = ChartQuery(points=points, method=method, x=x, start=start, end=end)
    return json_response(chart_series(history, query))


@router.get("/metrics/band", summary="Mean ± std of a metric across runs")
def metric_band(
    service: Tracking,
    runs: str = Query(min_length=32, max_length=33 * MAX_BAND_RUNS),
    key: str = Query(min_length=1, max_length=MAX_KEY),
    points: int = Query(default=500, ge=MIN_POINTS, le=MAX_POINTS),
) -> JSONBytesResponse:
    """``runs`` is a comma-separated list of run ids; the result holds ``steps``,
    ``mean``, ``std``, ``min``, ``max`` and ``n`` (runs with data at each step)."""
    ids = [r for r in runs.split(",") if r]
    if len(ids) > MAX_BAND_RUNS:
        raise InvalidInputError(f"At most {MAX_BAND_RUNS} runs per band")
    histories = [service.get_metric_history(r, key) for r in dict.fromkeys(ids)]
    return json_response({"key": key, "runs": len(histories), **band(histories, points)})


@router.get(
    "/runs/{run_id}/metrics/download",
    summary="Every point of a metric as CSV or Parquet",
    response_class=Response,
)
def download(
    run_id: str,
    service: Tracking,
    key: str = Query(min_length=1, max_length=MAX_KEY),
    format: str = Query(default="csv", pattern="^(csv|parquet)$"),
) -> Response:
    """Columns ``step, timestamp, value`` (NaN and infinities kept)."""
    h = service.get_metric_history(run_id, key)
    table = pa.table({"step": h.steps, "timestamp": h.timestamps, "value": h.values})
    buf = io.BytesIO()
    if format == "csv":
        pacsv.write_csv(table, buf)
        media_type = "text/csv"
    else:
        pq.write_table(table, buf)
        media_type = "application/vnd.apache.parquet"
    name = _UNSAFE_FILENAME.sub("_", f"{run_id[:8]}-{key}")[:120] + f".{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(buf.getvalue(), media_type=media_type, headers=headers)
