"""Plotly and Matplotlib figures: Plotly as its JSON, Matplotlib rendered to PNG."""

from __future__ import annotations

import io
from typing import Any

import orjson

from shipyard.core.errors import InvalidInputError
from shipyard.media.base import JSON_MIME, EncodedMedia, Media, MediaPart, check_caption


def is_plotly_figure(value: Any) -> bool:
    return type(value).__module__.startswith("plotly.") and hasattr(value, "to_plotly_json")


def is_matplotlib_figure(value: Any) -> bool:
    return type(value).__module__.startswith("matplotlib.") and hasattr(value, "savefig")


class Figure(Media):
    """A Plotly figure (interactive in the UI) or a Matplotlib figure (a PNG image)."""

    kind = "plotly"

    def __init__(self, figure: Any, caption: str | None = None, *, plot: str | None = None):
        if not (is_plotly_figure(figure) or is_matplotlib_figure(figure)):
            raise InvalidInputError(
                f"Figure needs a Plotly or Matplotlib figure, got {type(figure).__name__}"
            )
        self.figure = figure
        self.caption = check_caption(caption)
        self.plot = plot

    def encode(self) -> EncodedMedia:
        meta: dict[str, Any] = {}
        if self.caption is not None:
            meta["caption"] = self.caption
        if self.plot:
            meta["plot"] = self.plot
        if is_matplotlib_figure(self.figure):
            buf = io.BytesIO()
            self.figure.savefig(buf, format="png", dpi=100, bbox_inches="tight")
            width, height = (int(x * 100) for x in self.figure.get_size_inches())
            meta.update(source="matplotlib", width=width, height=height)
            return EncodedMedia("image", MediaPart(buf.getvalue(), "image/png"), meta)
        data = self.figure.to_json(validate=False, engine="json").encode()
        orjson.loads(data)  # the UI parses it; fail here, not there
        return EncodedMedia("plotly", MediaPart(data, JSON_MIME), meta)
