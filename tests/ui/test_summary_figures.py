"""The Summary tab's filters, per-question figures and agreement; Tools > Draw a sample; reason for viewing."""

from __future__ import annotations

from datetime import date

import pytest
from team_seed import seed
from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)

from cctv_review.summary_filter import SummaryFilter
from cctv_review.ui.services import ReviewSession

DETAIL = "release.pre_release_ra_detail"


@pytest.fixture
def summary_view(qtbot, store, template):
    from cctv_review.ui.summary_view import SummaryView

    seed(store, template)
    session = ReviewSession(store, template)
    view = SummaryView(session)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.summary is not None and not view.stale and view.question_table is not None)
    return view


def table_rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def wait_figures(qtbot, view, before: int) -> None:
    """Wait for a recompute after ``before`` and for its figures, counted in the background."""
    qtbot.waitUntil(lambda: view.recomputed > before and not view.stale)
    qtbot.waitUntil(lambda: view.question_table is not None, timeout=10_000)


def question_row(view, qid: str) -> list[str]:
    text = view.session.template.question(qid).text
    [row] = [row for row in view.question_table.rows() if row[0] == text]
    return row


def agreement_text(view) -> str:
    from PySide6.QtWidgets import QLabel

    return view.agreement_box.findChild(QLabel, "agreementText").text()


def test_summary_shows_per_question_figures_and_agreement(summary_view):
    view = summary_view
    assert view.headline.text().startswith("Of 6 cases reviewed on CCTV")
    row = question_row(view, DETAIL)
    assert row[1] == "Release" and row[2] == "5"
    assert row[3] == "yes 2 (40%) · no 2 (40%) · not seen 0 (0%) · not answered 1"
    text = agreement_text(view)
    assert "agreed on 3 of 4 cases (75%); Cohen's kappa 0.64, weighted (linear) 0.71" in text
    from PySide6.QtWidgets import QTableWidget

    confusion = table_rows(view.agreement_box.findChild(QTableWidget, "agreementTable"))
    assert confusion[1] == ["Some learning", "0", "1", "1", "2"]  # some/some, some/significant


def test_every_summary_figure_follows_the_filter(qtbot, summary_view):
    view = summary_view
    before = view.recomputed
    view.filter_bar.set_filter(SummaryFilter(suite="Northgate"))
    wait_figures(qtbot, view, before)
    assert view.headline.text().startswith("Of 4 cases reviewed on CCTV")
    assert question_row(view, DETAIL)[2] == "4"
    assert "no 2 (50%)" in question_row(view, DETAIL)[3]
    before = view.recomputed
    view.filter_bar.set_filter(SummaryFilter(reviewer="bob", flags=frozenset({"child"})))
    wait_figures(qtbot, view, before)
    assert view.headline.text().startswith("Of 1 case reviewed on CCTV")  # CR005
    assert "no completed case has a completed second review" in agreement_text(view).lower()
    before = view.recomputed
    view.filter_bar.set_filter(SummaryFilter(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)))
    wait_figures(qtbot, view, before)
    assert view.headline.text().startswith("Of 2 cases reviewed on CCTV")
    assert view.filter_bar.summary_filter() == SummaryFilter(
        date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)
    )
    # The bar's own controls: ticking a flag in its menu narrows the figures too.
    before = view.recomputed
    view.filter_bar.clear()
    view.filter_bar.flag_actions["use_of_force"].setChecked(True)
    wait_figures(qtbot, view, before)
    assert view.headline.text().startswith("Of 3 cases reviewed on CCTV")  # CR002-4
    assert view.filter_bar.flags.text() == "Flags: Use of force"
    assert [view.filter_bar.suite.itemText(i) for i in range(view.filter_bar.suite.count())] == [
        "Any suite",
        "Northgate",
        "Southbank",
    ]


def test_sample_dialog_draws_the_clis_cases_and_audits(qtbot, store, template, capsys):
    from cctv_review.cli import main
    from cctv_review.ui.sample_dialog import SampleDialog

    seed(store, template)
    session = ReviewSession(store, template)
    dialog = SampleDialog(session)
    qtbot.addWidget(dialog)
    dialog.size_box.setValue(3)
    dialog.flags["child"].setChecked(True)
    dialog.seed.setValue(4242)
    draw = dialog.draw_now()
    assert draw is not None and len(draw.case_ids) == 3
    shown = dialog.result_text.toPlainText()
    assert "Drew 3 of 7 cases, stratified by child" in shown and "seed 4242" in shown
    assert "child: yes: 1 of 2" in shown and "child: no: 2 of 5" in shown
    references = [line for line in shown.splitlines() if line.startswith("CR")]
    store.db.conn.commit()
    assert (
        main(["sample", "--db", str(store.path), "--size", "3", "--stratify", "child", "--seed", "4242"]) == 0
    )
    cli = [line for line in capsys.readouterr().out.splitlines() if line.startswith("CR")]
    assert references == cli
    drawn = [r for r in store.audit_rows() if r["action"] == "sample.drawn"]
    assert '"seed": 4242' in drawn[0]["detail"] and '"purpose": "review"' in drawn[0]["detail"]
    # For the second-review share, only completed cases are drawn from.
    dialog.purpose.setCurrentIndex(1)
    dialog.size_box.setValue(100)
    draw = dialog.draw_now()
    assert draw is not None and draw.population == 6
    dialog.flags["child"].setChecked(False)


