"""The activity finder on clips with known movement, burned-in clocks, masks, and N/P through its events.

Clips are made here with the ffmpeg CLI from the field cases' lavfi ``scene()``
graph (its Python form lives in ``benchmarks/activity_bench.py``): still SMPTE
bars with sensor noise, a frame-number barcode and counter that change every
frame, and a yellow box that moves during known seconds.  All are small
(320x180 or D1) except the 720p clip the issue names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from activity_helpers import load_bench

from cctv_review.video.activity import (
    SENSITIVITY_LEVELS,
    ActivityEvent,
    MaskRect,
    ScanCancelled,
    find_events,
    next_event,
    previous_event,
    scan_activity,
    score_threshold,
)
from cctv_review.video.errors import NotAVideo, VideoFileMissing

bench = load_bench()
NORMAL = score_threshold("normal")

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg CLI makes the test clips")


def active(result, sensitivity: float | str = "normal") -> list[int]:
    thr = score_threshold(sensitivity)
    return [i for i, s in enumerate(result.scores) if s >= thr]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("activity_clips")
    cache: dict[str, Path] = {}

    def make(name: str, args: list[str], suffix: str = ".mp4") -> Path:
        if name not in cache:
            cache[name] = bench.ffmpeg(args, folder / f"{name}{suffix}")
        return cache[name]

    return make


def small(clips, name: str, seconds: int, moves, codec=None, size=(320, 180), numbered=False) -> Path:
    """A 320x180 scene; without the barcode and counter, which would fill 40% of so small a picture."""
    g = bench.scene(size[0], size[1], 25, seconds, moves, numbered=numbered)
    return clips(name, ["-f", "lavfi", "-i", g, *(codec or bench.H264), "-pix_fmt", "yuv420p"])


# -- the field cases the issue names --------------------------------------------------------


@pytest.mark.parametrize("rate", ["vbr", "cbr"])
def test_720p_still_clip_reports_exactly_seconds_12_to_16(clips, rate):
    """Field case 17 (20 s instead of 30 to keep the test short): quality-based and constant bit rate."""
    g = bench.scene(1280, 720, 25, 20, [(12, 16)])
    path = clips(
        f"fc17-{rate}", ["-f", "lavfi", "-i", g, *bench.H264, *(bench.VBR if rate == "vbr" else bench.CBR_1M)]
    )
    result = scan_activity(path)
    assert result.method == "pixels" and result.bin_ms == 1000 and len(result.scores) == 20
    # The box appears at 12.00 s and is gone one frame after 16.00 s: seconds 12..16, nothing else.
    assert active(result) == [12, 13, 14, 15, 16]
    assert active(result, "high") == [12, 13, 14, 15, 16]
    assert [(e.start_ms, e.end_ms) for e in result.events()] == [(12000, 17000)]
    # The barcode and frame counter (change every frame) were masked as a text band at the top.
    assert result.auto_masks and result.auto_masks[0].y0 == 0.0 and result.auto_masks[0].y1 < 0.2
    # Still seconds were decoded at keyframes only.
    assert result.refined_ms < 20000


def test_motion_triggered_file_with_a_gap(clips):
    """Field case 07 at 640x360: 10 s, 50 s without frames, 10 s; movement in recorded seconds 62-65."""
    g = bench.scene(640, 360, 25, 20, [(12, 15)]) + ",settb=1/1000,setpts='N*40+gte(N\\,250)*50000'"
    args = ["-f", "lavfi", "-i", g, "-fps_mode", "passthrough", *bench.H264, "-pix_fmt", "yuv420p"]
    path = clips("fc07", [*args, "-video_track_timescale", "1000"])
    result = scan_activity(path)
    assert len(result.scores) == 70
    assert active(result) == [62, 63, 64, 65]


def test_interlaced_d1_scores(clips):
    """Field case 10, 8 s: interlaced PAL D1 with SAR 12:11 decodes (not black) and its movement counts."""
    g = bench.scene(704, 576, 50, 8, [(3, 5)], numbered=False)
    g += f",tinterlace=mode=interleave_top,setsar=12/11,format=yuv420p,{bench.barcode(704)}"
    args = ["-f", "lavfi", "-i", g, *bench.H264, "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme"]
    path = clips("fc10", [*args, "-x264-params", "tff=1", "-aspect", "4:3"])
    result = scan_activity(path)
    assert active(result) == [3, 4, 5]


def test_ticking_clock_alone_gives_no_activity(clips):
    """Field case 14's burned-in date-time (and the frame counter) with nothing moving."""
    g = bench.scene(640, 360, 25, 12, []) + "," + bench.OSD.format(font=bench._font())
    path = clips("clock", ["-f", "lavfi", "-i", g, *bench.H264, "-pix_fmt", "yuv420p"])
    result = scan_activity(path)
    assert active(result, 1.0) == []
    assert result.events(1.0) == []
    bottom = [m for m in result.auto_masks if m.y0 > 0.8]
    assert bottom and bottom[0].y1 - bottom[0].y0 < 0.125  # a thin band at the date-time's rows
    # Without the default mask the clock is 'activity': the rule is what keeps it out.
    unmasked = scan_activity(path, auto_mask=False)
    assert active(unmasked, 1.0)


def test_clock_with_movement(clips):
    g = bench.scene(640, 360, 25, 12, [(4, 7)]) + "," + bench.OSD.format(font=bench._font())
    path = clips("clock_moving", ["-f", "lavfi", "-i", g, *bench.H264, "-pix_fmt", "yuv420p"])
    assert active(scan_activity(path)) == [4, 5, 6, 7]


