"""The media half of the ``Backend`` protocol: record and list a run's media items.

Bytes travel as blobs first (``missing_blobs`` / ``upload_blob`` of the artifacts half),
then ``log_media`` records the items in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from shipyard.media import MediaKeySummary, MediaRecord, MediaSpec


@runtime_checkable
class MediaBackend(Protocol):
    """What the SDK needs to store and find media."""

    def log_media(self, run_id: str, items: Sequence[MediaSpec]) -> list[MediaRecord]:
        """Record items whose blobs are stored (same key, step and index replaces)."""
        ...

    def list_media(
        self,
        run_id: str,
        key: str | None = None,
        kind: str | None = None,
        step: int | None = None,
    ) -> list[MediaRecord]: ...

    def media_keys(self, run_id: str) -> list[MediaKeySummary]: ...

    def get_media(self, media_id: int) -> MediaRecord: ...
