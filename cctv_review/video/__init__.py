"""The video engine: probe, exact seek, playback, activity finder, stills.

Qt-free at its core (plain Python objects and threads, OpenCV for decoding);
:mod:`cctv_review.video.qt` is the thin adapter for the GUI.
"""

from .errors import (
    CorruptVideo,
    EmptyVideo,
    NotAVideo,
    UnsupportedCodec,
    VideoError,
    VideoFileMissing,
)
from .probe import VideoInfo, probe

__all__ = [
    "CorruptVideo",
    "EmptyVideo",
    "NotAVideo",
    "UnsupportedCodec",
    "VideoError",
    "VideoFileMissing",
    "VideoInfo",
    "probe",
]
