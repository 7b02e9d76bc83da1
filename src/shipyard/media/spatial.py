"""``sy.PointCloud`` and ``sy.Embeddings``: points the UI shows as interactive scatters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from shipyard.core.errors import InvalidInputError
from shipyard.media.base import EncodedMedia, Media, check_caption, json_part

MAX_POINTS = 300_000
MAX_EMBEDDINGS = 50_000
METHODS = ("pca", "tsne", "umap")


class PointCloud(Media):
    """Nx3 (xyz), Nx4 (xyz + class id) or Nx6 (xyz + RGB 0-255) points."""

    kind = "point_cloud"

    def __init__(self, points: Any, caption: str | None = None) -> None:
        p = np.asarray(points, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] not in (3, 4, 6) or not 1 <= p.shape[0] <= MAX_POINTS:
            raise InvalidInputError(
                f"PointCloud needs an Nx3, Nx4 or Nx6 array with 1 to {MAX_POINTS} points; "
                f"got shape {p.shape}"
            )
        if not np.isfinite(p).all():
            raise InvalidInputError("PointCloud coordinates must be finite")
        self.points = p
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        p = self.points
        payload: dict[str, Any] = {"xyz": np.round(p[:, :3], 6).tolist()}
        if p.shape[1] == 4:
            payload["classes"] = p[:, 3].astype(np.int64).tolist()
        elif p.shape[1] == 6:
            payload["rgb"] = np.clip(p[:, 3:6], 0, 255).astype(np.int64).tolist()
        meta: dict[str, Any] = {"points": int(p.shape[0]), "columns": int(p.shape[1])}
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("point_cloud", json_part(payload), meta)


def project(vectors: np.ndarray, method: str, dims: int) -> np.ndarray:
    """Project vectors to ``dims`` dimensions with PCA, t-SNE (scikit-learn) or UMAP."""
    n, d = vectors.shape
    if d <= dims:
        return np.pad(vectors, ((0, 0), (0, dims - d)))
    if method == "pca":
        from sklearn.decomposition import PCA

        return np.asarray(PCA(n_components=dims).fit_transform(vectors))
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30, max(1, (n - 1) / 3)))
        model = TSNE(n_components=dims, perplexity=perplexity, init="pca", random_state=0)
        return np.asarray(model.fit_transform(vectors))
    try:
        import umap  # type: ignore[import-not-found]
    except ImportError as exc:
        raise InvalidInputError("method='umap' needs umap-learn: pip install umap-learn") from exc
    return np.asarray(umap.UMAP(n_components=dims).fit_transform(vectors))


class Embeddings(Media):
    """Vectors with optional labels, projected to 2-D or 3-D when logged."""

    kind = "embeddings"

    def __init__(
        self,
        vectors: Any,
        labels: Sequence[Any] | None = None,
        *,
        method: str = "pca",
        dims: int = 2,
        caption: str | None = None,
    ) -> None:
        v = np.asarray(vectors, dtype=np.float64)
        if v.ndim != 2 or not 2 <= v.shape[0] <= MAX_EMBEDDINGS or not np.isfinite(v).all():
            raise InvalidInputError(
                f"Embeddings need a finite NxD array with 2 to {MAX_EMBEDDINGS} rows; "
                f"got shape {v.shape}"
            )
        if method not in METHODS:
            raise InvalidInputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if dims not in (2, 3):
            raise InvalidInputError(f"dims must be 2 or 3, not {dims!r}")
        if labels is not None and len(labels) != v.shape[0]:
            raise InvalidInputError(f"{len(labels)} labels for {v.shape[0]} vectors")
        self.vectors, self.method, self.dims = v, method, dims
        self.labels = None if labels is None else [str(x)[:256] for x in labels]
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        coords = project(self.vectors, self.method, self.dims)
        payload = {"coords": np.round(coords, 6).tolist(), "labels": self.labels}
        meta: dict[str, Any] = {
            "points": int(self.vectors.shape[0]),
            "dim": int(self.vectors.shape[1]),
            "method": self.method,
            "dims": self.dims,
        }
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("embeddings", json_part(payload), meta)
