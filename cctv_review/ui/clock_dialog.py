"""Correct a clip's clock from the clock burned into its picture (Playback > Correct clock…).

Recorder clocks are often minutes out.  The reviewer pauses on a frame whose
burned-in clock can be read and types what it shows (``23:14:05``, or a full
``2026-03-14 23:14:05``); the dialog works out the offset
(:meth:`cctv_review.recorded_time.ClockCorrection.from_burned_in_clock`: the
burned-in time minus the recorder's time of that frame, in ms) and shows what
it means before anything is stored.  On OK the session stores the offset in
``clips.clock_offset_ms`` with an audit entry, and recomputes the recorded time
of the clip's findings in the same transaction
(:meth:`cctv_review.ui.services.ReviewSession.correct_clock`); every recorded
time of the clip (player, findings list, stills, exports) follows.

A bare clock time takes the date nearest the frame's recorded time
(:func:`cctv_review.recorded_time.clock_near`), so reading 00:00:05 on footage
the recorder dates 23:59:50 lands on the next day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import Clip, format_ms
from cctv_review.recorded_time import (
    ClockCorrection,
    RecordedTimeError,
    clip_recorded_at,
    clock_near,
    format_recorded,
)


def describe_offset(offset_ms: int) -> str:
    """``the recorder's clock is 2 min 14 s slow`` (positive offset: true time is later)."""
    if offset_ms == 0:
        return "the recorder's clock is right (no correction)"
    size = abs(offset_ms)
    hours, rest = divmod(size, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or millis or not parts:
        parts.append(f"{seconds}.{millis:03d} s".replace(".000 s", " s"))
    return f"the recorder's clock is {' '.join(parts)} {'slow' if offset_ms > 0 else 'fast'}"


class ClockDialog(QDialog):
    """Type what the burned-in clock shows on the current frame; see the module docstring.

    ``clip`` has a recorded start (the caller checks); ``position_ms`` and
    ``frame`` (display index, or None) say which frame is on screen; ``tz`` is
    the store's recorder zone.  After ``Accepted``, :attr:`offset_ms` is the
    correction to store (0 when "Remove the correction" was pressed) and
    :attr:`shown` the burned-in time typed (None when removed).
    """

    def __init__(
        self,
        clip: Clip,
        position_ms: int,
        frame: int | None,
        tz: tzinfo,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        assert clip.recorded_start is not None
        self.setWindowTitle("Correct the clock")
        self.setObjectName("clockDialog")
        self.clip, self.position_ms, self.frame, self.tz = clip, int(position_ms), frame, tz
        self.offset_ms: int = clip.clock_offset_ms
        self.shown: datetime | None = None
        uncorrected = clip_recorded_at(dataclasses.replace(clip, clock_offset_ms=0), self.position_ms)
        assert uncorrected is not None
        self.uncorrected = uncorrected

        layout = QVBoxLayout(self)
        intro = QLabel(
            "Read the clock burned into this frame and type what it shows. Every recorded time of this "
            "clip (player, findings, stills, exports) will follow it; the change is recorded in the audit trail."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        where = f"{clip.camera or 'Unnamed camera'} at {format_ms(self.position_ms)}"
        if frame is not None:
            where += f" (frame {frame})"
        form.addRow("Frame", QLabel(where))
        form.addRow("Recorder's time", QLabel(format_recorded(uncorrected, tz)))
        self.current_label = QLabel(
            describe_offset(clip.clock_offset_ms).capitalize()
            + (
                f": shown as {format_recorded(ClockCorrection(clip.clock_offset_ms).apply(uncorrected), tz)}"
                if clip.clock_offset_ms
                else ""
            )
        )
        self.current_label.setWordWrap(True)
        form.addRow("Correction now", self.current_label)
        self.clock = QLineEdit()
        self.clock.setObjectName("burnedInClock")
        self.clock.setPlaceholderText("23:14:05, or 2026-03-14 23:14:05")
        self.clock.setText(
            format_recorded(clip_recorded_at(clip, self.position_ms) or uncorrected, tz)[11:19]
        )
        self.clock.selectAll()
        form.addRow("The picture's &clock shows", self.clock)
        layout.addLayout(form)
        self.preview = QLabel()
        self.preview.setObjectName("clockPreview")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.remove_button = QPushButton("&Remove the correction")
        self.remove_button.setEnabled(clip.clock_offset_ms != 0)
        buttons.addButton(self.remove_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.remove_button.clicked.connect(self._remove)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.clock.textChanged.connect(lambda _t: self._update())
        self._update()
        self.clock.setFocus()
        self.resize(480, 260)

    def read(self) -> datetime:
        """The burned-in time typed, aware in the zone; raises RecordedTimeError saying what is wrong."""
        text = self.clock.text().strip()
        if not text:
            raise RecordedTimeError("Type the time the picture's clock shows, e.g. 23:14:05.")
        return clock_near(text, self.uncorrected, self.tz)

    def _update(self) -> None:
        try:
            shown = self.read()
        except RecordedTimeError as exc:
            self.preview.setText(str(exc))
            self.preview.setStyleSheet("color:#b3261e")
            self.ok_button.setEnabled(False)
            return
        offset = ClockCorrection.from_burned_in_clock(self.uncorrected, 0, shown).offset_ms
        self.preview.setStyleSheet("")
        self.preview.setText(
            f"{describe_offset(offset).capitalize()}: this frame will be recorded time "
            f"{format_recorded(shown, self.tz)}."
        )
        self.ok_button.setEnabled(True)

    def _accept(self) -> None:
        try:
            self.shown = self.read()
        except RecordedTimeError as exc:
            self.preview.setText(str(exc))
            return
        self.offset_ms = ClockCorrection.from_burned_in_clock(self.uncorrected, 0, self.shown).offset_ms
        self.accept()

    def _remove(self) -> None:
        self.offset_ms, self.shown = 0, None
        self.accept()


def correct_clock(
    session: object,
    player: object,
    parent: QWidget,
    *,
    show_problem: Callable[[str], None],
    status: Callable[[str, int], None],
) -> ClockDialog | None:
    """Playback > Correct clock…: pause, ask, and store the correction (non-blocking dialog).

    ``session`` is the :class:`~cctv_review.ui.services.ReviewSession`,
    ``player`` the :class:`~cctv_review.ui.player_widget.PlayerWidget`.
    Returns the open dialog (None when there is nothing to correct: no clip,
    or one without a recorded start, said in the status bar or a message).
    """
    from cctv_review.store import StoreError
    from cctv_review.ui.player_widget import PlayerWidget
    from cctv_review.ui.services import ReviewSession

    assert isinstance(session, ReviewSession) and isinstance(player, PlayerWidget)
    clip = player.clip if player.ready else None
    if clip is None or clip.id is None:
        status("Open a clip and pause on a frame whose clock can be read.", 5000)
        return None
    if session.locked:
        show_problem("This case is complete. Reopen it (Case > Reopen) to correct a clip's clock.")
        return None
    clip_id: int = clip.id
    clip = session.clip(clip_id)  # the session's copy: the latest correction
    if clip.recorded_start is None:
        show_problem(
            f"{clip.camera or 'This clip'} has no recorded start yet, so its clock cannot be corrected. "
            "Give the clip its recorded start first, then correct the clock."
        )
        return None
    player.pause()
    position = player.position_ms
    frame = player.current_frame_index()
    dialog = ClockDialog(clip, position, frame, session.zone(), parent)

    def finished(result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            return
        try:
            if dialog.shown is None:
                session.set_clock_offset(
                    clip_id, 0, {"removed": True, "position_ms": position, "frame": frame}
                )
                status("Clock correction removed.", 5000)
            else:
                session.correct_clock(clip_id, position, dialog.shown, frame)
                status(f"Clock corrected: {describe_offset(dialog.offset_ms)}.", 8000)
        except (StoreError, RecordedTimeError) as exc:
            show_problem(str(exc))

    dialog.finished.connect(finished)
    dialog.open()
    return dialog


__all__ = ["ClockDialog", "correct_clock", "describe_offset"]
