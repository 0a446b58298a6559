"""The service layer the widgets use, the demo store, and starting the real application."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from ui_fixtures import clip_path, make_window  # noqa: F401  (fixtures)

from cctv_review.domain import CaseStatus, Clip, FindingLevel
from cctv_review.store import CompletionRefused
from cctv_review.ui.services import ReviewSession


def test_session_opens_answers_completes_and_sorts_findings_by_recorded_time(qtbot, store, template):
    session = ReviewSession(store, template)
    with qtbot.waitSignal(session.changed) as added:
        changes = session.add_case("CR-9", "Northgate", flags=["child"])
    assert added.args == [changes] and changes.case_list and not changes.findings
    case = session.get_case(session.added_id(changes.cases_added))
    assert case.child and case.reviewer == "reviewer1"
    start = datetime(2026, 1, 1, 10, 0, tzinfo=timezone.utc)
    late = store.add_clip(
        Clip(
            case_id=case.id,
            path="/x/late.mp4",
            camera="Cell",
            recorded_start=start + timedelta(hours=1),
            duration_ms=60_000,
        )
    )
    early = store.add_clip(
        Clip(case_id=case.id, path="/x/early.mp4", camera="Desk", recorded_start=start, duration_ms=60_000)
    )
    # The session reads the case's clips and findings when it opens the case.
    with qtbot.waitSignal(session.caseOpened):
        session.open_case(case.id)
    assert session.last_case_id() == case.id
    first = session.add_finding("welfare", FindingLevel.SOME, "late clip, early position", late.id, 1_000)
    assert first.findings == {session.findings()[0].id} and first.cases == {
        case.id
    }  # not started -> in progress
    session.add_finding("arrival", FindingLevel.GOOD_PRACTICE, "early clip, late position", early.id, 50_000)
    assert [f.note for f in session.findings()] == ["early clip, late position", "late clip, early position"]
    assert session.case.status == CaseStatus.IN_PROGRESS

    with qtbot.waitSignal(session.answersChanged):
        session.set_answer("footage.complete", "yes")
    progress = session.progress()
    assert progress.answered == 1 and progress.missing_required > 0
    assert "1 of" in progress.text
    with pytest.raises(CompletionRefused) as refused:
        session.complete()
    assert "Still needed" in str(refused.value)

    from cctv_review.demo import answer_everything

    answer_everything(store, template, case.id)
    session.set_outcome("none", "Nothing to learn")
    with qtbot.waitSignal(session.casesChanged):
        completed = session.complete()
    assert completed.cases == {case.id} and completed.case_list
    done = session.case
    assert done.status == CaseStatus.COMPLETE and session.locked
    assert session.summary().completed == 1
    session.reopen("typo in rationale")
    assert not session.locked


def test_last_case_id_ignores_a_case_that_is_gone(store, template):
    store.set_setting("last_case_id", 999)
    assert ReviewSession(store, template).last_case_id() is None


def test_demo_store_has_two_cases_clips_findings_and_a_completed_case(tmp_path, template):
    from cctv_review.demo import build_demo
    from cctv_review.store import Store
    from cctv_review.summary import summarise

    db = build_demo(tmp_path, template)
    with Store(db) as store:
        cases = {c.reference: c for c in store.list_cases()}
        assert set(cases) == {"CR-2026-0117", "CR-2026-0142"}
        uof, child = cases["CR-2026-0117"], cases["CR-2026-0142"]
        assert uof.use_of_force and uof.status == CaseStatus.IN_PROGRESS
        assert child.status == CaseStatus.COMPLETE
        assert len(store.list_clips(uof.id)) == 2 and len(store.list_clips(child.id)) == 1
        assert all(c.duration_ms >= 30_000 and len(c.sha256) == 64 for c in store.list_clips())
        assert len(store.list_findings(uof.id)) == 4
        assert store.setting("last_case_id") == uof.id
        assert summarise(store, template).headline.startswith("Of 1 case reviewed on CCTV")
        assert store.verify_audit().ok


def test_run_gui_demo_opens_the_workspace_and_closes_cleanly(qtbot, monkeypatch):
    from cctv_review.ui.app import make_app, run_gui
    from cctv_review.ui.main_window import MainWindow

    make_app([])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own; put it back after
    seen = {}

    def look_and_close():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or windows[0].player.surface.image is None:
            QTimer.singleShot(100, look_and_close)
            return
        window = windows[0]
        seen["case"] = window.session.case.reference
        seen["title"] = window.windowTitle()
        seen["clips"] = window.player.clip_list.count()
        seen["findings"] = window.findings.tree.topLevelItemCount()
        window.close()

    QTimer.singleShot(200, look_and_close)
    assert run_gui(demo=True) == 0
    assert seen == {
        "case": "CR-2026-0117",
        "title": "CR-2026-0117 — cctv-review (demo: a throw-away store)",
        "clips": 2,
        "findings": 4,
    }


def test_exception_hook_shows_a_message_instead_of_dying(qtbot, monkeypatch):
    import threading

    from PySide6.QtWidgets import QApplication

    from cctv_review.ui.app import install_exception_hook, make_app
    from cctv_review.ui.errors import DIALOG_OBJECT_NAME

    make_app([])
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_exception_hook(lambda: None)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())
    dialogs = [w for w in QApplication.topLevelWidgets() if w.objectName() == DIALOG_OBJECT_NAME]
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    text = dialogs[0].message.text()
    assert "boom" in text and "saved as you go" in text
    dialogs[0].close()


def test_new_case_and_add_clip_dialogs_collect_what_the_store_needs(qtbot, store, template, clip_path):
    from datetime import date

    from PySide6.QtCore import QDate

    from cctv_review.ui.dialogs import NewCaseDialog

    dialog = NewCaseDialog(["Northgate"], "reviewer1")
    qtbot.addWidget(dialog)
    dialog._accept()
    assert "needs a reference" in dialog.error.text() and dialog.result() == 0
    qtbot.keyClicks(dialog.reference, " CR-77 ")
    dialog.suite.setCurrentText("Northgate")
    dialog.date.setDate(QDate(2026, 2, 3))
    dialog.flags["strip_search"].setChecked(True)
    dialog._accept()
    assert dialog.result() == NewCaseDialog.Accepted
    values = dialog.values()
    assert values == {
        "reference": "CR-77",
        "custody_suite": "Northgate",
        "detention_date": date(2026, 2, 3),
        "reviewer": "reviewer1",
        "flags": ["strip_search"],
    }
    session = ReviewSession(store, template)
    case = session.get_case(session.added_id(session.add_case(**values).cases_added))
    assert case.strip_search and case.detention_date == date(2026, 2, 3)
