"""The one decoding path (PyAV/FFmpeg) and its conversion paths."""

from __future__ import annotations

import pytest

from cctv_review.video import probe
from cctv_review.video.reader import FrameReader


def test_reader_decodes_with_pyav(numbered):
    with FrameReader(numbered("h264_gop50")) as r:
        assert r.backend == "pyav"


@pytest.mark.parametrize(
    "size,pix_fmt",
    [
        ((330, 250), "yuv420p"),  # padded lines
        ((321, 241), "yuv444p"),
    ],
)  # odd size, other format
def test_unusual_sizes_and_formats(make_clip, frame_number, size, pix_fmt):
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
