"""Issue 14 in the GUI: a blind second reviewer sees nothing of the first review (window and session),
review packages exported and imported through the dialogs (conflicts side by side), moderation."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit
from ui_fixtures import clip_path, make_window  # noqa: F401  (fixtures)

from cctv_review import package as pkg
from cctv_review import team
from cctv_review.case_query import CaseFilter
from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel
from cctv_review.store import Store

FIRST_NOTE = "Alice: the risk assessment was not done"
FIRST_RATIONALE = "Alice's rationale: significant learning on risk."


@pytest.fixture
def assigned(tmp_path, template, answer_all):
    """Alice completed case T-1 (answers, a finding, significant learning); it is assigned to bob."""
    path = tmp_path / "team.sqlite"
    with Store(path, user="alice") as alice:
        case = alice.add_case(Case(reference="T-1", reviewer="alice"))
        answer_all(alice, template, case.id)
        alice.add_finding(
            Finding(case_id=case.id, theme="risk_assessment", level=FindingLevel.SIGNIFICANT, note=FIRST_NOTE)
        )
        alice.set_outcome(case.id, LearningLevel.SIGNIFICANT, FIRST_RATIONALE)
        alice.complete_case(case.id, template)
        first_answers = alice.answers(case.id)
    with Store(path, user="lead") as lead:
        team.assign_second_review(lead, case.id, "bob")
    return path, case.id, first_answers


def _shown_answers(window) -> dict:
    return {qid: row.value() for qid, row in window.form.rows.items() if row.value() not in (None, "", [])}


def test_a_blind_second_reviewer_sees_nothing_of_the_first_review(make_window, assigned, template, qtbot):
    path, case_id, first_answers = assigned
    assert first_answers  # there is a first review to hide
    bob = Store(path, user="bob")
    try:
        window = make_window(bob, template, restore=False)
        window.open_case(case_id)
        session = window.session
        assert session.blind
        # the window: no answers, no findings, no outcome or rationale, not locked, nothing in the list
        assert _shown_answers(window) == {}
        assert window.findings.tree.topLevelItemCount() == 0
        assert not any(b.isChecked() for b in window.form.outcome_buttons.values())
        assert window.form.rationale.toPlainText() == ""
        assert not session.locked and window.form.body.isEnabled()
        assert (
            "Significant" not in window.case_header.text()
            and "blind second review" in window.case_header.text()
        )
        row = session.case_ids(CaseFilter())
        shown = session.cases_by_id(row)[case_id]
        assert shown.outcome is None and shown.outcome_rationale == ""
        model = window.case_list.model
        texts = [
            str(model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole))
            for r in range(model.rowCount())
            for c in range(model.columnCount())
        ]
        assert "Significant learning" not in texts
        # the session API: refuses the first review, filters it everywhere else
        with pytest.raises(team.BlindReview):
            session.first_review(case_id)
        assert session.answers() == {} and session.findings() == []
        assert session.get_case(case_id).outcome is None
        assert session.summary().completed == 0  # the first review's outcome is not in bob's figures
        # bob's own review goes to the second review's tables
        session.set_answer(next(iter(first_answers)), first_answers[next(iter(first_answers))])
        session.add_finding("welfare", FindingLevel.SOME, "Bob's own finding", None, 0)
        session.set_outcome(LearningLevel.NONE, "Bob: nothing to learn.")
        assert [f.note for f in session.findings()] == ["Bob's own finding"]
        assert session.findings()[0].review_round == 2
        assert bob.get_case(case_id).outcome == LearningLevel.SIGNIFICANT  # first review untouched
        window._refuse_while_blind()
        assert "second reviews still to complete" in window.message_box.text()
        # completing the second review: then the first review shows
        for _ in range(10):
            missing = template.missing_required(session.answers())
            if not missing:
                break
            for q in missing:
                session.set_answer(q.id, first_answers.get(q.id))
        assert window.complete_case()  # as the Complete button does
        assert not session.blind and session.locked  # their own review, now complete
        assert session.case.outcome == LearningLevel.NONE
        session.open_case(case_id)  # opened again: the first review shows
        assert session.case.outcome == LearningLevel.SIGNIFICANT
        assert [f.note for f in session.findings()] == [FIRST_NOTE]
        second, answers, findings = session.second_review_record(case_id)
        assert answers and answers == team.second_answers(bob, case_id)
        assert second.outcome == LearningLevel.NONE and [f.note for f in findings] == ["Bob's own finding"]
    finally:
        bob.close()


def test_the_lead_sees_the_first_review_and_moderates_in_the_dialog(make_window, assigned, template, qtbot):
    from cctv_review.ui.second_review import AssignSecondReviewDialog, ModerationDialog

    path, case_id, first_answers = assigned
    with Store(path, user="bob") as bob:
        for _ in range(10):
            missing = template.missing_required(team.second_answers(bob, case_id))
            if not missing:
                break
            for q in missing:
                team.set_second_answer(bob, case_id, q.id, first_answers.get(q.id), template)
        team.set_second_outcome(bob, case_id, "none", "Bob: none.")
        team.complete_second_review(bob, case_id, template)
    lead = Store(path, user="lead")
    try:
        window = make_window(lead, template, restore=False)
        window.open_case(case_id)
        assert not window.session.blind and window.form.rationale.toPlainText() == FIRST_RATIONALE
        actions = window.window_actions
        file_texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
        assert file_texts.index(actions.import_package_action.text()) < file_texts.index("&Quit")
        actions.moderate_action.trigger()
        assert window.moderation_dialog.isVisible()
        actions.assign_second_review_action.trigger()
        assert window.second_review_dialog.isVisible()
        dialog = AssignSecondReviewDialog(window.session, window.session.case, window)
        dialog.reviewer.setText("alice")
        assert not dialog.assign() and "someone else" in dialog.problem.text()
        moderation = ModerationDialog(window.session, window)
        assert moderation.table.rowCount() == 1 and moderation.table.item(0, 3).text() == "not moderated"
        assert FIRST_RATIONALE in moderation.first_text.toPlainText()  # both reviews side by side
        assert "Bob: none." in moderation.second_text.toPlainText()
        moderation.outcome.setCurrentIndex(moderation.outcome.findData("some"))
        assert not moderation.save() and "reason" in moderation.problem.text()
        moderation.reason.setPlainText("Discussed at the team meeting: some learning.")
        assert moderation.save()
        assert moderation.table.item(0, 3).text() == "Some learning"
        summary = window.session.summary()
        assert summary.moderated == 1 and summary.by_level["some"] == 1
    finally:
        lead.close()


def test_package_dialogs_export_and_import_with_a_conflict_chosen_side_by_side(
    make_window, tmp_path, template, qtbot, answer_all
):
    from cctv_review.ui.package_dialogs import ExportPackageDialog, PackageImporter

    a_path, lead_path = tmp_path / "a.sqlite", tmp_path / "lead.sqlite"
    with Store(a_path, user="alice") as alice:
        case = alice.add_case(Case(reference="P-1", reviewer="alice"))
        alice.set_outcome(case.id, LearningLevel.SOME, "Alice: some.")
        first = pkg.export_package(alice, ["P-1"], tmp_path / "first.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        pkg.import_package(lead, pkg.read_package(first))
        lead.set_outcome(lead.case_by_reference("P-1").id, LearningLevel.NONE, "Lead: none.")

    alice = Store(a_path, user="alice")
    lead = Store(lead_path, user="lead")
    try:
        alice.set_outcome(case.id, LearningLevel.SIGNIFICANT, "Alice: significant after all.")
        window = make_window(alice, template, restore=False)
        dialog = ExportPackageDialog(window.session, [case.id], window)
        assert dialog.references() == ["P-1"]
        dialog.blind_for.setText("bob")  # P-1 is not waiting for bob: refused, nothing written
        dialog.export_to(tmp_path / "refused.cctvpkg")
        qtbot.waitUntil(lambda: bool(dialog.error), timeout=20000)
        assert "not waiting for a second review by bob" in dialog.error
        assert not (tmp_path / "refused.cctvpkg").exists()
        dialog.blind_for.setText("")
        dialog.error = ""
        out = tmp_path / "second.cctvpkg"
        dialog.export_to(out)
        qtbot.waitUntil(lambda: dialog.report is not None or bool(dialog.error), timeout=20000)
        assert dialog.report is not None and out.exists()

        lead_window = make_window(lead, template, restore=False)
        importer = PackageImporter(
            lead_window.session, lead_window, lead_window.inform, lead_window.show_problem
        )
        importer.start(out)
        qtbot.waitUntil(lambda: importer.conflict_dialog is not None, timeout=20000)
        conflict = importer.conflict_dialog
        texts = {w.objectName(): w.toPlainText() for w in conflict.findChildren(QPlainTextEdit)}
        assert "Lead: none." in texts["conflict_P-1_mine"]
        assert "Alice: significant after all." in texts["conflict_P-1_theirs"]
        ok = conflict.buttons.button(conflict.buttons.StandardButton.Ok)
        assert not ok.isEnabled()  # nothing chosen for the lead
        conflict.choices["P-1"][1].setChecked(True)
        assert ok.isEnabled()
        conflict.accept()
        qtbot.waitUntil(lambda: importer.report is not None, timeout=20000)
        assert lead.case_by_reference("P-1").outcome == LearningLevel.SIGNIFICANT
        assert any(r["action"] == "package.conflict_resolved" for r in lead.audit_rows())
    finally:
        alice.close()
        lead.close()


def test_a_still_attaches_to_a_blind_second_review_finding(make_window, assigned, template, qtbot, clip_path):
    """The first review is complete (locked); bob's round-2 finding still gets its still."""
    from datetime import datetime, timezone

    from cctv_review.clips import add_clip_file

    path, case_id, _answers = assigned
    with Store(path, user="lead") as lead:
        clip = add_clip_file(
            lead, case_id, clip_path, "Cell 4", datetime(2026, 3, 14, 22, tzinfo=timezone.utc)
        )
    bob = Store(path, user="bob")
    try:
        window = make_window(bob, template, restore=False)
        window.open_case(case_id)
        assert window.session.blind
        changes = window.session.add_finding(
            "welfare", FindingLevel.SOME, "Bob at the cell door", clip.id, 2000
        )
        finding_id = window.session.added_id(changes.findings)
        task = window.findings_ctl.capture_still(finding_id, 20, clip, 2000)
        qtbot.waitUntil(task.done.is_set, timeout=20000)
        qtbot.waitUntil(lambda: bool(window.session.finding(finding_id).still_path), timeout=5000)
        assert bob.get_finding(finding_id).still_path.endswith(".png")
    finally:
        bob.close()
