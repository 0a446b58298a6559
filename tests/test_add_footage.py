"""Footage in bulk (issue 10 item 3): find, probe, hash, propose; cancel stores nothing; re-adding is refused.

Also fixing clips afterwards (edit, relink, remove: every change audited) and
the camera names that must never come from a file name.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from footage_helpers import make_avi, mixed_folder

from cctv_review.cli import main
from cctv_review.clips import (
    FootageCancelled,
    camera_like,
    find_footage,
    propose_camera,
    recorder_zone,
    scan_footage,
)
from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.recorded_time import zone
from cctv_review.store import CaseLocked, Store, StoreError

LONDON = zone("Europe/London")


def _store_clips(store, scan):
    return store.add_clips((f.clip, f.index.to_record() if f.index else None) for f in scan.to_add)


def _actions(store) -> list[str]:
    return [r["action"] for r in store.audit_rows()]


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    return mixed_folder(tmp_path_factory.mktemp("delivery"))


def test_mixed_folder_cancelled_halfway_stores_nothing_then_added_to_the_end(store, delivery):
    case = store.add_case(Case(reference="CR-2026-0042"))
    files, skipped = find_footage([delivery])
    assert [Path(s.path).name for s in skipped] == ["readme.txt"]  # left out by its type, never opened
    names = {p.name for p in files}
    assert "CR-2026-0042_notes.mp4" in names and "02-ch01.dav" in names and "03-hik.mp4" in names

    seen: list[float] = []

    def cancel() -> bool:
        return bool(seen) and seen[-1] >= 0.5

    with pytest.raises(FootageCancelled):
        scan_footage(
            case.id,
            files,
            LONDON,
            reference=case.reference,
            progress=lambda f, _m: seen.append(f),
            cancel=cancel,
        )
    assert 0.5 <= seen[-1] < 1.0  # stopped halfway, not at the end
    assert store.list_clips(case.id) == []
    assert "clip.added" not in _actions(store)

    progress: list[float] = []
    scan = scan_footage(
        case.id,
        files,
        LONDON,
        reference=case.reference,
        known_hashes=store.clip_hashes(case.id),
        progress=lambda f, _m: progress.append(f),
    )
    assert progress == sorted(progress) and progress[-1] == 1.0  # one bar over every file
    by_name = {Path(f.path).name: f for f in scan.files}
    refused = {Path(f.path).name: f.problem for f in scan.refused}
    assert set(refused) == {"CR-2026-0042_notes.mp4", "NVR_ch2_main_20260314220000_20260314230000.mp4"}
    assert "not a video" in refused["CR-2026-0042_notes.mp4"]
    assert "same SHA-256" in refused["NVR_ch2_main_20260314220000_20260314230000.mp4"]

    chunks = [by_name[f"cell4_2026031422{m}.mp4"].clip for m in ("4000", "4020", "4040")]
    assert [c.camera for c in chunks] == ["cell4"] * 3  # the pattern recognised the camera
    assert [c.recorded_start for c in chunks] == [
        datetime(2026, 3, 14, 22, 40, s, tzinfo=timezone.utc) for s in (0, 20, 40)
    ]
    assert {c.recorded_start_source for c in chunks} == {"file name"}
    dav = by_name["02-ch01.dav"]
    assert dav.clip.recorded_start == datetime(2026, 3, 14, 22, 41, 5, tzinfo=timezone.utc)
    assert dav.clip.recorded_start_source == "dhav"
    assert "recorder's own time stamps" in dav.start_from
    ch01 = by_name["ch01_20260314224105.mp4"]
    assert ch01.clip.camera == "Channel 1" and ch01.clip.recorded_start_source == "file name"
    hik = by_name["03-hik.mp4"].clip
    assert hik.recorded_start is None and hik.frame_count == 300
    # The folder is named after the custody number: never a camera; no file name either.
    for found in scan.to_add:
        assert "0042" not in found.clip.camera
        assert found.clip.camera not in (Path(found.path).stem, Path(found.path).name)
    assert sorted(c.camera for c in (hik, by_name["03-ps.mpg"].clip, dav.clip)) == [
        "Camera 1",
        "Camera 2",
        "Camera 3",
    ]

    added, refused_at_store = _store_clips(store, scan)
    assert len(added) == 7 and refused_at_store == []
    stored = store.list_clips(case.id)
    assert {c.sha256 for c in stored} == {
        hashlib.sha256(Path(f.path).read_bytes()).hexdigest() for f in scan.to_add
    }
    assert all(store.clip_index_record(c.id) is not None for c in stored)  # the index came with them
    assert _actions(store).count("clip.added") == 7
    assert store.verify_audit().ok

    # Again: every file is now refused, with a message, and nothing changes.
    again = scan_footage(case.id, files, LONDON, known_hashes=store.clip_hashes(case.id))
    assert again.to_add == []
    assert all("already in this case" in f.problem for f in again.files if f.path.endswith(".dav"))


def test_store_refuses_a_file_already_in_the_case_and_adds_the_others(store, tmp_path):
    case = store.add_case(Case(reference="CR-1"))
    a, b = make_avi(tmp_path / "a" / "x.avi"), make_avi(tmp_path / "b" / "y.avi", shade=90)
    first = scan_footage(case.id, [a], LONDON)
    _store_clips(store, first)
    both = scan_footage(case.id, [a, b], LONDON)  # the caller forgot the known hashes: the store checks
    added, refused = _store_clips(store, both)
    assert [c.path for c in added] == [str(b)]
    assert len(refused) == 1 and "already in this case" in refused[0][1]
    assert len(store.list_clips(case.id)) == 2
    other = store.add_case(Case(reference="CR-2"))  # another case may hold the same file
    assert len(_store_clips(store, scan_footage(other.id, [a], LONDON))[0]) == 1


def test_camera_names_never_come_from_file_names(tmp_path):
    assert propose_camera(tmp_path / "Footage" / "CR20260042_cell4.mp4", LONDON, "CR/2026/0042") == ("", "")
    assert propose_camera(tmp_path / "Cell 4" / "CR20260042.mp4", LONDON, "CR/2026/0042") == (
        "Cell 4",
        "folder",
    )
    assert propose_camera(tmp_path / "CR-2026-0042" / "cam.mp4", LONDON, "CR-2026-0042") == ("", "")
    assert propose_camera(tmp_path / "custody 0042" / "cam.mp4", LONDON) == ("", "")  # 4 digits: not a camera
    assert propose_camera(tmp_path / "Export" / "cam.mp4", LONDON) == ("", "")
    assert propose_camera(tmp_path / "x" / "ch03_20260314224105.mp4", LONDON) == (
        "Channel 3",
        "file name pattern",
    )
    assert camera_like("Booking-in desk") and camera_like("Cell 12") and not camera_like("2026-03-14")
    assert not camera_like("cr20260042 cell", "CR/2026/0042")


def test_cli_add_footage_prints_the_list_and_stores_only_with_yes(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    with Store(db) as s:
        s.add_case(Case(reference="CR-7"))
    folder = tmp_path / "Booking desk"
    make_avi(folder / "first.avi")
    make_avi(folder / "second.avi", shade=120)
    (folder / "player.exe").write_bytes(b"MZ")

    assert main(["--db", str(db), "add-footage", "CR-7", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "first.avi" in out and "camera Booking desk (from the folder)" in out
    assert "Nothing stored. Run again with --yes" in out and "left out player.exe" in out
    with Store(db) as s:
        assert s.list_clips() == []

    assert main(["--db", str(db), "add-footage", "CR-7", str(folder), "--yes"]) == 0
    assert "Added 2 clips to case CR-7." in capsys.readouterr().out
    assert main(["--db", str(db), "add-footage", "CR-7", str(folder / "first.avi"), "--yes"]) == 1
    out = capsys.readouterr().out
    assert "already in this case (as Booking desk)" in out and "Nothing to add." in out
    with Store(db) as s:
        assert len(s.list_clips()) == 2
    assert main(["--db", str(db), "add-footage", "CR-9", str(folder)]) == 2  # no such case


def test_recorder_zone_setting(store):
    assert str(recorder_zone(store)) == "Europe/London"
    store.set_setting("time_zone", "Europe/Dublin")
    assert str(recorder_zone(store)) == "Europe/Dublin"
    store.set_setting("time_zone", "Not/AZone")
    assert str(recorder_zone(store)) == "Europe/London"


# -- fixing clips afterwards ------------------------------------------------------------------


@pytest.fixture
def two_clips(store, tmp_path):
    case = store.add_case(Case(reference="CR-5"))
    paths = [make_avi(tmp_path / "Cell 1" / "a.avi"), make_avi(tmp_path / "Cell 2" / "b.avi", shade=100)]
    added, _ = _store_clips(store, scan_footage(case.id, paths, LONDON))
    return case, added


def test_edit_clip_camera_and_recorded_start_is_audited(store, two_clips):
    _case, (clip, _other) = two_clips
    start = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)
    changed = store.update_clip(
        clip.id, camera=" Cell 1 door ", recorded_start=start, recorded_start_source="typed"
    )
    assert changed.camera == "Cell 1 door" and changed.recorded_start == start
    assert store.get_clip(clip.id).recorded_start_source == "typed"
    entry = store.audit_rows()[-1]
    assert (
        entry["action"] == "clip.changed"
        and '"Cell 1"' in entry["detail"]
        and "Cell 1 door" in entry["detail"]
    )
    count = len(store.audit_rows())
    assert store.update_clip(clip.id, camera="Cell 1 door", recorded_start=start) == changed  # no change
    assert len(store.audit_rows()) == count
    with pytest.raises(ValueError):
        store.update_clip(clip.id, path="/elsewhere.avi")
    assert store.verify_audit().ok


def test_relink_accepts_only_the_same_footage(store, two_clips, tmp_path):
    _case, (clip, other) = two_clips
    moved = tmp_path / "moved" / "a-renamed.avi"
    moved.parent.mkdir()
    shutil.move(clip.path, moved)
    with pytest.raises(StoreError, match="SHA-256 differs"):
        store.relink_clip(clip.id, other.path, other.sha256)
    assert store.get_clip(clip.id).path == clip.path
    digest = hashlib.sha256(moved.read_bytes()).hexdigest()
    relinked = store.relink_clip(clip.id, moved, digest)
    assert relinked.path == str(moved.resolve())
    assert store.audit_rows()[-1]["action"] == "clip.relinked"
    assert [c.status for c in store.check_clips()] == ["ok", "ok"]
    assert store.verify_audit().ok


def test_remove_clip_refused_while_findings_point_at_it_unless_moved_or_deleted(store, two_clips, template):
    case, (clip, other) = two_clips
    finding = store.add_finding(
        Finding(case_id=case.id, theme="rousing", level=FindingLevel.SOME, clip_id=clip.id, position_ms=1500)
    )
    with pytest.raises(StoreError, match="1 finding pointing at it"):
        store.remove_clip(clip.id)
    assert len(store.list_clips(case.id)) == 2
    assert store.remove_clip(clip.id, move_findings_to=other.id) == [finding.id]
    moved = store.get_finding(finding.id)
    assert moved.clip_id == other.id and moved.position_ms == 1500
    assert [c.id for c in store.list_clips(case.id)] == [other.id]
    assert store.clip_index_record(clip.id) is None
    assert _actions(store)[-2:] == ["finding.changed", "clip.removed"]

    store.add_finding(Finding(case_id=case.id, theme="rousing", level=FindingLevel.NONE, clip_id=other.id))
    store.remove_clip(other.id, delete_findings=True)
    assert store.list_clips(case.id) == [] and store.list_findings(case.id) == []
    assert _actions(store)[-1] == "clip.removed" and _actions(store).count("finding.deleted") == 2
    assert store.verify_audit().ok


def test_remove_clip_of_a_completed_case_with_findings_is_refused(store, complete_case, tmp_path):
    case = complete_case("CR-9", "some", findings=[])
    (clip,), _ = _store_clips(store, scan_footage(case.id, [make_avi(tmp_path / "c.avi")], LONDON))
    store.db.execute("UPDATE cases SET status = 'in_progress' WHERE id = ?", [case.id])
    store.add_finding(Finding(case_id=case.id, theme="rousing", level=FindingLevel.SOME, clip_id=clip.id))
    store.db.execute("UPDATE cases SET status = 'complete' WHERE id = ?", [case.id])
    with pytest.raises(CaseLocked):
        store.remove_clip(clip.id, delete_findings=True)


def test_recorded_start_from_creation_time_when_the_name_says_nothing(tmp_path):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to write creation_time")
    import subprocess

    path = tmp_path / "Interview room" / "export (3).mp4"
    path.parent.mkdir()
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=d=1:s=160x120:r=10",
            "-pix_fmt",
            "yuv420p",
            "-metadata",
            "creation_time=2026-07-11T23:59:47Z",
            str(path),
        ],
        check=True,
    )
    (found,) = scan_footage(1, [path], LONDON).files
    assert found.clip.camera == "Interview room"
    assert found.clip.recorded_start == datetime(2026, 7, 11, 23, 59, 47, tzinfo=timezone.utc)
    assert found.clip.recorded_start_source == "metadata" and "creation_time" in found.start_from
