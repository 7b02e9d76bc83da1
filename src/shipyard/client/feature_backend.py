"""The feature store half of the ``Backend`` protocol.

DataFrames cross this interface: the embedded backend hands them to the feature service,
the HTTP backend sends them as Arrow IPC streams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from shipyard.features import (
    ApplyReport,
    DefinitionRecord,
    IngestionRecord,
    MaterializationRecord,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FeatureBackend"]


@runtime_checkable
class FeatureBackend(Protocol):
    """What the ``FeatureStore`` SDK needs from a store."""

    def apply_features(
        self, items: Sequence[Mapping[str, Any]], *, delete: bool = False
    ) -> ApplyReport:
        """Store ``[{"kind", "name", "spec"}, ...]`` as the complete set of definitions."""
        ...

    def list_feature_definitions(self, kind: str | None = None) -> list[DefinitionRecord]: ...

    def get_feature_definition(
        self, kind: str, name: str, version: int | None = None
    ) -> DefinitionRecord: ...

    def feature_definition_versions(self, kind: str, name: str) -> list[DefinitionRecord]: ...

    def ingest_features(self, view: str, df: pd.DataFrame) -> IngestionRecord:
        """Validate and append a batch, all or nothing."""
        ...

    def feature_ingestions(self, view: str, version: int | None = None) -> list[IngestionRecord]:
        """Committed batches of a view with their statistics."""
        ...

    def historical_features(
        self,
        entity_df: pd.DataFrame,
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
        timestamp_column: str = "event_timestamp",
    ) -> pd.DataFrame: ...

    def materialize_features(
        self, end_ms: int | None = None, views: Sequence[str] | None = None
    ) -> list[MaterializationRecord]: ...

    def online_features(
        self,
        entity_rows: Sequence[Mapping[str, Any]],
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
    ) -> dict[str, list[Any]]: ...
