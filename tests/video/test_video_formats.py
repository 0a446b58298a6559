"""Recorder formats: each is indexed, seeked exactly and stepped like FFmpeg decodes it.

Done-when check of issue 9: for every kind of file recorders export (made
here with ffmpeg, numbered with the field cases' barcode), the index's frame
count equals ``ffprobe -count_frames``, its duration is the file's, and
seeking to frame N returns FFmpeg's N-th decoded frame (PyAV sequential
decode, barcode read from the pixels).
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
import video_clipmaker as vc

from cctv_review.video import AudioOnly, CutOff, probe
from cctv_review.video.index import ClipIndex, build_index
from cctv_review.video.reader import FrameReader

#: kind -> (duration ms by construction, frames)
EXPECTED = {
    "hevc_mp4": (4000, 100),
    "hevc_mkv": (4000, 100),
    "hevc_raw": (4000, 100),
    "dahua_dav": (4000, 100),
    "hikvision_ps": (12000, 300),
    "ts_wrap": (4000, 100),
    "pts_hours": (4000, 100),
    "mjpeg_avi": (4000, 100),
    "avi_empty_packets": (4000, 20),
    "avi_bframes": (4000, 100),
    "d1_interlaced": (2000, 50),
    "full_range": (4000, 100),
    "hevc_4k": (1000, 25),
    "audio_first": (4000, 100),
    "motion_gaps": (70000, 500),
    "repeated_timestamp": (4000, 100),
}


@pytest.fixture(scope="session")
def kind_dir(tmp_path_factory):
    if vc.ffmpeg_exe() is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg/ffprobe CLI not installed; needed to make test clips")
    return tmp_path_factory.mktemp("kinds")


@pytest.fixture(scope="session")
def kind_file(kind_dir):
    cache: dict[str, Path] = {}

    def _get(kind: str) -> Path:
        if kind not in cache:
            cache[kind] = vc.make_kind(kind_dir / kind, kind)
        return cache[kind]

    return _get


def ffprobe_frames(path: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
         "stream=nb_read_frames", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(json.loads(out)["streams"][0]["nb_read_frames"])


def decoded_barcodes(path: Path) -> list[int]:
    """The barcode of every frame FFmpeg decodes, in order (PyAV, sequential)."""
    out = []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        for packet in c.demux(vs):
            if not packet.size:
                continue
            try:
                frames = vs.codec_context.decode(packet)
            except av.error.FFmpegError:
                continue
            out += [vc.read_barcode(f.to_ndarray(format="gray")) for f in frames]
        try:
            out += [vc.read_barcode(f.to_ndarray(format="gray")) for f in vs.codec_context.decode(None)]
        except av.error.FFmpegError:
            pass
    return out


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_index_and_exact_seek_match_ffmpeg(kind_file, kind):
    path = kind_file(kind)
    duration_ms, frames = EXPECTED[kind]
    info = probe(path)
    assert info.frame_count == frames == ffprobe_frames(path)
    assert info.duration_ms == duration_ms
    ref = decoded_barcodes(path)
    assert len(ref) == frames
    rng = random.Random(kind)
    targets = [0, 1, frames - 1, frames // 2, *rng.sample(range(frames), min(10, frames))]
    with FrameReader(path, info) as reader:
        for n in targets:
            f = reader.read_at_frame(n)
            assert f.index == n
            assert vc.read_barcode(f.image) == ref[n], f"{kind}: frame {n}"
            assert f.position_ms == info.ms_of_frame(n)
        # Stepping forward from a seek decodes the following frames in order.
        reader.read_at_frame(frames // 3)
        for n in range(frames // 3 + 1, frames // 3 + 6):
            f = reader.read_next()
            assert f is not None and f.index == n and vc.read_barcode(f.image) == ref[n]


def test_motion_gaps_step_through_every_frame_and_report_the_gap(kind_file):
    path = kind_file("motion_gaps")
    info = probe(path)
    assert info.gaps == ((10000, 50000),)
    assert any("50.0 s" in w for w in info.warnings)
    assert info.ms_of_frame(249) == 9960 and info.ms_of_frame(250) == 60000
    assert info.frame_at_ms(30000) == 249  # nothing recorded: the last frame before stays on screen
    with FrameReader(path, info) as reader:
        seen = [reader.read_at_frame(0).index]
        while (f := reader.read_next()) is not None:
            assert vc.read_barcode(f.image) == f.index
            seen.append(f.index)
    assert seen == list(range(500))


def test_hours_from_zero_and_wrapped_pts_start_at_zero(kind_file):
    for kind in ("pts_hours", "ts_wrap"):
        ix = probe(kind_file(kind)).index
        assert ix is not None and ix.ms_of_frame(0) == 0 and ix.ms_of_frame(99) == 3960
        assert np.all(np.diff(ix.pts) > 0)
    assert probe(kind_file("pts_hours")).index.start_seconds >= 36000


def test_dahua_recorded_start_hint(kind_file):
    info = probe(kind_file("dahua_dav"))
    assert info.container == "dhav"
    assert info.recorded_start_hint is not None
    assert info.recorded_start_hint.isoformat() == "2026-03-14T22:41:05"


def test_hikvision_ps_has_timestamps(kind_file):
    info = probe(kind_file("hikvision_ps"))
    assert info.timing == "pts"
    assert not any("no timestamps" in w for w in info.warnings)
    assert info.index is not None and info.index.gop_frames == 50
    # Packets without timestamps (and packs holding two frames) are placed by
    # their neighbours: every target lands on FFmpeg's frame.
    ref = decoded_barcodes(kind_file("hikvision_ps"))
    with FrameReader(kind_file("hikvision_ps"), info) as reader:
        for n in [*range(299, 150, -3), *range(151, 299, 4)]:
            assert vc.read_barcode(reader.read_at_frame(n).image) == ref[n], n


def test_repeated_timestamp_is_not_no_timestamps(kind_file):
    info = probe(kind_file("repeated_timestamp"))
    assert info.timing == "pts"
    assert not any("no timestamps" in w for w in info.warnings)


def test_interlaced_d1_shows_pictures_at_4_3(kind_file):
    info = probe(kind_file("d1_interlaced"))
    assert info.interlaced and info.sample_aspect == (12, 11)
    assert (info.display_width, info.display_height) == (768, 576)
    with FrameReader(kind_file("d1_interlaced"), info) as reader:
        img = reader.read_at_frame(30).image
        assert img.shape == (576, 768, 3)
        assert img[60:].mean() > 40  # pictures, not black
        # Deinterlaced: no combing, neighbouring lines of the picture agree.
        rows = img[100:500].astype(int)
        assert np.abs(rows[1:] - rows[:-1]).mean() < 12


def test_full_range_colours(kind_file):
    with FrameReader(kind_file("full_range")) as reader:
        img = reader.read_at_frame(10).image
    # The SMPTE bars' white bar (top left) stays white, black stays black.
    assert img[60:100, 5:30].mean() > 170
    bits = vc.read_barcode(img)
    assert bits == 10


def test_index_survives_the_store_round_trip(kind_file):
    ix = build_index(kind_file("motion_gaps"))
    again = ClipIndex.from_record(ix.to_record())
    assert again is not None
    assert again.frame_count == ix.frame_count and again.gaps() == ix.gaps()
    assert np.array_equal(again.pts, ix.pts) and np.array_equal(again.key, ix.key)
    sizes, counts = again.packet_activity(1000)
    assert len(sizes) == 70 and counts[20:59].sum() == 0 and counts[:10].sum() > 0


@pytest.mark.parametrize("kind", ["cut_mp4", "audio_only"])
def test_unreadable_files_say_why(kind_dir, kind):
    path = vc.make_broken(kind_dir / kind, kind)
    with pytest.raises(CutOff if kind == "cut_mp4" else AudioOnly) as e:
        probe(path)
    msg = str(e.value).lower()
    if kind == "cut_mp4":
        assert "cut off" in msg and "cannot be repaired" in msg and "complete export" in msg
    else:
        assert "sound but no pictures" in msg


@pytest.mark.parametrize("kind", ["cut_fragmented", "cut_avi"])
def test_cut_files_play_to_the_cut_and_say_so(kind_dir, kind):
    path = vc.make_broken(kind_dir / kind, kind)
    info = probe(path)
    assert info.cut_off and any("cut off" in w for w in info.warnings)
    assert 40 < info.frame_count == ffprobe_frames(path) < 150
    ref = decoded_barcodes(path)
    with FrameReader(path, info) as reader:
        last = reader.read_at_frame(info.frame_count - 1)
        assert vc.read_barcode(last.image) == ref[-1]


def test_playback_runs_through_a_motion_gap(kind_file):
    import threading

    from cctv_review.video.player import Player

    path = kind_file("motion_gaps")
    shown: list[int] = []
    ended = threading.Event()
    p = Player(on_frame=lambda f: shown.append(f.index), on_end=ended.set)
    try:
        p.open(str(path))
        assert p.wait_opened(30) is not None
        p.seek_ms(8000)
        p.set_speed(16)  # the 50 s gap passes in about 3 s of wall time
        p.play()
        assert ended.wait(60)
    finally:
        p.close()
    after_gap = [i for i in shown if 250 <= i < 499]
    # At 16x about every 14th frame is shown: some 17 of the 250 recorded after the gap.
    assert len(after_gap) >= 12, shown[-20:]
    assert after_gap == sorted(after_gap) and shown[-1] == 499
