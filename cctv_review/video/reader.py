"""Exact-seeking, Qt-free frame reader.

>>> with FrameReader("clip.mp4") as reader:
...     frame = reader.read_at_ms(61_240)     # the frame on screen at 1:01.240
...     frame.index, frame.position_ms, frame.image.shape

``read_at_frame(n)`` returns exactly frame ``n`` (the n-th frame FFmpeg
decodes) - not the nearest keyframe: it seeks to the keyframe at or before
the target (taken from the clip's index), then decodes forward to ``n`` (see
:mod:`cctv_review.video._pyav`).
Reading forward from the current position (``read_next``, or a target a few
frames ahead) decodes sequentially without seeking.  Frames skipped on the
way are decoded but not converted to BGR (``grab()`` without ``retrieve()``).

A reader is used from one thread at a time.  Frame numbers outside the clip
are clamped to the first/last frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._pyav import PyAVDecoder
from .errors import CorruptVideo
from .probe import VideoInfo, probe


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded picture: its number, its time (ms from clip start), pixels.

    ``image`` is BGR (h, w, 3) at the display aspect (square pixels: a
    704x576 PAL D1 frame with 12:11 pixels is 768x576), deinterlaced, unless the reader was given an ``alloc`` hook
    that hands out BGRA buffers (h, w, 4).  ``scale`` is 1 for a full-size
    frame, 2 or 4 for a display frame reduced to half or quarter size (same
    index and time).  ``owner`` keeps alive whatever owns ``image``'s memory
    (e.g. the QImage it was written into).
    """

    index: int
    position_ms: int
    image: np.ndarray
    scale: int = 1
    owner: Any = None

    @property
    def nbytes(self) -> int:
        return int(self.image.nbytes)


def _fmt_ms(ms: float) -> str:
    s, ms_ = divmod(int(ms), 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h}:{m:02d}:{s:02d}.{ms_:03d}" if h else f"{m}:{s:02d}.{ms_:03d}"


class FrameReader:
    """Read exact frames from one clip (probes it unless ``info`` is given)."""

    def __init__(
        self, path: str | os.PathLike[str], info: VideoInfo | None = None, *, threads: int | None = None
    ) -> None:
        if info is None or info.index is None:
            info = probe(path, index=None if info is None else info.index)
        self.info = info
        self.path = os.fspath(path)
        assert info.index is not None
        try:
            self._dec = PyAVDecoder(self.path, info.index, threads=threads)
        except OSError as exc:
            raise CorruptVideo(self.path, "could not be opened again for reading") from exc
        self.scale = 1
        self.alloc = None

    def set_output(self, scale: int = 1, alloc=None) -> None:
        """Produce frames at 1/``scale`` size (1, 2, 4), written via ``alloc``.

        See :mod:`cctv_review.video._display`.  The default (1, None) gives
        full-size BGR arrays.
        """
        self.scale = int(scale) if int(scale) in (1, 2, 4) else 1
        self.alloc = alloc

    # -- context manager -----------------------------------------------
    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._dec.close()

    # -- statistics ----------------------------------------------------
    @property
    def decoded_frames(self) -> int:
        """Frames decoded so far (grabbed, whether or not converted)."""
        return self._dec.grabs

    @property
    def seeks(self) -> int:
        return self._dec.seeks

    @property
    def backend(self) -> str:
        """Decoder in use: always ``"pyav"`` (FFmpeg through PyAV)."""
        return self._dec.backend

    @property
    def position_index(self) -> int | None:
        """Index of the frame last decoded (None before the first read)."""
        return self._dec.index

    @property
    def keyframes_only(self) -> bool:
        """Decode keyframes only (see :attr:`~cctv_review.video._pyav.PyAVDecoder.keyframes_only`)."""
        return self._dec.keyframes_only

    @keyframes_only.setter
    def keyframes_only(self, on: bool) -> None:
        self._dec.keyframes_only = on

    # -- reading ---------------------------------------------------------
    def clamp(self, index: int) -> int:
        return max(0, min(self.info.frame_count - 1, int(index)))

    def read_at_frame(self, index: int, *, forward_limit: int | None = None) -> Frame:
        """Return frame ``index`` exactly (clamped to the clip)."""
        target = self.clamp(index)
        got = self._dec.seek_exact(target, forward_limit=forward_limit)
        if got is None:
            raise CorruptVideo(
                self.path,
                f"cannot be decoded at {_fmt_ms(self.info.ms_of_frame(target))} "
                f"(frame {target}); that part of the file is damaged",
                advice="Try a position a little later, or obtain a fresh copy.",
            )
        return self._current()

    def read_at_ms(self, ms: float) -> Frame:
        """Return the frame on screen at ``ms`` milliseconds from the start."""
        return self.read_at_frame(self.info.frame_at_ms(ms))

    def grab_next(self) -> int | None:
        """Decode the next frame without converting it; its index or None."""
        return self._dec.grab()

    def read_next(self) -> Frame | None:
        """Decode and return the next frame in order (None at the end)."""
        if self._dec.grab() is None:
            return None
        return self._current()

    def retrieve(self) -> Frame:
        """Convert and return the frame last decoded."""
        return self._current()

    def _current(self) -> Frame:
        owner = None
        if self.scale == 1 and self.alloc is None:
            img = self._dec.retrieve()
        else:
            got = self._dec.retrieve_display(self.scale, self.alloc)
            img, owner = got if got is not None else (None, None)
        if img is None:
            raise CorruptVideo(self.path, f"returned an unreadable picture at frame {self._dec.index}")
        return Frame(int(self._dec.index or 0), round(self._dec.pts_ms), img, self.scale, owner)
