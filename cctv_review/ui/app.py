"""Start the desktop application.

:func:`run_gui` sets up the log file (:mod:`cctv_review.logsetup`), routes
uncaught exceptions to the crash dialog (:mod:`cctv_review.ui.errors`), opens
the store and shows the main window.

Smoke test (for the frozen build; not a user feature): with
``CCTV_REVIEW_SMOKE_EXIT_MS=N`` in the environment, the application waits
until the window is shown, then N milliseconds more, checks that a case is open
in it, writes ``smoke test passed: …`` (or ``smoke test FAILED: …``) to the log
and quits with exit code 0 (or 3).  ``packaging/smoke_test.py`` runs the frozen
``cctv-review --demo`` this way with ``QT_QPA_PLATFORM=offscreen`` and reads
the log, the only output a windowed Windows program has.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from cctv_review.ui.main_window import MainWindow

ORGANISATION = "cctv-review"
APP_NAME = "cctv-review"
SMOKE_EXIT_ENV = "CCTV_REVIEW_SMOKE_EXIT_MS"
EXIT_SMOKE_FAILED = 3

log = logging.getLogger("cctv_review")


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication, with the names QSettings uses and the style sheet."""
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(argv if argv is not None else sys.argv)
    )
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("cctv-review")
    try:
        from cctv_review.resources_path import resources_dir

        style = resources_dir() / "styles" / "app.qss"
        if style.is_file():
            app.setStyleSheet(style.read_text(encoding="utf-8"))
    except (OSError, FileNotFoundError):
        pass
    return app


def install_exception_hook(window_getter: Callable[[], QWidget | None]) -> None:
    """Send uncaught exceptions (any thread) to the log and a dialog instead of the application dying.

    A :class:`~cctv_review.errors.UserFacingError` that escapes is shown as its
    plain message; anything else goes to
    :func:`cctv_review.ui.errors.report_unexpected` (log + crash dialog).
    ``window_getter`` returns the window to put the dialog over (or None).
    """
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QApplication, QMessageBox

    from cctv_review.errors import UserFacingError
    from cctv_review.logsetup import install_exception_hooks
    from cctv_review.ui.errors import report_unexpected

    def report(exc: BaseException, context: str) -> None:
        app = QApplication.instance()
        on_gui_thread = app is not None and QThread.currentThread() is app.thread()
        parent = window_getter() if on_gui_thread else None
        if isinstance(exc, UserFacingError) and on_gui_thread:
            log.warning("%s", exc)
            box = QMessageBox(
                QMessageBox.Icon.Warning, "cctv-review", str(exc), QMessageBox.StandardButton.Ok, parent
            )
            box.open()
            return
        report_unexpected(exc, context, parent)

    install_exception_hooks(report)


def create_window(db_path: Path, *, restore: bool = True, stills_dir: Path | None = None) -> MainWindow:
    """Open the store and build the main window (the caller owns both)."""
    from cctv_review.store import Store
    from cctv_review.template import load_template
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    store = Store(db_path)
    session = ReviewSession(store, load_template(), stills_dir=stills_dir)
    window = MainWindow(session, restore=restore)
    return window


def _smoke_check(app: QApplication, window: MainWindow) -> None:
    """The smoke test's verdict: the window is shown with a case open (see the module docstring)."""
    case = window.session.case
    problems = []
    if not window.isVisible():
        problems.append("the main window is not visible")
    if case is None:
        problems.append("no case is open")
    if problems:
        log.error("smoke test FAILED: %s", "; ".join(problems))
        app.exit(EXIT_SMOKE_FAILED)
        return
    assert case is not None
    clips = len(window.session.clips())
    log.info("smoke test passed: window shown with case %s open (%d clips); exiting", case.reference, clips)
    app.exit(0)


def _arm_smoke_exit(app: QApplication, window: MainWindow) -> None:
    from PySide6.QtCore import QTimer

    text = os.environ.get(SMOKE_EXIT_ENV, "")
    if not text:
        return
    try:
        delay_ms = int(text)
    except ValueError:
        log.error("%s=%r is not a number of milliseconds; ignored", SMOKE_EXIT_ENV, text)
        return
    log.info("smoke test: will check the window and exit %d ms after it is shown", delay_ms)
    QTimer.singleShot(delay_ms, lambda: _smoke_check(app, window))


def run_gui(db_path: Path | None = None, demo: bool = False) -> int:
    """Run the application until its window closes; return the exit code (0 = normal)."""
    from PySide6.QtWidgets import QMessageBox

    from cctv_review.errors import UserFacingError
    from cctv_review.logsetup import setup_logging
    from cctv_review.paths import default_db_path

    app = make_app()
    setup_logging("gui" + (" --demo" if demo else ""))
    window: MainWindow | None = None
    install_exception_hook(lambda: window)
    demo_dir = None
    try:
        if demo:
            from cctv_review.demo import build_demo

            # ignore_cleanup_errors: on Windows a clip or the store may still be held open at exit.
            demo_dir = tempfile.TemporaryDirectory(prefix="cctv-review-demo-", ignore_cleanup_errors=True)
            db_path = build_demo(Path(demo_dir.name))
            print(f"cctv-review demo: a throw-away store in {demo_dir.name}", file=sys.stderr)
        window = create_window(Path(db_path) if db_path else default_db_path())
    except UserFacingError as exc:
        log.warning("could not open the store: %s", exc)
        QMessageBox.critical(None, "cctv-review", str(exc))
        return 2
    if demo:
        window.title_suffix = " (demo: a throw-away store)"
        window.setWindowTitle(window.windowTitle() + window.title_suffix)
    window.show()
    _arm_smoke_exit(app, window)
    code = app.exec()
    window.shutdown()
    window.session.store.close()
    if demo_dir is not None:
        demo_dir.cleanup()
    log.info("cctv-review closing (exit code %d)", code)
    return code
