"""The two pipelines of the energy example, importable so schedules can run them.

``energy_training``: raw dataset → features ingested and materialized → point-in-time
training set → three candidates trained in parallel (each step a tracked run with
validation metrics, curves and a forecast plot) → the best registered → promoted to
``@champion`` only if it beats the current champion on the validation period.

``energy_forecast``: raw dataset → the next day's 48 half-hours → the champion
resolved → ``sy.predict_batch`` through the feature service into predictions artifact
``energy-forecast``.

Every step but the ones resolving a moving reference (``...:latest``, ``@champion``) is
cached, so a second run with the same data and champion only re-checks those.

    shipyard pipelines run shipyard.examples.energy.pipelines:energy_training
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import shipyard as sy
from shipyard.core.errors import InvalidPipelineError, NotFoundError
from shipyard.examples.energy import data as raw_data
from shipyard.examples.energy import features as feats
from shipyard.examples.energy import models as cand
from shipyard.pipelines import pipeline, step

__all__ = [
    "CHAMPION",
    "FORECAST_ARTIFACT",
    "MODEL_NAME",
    "PROJECT",
    "TRAINING_SET",
    "energy_forecast",
    "energy_training",
]

PROJECT = "energy"
MODEL_NAME = "energy-demand"
CHAMPION = "champion"
FORECAST_ARTIFACT = "energy-forecast"
TRAINING_SET = "energy-training-set"
RAW_LATEST = f"{raw_data.RAW_ARTIFACT}:latest"
HOURLY = "0 * * * *"


def _run() -> sy.Run:
    run = sy.active_run()
    if run is None:
        raise InvalidPipelineError("this step logs to its run: run it inside the pipeline")
    return run


def _inputs(run: sy.Run) -> dict[str, Any]:
    """The artifact versions the step's run consumed, by artifact name."""
    return {v.name: v for v in run.backend.run_artifacts(run.id)["input"]}


@step
def load_raw(ref: str) -> pd.DataFrame:
    """Read and re-check the raw dataset. Not cached (``latest`` can move); identical
    data gives the identical output version, so the steps after it hit the cache."""
    version = _run().use_artifact(ref)
    frame = raw_data.read_raw(version)
    print(f"{version.ref}: {len(frame)} rows, {frame['timestamp'].iloc[0]} to "
          f"{frame['timestamp'].iloc[-1]}")  # fmt: skip
    return frame


@step(cache=True)
def build_features(raw: pd.DataFrame) -> dict[str, Any]:
    """Apply the feature definitions, ingest both views and materialize them online."""
    store = sy.FeatureStore(backend=_run().backend)
    return feats.ingest(raw, store)


@step(cache=True)
def training_set(raw: pd.DataFrame, features: dict[str, Any]) -> pd.DataFrame:
    """Labelled rows joined point in time with the feature service, first week (no
    weekly lag yet) dropped; also saved as dataset ``energy-training-set`` with its
    feature lineage."""
    run = _run()
    store = sy.FeatureStore(backend=run.backend)
    joined = store.get_historical_features(feats.entity_rows(raw), service=features["service"])
    frame = joined.dropna(subset=cand.FEATURES).reset_index(drop=True)
    frame = frame.astype({"day_of_week": "int64", "workday": "int64", "half_hour": "int64"})
    store.save_training_set(frame, TRAINING_SET, service=features["service"], run=run)
    return frame


def _describe(run: sy.Run, candidate: str, data: pd.DataFrame, params: dict[str, Any]) -> None:
    train, validation = cand.split(data)

    def period(frame: pd.DataFrame) -> str:
        times = frame["event_timestamp"]
        return f"{times.min():%Y-%m-%d %H:%M} / {times.max():%Y-%m-%d %H:%M}"

    data_versions = {f"data.{name}": v.ref for name, v in _inputs(run).items()}
    run.log_params({
        "candidate": candidate, **params, "features": ",".join(cand.FEATURES),
        "target": cand.TARGET, "train_rows": len(train), "validation_rows": len(validation),
        "train_period": period(train), "validation_period": period(validation),
        **data_versions,
    })  # fmt: skip
    run.set_tags({"candidate": candidate})


