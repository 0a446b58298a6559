"""What the transport bar says about playback: direction, real speed, recorded time.

The player widget's speed box only offers forward speeds, so before this
module a reviewer shuttling backwards with ``J`` saw "1x" and a play button
and could not tell the video was running backwards.  :class:`TransportStatus`
is a small label that sits in the player's own control bar and says, from one
function (:func:`transport_text`):

* ``▶ 2x`` playing forward at 2x, ``◀◀ −4x`` playing backwards at 4x (the
  real speed of the reverse shuttle, not the forward speed box),
  ``❚❚ 1x`` paused;
* the recorded time of the frame on screen (recorder-local wall-clock time,
  as :meth:`cctv_review.domain.Clip.recorded_at` gives it), so the recorded
  time is in the player and not only in the status bar (which is off-screen
  on a small laptop when the window does not fit).

:func:`install_transport_status` puts the label into the bar that holds the
play button (found through the layouts, so the player widget needs no hook)
and follows the player's signals.  Labels in the bar may shrink, so the bar
no longer sets a wide minimum width for the whole window.
"""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QLayout, QWidget

from cctv_review.domain import Clip
from cctv_review.recorded_time import format_recorded, zone

#: The status bar's and the player's format of a recorded time (recorder-local, seconds).
STATE_STYLE = "font-family: monospace; font-weight:600; padding:0 4px"
REVERSE_STYLE = "; background:#5c2b00; color:#ffd8a8; border-radius:3px"


def transport_text(playing: bool, speed: float, reverse_speed: float) -> str:
    """The direction and real speed: ``"▶ 2x"``, ``"◀◀ −4x"`` or ``"❚❚ 1x"``.

    ``speed``: the forward speed (multiple of real time); ``reverse_speed``:
    the reverse shuttle's speed, > 0 while playing backwards (0 otherwise).
    """
    if reverse_speed > 0:
        return f"◀◀ −{reverse_speed:g}x"
    return f"{'▶' if playing else '❚❚'} {speed:g}x"


def recorded_text(clip: Clip | None, position_ms: int, tz: tzinfo | None = None) -> str:
    """The recorded time of ``position_ms`` in ``clip``, or why there is none.

    Written by the one rule (:func:`cctv_review.recorded_time.format_recorded`:
    recorder wall clock in ``tz``, the store's zone, default Europe/London,
    clock correction applied), as the status bar, stills and exports write it.
    """
    if clip is None:
        return ""
    wall = clip.recorded_at(int(position_ms))
    return f"Recorded {format_recorded(wall, tz or zone())}" if wall else "Recorded time not set"


def bar_of(player: QWidget, member: QWidget) -> QBoxLayout | None:
    """The box layout (anywhere under ``player``'s layout) that directly holds ``member``."""
    top = player.layout()
    todo: list[QLayout] = [top] if top is not None else []
    while todo:
        layout = todo.pop()
        if layout.indexOf(member) >= 0 and isinstance(layout, QBoxLayout):
            return layout
        for i in range(layout.count()):
            item = layout.itemAt(i)
            child = item.layout() if item is not None else None
            if child is not None:
                todo.append(child)
    return None


def let_shrink(label: QLabel) -> None:
    """Let a one-line label get narrower than its text (the text is clipped; its tooltip has it all)."""
    # An explicit minimum width replaces the text's width as the layout's minimum; the
    # preferred width stays the text's, so the label is shown whole whenever there is room.
    label.setMinimumWidth(1)


class TransportStatus(QWidget):
    """Direction + real speed (a badge) and the recorded time, for the player's control bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transportStatus")
        self.tz: tzinfo | None = None  # the store's recorder zone; None: the default zone
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        self.state_label = QLabel(transport_text(False, 1.0, 0.0))
        self.state_label.setObjectName("transportState")
        self.state_label.setToolTip("Playback direction and speed (J plays backwards, L forwards, K stops)")
        self.state_label.setStyleSheet(STATE_STYLE)
        self.recorded_label = QLabel()
        self.recorded_label.setObjectName("playerRecordedTime")
        self.recorded_label.setStyleSheet("font-family: monospace")
        let_shrink(self.recorded_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.recorded_label, 1)
        self.reverse = False
        self._styled = True

    def show_state(self, playing: bool, speed: float, reverse_speed: float) -> None:
        """Show the direction and speed; backwards is also marked in colour.

        Called on every frame while playing, so it only touches the label when
        something changed (a style sheet change re-polishes the widget).
        """
        reverse = reverse_speed > 0
        text = transport_text(playing, speed, reverse_speed)
        if text != self.state_label.text():
            self.state_label.setText(text)
        if reverse != self.reverse or not self._styled:
            self.reverse, self._styled = reverse, True
            self.state_label.setStyleSheet(STATE_STYLE + (REVERSE_STYLE if reverse else ""))

    def show_recorded(self, clip: Clip | None, position_ms: int) -> None:
        text = recorded_text(clip, position_ms, self.tz)
        if text != self.recorded_label.text():
            self.recorded_label.setText(text)
            self.recorded_label.setToolTip(
                text + " (recorder-local time of the frame on screen)" if text else ""
            )


def install_transport_status(player: QWidget) -> TransportStatus:
    """Put a :class:`TransportStatus` row in ``player`` just above its control bar and keep it up to date.

    ``player`` is a :class:`cctv_review.ui.player_widget.PlayerWidget` (duck
    typed: ``play_button``, ``time_label``, ``clip``, ``position_ms``,
    ``playing``, ``speed``, ``reverse_speed`` and the signals
    ``positionChanged``, ``clipChanged``, ``stateChanged``, ``speedChanged``).
    The row takes the player's clip-time label out of the crowded control bar,
    so the clip time, the direction and speed and the recorded time are shown
    whole on a 1366x768 screen; the bar keeps the buttons and boxes.
    """
    status = TransportStatus(player)
    bar = bar_of(player, player.play_button)  # type: ignore[attr-defined]
    time_label = getattr(player, "time_label", None)
    top = player.layout()
    placed = False
    if bar is not None and isinstance(top, QBoxLayout):
        for i in range(top.count()):
            item = top.itemAt(i)
            if item is not None and item.layout() is bar:
                top.insertWidget(i, status)
                placed = True
                break
    if not placed and bar is not None:
        bar.addWidget(status, 1)
    if isinstance(time_label, QLabel):
        if bar is not None and bar.indexOf(time_label) >= 0:
            bar.removeWidget(time_label)
        status.layout().insertWidget(0, time_label)  # type: ignore[union-attr]
        time_label.setToolTip("Clip time of the frame on screen / the clip's length")
        time_label.setMinimumWidth(time_label.sizeHint().width())

    def refresh(*_args: object) -> None:
        status.show_state(
            bool(player.playing),  # type: ignore[attr-defined]
            float(player.speed),  # type: ignore[attr-defined]
            float(player.reverse_speed),  # type: ignore[attr-defined]
        )
        status.tz = getattr(player, "zone", None)  # the store's recorder zone (set by the main window)
        status.show_recorded(player.clip, int(player.position_ms))  # type: ignore[attr-defined]

    for signal in ("positionChanged", "clipChanged", "stateChanged", "speedChanged"):
        getattr(player, signal).connect(refresh)
    refresh()
    return status
