"""Probe and exact seek on each codec, verified by frame numbers in the pixels."""

from __future__ import annotations

import random
import shutil
import struct

import pytest

from cctv_review.video import VideoInfo, probe
from cctv_review.video.reader import FrameReader

CODECS = ["h264_gop50", "h264_gop250", "mjpeg", "mpeg4", "h264_bframes_mkv", "h264_ts"]


@pytest.mark.parametrize("codec", CODECS)
def test_probe_reports_clip(numbered, codec):
    info = probe(numbered(codec))
    seconds = 22 if codec == "h264_gop250" else 12
    assert isinstance(info, VideoInfo)
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(25.0)
    assert info.frame_count == seconds * 25
    assert info.duration_ms == seconds * 1000
    assert not info.variable_frame_rate
    assert info.codec == {"mjpeg": "MJPEG", "mpeg4": "MPEG-4 Part 2"}.get(codec, "H.264")


def _targets(n: int, gop: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    edges = [0, 1, n - 2, n - 1]
    for k in range(gop, n, gop):  # just before/at/after each keyframe
        edges += [k - 1, k, k + 1]
    picks = edges + rng.sample(range(n), 40)
    rng.shuffle(picks)
    return picks


@pytest.mark.parametrize(
    "codec,gop",
    [
        ("h264_gop50", 50),
        ("h264_gop250", 250),
        ("mjpeg", 1),
        ("mpeg4", 50),
        ("h264_bframes_mkv", 50),
        ("h264_ts", 50),
    ],
)
def test_exact_seek_returns_that_frame(numbered, frame_number, codec, gop, decoder_backend):
    with FrameReader(numbered(codec)) as reader:
        assert reader.backend == decoder_backend
        n = reader.info.frame_count
        for target in _targets(n, max(gop, 25), seed=hash(codec) & 0xFFFF):
            frame = reader.read_at_frame(target)
            assert frame.index == target
            assert frame_number(frame.image) == target, f"{codec}: asked {target}"
            assert frame.position_ms == round(target * 40)


def test_read_at_ms_and_clamping(numbered, frame_number, decoder_backend):
    with FrameReader(numbered("h264_gop50")) as reader:
        assert frame_number(reader.read_at_ms(2039).image) == 50  # 2.039 s -> frame 50 (2.000-2.039)
        assert frame_number(reader.read_at_ms(2040).image) == 51
        assert reader.read_at_frame(10_000).index == reader.info.frame_count - 1
        assert reader.read_at_frame(-5).index == 0


def test_sequential_read_does_not_seek(numbered, frame_number, decoder_backend):
    with FrameReader(numbered("h264_gop250")) as reader:
        reader.read_at_frame(100)
        seeks = reader.seeks
        for expect in range(101, 130):
            f = reader.read_next()
            assert f.index == expect == frame_number(f.image)
        reader.read_at_frame(140)  # a little ahead: decode forward
        assert reader.seeks == seeks


def test_raw_h264_stream_without_timestamps(make_clip, frame_number, decoder_backend):
    path = make_clip("raw", "h264_raw", 6)
    info = probe(path)
    assert info.frame_count == 150
    assert info.container_frame_count != 150
    assert any("timestamps" in w for w in info.warnings)
    with FrameReader(path, info) as reader:
        for t in (120, 3, 77, 149):
            assert frame_number(reader.read_at_frame(t).image) == t


def _patch_avi_frame_count(path, wrong):
    data = bytearray(path.read_bytes())
    i = data.find(b"avih")
    struct.pack_into("<I", data, i + 8 + 16, wrong)  # avih dwTotalFrames
    j = data.find(b"strh")
    struct.pack_into("<I", data, j + 8 + 32, wrong)  # strh dwLength
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("wrong", [100, 900])
def test_frame_count_disagreeing_with_container(numbered, tmp_path, frame_number, wrong, decoder_backend):
    path = tmp_path / "nvr.avi"
    shutil.copy(numbered("mjpeg"), path)
    _patch_avi_frame_count(path, wrong)
    info = probe(path)
    if info.container_frame_count == 300:
        pytest.skip("FFmpeg trusted the AVI index over the patched header")
    assert info.container_frame_count == wrong
    assert info.frame_count == 300
    assert any("claims" in w for w in info.warnings)
    with FrameReader(path, info) as reader:
        assert frame_number(reader.read_at_frame(299).image) == 299
        assert frame_number(reader.read_at_frame(150).image) == 150


def test_variable_frame_rate_detected(tmp_path, clip_dir, frame_number, decoder_backend):
    # Frames at irregular times: encode with explicit timestamps (VFR mkv).
    import subprocess

    import numpy as np  # noqa: F401
    import video_clipmaker as vc

    times = []
    t = 0.0
    for i in range(120):
        times.append(t)
        t += 0.04 if (i // 10) % 2 == 0 else 0.1
    frames_dir = tmp_path / "f"
    frames_dir.mkdir()
    lines = []
    import cv2

    for i, ts in enumerate(times):
        p = frames_dir / f"{i:04d}.png"
        cv2.imwrite(str(p), vc.draw_frame(i))
        dur = (times[i + 1] - ts) if i + 1 < len(times) else 0.04
        lines.append(f"file '{p}'\nduration {dur:.3f}\n")
    lst = tmp_path / "list.txt"
    lst.write_text("".join(lines))
    out = tmp_path / "vfr.mkv"
    subprocess.run(
        [
            vc.ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(lst),
            "-fps_mode",
            "vfr",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
    )
    info = probe(out)
    assert info.variable_frame_rate
    assert any("varies" in w for w in info.warnings)
    assert info.duration_ms == pytest.approx(times[-1] * 1000 + 1000 / info.fps, abs=120)
    # Times stay exact: the frame shown at a time is the one stamped at or before it.
    with FrameReader(out, info) as reader:
        f = reader.read_at_ms(times[60] * 1000 + 1)
        assert abs(f.position_ms - times[frame_number(f.image)] * 1000) <= 2
