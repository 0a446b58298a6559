"""Background tasks report truthfully: finished, failed or cancelled."""

from __future__ import annotations

import threading

from cctv_review.ui import workers


def test_late_cancel_still_reports_finished(qtbot):
    release = threading.Event()

    def work(progress, cancel):
        release.wait(5)  # Cancel is pressed while the last step is already under way
        return "stored"

    task = workers.start(workers.Task(work))
    task.cancel()
    with qtbot.waitSignal(task.signals.finished, timeout=5_000) as blocker:
        release.set()
    assert blocker.args == ["stored"]


def test_cancel_that_stops_the_work_reports_cancelled(qtbot):
    def work(progress, cancel):
        while not cancel():
            progress(0.5)
        raise RuntimeError("stopped")

    task = workers.start(workers.Task(work))
    with qtbot.waitSignal(task.signals.cancelled, timeout=5_000):
        task.cancel()


def test_failure_is_reported_with_its_message(qtbot):
    from cctv_review.store import StoreError

    def work(progress, cancel):
        raise StoreError("Could not save: the disk is full.")

    task = workers.Task(work)
    with qtbot.waitSignal(task.signals.failed, timeout=5_000) as blocker:
        workers.start(task)
    assert blocker.args == ["Could not save: the disk is full."]
