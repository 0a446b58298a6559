"""Background tasks: progress, cancel, errors to one place, a store connection per job."""

from __future__ import annotations

import sqlite3
import threading

from ui_fixtures import clip_path  # noqa: F401  (fixture)

from cctv_review.domain import Case
from cctv_review.errors import UserFacingError
from cctv_review.ui import tasks
from cctv_review.ui.services import ReviewSession


def test_progress_arrives_with_its_messages_on_the_gui_thread(qtbot):
    seen: list[tuple[float, str, threading.Thread]] = []

    def work(progress, cancel):
        progress(0.25, "Probing cell4.mp4")
        progress(0.5)  # a message is optional
        progress(1.5, "Fingerprinting cell4.mp4")  # clamped to 1
        return "done"

    task = tasks.Task(work, "testing")
    task.signals.progress.connect(lambda f, m: seen.append((f, m, threading.current_thread())))
    with qtbot.waitSignal(task.signals.finished, timeout=5_000) as blocker:
        tasks.start(task)
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=5_000)
    assert blocker.args == ["done"]
    assert [(f, m) for f, m, _t in seen] == [
        (0.25, "Probing cell4.mp4"),
        (0.5, ""),
        (1.0, "Fingerprinting cell4.mp4"),
    ]
    assert all(t is threading.main_thread() for _f, _m, t in seen)  # delivered to the GUI thread
    assert task.thread is not None and task.thread is not threading.main_thread()  # the work was not


def test_late_cancel_still_reports_finished(qtbot):
    release = threading.Event()

    def work(progress, cancel):
        release.wait(5)  # Cancel is pressed while the last step is already under way
        return "stored"

    task = tasks.start(tasks.Task(work))
    task.cancel()
    with qtbot.waitSignal(task.signals.finished, timeout=5_000) as blocker:
        release.set()
    assert blocker.args == ["stored"]


def test_cancel_that_stops_the_work_reports_cancelled(qtbot):
    failed: list[str] = []

    def work(progress, cancel):
        while not cancel():
            progress(0.5)
        raise RuntimeError("stopped")

    task = tasks.run_task(work, context="testing", on_failed=failed.append)
    with qtbot.waitSignal(task.signals.cancelled, timeout=5_000):
        task.cancel()
    assert failed == []  # stopping on request is not a failure


def test_cancel_all_stops_running_work_and_waits_for_it(qtbot):
    started = threading.Event()

    def work(progress, cancel):
        started.set()
        while not cancel():
            threading.Event().wait(0.01)
        raise RuntimeError("stopped")

    task = tasks.start(tasks.Task(work))
    assert started.wait(5)
    tasks.cancel_all(wait_ms=5000)
    assert task.done.is_set()


def test_a_user_facing_error_reaches_the_failure_handler_as_its_message(qtbot, monkeypatch):
    from cctv_review.store import StoreError
    from cctv_review.ui import errors as ui_errors

    reported: list[object] = []
    monkeypatch.setattr(ui_errors, "report_unexpected", lambda *a, **k: reported.append(a))

    def work(progress, cancel):
        raise StoreError("Could not save: the disk is full.")

    failed: list[str] = []
    task = tasks.run_task(work, context="testing", on_failed=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=5_000)
    assert task.done.is_set()
    assert failed == ["Could not save: the disk is full."]
    assert reported == []  # a plain-language error is not a crash


def test_an_unexpected_exception_goes_to_report_unexpected_and_the_failure_handler(qtbot, monkeypatch):
    from cctv_review.ui import errors as ui_errors

    reported: list[tuple[tuple, dict, threading.Thread]] = []
    monkeypatch.setattr(
        ui_errors,
        "report_unexpected",
        lambda *a, **k: reported.append((a, k, threading.current_thread())),
    )
    boom = ZeroDivisionError("division by zero")

    def work(progress, cancel):
        raise boom

    failed: list[str] = []
    tasks.run_task(work, context="adding footage", on_failed=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=5_000)
    assert len(reported) == 1
    args, kwargs, thread = reported[0]
    assert args == (boom, "adding footage") and kwargs == {}
    assert thread is threading.main_thread()  # the dialog is made on the GUI thread
    assert failed == ["Something went wrong while adding footage: division by zero"]
    assert not isinstance(boom, UserFacingError)


def test_a_job_uses_its_own_connection_and_its_uncommitted_rows_stay_invisible(qtbot, store, template):
    session = ReviewSession(store, template)
    in_transaction, may_commit = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def work(progress, cancel):
        with session.worker_store() as own:
            seen["thread"] = threading.current_thread()
            seen["own_conn"] = own.db.conn
            try:  # the GUI's connection refuses to be used from this thread
                session.store.list_cases()
            except sqlite3.ProgrammingError as exc:
                seen["gui_conn_refused"] = str(exc)
            with own.transaction():
                own.add_case(Case(reference="CR-WORKER"))
                in_transaction.set()
                assert may_commit.wait(5)
        return "committed"

    task = tasks.run_task(work, context="testing")
    assert in_transaction.wait(5)
    # The worker has written but not committed: the GUI does not see it.
    assert [c.reference for c in session.list_cases()] == []
    with qtbot.waitSignal(task.signals.finished, timeout=5_000):
        may_commit.set()
    assert [c.reference for c in session.list_cases()] == ["CR-WORKER"]
    assert seen["thread"] is not threading.main_thread()
    assert seen["own_conn"] is not store.db.conn
    assert "thread" in str(seen["gui_conn_refused"])


def test_the_activity_job_scans_in_a_worker(qtbot, clip_path):
    from cctv_review.ui.footage_controller import activity_job

    progress: list[float] = []
    task = tasks.Task(activity_job(str(clip_path), method="pixels"), "finding activity")
    task.signals.progress.connect(lambda f, _m: progress.append(f))
    with qtbot.waitSignal(task.signals.finished, timeout=30_000) as blocker:
        tasks.start(task)
    result = blocker.args[0]
    assert len(result.scores) == 14 and result.next_activity(0) == 4  # the square moves from 4 s
    assert progress and progress[-1] == 1.0
    assert task.thread is not threading.main_thread()


def test_a_cancelled_activity_job_reports_cancelled_and_no_result(qtbot, clip_path):
    from cctv_review.ui.footage_controller import activity_job

    finished: list[object] = []
    task = tasks.Task(activity_job(str(clip_path), method="pixels"))
    task.signals.finished.connect(finished.append)
    task.signals.progress.connect(lambda _f, _m: task.cancel())
    with qtbot.waitSignal(task.signals.cancelled, timeout=30_000):
        tasks.start(task)
    assert finished == []