def test_reviewer_mask_ignores_a_region(clips):
    path = small(clips, "masked", 10, [(3, 5)])
    assert active(scan_activity(path)) == [3, 4, 5]
    # The box runs along y = H/2 .. 5H/6: masking that band hides it.
    result = scan_activity(path, masks=[MaskRect(0.0, 0.45, 1.0, 0.9)])
    assert active(result, 1.0) == []
    assert result.masks == [MaskRect(0.0, 0.45, 1.0, 0.9)]


# -- codecs and decoding paths ------------------------------------------------------------


def test_hevc(clips):
    codec = [
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-x265-params",
        "keyint=50:min-keyint=50:log-level=error",
    ]
    path = small(clips, "hevc", 10, [(3, 5)], codec=codec)
    assert active(scan_activity(path)) == [3, 4, 5]


def test_mjpeg_every_frame_a_keyframe(clips):
    path = small(clips, "mjpeg", 8, [(3, 5)], codec=["-c:v", "mjpeg", "-q:v", "4"])
    result = scan_activity(path)
    assert active(result) == [3, 4, 5]
    assert result.decoded_frames <= 8 * 6  # sampled about 5 a second, not all 200 frames


def test_long_gop_decodes_everything(clips):
    codec = [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "250",
        "-keyint_min",
        "250",
        "-sc_threshold",
        "0",
    ]
    path = small(clips, "gop250", 12, [(3, 5)], codec=codec)
    result = scan_activity(path)
    assert active(result) == [3, 4, 5]
    assert result.refined_ms >= 11000


def test_movement_between_keyframes_found_by_frame_sizes(clips):
    """A box that comes and goes between two keyframes (6.2-7.6 s, GOP 2 s): same picture at 6 s and 8 s.

    Only the compressed frame sizes (quality-based encoding) show it; the scan must refine that interval.
    """
    path = small(clips, "transient", 16, [(6.2, 7.6)])
    result = scan_activity(path)
    assert active(result) == [6, 7]
    assert result.refined_ms < 16000  # found by the coarse pass, not by decoding everything


def test_raw_h264_without_timestamps(clips):
    path = clips(
        "raw",
        [
            "-f",
            "lavfi",
            "-i",
            bench.scene(320, 180, 25, 8, [(3, 5)], numbered=False),
            *bench.H264,
            "-pix_fmt",
            "yuv420p",
            "-f",
            "h264",
        ],
        suffix=".h264",
    )
    result = scan_activity(path)
    assert len(result.scores) == 8
    assert active(result) == [3, 4, 5]


def test_program_stream_with_timestamps_on_some_packets(clips):
    """Hikvision-style MPEG-PS (field case 03): frames between timestamped packets are placed one frame on."""
    g = bench.scene(320, 180, 25, 12, [(4, 7)], numbered=False)
    args = ["-f", "lavfi", "-i", g, *bench.H264, "-bf", "0", "-pix_fmt", "yuv420p", "-f", "vob"]
    result = scan_activity(clips("ps", args, suffix=".mpg"))
    assert len(result.scores) == 12
    assert active(result) == [4, 5, 6, 7]


def test_progress_cancel_and_errors(clips, tmp_path):
    path = small(clips, "masked", 10, [(3, 5)])
    seen: list[float] = []
    scan_activity(path, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(ScanCancelled):
        scan_activity(path, cancel=lambda: True)
    with pytest.raises(VideoFileMissing):
        scan_activity(tmp_path / "gone.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 100)
    with pytest.raises(NotAVideo):
        scan_activity(text)


# -- sensitivity, events, N/P -----------------------------------------------------------------


def test_sensitivity_maps_to_a_threshold():
    assert score_threshold(0.0) == pytest.approx(0.02)
    assert score_threshold(1.0) == pytest.approx(0.0005)
    levels = [score_threshold(k) for k in ("low", "normal", "high")]
    assert levels == sorted(levels, reverse=True)
    assert score_threshold("normal") == score_threshold(SENSITIVITY_LEVELS["normal"])
    with pytest.raises(ValueError):
        score_threshold("extreme")


def test_events_join_short_gaps_and_drop_blips():
    thr = 0.01
    scores = [0, 0.05, 0.05, 0, 0, 0.03, 0, 0, 0, 0, 0.012, 0, 0, 0, 0.5, 0]
    events = find_events(scores, 1000, thr, join_gap_ms=2000)
    # 1-2 and 5 are 2 s apart: one event; 10 is a weak one-second blip; 14 is a strong one-second event.
    assert events == [ActivityEvent(1000, 6000, 1000, 0.05), ActivityEvent(14000, 15000, 14000, 0.5)]
    assert find_events(scores, 1000, thr, join_gap_ms=1000)[0].end_ms == 3000


def test_next_and_previous_event():
    events = [ActivityEvent(4000, 8000, 5000, 0.1), ActivityEvent(20000, 23000, 21000, 0.2)]
    assert next_event(events, 0) == events[0]
    assert next_event(events, 4000) == events[1]  # at an event's start, N goes to the next
    assert next_event(events, 20000) is None
    assert previous_event(events, 30000) == events[1]
    assert previous_event(events, 21500) == events[1]  # inside an event: its start first
    assert previous_event(events, 20000) == events[0]
    assert previous_event(events, 4000) is None


def test_mask_rect_from_value():
    assert MaskRect.from_value([0.9, 0.2, 0.1, -1]) == MaskRect(0.1, 0.0, 0.9, 0.2)
    assert MaskRect.from_value({"x0": 0, "y0": 0, "x1": 1, "y1": 0.1}).to_list() == [0, 0, 1, 0.1]
    with pytest.raises(ValueError):
        MaskRect.from_value([0, 1])
