"""Encoding each media type, and the errors bad input gets."""

from __future__ import annotations

import io
import wave

import numpy as np
import orjson
import pandas as pd
import pytest
from PIL import Image as PILImage

from shipyard.core.errors import InvalidInputError
from shipyard.media import (
    Audio,
    Embeddings,
    Figure,
    Histogram,
    Image,
    PointCloud,
    Prompt,
    Table,
    Text,
    Video,
    as_media,
    media_items,
    plots,
)  # fmt: skip


def _png_size(data: bytes) -> tuple[int, int]:
    with PILImage.open(io.BytesIO(data)) as im:
        return im.size


def test_image_from_arrays_pil_and_files(tmp_path) -> None:
    floats = Image(np.full((5, 7, 3), 0.5)).encode()
    assert floats.main.mime == "image/png" and _png_size(floats.main.data) == (7, 5)
    with PILImage.open(io.BytesIO(floats.main.data)) as im:
        assert im.getpixel((0, 0)) == (128, 128, 128)
    chw = Image(np.zeros((3, 4, 6), dtype=np.uint8)).encode()
    assert (chw.meta["width"], chw.meta["height"]) == (6, 4)
    pil = PILImage.new("RGB", (3, 2))
    assert _png_size(Image(pil).encode().main.data) == (3, 2)
    path = tmp_path / "x.jpg"
    pil.save(path, format="JPEG")
    from_file = Image(path, caption="c").encode()
    assert from_file.main.mime == "image/jpeg" and from_file.meta["caption"] == "c"


def test_image_boxes_and_mask() -> None:
    mask = np.zeros((4, 4), dtype=np.int64)
    mask[1, 1] = 2
    enc = Image(
        np.zeros((4, 4)), boxes=[{"x0": 0, "y0": 0, "x1": 2, "y1": 2, "label": 7}], mask=mask,
        class_labels={2: "cat"},
    ).encode()  # fmt: skip
    assert enc.meta["boxes"] == [{"x0": 0.0, "y0": 0.0, "x1": 2.0, "y1": 2.0, "label": "7"}]
    assert enc.meta["classes"] == [0, 2] and enc.meta["class_labels"] == {"2": "cat"}
    assert enc.extras["mask"].mime == "image/png"
    with pytest.raises(InvalidInputError, match="mask must be"):
        Image(np.zeros((4, 4)), mask=np.zeros((3, 3), dtype=int)).encode()
    with pytest.raises(InvalidInputError, match="Box 0"):
        Image(np.zeros((4, 4)), boxes=[{"x0": 1}])


@pytest.mark.parametrize(
    "bad", [np.zeros((2, 2, 5)), np.zeros(3), np.array([["a"]]), np.zeros((0, 3))]
)
def test_image_rejects_bad_arrays(bad) -> None:
    with pytest.raises(InvalidInputError, match="Image array"):
        Image(bad).encode()


def test_file_types_are_checked(tmp_path) -> None:
    html = tmp_path / "evil.png"
    html.write_text("<html><script>alert(1)</script></html>")
    with pytest.raises(InvalidInputError, match="is not one of"):
        Image(html).encode()
    with pytest.raises(InvalidInputError, match="does not exist"):
        Audio(tmp_path / "missing.wav").encode()


def test_audio_wav_and_video_gif() -> None:
    enc = Audio(np.sin(np.linspace(0, 10, 800)), sample_rate=8000, caption="tone").encode()
    with wave.open(io.BytesIO(enc.main.data)) as w:
        assert (w.getframerate(), w.getnframes(), w.getnchannels()) == (8000, 800, 1)
    assert enc.meta["duration_s"] == 0.1
    with pytest.raises(InvalidInputError, match="sample_rate"):
        Audio(np.zeros(10)).encode()
    frames = np.stack([np.full((8, 8, 3), v, dtype=np.uint8) for v in (0, 120, 250)])
    gif = Video(frames, fps=10).encode()
    assert gif.main.mime == "image/gif" and gif.meta["frames"] == 3
    with PILImage.open(io.BytesIO(gif.main.data)) as im:
        assert im.n_frames == 3
    with pytest.raises(InvalidInputError, match="frames"):
        Video(np.zeros((4, 4))).encode()


