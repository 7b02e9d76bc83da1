"""A small project with every kind of media, used by the browser tests and screenshots."""

from __future__ import annotations

import numpy as np
import pandas as pd

import shipyard as sy
from shipyard.media import (
    Audio,
    Embeddings,
    Histogram,
    Image,
    PointCloud,
    Prompt,
    Table,
    Text,
    Video,
    plots,
)

XSS = '<img src=x onerror="window.__xss=1">'


def log_demo(
    project: str = "demo", runs: int = 3, steps: int = 200, tracking_uri: str | None = None
) -> list[str]:
    """Runs with params, metrics, system-like metrics and one media item of each kind."""
    rng = np.random.default_rng(0)
    ids = []
    for i in range(runs):
        name = f"run-{i}" if i else f"{XSS}"
        with sy.start_run(
            project=project,
            name=name,
            config={"lr": [0.1, 0.01, 0.001][i % 3], "opt": "adam" if i % 2 else "sgd"},
            tags={"team": f"<b>t{i % 2}</b>"},
            tracking_uri=tracking_uri,
        ) as run:
            loss = np.exp(-np.arange(steps) / (40 + 20 * i)) + rng.normal(0, 0.02, steps)
            for s in range(steps):
                run.log(
                    {
                        "train/loss": float(loss[s]),
                        "acc": float(1 - loss[s] / 2),
                        "system/cpu": float(20 + 5 * np.sin(s / 9)),
                    },
                    step=s,
                )
            if i == 0:
                _log_media(run, rng)
            ids.append(run.id)
    _register(ids[0], tracking_uri)
    return ids


def _register(run_id: str, tracking_uri: str | None) -> None:
    """A model whose v1 comes from the first run, with a card, an alias and a stage."""
    import tempfile
    from pathlib import Path

    client = sy.Client(tracking_uri)
    run = client.get_run(run_id)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "model.bin").write_bytes(b"weights")
        from shipyard.client.artifacts import log_artifact

        log_artifact(client.backend, Path(tmp), name="demo-model", type="model", run_id=run.id)
    client.create_model_version("demo", "demo-model:v1", run_id=run.id, description=XSS)
    client.update_registered_model("demo", description=XSS, model_card=f"# Card\n\n{XSS}")
    client.set_alias("demo", "champion", 1, comment=XSS)
    client.transition_stage("demo", 1, "Production")


def _log_media(run: sy.Run, rng: np.random.Generator) -> None:
    grad = np.linspace(0, 1, 64 * 64 * 3).reshape(64, 64, 3)
    mask = np.zeros((64, 64), dtype=np.int64)
    mask[16:40, 16:40] = 1
    for step in (0, 10, 20):
        run.log(
            {
                "samples": [
                    Image(
                        np.roll(grad, step, axis=1),
                        caption=f"step {step} {XSS}",
                        boxes=[{"x0": 8, "y0": 8, "x1": 40, "y1": 30, "label": XSS, "score": 0.9}],
                        mask=mask,
                    )
                ]
            },
            step=step,
        )
    frame = pd.DataFrame(
        {"id": range(500), "label": [f"c{i % 7}" for i in range(500)], "score": rng.random(500)}
    )
    frame.loc[3, "label"] = XSS
    y = rng.integers(0, 3, 200)
    scores = rng.random((200, 3))
    run.log(
        {
            "table": Table(frame, caption="predictions"),
            "hist": Histogram(rng.normal(size=5000)),
            "notes": Text(
                f"# Notes\n\n*bold* text {XSS}\n\n[click](javascript:alert(1))", markdown=True
            ),
            "chat": Prompt(f"hi {XSS}", "hello there"),
            "cloud": PointCloud(np.c_[rng.random((300, 3)), rng.integers(0, 3, 300)]),
            "emb": Embeddings(rng.random((120, 16)), labels=[f"l{i % 3}" for i in range(120)]),
            "audio": Audio(np.sin(np.linspace(0, 2000, 16000)), sample_rate=16000),
            "video": Video((rng.random((6, 32, 32, 3)) * 255).astype(np.uint8), fps=4),
            "cm": plots.confusion_matrix(y, rng.integers(0, 3, 200)),
            "roc": plots.roc_curve(y, scores),
            "pr": plots.pr_curve(y, scores),
        },
        step=30,
    )
