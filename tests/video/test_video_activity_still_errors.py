"""Activity finder, captioned stills, and plain-language errors."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from cctv_review.video import (
    CorruptVideo,
    CutOff,
    EmptyVideo,
    NotAVideo,
    UnsupportedCodec,
    VideoError,
    VideoFileMissing,
    probe,
)
from cctv_review.video.activity import (
    ScanCancelled,
    default_threshold,
    next_activity,
    previous_activity,
    scan_activity,
)
from cctv_review.video.player import Player
from cctv_review.video.reader import FrameReader
from cctv_review.video.still import save_still

MOVING = {5, 6, 7, 14, 15}


# -- activity -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["pixels", "packets"])
def test_activity_scores_moving_seconds_higher(activity_clip, method):
    progress = []
    res = scan_activity(activity_clip, progress=progress.append, method=method)
    assert res.method == method and res.bin_ms == 1000 and len(res.scores) == 20
    moving = [res.scores[s] for s in MOVING]
    still = [s for i, s in enumerate(res.scores) if i not in MOVING and i - 1 not in MOVING]
    assert min(moving) > 3 * max(still)
    assert progress and progress[-1] == 1.0 and progress == sorted(progress)
    assert next_activity(res.scores, 0) == 5
    assert next_activity(res.scores, 5) == 14
    assert next_activity(res.scores, 14) is None
    assert previous_activity(res.scores, 19) == 14
    assert previous_activity(res.scores, 14) == 5
    assert previous_activity(res.scores, 5) is None


def test_activity_on_intra_codec_and_auto(make_clip):
    path = make_clip("activity_mjpeg", "mjpeg", 20, moving_seconds=MOVING, numbered=False)
    res = scan_activity(path, method="packets")  # falls back: MJPEG sizes say nothing
    assert res.method == "pixels"
    assert next_activity(res.scores, 0) == 5
    assert scan_activity(path).method == "pixels"  # auto at 320x240


def test_activity_cancel(activity_clip):
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(ScanCancelled):
        scan_activity(activity_clip, cancel=cancel, method="pixels")


def test_next_previous_helpers_pure():
    scores = [0.001, 0.0012, 0.05, 0.06, 0.001, 0.0009, 0.001, 0.04, 0.001]
    assert default_threshold(scores) < 0.04
    assert next_activity(scores, 0) == 2
    assert next_activity(scores, 2) == 7
    assert previous_activity(scores, 8) == 7
    assert previous_activity(scores, 7) == 2
    assert next_activity(scores, 0, threshold=0.055) == 3
    assert next_activity([], 0) is None
    assert next_activity([0.0] * 10, 0) is None


# -- stills ---------------------------------------------------------------------


def test_save_still_captioned_png(numbered, tmp_path, decoder_backend):
    with FrameReader(numbered("h264_gop50")) as r:
        frame = r.read_at_frame(75)
    original = frame.image.copy()
    out = save_still(
        frame.image,
        tmp_path / "stills" / "s1.png",
        case_reference="CR-2024-017",
        camera="Cell 4",
        clip_ms=frame.position_ms,
        recorded_at=datetime(2024, 3, 1, 2, 14, 5, tzinfo=timezone.utc),
    )
    assert out.exists() and out.suffix == ".png"
    assert np.array_equal(frame.image, original)  # caller's frame untouched
    img = cv2.imread(str(out))
    h, w = original.shape[:2]
    assert img.shape[1] == w and h < img.shape[0] <= h + h // 3  # band below, not too tall
    assert np.array_equal(img[:h], original)  # picture not covered
    band = img[h:]
    assert (band > 200).any() and (band < 40).mean() > 0.5  # light text on a dark band
    assert not list(out.parent.glob("*.part"))  # atomic: no temp file left


def test_still_caption_scales_for_hd(tmp_path):
    img = np.full((1080, 1920, 3), 128, np.uint8)
    out = save_still(
        img, tmp_path / "hd", case_reference="X", camera="Corridor", clip_ms=3_723_456, recorded_at=None
    )
    got = cv2.imread(str(out))
    assert out.name == "hd.png"
    assert 1080 + 30 < got.shape[0] < 1080 + 200
    assert (got[1080:] > 200).sum() > 2000  # text is there and legible-sized


# -- errors ---------------------------------------------------------------------


def _check(err: VideoError, path, *words):
    msg = str(err)
    assert os.path.basename(str(path)) in msg
    assert err.path == str(path) and err.message == msg
    for w in words:
        assert w in msg.lower()


def test_missing_file(tmp_path):
    path = tmp_path / "nope.mp4"
    with pytest.raises(VideoFileMissing) as e:
        probe(path)
    _check(e.value, path, "cannot be found")


def test_text_file_renamed_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("Custody record notes, not a video.\n" * 50)
    with pytest.raises(NotAVideo) as e:
        probe(path)
    _check(e.value, path, "not a video")


def test_zero_length_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(EmptyVideo) as e:
        probe(path)
    _check(e.value, path, "empty")


def test_container_without_frames(tmp_path, clip_dir):
    path = tmp_path / "noframes.mkv"
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=25",
            "-frames:v",
            "0",
            "-c:v",
            "libx264",
            str(path),
        ],
        check=True,
    )
    with pytest.raises((EmptyVideo, CorruptVideo)) as e:
        probe(path)
    _check(e.value, path)


def test_truncated_mp4(numbered, tmp_path):
    src = numbered("h264_gop50").read_bytes()
    path = tmp_path / "cut.mp4"
    path.write_bytes(src[: len(src) // 2])  # moov atom at the end is lost
    with pytest.raises(CutOff) as e:
        probe(path)
    _check(e.value, path, "cut off", "cannot be repaired", "complete export")


def test_truncated_mkv_plays_what_is_there(numbered, tmp_path, frame_number, decoder_backend):
    src = numbered("h264_bframes_mkv").read_bytes()
    path = tmp_path / "cut.mkv"
    path.write_bytes(src[: len(src) // 2])
    info = probe(path)
    assert 60 < info.frame_count < 260
    decoded = _decoded_numbers(path)  # what FFmpeg decodes from the cut file, in order
    assert len(decoded) == info.frame_count
    with FrameReader(path, info) as r:
        for n in (info.frame_count - 1, info.frame_count // 2, 3):
            assert frame_number(r.read_at_frame(n).image) == decoded[n]


def _decoded_numbers(path) -> list[int]:
    """Barcodes of every frame FFmpeg (PyAV, sequential) decodes from ``path``."""
    import av
    import video_clipmaker as vc

    out = []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        for packet in c.demux(vs):
            try:
                frames = vs.codec_context.decode(packet) if packet.size else []
            except av.error.FFmpegError:
                continue
            out += [vc.read_frame_number(f.to_ndarray(format="bgr24")) for f in frames]
        try:
            frames = vs.codec_context.decode(None)
        except av.error.FFmpegError:
            frames = []
        out += [vc.read_frame_number(f.to_ndarray(format="bgr24")) for f in frames]
    return out


def test_unsupported_codec(numbered, tmp_path):
    data = bytearray(numbered("mjpeg").read_bytes())
    for tag in (b"MJPG", b"mjpg"):  # a proprietary FourCC no decoder knows
        i = data.find(tag)
        while i >= 0:
            data[i : i + 4] = b"QZX9"
            i = data.find(tag, i + 4)
    path = tmp_path / "vendor.avi"
    path.write_bytes(bytes(data))
    with pytest.raises(UnsupportedCodec) as e:
        probe(path)
    _check(e.value, path, "qzx9", "export")


def test_garbage_dav_is_refused(tmp_path):
    path = tmp_path / "ch01.dav"
    path.write_bytes(b"DHAV" + os.urandom(4096))
    with pytest.raises(VideoError) as e:
        probe(path)
    _check(e.value, path)


def test_corrupt_middle_mjpeg_plays_past_damage(numbered, tmp_path, frame_number, decoder_backend):
    data = bytearray(numbered("mjpeg").read_bytes())
    mid = len(data) // 2
    data[mid : mid + 60_000] = os.urandom(60_000)  # ~10 frames destroyed
    path = tmp_path / "damaged.avi"
    path.write_bytes(bytes(data))
    info = probe(path)
    decoded = _decoded_numbers(path)
    assert 280 <= len(decoded) < 300
    with FrameReader(path, info) as r:
        assert frame_number(r.read_at_frame(20).image) == 20
        last = info.frame_count - 1
        assert frame_number(r.read_at_frame(last).image) == decoded[-1] == 299
    # The player plays through: frames before and after the damage are shown.
    shown, ended, errors = [], threading.Event(), []
    p = Player(on_frame=lambda f: shown.append(f.index), on_end=ended.set, on_error=errors.append)
    try:
        p.open(str(path))
        p.wait_opened()
        p.seek_ms(4000)
        p.set_speed(16)
        p.play()
        assert ended.wait(20)
    finally:
        p.close()
    assert not errors
    assert min(shown) < 120 and max(shown) == info.frame_count - 1


def test_corrupt_middle_h264_ts_plays_past_damage(numbered, tmp_path, frame_number, decoder_backend):
    data = bytearray(numbered("h264_ts").read_bytes())
    mid = len(data) // 2
    data[mid : mid + 8000] = os.urandom(8000)
    path = tmp_path / "damaged.ts"
    path.write_bytes(bytes(data))
    info = probe(path)
    assert 250 <= info.frame_count < 300
    last = info.frame_count - 1
    with FrameReader(path, info) as r:
        assert frame_number(r.read_at_frame(10).image) == 10
        assert frame_number(r.read_at_frame(last).image) == 299
        # Sequential decode across the damage keeps going to the end.
        r.read_at_frame(100)
        seen = []
        while (f := r.read_next()) is not None:
            seen.append(f.index)
        assert seen[-1] == info.frame_count - 1


def test_player_reports_open_errors(tmp_path):
    errs = []
    p = Player(on_error=errs.append)
    try:
        p.open(str(tmp_path / "missing.mp4"))
        assert p.wait_opened(5) is None
        deadline = time.monotonic() + 5
        while not errs and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        p.close()
    assert isinstance(errs[0], VideoFileMissing)
