"""Recorded time in the store: the store-wide zone (audited), clock corrections that move every
finding's stored recorded time in the same transaction, typed times, and the recorder name patterns
that keep the date in a folder."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from cctv_review.domain import Case, Clip, Finding, FindingLevel
from cctv_review.recorded_time import (
    DEFAULT_ZONE,
    RecordedTimeError,
    clip_recorded_at,
    clock_near,
    finding_recorded_at,
    format_recorded,
    load_name_patterns,
    match_file_name,
    typed_local,
    zone,
)
from cctv_review.store import CaseLocked

LONDON = zone("Europe/London")


def _case_with_clip(store, start=datetime(2026, 7, 11, 22, 59, 0, tzinfo=timezone.utc)):
    case = store.add_case(Case(reference="CR-TZ-1"))
    clip = store.add_clip(
        Clip(case_id=case.id, path="/footage/cell4.mp4", camera="Cell 4", recorded_start=start)
    )
    other = store.add_clip(
        Clip(case_id=case.id, path="/footage/desk.mp4", camera="Desk", recorded_start=start)
    )
    findings = [
        store.add_finding(
            Finding(
                case_id=case.id,
                clip_id=clip.id,
                position_ms=ms,
                theme="welfare",
                level=FindingLevel.SOME,
                camera=clip.camera,
                recorded_at=clip_recorded_at(clip, ms),
            )
        )
        for ms in (47_000, 600_000)
    ]
    elsewhere = store.add_finding(
        Finding(
            case_id=case.id,
            clip_id=other.id,
            position_ms=1000,
            theme="welfare",
            level=FindingLevel.SOME,
            camera=other.camera,
            recorded_at=clip_recorded_at(other, 1000),
        )
    )
    return case, clip, findings, elsewhere


# -- the store-wide zone --------------------------------------------------------------------


def test_time_zone_defaults_to_london_and_a_change_is_audited(store):
    assert store.time_zone() == DEFAULT_ZONE == "Europe/London"
    assert store.set_time_zone(" America/New_York ") == "America/New_York"
    assert store.time_zone() == "America/New_York"
    assert str(store.zone()) == "America/New_York"
    rows = [r for r in store.audit_rows() if r["action"] == "settings.time_zone"]
    assert len(rows) == 1 and json.loads(rows[0]["detail"]) == {
        "from": "Europe/London",
        "to": "America/New_York",
    }
    store.set_time_zone("America/New_York")  # no change: no second entry
    assert len([r for r in store.audit_rows() if r["action"] == "settings.time_zone"]) == 1
    assert store.verify_audit().ok


def test_an_unknown_time_zone_is_refused_with_advice(store):
    with pytest.raises(RecordedTimeError, match="IANA name such as Europe/London"):
        store.set_time_zone("Mars/Olympus_Mons")
    assert store.time_zone() == "Europe/London"
    assert not [r for r in store.audit_rows() if r["action"] == "settings.time_zone"]


def test_a_stored_zone_this_computer_does_not_know_falls_back_to_the_default(store):
    store.set_setting("time_zone", "Nowhere/Atlantis")
    assert str(store.zone()) == DEFAULT_ZONE


# -- clock corrections ------------------------------------------------------------------------


def test_clock_correction_moves_the_clips_findings_in_the_same_transaction_and_is_audited(store):
    _case, clip, (early, late), elsewhere = _case_with_clip(store)
    assert format_recorded(store.get_finding(early.id).recorded_at, LONDON) == "2026-07-11 23:59:47 BST"

    corrected = store.set_clock_offset(clip.id, 125_500, {"position_ms": 47_000, "frame": 1175})
    assert corrected.clock_offset_ms == 125_500 and store.get_clip(clip.id).clock_offset_ms == 125_500
    # 23:59:47 + 2 min 5.5 s crosses midnight: the recorded date follows.
    assert format_recorded(store.get_finding(early.id).recorded_at, LONDON) == "2026-07-12 00:01:52 BST"
    assert store.get_finding(late.id).recorded_at == datetime(
        2026, 7, 11, 23, 11, 5, 500_000, tzinfo=timezone.utc
    )
    # The other camera's finding is not touched.
    assert store.get_finding(elsewhere.id).recorded_at == elsewhere.recorded_at
    [entry] = [r for r in store.audit_rows() if r["action"] == "clip.clock_corrected"]
    detail = json.loads(entry["detail"])
    assert detail["from_ms"] == 0 and detail["to_ms"] == 125_500 and detail["frame"] == 1175
    assert sorted(detail["findings"]) == sorted([early.id, late.id])
    assert store.verify_audit().ok

    store.set_clock_offset(clip.id, 0)  # removed: back where it was
    assert format_recorded(store.get_finding(early.id).recorded_at, LONDON) == "2026-07-11 23:59:47 BST"


def test_a_failed_correction_changes_nothing(store, monkeypatch):
    _case, clip, (early, _late), _ = _case_with_clip(store)

    def broken(_clip):
        raise RuntimeError("disk went away")

    monkeypatch.setattr(store, "refresh_finding_times", broken)
    with pytest.raises(RuntimeError):
        store.set_clock_offset(clip.id, 60_000)
    assert store.get_clip(clip.id).clock_offset_ms == 0
    assert store.get_finding(early.id).recorded_at == early.recorded_at


def test_a_completed_case_refuses_a_clock_correction(store, template, answer_all):
    case, clip, *_ = _case_with_clip(store)
    answer_all(store, template, case.id)
    store.set_outcome(case.id, "some", "because")
    store.complete_case(case.id, template)
    with pytest.raises(CaseLocked):
        store.set_clock_offset(clip.id, 1000)
    assert store.get_clip(clip.id).clock_offset_ms == 0


def test_findings_times_come_from_the_clip_with_its_correction_else_the_stored_one():
    start = datetime(2026, 1, 10, 14, 5, tzinfo=timezone.utc)
    clip = Clip(case_id=1, path="x", camera="Desk", recorded_start=start, clock_offset_ms=-30_000)
    finding = Finding(case_id=1, theme="t", level=FindingLevel.SOME, clip_id=1, position_ms=65_250)
    assert finding_recorded_at(finding, clip) == start + timedelta(milliseconds=35_250)
    assert clip.recorded_at(65_250) == start + timedelta(milliseconds=35_250)  # the domain follows too
    stored = datetime(2026, 1, 1, tzinfo=timezone.utc)
    finding.recorded_at = stored
    assert finding_recorded_at(finding, None) == stored
    assert finding_recorded_at(finding, Clip(case_id=1, path="x", camera="Desk")) == stored


def test_update_finding_can_store_a_moves_camera_frame_and_recorded_time(store):
    _case, _clip, (early, _late), _ = _case_with_clip(store)
    when = datetime(2026, 7, 11, 23, 0, 1, 250_000, tzinfo=timezone.utc)
    moved = store.update_finding(early.id, position_ms=61_250, frame=1531, recorded_at=when, camera="Cell 4")
    assert (moved.position_ms, moved.frame, moved.recorded_at) == (61_250, 1531, when)
    again = store.update_finding(early.id, recorded_at=when)  # the same value: nothing to change
    assert again.recorded_at == when


# -- typed times ----------------------------------------------------------------------------


def test_typed_local_is_exactly_what_was_typed_to_the_second():
    assert typed_local("2026-03-20 01:00:30") == datetime(2026, 3, 20, 1, 0, 30)
    assert typed_local(" 2026-03-20T01:00:30 ") == datetime(2026, 3, 20, 1, 0, 30)
    for text in ("20/03/2026 01:00", "2026-03-20 01:00:3", "2026-3-20 01:00:30"):
        with pytest.raises(RecordedTimeError, match="like 2026-03-20 01:00:30"):
            typed_local(text)


def test_a_clock_read_off_the_picture_takes_the_nearest_date_and_occurrence():
    around = datetime(2026, 7, 11, 22, 59, 50, tzinfo=timezone.utc)  # 23:59:50 BST
    assert format_recorded(clock_near("00:00:05", around, LONDON), LONDON) == "2026-07-12 00:00:05 BST"
    assert format_recorded(clock_near("23:58:00", around, LONDON), LONDON) == "2026-07-11 23:58:00 BST"
    # The night the clocks go back: 01:30 happens twice; the one nearest the recorder's time wins.
    first = datetime(2026, 10, 25, 0, 20, tzinfo=timezone.utc)  # 01:20 BST
    second = datetime(2026, 10, 25, 1, 20, tzinfo=timezone.utc)  # 01:20 GMT
    assert format_recorded(clock_near("01:30:00", first, LONDON), LONDON) == "2026-10-25 01:30:00 BST"
    assert format_recorded(clock_near("01:30:00", second, LONDON), LONDON) == "2026-10-25 01:30:00 GMT"
    assert (
        format_recorded(clock_near("2026-10-25 01:30:00", second, LONDON), LONDON)
        == "2026-10-25 01:30:00 GMT"
    )
    with pytest.raises(RecordedTimeError, match="clocks went forward"):
        clock_near("2026-03-29 01:30:00", first, LONDON)
    with pytest.raises(RecordedTimeError):
        clock_near("quarter past", first, LONDON)


def test_format_recorded_tells_the_repeated_hour_apart_and_drops_milliseconds():
    bst = datetime(2026, 10, 25, 0, 30, 0, 999_000, tzinfo=timezone.utc)
    gmt = bst + timedelta(hours=1)
    assert format_recorded(bst, LONDON) == "2026-10-25 01:30:00 BST"
    assert format_recorded(gmt, LONDON) == "2026-10-25 01:30:00 GMT"
    assert format_recorded(datetime(2026, 1, 10, 14, 6, 5), LONDON) == "2026-01-10 14:06:05 GMT"  # naive: UTC


# -- recorder patterns that read the path -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "start", "end"),
    [
        (
            "/Volumes/NVR/2026-03-14/001/dav/22/22.41.05-22.51.05[R][0@0][0].dav",
            "2026-03-14 22:41:05 GMT",
            "2026-03-14 22:51:05 GMT",
        ),
        (  # the NVR's own layout, with its extra folders
            "/mnt/dvr/2026-07-14/000/dav/23/1/1/589005/23.30.00-00.00.00[M][0@0][0].dav",
            "2026-07-14 23:30:00 BST",
            "2026-07-15 00:00:00 BST",
        ),
        (  # a Windows copy, converted to MP4 keeping the name
            "E:\\case\\2026-01-10\\001\\dav\\14\\14.05.00-14.15.00[R][0@0][0].dav.mp4",
            "2026-01-10 14:05:00 GMT",
            "2026-01-10 14:15:00 GMT",
        ),
    ],
)
def test_dahua_record_paths_give_the_date_from_the_folder(path, start, end):
    m = match_file_name(path, LONDON)
    assert m is not None and m.pattern == "dahua-record-path"
    assert (format_recorded(m.start, LONDON), format_recorded(m.end, LONDON)) == (start, end)
    assert m.camera is None  # the channel folder's numbering differs between devices


def test_dahua_export_names_with_dashes_and_a_bare_dahua_name_without_date():
    m = match_file_name("NPV-CH01-MAIN-20171215143022-20171215143522.DAV", LONDON)
    assert m is not None and m.camera == "Channel 1"
    assert format_recorded(m.start, LONDON) == "2017-12-15 14:30:22 GMT"
    assert match_file_name("22.41.05-22.51.05[R][0@0][0].dav", LONDON) is None  # no date: no guess


def test_the_pattern_file_lists_its_sources_and_the_vendors_it_could_not_cover():
    from cctv_review.recorded_time import PATTERNS_FILE
    from cctv_review.resources_path import resources_dir

    data = json.loads((resources_dir() / PATTERNS_FILE).read_text(encoding="utf-8"))
    assert all(p.get("source") and p.get("example") for p in data["patterns"])
    vendors = {v["vendor"] for v in data["vendors_without_a_pattern"]}
    assert {"Hikvision", "Milestone XProtect"} <= vendors
    assert any(p.target == "path" for p in load_name_patterns())


def test_a_path_pattern_must_be_anchored_at_the_end(tmp_path):
    broken = tmp_path / "p.json"
    broken.write_text(
        json.dumps(
            {
                "patterns": [
                    {
                        "name": "loose",
                        "regex": r"(?P<Y>\d{4})(?P<M>\d\d)(?P<D>\d\d)(?P<h>\d\d)(?P<m>\d\d)(?P<s>\d\d)",
                        "match": "path",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(RecordedTimeError, match="must end with"):
        load_name_patterns(broken)
