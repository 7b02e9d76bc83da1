"""The candidates' pieces: the validation split, the scores and the seasonal baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shipyard.examples.energy import models


def test_split_keeps_the_last_28_days_for_validation() -> None:
    times = pd.date_range("2014-01-08", "2014-12-31 23:30", freq="30min")
    train, validation = models.split(pd.DataFrame({"event_timestamp": times}))
    assert validation["event_timestamp"].min() == pd.Timestamp("2014-12-04 00:00")
    assert len(validation) == 28 * 48 and len(train) + len(validation) == len(times)
    assert train["event_timestamp"].max() < validation["event_timestamp"].min()


def test_scores_are_mae_rmse_and_mape_in_percent() -> None:
    found = models.scores([2.0, 4.0], [3.0, 1.0])
    assert found == pytest.approx({"mae": 2.0, "rmse": np.sqrt(5.0), "mape": 62.5})


def test_seasonal_naive_is_a_stored_python_model(tmp_path) -> None:
    from shipyard.models import load_model_dir, save_model

    frame = pd.DataFrame({c: [1.0, 2.0] for c in models.FEATURES})
    frame["demand_lag_1w"] = [3.5, 4.5]
    baseline = models.SeasonalNaive()
    save_model(baseline, tmp_path / "m", input_example=frame)
    loaded = load_model_dir(tmp_path / "m")
    assert loaded.flavor == "pyfunc"
    np.testing.assert_array_equal(loaded.predict(frame), [3.5, 4.5])
