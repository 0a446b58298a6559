"""The one place unexpected errors go in the GUI: the log, then the crash dialog.

``report_unexpected`` is called for uncaught exceptions (``sys.excepthook`` and
``threading.excepthook``, installed by :func:`cctv_review.logsetup.install_exception_hooks`)
and for background jobs that fail with anything but a
:class:`~cctv_review.errors.UserFacingError`.  It writes the traceback to the
log file and shows :class:`CrashDialog`: what happened in plain words, that the
review is saved, where the log file is, and a "Copy details" button for IT.
It may be called from any thread: the dialog is always built on the GUI thread.
The dialog is non-modal (nothing waits on it, so tests never block), and a
second error while it is open is added to the same dialog rather than opening
another.

What "Copy details" carries (:func:`crash_details`): the versions of
cctv-review, Python, the OS, Qt, FFmpeg, OpenCV and SQLite; what was being done
(a fixed phrase such as "adding footage"); and the traceback.  Nothing is added
from the store: no case reference, reviewer, database or clip path.  The
traceback's own text is kept as it is, because IT cannot act without it; it
may contain what the exception's message names (say, a file that could not be
read), which is also what the user sees in the dialog before copying.  The
user's home folder in paths is shown as ``~``, so the Windows user name in
``C:\\Users\\<name>\\…`` does not travel with the details.
"""

from __future__ import annotations

import logging
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger("cctv_review")

DIALOG_OBJECT_NAME = "unexpectedErrorDialog"


def _scrub_home(text: str) -> str:
    home = str(Path.home())
    if len(home) > 3:  # never replace "/" or "C:\"
        text = text.replace(home, "~")
    return text


def crash_details(exc: BaseException, context: str = "") -> str:
    """The text "Copy details" puts on the clipboard: versions, what was being done, traceback.

    See the module docstring for what is (and is not) in it.
    """
    from cctv_review.logsetup import format_versions, log_path

    lines = [
        "cctv-review: unexpected error" + (f" while {context}" if context else ""),
        "",
        format_versions(),
        f"Log file: {log_path()}",
        "",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip(),
    ]
    return _scrub_home("\n".join(lines))


class CrashDialog(QDialog):
    """Says an unexpected error happened, where the log is, and offers "Copy details".

    Non-modal.  ``details`` (a read-only text box, shown folded) holds exactly
    what "Copy details" copies.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from cctv_review.logsetup import log_path

        self.setObjectName(DIALOG_OBJECT_NAME)
        self.setWindowTitle("cctv-review: something went wrong")
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.count = 0
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = QLabel(
            f"The details are also in the log file:\n{_scrub_home(str(log_path()))}\n"
            "If this keeps happening, press Copy details and paste them into an e-mail to your IT "
            "support. They contain version numbers and where in the program the error happened, "
            "nothing from your cases."
        )
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setObjectName("details")
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setVisible(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setObjectName("copyDetails")
        self.show_button = QPushButton("Show details")
        self.show_button.setCheckable(True)
        self.open_log_button = QPushButton("Open log folder")
        for button in (self.copy_button, self.show_button, self.open_log_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        self.show_button.toggled.connect(self.details.setVisible)
        self.open_log_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_path().parent)))
        )
        buttons.rejected.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.where)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(560, 240)

    def add_error(self, exc: BaseException, context: str = "") -> None:
        """Show ``exc`` (a second call adds to the details and counts, rather than replacing)."""
        self.count += 1
        what = f" while {context}" if context else ""
        plain = (
            f"cctv-review met a problem it did not expect{what}:\n{type(exc).__name__}: {exc}\n\n"
            "Your review is saved as you go, so nothing you had typed before this is lost. "
            "You can carry on; if something looks wrong, restart the application."
        )
        if self.count > 1:
            plain += f"\n\n({self.count} unexpected errors since this message opened.)"
        self.message.setText(_scrub_home(plain))
        text = crash_details(exc, context)
        previous = self.details.toPlainText()
        self.details.setPlainText(f"{previous}\n\n{'-' * 60}\n{text}" if previous else text)

    def copy_details(self) -> None:
        """Put the details on the clipboard (for an e-mail to IT)."""
        QGuiApplication.clipboard().setText(self.details.toPlainText())


_dialog: CrashDialog | None = None


def _show(exc: BaseException, context: str, parent: QWidget | None) -> None:
    global _dialog
    if _dialog is None:
        _dialog = CrashDialog(parent)
        _dialog.destroyed.connect(_forget_dialog)
    _dialog.add_error(exc, context)
    _dialog.show()
    _dialog.raise_()


def _forget_dialog(*_args: object) -> None:
    global _dialog
    _dialog = None


class _ToGuiThread(QObject):
    """Carries a report from a worker thread to the GUI thread (a queued signal)."""

    report = Signal(object, str)

    def __init__(self) -> None:
        super().__init__()
        self.report.connect(self._show)  # queued when emitted from another thread

    def _show(self, exc: BaseException, context: str) -> None:  # GUI thread
        _show(exc, context, None)


_bridge: _ToGuiThread | None = None
_bridge_lock = threading.Lock()


def _gui_bridge(app: QApplication) -> _ToGuiThread:
    global _bridge
    with _bridge_lock:
        if _bridge is None:
            _bridge = _ToGuiThread()
            _bridge.moveToThread(app.thread())
        return _bridge


def report_unexpected(exc: BaseException, context: str = "", parent: QWidget | None = None) -> None:
    """Log ``exc`` with its traceback and show the crash dialog, without blocking.

    ``context`` is a short phrase for what was being done ("adding footage");
    it appears in the log and in the dialog.  Safe from any thread (``parent``
    is used only on the GUI thread).  Without a QApplication it only logs.
    Never raises.
    """
    try:
        log.error("Unexpected error%s", f" while {context}" if context else "", exc_info=exc)
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        if QThread.currentThread() is app.thread():
            _show(exc, context, parent)
        else:
            _gui_bridge(app).report.emit(exc, context)
    except Exception:  # pragma: no cover - reporting an error must never raise
        pass
