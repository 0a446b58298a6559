"""Ctrl+G "Go to time": a recorded clock time, a date and time, or a time in the clip.

The reviewer types what they read in a custody record or on the burned-in
clock: ``23:14:05`` (the moment inside the detention's recorded range), a date
and time (``2026-03-14 23:14:05``), or, with "Time in this clip" chosen, a
position in the open clip (``0:12:05``).  The parsing is plain Python
(:func:`cctv_review.timeline_model.recorded_candidates`,
:func:`~cctv_review.timeline_model.parse_clip_time`); this dialog only
collects the text and, when a clock time names two moments (the detention
crosses midnight, or the clocks go back that night), lists both for the
reviewer to choose.  Bad input keeps the dialog open with what was typed and a
line saying what to type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.timeline_model import (
    CLIP_HELP,
    CLOCK_HELP,
    GotoError,
    describe_candidate,
    format_clock,
    parse_clip_time,
    recorded_candidates,
)


@dataclass(frozen=True)
class GotoTarget:
    """Where to go: a recorded moment (``when``, aware) or a position in the open clip (``position_ms``)."""

    when: datetime | None = None
    position_ms: int | None = None


class GotoTimeDialog(QDialog):
    """Ask for a time to go to; :attr:`target` holds the answer once accepted.

    ``start``/``end``: the detention's recorded range (None when no clip has a
    recorded start: only clip times and dates then); ``clip_duration_ms``: the
    open clip's length (None when no clip is open: only recorded times).
    """

    def __init__(
        self,
        tz: tzinfo,
        start: datetime | None,
        end: datetime | None,
        clip_duration_ms: int | None,
        parent: QWidget | None = None,
        clip_mode: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("gotoTimeDialog")
        self.setWindowTitle("Go to time")
        self.tz, self.start, self.end = tz, start, end
        self.clip_duration_ms = clip_duration_ms
        self.target: GotoTarget | None = None
        self._candidates: list[datetime] = []

        layout = QVBoxLayout(self)
        self.recorded_radio = QRadioButton("&Recorded time (the recorder's clock)")
        self.clip_radio = QRadioButton("Time in this &clip")
        group = QButtonGroup(self)
        group.addButton(self.recorded_radio)
        group.addButton(self.clip_radio)
        layout.addWidget(self.recorded_radio)
        layout.addWidget(self.clip_radio)
        self.edit = QLineEdit()
        self.edit.setObjectName("gotoTimeEdit")
        layout.addWidget(self.edit)
        self.hint = QLabel()
        self.hint.setObjectName("gotoTimeHint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.choices = QListWidget()
        self.choices.setObjectName("gotoTimeChoices")
        self.choices.hide()
        layout.addWidget(self.choices)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Go")
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.clip_radio.setEnabled(clip_duration_ms is not None)
        (self.clip_radio if clip_mode and clip_duration_ms is not None else self.recorded_radio).setChecked(
            True
        )
        self.recorded_radio.toggled.connect(lambda _on: self._mode_changed())
        self.edit.textEdited.connect(lambda _t: self._forget_choices())
        self.choices.itemDoubleClicked.connect(lambda _i: self.try_accept())
        self._mode_changed()
        self.resize(460, self.sizeHint().height())

    # -- modes and messages --------------------------------------------------------------
    @property
    def clip_mode(self) -> bool:
        return self.clip_radio.isChecked()

    def _mode_changed(self) -> None:
        self._forget_choices()
        if self.clip_mode:
            self.edit.setPlaceholderText("0:12:05")
            self.show_hint(f"Type {CLIP_HELP}.")
        else:
            self.edit.setPlaceholderText("23:14:05")
            where = ""
            if self.start is not None and self.end is not None:
                where = (
                    f" The footage runs {format_clock(self.start, self.tz, True)} to "
                    f"{format_clock(self.end, self.tz, True)}."
                )
            self.show_hint(f"Type {CLOCK_HELP}.{where}")

    def show_hint(self, text: str, error: bool = False) -> None:
        self.hint.setText(text)
        self.hint.setStyleSheet("color:#b3261e; font-weight:600" if error else "")
        self.hint.setProperty("error", error)

    def _forget_choices(self) -> None:
        if self._candidates:
            self._candidates = []
            self.choices.clear()
            self.choices.hide()

    # -- the answer --------------------------------------------------------------------
    def try_accept(self) -> None:
        """Read the text; accept with :attr:`target`, ask which moment, or say what to type."""
        text = self.edit.text()
        try:
            if self.clip_mode:
                self.target = GotoTarget(position_ms=parse_clip_time(text, self.clip_duration_ms))
                self.accept()
                return
            if self._candidates:
                item = self.choices.currentItem()
                if item is None:
                    self.show_hint("Choose one of the moments listed, then press Go.", error=True)
                    return
                self.target = GotoTarget(when=item.data(Qt.ItemDataRole.UserRole))
                self.accept()
                return
            found = recorded_candidates(text, self.tz, self.start, self.end)
        except GotoError as exc:
            self.show_hint(str(exc), error=True)
            self.edit.setFocus()
            return
        if len(found) == 1:
            self.target = GotoTarget(when=found[0])
            self.accept()
            return
        self._candidates = found
        self.choices.clear()
        for when in found:
            item = QListWidgetItem(describe_candidate(when, self.tz))
            item.setData(Qt.ItemDataRole.UserRole, when)
            self.choices.addItem(item)
        self.choices.setCurrentRow(0)
        self.choices.show()
        self.choices.setFocus()
        self.show_hint(
            f"{text.strip()} happens more than once in this footage (it crosses midnight, or the clocks "
            "went back that night). Choose which one, then press Go."
        )
