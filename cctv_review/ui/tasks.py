"""Long work off the GUI thread, one way: progress, cancel, results and errors.

Modelled on napari's ``create_worker`` (``napari/_qt/qthreading.py``).  Every
long job of the application (adding footage: probing and hashing; the
activity scan; stills for findings; exports) runs through :func:`run_task`::

    task = run_task(
        work,                      # work(progress, cancel) -> result, in a worker thread
        context="adding footage",  # what was being done, for the log and the crash dialog
        on_done=show_clip,         # GUI thread: the result
        on_failed=tell_the_user,   # GUI thread: a plain-language message
        on_progress=bar.update,    # GUI thread: (fraction 0..1, message)
        on_cancelled=say_so,       # GUI thread: the work stopped because Cancel was pressed
    )
    cancel_button.clicked.connect(task.cancel)

``work`` receives two callables.  ``progress(fraction, message="")`` reports
how far it is (``fraction`` in 0..1; the message is a short phrase such as
"Fingerprinting cell4.mp4", or empty to keep the last one).  ``cancel()``
returns True once Cancel was pressed; the work checks it between steps and
stops by raising any exception (the task then reports ``cancelled``, not
``failed``).  Work that completes is reported as ``finished`` even if Cancel
came too late to stop it: saying "cancelled, nothing was stored" would then
be untrue.

Errors go to one place.  A :class:`~cctv_review.errors.UserFacingError` is
delivered to ``on_failed`` as its own message (it already says what happened
and what to do).  Any other exception is a bug: it goes to
:func:`cctv_review.ui.errors.report_unexpected` (log with traceback + dialog)
together with ``context``, and ``on_failed`` receives a short message.

Threads and the database: the work runs in this module's thread pool, never
on the GUI thread, and must not touch the GUI's :class:`~cctv_review.store.Store`.
A job that reads the database opens its own connection
(``ReviewSession.worker_store()``, a ``Store`` of its own, closed at the end),
as datasette keeps one connection per thread.  A job that produces something
to store (a clip's hash, activity scores, a still) returns it, and the
``on_done`` handler stores it with one short write on the GUI thread (see
:mod:`cctv_review.ui.services` for why the jobs do not write).  Signals are emitted from the
worker thread by a ``QObject`` that lives in the GUI thread, so Qt queues them
to the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from cctv_review.errors import UserFacingError
from cctv_review.ui import errors as ui_errors

#: Threads for background jobs.  More than the cores on purpose: a long activity scan must not
#: keep a still or an export waiting, and most jobs spend their time on the disk.
MAX_THREADS = 4


class ProgressFn(Protocol):
    """``progress(fraction, message="")``: fraction 0..1, an optional short phrase."""

    def __call__(self, fraction: float, message: str = "") -> None: ...


CancelFn = Callable[[], bool]
WorkFn = Callable[[ProgressFn, CancelFn], Any]


class TaskSignals(QObject):
    """What a task reports, delivered on the GUI thread."""

    progress = Signal(float, str)  # fraction 0..1, message ("" keeps the last one)
    finished = Signal(object)  # the work's result
    failed = Signal(str)  # a plain-language message
    cancelled = Signal()
    #: An exception that is not a UserFacingError (routed to report_unexpected, then ``failed``).
    crashed = Signal(object)


class Task(QRunnable):
    """One job: ``fn(progress, cancel)`` run in a worker thread (see the module docstring)."""

    def __init__(self, fn: WorkFn, context: str = "working in the background") -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.context = context
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        #: Set when the work has ended (in the worker thread), whatever the outcome.
        self.done = threading.Event()
        #: The worker thread that ran the work (for tests and diagnostics).
        self.thread: threading.Thread | None = None
        self.signals.crashed.connect(self._report_crash)

    def cancel(self) -> None:
        """Ask the work to stop (it checks ``cancel()`` between steps)."""
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, fraction: float, message: str = "") -> None:
        self.signals.progress.emit(min(1.0, max(0.0, float(fraction))), message)

    def run(self) -> None:  # worker thread
        self.thread = threading.current_thread()
        try:
            result = self.fn(self._progress, self._cancel.is_set)
        except Exception as exc:
            if self._cancel.is_set():
                self.signals.cancelled.emit()
            elif isinstance(exc, UserFacingError):
                self.signals.failed.emit(str(exc))
            else:
                self.signals.crashed.emit(exc)
        else:
            self.signals.finished.emit(result)
        finally:
            self.done.set()

    def _report_crash(self, exc: BaseException) -> None:  # GUI thread
        ui_errors.report_unexpected(exc, self.context)
        self.signals.failed.emit(f"Something went wrong while {self.context}: {exc}")


_pool: QThreadPool | None = None
_running: set[Task] = set()


def pool() -> QThreadPool:
    """The thread pool background jobs run in (created on first use)."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(max(MAX_THREADS, QThreadPool.globalInstance().maxThreadCount()))
    return _pool


def start(task: Task) -> Task:
    """Run ``task`` in the pool, keeping it alive until it has reported its end."""
    _running.add(task)
    for sig in (task.signals.finished, task.signals.failed, task.signals.cancelled):
        sig.connect(lambda *_a, t=task: _running.discard(t))
    pool().start(task)
    return task


def run_task(
    fn: WorkFn,
    *,
    context: str,
    on_done: Callable[[Any], object] | None = None,
    on_failed: Callable[[str], None] | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
) -> Task:
    """Start ``fn(progress, cancel)`` in a worker thread; the handlers run on the GUI thread.

    ``context`` says what is being done ("adding footage"); it goes with an
    unexpected error to the log and the crash dialog.  Returns the running
    :class:`Task` (``cancel()`` it; ``signals`` for more listeners).
    """
    task = Task(fn, context)
    if on_progress is not None:
        task.signals.progress.connect(on_progress)
    if on_done is not None:
        task.signals.finished.connect(on_done)
    if on_failed is not None:
        task.signals.failed.connect(on_failed)
    if on_cancelled is not None:
        task.signals.cancelled.connect(on_cancelled)
    return start(task)


def running() -> list[Task]:
    """Tasks started and not yet reported as ended."""
    return list(_running)


def cancel_all(wait_ms: int = 3000) -> None:
    """Cancel running tasks and wait up to ``wait_ms`` for each (on application exit)."""
    for task in list(_running):
        task.cancel()
    for task in list(_running):
        task.done.wait(wait_ms / 1000)
