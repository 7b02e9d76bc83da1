"""Batch prediction: chunked scoring across processes or Ray, and the predictions layout.

The domain knows nothing about where models and features come from: the client layer
hands it a Parquet file of input rows and a picklable model loader, and gets back a
folder of date-partitioned Parquet parts to commit as a ``predictions`` artifact.
"""

from shipyard.batch.executors import EXECUTORS, ScoreJob, run_local, run_ray
from shipyard.batch.layout import (
    PARTITION_PREFIX,
    PREDICTION_COLUMN,
    PREDICTIONS_TYPE,
    read_parts,
    write_partitioned,
)
from shipyard.batch.mirror import commit_files, commit_sql

__all__ = [
    "EXECUTORS",
    "PARTITION_PREFIX",
    "PREDICTIONS_TYPE",
    "PREDICTION_COLUMN",
    "ScoreJob",
    "commit_files",
    "commit_sql",
    "read_parts",
    "run_local",
    "run_ray",
    "write_partitioned",
]
