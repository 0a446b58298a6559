"""Reason for viewing: ask why a case's footage is being watched, and audit the answer.

Force CCTV policies (and the Surveillance Camera Code of Practice's rule that
access to recorded images is restricted and recorded) require each viewing of
custody footage to be justified.  When the store's setting
:data:`SETTING_KEY` is on (Tools > Ask for a reason for viewing; off by
default), the first time a case's footage is opened in a session the
reviewer is asked for a reason; the reason goes to the audit trail as
``footage.viewing_reason`` (case id, reference, reason).  Cancel does not
open the footage: the case stays open (its form and findings), with no clips
shown, until it is opened again.  A reason counts for the rest of the
session (the window's lifetime), so moving between a case's clips or
reopening it does not ask again.

:class:`ViewingGate` is the whole rule, given a way to ask (the dialog by
default; tests give their own); the footage controller calls
:meth:`ViewingGate.allow` before it shows a case's clips.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cctv_review.store import StoreError

#: The store setting (JSON bool) that turns the rule on.
SETTING_KEY = "viewing_reason_required"

#: Asks for a reason: (case reference, parent widget) -> the reason, or None when cancelled.
AskReason = Callable[[str, Any], "str | None"]


class ViewingReasonDialog(QDialog):
    """ "Why are you viewing this footage?": a reason (required) and OK / Cancel."""

    def __init__(self, reference: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reason for viewing")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"This store records why custody footage is viewed. Why are you viewing the footage of "
            f'case {reference}? (e.g. "Inspection sample, case review", "Complaint reference 123"). '
            "The reason is kept in the audit trail with your name and the time."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.reason = QPlainTextEdit()
        self.reason.setObjectName("viewingReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 4 + 12)
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("View footage")
        ok.setEnabled(False)
        self.reason.textChanged.connect(lambda: ok.setEnabled(bool(self.text())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())

    def text(self) -> str:
        return self.reason.toPlainText().strip()


def ask_with_dialog(reference: str, parent: Any) -> str | None:
    """Show :class:`ViewingReasonDialog` (modal); the reason typed, or None when cancelled."""
    dialog = ViewingReasonDialog(reference, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.text():
        return dialog.text()
    return None


class ViewingGate:
    """Whether the open case's footage may be shown now (asking for a reason when the store says so).

    ``session`` is the :class:`~cctv_review.ui.services.ReviewSession`;
    ``ask`` asks for a reason (default: :func:`ask_with_dialog`).  The cases
    given a reason in this session are remembered in :attr:`allowed`.
    """

    def __init__(self, session: Any, parent: Any = None, ask: AskReason | None = None) -> None:
        self.session = session
        self.parent = parent
        self.ask: AskReason = ask or ask_with_dialog
        self.allowed: set[int] = set()

    def allow(self) -> bool:
        """True when the open case's footage may be shown: no rule, a reason given earlier, or now.

        On a read-only store nothing is audited (its notice says so) and the
        reason lets the reviewer view; a reason the store fails to record
        (:class:`~cctv_review.store.StoreError`) is reported and the footage
        stays closed.
        """
        case = self.session.case
        if case is None or case.id is None:
            return True
        if case.id in self.allowed or not self.session.viewing_reason_required():
            return True
        reason = self.ask(case.reference, self.parent)
        if not reason or not reason.strip():
            return False
        try:
            self.session.record_viewing_reason(case.id, reason)
        except StoreError as exc:  # not recorded: the footage stays closed, as the policy requires
            QMessageBox.warning(
                self.parent,
                "Reason for viewing",
                f"The reason could not be recorded, so the footage is not shown. {exc}",
            )
            return False
        self.allowed.add(case.id)
        return True
