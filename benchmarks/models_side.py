"""One side of the model-loading benchmark; runs in the main Python (``shipyard``) or in
MLflow's venv (``mlflow``). Prints one JSON object.

    python models_side.py shipyard save DIR      # train the model, save it in DIR
    python models_side.py shipyard cold DIR      # import, load, predict one row, exit
    python models_side.py shipyard latency DIR   # single-row predict latency vs raw

Both sides train the same model on the same data (seeded): a RandomForestClassifier of
100 trees, depth 8, on 2,000 rows x 10 float features.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from typing import Any

T0 = time.perf_counter()
FEATURES = [f"f{i}" for i in range(10)]
CALLS = 500


def _data() -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(2000, 10)), columns=FEATURES)
    y = (x.f0 + 0.5 * x.f1 - x.f2 + rng.normal(scale=0.5, size=2000) > 0).astype(int)
    return x, y


def _train() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    x, y = _data()
    return RandomForestClassifier(n_estimators=100, max_depth=8, random_state=0).fit(x, y), x


def save(side: str, folder: str) -> dict[str, Any]:
    model, x = _train()
    if side == "shipyard":
        from shipyard.models import save_model

        save_model(model, folder, input_example=x[:5])
    else:
        import mlflow.sklearn
        from mlflow.models import infer_signature

        signature = infer_signature(x[:5], model.predict(x[:5]))
        # MLflow 3 saves with skops too, and (unlike Shipyard) wants the tree type named
        mlflow.sklearn.save_model(
            model,
            folder,
            signature=signature,
            input_example=x[:5],
            skops_trusted_types=["sklearn.tree._tree.Tree"],
        )
    return {"saved": folder}


def _load(side: str, folder: str) -> Any:
    if side == "shipyard":
        import shipyard as sy

        return sy.models.load(folder)
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(folder)


def _raw(side: str, loaded: Any) -> Any:
    return loaded.raw if side == "shipyard" else loaded.get_raw_model()


def cold(side: str, folder: str) -> dict[str, Any]:
    """Seconds from interpreter start (as near as Python can tell) to the first prediction."""
    x, _ = _data()
    start = time.perf_counter()
    loaded = _load(side, folder)
    loaded.predict(x[:1])
    end = time.perf_counter()
    return {"load_and_first_predict_s": end - start, "since_script_start_s": end - T0}


def _timed(fn: Any, row: Any) -> list[float]:
    for _ in range(50):
        fn(row)
    out = []
    for _ in range(CALLS):
        start = time.perf_counter()
        fn(row)
        out.append(time.perf_counter() - start)
    return out


def latency(side: str, folder: str) -> dict[str, Any]:
    x, _ = _data()
    loaded = _load(side, folder)
    raw = _raw(side, loaded)
    row = x[:1]
    record = {k: float(v) for k, v in row.iloc[0].items()}
    result: dict[str, Any] = {}
    # interleave the cases so a noisy neighbour hurts them alike
    wrapped, direct, as_dict = [], [], []
    for _ in range(4):
        wrapped += _timed(loaded.predict, row)
        direct += _timed(raw.predict, row)
        if side == "shipyard":
            as_dict += _timed(loaded.predict, record)
    for name, values in (("wrapped", wrapped), ("raw", direct), ("dict_input", as_dict)):
        if values:
            ordered = sorted(values)
            result[name] = {
                "p50_us": statistics.median(values) * 1e6,
                "p90_us": ordered[int(0.9 * len(ordered))] * 1e6,
                "p99_us": ordered[int(0.99 * len(ordered))] * 1e6,
                "n": len(values),
            }
    result["ratio_p50"] = result["wrapped"]["p50_us"] / result["raw"]["p50_us"]
    result["ratio_p99"] = result["wrapped"]["p99_us"] / result["raw"]["p99_us"]
    import sklearn

    result["sklearn"] = sklearn.__version__
    return result


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")
    side, mode, folder = sys.argv[1:4]
    fn = {"save": save, "cold": cold, "latency": latency}[mode]
    print(json.dumps(fn(side, folder)))


if __name__ == "__main__":
    main()
