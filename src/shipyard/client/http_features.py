"""The feature store over REST: the ``FeatureBackend`` half of ``HttpBackend``.

DataFrames travel as Arrow IPC streams (``application/vnd.apache.arrow.stream``) both
ways; definitions, reports and online lookups as JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from shipyard.features import (
    ApplyReport,
    DefinitionRecord,
    IngestionRecord,
    MaterializationRecord,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ARROW_STREAM", "HttpFeatures"]

ARROW_STREAM = "application/vnd.apache.arrow.stream"


def _name(value: str) -> str:
    return quote(value, safe="")


class HttpFeatures:
    """Mixin of ``HttpBackend``: needs its ``_request`` and ``_json``."""

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
        raise NotImplementedError  # provided by HttpBackend

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # provided by HttpBackend

    def apply_features(
        self, items: Sequence[Mapping[str, Any]], *, delete: bool = False
    ) -> ApplyReport:
        body = {"items": [dict(i) for i in items], "delete": delete}
        return ApplyReport.from_dict(self._json("POST", "/features/apply", body))

    def list_feature_definitions(self, kind: str | None = None) -> list[DefinitionRecord]:
        params = {"kind": kind} if kind else None
        data = self._json("GET", "/features/definitions", params=params)
        return [DefinitionRecord.from_dict(d) for d in data["definitions"]]

    def get_feature_definition(
        self, kind: str, name: str, version: int | None = None
    ) -> DefinitionRecord:
        params = {"version": str(version)} if version is not None else None
        path = f"/features/definitions/{_name(kind)}/{_name(name)}"
        return DefinitionRecord.from_dict(self._json("GET", path, params=params))

    def feature_definition_versions(self, kind: str, name: str) -> list[DefinitionRecord]:
        path = f"/features/definitions/{_name(kind)}/{_name(name)}/versions"
        return [DefinitionRecord.from_dict(d) for d in self._json("GET", path)["versions"]]

    def ingest_features(self, view: str, df: pd.DataFrame) -> IngestionRecord:
        from shipyard.features.arrow_io import frame_to_arrow

        response = self._request(
            "POST", f"/features/views/{_name(view)}/ingest",
            content=frame_to_arrow(df), content_type=ARROW_STREAM,
        )  # fmt: skip
        return IngestionRecord.from_dict(response.json())

    def feature_ingestions(self, view: str, version: int | None = None) -> list[IngestionRecord]:
        params = {"version": str(version)} if version is not None else None
        data = self._json("GET", f"/features/views/{_name(view)}/ingestions", params=params)
        return [IngestionRecord.from_dict(d) for d in data["ingestions"]]

    def historical_features(
        self,
        entity_df: pd.DataFrame,
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
        timestamp_column: str = "event_timestamp",
    ) -> pd.DataFrame:
        from shipyard.features.arrow_io import frame_from_arrow, frame_to_arrow

        params: dict[str, Any] = {"timestamp_column": timestamp_column}
        if service is not None:
            params["service"] = service
        if features is not None:
            params["features"] = list(features)
        response = self._request(
            "POST", "/features/historical", content=frame_to_arrow(entity_df),
            content_type=ARROW_STREAM, accept=ARROW_STREAM, params=params,
        )  # fmt: skip
        return frame_from_arrow(response.content)

    def materialize_features(
        self, end_ms: int | None = None, views: Sequence[str] | None = None
    ) -> list[MaterializationRecord]:
        body = {"end_ms": end_ms, "views": list(views) if views else None}
        data = self._json("POST", "/features/materialize", body)
        return [MaterializationRecord.from_dict(d) for d in data["materializations"]]

    def online_features(
        self,
        entity_rows: Sequence[Mapping[str, Any]],
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
    ) -> dict[str, list[Any]]:
        body = {
            "entity_rows": [dict(r) for r in entity_rows],
            "features": list(features) if features is not None else None,
            "service": service,
        }
        result: dict[str, list[Any]] = self._json("POST", "/features/online", body)["results"]
        return result
