"""The video engine: probe, exact seek, playback, activity finder, stills.

Qt-free at its core (plain Python objects and threads; PyAV/FFmpeg demuxes
and decodes, through each file's exact frame index; OpenCV does colour
conversion, resizing and pixel maths);
:mod:`cctv_review.video.qt` is the thin adapter for the GUI.
"""

from .errors import (
    AudioOnly,
    CorruptVideo,
    CutOff,
    EmptyVideo,
    NotAVideo,
    UnsupportedCodec,
    VideoError,
    VideoFileMissing,
)
from .index import ClipIndex, build_index
from .probe import VideoInfo, probe

__all__ = [
    "AudioOnly",
    "ClipIndex",
    "CorruptVideo",
    "CutOff",
    "EmptyVideo",
    "NotAVideo",
    "UnsupportedCodec",
    "VideoError",
    "VideoFileMissing",
    "VideoInfo",
    "build_index",
    "probe",
]
