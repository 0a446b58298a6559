"""Case > Assign second review… and Case > Moderate disagreements… (issue 14 items 2 and 4).

The second reviewer does the review itself in the ordinary case workspace: the
review session (:mod:`cctv_review.ui.services`) shows them, for a case assigned
to them and not yet completed, only their own (second) answers, findings and
outcome, and writes there; the first review appears once they complete theirs.
These dialogs are the lead's: assigning a case, and settling cases whose two
completed reviews disagree with a final outcome and a written reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import Case, Finding, LearningLevel, format_ms
from cctv_review.errors import UserFacingError
from cctv_review.ui.services import ReviewSession


class AssignSecondReviewDialog(QDialog):
    """Mark ``case`` for blind second review by a reviewer (their login name)."""

    def __init__(self, session: ReviewSession, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case = case
        self.setWindowTitle("Assign second review")
        layout = QVBoxLayout(self)
        current = session.second_review(case.id) if case.id is not None else None
        intro = (
            f"Case {case.reference} will be reviewed a second time, blind: the second reviewer sees "
            "nothing of the first review until they complete their own. Both reviews are kept."
        )
        if current is not None:
            intro += f"\n\nNow assigned to {current.reviewer} ({current.status.replace('_', ' ')})."
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.reviewer = QLineEdit()
        self.reviewer.setPlaceholderText("their login name, e.g. jsmith")
        names = [n for n in session.reviewers() if n not in {case.reviewer, case.completed_by}]
        self.reviewer.setCompleter(QCompleter(names, self))
        form.addRow("Second reviewer:", self.reviewer)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Assign")
        buttons.accepted.connect(self.assign)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def assign(self) -> bool:
        """Assign (the dialog stays open with the problem shown when refused)."""
        assert self.case.id is not None
        try:
            self.session.assign_second_review(self.case.id, self.reviewer.text())
        except UserFacingError as exc:
            self.problem.setText(str(exc))
            return False
        self.accept()
        return True


class ModerationDialog(QDialog):
    """The cases whose two completed reviews disagree; for the one chosen, a final outcome and reason."""

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("Moderate disagreements")
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Case", "First review", "Second review", "Final outcome"])
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        # The two reviews of the selected case, side by side (the lead may see both).
        sides = QHBoxLayout()
        self.first_text = QPlainTextEdit()
        self.second_text = QPlainTextEdit()
        for title, text in (("First review", self.first_text), ("Second review", self.second_text)):
            text.setReadOnly(True)
            column = QVBoxLayout()
            column.addWidget(QLabel(f"<b>{title}</b>"))
            column.addWidget(text)
            sides.addLayout(column)
        layout.addLayout(sides, 1)
        form = QFormLayout()
        self.outcome = QComboBox()
        for level in LearningLevel:
            self.outcome.addItem(level.label, level.value)
        form.addRow("Final outcome:", self.outcome)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Why this is the final outcome (goes in the audit trail)")
        self.reason.setFixedHeight(90)
        form.addRow("Reason:", self.reason)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b00020")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.addButton("Record final outcome", QDialogButtonBox.ButtonRole.ApplyRole)
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.rows = self.session.disagreements()
        waiting = sum(1 for d in self.rows if d.moderation is None)
        self.intro.setText(
            f"{len(self.rows)} case(s) where the two completed reviews disagree; {waiting} not moderated yet. "
            "The summary counts the final outcome and says how many were moderated."
            if self.rows
            else "No case has two completed reviews that disagree."
        )
        self.table.setRowCount(len(self.rows))
        for i, d in enumerate(self.rows):
            cells = [
                d.reference,
                d.first.label if d.first else "-",
                d.second.label if d.second else "-",
                d.moderation.final_outcome.label if d.moderation else "not moderated",
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, d.case_id)
                self.table.setItem(i, j, item)
        self.save_button.setEnabled(bool(self.rows))
        if self.rows and not self.table.selectedItems():
            self.table.selectRow(0)

    def _selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows):
            self._show_reviews(self.rows[row].case_id)
        if 0 <= row < len(self.rows) and self.rows[row].moderation is not None:
            moderation = self.rows[row].moderation
            assert moderation is not None
            self.outcome.setCurrentIndex(self.outcome.findData(moderation.final_outcome.value))
            self.reason.setPlainText(moderation.reason)

    def _show_reviews(self, case_id: int) -> None:
        try:
            case, _answers, findings = self.session.first_review(case_id)
        except UserFacingError as exc:  # the lead's own blind second review: not shown
            self.first_text.setPlainText(str(exc))
        else:
            self.first_text.setPlainText(
                _review_text(case.reviewer, case.outcome, case.outcome_rationale, findings)
            )
        second, _second_answers, second_findings = self.session.second_review_record(case_id)
        self.second_text.setPlainText(
            _review_text(second.reviewer, second.outcome, second.outcome_rationale, second_findings)
            if second is not None
            else ""
        )

    def save(self) -> bool:
        """Record the final outcome of the selected case; a refusal is shown in the dialog."""
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            self.problem.setText("Choose a case in the list.")
            return False
        try:
            self.session.moderate(
                self.rows[row].case_id, self.outcome.currentData(), self.reason.toPlainText()
            )
        except UserFacingError as exc:
            self.problem.setText(str(exc))
            return False
        self.problem.setText("")
        self.refresh()
        self.table.selectRow(row)
        return True


def _review_text(
    reviewer: str, outcome: LearningLevel | None, rationale: str, findings: list[Finding]
) -> str:
    """One review as the lead reads it beside the other: who, outcome, rationale, findings."""
    lines = [
        f"Reviewer: {reviewer or '-'}",
        f"Outcome: {outcome.label if outcome else '-'}",
        f"Rationale: {rationale or '-'}",
        f"Findings: {len(findings)}",
    ]
    lines += [f"  - {format_ms(f.position_ms)} {f.theme} ({f.level.label}): {f.note}" for f in findings]
    return "\n".join(lines)
