"""Embedded implementation of ``FeatureBackend``: the feature service in-process."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from shipyard.core.config import default_features_root, default_online_store
from shipyard.features import (
    ApplyReport,
    DefinitionRecord,
    IngestionRecord,
    MaterializationRecord,
)

if TYPE_CHECKING:
    import pandas as pd

    from shipyard.features.service import FeatureStoreService

__all__ = ["LocalFeatures"]


class LocalFeatures:
    """Feature store over the backend's engine; data beside the database by default."""

    _features_engine: Engine
    _features_url: str
    _feature_service: FeatureStoreService | None = None

    def _init_features(self, engine: Engine, database_url: str) -> None:
        self._features_engine = engine
        self._features_url = database_url
        self._feature_service = None

    @property
    def features(self) -> FeatureStoreService:
        """The feature service (created on first use)."""
        if self._feature_service is None:
            from shipyard.features.service import FeatureStoreService

            root = default_features_root(self._features_url)
            self._feature_service = FeatureStoreService(
                self._features_engine, root, default_online_store(root)
            )
        return self._feature_service

    def apply_features(
        self, items: Sequence[Mapping[str, Any]], *, delete: bool = False
    ) -> ApplyReport:
        return self.features.apply(items, delete=delete)

    def list_feature_definitions(self, kind: str | None = None) -> list[DefinitionRecord]:
        return self.features.list_definitions(kind)

    def get_feature_definition(
        self, kind: str, name: str, version: int | None = None
    ) -> DefinitionRecord:
        return self.features.get_definition(kind, name, version)

    def feature_definition_versions(self, kind: str, name: str) -> list[DefinitionRecord]:
        return self.features.definition_versions(kind, name)

    def ingest_features(self, view: str, df: pd.DataFrame) -> IngestionRecord:
        return self.features.ingest(view, df)

    def feature_ingestions(self, view: str, version: int | None = None) -> list[IngestionRecord]:
        return self.features.ingestions(view, version)

    def historical_features(
        self,
        entity_df: pd.DataFrame,
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
        timestamp_column: str = "event_timestamp",
    ) -> pd.DataFrame:
        refs = self.features.resolve(features, service)
        return self.features.historical(entity_df, refs, timestamp_column)

    def materialize_features(
        self, end_ms: int | None = None, views: Sequence[str] | None = None
    ) -> list[MaterializationRecord]:
        return self.features.materialize(end_ms, views)

    def online_features(
        self,
        entity_rows: Sequence[Mapping[str, Any]],
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
    ) -> dict[str, list[Any]]:
        refs = self.features.resolve(features, service)
        return self.features.online_features(entity_rows, refs)
