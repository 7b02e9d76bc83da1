"""Batch prediction and the predictions store.

    result = sy.predict_batch("models:/demand@champion", features="demand_service",
                              entities="entities.parquet", output="predictions")
    frame = sy.predictions.latest("predictions")            # the newest batch run's rows
    sy.predictions.trace(frame.iloc[0])                     # model, run, code, data, features

Each batch run is a tracked run that consumes the model's artifact version and produces
a ``predictions`` artifact version: Parquet partitioned by date, committed in one step
(a failed run leaves the previous version the latest). Optional copies go to a folder
(swapped in with one atomic rename) and to a SQL table (one transaction).
"""

from shipyard.predictions.read import latest, trace, versions
from shipyard.predictions.run import BatchResult, predict_batch

__all__ = ["BatchResult", "latest", "predict_batch", "trace", "versions"]
