"""Embedded implementation of ``MediaBackend`` (a mixin of ``LocalBackend``)."""

from __future__ import annotations

from collections.abc import Sequence

from shipyard.media import MediaKeySummary, MediaRecord, MediaService, MediaSpec
from shipyard.store.blobs import BlobStore


class LocalMedia:
    """Media over the media service and the backend's blob store, in-process."""

    media_service: MediaService
    blobs: BlobStore

    def log_media(self, run_id: str, items: Sequence[MediaSpec]) -> list[MediaRecord]:
        return self.media_service.record(run_id, items, self.blobs)

    def list_media(
        self,
        run_id: str,
        key: str | None = None,
        kind: str | None = None,
        step: int | None = None,
    ) -> list[MediaRecord]:
        return self.media_service.find(run_id, key, kind, step)

    def media_keys(self, run_id: str) -> list[MediaKeySummary]:
        return self.media_service.keys(run_id)

    def get_media(self, media_id: int) -> MediaRecord:
        return self.media_service.get(media_id)
