"""A pipeline whose step reports which Ray cluster ran it."""

from __future__ import annotations

from shipyard.pipelines import pipeline, step


@step
def where() -> str:
    import ray

    return str(ray.get_runtime_context().gcs_address)


@pipeline(project="pipes")
def located():
    return where()
