"""Media through the SDK: the same on SQLite and PostgreSQL, embedded and over HTTP."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

import shipyard as sy
from shipyard.core.errors import InvalidInputError, MediaNotFoundError, RunNotFoundError
from shipyard.media import MediaSpec


def test_every_kind_round_trips(tracking_uri: str, project: str, tmp_path) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        for step in (0, 5):
            run.log(
                {"loss": 0.5, "img": sy.Image(np.zeros((4, 6, 3)), caption=f"s{step}")}, step=step
            )
        run.log(
            {
                "grid": [sy.Image(np.ones((2, 2))), sy.Image(np.zeros((2, 2)))],
                "tbl": sy.Table(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})),
                "hist": sy.Histogram([1.0, 2.0, 2.5]),
                "txt": sy.Text("hello"),
                "chat": sy.Prompt("q", "a"),
                "pc": sy.PointCloud(np.zeros((3, 3))),
                "emb": sy.Embeddings(np.eye(4), labels=list("abcd")),
                "wav": sy.Audio(np.zeros(100), sample_rate=8000),
                "gif": sy.Video(np.zeros((2, 4, 4), dtype=np.uint8)),
                "cm": sy.plots.confusion_matrix([0, 1], [0, 0]),
            },
            step=9,
        )
    backend = sy.Client(tracking_uri).backend
    keys = {k.key: (k.kind, k.count, k.steps) for k in backend.media_keys(run.id)}
    assert keys["img"] == ("image", 2, [0, 5])
    assert keys["grid"] == ("image", 2, [9])
    assert {k: v[0] for k, v in keys.items()} == {
        "img": "image", "grid": "image", "tbl": "table", "hist": "histogram", "txt": "text",
        "chat": "prompt", "pc": "point_cloud", "emb": "embeddings", "wav": "audio",
        "gif": "video", "cm": "plotly",
    }  # fmt: skip
    assert sy.Client(tracking_uri).get_run(run.id).metrics == {"loss": 0.5}
    [first] = backend.list_media(run.id, key="img", step=5)
    assert first.meta["caption"] == "s5" and first.meta["width"] == 6
    got = backend.download_blob(first.digest, tmp_path / "img.png")
    assert hashlib.sha256(got.read_bytes()).hexdigest() == first.digest
    assert backend.get_media(first.id) == first
    assert [m.index for m in backend.list_media(run.id, key="grid")] == [0, 1]


def test_same_key_step_index_replaces_and_errors_are_typed(tracking_uri: str, project: str) -> None:
    with sy.start_run(project=project, tracking_uri=tracking_uri) as run:
        run.log({"t": sy.Text("one")}, step=1)
        run.log({"t": sy.Text("two")}, step=1)
        with pytest.raises(InvalidInputError, match="only media"):
            run.log({"mixed": [sy.Text("x"), 3]})
    backend = sy.Client(tracking_uri).backend
    [item] = backend.list_media(run.id, key="t")
    assert item.meta["preview"] == "two"
    with pytest.raises(MediaNotFoundError):
        backend.get_media(987654321)
    with pytest.raises(RunNotFoundError):
        backend.list_media("0" * 32)
    missing = MediaSpec("k", 0, 0, "text", "a" * 64, "application/json", 3, {})
    with pytest.raises(InvalidInputError, match="not stored"):
        backend.log_media(run.id, [missing])
    wrong_type = MediaSpec("k", 0, 0, "image", item.digest, "text/html", 3, {})
    with pytest.raises(InvalidInputError, match="cannot be stored as"):
        backend.log_media(run.id, [wrong_type])
