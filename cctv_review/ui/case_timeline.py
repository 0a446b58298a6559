"""The case timeline: every camera of the case as a lane on one recorded-time axis, under the video.

The data — lanes, file coverage, gaps, overlaps, activity, finding markers,
ticks, zoom — is plain Python in :mod:`cctv_review.timeline_model`; this
module only draws it and turns mouse and keys into requests:

* :class:`CaseTimeline` (the widget): one lane per camera track, the axis in
  recorder-local wall-clock time (the store's zone), each file's coverage as a
  bar with ``♪`` where the file has sound, gaps (between files and inside
  them) grey and hatched, overlaps as an orange band, the activity strip along
  the top of each lane, and finding markers coloured by level (tooltip: time,
  theme, level and note).  The mouse wheel zooms about the pointer (from the
  whole detention down to 10 s), ``+``/``-`` zoom while it has the focus,
  Shift+wheel or dragging the axis pans, double-clicking the axis shows the
  whole detention.  Clicking a lane emits :attr:`CaseTimeline.seek_requested`
  ``(camera_key, when)``; :meth:`CaseTimeline.set_playhead` draws the playhead
  across every lane (and scrolls the view to keep it in sight).
* :class:`CaseTimelineController` keeps it in step with the open case: it
  rebuilds the model when the case, its clips or its findings change (from
  memory: no SQL), loads what each clip's index, probe and activity scan found
  in one background job per case (its own store connection; the GUI thread
  never reads video), moves the playhead with the player, and runs Ctrl+G
  (:mod:`cctv_review.ui.goto_time`).
* :func:`open_recorded_moment` is the one adapter between the timeline and a
  player: today it finds the camera's file with ``Track.locate`` and opens it
  at that position in the single-clip player; the multi-tile engine's
  ``seek_recorded(camera_key, when)`` can take its place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QDialog, QSizePolicy, QWidget

from cctv_review.changes import Changes
from cctv_review.recorded_time import DEFAULT_ZONE, RecordedTimeError, zone
from cctv_review.timeline_model import (
    ClipExtras,
    FindingMarker,
    Lane,
    TimelineModel,
    Viewport,
    add_ms,
    bounds_of,
    build_model,
    file_name,
    format_clock,
    ms_between,
    ticks,
    utc,
    whole_view,
    with_findings,
)
from cctv_review.tracks import camera_key, step_over_gaps
from cctv_review.ui import activity_nav, tasks
from cctv_review.ui.timeline import GAP_FILL, GAP_HATCH, span_text

if TYPE_CHECKING:
    from cctv_review.domain import Clip
    from cctv_review.store import Store
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.player_widget import PlayerWidget
    from cctv_review.ui.services import ReviewSession

log = logging.getLogger(__name__)

#: The settings key of the store's recorder time zone (an IANA name).
TIME_ZONE_KEY = "time_zone"

FILE_FILL = QColor("#8ab4f8")
FILE_EDGE = QColor("#1a73e8")
OVERLAP = QColor("#f29900")
PLAYHEAD = QColor("#d93025")
NO_FOOTAGE = QColor("#f1f3f4")
ZOOM_STEP = 1.6


def store_zone(session: ReviewSession) -> tzinfo:
    """The store's recorder time zone (setting ``time_zone``, default Europe/London).

    Uses the session's own ``zone()`` where it has one (read once and kept
    until the zone is set: no SQL), else reads the setting.
    """
    cached = getattr(session, "zone", None)
    if callable(cached):
        found = cached()
        if isinstance(found, tzinfo):
            return found
    name = session.setting(TIME_ZONE_KEY, DEFAULT_ZONE) or DEFAULT_ZONE
    try:
        return zone(str(name))
    except RecordedTimeError:
        log.warning("unknown time zone %r in the store's settings; using %s", name, DEFAULT_ZONE)
        return zone(DEFAULT_ZONE)


class CaseTimeline(QWidget):
    """The lanes of a :class:`~cctv_review.timeline_model.TimelineModel` (see the module docstring)."""

    #: (camera key, recorded time: aware datetime) — a lane was clicked.
    seek_requested = Signal(str, object)
    #: A finding marker was clicked (its id); ``seek_requested`` follows.
    marker_clicked = Signal(int)

    NAME_W = 120
    AXIS_H = 20
    LANE_H = 24
    STRIP_H = 5
    MARKER_H = 9
    MARGIN = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseTimeline")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.model: TimelineModel | None = None
        self.view: Viewport | None = None
        self.playhead: datetime | None = None
        self.current_key: str | None = None
        self._pan_from: tuple[float, Viewport] | None = None
        #: The lanes drawn once for the current model, view and size (the playhead is drawn over it).
        self._static: QPixmap | None = None
        self._static_key: tuple[object, ...] | None = None
        #: How often the lanes were drawn afresh (tests check playback only moves the playhead).
        self.static_paints = 0
        self._activity_arrays: dict[str, tuple[object, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._update_height()

    # -- data --------------------------------------------------------------------------
    def set_model(self, model: TimelineModel, keep_view: bool = True) -> None:
        """Show ``model``; the view is kept (``keep_view``) when it still fits, else the whole detention."""
        self.model = model
        bounds = bounds_of(model)
        if keep_view and self.view is not None and bounds is not None:
            self.view = self.view.clamped(bounds) if self.view.span_ms <= ms_between(*bounds) else None
        else:
            self.view = None
        if self.view is None:
            self.view = whole_view(model)
        self._update_height()
        self.update()

    def set_playhead(self, when: datetime | None) -> None:
        """Draw the playhead at recorded time ``when`` (None: hide it); the view follows it."""
        self.playhead = when
        if when is not None and self.view is not None and self.model is not None and self._pan_from is None:
            x = self.view.x_of(when, self.axis_width())
            if not 0 <= x <= self.axis_width():
                self.view = self.view.centred_on(when, bounds_of(self.model))
        self.update()

    def set_current_camera(self, key: str | None) -> None:
        """Emphasise the lane of the camera the player shows."""
        self.current_key = camera_key(key) if key else None
        self.update()

    # -- geometry ------------------------------------------------------------------------
    def lanes(self) -> tuple[Lane, ...]:
        return self.model.lanes if self.model is not None else ()

    def _update_height(self) -> None:
        n = max(1, len(self.lanes()))
        h = self.AXIS_H + n * self.LANE_H + self.MARGIN
        self.setMinimumHeight(h)
        self.setMaximumHeight(h)
        self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(600, self.minimumHeight())

    def axis_left(self) -> float:
        return float(self.NAME_W)

    def axis_width(self) -> float:
        return max(1.0, self.width() - self.NAME_W - self.MARGIN)

    def x_of(self, when: datetime) -> float:
        """The widget x of recorded time ``when`` (may be outside the widget when not in view)."""
        assert self.view is not None
        return self.axis_left() + self.view.x_of(when, self.axis_width())

    def time_at(self, x: float) -> datetime | None:
        if self.view is None:
            return None
        return self.view.at(x - self.axis_left(), self.axis_width())

    def lane_rect(self, row: int) -> QRectF:
        return QRectF(self.axis_left(), self.AXIS_H + row * self.LANE_H, self.axis_width(), self.LANE_H - 3)

    def lane_at(self, y: float) -> tuple[int, Lane] | None:
        row = int((y - self.AXIS_H) // self.LANE_H)
        lanes = self.lanes()
        return (row, lanes[row]) if y >= self.AXIS_H and 0 <= row < len(lanes) else None

    def point_of(self, key: str, when: datetime) -> QPointF:
        """Where to click to ask for camera ``key`` at ``when`` (tests use it)."""
        row = next(i for i, lane in enumerate(self.lanes()) if lane.key == camera_key(key))
        return QPointF(self.x_of(when), self.lane_rect(row).center().y())

    def marker_at(self, x: float, y: float) -> FindingMarker | None:
        hit = self.lane_at(y)
        if hit is None or self.view is None:
            return None
        row, lane = hit
        if y < self.lane_rect(row).bottom() - self.MARKER_H - 2:
            return None
        best = None
        best_d = 6.0
        for m in lane.markers:
            d = abs(self.x_of(m.when) - x)
            if d <= best_d:
                best, best_d = m, d
        return best

    # -- zoom and pan --------------------------------------------------------------------
    def zoom(self, factor: float, anchor: datetime | None = None) -> None:
        """Zoom in (``factor`` < 1) or out about ``anchor`` (default: the playhead if shown, else the middle)."""
        if self.view is None or self.model is None:
            return
        if anchor is None and self.playhead is not None:
            x = self.view.x_of(self.playhead, self.axis_width())
            anchor = self.playhead if 0 <= x <= self.axis_width() else None
        self.view = self.view.zoomed(factor, anchor, bounds_of(self.model))
        self.update()

    def zoom_in(self) -> None:
        self.zoom(1 / ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom(ZOOM_STEP)

    def show_all(self) -> None:
        if self.model is not None:
            self.view = whole_view(self.model)
            self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.view is None or self.model is None:
            return
        delta = event.angleDelta()
        steps = (delta.y() or delta.x()) / 120.0
        if not steps:
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier or (delta.x() and not delta.y()):
            self.view = self.view.panned(-steps * self.view.span_ms / 10, bounds_of(self.model))
            self.update()
        else:
            self.zoom(ZOOM_STEP ** (-steps), self.time_at(event.position().x()))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        elif key == Qt.Key.Key_Home:
            self.show_all()
        else:
            super().keyPressEvent(event)

    # -- mouse -------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton or self.view is None:
            return
        pos = event.position()
        if pos.y() < self.AXIS_H or event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._pan_from = (pos.x(), self.view)
            return
        if pos.x() < self.axis_left():
            return
        hit = self.lane_at(pos.y())
        if hit is None:
            return
        marker = self.marker_at(pos.x(), pos.y())
        if marker is not None:
            self.marker_clicked.emit(marker.finding_id)
            self.seek_requested.emit(hit[1].key, marker.when)
            return
        when = self.time_at(pos.x())
        if when is not None:
            self.seek_requested.emit(hit[1].key, when)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.position().y() < self.AXIS_H:
            self.show_all()
        else:
            self.mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._pan_from is not None and self.model is not None:
            x0, view0 = self._pan_from
            moved = -(pos.x() - x0) / self.axis_width() * view0.span_ms
            self.view = view0.panned(moved, bounds_of(self.model))
            self.update()
            return
        self.setToolTip(self.tooltip_at(pos.x(), pos.y()))

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._pan_from = None

    def tooltip_at(self, x: float, y: float) -> str:
        """What the tooltip says at ``(x, y)``: a finding, a gap, an overlap, a file, or the time."""
        if self.model is None or self.view is None:
            return ""
        if x < self.axis_left():
            return self._name_tooltip(y)
        tz = self.model.tz
        when = self.time_at(x)
        if when is None:
            return ""
        if y < self.AXIS_H:
            return f"{format_clock(when, tz, True)} — wheel to zoom, drag to move, double-click for all"
        marker = self.marker_at(x, y)
        if marker is not None:
            return marker.tooltip
        hit = self.lane_at(y)
        if hit is None:
            return ""
        lane = hit[1]
        t = utc(when)
        gap = lane.gap_at(when)
        if gap is not None:
            return (
                f"{lane.camera}: no recording {format_clock(gap.start, tz)}–{format_clock(gap.end, tz)} "
                f"({span_text(gap.length_ms)})"
            )
        lines = [f"{lane.camera} at {format_clock(when, tz)}"]
        for a, b in lane.overlaps:
            if utc(a) <= t < utc(b):
                lines.append(f"Two files overlap {format_clock(a, tz)}–{format_clock(b, tz)}")
        for f in lane.files:
            if utc(f.start) <= t < utc(f.end):
                sound = " · with sound" if f.has_audio else ""
                lines.append(f"{f.name}: {format_clock(f.start, tz)}–{format_clock(f.end, tz)}{sound}")
        if len(lines) == 1:
            lines.append("No recording")
        return "\n".join(lines)

    def _name_tooltip(self, y: float) -> str:
        """Over the names: the clips not placed (axis row), or the lane's camera, files and sound."""
        assert self.model is not None
        if y < self.AXIS_H:
            if not self.model.undated:
                return ""
            names = ", ".join(f"{c.camera} ({file_name(c.path)})" for c in self.model.undated)
            return f"Not on the timeline because their recorded start is not set: {names}"
        hit = self.lane_at(y)
        if hit is None:
            return ""
        lane = hit[1]
        files = len(lane.files)
        sound = "; with sound" if lane.has_audio else ""
        return f"{lane.camera}: {files} file{'s' if files != 1 else ''}{sound}. Click the lane to go there."

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        """The lanes from a cached picture (redrawn when the model, view, size or camera change), then the playhead.

        During playback only the playhead moves, so a repaint is one pixmap
        copy and a line, whatever the length of the footage.
        """
        p = QPainter(self)
        model, view = self.model, self.view
        if model is None or view is None or not model.lanes:
            p.fillRect(self.rect(), self.palette().base())
            p.setPen(QColor("#5f6368"))
            text = "Case timeline: no footage with a recorded start yet."
            if model is not None and model.undated:
                text += f" {len(model.undated)} clip(s) have no recorded start and cannot be placed."
            p.drawText(
                self.rect().adjusted(8, 0, -8, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                text,
            )
            p.end()
            return
        dpr = self.devicePixelRatioF()
        key = (id(model), view, self.width(), self.height(), self.current_key, dpr)
        if self._static is None or self._static_key != key:
            self._static = QPixmap(round(self.width() * dpr), round(self.height() * dpr))
            self._static.setDevicePixelRatio(dpr)
            painter = QPainter(self._static)
            self._paint_static(painter, model, view)
            painter.end()
            self._static_key = key
            self.static_paints += 1
        p.drawPixmap(0, 0, self._static)
        bottom = self.AXIS_H + len(model.lanes) * self.LANE_H
        if self.playhead is not None:
            x = self.x_of(self.playhead)
            if self.axis_left() <= x <= self.axis_left() + self.axis_width():
                p.setPen(QPen(PLAYHEAD, 2))
                p.drawLine(QPointF(x, 2), QPointF(x, bottom))
        if self.hasFocus():
            p.setPen(QPen(QColor("#8ab4f8"), 1))
            p.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        p.end()

    def _paint_static(self, p: QPainter, model: TimelineModel, view: Viewport) -> None:
        p.fillRect(self.rect(), self.palette().base())
        metrics = QFontMetrics(p.font())
        tz = model.tz
        left, width = self.axis_left(), self.axis_width()
        bottom = self.AXIS_H + len(model.lanes) * self.LANE_H
        p.save()
        p.setClipRect(QRectF(left, 0, width, self.height()))
        # axis: ticks, labels and faint grid lines
        for tick in ticks(view, width, tz, min_spacing_px=metrics.horizontalAdvance("00:00:00") + 18):
            x = self.x_of(tick.when)
            p.setPen(QPen(QColor("#bdc1c6" if tick.major else "#e8eaed"), 1))
            p.drawLine(QPointF(x, self.AXIS_H - 4), QPointF(x, bottom))
            p.setPen(QColor("#202124" if tick.major else "#5f6368"))
            p.drawText(QPointF(x + 3, self.AXIS_H - 6), tick.label)
        p.restore()
        for row, lane in enumerate(model.lanes):
            self._paint_lane(p, row, lane, metrics, view)
        if model.undated:  # clips that cannot be placed: said, not silently left out
            p.setPen(QColor("#b06000"))
            n = len(model.undated)
            p.drawText(
                QRectF(4, 0, self.NAME_W - 8, self.AXIS_H),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                f"{n} clip{'s' if n != 1 else ''} not placed",
            )

    def _activity_columns(self, lane: Lane, view: Viewport) -> list[tuple[int, float]]:
        """The lane's activity as (pixel column, highest level in it), for the bins in view.

        One rectangle a pixel column, however many bins fall in it (numpy:
        hours of footage hold thousands of bins a camera).
        """
        arrays = self._activity_arrays.get(lane.key)
        if arrays is None or arrays[0] is not lane.activity:
            starts = np.fromiter((b.start_s for b in lane.activity), float, len(lane.activity))
            ends = np.fromiter((b.end_s for b in lane.activity), float, len(lane.activity))
            levels = np.fromiter((b.level for b in lane.activity), float, len(lane.activity))
            arrays = (lane.activity, starts, ends, levels)
            self._activity_arrays[lane.key] = arrays
        _, starts, ends, levels = arrays
        if not len(starts):
            return []
        v0 = view.start.timestamp()
        span_s = view.span_ms / 1000.0
        width = int(self.axis_width())
        i0 = int(np.searchsorted(ends, v0, side="right"))
        i1 = int(np.searchsorted(starts, v0 + span_s, side="left"))
        if i1 <= i0:
            return []
        scale = width / span_s
        first = np.clip(((starts[i0:i1] - v0) * scale).astype(int), 0, width - 1)
        last = np.clip(((ends[i0:i1] - v0) * scale).astype(int), 0, width - 1)
        column = np.zeros(width, dtype=float)
        np.maximum.at(column, first, levels[i0:i1])
        wide = np.flatnonzero(last > first + 1)  # a bin wider than a pixel fills its columns
        for i in wide:
            np.maximum(column[first[i] : last[i]], levels[i0 + i], out=column[first[i] : last[i]])
        return [(int(c), float(column[c])) for c in np.flatnonzero(column)]

    def _paint_lane(self, p: QPainter, row: int, lane: Lane, metrics: QFontMetrics, view: Viewport) -> None:
        rect = self.lane_rect(row)
        name_rect = QRectF(4, rect.top(), self.NAME_W - 8, rect.height())
        current = lane.key == self.current_key
        font = p.font()
        font.setBold(current)
        p.setFont(font)
        p.setPen(QColor("#202124"))
        name = lane.camera + (" ♪" if lane.has_audio else "")
        p.drawText(
            name_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(name_rect.width())),
        )
        font.setBold(False)
        p.setFont(font)
        p.save()
        p.setClipRect(rect.adjusted(0, -1, 0, 1))
        p.fillRect(rect, NO_FOOTAGE if not current else QColor("#e8f0fe"))
        bar_top = rect.top() + self.STRIP_H + 1
        bar_h = rect.height() - self.STRIP_H - self.MARKER_H - 2
        v0, v1 = utc(view.start), utc(view.end)
        for f in lane.files:
            if utc(f.end) < v0 or utc(f.start) > v1:
                continue
            x0, x1 = self.x_of(f.start), self.x_of(f.end)
            bar = QRectF(x0, bar_top, max(2.0, x1 - x0), bar_h)
            p.fillRect(bar, FILE_FILL)
            p.setPen(QPen(FILE_EDGE, 1))
            p.drawLine(QPointF(x0, bar_top), QPointF(x0, bar_top + bar_h))  # where each file begins
            if f.has_audio and bar.width() > 12:
                p.setPen(QColor("#174ea6"))
                p.drawText(bar.adjusted(3, -2, 0, 2), Qt.AlignmentFlag.AlignVCenter, "♪")
        for g in lane.gaps:  # nothing was recorded here: grey, hatched
            if utc(g.end) < v0 or utc(g.start) > v1:
                continue
            x0, x1 = self.x_of(g.start), self.x_of(g.end)
            band = QRectF(x0, rect.top(), max(3.0, x1 - x0), rect.height() - self.MARKER_H)
            p.fillRect(band, GAP_FILL)
            p.fillRect(band, QBrush(GAP_HATCH, Qt.BrushStyle.BDiagPattern))
        for a, b in lane.overlaps:
            x0, x1 = self.x_of(a), self.x_of(b)
            p.fillRect(QRectF(x0, bar_top + bar_h - 3, max(2.0, x1 - x0), 3), OVERLAP)
        left = self.axis_left()
        for column, level in self._activity_columns(lane, view):
            h = max(1.5, self.STRIP_H * level)
            colour = QColor.fromHsvF(0.08, 0.35 + 0.6 * level, 0.95 - 0.25 * level)
            p.fillRect(QRectF(left + column, rect.top() + self.STRIP_H - h, 1.0, h), colour)
        y0 = rect.bottom() - self.MARKER_H
        for m in lane.markers:
            if not v0 <= utc(m.when) <= v1:
                continue
            x = self.x_of(m.when)
            path = QPainterPath()
            path.moveTo(QPointF(x, y0))
            path.lineTo(QPointF(x - 4.5, y0 + self.MARKER_H))
            path.lineTo(QPointF(x + 4.5, y0 + self.MARKER_H))
            path.closeSubpath()
            p.setBrush(QColor(m.colour))
            p.setPen(QPen(QColor("#ffffff"), 1))
            p.drawPath(path)
        p.restore()


