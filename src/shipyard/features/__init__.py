"""The feature store: definitions, validated ingestion, point-in-time training sets and
online serving.

    from shipyard.features import Entity, FeatureView, FeatureService, Field, FileSource
    airport = Entity("airport", join_keys=["origin"])
    weather = FeatureView("weather_hourly", entities=[airport], ttl=timedelta(hours=3),
                          source=FileSource("weather.parquet", timestamp_field="time_hour"),
                          schema=[Field("temp", "float64"), Field("wind_speed", "float64")])

The SDK entry point is ``shipyard.FeatureStore`` (client layer). This package holds the
definitions (here) and the domain service the embedded backend and the server call
(``shipyard.features.service.FeatureStoreService``, imported on first use: it needs
pandas, pyarrow and DuckDB).
"""

from shipyard.features.definitions import (
    DTYPES,
    Definition,
    Entity,
    FeatureSelection,
    FeatureService,
    FeatureView,
    Field,
    FileSource,
    SqlSource,
    definition_from_spec,
    spec_digest,
)
from shipyard.features.records import (
    ApplyReport,
    DefinitionRecord,
    IngestionRecord,
    MaterializationRecord,
)

__all__ = [
    "DTYPES",
    "ApplyReport",
    "Definition",
    "DefinitionRecord",
    "Entity",
    "FeatureSelection",
    "FeatureService",
    "FeatureView",
    "Field",
    "FileSource",
    "IngestionRecord",
    "MaterializationRecord",
    "SqlSource",
    "definition_from_spec",
    "spec_digest",
]
