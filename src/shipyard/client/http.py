"""``HttpBackend``: the Backend protocol over the REST API of ``shipyard server``.

One ``httpx.Client`` (keep-alive connection pool, safe to share between threads) per
backend. Errors come back as the exception classes the server raised; an unreachable
server (refused connection, timeout, reset, 502/503/504) is BackendUnavailableError.
Metric history travels as an Arrow IPC stream and is decoded straight into numpy.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import numpy as np
import orjson

from shipyard.artifacts import (
    AliasEvent,
    ArtifactRecord,
    ArtifactVersionRecord,
    FileEntry,
    GcReport,
    LineageGraph,
    ManifestDiff,
)
from shipyard.client.http_features import HttpFeatures
from shipyard.client.http_media import HttpMedia
from shipyard.client.http_pipelines import HttpPipelines
from shipyard.client.http_registry import HttpRegistry
from shipyard.client.http_reports import HttpReports
from shipyard.core.config import ENV_TOKEN
from shipyard.core.errors import (
    BackendUnavailableError,
    BlobCorruptError,
    InvalidInputError,
    ShipyardError,
    error_from_code,
)
from shipyard.tracking import validation as v
from shipyard.tracking.entities import (
    MetricColumns,
    MetricHistory,
    MetricPoint,
    Project,
    RunPage,
    RunRecord,
    decode_float,
    encode_float,
    encode_floats_in,
)

__all__ = ["HttpBackend"]

API = "/api/v1"
ARROW_STREAM = "application/vnd.apache.arrow.stream"
MAX_POINTS_PER_REQUEST = 200_000
BATCH_HEADER = "Shipyard-Batch"
_UNAVAILABLE_STATUSES = frozenset({502, 503, 504})
OCTET_STREAM = "application/octet-stream"
MISSING_BATCH = 10_000
DOWNLOAD_CHUNK = 1024 * 1024
USER_HEADER = "Shipyard-User"


class HttpBackend(HttpFeatures, HttpRegistry, HttpMedia, HttpPipelines, HttpReports):
    """REST client of a Shipyard server; same behaviour as the embedded backend."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self._base_url = base_url.rstrip("/")
        token = token if token is not None else os.environ.get(ENV_TOKEN) or None
        headers = {
            "User-Agent": "shipyard-client",
            "Accept": "application/json",
            USER_HEADER: _os_user(),
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(base_url=self._base_url, headers=headers, timeout=timeout)

    @property
    def uri(self) -> str:
        return self._base_url

    # -- transport --------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        content: Any = None,
        params: Mapping[str, Any] | None = None,
        accept: str | None = None,
        content_type: str = "application/json",
    ) -> httpx.Response:
        """Send one request; raise the matching ShipyardError for any failure."""
        headers: dict[str, str] = {}
        if body is not None:
            content = _dumps(body)
        if content is not None:
            headers["Content-Type"] = content_type
        if accept is not None:
            headers["Accept"] = accept
        url = API + path
        try:
            response = self._client.request(
                method, url, content=content, params=params, headers=headers
            )
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _unreachable(self, exc: Exception) -> BackendUnavailableError:
        return BackendUnavailableError(
            f"Cannot reach the Shipyard server at {self._base_url}: {type(exc).__name__}: {exc}",
            url=self._base_url,
        )

    def _error(self, response: httpx.Response) -> ShipyardError:
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("error_code"), str):
            details = data.get("details")
            return error_from_code(
                data["error_code"],
                str(data.get("message", "")),
                details if isinstance(details, dict) else None,
            )
        snippet = response.text[:200].strip()
        if status in _UNAVAILABLE_STATUSES:
            return BackendUnavailableError(
                f"The Shipyard server at {self._base_url} is unavailable "
                f"(HTTP {status}): {snippet}",
                url=self._base_url,
                status=status,
            )
        return ShipyardError(
            f"Unexpected HTTP {status} from {response.request.method} {response.request.url}: "
            f"{snippet}",
            status=status,
        )

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return orjson.loads(self._request(method, path, body=body, **kwargs).content)

    # -- projects ---------------------------------------------------------------------
    def create_project(self, name: str, description: str = "") -> Project:
        body = {"name": name, "description": description}
        return Project.from_dict(self._json("POST", "/projects", body))

    def get_project(self, name: str) -> Project:
        return Project.from_dict(self._json("GET", f"/projects/{_segment(name)}"))

    def list_projects(self) -> list[Project]:
        return [Project.from_dict(p) for p in self._json("GET", "/projects")["projects"]]

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
    ) -> RunRecord:
        body = _without_none(
            project=project,
            name=name,
            config=dict(config) if config is not None else None,
            tags=dict(tags) if tags is not None else None,
            parent_id=parent_id,
            run_id=run_id,
            user=user,
            system=dict(system) if system is not None else None,
            start_time=start_time,
        )
        return RunRecord.from_dict(self._json("POST", "/runs", body))

    def get_run(self, run_id: str) -> RunRecord:
        return RunRecord.from_dict(self._json("GET", f"/runs/{_segment(run_id)}"))

    def update_run(
        self,
        run_id: str,
        *,
        status: str | None = None,
        end_time: int | None = None,
        name: str | None = None,
        summary: Mapping[str, Any] | None = None,
        system: Mapping[str, Any] | None = None,
    ) -> RunRecord:
        body = _without_none(
            status=str(status) if status is not None else None,
            end_time=end_time,
            name=name,
            summary=encode_floats_in(dict(summary)) if summary else None,
            system=dict(system) if system else None,
        )
        return RunRecord.from_dict(self._json("PATCH", f"/runs/{_segment(run_id)}", body))

    def delete_run(self, run_id: str) -> None:
        self._request("DELETE", f"/runs/{_segment(run_id)}")

    # -- logging ----------------------------------------------------------------------
    def log_batch(
        self,
        run_id: str,
        metrics: Sequence[MetricPoint] | MetricColumns = (),
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        batch_id: str | None = None,
    ) -> bool:
        """Send metrics, params and tags; False if ``batch_id`` was already stored.

        Points travel as columns, at most 200,000 per request; params and tags go with
        the first request. A batch larger than one request is split, each part with a
        batch id derived from ``batch_id``, so re-sending the whole batch stays a no-op.
        """
        columns = metrics if isinstance(metrics, MetricColumns) else _to_columns(metrics)
        path = f"/runs/{_segment(run_id)}/log-batch"
        extra: dict[str, Any] = {}
        if params:
            extra["params"] = {k: v.param_value(k, val) for k, val in params.items()}
        if tags:
            extra["tags"] = {k: v.tag_value(k, val) for k, val in tags.items()}
        stored = False
        for index, part in enumerate(_split(columns, MAX_POINTS_PER_REQUEST)):
            payload: dict[str, Any] = {"columns": _encode_columns(part), **extra}
            if batch_id is not None:
                payload["batch_id"] = _part_id(batch_id, index)
            response = self._request("POST", path, content=_dumps_fast(payload))
            stored = stored or response.headers.get(BATCH_HEADER) != "duplicate"
            extra = {}
        return stored

    def delete_tag(self, run_id: str, key: str) -> None:
        self._request("DELETE", f"/runs/{_segment(run_id)}/tags", params={"key": key})

    # -- reading ----------------------------------------------------------------------
    def get_metric_history(self, run_id: str, key: str) -> MetricHistory:
        """The full series of one metric, transferred as Arrow."""
        response = self._request(
            "GET",
            f"/runs/{_segment(run_id)}/metrics/history",
            params={"key": key},
            accept=ARROW_STREAM,
        )
        if response.headers.get("content-type", "").startswith(ARROW_STREAM):
            return _history_from_arrow(key, response.content)
        return _history_from_json(orjson.loads(response.content))

    def search_runs(
        self,
        projects: Sequence[str],
        filter: str | None = None,
        order_by: Sequence[str] = (),
        limit: int = 1000,
        page_token: str | None = None,
    ) -> RunPage:
        body = _without_none(
            projects=list(projects),
            filter=filter,
            order_by=list(order_by),
            limit=limit,
            page_token=page_token,
        )
        data = self._json("POST", "/runs/search", body)
        runs = [RunRecord.from_dict(r) for r in data["runs"]]
        return RunPage(runs=runs, next_page_token=data.get("next_page_token"))

    # -- artifacts --------------------------------------------------------------------
    def missing_blobs(self, digests: Sequence[str]) -> list[str]:
        unique = list(dict.fromkeys(digests))
        missing: list[str] = []
        for start in range(0, len(unique), MISSING_BATCH):
            body = {"digests": unique[start : start + MISSING_BATCH]}
            missing.extend(self._json("POST", "/blobs/missing", body)["missing"])
        return missing

    def upload_blob(self, path: Path, digest: str) -> None:
        """Stream the file to the server, which verifies it hashes to ``digest``."""
        with open(path, "rb") as f:
            self._request("PUT", f"/blobs/{_segment(digest)}", content=f, content_type=OCTET_STREAM)

    def download_blob(self, digest: str, dest: Path) -> Path:
        """Stream to ``<dest>.tmp-<uuid>``, verify the SHA-256, then rename into place."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f"{dest.name}.tmp-{uuid.uuid4().hex}")
        try:
            actual = self._download_to(digest, tmp)
            if actual != digest:
                raise BlobCorruptError(
                    f"Blob {digest} downloaded from {self._base_url} hashes to {actual}; "
                    f"{dest} was not written",
                    digest=digest,
                    actual=actual,
                    dest=str(dest),
                )
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
        return dest

    def _download_to(self, digest: str, tmp: Path) -> str:
        """Write the blob's bytes to ``tmp``; their SHA-256."""
        hasher = hashlib.sha256()
        url = f"{API}/blobs/{_segment(digest)}"
        try:
            with self._client.stream("GET", url, headers={"Accept": OCTET_STREAM}) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response)
                with open(tmp, "xb") as out:
                    for chunk in response.iter_bytes(DOWNLOAD_CHUNK):
                        hasher.update(chunk)
                        out.write(chunk)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        return hasher.hexdigest()

    def commit_artifact(
        self,
        name: str,
        type: str,
        entries: Sequence[FileEntry],
        *,
        metadata: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        aliases: Sequence[str] = (),
        description: str | None = None,
    ) -> ArtifactVersionRecord:
        body = _without_none(
            name=name,
            type=type,
            entries=[e.to_dict() for e in entries],
            metadata=dict(metadata) if metadata is not None else None,
            run_id=run_id,
            aliases=list(aliases),
            description=description,
        )
        return ArtifactVersionRecord.from_dict(self._json("POST", "/artifacts/versions", body))

    def get_artifact_version(self, ref: str) -> ArtifactVersionRecord:
        data = self._json("GET", "/artifacts/resolve", params={"ref": ref})
        return ArtifactVersionRecord.from_dict(data)

    def artifact_files(self, ref: str) -> list[FileEntry]:
        data = self._json("GET", "/artifacts/files", params={"ref": ref})
        return [FileEntry.from_dict(f) for f in data["files"]]

    def list_artifacts(self, type: str | None = None) -> list[ArtifactRecord]:
        params = {"type": type} if type is not None else None
        data = self._json("GET", "/artifacts", params=params)
        return [ArtifactRecord.from_dict(a) for a in data["artifacts"]]

    def list_artifact_versions(self, name: str) -> list[ArtifactVersionRecord]:
        data = self._json("GET", f"/artifacts/{_segment(name)}/versions")
        return [ArtifactVersionRecord.from_dict(v) for v in data["versions"]]

    def set_artifact_alias(self, name: str, alias: str, ref: str) -> ArtifactVersionRecord:
        path = f"/artifacts/{_segment(name)}/aliases/{_segment(alias)}"
        return ArtifactVersionRecord.from_dict(self._json("PUT", path, {"ref": ref}))

    def artifact_alias_history(self, name: str) -> list[AliasEvent]:
        data = self._json("GET", f"/artifacts/{_segment(name)}/alias-history")
        return [AliasEvent.from_dict(e) for e in data["events"]]

    def use_artifact(self, run_id: str, ref: str) -> ArtifactVersionRecord:
        path = f"/runs/{_segment(run_id)}/artifact-inputs"
        return ArtifactVersionRecord.from_dict(self._json("POST", path, {"ref": ref}))

    def artifact_lineage(
        self, ref: str, direction: str = "both", depth: int | None = None
    ) -> LineageGraph:
        params = {"ref": ref, "direction": direction}
        if depth is not None:
            params["depth"] = str(depth)
        return LineageGraph.from_dict(self._json("GET", "/artifacts/lineage", params=params))

    def run_artifacts(self, run_id: str) -> dict[str, list[ArtifactVersionRecord]]:
        data = self._json("GET", f"/runs/{_segment(run_id)}/artifacts")
        return {
            side: [ArtifactVersionRecord.from_dict(v) for v in data.get(side, [])]
            for side in ("input", "output")
        }

    def diff_artifacts(self, ref_a: str, ref_b: str) -> ManifestDiff:
        params = {"a": ref_a, "b": ref_b}
        return ManifestDiff.from_dict(self._json("GET", "/artifacts/diff", params=params))

    def delete_artifact_version(self, ref: str, *, force: bool = False) -> ArtifactVersionRecord:
        params = {"ref": ref, "force": "true" if force else "false"}
        data = self._json("DELETE", "/artifacts/versions", params=params)
        return ArtifactVersionRecord.from_dict(data)

    def collect_garbage(self, grace_s: float = 3600.0, *, dry_run: bool = False) -> GcReport:
        body = {"grace_s": grace_s, "dry_run": dry_run}
        return GcReport.from_dict(self._json("POST", "/admin/gc", body))

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpBackend:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _os_user() -> str:
    """Sent as ``Shipyard-User``: the server uses it as "who" only when auth is off."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        return ""
    return user if user.isascii() and user.isprintable() else ""


def _segment(value: str) -> str:
    """A URL path segment: names may contain '/', spaces and the like."""
    return quote(value, safe="")


def _without_none(**fields: Any) -> dict[str, Any]:
    return {k: val for k, val in fields.items() if val is not None}


def _dumps(body: Any) -> bytes:
    """JSON for ordinary requests: NaN allowed (as the server's parser accepts it)."""
    try:
        return json.dumps(body, allow_nan=True, default=_json_default).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"Request is not JSON-serialisable: {exc}") from exc


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} {value!r:.60}")