def _report(run: sy.Run, candidate: str, validation: pd.DataFrame, predicted: Any) -> None:
    found = cand.scores(validation[cand.TARGET], predicted)
    figure = cand.forecast_figure(validation, predicted, f"{candidate}: validation forecast")
    run.log({**{f"val/{k}": v for k, v in found.items()}, "val/forecast": sy.Figure(figure)})


@step(cache=True)
def train_baseline(data: pd.DataFrame) -> cand.SeasonalNaive:
    """Seasonal naive: demand one week earlier at the same half-hour."""
    run = _run()
    model = cand.SeasonalNaive("demand_lag_1w")
    _describe(run, "baseline", data, {"model": "seasonal-naive", "season": "1 week"})
    _, validation = cand.split(data)
    _report(run, "baseline", validation, model.predict(validation[cand.FEATURES]))
    return model


@step(cache=True)
def train_linear(data: pd.DataFrame, alpha: float) -> Any:
    """Ridge regression on one-hot calendar columns and the lags."""
    run = _run()
    model = cand.linear_model(alpha)
    _describe(run, "linear", data, {"model": "ridge", "alpha": alpha})
    train, validation = cand.split(data)
    with cand.one_thread():
        model.fit(train[cand.FEATURES], train[cand.TARGET])
    _report(run, "linear", validation, model.predict(validation[cand.FEATURES]))
    return model


@step(cache=True)
def train_boosting(data: pd.DataFrame, max_iter: int, learning_rate: float) -> Any:
    """Histogram gradient boosting; logs train and validation curves per iteration."""
    run = _run()
    model = cand.boosting_model(max_iter, learning_rate)
    _describe(run, "boosting", data, {"model": "hist-gradient-boosting",
              "max_iter": max_iter, "learning_rate": learning_rate})  # fmt: skip
    train, validation = cand.split(data)
    with cand.one_thread():
        model.fit(train[cand.FEATURES], train[cand.TARGET])
        _log_curves(run, model, train, validation)
        _report(run, "boosting", validation, model.predict(validation[cand.FEATURES]))
    return model


def _log_curves(run: sy.Run, model: Any, train: pd.DataFrame, validation: pd.DataFrame) -> None:
    """``train/mae`` and ``val/*`` after each boosting iteration (one step each)."""
    import numpy as np

    staged = zip(
        model.staged_predict(train[cand.FEATURES]),
        model.staged_predict(validation[cand.FEATURES]),
        strict=True,
    )
    y_train = train[cand.TARGET].to_numpy()
    for i, (p_train, p_val) in enumerate(staged):
        found = cand.scores(validation[cand.TARGET], p_val)
        train_mae = float(np.mean(np.abs(p_train - y_train)))
        run.log({"train/mae": train_mae, **{f"val/{k}": v for k, v in found.items()}}, step=i)


def _candidate_input(run: sy.Run, candidate: str) -> Any:
    for name, version in _inputs(run).items():
        if name.endswith(f".train_{candidate}"):
            return version
    raise NotFoundError(f"the step consumed no output of train_{candidate}")


def _registered(client: sy.Client, name: str, digest: str) -> Any:
    try:
        versions = client.list_model_versions(name)
    except NotFoundError:
        return None
    return next((v for v in versions if v.tags.get("source_digest") == digest), None)


