"""The review form, generated from the template.

Each section is a group box and each question the right widget for its type.
Answers save as they change: choices at once, text after a short pause in
typing (:data:`TEXT_SAVE_DELAY_MS`) and whenever the field loses focus, so
there is no Save button to forget.  ``show_if`` questions appear and disappear
live; required questions are marked with an asterisk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cctv_review.changes import Changes
from cctv_review.domain import LearningLevel
from cctv_review.store import StoreError
from cctv_review.template import Question
from cctv_review.ui.services import ReviewSession

TEXT_SAVE_DELAY_MS = 400


class NoWheelComboBox(QComboBox):
    """A combo box that lets the mouse wheel scroll the form unless it has focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _FocusOut(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            self._callback()
        return False


class CtrlEnter(QObject):
    """Ctrl+Enter in a multi-line text box runs ``callback`` instead of adding a line."""

    def __init__(self, widget: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            isinstance(event, QKeyEvent)
            and event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if event.type() == QEvent.Type.KeyPress:
                self._callback()
            event.accept()
            return True
        return False


class DebouncedText(QObject):
    """Saves a text widget's content after a pause in typing and on focus-out."""

    def __init__(self, widget: QWidget, getter: Callable[[], str], save: Callable[[str], None]) -> None:
        super().__init__(widget)
        self.widget = widget
        self._getter = getter
        self._save = save
        self._saved: str | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(TEXT_SAVE_DELAY_MS)
        self.timer.timeout.connect(self.flush)
        self._filter = _FocusOut(self.flush, self)
        widget.installEventFilter(self._filter)

    def set_saved(self, text: str) -> None:
        self._saved = text

    def changed(self) -> None:
        self.timer.start()

    @property
    def pending(self) -> bool:
        return self._saved is not None and self._getter() != self._saved

    def flush(self) -> None:
        self.timer.stop()
        text = self._getter()
        if self._saved is None or text == self._saved:
            return
        self._saved = text
        self._save(text)


class QuestionRow(QWidget):
    """One question: its label, its input widget and a line for problems."""

    def __init__(
        self, question: Question, on_change: Callable[[Question, Any], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.question = question
        self._on_change = on_change
        self._loading = False
        self.debounce: DebouncedText | None = None
        #: The text box of a "text" (multi-line) or "time" (one line) question.
        self.edit: QPlainTextEdit | QLineEdit
        self.setObjectName(f"question:{question.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.setSpacing(3)
        text = question.text + (" <span style='color:#b3261e'>*</span>" if question.required else "")
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        if question.help:
            self.label.setToolTip(question.help)
        layout.addWidget(self.label)
        self.buttons: dict[str, QRadioButton | QCheckBox] = {}
        kind = question.type
        if kind in ("yes_no",) or (kind == "single_choice" and len(question.options) <= 3):
            row = QHBoxLayout()
            self.group = QButtonGroup(self)
            self.group.setExclusive(False)  # lets a click on the chosen answer clear it
            for option in question.options:
                button = QRadioButton(option.label)
                button.setObjectName(f"{question.id}={option.value}")
                self.group.addButton(button)
                self.buttons[option.value] = button
                button.clicked.connect(lambda checked, v=option.value: self._radio_clicked(v, checked))
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        elif kind == "single_choice":
            self.combo = NoWheelComboBox()
            self.combo.setObjectName(question.id)
            self.combo.addItem("— choose —", None)
            for option in question.options:
                self.combo.addItem(option.label, option.value)
            self.combo.currentIndexChanged.connect(lambda _i: self._changed(self.combo.currentData()))
            self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            layout.addWidget(self.combo)
        elif kind == "multiple_choice":
            grid = QGridLayout()
            grid.setContentsMargins(0, 0, 0, 0)
            for i, option in enumerate(question.options):
                box = QCheckBox(option.label)
                box.setObjectName(f"{question.id}={option.value}")
                box.toggled.connect(lambda _c: self._changed(self._checked_values()))
                self.buttons[option.value] = box
                grid.addWidget(box, i // 2, i % 2)
            layout.addLayout(grid)
        elif kind == "text":
            self.edit = QPlainTextEdit()
            self.edit.setObjectName(question.id)
            self.edit.setTabChangesFocus(True)
            self.edit.setFixedHeight(64)
            self.edit.setPlaceholderText("Type here; it saves as you go.")
            self.debounce = DebouncedText(
                self.edit, self.edit.toPlainText, lambda t: self._on_change(question, t)
            )
            self.edit.textChanged.connect(self._text_changed)
            layout.addWidget(self.edit)
        elif kind == "time":
            row = QHBoxLayout()
            line = QLineEdit()
            self.edit = line
            line.setObjectName(question.id)
            line.setPlaceholderText("H:MM:SS")
            line.setMaximumWidth(140)
            self.debounce = DebouncedText(
                line, lambda: line.text().strip(), lambda t: self._on_change(question, t)
            )
            line.textChanged.connect(self._text_changed)
            row.addWidget(line)
            self.now_button = QPushButton("Use video time")
            self.now_button.setToolTip(
                "Fill in the recorded clock time of the frame on screen and its camera "
                "(the clip time when the clip's recorded start is not known)"
            )
            row.addWidget(self.now_button)
            row.addStretch(1)
            layout.addLayout(row)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#b3261e")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)

    # -- values ------------------------------------------------------------
    def _checked_values(self) -> list[str]:
        return [v for v, b in self.buttons.items() if b.isChecked()]

    def _radio_clicked(self, value: str, checked: bool) -> None:
        if self._loading:
            return
        for v, button in self.buttons.items():
            if v != value:
                button.setChecked(False)
        self._changed(value if checked else None)

    def _text_changed(self) -> None:
        if not self._loading and self.debounce is not None:
            self.debounce.changed()

    def _changed(self, value: Any) -> None:
        if not self._loading:
            self._on_change(self.question, value)

    def value(self) -> Any:
        kind = self.question.type
        if self.buttons and kind != "multiple_choice":
            return next((v for v, b in self.buttons.items() if b.isChecked()), None)
        if kind == "multiple_choice":
            return self._checked_values()
        if kind == "single_choice":
            return self.combo.currentData()
        if isinstance(self.edit, QPlainTextEdit):
            return self.edit.toPlainText()
        return self.edit.text().strip()

    def set_value(self, value: Any) -> None:
        self._loading = True
        try:
            kind = self.question.type
            if kind == "multiple_choice":
                values = set(value or [])
                for v, box in self.buttons.items():
                    box.setChecked(v in values)
            elif self.buttons:
                for v, button in self.buttons.items():
                    button.setChecked(v == value)
            elif kind == "single_choice":
                index = self.combo.findData(value) if value else 0
                self.combo.setCurrentIndex(max(0, index))
            elif isinstance(self.edit, QPlainTextEdit):
                if self.edit.toPlainText() != (value or ""):
                    self.edit.setPlainText(value or "")
            else:
                self.edit.setText(value or "")
            if self.debounce is not None:
                self.debounce.set_saved(self.value())
        finally:
            self._loading = False

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))


class ReviewForm(QWidget):
    """The generated form plus the overall outcome, for the open case."""

    completeRequested = Signal()
    problem = Signal(str)  # a save failed; the message says why
    timeRequested = Signal(object)  # a callback wanting the current clip time text

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.template = session.template
        self.rows: dict[str, QuestionRow] = {}
        self._loading = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("formProgress")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setMaximumHeight(10)
        self.progress_bar.setMaximumWidth(160)
        header.addWidget(self.progress_label, 1)
        header.addWidget(self.progress_bar)
        outer.addLayout(header)
        self.locked_banner = QLabel(
            "This case is complete, so the form is read-only. Use Case > Reopen to change it."
        )
        self.locked_banner.setObjectName("lockedBanner")
        self.locked_banner.setWordWrap(True)
        self.locked_banner.setStyleSheet("background:#e6f4ea; color:#0d652d; padding:6px; border-radius:4px")
        self.locked_banner.hide()
        outer.addWidget(self.locked_banner)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll_area, 1)
        body = QWidget()
        self.body = body
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 12, 4)
        self.sections: dict[str, QGroupBox] = {}
        for section in self.template.sections:
            box = QGroupBox(section.title)
            box.setObjectName(f"section:{section.id}")
            box_layout = QVBoxLayout(box)
            if section.description:
                desc = QLabel(section.description)
                desc.setWordWrap(True)
                desc.setStyleSheet("color:#555")
                box_layout.addWidget(desc)
            for question in section.questions:
                row = QuestionRow(question, self._answer_changed)
                if question.type == "time":
                    row.now_button.clicked.connect(lambda _=False, r=row: self._fill_time(r))
                self.rows[question.id] = row
                box_layout.addWidget(row)
            self.sections[section.id] = box
            layout.addWidget(box)

        # The overall outcome completes the case.
        self.outcome_box = QGroupBox("Overall outcome")
        self.outcome_box.setObjectName("section:outcome")
        ob = QVBoxLayout(self.outcome_box)
        ob.addWidget(QLabel("What does this case teach? <span style='color:#b3261e'>*</span>"))
        outcome_row = QHBoxLayout()
        self.outcome_group = QButtonGroup(self)
        self.outcome_buttons: dict[str, QRadioButton] = {}
        for level in LearningLevel:
            button = QRadioButton(level.label)
            button.setObjectName(f"outcome={level.value}")
            self.outcome_group.addButton(button)
            self.outcome_buttons[level.value] = button
            button.toggled.connect(self._outcome_toggled)
            outcome_row.addWidget(button)
        outcome_row.addStretch(1)
        ob.addLayout(outcome_row)
        ob.addWidget(QLabel("Rationale for the outcome <span style='color:#b3261e'>*</span>"))
        self.rationale = QPlainTextEdit()
        self.rationale.setObjectName("rationale")
        self.rationale.setTabChangesFocus(True)
        self.rationale.setFixedHeight(90)
        self.rationale.setPlaceholderText("Why this outcome? Saved as you type.")
        self.rationale_debounce = DebouncedText(
            self.rationale, self.rationale.toPlainText, self._save_rationale
        )
        self.rationale.textChanged.connect(self._rationale_changed)
        self._ctrl_enter = CtrlEnter(self.rationale, self.completeRequested.emit)
        ob.addWidget(self.rationale)
        buttons = QHBoxLayout()
        self.complete_button = QPushButton("Complete case")
        self.complete_button.setObjectName("completeButton")
        self.complete_button.clicked.connect(self.completeRequested)
        buttons.addStretch(1)
        buttons.addWidget(self.complete_button)
        ob.addLayout(buttons)
        layout.addWidget(self.outcome_box)
        layout.addStretch(1)
        self.scroll_area.setWidget(body)

        session.caseOpened.connect(lambda _c: self.load())
        session.changed.connect(self._changed)
        self.load()

    def _changed(self, changes: Changes) -> None:
        """The open case's row changed (completed, reopened): lock or unlock the form."""
        case_id = self.session.case_id
        if case_id is not None and case_id in changes.cases:
            self._update_locked()

    # -- loading -----------------------------------------------------------
    def load(self) -> None:
        """Show the open case's answers (flushing anything still waiting to save first)."""
        self._loading = True
        try:
            case = self.session.case
            answers = self.session.answers()
            for qid, row in self.rows.items():
                row.set_value(answers.get(qid))
                row.show_problem("")
            self.outcome_group.setExclusive(False)
            for value, button in self.outcome_buttons.items():
                button.setChecked(bool(case and case.outcome and case.outcome.value == value))
            self.outcome_group.setExclusive(True)
            text = case.outcome_rationale if case else ""
            if self.rationale.toPlainText() != text:
                self.rationale.setPlainText(text)
            self.rationale_debounce.set_saved(text)
        finally:
            self._loading = False
        self.setEnabled(case is not None)
        self._refresh(answers)
        self._update_locked()
        self.scroll_area.verticalScrollBar().setValue(0)

    def _update_locked(self) -> None:
        locked = self.session.locked
        self.locked_banner.setVisible(locked)
        self.body.setEnabled(not locked and self.session.case is not None)

    def _refresh(self, answers: dict[str, Any] | None = None) -> None:
        answers = self.session.answers() if answers is None else answers
        for _qid, row in self.rows.items():
            row.setVisible(self.template.applies(row.question, answers))
        if self.session.case is None:
            self.progress_label.setText("Open a case to review it.")
            self.progress_bar.setValue(0)
            return
        progress = self.session.progress(answers)
        self.progress_label.setText(progress.text)
        self.progress_bar.setMaximum(max(1, progress.applicable))
        self.progress_bar.setValue(progress.answered)

    # -- saving ------------------------------------------------------------
    def _answer_changed(self, question: Question, value: Any) -> None:
        if self._loading:
            return
        row = self.rows[question.id]
        try:
            self.session.set_answer(question.id, value)
        except ValueError as exc:
            row.show_problem(str(exc))
            return
        except StoreError as exc:
            self.problem.emit(str(exc))
            return
        row.show_problem("")
        self._refresh()

    def _rationale_changed(self) -> None:
        if not self._loading:
            self.rationale_debounce.changed()

    def _outcome_toggled(self, checked: bool) -> None:
        if checked and not self._loading:
            self._save_outcome()

    def _save_rationale(self, _text: str) -> None:
        self._save_outcome()

    def _save_outcome(self) -> None:
        level = next((v for v, b in self.outcome_buttons.items() if b.isChecked()), None)
        try:
            self.session.set_outcome(level, self.rationale.toPlainText())
            self.rationale_debounce.set_saved(self.rationale.toPlainText())
        except StoreError as exc:
            self.problem.emit(str(exc))

    def flush(self) -> None:
        """Save anything typed but not yet saved (before switching case, closing, completing)."""
        if self.session.case is None or self.session.locked:
            return
        for row in self.rows.values():
            if row.debounce is not None:
                row.debounce.flush()
        self.rationale_debounce.flush()

    @property
    def pending(self) -> bool:
        return self.rationale_debounce.pending or any(
            r.debounce.pending for r in self.rows.values() if r.debounce is not None
        )

    def _fill_time(self, row: QuestionRow) -> None:
        def fill(text: str) -> None:
            if isinstance(row.edit, QLineEdit):
                row.edit.setText(text)
            if row.debounce is not None:
                row.debounce.flush()

        self.timeRequested.emit(fill)

    def show_question(self, question_id: str) -> None:
        row = self.rows.get(question_id)
        if row is not None and row.isVisible():
            self.scroll_area.ensureWidgetVisible(row, 0, 40)


def video_time_text(camera: str, position_ms: int, recorded_at: datetime | None, tz: tzinfo) -> str:
    """What "Use video time" fills in a time question: ``23:14:05 (Cell 4)``.

    The recorded clock time (recorder's wall clock in the store's zone, clock
    correction applied, to the second) and the camera; when the clip's
    recorded start is not known, the clip time, said as such:
    ``0:01:05 (clip time, Cell 4)``.  Both match the template's ``time``
    answers (``H:MM:SS``, then the camera in brackets).
    """
    from cctv_review.domain import format_ms
    from cctv_review.recorded_time import format_clock

    name = " ".join(camera.split()).replace("(", "[").replace(")", "]") or "unnamed camera"
    if recorded_at is None:
        return f"{format_ms(position_ms, with_millis=False)} (clip time, {name})"
    return f"{format_clock(recorded_at, tz)} ({name})"
