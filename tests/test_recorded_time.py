"""Recorded time: one rule (recorder-local, store zone), proposals, clock correction."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from cctv_review.recorded_time import (
    ClockCorrection,
    RecordedTimeError,
    format_recorded,
    is_ambiguous,
    load_name_patterns,
    localize,
    match_file_name,
    metadata_time,
    parse_typed,
    propose_recorded_start,
    recorded_at,
    zone,
)

LONDON = zone("Europe/London")


@pytest.mark.parametrize(
    ("name", "start", "end", "camera"),
    [
        ("ch01_20260314224105.mp4", "2026-03-14 22:41:05", None, "Channel 1"),
        (
            "NVR_ch2_main_20260314220000_20260314230000.mp4",
            "2026-03-14 22:00:00",
            "2026-03-14 23:00:00",
            "Channel 2",
        ),
        ("20260314_224105_ch3.avi", "2026-03-14 22:41:05", None, "Channel 3"),
        ("cell4_20260314224020.mp4", "2026-03-14 22:40:20", None, "cell4"),
        (
            "20260314-235500-000500_192.168.1.11-CH2.avi",
            "2026-03-14 23:55:00",
            "2026-03-15 00:05:00",
            "Channel 2",
        ),
        ("H20260314-224105P1N2P0.avi", "2026-03-14 22:41:05", None, "Channel 2"),
        # Canon NVRs name files in GMT: 22:41:05 GMT in July is 23:41:05 BST.
        (
            "NVR_MEDIA_0000000000000001_20260714_224105_20260714_230000.avi",
            "2026-07-14 23:41:05",
            "2026-07-15 00:00:00",
            "0000000000000001",
        ),
    ],
)
def test_file_name_patterns(name, start, end, camera):
    m = match_file_name("/footage/export/" + name, LONDON)
    assert m is not None, name
    assert format_recorded(m.start, LONDON, with_zone=False) == start
    assert (format_recorded(m.end, LONDON, with_zone=False) if m.end else None) == end
    assert m.camera == camera


def test_every_pattern_matches_its_example_and_names_its_source():
    patterns = load_name_patterns()
    assert len(patterns) >= 6
    for p in patterns:
        assert p.source and p.match(p.example)


@pytest.mark.parametrize(
    "name",
    [
        "CR12345_20260314224105.mp4",  # a custody number is not a camera
        "export.mp4",
        "ch01_20261399224105.mp4",  # month 13: not a date
        "0123-4567-89.mp4",
    ],
)
def test_names_that_say_nothing_are_not_guessed(name):
    m = match_file_name(name, LONDON)
    assert m is None or (m.camera is None or "12345" not in m.camera)
    if name.startswith("CR12345"):
        assert m is None


def test_broken_pattern_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"patterns": [{"name": "x", "regex": "(?P<Y>\\d{4})", "example": "2026"}]}))
    with pytest.raises(RecordedTimeError, match=r'"x".*lacks the groups'):
        load_name_patterns(bad)
    bad.write_text(json.dumps({"patterns": [{"name": "y", "regex": "([", "example": ""}]}))
    with pytest.raises(RecordedTimeError, match="broken pattern"):
        load_name_patterns(bad)


def test_repeated_and_missing_hours():
    back = datetime(2026, 10, 25, 1, 30)  # the clocks go back at 02:00 BST
    assert is_ambiguous(back, LONDON)
    first, second = localize(back, LONDON), localize(back, LONDON, second_occurrence=True)
    assert (second.astimezone(timezone.utc) - first.astimezone(timezone.utc)).total_seconds() == 3600
    assert format_recorded(first, LONDON) == "2026-10-25 01:30:00 BST"
    assert format_recorded(second, LONDON) == "2026-10-25 01:30:00 GMT"
    with pytest.raises(RecordedTimeError, match="never happened"):
        localize(datetime(2026, 3, 29, 1, 30), LONDON)
    proposal = propose_recorded_start("ch01_20261025013000.mp4", LONDON)
    assert proposal is not None
    assert proposal.conflicts == (
        "01:30:00 happens twice that night (the clocks went back): BST was taken; check it",
    )


def test_typed_time_is_stored_as_typed_to_the_second():
    value = parse_typed("2026-03-20 01:00:30", LONDON)
    assert value.microsecond == 0
    assert format_recorded(value, LONDON, with_zone=False) == "2026-03-20 01:00:30"
    assert parse_typed("2026-03-20T01:00:30", LONDON) == value
    with pytest.raises(RecordedTimeError, match="is not a date and time"):
        parse_typed("20/03/2026 1am", LONDON)


def test_metadata_creation_time_is_utc_and_unset_times_are_ignored():
    assert metadata_time({"creation_time": "2026-03-14T22:41:05.000000Z"}) == datetime(
        2026, 3, 14, 22, 41, 5, tzinfo=timezone.utc
    )
    assert metadata_time({"creation_time": "1970-01-01T00:00:00.000000Z"}) is None
    assert metadata_time({}) is None


def test_proposal_ranks_recorder_packets_then_name_then_metadata_and_lists_conflicts():
    meta = {"creation_time": "2026-03-14T22:41:05Z"}
    by_name = propose_recorded_start("ch01_20260314224105.mp4", LONDON, metadata=meta)
    assert by_name is not None
    assert by_name.source.startswith("the file name") and by_name.camera == "Channel 1"
    assert by_name.conflicts == ()  # March: GMT, so metadata and name agree
    dav = propose_recorded_start(
        "ch01_20260314224105.dav", LONDON, recorder_packets_start=datetime(2026, 3, 14, 22, 41, 35)
    )
    assert dav is not None and dav.source == "the recorder's own time stamps in the file"
    assert dav.camera == "Channel 1"
    assert dav.conflicts == ('the file name (pattern "channel-then-start") says 2026-03-14 22:41:05 GMT',)
    only_meta = propose_recorded_start("export.mp4", LONDON, metadata=meta)
    assert only_meta is not None and only_meta.camera is None
    assert format_recorded(only_meta.start, LONDON) == "2026-03-14 22:41:05 GMT"
    assert propose_recorded_start("export.mp4", LONDON) is None


def test_clock_correction_moves_every_recorded_time_across_a_bst_change():
    # A clip starting 00:59:00 GMT on the night the clocks go forward (01:00 GMT -> 02:00 BST).
    start = localize(datetime(2026, 3, 29, 0, 59, 0), LONDON)
    assert format_recorded(recorded_at(start, 90_000), LONDON) == "2026-03-29 02:00:30 BST"
    # The burned-in clock shows 02:01:00 BST 90 s in: the recorder was 30 s slow.
    shown = localize(datetime(2026, 3, 29, 2, 1, 0), LONDON)
    correction = ClockCorrection.from_burned_in_clock(start, 90_000, shown)
    assert correction.offset_ms == 30_000
    assert format_recorded(recorded_at(start, 0, correction), LONDON) == "2026-03-29 00:59:30 GMT"
    assert format_recorded(recorded_at(start, 90_000, correction), LONDON) == "2026-03-29 02:01:00 BST"


def test_unknown_zone_is_a_plain_message():
    with pytest.raises(RecordedTimeError, match="Europe/London"):
        zone("Mars/Olympus_Mons")
