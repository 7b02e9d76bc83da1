"""``sy.Histogram``, ``sy.Text`` and ``sy.Prompt``: small JSON documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from shipyard.core.errors import InvalidInputError
from shipyard.media.base import EncodedMedia, Media, check_caption, json_part

MAX_BINS = 512
MAX_TEXT = 1_000_000
MAX_MESSAGES = 10_000


class Histogram(Media):
    """A distribution: raw ``values`` binned here, or precomputed ``(counts, edges)``."""

    kind = "histogram"

    def __init__(
        self,
        values: Any = None,
        num_bins: int = 64,
        *,
        np_histogram: tuple[Any, Any] | None = None,
        caption: str | None = None,
    ) -> None:
        if (values is None) == (np_histogram is None):
            raise InvalidInputError("Histogram needs either values or np_histogram=(counts, edges)")
        if not 1 <= num_bins <= MAX_BINS:
            raise InvalidInputError(f"num_bins must be between 1 and {MAX_BINS}")
        if np_histogram is not None:
            counts, edges = (np.asarray(x, dtype=np.float64) for x in np_histogram)
            if counts.ndim != 1 or edges.shape != (counts.shape[0] + 1,):
                raise InvalidInputError(
                    "np_histogram must be (counts, edges) with len(edges) = n+1"
                )
            self.count = float(counts.sum())
        else:
            v = np.asarray(values, dtype=np.float64).ravel()
            v = v[np.isfinite(v)]
            if v.size == 0:
                raise InvalidInputError("Histogram values hold no finite number")
            counts, edges = np.histogram(v, bins=num_bins)
            self.count = float(v.size)
        self.counts, self.edges = counts, edges
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        payload = {"counts": self.counts.tolist(), "edges": self.edges.tolist()}
        meta: dict[str, Any] = {
            "bins": len(self.counts),
            "count": self.count,
            "min": float(self.edges[0]),
            "max": float(self.edges[-1]),
        }
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("histogram", json_part(payload), meta)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{what} must be a string, got {type(value).__name__}")
    if len(value) > MAX_TEXT:
        raise InvalidInputError(f"{what} is longer than {MAX_TEXT} characters")
    return value


class Text(Media):
    """Text, shown verbatim or (``markdown=True``) as sanitised Markdown."""

    kind = "text"

    def __init__(self, text: str, *, markdown: bool = False, caption: str | None = None) -> None:
        self.text = _text(text, "Text")
        self.markdown = bool(markdown)
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        meta: dict[str, Any] = {"markdown": self.markdown, "chars": len(self.text)}
        meta["preview"] = self.text[:200]
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("text", json_part({"text": self.text, "markdown": self.markdown}), meta)


class Prompt(Media):
    """A prompt/response pair or a chat (``messages``: dicts with ``role`` and ``content``)."""

    kind = "prompt"

    def __init__(
        self,
        prompt: str | None = None,
        response: str | None = None,
        *,
        messages: Sequence[Mapping[str, Any]] | None = None,
        model: str | None = None,
        caption: str | None = None,
    ) -> None:
        chat: list[dict[str, str]] = []
        if messages is not None:
            if len(messages) > MAX_MESSAGES:
                raise InvalidInputError(f"At most {MAX_MESSAGES} messages per prompt")
            for i, m in enumerate(messages):
                if not isinstance(m, Mapping) or "role" not in m or "content" not in m:
                    raise InvalidInputError(f"Message {i} needs 'role' and 'content'")
                chat.append(
                    {
                        "role": _text(m["role"], "role")[:64],
                        "content": _text(m["content"], "content"),
                    }
                )
        if prompt is not None:
            chat.append({"role": "user", "content": _text(prompt, "prompt")})
        if response is not None:
            chat.append({"role": "assistant", "content": _text(response, "response")})
        if not chat:
            raise InvalidInputError("Prompt needs prompt/response or messages")
        self.messages = chat
        self.model = _text(model, "model")[:256] if model is not None else None
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        meta: dict[str, Any] = {
            "messages": len(self.messages),
            "preview": self.messages[0]["content"][:200],
        }
        if self.model:
            meta["model"] = self.model
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia(
            "prompt", json_part({"messages": self.messages, "model": self.model}), meta
        )