def _dumps_fast(payload: Any) -> bytes:
    return orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)


def _to_columns(points: Sequence[MetricPoint]) -> MetricColumns:
    columns = MetricColumns()
    for key, value, step, ts in points:
        columns.add(key, value, step, ts)
    return columns


def _split(columns: MetricColumns, size: int) -> Iterator[MetricColumns]:
    """Parts of at most ``size`` points (one part, possibly empty, if it fits)."""
    if columns.n_points() <= size:
        yield columns
        return
    part, room = MetricColumns(), size
    for key, (steps, stamps, values) in columns.items():
        start = 0
        while start < len(steps):
            end = start + room
            part[key] = (steps[start:end], stamps[start:end], values[start:end])
            room -= len(part[key][0])
            start = end
            if room == 0:
                yield part
                part, room = MetricColumns(), size
    if part:
        yield part


def _part_id(batch_id: str, index: int) -> str:
    if index == 0:
        return batch_id
    return hashlib.sha256(f"{batch_id}/{index}".encode()).hexdigest()[:32]


def _encode_columns(columns: MetricColumns) -> dict[str, dict[str, Any]]:
    """Columns for the wire: numpy arrays orjson writes natively, NaN/±inf as strings."""
    out: dict[str, dict[str, Any]] = {}
    for key, (steps, stamps, values) in columns.items():
        arr = _float_array(key, values)
        finite = np.isfinite(arr)
        encoded: Any = arr
        if not finite.all():
            encoded = arr.tolist()
            for i in np.flatnonzero(~finite).tolist():
                encoded[i] = encode_float(encoded[i])
        out[key] = {"steps": _ints(steps), "timestamps": _ints(stamps), "values": encoded}
    return out


