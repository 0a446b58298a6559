"""Long work off the GUI thread, with progress and cancel.

:class:`Task` runs ``fn(progress, cancel)`` in the global QThreadPool and
reports back through Qt signals (delivered on the GUI thread):
``progress(float 0..1)``, ``finished(result)``, ``failed(message)`` and
``cancelled()``.  ``fn`` calls ``progress(fraction)`` now and then and stops
when ``cancel()`` returns True (raising any exception; the task then reports
``cancelled`` rather than ``failed``).  Work that completes is reported as
``finished`` even if Cancel was pressed too late to stop it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    progress = Signal(float)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    def __init__(self, fn: Callable[[Callable[[float], None], Callable[[], bool]], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        self.done = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # worker thread
        try:
            result = self.fn(self.signals.progress.emit, self._cancel.is_set)
        except Exception as exc:
            if self._cancel.is_set():
                self.signals.cancelled.emit()
            else:
                from cctv_review.errors import UserFacingError

                if isinstance(exc, UserFacingError):
                    message = str(exc)
                else:
                    from cctv_review.ui.errors import report_unexpected

                    report_unexpected(exc, "running a background job")  # the log and the crash dialog
                    message = f"Something went wrong: {exc}"
                self.signals.failed.emit(message)
        else:
            # The work completed: report it, even if Cancel came too late to stop it
            # (saying "cancelled, nothing was stored" would then be untrue).
            self.signals.finished.emit(result)
        finally:
            self.done.set()


_running: set[Task] = set()


def start(task: Task) -> Task:
    """Run a task in the global pool, keeping it alive until it ends."""
    _running.add(task)
    for sig in (task.signals.finished, task.signals.failed, task.signals.cancelled):
        sig.connect(lambda *_a, t=task: _running.discard(t))
    QThreadPool.globalInstance().start(task)
    return task


def cancel_all(wait_ms: int = 3000) -> None:
    """Cancel running tasks and wait a little for them (on application exit)."""
    for task in list(_running):
        task.cancel()
    for task in list(_running):
        task.done.wait(wait_ms / 1000)