@step(cache=True)
def register_best(
    data: pd.DataFrame, baseline: Any, linear: Any, boosting: Any, model_name: str
) -> dict[str, Any]:
    """Score the candidates on the validation period and register the best (lowest
    MAE) as a version of ``model_name``, unless that exact candidate is registered."""
    run = _run()
    _, validation = cand.split(data)
    x, y = validation[cand.FEATURES], validation[cand.TARGET]
    models = {"baseline": baseline, "linear": linear, "boosting": boosting}
    board: list[dict[str, Any]] = [
        {"candidate": n, **cand.scores(y, m.predict(x))} for n, m in models.items()
    ]
    board.sort(key=lambda row: float(row["mae"]))
    best = str(board[0]["candidate"])
    source = _candidate_input(run, best)
    client = sy.Client(backend=run.backend)
    existing = _registered(client, model_name, source.digest)
    if existing is None:
        version = sy.models.log_model(
            models[best], model_name, input_example=x.head(5), run=run,
            description=f"Day-ahead half-hourly demand of Victoria ({best})",
            tags={"candidate": best, "source_artifact": source.ref, "source_digest": source.digest},
        )  # fmt: skip
    else:
        version = existing
    run.log({f"best/{k}": v for k, v in board[0].items() if k != "candidate"})
    run.set_tags({"best": best, "model_version": str(version.version)})
    return {"name": model_name, "version": version.version, "candidate": best,
            "created": existing is None, "leaderboard": board}  # fmt: skip


@step(cache=True)
def promote_if_better(data: pd.DataFrame, registered: dict[str, Any]) -> dict[str, Any]:
    """Evaluate the new version and the current ``@champion`` on the same validation
    period; move ``@champion`` only if the new one has a strictly lower MAE."""
    _, validation = cand.split(data)
    decision = sy.models.promote(
        registered["name"], candidate=registered["version"], alias=CHAMPION, metric="mae",
        data=validation[[*cand.FEATURES, cand.TARGET]], target=cand.TARGET,
        higher_is_better=False, model_type="regressor", run=_run(),
        comment="energy example: day-ahead validation MAE",
    )  # fmt: skip
    return {**registered, "promoted": decision.promoted, "reason": decision.reason,
            "champion_before": decision.champion, "candidate_mae": decision.candidate_score,
            "champion_mae": decision.champion_score}  # fmt: skip


@pipeline(project=PROJECT, schedule=HOURLY)
def energy_training(
    raw: str = RAW_LATEST,
    model_name: str = MODEL_NAME,
    alpha: float = 1.0,
    max_iter: int = 200,
    learning_rate: float = 0.15,
) -> Any:
    """Train, register and (if better) promote the day-ahead demand forecaster."""
    frame = load_raw(raw)
    data = training_set(frame, build_features(frame))
    registered = register_best(
        data,
        train_baseline(data),
        train_linear(data, alpha),
        train_boosting(data, max_iter, learning_rate),
        model_name,
    )
    return promote_if_better(data, registered)


@step(cache=True)
def forecast_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """The entity rows of the day after the data (48 half-hours)."""
    return feats.next_day_entities(raw)


@step
def resolve_model(model: str) -> dict[str, Any]:
    """Pin a moving model URI (``@champion``) to a version. Not cached: the alias moves."""
    version = sy.Client(backend=_run().backend).resolve_model_uri(model)
    return {"name": version.name, "version": version.version, "uri": version.uri}


@step(cache=True)
def forecast(rows: pd.DataFrame, model: dict[str, Any]) -> dict[str, Any]:
    """Score the rows with the pinned model through the feature service into the
    predictions artifact; cached per (rows, model version)."""
    run = _run()
    result = sy.predict_batch(
        model["uri"], features=feats.SERVICE, entities=rows, output=FORECAST_ARTIFACT,
        project=PROJECT, workers=1, tracking_uri=run.backend.uri, parent=run,
    )  # fmt: skip
    return {"artifact": result.artifact.ref, "rows": result.rows, "batch_run_id": result.run_id,
            "model": model, "dates": result.dates}  # fmt: skip


@pipeline(project=PROJECT, schedule="15 * * * *")
def energy_forecast(raw: str = RAW_LATEST, model: str = f"models:/{MODEL_NAME}@{CHAMPION}") -> Any:
    """Forecast the next day's 48 half-hours with the champion."""
    return forecast(forecast_rows(load_raw(raw)), resolve_model(model))
