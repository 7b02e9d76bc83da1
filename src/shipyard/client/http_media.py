"""``MediaBackend`` over REST (a mixin of ``HttpBackend``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shipyard.media import MediaKeySummary, MediaRecord, MediaSpec


class HttpMedia:
    """Media routes of ``shipyard server``; ``_json`` comes from ``HttpBackend``."""

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # provided by HttpBackend

    def log_media(self, run_id: str, items: Sequence[MediaSpec]) -> list[MediaRecord]:
        body = {"items": [i.to_dict() for i in items]}
        data = self._json("POST", f"/runs/{run_id}/media", body)
        return [MediaRecord.from_dict(r) for r in data["items"]]

    def list_media(
        self,
        run_id: str,
        key: str | None = None,
        kind: str | None = None,
        step: int | None = None,
    ) -> list[MediaRecord]:
        params = {"key": key, "kind": kind, "step": None if step is None else str(step)}
        query = {k: val for k, val in params.items() if val is not None}
        data = self._json("GET", f"/runs/{run_id}/media", params=query)
        return [MediaRecord.from_dict(r) for r in data["items"]]

    def media_keys(self, run_id: str) -> list[MediaKeySummary]:
        data = self._json("GET", f"/runs/{run_id}/media/keys")
        return [MediaKeySummary.from_dict(k) for k in data["keys"]]

    def get_media(self, media_id: int) -> MediaRecord:
        return MediaRecord.from_dict(self._json("GET", f"/media/{int(media_id)}"))
