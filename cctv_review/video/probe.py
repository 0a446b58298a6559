"""Probe a video file: duration, frame rate, frame count, size, codec, gaps.

:func:`probe` builds (or is given) the file's exact frame index
(:mod:`cctv_review.video.index`: one demux pass, no decoding) and decodes
the first frame to check that the pictures can be decoded.  Every figure is
exact: the frame count is the number of frames FFmpeg decodes, the duration
runs from the first frame to the end of the last, and positions in
milliseconds are each frame's own timestamp, also when the frame rate varies
(motion-triggered recording) or the timestamps start hours from zero or wrap.

Errors are raised as the plain-language :mod:`cctv_review.video.errors`.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av

from .errors import CorruptVideo, UnsupportedCodec, VideoError
from .index import ClipIndex, build_index, check_file

#: FFmpeg decoder names shown as names people recognise.
_CODEC_NAMES = {
    "h264": "H.264",
    "hevc": "H.265/HEVC",
    "mjpeg": "MJPEG",
    "mpeg4": "MPEG-4 Part 2",
    "msmpeg4v3": "MPEG-4 Part 2 (MS)",
    "mpeg2video": "MPEG-2",
    "mpeg1video": "MPEG-1",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "wmv3": "WMV9",
    "vc1": "VC-1",
    "h263": "H.263",
}


def codec_name(name: str) -> str:
    """A readable name for FFmpeg's codec name ``name`` (e.g. ``hevc`` -> ``H.265/HEVC``)."""
    return _CODEC_NAMES.get(name, name or "unknown")


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` found.  Positions are integer milliseconds from the first frame.

    ``width``/``height`` are the coded picture size in pixels; ``sample_aspect``
    the pixel aspect (num, den); ``display_width``/``display_height`` the size
    shown with square pixels (e.g. 704x576 at 12:11 -> 768x576).  ``gaps`` are
    timestamp gaps ``(start_ms, length_ms)`` (see
    :meth:`~cctv_review.video.index.ClipIndex.gaps`).  ``recorded_start_hint``
    is the recorder's date-time where the file states it (Dahua .dav headers;
    recorder-local, naive), else None.  ``index`` is the exact frame index;
    :meth:`frame_at_ms` and :meth:`ms_of_frame` use it.
    """

    path: str
    duration_ms: int
    fps: float
    frame_count: int
    width: int
    height: int
    codec: str
    container_frame_count: int
    variable_frame_rate: bool
    warnings: tuple[str, ...] = ()
    #: How frames are numbered: "pts" (by timestamp) or "count" (no usable timestamps).
    timing: str = field(default="pts", compare=False)
    start_ms: float = field(default=0.0, compare=False)
    sample_aspect: tuple[int, int] = (1, 1)
    interlaced: bool = False
    gaps: tuple[tuple[int, int], ...] = ()
    cut_off: bool = False
    container: str = ""
    recorded_start_hint: _dt.datetime | None = field(default=None, compare=False)
    index: ClipIndex | None = field(default=None, compare=False, repr=False)

    @property
    def frame_ms(self) -> float:
        """Nominal duration of one frame in milliseconds."""
        return 1000.0 / self.fps

    @property
    def display_width(self) -> int:
        """Width in pixels when shown with square pixels (display aspect)."""
        from ._display import aspect_size

        return aspect_size(self.width, self.height, self.sample_aspect)[0]

    @property
    def display_height(self) -> int:
        return self.height

    @property
    def display_aspect(self) -> float:
        """Display aspect ratio (width / height), e.g. 4/3 for PAL D1."""
        return self.display_width / self.height if self.height else 1.0

    def frame_at_ms(self, ms: float) -> int:
        """Number of the frame on screen at ``ms`` (clamped to the clip)."""
        if self.index is not None:
            return self.index.frame_at_ms(ms)
        idx = int(ms * self.fps / 1000.0 + 1e-6)
        return max(0, min(self.frame_count - 1, idx))

    def ms_of_frame(self, index: int) -> int:
        """Time of frame ``index`` in milliseconds (its own timestamp)."""
        if self.index is not None:
            return self.index.ms_of_frame(index)
        return round(index * 1000.0 / self.fps)


def _fmt(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def probe(
    path: str | os.PathLike[str],
    *,
    index: ClipIndex | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> VideoInfo:
    """Describe ``path``; raise a :class:`VideoError` if it cannot be played.

    ``index``: the file's stored index (skips the demux pass if it still
    matches the file's size and modification time).  ``progress``/``cancel``
    are passed to :func:`~cctv_review.video.index.build_index`.
    """
    p = Path(os.fspath(path))
    check_file(p)
    if index is None or not index.matches_file(p):
        index = build_index(p, progress=progress, cancel=cancel)
    interlaced = _check_decodes(p, index)
    st = index.stream
    warnings: list[str] = []
    gaps = index.gaps()
    if index.cut_off:
        warnings.append(
            f"The file was cut off (the export or copy was interrupted): it plays up to "
            f"{_fmt(index.duration_ms)}, where it ends; the rest cannot be recovered here. "
            "Ask the force for a complete export."
        )
    if index.timing == "count" and index.stream.container != "avi":
        warnings.append(
            "The file has no timestamps (a raw stream); frames are counted from the start "
            f"at {index.fps:g} frames per second, and seeking decodes from the start, so it is slow. "
            "Converting it to MP4 makes seeking fast."
        )
    if gaps:
        total = sum(g[1] for g in gaps)
        longest = max(gaps, key=lambda g: g[1])
        warnings.append(
            f"Recording stops {len(gaps)} time(s) in this file (for example motion-triggered "
            f"recording): {total / 1000:.1f} s without pictures in all; the longest gap is "
            f"{longest[1] / 1000:.1f} s from {_fmt(longest[0])}."
        )
    if index.variable_frame_rate:
        warnings.append(
            f"The frame rate varies (about {index.fps:.2f} frames per second nominal); "
            "frame numbers and times are exact."
        )
    cc = st.container_frame_count
    if cc and cc != index.frame_count:
        warnings.append(
            f"The file claims {cc} frames but {index.frame_count} can be decoded; those are shown."
        )
    return VideoInfo(
        path=str(p),
        duration_ms=index.duration_ms,
        fps=float(index.fps),
        frame_count=index.frame_count,
        width=st.width,
        height=st.height,
        codec=codec_name(st.codec),
        container_frame_count=cc,
        variable_frame_rate=index.variable_frame_rate or bool(gaps),
        warnings=tuple(warnings),
        timing=index.timing,
        start_ms=0.0,
        sample_aspect=st.sar,
        interlaced=interlaced,
        gaps=tuple(gaps),
        cut_off=index.cut_off,
        container=st.container,
        recorded_start_hint=index.recorded_start_hint,
        index=index,
    )


def _check_decodes(path: Path, index: ClipIndex) -> bool:
    """Decode the first frame; return whether it is interlaced.  Raises if nothing decodes."""
    from ._pyav import PyAVDecoder

    codec = index.stream.codec
    try:
        av.codec.Codec(codec, "r")
    except Exception as exc:  # av.codec.codec.UnknownCodecError: no decoder in this FFmpeg build
        raise UnsupportedCodec(
            path, f'uses a video format ("{codec}") this application cannot decode'
        ) from exc
    try:
        dec = PyAVDecoder(path, index, threads=1, deinterlace=False)
    except VideoError:
        raise
    except OSError as exc:
        raise CorruptVideo(path, f"could not be opened for decoding ({exc})") from exc
    try:
        got = dec.grab()
        if got is None:
            raise CorruptVideo(
                path,
                f"claims to hold {codec_name(codec)} video but no picture in it can be decoded; "
                "it is damaged or incomplete",
            )
        return bool(getattr(dec._frame, "interlaced_frame", False))
    finally:
        dec.close()