def test_reason_for_viewing_is_asked_once_audited_and_cancel_withholds_the_footage(
    qtbot, make_window, store, template, case_with_clip
):
    case, _clip = case_with_clip
    session_asks: list[str] = []
    window = make_window(store, template, restore=False)
    assert not window.figure_actions.viewing_reason_action.isChecked()  # off by default
    window.figure_actions.viewing_reason_action.setChecked(True)
    assert window.session.viewing_reason_required()
    answers = iter([None, "Inspection sample: custody review"])

    def ask(reference: str, _parent: object) -> str | None:
        session_asks.append(reference)
        return next(answers)

    window.viewing_gate.ask = ask
    window.open_case(case.id)
    assert session_asks == ["CR-001"]
    assert window.footage.withheld and window.player.clips == [] and window.player.clip is None
    window.figure_actions.view_footage_action.trigger()
    assert session_asks == ["CR-001", "CR-001"]
    assert not window.footage.withheld
    qtbot.waitUntil(lambda: window.player.clip is not None)
    # Open another case and come back: no second question this session.
    window.open_case(None)
    window.open_case(case.id)
    assert len(session_asks) == 2 and window.player.clips
    rows = store.audit_rows()
    reasons = [r for r in rows if r["action"] == "footage.viewing_reason"]
    assert len(reasons) == 1 and "Inspection sample: custody review" in reasons[0]["detail"]
    assert any(r["action"] == "setting.changed" and "viewing_reason_required" in r["object_id"] for r in rows)


def test_without_the_setting_no_reason_is_asked(qtbot, make_window, store, template, case_with_clip):
    case, _clip = case_with_clip
    window = make_window(store, template, restore=False)

    def ask(reference: str, _parent: object) -> str | None:
        raise AssertionError("asked without the setting")

    window.viewing_gate.ask = ask
    window.open_case(case.id)
    qtbot.waitUntil(lambda: window.player.clip is not None)
    assert not [r for r in store.audit_rows() if r["action"] == "footage.viewing_reason"]


def test_reason_dialog_needs_a_reason(qtbot):
    from PySide6.QtWidgets import QLabel

    from cctv_review.ui.viewing_reason import ViewingReasonDialog

    dialog = ViewingReasonDialog("CR-001")
    qtbot.addWidget(dialog)
    assert any("case CR-001" in label.text() for label in dialog.findChildren(QLabel))
    [view] = [b for b in dialog.buttons.buttons() if b.text() == "View footage"]
    assert not view.isEnabled()
    dialog.reason.setPlainText("  ")
    assert not view.isEnabled()
    dialog.reason.setPlainText("Complaint 123")
    assert view.isEnabled() and dialog.text() == "Complaint 123"


def test_export_dialog_offers_the_areas_page_for_the_report_only(qtbot, store, template):
    from cctv_review.ui.export_dialog import ExportDialog

    seed(store, template)
    dialog = ExportDialog(ReviewSession(store, template))
    qtbot.addWidget(dialog)
    dialog.set_format("xlsx")
    assert not dialog.areas_check.isEnabled()
    dialog.set_format("pdf")
    assert dialog.areas_check.isEnabled() and "areas_for_improvement" not in dialog.options()
    dialog.areas_check.setChecked(True)
    assert dialog.options()["areas_for_improvement"] is True
    dialog.set_format("csv")
    assert "areas_for_improvement" not in dialog.options()


def test_a_reason_that_cannot_be_recorded_keeps_the_footage_closed(qtbot, store, template, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from cctv_review.store import StoreError
    from cctv_review.ui.viewing_reason import ViewingGate

    seed(store, template)
    session = ReviewSession(store, template)
    session.set_viewing_reason_required(True)
    session.open_case(store.case_by_reference("CR001").id)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))

    def fail(case_id: int, reason: str) -> None:
        raise StoreError("The review database is locked.")

    monkeypatch.setattr(session, "record_viewing_reason", fail)
    gate = ViewingGate(session, ask=lambda _ref, _parent: "Complaint 123")
    assert gate.allow() is False and gate.allowed == set()
    assert "could not be recorded" in warned[0]


def test_tools_menu_sits_before_help_and_opens_the_sample_dialog(qtbot, make_window, store, template):
    window = make_window(store, template, restore=False)
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles.index("Tools") == titles.index("Help") - 1
    window.figure_actions.sample_action.trigger()
    qtbot.waitUntil(lambda: window.sample_dialog.isVisible())
    assert window.sample_dialog.windowTitle() == "Draw a sample"
    window.sample_dialog.close()
