"""``FeatureStore``: the feature store SDK over whichever backend is configured.

fs = sy.FeatureStore()                       # same tracking URI as sy.Client()
fs.apply([airport, weather, delay_model_v1])
fs.ingest("weather_hourly", df)              # or fs.ingest("weather_hourly") from its source
train = fs.get_historical_features(entity_df, service="delay_model_v1")
fs.materialize()
fs.get_online_features(service="delay_model_v1", entity_rows=[{"origin": "JFK"}])
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipyard.client.artifacts import ArtifactVersion, dataset_metadata, log_artifact
from shipyard.client.backend import Backend
from shipyard.client.factory import backend_for
from shipyard.client.run import Run
from shipyard.core.errors import InvalidInputError
from shipyard.features import (
    ApplyReport,
    Definition,
    DefinitionRecord,
    Entity,
    FeatureService,
    FeatureView,
    IngestionRecord,
    MaterializationRecord,
    definition_from_spec,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FeatureStore", "collect_definitions"]


def collect_definitions(namespace: Mapping[str, Any]) -> list[Definition]:
    """The entities, feature views and services among a module's globals."""
    found = [v for v in namespace.values() if isinstance(v, (Entity, FeatureView, FeatureService))]
    return list({(d.kind, d.name): d for d in found}.values())


def _to_ms(when: datetime | None) -> int | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


class FeatureStore:
    """Define, ingest, retrieve and serve features (embedded or through a server)."""

    def __init__(
        self,
        tracking_uri: str | None = None,
        *,
        token: str | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.backend = backend or backend_for(tracking_uri, token=token)

    # -- definitions ---------------------------------------------------------------------
    def apply(self, definitions: Iterable[Definition], *, delete: bool = False) -> ApplyReport:
        """Store the complete set of definitions; changed ones get a new version.

        Definitions stored but not in ``definitions`` are reported in ``removed`` and
        deleted only with ``delete=True``."""
        defs = list(definitions)
        for view in (d for d in defs if isinstance(d, FeatureView)):
            defs.extend(e for e in view.entities if e not in defs)
        items = [{"kind": d.kind, "name": d.name, "spec": d.to_spec()} for d in defs]
        return self.backend.apply_features(items, delete=delete)

    def list_definitions(self, kind: str | None = None) -> list[DefinitionRecord]:
        """Live definitions (``kind``: ``entity``, ``view`` or ``service``)."""
        return self.backend.list_feature_definitions(kind)

    def get(self, kind: str, name: str, version: int | None = None) -> DefinitionRecord:
        return self.backend.get_feature_definition(kind, name, version)

    def versions(self, kind: str, name: str) -> list[DefinitionRecord]:
        return self.backend.feature_definition_versions(kind, name)

    def get_feature_view(self, name: str, version: int | None = None) -> FeatureView:
        record = self.get("view", name, version)
        view = definition_from_spec("view", name, record.spec)
        assert isinstance(view, FeatureView)
        return view

    # -- data ----------------------------------------------------------------------------
    def ingest(self, view: str, df: pd.DataFrame | None = None) -> IngestionRecord:
        """Validate ``df`` (default: all rows of the view's source) and append it to the
        offline store, all or nothing; bad rows raise ``FeatureValidationError``."""
        if df is None:
            source = self.get_feature_view(view).source
            if source is None:
                raise InvalidInputError(f"Feature view {view!r} has no source: pass a DataFrame")
            from shipyard.features.sources import read_source

            df = read_source(source)
        return self.backend.ingest_features(view, df)

    def stats(self, view: str, version: int | None = None) -> list[IngestionRecord]:
        """Ingested batches of a view (one version) with their column statistics."""
        return self.backend.feature_ingestions(view, version)

    def get_historical_features(
        self,
        entity_df: pd.DataFrame,
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
        timestamp_column: str = "event_timestamp",
    ) -> pd.DataFrame:
        """Point-in-time correct features for each entity row (order and count kept)."""
        return self.backend.historical_features(
            entity_df, features=features, service=service, timestamp_column=timestamp_column
        )

    def materialize(
        self, end: datetime | None = None, views: Sequence[str] | None = None
    ) -> list[MaterializationRecord]:
        """Copy the latest values up to ``end`` (default now) into the online store,
        continuing where the previous materialization stopped."""
        return self.backend.materialize_features(_to_ms(end), views)

    def get_online_features(
        self,
        entity_rows: Sequence[Mapping[str, Any]],
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
    ) -> dict[str, list[Any]]:
        """Latest values, column-wise; values older than the view's TTL are None."""
        return self.backend.online_features(entity_rows, features=features, service=service)

    # -- training sets -------------------------------------------------------------------
    def lineage(
        self, *, features: Sequence[str] | None = None, service: str | None = None
    ) -> dict[str, Any]:
        """Which view versions and ingested batches a set of features comes from."""
        refs = list(features or [])
        if service is not None:
            refs = list(self.get("service", service).spec["features"])
        views: dict[str, Any] = {}
        for ref in refs:
            name = str(ref).partition(":")[0]
            if name not in views:
                record = self.get("view", name)
                batches = self.stats(name)
                views[name] = {
                    "version": record.version,
                    "digest": record.digest,
                    "ingestions": [b.id for b in batches],
                    "rows": sum(b.rows for b in batches),
                }
        return {"feature_service": service, "features": refs, "feature_views": views}

    def save_training_set(
        self,
        df: pd.DataFrame,
        name: str,
        *,
        features: Sequence[str] | None = None,
        service: str | None = None,
        run: Run | None = None,
        aliases: Sequence[str] = (),
    ) -> ArtifactVersion:
        """Store a training set as a ``dataset`` artifact whose metadata records the
        feature view versions and batches it was built from."""
        lineage = self.lineage(features=features, service=service)
        meta = {**dataset_metadata(df), "feature_lineage": lineage}
        with tempfile.TemporaryDirectory(prefix="shipyard-training-") as folder:
            df.to_parquet(Path(folder) / "data.parquet", engine="pyarrow")
            if run is not None:
                return run.log_artifact(
                    folder, name=name, type="dataset", metadata=meta, aliases=aliases
                )
            return log_artifact(
                self.backend, folder, name=name, type="dataset", metadata=meta, aliases=aliases
            )

    def close(self) -> None:
        self.backend.close()