# -- the adapter between the timeline and a player ------------------------------------------


def open_recorded_moment(
    model: TimelineModel, key: str, when: datetime, open_clip: Callable[[int, int], None]
) -> str:
    """Show camera ``key`` at recorded time ``when`` through ``open_clip(clip_id, position_ms)``.

    The one place the timeline meets a player: today ``open_clip`` is the main
    window's single-clip ``seek_to``; the multi-tile engine's
    ``seek_recorded(camera_key, when)`` can replace this function.  A moment
    in a gap goes on to the next recording (or back to the last one, after
    the camera's end) and the returned line says so ("no recording
    01:10:00–01:25:00"); "" when the moment was shown as asked.
    """
    lane = model.lane(key)
    if lane is None or not lane.files:
        return f"No footage of camera {key} in this case."
    tz = model.tz
    hit = lane.locate(when)
    if hit is not None:
        open_clip(*hit)
        return ""
    target, gap = step_over_gaps(lane.track, when, forward=True)
    hit = lane.locate(target)
    if hit is None:  # after the camera's last frame: its last moment
        last = lane.track.previous_recording_end(when)
        if last is not None:
            target, hit = last, lane.locate(add_ms(last, -1))
    if hit is None:
        return f"{lane.camera} has no recording at {format_clock(when, tz)}."
    open_clip(*hit)
    if gap is not None:
        return (
            f"{lane.camera}: no recording {format_clock(gap.start, tz)}–{format_clock(gap.end, tz)}; "
            f"shown from {format_clock(target, tz)}."
        )
    if utc(target) > utc(when):
        return f"{lane.camera}: no recording at {format_clock(when, tz)}; it starts at {format_clock(target, tz)}."
    return f"{lane.camera}: no recording at {format_clock(when, tz)}; shown at its last recorded moment."


