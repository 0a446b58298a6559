"""The one place unexpected errors go in the GUI: the log, then a dialog.

``report_unexpected`` is called for uncaught exceptions (``sys.excepthook``)
and for background jobs that fail with anything but a
:class:`~cctv_review.errors.UserFacingError`.  It writes the traceback to the
log and shows a non-modal dialog that says what happened in plain words.
"""

from __future__ import annotations

import logging

log = logging.getLogger("cctv_review")


def report_unexpected(exc: BaseException, context: str = "", parent=None) -> None:
    """Log ``exc`` with its traceback and tell the user, without blocking.

    ``context`` is a short phrase for what was being done ("adding footage");
    it appears in the log and in the dialog.  Never raises.
    """
    try:
        log.error("Unexpected error%s", f" while {context}" if context else "", exc_info=exc)
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            return
        what = f" while {context}" if context else ""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "cctv-review",
            f"Something went wrong{what}: {exc}\n\nYour review is saved as you go.",
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setObjectName("unexpectedErrorDialog")
        box.open()
    except Exception:  # pragma: no cover - reporting an error must never raise
        pass
