"""Pipelines: ``@step`` / ``@pipeline`` functions, caching, retries, timeouts, parallel
execution on local processes or Ray, and cron schedules with catch-up and backfills.

from shipyard.pipelines import pipeline, step

@step(cache=True, retries=2, timeout="10m")
def features(days: int) -> pd.DataFrame: ...

@pipeline(project="energy", schedule="0 * * * *")
def training(days: int = 7):
    return train(features(days))

training.run(days=14)
"""

from shipyard.pipelines.dsl import (
    Graph,
    Node,
    Pipeline,
    Step,
    StepOutput,
    parse_duration,
    pipeline,
    step,
)
from shipyard.pipelines.materializers import Materializer, register_materializer
from shipyard.pipelines.records import (
    CatchUp,
    PipelineRecord,
    PipelineRunRecord,
    PipelineStatus,
    ScheduleRecord,
    ScheduleStatus,
    SlotRecord,
    SlotStatus,
    StepRunRecord,
    StepStatus,
    Trigger,
)
from shipyard.pipelines.schedule_service import ScheduleService
from shipyard.pipelines.service import PipelineService

__all__ = [
    "CatchUp",
    "Graph",
    "Materializer",
    "Node",
    "Pipeline",
    "PipelineRecord",
    "PipelineRunRecord",
    "PipelineService",
    "PipelineStatus",
    "ScheduleRecord",
    "ScheduleService",
    "ScheduleStatus",
    "SlotRecord",
    "SlotStatus",
    "Step",
    "StepOutput",
    "StepRunRecord",
    "StepStatus",
    "Trigger",
    "parse_duration",
    "pipeline",
    "register_materializer",
    "step",
]
