"""The case details dialog: a new case, or an open case's details edited afterwards.

Reference, custody suite, detention date, reviewer and flags.  A new case has
no detention date until one is given: the "Known" box starts unticked, and
choosing a date ticks it.  Editing shows the case as stored; :meth:`CaseDialog.changes`
returns only what the reviewer changed (the session saves it, audited as
``case.changed``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import CASE_FLAGS, Case

#: The date box at this date shows "not known" (Qt's special value text).
NOT_KNOWN = QDate(1900, 1, 1)


class CaseDialog(QDialog):
    """New case (``case=None``) or edit case details (``case`` given, shown as stored)."""

    def __init__(
        self, suites: list[str], reviewer: str, parent: QWidget | None = None, case: Case | None = None
    ) -> None:
        super().__init__(parent)
        self.case = case
        self.setWindowTitle("New case" if case is None else f"Case details: {case.reference}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.reference = QLineEdit(case.reference if case else "")
        self.reference.setPlaceholderText("e.g. the custody record number")
        form.addRow("&Reference *", self.reference)
        self.suite = QComboBox()
        self.suite.setEditable(True)
        self.suite.addItems(["", *suites])
        if case is not None:
            self.suite.setCurrentText(case.custody_suite)
        form.addRow("Custody &suite", self.suite)
        row = QHBoxLayout()
        self.date_known = QCheckBox("Known:")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMinimumDate(NOT_KNOWN)
        self.date.setSpecialValueText("not known")  # shown at the minimum date: no date until one is given
        known = case is not None and case.detention_date is not None
        if case is not None and case.detention_date is not None:
            d = case.detention_date
            self.date.setDate(QDate(d.year, d.month, d.day))
        else:
            self.date.setDate(NOT_KNOWN)
        self.date_known.setChecked(known)
        self.date.setEnabled(known)
        self.date_known.toggled.connect(self._known_toggled)
        self.date.dateChanged.connect(self._date_changed)
        row.addWidget(self.date_known)
        row.addWidget(self.date, 1)
        form.addRow("Detention date", row)
        self.reviewer = QLineEdit(case.reviewer if case is not None else reviewer)
        form.addRow("Re&viewer", self.reviewer)
        flags = QWidget()
        grid = QGridLayout(flags)
        grid.setContentsMargins(0, 0, 0, 0)
        self.flags: dict[str, QCheckBox] = {}
        for i, (flag, label) in enumerate(CASE_FLAGS.items()):
            box = QCheckBox(label)
            box.setChecked(bool(case is not None and getattr(case, flag)))
            self.flags[flag] = box
            grid.addWidget(box, i // 2, i % 2)
        form.addRow("Flags", flags)
        layout.addLayout(form)
        if case is not None:
            note = QLabel("Changes are recorded in the audit trail and show in the summary and exports.")
            note.setWordWrap(True)
            note.setStyleSheet("color:#555")
            layout.addWidget(note)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b3261e")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _known_toggled(self, known: bool) -> None:
        self.date.setEnabled(known)
        if known and self.date.date() == NOT_KNOWN:
            self.date.setDate(QDate.currentDate())  # a starting point for the calendar, now ticked
        elif not known:
            self.date.setDate(NOT_KNOWN)

    def _date_changed(self, value: QDate) -> None:
        if value != NOT_KNOWN:
            self.date_known.setChecked(True)  # a date chosen is a date known

    def _accept(self) -> None:
        if not self.reference.text().strip():
            self.error.setText("A case needs a reference.")
            return
        self.accept()

    def values(self) -> dict[str, Any]:
        """What the dialog holds: reference, custody_suite, detention_date (None unless known), reviewer, flags."""
        # QDate.toPython() is typed ``object`` in PySide6's stubs; it returns a datetime.date.
        known = self.date_known.isChecked() and self.date.date() != NOT_KNOWN
        d: date | None = self.date.date().toPython() if known else None  # type: ignore[assignment]
        return {
            "reference": self.reference.text().strip(),
            "custody_suite": self.suite.currentText().strip(),
            "detention_date": d,
            "reviewer": self.reviewer.text().strip(),
            "flags": [f for f, box in self.flags.items() if box.isChecked()],
        }

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the case being edited (``Store.update_case`` names; flags one by one)."""
        values = self.values()
        if self.case is None:
            return values
        wanted: dict[str, Any] = {
            "reference": values["reference"],
            "custody_suite": values["custody_suite"],
            "detention_date": values["detention_date"],
            "reviewer": values["reviewer"],
            **{flag: flag in values["flags"] for flag in CASE_FLAGS},
        }
        return {k: v for k, v in wanted.items() if getattr(self.case, k) != v}
