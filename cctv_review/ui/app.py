"""Start the desktop application."""

from __future__ import annotations

import sys
import tempfile
import traceback
from pathlib import Path

ORGANISATION = "cctv-review"
APP_NAME = "cctv-review"


def make_app(argv: list[str] | None = None):
    """The QApplication, with the names QSettings uses and the style sheet."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
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


def install_exception_hook(window_getter) -> None:
    """Show unexpected errors in a message instead of the application dying."""
    from PySide6.QtWidgets import QMessageBox

    def hook(kind, value, tb):
        traceback.print_exception(kind, value, tb)
        try:
            from cctv_review.errors import UserFacingError

            if isinstance(value, UserFacingError):
                text = str(value)
            else:
                text = (
                    f"Something went wrong: {value}\n\nYour review is saved as you go; "
                    "if this keeps happening, restart the application and report the details below."
                )
            box = QMessageBox(QMessageBox.Warning, "cctv-review", text, QMessageBox.Ok, window_getter())
            box.setDetailedText("".join(traceback.format_exception(kind, value, tb)))
            box.open()
        except Exception:  # pragma: no cover - never fail inside the hook
            pass

    sys.excepthook = hook


def create_window(db_path: Path, *, restore: bool = True, stills_dir: Path | None = None):
    """Open the store and build the main window (the caller owns both)."""
    from cctv_review.store import Store
    from cctv_review.template import load_template
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    store = Store(db_path)
    session = ReviewSession(store, load_template(), stills_dir=stills_dir)
    window = MainWindow(session, restore=restore)
    return window


def run_gui(db_path: Path | None = None, demo: bool = False) -> int:
    from PySide6.QtWidgets import QMessageBox

    from cctv_review.errors import UserFacingError
    from cctv_review.paths import default_db_path

    app = make_app()
    window = None
    install_exception_hook(lambda: window)
    demo_dir = None
    try:
        if demo:
            from cctv_review.demo import build_demo

            demo_dir = tempfile.TemporaryDirectory(prefix="cctv-review-demo-")
            db_path = build_demo(Path(demo_dir.name))
            print(f"cctv-review demo: a throw-away store in {demo_dir.name}", file=sys.stderr)
        window = create_window(Path(db_path) if db_path else default_db_path())
    except UserFacingError as exc:
        QMessageBox.critical(None, "cctv-review", str(exc))
        return 2
    if demo:
        window.title_suffix = " (demo: a throw-away store)"
        window.setWindowTitle(window.windowTitle() + window.title_suffix)
    window.show()
    code = app.exec()
    window.shutdown()
    window.session.store.close()
    if demo_dir is not None:
        demo_dir.cleanup()
    return code
