"""The feature store service: definitions, ingestion, retrieval and materialization.

One instance per metadata engine, offline root and online store. Definitions live in the
metadata database (``Registry``); data lives in Parquet under the offline root
(``OfflineStore``) and, once materialized, in the online store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import Engine, select, update

from shipyard.core.errors import FeatureNotFoundError, InvalidInputError
from shipyard.core.timeutil import now_ms
from shipyard.features.offline import OfflineStore
from shipyard.features.online import OnlineStore, open_online_store
from shipyard.features.records import (
    ApplyReport,
    DefinitionRecord,
    IngestionRecord,
    MaterializationRecord,
)
from shipyard.features.registry import DefinitionSpec, Registry
from shipyard.features.stats import batch_stats
from shipyard.features.validation import validate_batch
from shipyard.store.db import read_connection, write_transaction
from shipyard.store.schema_features import feature_ingestions as ing

__all__ = ["FeatureRef", "FeatureStoreService", "Progress"]

Progress = Callable[[str, int, int], None]  # (view, done, total)
SPEC_CACHE_S = 2.0


@dataclass(frozen=True)
class FeatureRef:
    """One feature of one view, with the column name it gets in results."""

    view: str
    feature: str
    output: str


def _ingestion(row: Any) -> IngestionRecord:
    return IngestionRecord(
        row.id, row.view_name, row.view_version, row.rows, row.min_ts, row.max_ts,
        orjson.loads(row.files), orjson.loads(row.stats), row.created_at,
    )  # fmt: skip


class FeatureStoreService:
    """Everything the feature store does, over a metadata engine and two data stores."""

    def __init__(self, engine: Engine, offline_root: str, online_uri: str) -> None:
        self.engine = engine
        self.registry = Registry(engine)
        self.offline = OfflineStore(offline_root)
        self.online_uri = online_uri
        self._online: OnlineStore | None = None
        self._specs: dict[str, tuple[float, DefinitionRecord]] = {}
        self._lock = threading.Lock()

    @property
    def online(self) -> OnlineStore:
        if self._online is None:
            self._online = open_online_store(self.online_uri)
        return self._online

    # -- definitions ---------------------------------------------------------------------
    def apply(self, items: Sequence[DefinitionSpec], *, delete: bool = False) -> ApplyReport:
        report = self.registry.apply(items, delete=delete)
        with self._lock:
            self._specs.clear()
        for label in report.deleted:
            kind, _, name = label.partition(":")
            if kind == "view":
                self.online.drop_view(name)
        return report

    def list_definitions(self, kind: str | None = None) -> list[DefinitionRecord]:
        return self.registry.latest(kind)

    def get_definition(self, kind: str, name: str, version: int | None = None) -> DefinitionRecord:
        return self.registry.get(kind, name, version)

    def definition_versions(self, kind: str, name: str) -> list[DefinitionRecord]:
        return self.registry.versions(kind, name)

    def view(self, name: str) -> DefinitionRecord:
        """The live version of a view, cached for a moment (reads are hot)."""
        return self._cached("view", name)

    def _cached(self, kind: str, name: str) -> DefinitionRecord:
        now = time.monotonic()
        with self._lock:
            hit = self._specs.get(f"{kind}:{name}")
        if hit is not None and now - hit[0] < SPEC_CACHE_S:
            return hit[1]
        record = self.registry.get(kind, name)
        with self._lock:
            self._specs[f"{kind}:{name}"] = (now, record)
        return record

    def resolve(
        self, features: Sequence[str] | None = None, service: str | None = None
    ) -> list[FeatureRef]:
        """Feature references ``view:feature`` (or a service's), named for output."""
        if (features is None) == (service is None):
            raise InvalidInputError("Pass either features=['view:feature', ...] or service=")
        refs = list(self._cached("service", service).spec["features"]) if service else []
        pairs: list[tuple[str, str]] = []
        for ref in refs or list(features or []):
            view, sep, feature = str(ref).partition(":")
            if not sep or not view or not feature:
                raise InvalidInputError(f"A feature reference is 'view:feature', got {ref!r}")
            known = {f["name"] for f in self.view(view).spec["schema"]}
            if feature not in known:
                raise FeatureNotFoundError(
                    f"Feature view {view!r} has no feature {feature!r}", kind="feature", name=ref
                )
            pairs.append((view, feature))
        pairs = list(dict.fromkeys(pairs))
        counts: dict[str, int] = {}
        for _v, f in pairs:
            counts[f] = counts.get(f, 0) + 1
        return [FeatureRef(v, f, f if counts[f] == 1 else f"{v}__{f}") for v, f in pairs]

    # -- ingestion -----------------------------------------------------------------------
    def ingest(self, view: str, df: pd.DataFrame) -> IngestionRecord:
        """Validate a batch and append it to the offline store, all or nothing."""
        record = self.view(view)
        ingested_at = pd.Timestamp.now(tz="UTC")
        batch = validate_batch(view, record.spec, df, ingested_at)
        stats = batch_stats(batch, record.spec["schema"])
        ts_ms = batch["__ts"].astype("int64") // 1000
        now = now_ms()
        with write_transaction(self.engine) as conn:
            result = conn.execute(
                ing.insert().values(
                    view_name=view,
                    view_version=record.version,
                    status="pending",
                    rows=len(batch),
                    min_ts=int(ts_ms.min()),
                    max_ts=int(ts_ms.max()),
                    files="[]",
                    stats=orjson.dumps(stats).decode(),
                    created_at=now,
                )
            )
            ingestion_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        try:
            files = self.offline.write_batch(view, int(ingestion_id), batch)
        except BaseException:
            with write_transaction(self.engine) as conn:
                conn.execute(ing.update().where(ing.c.id == ingestion_id).values(status="failed"))
            raise
        with write_transaction(self.engine) as conn:
            conn.execute(
                update(ing)
                .where(ing.c.id == ingestion_id)
                .values(status="committed", files=orjson.dumps(files).decode())
            )
        return self.ingestion(int(ingestion_id))

    def ingestion(self, ingestion_id: int) -> IngestionRecord:
        with read_connection(self.engine) as conn:
            row = conn.execute(select(ing).where(ing.c.id == ingestion_id)).first()
        if row is None:
            raise FeatureNotFoundError(f"No ingestion {ingestion_id}", kind="ingestion")
        return _ingestion(row)

    def ingestions(self, view: str, version: int | None = None) -> list[IngestionRecord]:
        """Committed batches of a view (of one version), oldest first, with statistics."""
        self.registry.get("view", view, version)
        query = select(ing).where(ing.c.view_name == view, ing.c.status == "committed")
        if version is not None:
            query = query.where(ing.c.view_version == version)
        with read_connection(self.engine) as conn:
            return [_ingestion(r) for r in conn.execute(query.order_by(ing.c.id))]

    def files(self, view: str) -> list[tuple[int, str]]:
        """(ingestion id, absolute path) of every committed file of a view."""
        with read_connection(self.engine) as conn:
            rows = conn.execute(
                select(ing.c.id, ing.c.files)
                .where(ing.c.view_name == view, ing.c.status == "committed")
                .order_by(ing.c.id)
            ).all()
        return [(r.id, self.offline.path(f)) for r in rows for f in orjson.loads(r.files)]

    def materialization(self, view: str) -> MaterializationRecord | None:
        """Where materializing ``view`` into this online store stopped (None: never)."""
        from shipyard.features.materialize import materialization_state

        return materialization_state(self, view)

    # -- retrieval (see retrieval.py and materialize.py) -------------------------------
    def historical(
        self,
        entity_df: pd.DataFrame,
        refs: Sequence[FeatureRef],
        timestamp_column: str = "event_timestamp",
    ) -> pd.DataFrame:
        from shipyard.features.retrieval import historical_features

        return historical_features(self, entity_df, refs, timestamp_column)

    def online_features(
        self, entity_rows: Sequence[Mapping[str, Any]], refs: Sequence[FeatureRef]
    ) -> dict[str, list[Any]]:
        from shipyard.features.retrieval import online_features

        return online_features(self, entity_rows, refs)

    def materialize(
        self,
        end_ms: int | None = None,
        views: Sequence[str] | None = None,
        progress: Progress | None = None,
    ) -> list[MaterializationRecord]:
        from shipyard.features.materialize import materialize

        return materialize(self, end_ms or now_ms(), views, progress)
