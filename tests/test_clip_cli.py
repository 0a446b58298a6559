"""`cctv-review clip list|edit|clock|relink|remove`: what the clip dialogs do, from the command line, audited alike."""

from __future__ import annotations

from datetime import datetime, timezone

from cctv_review.cli import main
from cctv_review.domain import Case, Clip, Finding, FindingLevel
from cctv_review.hashing import sha256_file
from cctv_review.store import Store


def setup(tmp_path):
    db = tmp_path / "r.sqlite"
    footage = tmp_path / "footage"
    footage.mkdir()
    first, second = footage / "cell4.mp4", footage / "desk.mp4"
    first.write_bytes(b"cell 4 footage " * 1000)
    second.write_bytes(b"desk footage " * 1000)
    with Store(db, user="reviewer") as s:
        case = s.add_case(Case(reference="CR-9"))
        ids = [
            s.add_clip(
                Clip(
                    case_id=case.id,
                    path=str(path),
                    camera=camera,
                    recorded_start=datetime(2026, 3, 14, 22, 40, tzinfo=timezone.utc),
                    sha256=sha256_file(path),
                )
            ).id
            for path, camera in ((first, "Cell 4"), (second, "Desk"))
        ]
        s.add_finding(Finding(case.id, "rousing", FindingLevel.SOME, position_ms=4000, clip_id=ids[0]))
    return db, ids, first


def clip_of(db, clip_id):
    with Store(db) as s:
        return s.get_clip(clip_id)


def test_list_edit_and_the_recorded_start_typed_in_the_stores_zone(tmp_path, capsys):
    db, (a, b), _ = setup(tmp_path)
    assert main(["clip", "list", "--db", str(db), "CR-9"]) == 0
    out = capsys.readouterr().out
    assert f"{a}\tCell 4\t2026-03-14 22:40:00 GMT" in out and f"{b}\tDesk" in out

    assert main(["clip", "edit", "--db", str(db), "CR-9", str(a), "--camera", "Cell 5"]) == 0
    assert clip_of(db, a).camera == "Cell 5"
    # the hour that happens twice (Europe/London, 25 Oct 2026): the first (BST) unless --second
    assert main(["clip", "edit", "--db", str(db), "CR-9", str(a), "--start", "2026-10-25 01:30:00"]) == 0
    assert clip_of(db, a).recorded_start == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    args = ["clip", "edit", "--db", str(db), "CR-9", str(a), "--start", "2026-10-25 01:30:00", "--second"]
    assert main(args) == 0
    assert clip_of(db, a).recorded_start == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    assert "recorded start 2026-10-25 01:30:00 GMT" in capsys.readouterr().out
    # the hour that never happens: refused, nothing changed
    assert main(["clip", "edit", "--db", str(db), "CR-9", str(a), "--start", "2026-03-29 01:30:00"]) == 2
    assert "never happened" in capsys.readouterr().err
    assert clip_of(db, a).recorded_start == datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    assert main(["clip", "edit", "--db", str(db), "CR-9", str(a), "--start", "none"]) == 0
    assert clip_of(db, a).recorded_start is None
    assert main(["clip", "edit", "--db", str(db), "CR-9", "999", "--camera", "X"]) == 2
    assert "has no clip 999" in capsys.readouterr().err
    with Store(db) as s:  # the finding on it followed each edit, and the trail recorded it so
        (finding,) = s.list_findings()
        assert finding.camera == "Cell 5" and finding.recorded_at is None
        assert s.verify_audit().ok, s.verify_audit().problem


def test_clock_relink_and_remove(tmp_path, capsys):
    db, (a, b), first = setup(tmp_path)
    assert main(["clip", "clock", "--db", str(db), "CR-9", str(a), "-2000"]) == 0
    assert clip_of(db, a).clock_offset_ms == -2000
    with Store(db) as s:
        (finding,) = s.list_findings(clip_of(db, a).case_id)
        assert finding.recorded_at == datetime(
            2026, 3, 14, 22, 40, 2, tzinfo=timezone.utc
        )  # 4 s in, less 2 s

    moved = tmp_path / "moved" / "cell4.mp4"
    moved.parent.mkdir()
    first.rename(moved)
    assert main(["clip", "relink", "--db", str(db), "CR-9", str(a), str(moved)]) == 0
    assert clip_of(db, a).path == str(moved.resolve())
    other = tmp_path / "other.mp4"
    other.write_bytes(b"something else")
    assert main(["clip", "relink", "--db", str(db), "CR-9", str(a), str(other)]) == 2
    assert "SHA-256 differs" in capsys.readouterr().err
    assert clip_of(db, a).path == str(moved.resolve())

    assert main(["clip", "remove", "--db", str(db), "CR-9", str(a)]) == 2  # a finding points at it
    assert main(["clip", "remove", "--db", str(db), "CR-9", str(a), "--move-findings-to", str(b)]) == 0
    assert "1 finding(s) moved" in capsys.readouterr().out
    with Store(db) as s:
        assert [c.id for c in s.list_clips()] == [b]
        assert [f.clip_id for f in s.list_findings()] == [b]
        actions = [r["action"] for r in s.audit_rows()]
        assert {"clip.clock_corrected", "clip.relinked", "clip.removed", "finding.changed"} <= set(actions)
        assert s.verify_audit().ok