def test_table_parquet_and_limits() -> None:
    enc = Table(pd.DataFrame({"a": [1, 2], "b": [{"x": 1}, None]}), caption="t").encode()
    back = pd.read_parquet(io.BytesIO(enc.main.data))
    assert back["b"][0] == "{'x': 1}" and pd.isna(back["b"][1])
    assert enc.meta["rows"] == 2 and enc.meta["columns"] == ["a", "b"]
    assert Table([[1, "x"]], columns=["n", "s"]).frame.shape == (1, 2)
    with pytest.raises(InvalidInputError, match="at most 100000 rows"):
        Table(pd.DataFrame({"a": np.zeros(100_001)}))


def test_json_kinds() -> None:
    h = Histogram(np.arange(10.0), num_bins=5).encode()
    assert orjson.loads(h.main.data)["counts"] == [2, 2, 2, 2, 2]
    pre = Histogram(np_histogram=([1, 2], [0, 1, 2])).encode()
    assert pre.meta["count"] == 3
    with pytest.raises(InvalidInputError):
        Histogram([np.nan])
    assert orjson.loads(Text("# hi", markdown=True).encode().main.data)["markdown"] is True
    chat = Prompt(messages=[{"role": "system", "content": "be brief"}], response="ok").encode()
    assert [m["role"] for m in orjson.loads(chat.main.data)["messages"]] == ["system", "assistant"]
    with pytest.raises(InvalidInputError, match="role"):
        Prompt(messages=[{"content": "x"}])
    pc = orjson.loads(
        PointCloud(np.c_[np.zeros((2, 3)), [[255, 0, 0], [0, 0, 9]]]).encode().main.data
    )
    assert pc["rgb"] == [[255, 0, 0], [0, 0, 9]]
    with pytest.raises(InvalidInputError, match="PointCloud"):
        PointCloud(np.zeros((2, 5)))


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_embeddings_project(method: str) -> None:
    rng = np.random.default_rng(0)
    enc = Embeddings(
        rng.random((20, 5)), labels=[i % 2 for i in range(20)], method=method, dims=3
    ).encode()
    doc = orjson.loads(enc.main.data)
    assert np.asarray(doc["coords"]).shape == (20, 3) and doc["labels"][:2] == ["0", "1"]
    with pytest.raises(InvalidInputError, match="labels"):
        Embeddings(np.zeros((3, 2)), labels=["a"])
    with pytest.raises(InvalidInputError, match="method"):
        Embeddings(np.zeros((3, 2)), method="lda")


def test_figures_and_plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    enc = as_media(fig).encode()  # type: ignore[union-attr]
    assert enc.kind == "image" and enc.meta["source"] == "matplotlib"
    plt.close(fig)
    cm = plots.confusion_matrix(["a", "b", "b"], ["a", "a", "b"]).encode()
    z = orjson.loads(cm.main.data)["data"][0]["z"]
    assert cm.kind == "plotly" and z == [[1.0, 0.0], [1.0, 1.0]]
    roc = orjson.loads(plots.roc_curve([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.2]).encode().main.data)
    assert "AUC 1.000" in roc["data"][0]["name"]
    pr = plots.pr_curve([0, 1, 2], np.eye(3), labels=[0, 1, 2]).encode()
    assert len(orjson.loads(pr.main.data)["data"]) == 3
    with pytest.raises(InvalidInputError):
        Figure(object())


def test_media_items_detection() -> None:
    assert media_items(3.0) is None and media_items("text") is None and media_items([1, 2]) is None
    assert len(media_items([Text("a"), Text("b")]) or []) == 2
