"""The case timeline's data (plain Python): lanes, gaps, overlaps, markers, zoom, ticks, go-to-time."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cctv_review.domain import Clip, Finding, FindingLevel
from cctv_review.palette import FINDING_LEVELS
from cctv_review.recorded_time import zone
from cctv_review.timeline_model import (
    MIN_SPAN_MS,
    ClipExtras,
    GotoError,
    Viewport,
    bounds_of,
    build_model,
    ms_between,
    parse_clip_time,
    recorded_candidates,
    tick_step_ms,
    ticks,
    whole_view,
    with_findings,
)

LONDON = zone("Europe/London")


def at(*args: int) -> datetime:
    """A recorder-local time in London."""
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def clip(clip_id: int, camera: str, start: datetime | None, duration_ms: int, **kw) -> Clip:
    return Clip(
        case_id=1,
        path=f"/footage/{camera.lower().replace(' ', '_')}_{clip_id}.mp4",
        camera=camera,
        recorded_start=start,
        duration_ms=duration_ms,
        id=clip_id,
        **kw,
    )


def three_cameras():
    """Desk 23:50–00:10; corridor in two files with a 5-minute gap; cell overlapping files; one undated."""
    clips = [
        clip(1, "Booking-in desk", at(2026, 3, 14, 23, 50), 20 * 60_000),
        clip(2, "Corridor", at(2026, 3, 14, 23, 55), 5 * 60_000),
        clip(3, "corridor ", at(2026, 3, 15, 0, 5), 10 * 60_000),  # same camera, other spelling
        clip(4, "Cell 4", at(2026, 3, 15, 0, 0), 10 * 60_000),
        clip(5, "Cell 4", at(2026, 3, 15, 0, 8), 10 * 60_000),  # overlaps the first by 2 minutes
        clip(6, "Van dock", None, 60_000),
    ]
    findings = [
        Finding(
            case_id=1,
            theme="Use of force",
            level=FindingLevel.SIGNIFICANT,
            position_ms=90_000,
            clip_id=4,
            note="Restraint  on the bench",
            id=11,
        ),
        Finding(
            case_id=1, theme="Rousing", level=FindingLevel.GOOD_PRACTICE, position_ms=1_000, clip_id=3, id=12
        ),
    ]
    extras = {
        1: ClipExtras(has_audio=True, activity_bin_ms=1000, activity_scores=(0.0, 0.2, 0.4)),
        3: ClipExtras(inner_gaps=((60_000, 30_000),)),
    }
    return clips, findings, extras


def test_lanes_one_per_camera_in_order_with_files_gaps_overlaps_and_sound():
    clips, findings, extras = three_cameras()
    model = build_model(clips, findings, extras, LONDON)
    assert [lane.camera for lane in model.lanes] == ["Booking-in desk", "Corridor", "Cell 4"]
    desk, corridor, cell = model.lanes
    assert desk.has_audio and desk.files[0].has_audio and not corridor.has_audio
    assert [f.clip_id for f in corridor.files] == [2, 3]
    # Between the corridor's files (00:00–00:05) and inside its second file (00:06–00:06:30).
    assert [(g.start, g.end) for g in corridor.gaps] == [
        (at(2026, 3, 15, 0, 0), at(2026, 3, 15, 0, 5)),
        (at(2026, 3, 15, 0, 6), at(2026, 3, 15, 0, 6, 30)),
    ]
    assert cell.gaps == () and cell.overlaps == ((at(2026, 3, 15, 0, 8), at(2026, 3, 15, 0, 10)),)
    assert [c.id for c in model.undated] == [6]
    assert model.start == at(2026, 3, 14, 23, 50) and model.end == at(2026, 3, 15, 0, 18)
    # Activity in recorded time, scaled to the lane's highest score; empty bins are left out.
    assert [(b.start, b.level) for b in desk.activity] == [
        (at(2026, 3, 14, 23, 50, 1), 0.5),
        (at(2026, 3, 14, 23, 50, 2), 1.0),
    ]


def test_markers_sit_at_recorded_time_in_their_camera_lane_coloured_by_level():
    clips, findings, extras = three_cameras()
    model = build_model(clips, findings, extras, LONDON)
    cell = model.lane("CELL 4")
    assert cell is not None
    (marker,) = cell.markers
    assert marker.when == at(2026, 3, 15, 0, 1, 30)
    assert marker.colour == FINDING_LEVELS[FindingLevel.SIGNIFICANT].colour
    assert marker.tooltip == (
        "2026-03-15 00:01:30 GMT — Use of force (Significant learning): Restraint on the bench"
    )
    (rousing,) = model.lane("corridor").markers
    assert rousing.when == at(2026, 3, 15, 0, 5, 1)
    assert rousing.colour == FINDING_LEVELS[FindingLevel.GOOD_PRACTICE].colour


def test_clock_correction_moves_the_lane_and_its_markers():
    clips, findings, extras = three_cameras()
    clips[3] = clip(4, "Cell 4", at(2026, 3, 15, 0, 0), 10 * 60_000, clock_offset_ms=-65_000)
    model = build_model(clips, findings, extras, LONDON)
    cell = model.lane("Cell 4")
    assert cell.files[0].start == at(2026, 3, 14, 23, 58, 55)
    assert cell.markers[0].when == at(2026, 3, 15, 0, 0, 25)
    assert model.recorded_time(4, 65_000) == at(2026, 3, 15, 0, 0)


def test_locate_finds_the_file_and_position_and_none_in_a_gap():
    clips, findings, extras = three_cameras()
    model = build_model(clips, findings, extras, LONDON)
    assert model.locate("Corridor", at(2026, 3, 15, 0, 5, 12)) == (3, 12_000)
    assert model.locate("Corridor", at(2026, 3, 15, 0, 2)) is None
    assert model.locate("Corridor", at(2026, 3, 15, 0, 6, 10)) is None  # inside the file's own gap
    # Overlap: the earlier file plays on until its end.
    assert model.locate("Cell 4", at(2026, 3, 15, 0, 9)) == (4, 9 * 60_000)


def test_zoom_goes_from_the_whole_detention_down_to_ten_seconds_about_the_anchor():
    clips, findings, extras = three_cameras()
    model = build_model(clips, findings, extras, LONDON)
    view = whole_view(model)
    bounds = bounds_of(model)
    assert view is not None and bounds is not None
    assert view.span_ms >= ms_between(model.start, model.end)
    anchor = at(2026, 3, 15, 0, 3)
    before = view.x_of(anchor, 1000)
    zoomed = view.zoomed(0.5, anchor, bounds)
    assert zoomed.span_ms == pytest.approx(view.span_ms / 2)
    assert zoomed.x_of(anchor, 1000) == pytest.approx(before, abs=0.5)
    for _ in range(40):
        zoomed = zoomed.zoomed(0.5, anchor, bounds)
    assert zoomed.span_ms == MIN_SPAN_MS
    out = zoomed
    for _ in range(40):
        out = out.zoomed(2.0, anchor, bounds)
    assert out.span_ms == pytest.approx(ms_between(*bounds))
    assert ms_between(bounds[0], out.start) == pytest.approx(0, abs=1)


@pytest.mark.parametrize(
    ("span_ms", "step_ms"),
    [(10_000, 1_000), (60_000, 5_000), (3_600_000, 5 * 60_000), (12 * 3_600_000, 3_600_000)],
)
def test_tick_step_suits_the_zoom(span_ms, step_ms):
    assert tick_step_ms(span_ms, 1000, min_spacing_px=70) == step_ms


def test_ticks_sit_on_the_local_clock_with_seconds_when_zoomed_in_and_the_date_at_midnight():
    close = ticks(
        Viewport(
            at(
                2026,
                3,
                14,
                23,
                59,
                55,
            ),
            10_000,
        ),
        1000,
        LONDON,
    )
    assert [t.label for t in close][:6] == [
        "23:59:55",
        "23:59:56",
        "23:59:57",
        "23:59:58",
        "23:59:59",
        "Sun 15 Mar",
    ]
    assert close[5].major
    far = ticks(Viewport(at(2026, 3, 14, 22, 0), 4 * 3_600_000), 1000, LONDON)
    assert [t.label for t in far[:3]] == ["22:00", "22:30", "23:00"]  # 15 min would be 62 px apart


def test_ticks_across_the_clocks_going_back_show_the_repeated_hour_with_its_zone():
    start = at(2026, 10, 25, 0, 0)
    view = Viewport(start, 3 * 3_600_000)  # 00:00 BST .. 02:00 GMT, three real hours
    labels = [t.label for t in ticks(view, 600, LONDON, min_spacing_px=90)]
    assert labels == ["Sun 25 Oct", "00:30", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT", "02:00"]


def test_ticks_across_the_clocks_going_forward_skip_the_missing_hour():
    view = Viewport(at(2026, 3, 29, 0, 0), 2 * 3_600_000)  # 00:00 GMT .. 03:00 BST
    labels = [t.label for t in ticks(view, 400, LONDON, min_spacing_px=90)]
    assert labels == ["Sun 29 Mar", "00:30", "02:00", "02:30", "03:00"]


# -- go to time ----------------------------------------------------------------------------


def test_a_clock_time_is_the_one_inside_the_detention_across_midnight():
    start, end = at(2026, 3, 14, 22, 40), at(2026, 3, 15, 2, 10)
    assert recorded_candidates("23:14:05", LONDON, start, end) == [at(2026, 3, 14, 23, 14, 5)]
    assert recorded_candidates("01:00", LONDON, start, end) == [at(2026, 3, 15, 1, 0)]
    with pytest.raises(GotoError, match="not inside the recorded footage"):
        recorded_candidates("12:00:00", LONDON, start, end)


def test_a_clock_time_twice_in_a_long_detention_gives_both():
    start, end = at(2026, 3, 14, 22, 0), at(2026, 3, 16, 1, 0)
    found = recorded_candidates("23:14:05", LONDON, start, end)
    assert found == [at(2026, 3, 14, 23, 14, 5), at(2026, 3, 15, 23, 14, 5)]


def test_a_clock_time_in_the_repeated_hour_gives_bst_then_gmt():
    start, end = at(2026, 10, 24, 22, 0), at(2026, 10, 25, 4, 0)
    first, second = recorded_candidates("01:30:00", LONDON, start, end)
    assert first.astimezone(timezone.utc) == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    assert second.astimezone(timezone.utc) == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    # After the change, one moment, in GMT.
    (later,) = recorded_candidates("03:00", LONDON, start, end)
    assert later.astimezone(timezone.utc) == datetime(2026, 10, 25, 3, 0, tzinfo=timezone.utc)
    (before,) = recorded_candidates("00:30", LONDON, start, end)
    assert before.astimezone(timezone.utc) == datetime(2026, 10, 24, 23, 30, tzinfo=timezone.utc)


def test_a_clock_time_the_clocks_skipped_is_refused():
    start, end = at(2026, 3, 28, 22, 0), at(2026, 3, 29, 4, 0)
    with pytest.raises(GotoError, match="never happened"):
        recorded_candidates("01:30", LONDON, start, end)
    (after,) = recorded_candidates("02:30", LONDON, start, end)
    assert after.astimezone(timezone.utc) == datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)


def test_a_date_and_time_in_either_spelling():
    assert recorded_candidates("2026-03-14 23:14:05", LONDON) == [at(2026, 3, 14, 23, 14, 5)]
    assert recorded_candidates("14/03/2026 23:14", LONDON) == [at(2026, 3, 14, 23, 14)]
    assert len(recorded_candidates("2026-10-25T01:15:00", LONDON)) == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("quarter past eleven", "like 23:14:05"),
        ("25:00", "hours 0–23"),
        ("2026-02-30 10:00", "not a real date"),
        ("2026-03-29 01:30:00", "never happened"),
    ],
)
def test_bad_recorded_times_say_what_to_type(text, says):
    with pytest.raises(GotoError, match=says):
        recorded_candidates(text, LONDON, at(2026, 3, 14, 22, 0), at(2026, 3, 15, 2, 0))


def test_a_clock_time_needs_footage_with_a_recorded_start():
    with pytest.raises(GotoError, match="no footage with a recorded start"):
        recorded_candidates("23:14:05", LONDON)


def test_clip_times():
    assert parse_clip_time("0:12:05") == 725_000
    assert parse_clip_time("12:05") == 725_000
    assert parse_clip_time("725") == 725_000
    assert parse_clip_time("0:00:03.5") == 3_500
    with pytest.raises(GotoError, match="59"):
        parse_clip_time("0:75:00")
    with pytest.raises(GotoError, match="past the end"):
        parse_clip_time("1:00:01", duration_ms=3_600_000)
    with pytest.raises(GotoError, match="like 0:12:05"):
        parse_clip_time("soon")


def test_arithmetic_is_in_absolute_time_across_the_change():
    # A two-hour file from 00:50 BST runs through the repeated hour and ends at 01:50 GMT.
    clips = [clip(1, "Cell", at(2026, 10, 25, 0, 50), 120 * 60_000)]
    model = build_model(clips, tz=LONDON)
    end = model.lanes[0].files[0].end
    assert end.astimezone(timezone.utc) == datetime(2026, 10, 25, 1, 50, tzinfo=timezone.utc)
    assert end.strftime("%H:%M %Z") == "01:50 GMT"
    # 01:10 happens twice: 20 minutes in (BST) and 80 minutes in (GMT).
    assert model.locate("Cell", at(2026, 10, 25, 1, 10)) == (1, 20 * 60_000)
    assert model.locate("Cell", at(2026, 10, 25, 1, 10).replace(fold=1)) == (1, 80 * 60_000)


def test_with_findings_replaces_the_markers_and_keeps_the_lanes():
    clips, findings, extras = three_cameras()
    model = build_model(clips, findings, extras, LONDON)
    fewer = with_findings(model, clips, findings[1:])
    assert fewer.lane("Cell 4").markers == ()
    assert fewer.lane("Corridor").markers == model.lane("Corridor").markers
    assert fewer.lane("Booking-in desk").activity is model.lane("Booking-in desk").activity
    moved = Finding(case_id=1, theme="Cell visit", level=FindingLevel.SOME, position_ms=0, clip_id=1, id=13)
    more = with_findings(model, clips, [*findings, moved])
    assert [m.finding_id for m in more.lane("Booking-in desk").markers] == [13]
    assert with_findings(more, clips, findings) == model