class _Cancelled(Exception):
    """The extras job stopped because it was cancelled (a newer case or clip list replaced it)."""


def _extras_job(store_factory: Callable[[], Store], clips: list[Clip]) -> tasks.WorkFn:
    """Background job: what each clip's stored index, file and activity say, as :class:`ClipExtras` by clip id.

    ``store_factory`` opens a connection of the job's own
    (``ReviewSession.worker_store``); the files are opened only to see
    whether they hold an audio stream.  Stores nothing.
    """

    def work(progress: tasks.ProgressFn, cancel: tasks.CancelFn) -> dict[int, ClipExtras]:
        from cctv_review.clips import stored_index

        out: dict[int, ClipExtras] = {}
        with store_factory() as store:  # a connection of this thread's own
            for i, clip in enumerate(clips):
                if cancel():
                    raise _Cancelled()
                assert clip.id is not None
                try:
                    index = stored_index(store, clip)
                except Exception:  # a damaged index record: the lane shows no inner gaps
                    log.exception("reading the index of clip %s", clip.id)
                    index = None
                activity = store.activity(clip.id)
                out[clip.id] = ClipExtras(
                    inner_gaps=tuple(index.gaps()) if index is not None else (),
                    has_audio=has_audio(clip.path),
                    activity_bin_ms=activity.bin_ms if activity is not None else 0,
                    activity_scores=tuple(activity.scores) if activity is not None else (),
                    duration_ms=index.duration_ms if index is not None else 0,
                )
                progress((i + 1) / max(1, len(clips)))
        return out

    return work


