"""Camera tracks: files end to end in recorded time, gaps and overlaps said, never silent."""

from __future__ import annotations

from datetime import datetime, timedelta

from cctv_review.recorded_time import localize, zone
from cctv_review.tracks import TrackFile, build_tracks, describe_gap, step_over_gaps

LONDON = zone("Europe/London")


def at(h, m, s, day=14, month=3):
    return localize(datetime(2026, month, day, h, m, s), LONDON)


def three_chunks_with_a_gap():
    # cell4: 22:40:00-22:40:20, 22:40:20-22:40:40, then a 30 s gap, 22:41:10-22:41:30.
    return build_tracks(
        [
            ("cell4", TrackFile(3, at(22, 41, 10), 20_000)),
            ("cell4", TrackFile(1, at(22, 40, 0), 20_000)),
            ("Cell4 ", TrackFile(2, at(22, 40, 20), 20_000)),
            ("Desk", TrackFile(9, at(22, 39, 0), 120_000)),
        ]
    )


def test_one_track_per_camera_in_recorded_order():
    tracks = three_chunks_with_a_gap()
    assert [t.camera for t in tracks] == ["Desk", "cell4"]
    cell = tracks[1]
    assert [f.clip_id for f in cell.files] == [1, 2, 3]
    assert cell.start == at(22, 40, 0) and cell.end == at(22, 41, 30)


def test_locate_runs_across_the_join_and_reports_the_gap():
    cell = three_chunks_with_a_gap()[1]
    assert cell.locate(at(22, 40, 19) + timedelta(milliseconds=960)) == (1, 19_960)
    assert cell.locate(at(22, 40, 20)) == (2, 0)
    assert cell.locate(at(22, 40, 45)) is None  # in the gap
    gaps = cell.gaps()
    assert len(gaps) == 1 and gaps[0].length_ms == 30_000
    assert describe_gap(gaps[0]) == "no recording 22:40:40–22:41:10"
    assert cell.next_recording(at(22, 40, 45)) == at(22, 41, 10)
    when, gap = step_over_gaps(cell, at(22, 40, 40))
    assert when == at(22, 41, 10) and gap == gaps[0]
    back, _ = step_over_gaps(cell, at(22, 41, 0), forward=False)
    assert back == at(22, 40, 40)
    assert step_over_gaps(cell, at(22, 40, 5)) == (at(22, 40, 5), None)


def test_gap_inside_a_file_motion_triggered():
    # One file: 10 s of frames, 50 s with none, 10 s (the exact index reports the inner gap).
    track = build_tracks([("cell2", TrackFile(5, at(1, 0, 0), 70_000, inner_gaps=((10_000, 50_000),)))])[0]
    assert [(s.clip_id, s.length_ms) for s in track.spans()] == [(5, 10_000), (None, 50_000), (5, 10_000)]
    assert track.locate(at(1, 1, 5)) == (5, 65_000)
    assert track.locate(at(1, 0, 30)) is None


def test_overlapping_files_never_run_time_backwards():
    track = build_tracks(
        [("c", TrackFile(1, at(2, 0, 0), 60_000)), ("c", TrackFile(2, at(2, 0, 50), 60_000))]
    )[0]
    assert track.overlaps() == [(1, 2, at(2, 0, 50), at(2, 1, 0))]
    spans = track.spans()
    assert [(s.clip_id, s.position_ms, s.length_ms) for s in spans] == [(1, 0, 60_000), (2, 10_000, 50_000)]
    assert track.locate(at(2, 0, 55)) == (1, 55_000)
    assert track.locate(at(2, 1, 5)) == (2, 15_000)


def test_a_track_across_the_clocks_going_forward():
    # 00:59:00 GMT + 2 minutes of footage ends at 02:01:00 BST (one real minute later than wall-clock maths).
    track = build_tracks([("c", TrackFile(1, at(0, 59, 0, day=29), 120_000))])[0]
    assert track.end == at(2, 1, 0, day=29)
    assert track.locate(at(2, 0, 30, day=29)) == (1, 90_000)
