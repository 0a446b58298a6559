"""The case list as a model over a query, and the summary recomputed only when shown (issue 12, Scale)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from ui_fixtures import make_window  # noqa: F401  (fixture)

from cctv_review.domain import Case, CaseStatus


def add_cases(store, n: int) -> None:
    store.import_cases(
        Case(
            reference=f"CR-{i:04d}",
            custody_suite=["Northgate", "Southbank"][i % 2],
            detention_date=date(2026, 1, 1 + i % 28),
            child=i % 5 == 0,
        )
        for i in range(n)
    )


def shown(cl) -> list[str]:
    return [cl.model.index(r, 0).data() for r in range(cl.model.rowCount())]


class Statements:
    def __init__(self, conn):
        self.conn, self.seen = conn, []
        conn.set_trace_callback(self.seen.append)

    def stop(self) -> list[str]:
        self.conn.set_trace_callback(None)
        return self.seen


def test_a_status_change_updates_one_row_and_leaves_the_hidden_summary_alone(
    qtbot, make_window, store, template, answer_all
):
    add_cases(store, 40)
    window = make_window(store, template, restore=False)
    session, cl = window.session, window.case_list
    case = store.case_by_reference("CR-0007")
    window.open_case(case.id)
    answer_all(store, template, case.id)
    session.set_outcome("some", "Checks were late.")
    assert window.tabs.currentWidget() is not window.summary
    before = window.summary.recomputed
    resets = []
    cl.model.modelReset.connect(lambda: resets.append(1))
    cl.model.layoutChanged.connect(lambda: resets.append(1))
    statements = Statements(store.db.conn)
    session.complete()
    qtbot.wait(50)  # let any deferred refresh run: none should
    seen = statements.stop()
    assert window.summary.recomputed == before and window.summary.stale
    assert not resets
    assert not any(
        "FROM cases WHERE" in s and "ORDER BY" in s for s in seen
    )  # the list was not queried again
    assert not any("GROUP BY" in s for s in seen)  # nor the summary
    row = cl.model.row_of(case.id)
    assert cl.model.index(row, 3).data() == "Complete"
    window.window_actions.summary_action.trigger()
    assert window.summary.recomputed == before + 1 and not window.summary.stale
    assert window.summary.summary.completed == 1


def test_filters_search_and_sorts_run_in_sql_and_a_changed_case_moves(
    qtbot, make_window, store, template, answer_all
):
    add_cases(store, 30)
    window = make_window(store, template, restore=False)
    cl = window.case_list
    assert cl.model.rowCount() == 30 and cl.count_label.text() == "30 cases"
    cl.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert shown(cl)[:2] == ["CR-0029", "CR-0028"]
    qtbot.keyClicks(cl.search, "cr-001")
    assert shown(cl) == [f"CR-00{i}" for i in range(19, 9, -1)]
    cl.search.clear()
    cl.flag_actions["child"].setChecked(True)
    assert sorted(shown(cl)) == [f"CR-{i:04d}" for i in range(0, 30, 5)]
    cl.flag_actions["child"].setChecked(False)
    cl.status.setCurrentIndex(cl.status.findData(CaseStatus.NOT_STARTED.value))
    assert cl.model.rowCount() == 30
    # A case that stops matching the filter leaves the list (one row removed, not a reset).
    case = store.case_by_reference("CR-0012")
    window.open_case(case.id)
    removed = []
    cl.model.rowsRemoved.connect(lambda *_: removed.append(1))
    window.session.set_answer("footage.complete", "yes")  # the case is now in progress
    qtbot.waitUntil(lambda: cl.model.rowCount() == 29)
    assert removed == [1] and "CR-0012" not in shown(cl) and "29 of 30" in cl.count_label.text()
    # Sorting by status puts it where its label sorts.
    cl.status.setCurrentIndex(0)
    cl.view.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    assert shown(cl)[0] == "CR-0012"  # "In progress" before "Not started"


def test_the_list_reads_only_the_rows_it_shows(qtbot, make_window, store, template):
    add_cases(store, 3000)
    window = make_window(store, template, restore=False)
    model = window.case_list.model
    assert model.rowCount() == 3000
    assert len(model._rows) <= model.WINDOW  # the rows on screen, not 3,000 cases
    window.case_list.view.scrollToBottom()
    qtbot.wait(20)
    assert model.case_at(2999).reference == "CR-2999" or model.case_at(2999) is not None
    assert len(model._rows) <= 2 * model.WINDOW