def has_audio(path: str) -> bool:
    """True if the file has an audio stream (reads the container header only; False if unreadable)."""
    try:
        import av

        with av.open(path) as container:
            return bool(container.streams.audio)
    except Exception:  # a missing or unreadable file: the lane shows no sound mark, the player says why
        return False


class CaseTimelineController(QObject):
    """Keeps a :class:`CaseTimeline` in step with the session and the player (see the module docstring).

    ``open_clip(clip_id, position_ms)`` shows a clip at a position (the main
    window's ``seek_to``); ``status(text, timeout_ms)`` shows a passing line.
    """

    def __init__(
        self,
        session: ReviewSession,
        player: PlayerWidget,
        timeline: CaseTimeline,
        open_clip: Callable[[int, int], None],
        status: Callable[[str, int], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.player, self.timeline = session, player, timeline
        self.open_clip, self.status = open_clip, status
        self.parent_widget = parent
        self.tz: tzinfo = zone(DEFAULT_ZONE)  # the store's, read when a case is opened
        self.extras: dict[int, ClipExtras] = {}
        self.extras_task: tasks.Task | None = None
        self.goto_dialog: QDialog | None = None
        #: ``(camera_key, when) -> handled``: the cameras side by side take a lane's click while shown.
        self.recorded_seek: Callable[[str, datetime], bool] | None = None
        self._case_id: int | None = None
        #: The reviewer's activity sensitivity, as the player's box shows it (no settings read per rebuild).
        self.sensitivity = player.sensitivity_box.value()
        player.sensitivity_box.sensitivityChanged.connect(self._sensitivity_changed)
        timeline.seek_requested.connect(self.go_to)
        session.caseOpened.connect(lambda _case: self.case_opened())
        session.changed.connect(self._changed)
        player.positionChanged.connect(self._position)
        player.clipChanged.connect(self._clip_changed)
        opened = getattr(player.player, "opened", None)
        if opened is not None:  # connected after the player widget's own slot, so its gaps are set
            opened.connect(lambda _info: self._clip_opened())
        if hasattr(player, "activityChanged"):
            player.activityChanged.connect(self._activity_found)
        self.case_opened()

    # -- the model -------------------------------------------------------------------
    def case_opened(self) -> None:
        """A case was opened (or none): its lanes, the whole detention in view, its clips' extras read."""
        self._case_id = self.session.case_id
        self.tz = store_zone(self.session)  # the zone may have been changed in the settings since
        self.extras = {}
        self.rebuild(keep_view=False)
        self.load_extras()

    def _changed(self, changes: Changes) -> None:
        if changes.clips:
            if callable(getattr(self.session, "zone", None)):
                self.tz = store_zone(self.session)  # the session's zone() is kept in memory: no SQL
            self.rebuild()
            if any(c.id not in self.extras for c in self.session.clips()):
                self.load_extras()
        elif changes.findings:
            self.findings_changed()

    def findings_changed(self) -> None:
        """Markers only: the lanes' files, gaps and activity are kept (in memory: no SQL)."""
        model = self.timeline.model
        if model is None or self.session.case is None:
            return
        self.timeline.set_model(with_findings(model, self.session.clips(), self.session.findings()))

    def rebuild(self, keep_view: bool = True) -> None:
        """Build the model again from the session's clips and findings (in memory: no SQL).

        For clips, their extras or the sensitivity changed; findings alone go
        through :meth:`findings_changed`.
        """
        sensitivity = self.sensitivity
        extras = {
            clip_id: replace(
                ex,
                activity_scores=tuple(
                    activity_nav.strip_scores(ex.activity_scores, ex.activity_bin_ms, sensitivity)
                ),
            )
            for clip_id, ex in self.extras.items()
        }
        findings = self.session.findings() if self.session.case is not None else []
        clips = self.session.clips() if self.session.case is not None else []
        self.timeline.set_model(build_model(clips, findings, extras, self.tz), keep_view=keep_view)
        self._clip_changed(self.player.clip)

    def _sensitivity_changed(self, sensitivity: float) -> None:
        self.sensitivity = sensitivity
        self.rebuild()

    def load_extras(self) -> tasks.Task | None:
        """Read each clip's gaps, sound and activity in a background job, then rebuild."""
        clips = [c for c in self.session.clips() if c.id is not None] if self.session.case else []
        if not clips:
            return None
        if self.extras_task is not None:
            self.extras_task.cancel()
        case_id = self._case_id

        def done(found: dict[int, ClipExtras]) -> None:
            if case_id == self._case_id:
                self.extras.update(found)
                self.rebuild()

        def failed(message: str) -> None:
            self.status(f"The case timeline could not read the clips: {message}", 8000)

        self.extras_task = tasks.run_task(
            _extras_job(self.session.worker_store, clips),
            context="reading the clips for the case timeline",
            on_done=done,
            on_failed=failed,
        )
        return self.extras_task

    # -- the player ------------------------------------------------------------------
    def _clip_opened(self) -> None:
        """The player opened a clip with its exact index: its lane shows the index's gaps and duration.

        Covers a clip indexed after the case was opened (added before the
        index existed), without reading anything again.
        """
        clip = self.player.clip
        if clip is None or clip.id is None or not self.player.opened:
            return
        ex = self.extras.get(clip.id, ClipExtras())
        gaps = tuple((int(a), int(b)) for a, b in self.player.gaps)
        duration = int(self.player.duration_ms or 0)
        if ex.inner_gaps == gaps and (ex.duration_ms or clip.duration_ms) == duration:
            return
        self.extras[clip.id] = replace(ex, inner_gaps=gaps, duration_ms=duration)
        self.rebuild()

    def _activity_found(self) -> None:
        """The player has the open clip's activity scores (a scan finished): show them in its lane."""
        clip = self.player.clip
        if clip is None or clip.id is None or clip.id not in self.extras or not self.player.scores:
            return
        ex = self.extras[clip.id]
        scores = tuple(self.player.scores)
        if ex.activity_bin_ms == self.player.bin_ms and ex.activity_scores == scores:
            return  # the same scores (the sensitivity changed: _sensitivity_changed rebuilds)
        self.extras[clip.id] = replace(ex, activity_bin_ms=self.player.bin_ms, activity_scores=scores)
        self.rebuild()

    def _clip_changed(self, clip: Clip | None) -> None:
        self.timeline.set_current_camera(clip.camera if clip is not None else None)
        self._position(self.player.position_ms)

    def _position(self, position_ms: int) -> None:
        clip, model = self.player.clip, self.timeline.model
        if clip is None or clip.id is None or model is None:
            self.timeline.set_playhead(None)
            return
        self.timeline.set_playhead(model.recorded_time(clip.id, position_ms))

    # -- going to a moment --------------------------------------------------------------
    def go_to(self, key: str, when: datetime) -> None:
        """Show camera ``key`` at recorded time ``when`` (a lane clicked, or Go to time)."""
        model = self.timeline.model
        if model is None:
            return
        if self.recorded_seek is not None and self.recorded_seek(key, when):
            return  # shown side by side: the tiles' engine finds the frame (or says there is none)
        had_focus = self.timeline.hasFocus()
        message = open_recorded_moment(model, key, when, self.open_clip)
        if (
            had_focus
        ):  # opening a clip focuses the picture; keep +/- for the timeline (playback keys work in both)
            self.timeline.setFocus(Qt.FocusReason.OtherFocusReason)
        if message:
            self.status(message, 8000)
        else:
            lane = model.lane(key)
            self.status(f"{lane.camera if lane else key} at {format_clock(when, model.tz, True)}", 4000)

    def current_key(self, when: datetime) -> str | None:
        """The camera Go to time uses: the player's, else the first with a recording at ``when``."""
        model = self.timeline.model
        if model is None or not model.lanes:
            return None
        clip = self.player.clip
        lane = model.lane(clip.camera) if clip is not None else None
        if lane is not None and lane.files:
            return lane.key
        for lane in model.lanes:
            if lane.locate(when) is not None:
                return lane.key
        return next((lane.key for lane in model.lanes if lane.files), None)

    def go_to_time(self) -> QDialog:
        """Ctrl+G: ask for a recorded time, a date and time, or a clip time, and go there."""
        from cctv_review.ui.goto_time import GotoTimeDialog

        model = self.timeline.model
        clip = self.player.clip
        dialog = GotoTimeDialog(
            self.tz,
            model.start if model else None,
            model.end if model else None,
            (self.player.duration_ms or clip.duration_ms) if clip is not None else None,
            self.parent_widget,
            clip_mode=model is None or model.start is None,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            target = dialog.target
            if result != QDialog.DialogCode.Accepted or target is None:
                return
            if target.position_ms is not None:
                current = self.player.clip
                if current is not None and current.id is not None:
                    self.open_clip(current.id, target.position_ms)
                return
            assert target.when is not None
            key = self.current_key(target.when)
            if key is None:
                self.status("This case has no footage with a recorded start.", 8000)
                return
            self.go_to(key, target.when)

        dialog.finished.connect(finished)
        self.goto_dialog = dialog
        dialog.open()
        return dialog


def attach_case_timeline(window: MainWindow) -> CaseTimelineController:
    """Put the case timeline under the video of ``window`` and wire it (the main window calls this once)."""
    area = getattr(window, "video_area", None)  # under the player, or the cameras side by side
    timeline = CaseTimeline(area if area is not None else window.player)
    layout = (area if area is not None else window.player).layout()
    if layout is not None:
        layout.addWidget(timeline)
    controller = CaseTimelineController(
        window.session,
        window.player,
        timeline,
        open_clip=lambda clip_id, position_ms: window.seek_to(clip_id, position_ms),
        status=window.status,
        parent=window,
    )
    side = getattr(window, "side_by_side", None)
    if side is not None:  # side by side: a click goes to that camera in the tiles; the playhead follows them
        controller.recorded_seek = side.seek_recorded
        side.clockChanged.connect(timeline.set_playhead)
    return controller
