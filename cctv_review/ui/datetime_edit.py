"""A date-time box where what is typed is what is stored, to the second.

Qt's ``QDateTimeEdit`` edits one section at a time: typing
``2026-03-20 01:00:30`` over a selected value is parsed section by section
and can come out as 01:21:00, and a value made from "now" carries its
milliseconds.  :class:`RecordedDateTimeEdit` is a plain line edit instead: the
text is parsed whole by :func:`cctv_review.recorded_time.typed_local`
(``YYYY-MM-DD HH:MM:SS``, to the second, nothing added), in the store's
recorder zone:

* a time in the hour that happens twice (clocks going back) shows a choice,
  "01:30:00 BST (first)" or "01:30:00 GMT (second)", and there is no value
  until the reviewer picks one;
* a time in the hour that never happens (clocks going forward) is refused,
  with a message saying so;
* anything else that is not such a date-time is refused with an example.

The message shows under the box (what happened and what to type); nothing the
reviewer typed is changed or lost.  Used for clips' recorded start, the clock
correction and wherever else a recorded time is typed.

API (kept small)::

    edit = RecordedDateTimeEdit(session.zone(), optional=True)
    edit.set_value(clip.recorded_start)   # aware datetime or None
    when = edit.value()                   # aware datetime in the zone, None if blank;
                                          # raises RecordedTimeError (its message says why)
    edit.is_valid()                       # False while the text cannot be used
    edit.valueChanged                     # Signal(object): a new valid value (or None)
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from cctv_review.recorded_time import (
    RecordedTimeError,
    format_recorded,
    is_ambiguous,
    localize,
    typed_local,
)

#: How a recorded date-time is typed (and shown) in the box.
TYPED_FORMAT = "%Y-%m-%d %H:%M:%S"
PLACEHOLDER = "YYYY-MM-DD HH:MM:SS"


class RecordedDateTimeEdit(QWidget):
    """A recorded date-time typed as ``2026-03-20 01:00:30`` in one time zone (see the module docstring).

    ``tz`` is the store's recorder zone (``ReviewSession.zone()``); values in
    and out are aware datetimes.  ``optional``: a blank box means "not known"
    (``value()`` is None); otherwise a blank box is a problem.
    """

    #: A new valid value (aware datetime, or None for a blank optional box).
    valueChanged = Signal(object)

    def __init__(self, tz: tzinfo, parent: QWidget | None = None, *, optional: bool = True) -> None:
        super().__init__(parent)
        self.tz = tz
        self.optional = optional
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit()
        self.line.setObjectName("recordedDateTime")
        self.line.setPlaceholderText(PLACEHOLDER)
        self.line.setToolTip(
            f"Type the date and time as the recorder shows it ({PLACEHOLDER}), in {tz}. "
            "It is kept exactly as typed, to the second."
        )
        row.addWidget(self.line, 1)
        self.which = QComboBox()
        self.which.setObjectName("recordedWhich")
        self.which.setToolTip("This time happens twice the night the clocks go back: which one is it?")
        self.which.hide()
        row.addWidget(self.which)
        layout.addLayout(row)
        self.message = QLabel()
        self.message.setObjectName("recordedDateTimeProblem")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color:#b3261e")
        self.message.hide()
        layout.addWidget(self.message)
        self.setFocusProxy(self.line)
        self._last: object = ...
        self.line.textChanged.connect(self._text_changed)
        self.line.editingFinished.connect(lambda: self._check(finished=True))
        self.which.currentIndexChanged.connect(lambda _i: self._check())

    # -- the API -----------------------------------------------------------------
    def set_value(self, when: datetime | None) -> None:
        """Show ``when`` (aware; naive is taken as UTC) as wall-clock time in the zone, to the second.

        In the repeated hour the right occurrence is chosen for it.
        """
        if when is None:
            self.line.setText("")
            return
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        local = when.astimezone(self.tz)
        self.line.setText(local.strftime(TYPED_FORMAT))
        if self.which.isVisible() or is_ambiguous(local.replace(tzinfo=None), self.tz):
            self._offer_choice(local.replace(tzinfo=None))
            self.which.setCurrentIndex(2 if local.fold else 1)

    def value(self) -> datetime | None:
        """The typed date-time, aware in the zone, to the second; None when blank and optional.

        Raises :class:`~cctv_review.recorded_time.RecordedTimeError` (message
        for the reviewer) when the text is not a date-time, is blank but
        required, never happened (clocks going forward) or happens twice and
        no occurrence was chosen.
        """
        text = self.line.text().strip()
        if not text:
            if self.optional:
                return None
            raise RecordedTimeError(f"Type the date and time ({PLACEHOLDER}).")
        local = typed_local(text)
        if is_ambiguous(local, self.tz):
            choice = self.which.currentData() if self.which.isVisible() else None
            if choice is None:
                raise RecordedTimeError(
                    f"{local:%H:%M:%S} on {local:%Y-%m-%d} happens twice (the clocks went back that night): "
                    "choose which one beside the box."
                )
            return localize(local, self.tz, second_occurrence=bool(choice))
        return localize(local, self.tz)

    def is_valid(self) -> bool:
        """True when :meth:`value` would return (no problem is shown)."""
        try:
            self.value()
        except RecordedTimeError:
            return False
        return True

    def problem(self) -> str:
        """What is wrong with the text now ("" when nothing)."""
        try:
            self.value()
        except RecordedTimeError as exc:
            return str(exc)
        return ""

    def text(self) -> str:
        """The text as typed."""
        return self.line.text()

    def set_time_zone(self, tz: tzinfo) -> None:
        """Read and show times in another zone (the text typed stays as it is)."""
        self.tz = tz
        self._check()

    # -- checking as the reviewer types ------------------------------------------------
    def _text_changed(self, _text: str) -> None:
        try:
            local = typed_local(self.line.text()) if self.line.text().strip() else None
        except RecordedTimeError:
            local = None
        if local is not None and is_ambiguous(local, self.tz):
            self._offer_choice(local)
        elif self.which.isVisible():
            self.which.hide()
        self._check()

    def _offer_choice(self, local: datetime) -> None:
        first = localize(local, self.tz)
        second = localize(local, self.tz, second_occurrence=True)
        labels = (
            f"{format_recorded(first, self.tz)[11:]} (first)",
            f"{format_recorded(second, self.tz)[11:]} (second)",
        )
        current = [self.which.itemText(i) for i in range(self.which.count())]
        if current[1:] != list(labels):
            self.which.blockSignals(True)
            self.which.clear()
            self.which.addItem("Which one?", None)
            self.which.addItem(labels[0], False)
            self.which.addItem(labels[1], True)
            self.which.setCurrentIndex(0)
            self.which.blockSignals(False)
        self.which.show()

    def _check(self, finished: bool = False) -> None:
        problem = ""
        value: datetime | None = None
        try:
            value = self.value()
        except RecordedTimeError as exc:
            problem = str(exc)
        typing = not finished and 0 < len(self.line.text().strip()) < len(PLACEHOLDER)
        # While the reviewer is still typing a full date-time, say nothing yet.
        self.message.setText(problem)
        self.message.setVisible(bool(problem) and not typing)
        # Compared in UTC: the two 01:30s of the repeated hour are equal as wall-clock times.
        key = value.astimezone(timezone.utc) if value is not None else None
        if not problem and key != self._last:
            self._last = key
            self.valueChanged.emit(value)


__all__ = ["PLACEHOLDER", "TYPED_FORMAT", "RecordedDateTimeEdit"]
