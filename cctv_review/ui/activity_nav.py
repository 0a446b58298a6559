"""N / P through activity events, the sensitivity control, and the reviewer's activity masks.

The scores come from the activity finder (:mod:`cctv_review.video.activity`,
stored per clip as ``bin_ms`` + one score a bin: the fraction of the picture
that changed).  Events are derived from them at the chosen sensitivity, so
changing the sensitivity needs no new scan:

* :func:`step` is what N and P do: the start of the next / previous event and a
  line for the status bar ("Activity 2 of 5: 0:00:12 to 0:00:17", or "No more
  activity after 0:12:30." when there is none);
* :func:`strip_scores` is what the timeline's activity strip draws: the scores
  of seconds inside events, zero elsewhere;
* :class:`SensitivityBox` is a small combo (Low / Normal / High) for the
  player's control bar;
* :class:`MaskDialog` lets the reviewer drag rectangles over the picture for
  regions to ignore; :func:`load_masks` / :func:`save_masks` keep the reviewer's masked regions
  per clip in the store's ``settings`` table (key ``activity_mask:<clip_id>``,
  a JSON list of ``[x0, y0, x1, y1]`` fractions of the picture); the scan takes
  them as ``scan_activity(path, masks=...)``.  Changing masks needs a new scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from cctv_review.domain import format_ms
from cctv_review.video.activity import (
    DEFAULT_SENSITIVITY,
    SENSITIVITY_LEVELS,
    ActivityEvent,
    MaskRect,
    find_events,
    next_event,
    previous_event,
    score_threshold,
)

#: Settings key of a clip's masks, and of the reviewer's sensitivity.
MASK_KEY = "activity_mask:{clip_id}"
SENSITIVITY_KEY = "activity_sensitivity"


class Settings(Protocol):
    """What the mask and sensitivity helpers need: ``Store.setting`` / ``Store.set_setting``."""

    def setting(self, key: str, default: Any = None) -> Any: ...

    def set_setting(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True)
class Step:
    """The outcome of N or P: where to go (clip ms, None to stay) and what to tell the reviewer."""

    target_ms: int | None
    message: str
    event: ActivityEvent | None = None


def events_for(
    scores: Sequence[float], bin_ms: int, sensitivity: float | str = DEFAULT_SENSITIVITY
) -> list[ActivityEvent]:
    """The activity events of these stored scores at this sensitivity (0..1 or low/normal/high)."""
    if not scores or bin_ms <= 0:
        return []
    return find_events(scores, bin_ms, score_threshold(sensitivity))


def step(
    scores: Sequence[float],
    bin_ms: int,
    position_ms: int,
    forward: bool,
    sensitivity: float | str = DEFAULT_SENSITIVITY,
) -> Step:
    """N (``forward``) or P from ``position_ms``: the event's start and a status-bar line.

    From inside an event, P goes to its start first.  When there is no event
    that way, ``target_ms`` is None and the message says so with the position.
    """
    if not scores or bin_ms <= 0:
        return Step(None, "Activity has not been found in this clip yet.")
    events = events_for(scores, bin_ms, sensitivity)
    here = format_ms(position_ms, False)
    if not events:
        return Step(None, "No activity found in this clip at this sensitivity.")
    ev = next_event(events, position_ms) if forward else previous_event(events, position_ms)
    if ev is None:
        return Step(None, f"No more activity after {here}." if forward else f"No activity before {here}.")
    n = events.index(ev) + 1
    text = f"Activity {n} of {len(events)}: {format_ms(ev.start_ms, False)} to {format_ms(ev.end_ms, False)}"
    return Step(ev.start_ms, text + ".", ev)


def target_ms(
    scores: list[float],
    bin_ms: int,
    position_ms: int,
    forward: bool,
    sensitivity: float | str = DEFAULT_SENSITIVITY,
) -> int | None:
    """Where the next (or previous) activity event starts, or None if there is none."""
    return step(scores, bin_ms, position_ms, forward, sensitivity).target_ms


def strip_scores(
    scores: Sequence[float], bin_ms: int, sensitivity: float | str = DEFAULT_SENSITIVITY
) -> list[float]:
    """Scores for the timeline's activity strip: kept inside events, 0 elsewhere."""
    out = [0.0] * len(scores)
    for ev in events_for(scores, bin_ms, sensitivity):
        for i in range(ev.start_ms // bin_ms, min(len(scores), ev.end_ms // bin_ms)):
            out[i] = float(scores[i])
    return out


# -- masks and sensitivity in the store's settings ---------------------------------------


def load_masks(settings: Settings, clip_id: int) -> list[MaskRect]:
    """The reviewer's masked regions of a clip (empty if none; unreadable entries are skipped)."""
    value = settings.setting(MASK_KEY.format(clip_id=clip_id), [])
    masks = []
    for item in value if isinstance(value, list) else []:
        try:
            masks.append(MaskRect.from_value(item))
        except (ValueError, TypeError, KeyError):
            continue
    return masks


def save_masks(settings: Settings, clip_id: int, masks: Sequence[MaskRect]) -> None:
    """Keep a clip's masked regions (the clip's activity must then be found again)."""
    settings.set_setting(MASK_KEY.format(clip_id=clip_id), [m.to_list() for m in masks])


def load_sensitivity(settings: Settings) -> float:
    """The reviewer's last sensitivity (0..1), normal if none was chosen."""
    value = settings.setting(SENSITIVITY_KEY, DEFAULT_SENSITIVITY)
    try:
        return min(1.0, max(0.0, float(value)))
    except (TypeError, ValueError):
        return DEFAULT_SENSITIVITY


def save_sensitivity(settings: Settings, sensitivity: float) -> None:
    settings.set_setting(SENSITIVITY_KEY, float(sensitivity))


# -- the control -----------------------------------------------------------------------


class SensitivityBox(QComboBox):
    """Activity sensitivity: Low / Normal / High.  Emits ``sensitivityChanged(float)`` (0..1).

    Never takes the keyboard focus, so playback keys keep working.  Place it in
    the player's control bar; the owner redraws the activity strip and uses
    :meth:`value` for N/P.
    """

    sensitivityChanged = Signal(float)

    LABELS = (("Low", "low"), ("Normal", "normal"), ("High", "high"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("activitySensitivity")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setToolTip(
            "Activity sensitivity: how much of the picture must change for N / P to stop there "
            "(Low: large movement only; High: small movement too)"
        )
        for label, key in self.LABELS:
            self.addItem(f"Activity: {label}", SENSITIVITY_LEVELS[key])
        self.set_value(DEFAULT_SENSITIVITY)
        self.currentIndexChanged.connect(lambda _i: self.sensitivityChanged.emit(self.value()))

    def value(self) -> float:
        data = self.currentData()
        return float(data) if data is not None else DEFAULT_SENSITIVITY

    def set_value(self, sensitivity: float) -> None:
        """Select the preset nearest to ``sensitivity`` (0..1)."""
        best = min(range(self.count()), key=lambda i: abs(float(self.itemData(i)) - sensitivity))
        self.setCurrentIndex(best)


# -- the mask editor ---------------------------------------------------------------------


class MaskCanvas(QWidget):
    """The clip's picture with the masked rectangles over it; drag to add one, right-click one to remove it.

    Rectangles are kept in fractions of the picture (:class:`MaskRect`), so they
    fit the decoded picture whatever size it is shown at.
    """

    changed = Signal()

    def __init__(self, image: QImage | None, masks: Sequence[MaskRect] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("maskCanvas")
        self.image = image
        self.masks: list[MaskRect] = list(masks)
        self._drag_from: QPointF | None = None
        self._drag_to: QPointF | None = None
        self.setMinimumSize(480, 270)
        self.setMouseTracking(False)

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn (aspect kept, centred), in widget pixels."""
        w, h = float(self.width()), float(self.height())
        if self.image is None or self.image.isNull():
            return QRectF(0, 0, w, h)
        iw, ih = float(self.image.width()), float(self.image.height())
        scale = min(w / iw, h / ih)
        return QRectF((w - iw * scale) / 2, (h - ih * scale) / 2, iw * scale, ih * scale)

    def _fraction(self, p: QPointF) -> tuple[float, float]:
        r = self.picture_rect()
        return (
            min(1.0, max(0.0, (p.x() - r.left()) / max(1.0, r.width()))),
            min(1.0, max(0.0, (p.y() - r.top()) / max(1.0, r.height()))),
        )

    def _widget_rect(self, m: MaskRect) -> QRectF:
        r = self.picture_rect()
        return QRectF(
            r.left() + m.x0 * r.width(),
            r.top() + m.y0 * r.height(),
            (m.x1 - m.x0) * r.width(),
            (m.y1 - m.y0) * r.height(),
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.RightButton:
            for m in reversed(self.masks):
                if self._widget_rect(m).contains(event.position()):
                    self.masks.remove(m)
                    self.changed.emit()
                    self.update()
                    return
        elif event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = self._drag_to = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_to = event.position()
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is None or event.button() != Qt.MouseButton.LeftButton:
            return
        (x0, y0), (x1, y1) = self._fraction(self._drag_from), self._fraction(event.position())
        self._drag_from = self._drag_to = None
        if abs(x1 - x0) >= 0.01 and abs(y1 - y0) >= 0.01:  # ignore clicks and slips
            self.masks.append(MaskRect.from_value([x0, y0, x1, y1]))
            self.changed.emit()
        self.update()

    def paintEvent(self, _event: Any) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#202124"))
        if self.image is not None and not self.image.isNull():
            p.drawImage(self.picture_rect(), self.image)
        p.setPen(QPen(QColor("#fbbc04"), 2))
        p.setBrush(QColor(0, 0, 0, 150))
        for m in self.masks:
            p.drawRect(self._widget_rect(m))
        if self._drag_from is not None and self._drag_to is not None:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(self._drag_from, self._drag_to).normalized())


class MaskDialog(QDialog):
    """Choose the regions the activity finder ignores in one clip (a television, a window, a flickering light).

    Shows ``image`` (the clip's current picture) with the clip's masks; the
    reviewer drags to add a rectangle and right-clicks one to remove it.
    :meth:`masks` gives the result when ``exec()`` returns ``Accepted``; the
    caller saves it (:func:`save_masks`) and finds the clip's activity again.
    The date-time and camera title lines are ignored without a mask.
    """

    def __init__(self, image: QImage | None, masks: Sequence[MaskRect] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Regions to ignore when finding activity")
        layout = QVBoxLayout(self)
        hint = QLabel(
            "Drag over a part of the picture that moves but does not matter (a television, a window, "
            "a flickering light). Right-click a region to remove it. The recorder's date-time and "
            "camera title are ignored without a region. Activity is found again when you press OK."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.canvas = MaskCanvas(image, masks)
        layout.addWidget(self.canvas, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        clear = buttons.addButton("Remove all", QDialogButtonBox.ButtonRole.ResetRole)
        clear.clicked.connect(self._clear)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _clear(self) -> None:
        self.canvas.masks.clear()
        self.canvas.changed.emit()
        self.canvas.update()

    def masks(self) -> list[MaskRect]:
        return list(self.canvas.masks)
