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
* :func:`load_masks` / :func:`save_masks` keep the reviewer's masked regions
  per clip in the store's ``settings`` table (key ``activity_mask:<clip_id>``,
  a JSON list of ``[x0, y0, x1, y1]`` fractions of the picture); the scan takes
  them as ``scan_activity(path, masks=...)``.  Changing masks needs a new scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

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
