"""sy.models.promote: the alias moves only when the candidate wins; every decision is in
the audit log with both scores and the data."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression

import shipyard as sy
from shipyard.core.errors import InvalidInputError, ModelVersionNotFoundError
from tests_models_support import FEATURES


def _log(model: object, name: str, x: pd.DataFrame) -> int:
    with sy.start_run(project="promo"):
        return int(sy.models.log_model(model, name, input_example=x[:5]).version)


@pytest.fixture
def versions(tracking_uri: str, clf_data: pd.DataFrame) -> tuple[int, int]:
    """v1 a weak baseline (always the majority class), v2 a real classifier."""
    x, y = clf_data[FEATURES], clf_data.label
    weak = _log(DummyClassifier(strategy="stratified", random_state=0).fit(x, y), "churn", x)
    strong = _log(LogisticRegression().fit(x, y), "churn", x)
    return weak, strong


def test_first_promotion_needs_no_champion(versions: tuple[int, int], clf_data) -> None:
    decision = sy.models.promote("churn", candidate=1, data=clf_data, target="label")
    assert decision.promoted and decision.champion is None and decision.delta is None
    client = sy.Client()
    assert client.get_model_version_by_alias("churn", "champion").version == 1
    move = client.model_history("churn")[-1]
    assert move.alias == "champion" and "no champion" in move.comment
    assert move.details["candidate_score"] == pytest.approx(decision.candidate_score)


def test_better_candidate_takes_the_alias(versions: tuple[int, int], clf_data) -> None:
    sy.models.promote("churn", candidate=1, data=clf_data, target="label")
    decision = sy.models.promote("churn", candidate=2, data=clf_data, target="label",
                                 comment="weekly retrain")  # fmt: skip
    assert decision.promoted and decision.champion == 1
    assert decision.candidate_score > decision.champion_score  # type: ignore[operator]
    assert sy.Client().get_model_version_by_alias("churn", "champion").version == 2
    event = sy.Client().model_history("churn")[-1]
    assert event.comment.startswith("promoted v2 to @champion: f1 ")
    assert "weekly retrain" in event.comment and "sha256:" in event.comment
    run = sy.Client().get_run(decision.run_id)
    assert run.tags["promotion.decision"] == "promoted"
    assert run.metrics["candidate/f1"] == pytest.approx(decision.candidate_score)
    assert run.metrics["champion/f1"] == pytest.approx(decision.champion_score)


def test_worse_candidate_is_rejected_and_recorded(versions: tuple[int, int], clf_data) -> None:
    sy.models.promote("churn", candidate=2, data=clf_data, target="label")
    decision = sy.models.promote("churn", candidate=1, data=clf_data, target="label")
    assert not decision.promoted and "not better" in decision.reason
    assert sy.Client().get_model_version_by_alias("churn", "champion").version == 2
    event = sy.Client().model_history("churn")[-1]
    assert event.kind == "promotion_rejected" and event.version == 1
    assert event.comment.startswith("not promoted v1 to @champion")
    assert event.details["champion"] == 2


def test_min_delta_and_direction(versions: tuple[int, int], clf_data) -> None:
    sy.models.promote("churn", candidate=1, data=clf_data, target="label")
    held = sy.models.promote("churn", candidate=2, data=clf_data, target="label", min_delta=5.0)
    assert not held.promoted and "less than min_delta 5" in held.reason
    # log loss: lower is better; the real classifier wins again
    won = sy.models.promote("churn", candidate=2, metric="log_loss", higher_is_better=False,
                            data=clf_data, target="label")  # fmt: skip
    assert won.promoted and won.delta is not None and won.delta > 0
    again = sy.models.promote("churn", candidate=2, data=clf_data, target="label")
    assert not again.promoted and "already holds @champion" in again.reason


def test_regressor_promotion_by_rmse(tracking_uri: str, reg_data: pd.DataFrame) -> None:
    x = reg_data[["x1", "x2"]]
    _log(DummyRegressor().fit(x, reg_data.y), "energy", x)
    _log(LinearRegression().fit(x, reg_data.y), "energy", x)
    sy.models.promote("energy", candidate=1, metric="rmse", higher_is_better=False,
                      data=reg_data, target="y")  # fmt: skip
    decision = sy.models.promote("energy", candidate=2, metric="rmse", higher_is_better=False,
                                 data=reg_data, target="y")  # fmt: skip
    assert decision.promoted and decision.candidate_score < decision.champion_score  # type: ignore[operator]


def test_bad_promotions(versions: tuple[int, int], clf_data) -> None:
    with pytest.raises(ModelVersionNotFoundError):
        sy.models.promote("churn", candidate=9, data=clf_data, target="label")
    with pytest.raises(InvalidInputError, match="unknown metric 'auc'"):
        sy.models.promote("churn", candidate=2, metric="auc", data=clf_data, target="label")
    with pytest.raises(InvalidInputError, match="needs data="):
        sy.models.promote("churn", candidate=2)
    with pytest.raises(InvalidInputError, match="min_delta"):
        sy.models.promote("churn", candidate=2, data=clf_data, target="label", min_delta=-1)