def _float_array(key: str, values: Any) -> Any:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return np.ascontiguousarray(values, dtype=np.float64)
    if not all(type(x) is float for x in values):
        values = [v.metric_value(key, x) for x in values]  # rejects strings, None, ...
    return np.asarray(values, dtype=np.float64)


def _ints(xs: Any) -> Any:
    """Steps/timestamps as they are; the server rejects anything not an integer."""
    if isinstance(xs, np.ndarray):
        return np.ascontiguousarray(xs)
    return xs if isinstance(xs, list) else list(xs)


def _history_from_arrow(key: str, data: bytes) -> MetricHistory:
    import pyarrow as pa

    table = pa.ipc.open_stream(data).read_all()
    return MetricHistory(
        key=key,
        steps=_column(table, "step", np.int64),
        timestamps=_column(table, "timestamp", np.int64),
        values=_column(table, "value", np.float64),
    )


def _column(table: Any, name: str, dtype: Any) -> Any:
    column = table.column(name)
    if column.num_chunks == 1:
        array = column.chunk(0).to_numpy(zero_copy_only=False)
    else:
        array = column.to_numpy()
    return np.array(array, dtype=dtype, copy=True)


def _history_from_json(data: dict[str, Any]) -> MetricHistory:
    values = np.array([decode_float(x) for x in data["values"]], dtype=np.float64)
    return MetricHistory(
        key=str(data["key"]),
        steps=np.asarray(data["steps"], dtype=np.int64),
        timestamps=np.asarray(data["timestamps"], dtype=np.int64),
        values=values,
    )
