"""Decoder backend selection (CCTV_REVIEW_DECODER) and the PyAV conversion paths."""

from __future__ import annotations

import numpy as np
import pytest

from cctv_review.video import _capture, probe
from cctv_review.video.reader import FrameReader


def test_env_selects_backend(monkeypatch, numbered, decoder_backend):
    assert _capture.decoder_backend() == decoder_backend
    with FrameReader(numbered("h264_gop50")) as r:
        assert r.backend == decoder_backend


def test_unknown_or_unavailable_backend_falls_back(monkeypatch):
    monkeypatch.setenv(_capture.DECODER_ENV, "gstreamer")
    assert _capture.decoder_backend() in _capture.BACKENDS
    monkeypatch.setenv(_capture.DECODER_ENV, "pyav")
    monkeypatch.setattr(_capture, "pyav_available", lambda: False)
    assert _capture.decoder_backend() == "opencv"


def test_backends_give_the_same_pictures(numbered, monkeypatch):
    pytest.importorskip("av")
    for codec in ("h264_gop50", "mjpeg", "mpeg4"):
        path = numbered(codec)
        info = probe(path)
        imgs = {}
        for backend in ("opencv", "pyav"):
            monkeypatch.setenv(_capture.DECODER_ENV, backend)
            with FrameReader(path, info) as r:
                imgs[backend] = r.read_at_frame(137).image
        a, b = imgs["opencv"], imgs["pyav"]
        assert a.shape == b.shape and a.dtype == b.dtype == np.uint8
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 3.0, codec


@pytest.mark.parametrize(
    "size,pix_fmt",
    [
        ((330, 250), "yuv420p"),  # padded lines
        ((321, 241), "yuv444p"),
    ],
)  # odd size, other format
def test_unusual_sizes_and_formats(make_clip, frame_number, decoder_backend, size, pix_fmt):
    w, h = size
    path = make_clip(
        f"size_{w}x{h}_{pix_fmt}", "h264_gop50", 4, width=w, height=h, extra=["-pix_fmt", pix_fmt]
    )
    info = probe(path)
    assert (info.width, info.height) == (w, h)
    with FrameReader(path, info) as r:
        for t in (0, 63, 51, 99):
            f = r.read_at_frame(t)
            assert f.image.shape == (h, w, 3)
            assert frame_number(f.image) == t
