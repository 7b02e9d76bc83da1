"""Which values of ``run.log`` are media, and turning them into items to store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shipyard.core.errors import InvalidInputError
from shipyard.media.base import EncodedMedia, Media
from shipyard.media.figures import Figure, is_matplotlib_figure, is_plotly_figure

MAX_ITEMS_PER_KEY = 1_000


def as_media(value: Any) -> Media | None:
    """The media value ``value`` is (figures are wrapped), or None for anything else."""
    if isinstance(value, Media):
        return value
    if is_plotly_figure(value) or is_matplotlib_figure(value):
        return Figure(value)
    return None


def media_items(value: Any) -> list[Media] | None:
    """A media value, or a non-empty list of media values, as a list; None otherwise."""
    single = as_media(value)
    if single is not None:
        return [single]
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and value:
        items = [as_media(v) for v in value]
        if all(i is not None for i in items):
            if len(items) > MAX_ITEMS_PER_KEY:
                raise InvalidInputError(f"At most {MAX_ITEMS_PER_KEY} media items per key and step")
            return [i for i in items if i is not None]
        if any(i is not None for i in items):
            raise InvalidInputError("A list logged under one key must hold only media values")
    return None


def encode_all(items: Sequence[Media]) -> list[EncodedMedia]:
    return [item.encode() for item in items]
