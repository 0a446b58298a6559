from datetime import date, datetime, timezone

import pytest

from cctv_review.domain import Case, CaseStatus, Clip, Finding, FindingLevel, LearningLevel
from cctv_review.store import CaseLocked, CompletionRefused, NotFound, Store, StoreError


def test_cases_round_trip_and_filter(store):
    a = store.add_case(
        Case(
            reference="CR-001",
            custody_suite="Northgate",
            detention_date=date(2026, 1, 5),
            child=True,
            reviewer="amy",
        )
    )
    store.add_case(
        Case(
            reference="CR-002",
            custody_suite="Southbank",
            detention_date=date(2026, 2, 1),
            use_of_force=True,
            reviewer="bob",
        )
    )
    store.add_case(Case(reference="XY_9", custody_suite="Northgate"))
    got = store.get_case(a.id)
    assert (
        got.reference == "CR-001"
        and got.detention_date == date(2026, 1, 5)
        and got.child
        and not got.use_of_force
    )
    assert got.status == CaseStatus.NOT_STARTED and got.created_at.tzinfo is not None
    assert [c.reference for c in store.list_cases(suite="Northgate")] == ["CR-001", "XY_9"]
    assert [c.reference for c in store.list_cases(flags=["use_of_force"])] == ["CR-002"]
    assert [c.reference for c in store.list_cases(reviewer="amy")] == ["CR-001"]
    assert [c.reference for c in store.list_cases(search="cr-00")] == ["CR-001", "CR-002"]
    assert [c.reference for c in store.list_cases(search="_")] == ["XY_9"]  # LIKE wildcards are escaped
    assert [c.reference for c in store.list_cases(date_from=date(2026, 1, 10))] == ["CR-002"]
    assert store.custody_suites() == ["Northgate", "Southbank"]
    assert store.case_by_reference("cr-002").reference == "CR-002"
    with pytest.raises(StoreError, match="already in the store"):
        store.add_case(Case(reference="cr-001"))
    with pytest.raises(NotFound):
        store.get_case(999)
    changed = store.update_case(a.id, custody_suite="Westway", mental_health=True)
    assert changed.custody_suite == "Westway" and changed.mental_health


def test_import_is_all_or_nothing(store):
    store.add_case(Case(reference="EXISTS"))
    with pytest.raises(StoreError):
        store.import_cases([Case(reference="NEW-1"), Case(reference="NEW-2"), Case(reference="EXISTS")])
    assert [c.reference for c in store.list_cases()] == ["EXISTS"]
    added = store.import_cases([Case(reference="NEW-1"), Case(reference="NEW-2")])
    assert [c.reference for c in added] == ["NEW-1", "NEW-2"]


def test_answers_are_validated_and_clearing_removes_them(store, template):
    case = store.add_case(Case(reference="A"))
    store.set_answer(case.id, "search.type", ["strip_search", "pat_down"], template)
    store.set_answer(case.id, "arrival.risk_assessment", "yes", template)
    assert store.answers(case.id) == {
        "search.type": ["pat_down", "strip_search"],
        "arrival.risk_assessment": "yes",
    }
    assert store.get_case(case.id).status == CaseStatus.IN_PROGRESS
    record = store.answer_records(case.id)[0]
    assert record.template_id == template.id and record.template_version == template.version
    assert record.reviewer == "reviewer1"
    with pytest.raises(ValueError):
        store.set_answer(case.id, "arrival.risk_assessment", "perhaps", template)
    with pytest.raises(KeyError):
        store.set_answer(case.id, "no.such.question", "yes", template)
    store.set_answer(case.id, "arrival.risk_assessment", None, template)
    assert "arrival.risk_assessment" not in store.answers(case.id)


