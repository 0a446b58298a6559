"""Fixtures for the video engine tests: small numbered clips, made once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import video_clipmaker as vc


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory):
    if vc.ffmpeg_exe() is None:
        pytest.skip("the ffmpeg CLI is not installed; it is needed to make test clips")
    return tmp_path_factory.mktemp("video_clips")


@pytest.fixture(scope="session")
def make_clip(clip_dir):
    cache: dict = {}

    def _make(name: str, codec: str, seconds: float, **kw) -> Path:
        key = (name, codec, seconds, tuple(sorted((k, str(v)) for k, v in kw.items())))
        if key not in cache:
            cache[key] = vc.make_clip(clip_dir / name, codec, seconds, **kw)
        return cache[key]

    return _make


@pytest.fixture(scope="session")
def numbered(make_clip):
    """Numbered clips per codec: 12 s (20 s for the 10 s GOP)."""

    def _get(codec: str) -> Path:
        seconds = 22 if codec == "h264_gop250" else 12
        return make_clip(f"num_{codec}", codec, seconds)

    return _get


@pytest.fixture(scope="session")
def activity_clip(make_clip):
    return make_clip("activity", "h264_gop50", 20, moving_seconds={5, 6, 7, 14, 15}, numbered=False)


@pytest.fixture
def frame_number():
    return vc.read_frame_number


def _pyav_importable() -> bool:
    try:
        import av  # noqa: F401
    except Exception:
        return False
    return True


@pytest.fixture
def decoder_backend():
    """The decoder every test uses: PyAV/FFmpeg (the only decoding path)."""
    if not _pyav_importable():
        pytest.skip("PyAV (the 'av' package) is not installed")
    return "pyav"
