"""``sy.Audio`` and ``sy.Video``: files, or arrays encoded here (WAV, animated GIF)."""

from __future__ import annotations

import io
import os
import wave
from typing import Any

import numpy as np

from shipyard.core.errors import InvalidInputError
from shipyard.media._files import read_media_file
from shipyard.media.base import MIMES, EncodedMedia, Media, MediaPart, check_caption
from shipyard.media.image import _pil, array_to_uint8

MAX_FRAMES = 10_000


def _wav(samples: Any, sample_rate: int) -> tuple[bytes, float, int]:
    a = np.asarray(samples)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.size == 0 or a.shape[1] > 16:
        raise InvalidInputError(
            f"Audio samples must be (n,) or (n, channels); got shape {np.asarray(samples).shape}"
        )
    if np.issubdtype(a.dtype, np.floating):
        pcm = (np.clip(np.nan_to_num(a), -1.0, 1.0) * 32767).astype("<i2")
    elif a.dtype == np.int16:
        pcm = a.astype("<i2")
    else:
        raise InvalidInputError(f"Audio samples must be float in [-1, 1] or int16, not {a.dtype}")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue(), pcm.shape[0] / sample_rate, pcm.shape[1]


class Audio(Media):
    """Audio: a WAV/MP3/OGG/FLAC file, or samples with their ``sample_rate``."""

    kind = "audio"

    def __init__(self, data: Any, sample_rate: int | None = None, caption: str | None = None):
        self.data = data
        self.sample_rate = sample_rate
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        meta: dict[str, Any] = {}
        if isinstance(self.data, (str, os.PathLike)):
            data, mime = read_media_file(self.data, "Audio", MIMES["audio"])
        else:
            rate = self.sample_rate
            if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= 768_000:
                raise InvalidInputError("Audio from samples needs sample_rate, an int in Hz")
            data, seconds, channels = _wav(self.data, rate)
            mime = "audio/wav"
            meta.update(duration_s=round(seconds, 3), sample_rate=rate, channels=channels)
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("audio", MediaPart(data, mime), meta)


class Video(Media):
    """Video: an MP4/WebM/GIF file, or frames ``(T, H, W[, C])`` stored as an animated
    GIF at ``fps`` (no ffmpeg needed)."""

    kind = "video"

    def __init__(self, data: Any, fps: float = 4.0, caption: str | None = None):
        self.data = data
        self.fps = fps
        self.caption = check_caption(caption)

    def encode(self) -> EncodedMedia:
        meta: dict[str, Any] = {}
        if isinstance(self.data, (str, os.PathLike)):
            data, mime = read_media_file(self.data, "Video", MIMES["video"])
        else:
            data, frames, (h, w) = self._gif()
            mime = "image/gif"
            meta.update(frames=frames, fps=self.fps, width=w, height=h)
        if self.caption is not None:
            meta["caption"] = self.caption
        return EncodedMedia("video", MediaPart(data, mime), meta)

    def _gif(self) -> tuple[bytes, int, tuple[int, int]]:
        frames = np.asarray(self.data)
        if frames.ndim not in (3, 4) or not 1 <= frames.shape[0] <= MAX_FRAMES:
            raise InvalidInputError(
                f"Video frames must be (T, H, W) or (T, H, W, C) with 1 to {MAX_FRAMES} frames; "
                f"got shape {frames.shape}"
            )
        if not (isinstance(self.fps, (int, float)) and 0 < self.fps <= 120):
            raise InvalidInputError(f"fps must be between 0 and 120, got {self.fps!r}")
        pil = _pil()
        images = [pil.fromarray(array_to_uint8(f, "Video frame")) for f in frames]
        buf = io.BytesIO()
        duration = max(1, round(1000 / self.fps))
        images[0].save(
            buf, format="GIF", save_all=True, append_images=images[1:], duration=duration, loop=0
        )
        return buf.getvalue(), len(images), (images[0].size[1], images[0].size[0])