def test_completion_is_refused_until_everything_is_there(store, template, answer_all):
    case = store.add_case(Case(reference="C-1"))
    with pytest.raises(CompletionRefused) as refused:
        store.complete_case(case.id, template)
    text = str(refused.value)
    assert "C-1 cannot be completed" in text and "Was force used" in text and "overall outcome" in text
    answer_all(store, template, case.id, {"uof.force_used": "yes"})
    store.set_outcome(case.id, LearningLevel.SOME, "   ")
    with pytest.raises(CompletionRefused) as refused:
        store.complete_case(case.id, template)
    assert refused.value.missing == ["Write the rationale for the overall outcome."]
    store.set_outcome(case.id, LearningLevel.SOME, "Rousing checks were late twice.")
    done = store.complete_case(case.id, template)
    assert done.status == CaseStatus.COMPLETE and done.completed_by == "reviewer1" and done.completed_at

    # A completed case is locked until reopened.
    with pytest.raises(CaseLocked, match="Reopen"):
        store.set_answer(case.id, "release.time", "1:00:00", template)
    with pytest.raises(CaseLocked):
        store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME))
    reopened = store.reopen_case(case.id, "late evidence")
    assert reopened.status == CaseStatus.IN_PROGRESS and reopened.completed_at is None
    store.set_answer(case.id, "release.time", "1:00:00", template)
    actions = [r["action"] for r in store.audit_rows()]
    assert actions.count("case.completed") == 1 and "case.reopened" in actions


def test_findings_lifecycle_is_audited(store):
    case = store.add_case(Case(reference="F-1"))
    clip = store.add_clip(
        Clip(
            case_id=case.id,
            path="/footage/desk.mp4",
            camera="Desk",
            sha256="0" * 64,
            recorded_start=datetime(2026, 3, 1, 22, 0, tzinfo=timezone.utc),
        )
    )
    late = store.add_finding(
        Finding(
            case_id=case.id,
            clip_id=clip.id,
            position_ms=90_000,
            theme="welfare",
            level=FindingLevel.SOME,
            note="No drink offered",
        )
    )
    early = store.add_finding(
        Finding(
            case_id=case.id,
            clip_id=clip.id,
            position_ms=5_000,
            theme="use_of_force",
            level=FindingLevel.GOOD_PRACTICE,
            note="Calm de-escalation",
        )
    )
    assert [f.id for f in store.list_findings(case.id)] == [early.id, late.id]
    assert store.get_finding(early.id).reviewer == "reviewer1"
    updated = store.update_finding(late.id, note="No drink offered for 6 hours", level="significant")
    assert updated.level == FindingLevel.SIGNIFICANT and updated.note.endswith("6 hours")
    store.delete_finding(early.id)
    assert [f.id for f in store.list_findings(case.id)] == [late.id]
    rows = store.audit_rows()
    assert [r["action"] for r in rows] == [
        "case.created",
        "clip.added",
        "finding.added",
        "finding.added",
        "finding.changed",
        "finding.deleted",
    ]
    assert all(r["user"] == "reviewer1" for r in rows)
    assert "Calm de-escalation" in rows[-1]["detail"]  # what was deleted stays on record
    assert clip.recorded_at(90_000) == datetime(2026, 3, 1, 22, 1, 30, tzinfo=timezone.utc)


def test_activity_position_and_settings_persist(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        case = s.add_case(Case(reference="P"))
        clip = s.add_clip(Clip(case_id=case.id, path="/x.mp4", camera="Cell 3"))
        s.save_activity(clip.id, 1000, [0.0, 0.5, 0.25])
        s.save_position(case.id, clip.id, 123_456)
        s.set_setting("last_case_id", case.id)
    with Store(path) as s:
        assert s.activity(clip.id).scores == [0.0, 0.5, 0.25]
        assert s.last_position(case.id) == (clip.id, 123_456)
        assert s.setting("last_case_id") == case.id
        assert s.setting("missing", "dflt") == "dflt"


def test_full_disk_gives_a_plain_message_and_keeps_earlier_work(store, template):
    case = store.add_case(Case(reference="DISK"))
    store.set_answer(case.id, "footage.gaps", "kept", template)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StoreError, match="the disk is full"):
        store.import_cases([Case(reference=f"BIG-{i}", custody_suite="x" * 2000) for i in range(200)])
    store.db.execute("PRAGMA max_page_count = 1000000")
    assert store.answers(case.id) == {"footage.gaps": "kept"}
    assert [c.reference for c in store.list_cases()] == ["DISK"]


def test_list_cases_by_selection(store):
    ids = [store.add_case(Case(reference=f"S-{i}", detention_date=date(2026, 1, i + 1))).id for i in range(4)]
    assert [c.reference for c in store.list_cases(case_ids=[ids[3], ids[1]])] == ["S-1", "S-3"]
    assert store.list_cases(case_ids=[]) == []
    assert [c.reference for c in store.list_cases(case_ids=ids, date_from=date(2026, 1, 3))] == ["S-2", "S-3"]
