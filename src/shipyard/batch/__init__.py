"""Batch prediction: chunked scoring across processes or Ray, and the predictions layout.

The domain knows nothing about where models and features come from: the client layer
hands it a Parquet file of input rows, a picklable model loader and a picklable sink
that stores files in the blob store, and gets back the stored date-partitioned Parquet
parts (``path → digest, size``) to commit as a ``predictions`` artifact version.
"""

from shipyard.batch.executors import EXECUTORS, Scored, run_local, run_ray
from shipyard.batch.layout import (
    PARTITION_PREFIX,
    PREDICTION_COLUMN,
    PREDICTIONS_TYPE,
    read_parts,
    write_partitioned,
)
from shipyard.batch.mirror import SqlCopy, discard_files, publish_files, stage_files
from shipyard.batch.scoring import ScoreJob, Sink, Stored
from shipyard.batch.source import Slice, open_input, plan_slices, read_slice

__all__ = [
    "EXECUTORS",
    "PARTITION_PREFIX",
    "PREDICTIONS_TYPE",
    "PREDICTION_COLUMN",
    "ScoreJob",
    "Scored",
    "Sink",
    "Slice",
    "SqlCopy",
    "Stored",
    "discard_files",
    "open_input",
    "plan_slices",
    "publish_files",
    "read_parts",
    "read_slice",
    "run_local",
    "run_ray",
    "stage_files",
    "write_partitioned",
]
