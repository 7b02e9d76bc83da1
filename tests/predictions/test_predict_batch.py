"""Batch prediction end to end over the embedded store and a live server."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import shipyard as sy
from predictions_support import World
from shipyard.core.errors import InvalidInputError, NotFoundError


def test_features_to_committed_predictions_with_lineage(world: World, tmp_path: Path) -> None:
    result = sy.predict_batch(
        f"models:/{world.model}@champion", features=world.service, entities=world.entities,
        output=f"pred-{world.tag}", chunk_rows=16, workers=2, files_dir=tmp_path / "files",
    )  # fmt: skip
    assert result.rows == 60 and result.model_version == 1
    assert result.dates == ["2026-11-02", "2026-11-03"]
    assert result.artifact.type == "predictions"
    frame = sy.predictions.latest(f"pred-{world.tag}")
    assert len(frame) == 60
    assert set(frame["model_name"]) == {world.model}
    assert set(frame["feature_service"]) == {world.service}
    assert set(frame["feature_service_version"]) == {1}
    assert set(frame["batch_run_id"]) == {result.run_id}
    # the model is demand = 100 + 3 * temp, fed the point-in-time temperature
    assert (frame["prediction"] - 100.0).abs().min() > 0
    day = sy.predictions.latest(f"pred-{world.tag}", date="2026-11-03")
    assert set(day["prediction_date"]) == {"2026-11-03"} and 0 < len(day) < 60
    files = pd.read_parquet(result.files)
    assert len(files) == 60

    lineage = sy.predictions.trace(frame.iloc[0], f"pred-{world.tag}")
    assert world.raw_ref in [a["ref"] for a in lineage["artifacts"]]
    assert lineage["model"] == {"name": world.model, "version": 1}
    run = sy.Client().get_run(result.run_id)
    assert run.status == "FINISHED" and run.metrics["rows"] == 60


def test_second_run_becomes_latest_and_first_stays_readable(world: World) -> None:
    output = f"pred-{world.tag}"
    first = sy.predict_batch(
        f"models:/{world.model}/1", features=world.service, entities=world.entities,
        output=output, workers=1,
    )  # fmt: skip
    later = world.entities.assign(
        event_timestamp=world.entities["event_timestamp"] + pd.Timedelta(hours=1)
    )
    second = sy.predict_batch(
        f"models:/{world.model}@champion", features=world.service, entities=later,
        output=output, workers=1,
    )  # fmt: skip
    assert [v.version for v in sy.predictions.versions(output)] == [1, 2]
    assert set(sy.predictions.latest(output)["batch_run_id"]) == {second.run_id}
    old = sy.predictions.latest(output, version=1)
    assert set(old["batch_run_id"]) == {first.run_id}


def test_bad_input_is_refused_with_a_clear_error(world: World) -> None:
    uri = f"models:/{world.model}@champion"
    with pytest.raises(InvalidInputError, match="features=SERVICE"):
        sy.predict_batch(uri, entities=world.entities)
    with pytest.raises(InvalidInputError, match="executor"):
        sy.predict_batch(uri, features=world.service, entities=world.entities, executor="spark")
    with pytest.raises(InvalidInputError, match="event_timestamp"):
        sy.predict_batch(uri, features=world.service, entities=world.entities[["region"]])
    with pytest.raises(NotFoundError):
        sy.predictions.latest(f"nothing-{world.tag}")
