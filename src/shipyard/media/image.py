"""``sy.Image``: arrays, PIL images or files, with an optional caption, boxes and mask."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from shipyard.core.errors import InvalidInputError
from shipyard.media._files import read_media_file
from shipyard.media.base import MIMES, EncodedMedia, Media, MediaPart, check_caption

MAX_BOXES = 10_000


def _pil() -> Any:
    try:
        from PIL import Image as PILImage
    except ImportError as exc:  # pragma: no cover - Pillow is a dependency
        raise InvalidInputError("Logging images needs Pillow: pip install pillow") from exc
    return PILImage


def array_to_uint8(array: Any, what: str = "Image") -> np.ndarray:
    """An (H, W), (H, W, 1|3|4) or channels-first array as uint8 (floats in [0, 1] scale)."""
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[0] in (1, 3, 4) and a.shape[-1] not in (1, 3, 4):
        a = np.moveaxis(a, 0, -1)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] not in (3, 4)) or a.size == 0:
        raise InvalidInputError(
            f"{what} array must be (H, W), (H, W, 1|3|4) or (C, H, W); got shape {a.shape}"
        )
    if a.dtype == np.uint8:
        return a
    if a.dtype == bool:
        return a.astype(np.uint8) * 255
    if not np.issubdtype(a.dtype, np.number):
        raise InvalidInputError(f"{what} array must be numeric, got dtype {a.dtype}")
    f = np.nan_to_num(a.astype(np.float64), nan=0.0)
    if np.issubdtype(a.dtype, np.floating) and f.max(initial=0.0) <= 1.0:
        f = f * 255.0
    return np.clip(np.rint(f), 0, 255).astype(np.uint8)


def _png(image: Any) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def _check_boxes(boxes: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    if boxes is None:
        return []
    if len(boxes) > MAX_BOXES:
        raise InvalidInputError(f"At most {MAX_BOXES} boxes per image")
    out = []
    for i, box in enumerate(boxes):
        try:
            clean: dict[str, Any] = {k: float(box[k]) for k in ("x0", "y0", "x1", "y1")}
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"Box {i} needs numeric x0, y0, x1, y1 (pixels); got {box!r}"
            ) from exc
        if "label" in box:
            clean["label"] = str(box["label"])[:256]
        if "score" in box:
            clean["score"] = float(box["score"])
        out.append(clean)
    return out


class Image(Media):
    """An image: a numpy array, a PIL image or a PNG/JPEG/GIF/WebP file.

    ``boxes`` are dicts with pixel corners ``x0, y0, x1, y1`` and optional ``label`` and
    ``score``; ``mask`` is an (H, W) array of class ids (``class_labels`` names them).
    """

    kind = "image"

    def __init__(
        self,
        data: Any,
        caption: str | None = None,
        *,
        boxes: Sequence[Mapping[str, Any]] | None = None,
        mask: Any = None,
        class_labels: Mapping[int, str] | None = None,
    ) -> None:
        self.data = data
        self.caption = check_caption(caption)
        self.boxes = _check_boxes(boxes)
        self.mask = mask
        self.class_labels = {int(k): str(v) for k, v in (class_labels or {}).items()}

    def _main(self) -> tuple[bytes, str, int, int]:
        pil = _pil()
        if isinstance(self.data, (str, os.PathLike)):
            data, mime = read_media_file(self.data, "Image", MIMES["image"])
            with pil.open(io.BytesIO(data)) as im:
                width, height = im.size
            return data, mime, width, height
        if isinstance(self.data, pil.Image):
            im = self.data
            if im.mode not in ("L", "RGB", "RGBA", "P", "LA"):
                im = im.convert("RGBA")
            return _png(im), "image/png", im.size[0], im.size[1]
        arr = array_to_uint8(self.data)
        return _png(pil.fromarray(arr)), "image/png", arr.shape[1], arr.shape[0]

    def encode(self) -> EncodedMedia:
        data, mime, width, height = self._main()
        meta: dict[str, Any] = {"width": width, "height": height}
        if self.caption is not None:
            meta["caption"] = self.caption
        if self.boxes:
            meta["boxes"] = self.boxes
        extras = {}
        if self.mask is not None:
            mask = np.asarray(self.mask)
            if mask.shape != (height, width) or not np.issubdtype(mask.dtype, np.integer):
                raise InvalidInputError(
                    f"mask must be an integer array of shape {(height, width)}, "
                    f"got {mask.dtype} {mask.shape}"
                )
            if mask.min(initial=0) < 0 or mask.max(initial=0) > 255:
                raise InvalidInputError("mask class ids must be between 0 and 255")
            extras["mask"] = MediaPart(_png(_pil().fromarray(mask.astype(np.uint8))), "image/png")
            meta["classes"] = sorted(int(c) for c in np.unique(mask))
            if self.class_labels:
                meta["class_labels"] = {str(k): v for k, v in self.class_labels.items()}
        return EncodedMedia("image", MediaPart(data, mime), meta, extras)

    def __repr__(self) -> str:
        return f"Image(caption={self.caption!r})"
