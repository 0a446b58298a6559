"""The timeline: a seek bar with the activity strip above and finding markers below.

Clicking or dragging on the bar seeks; clicking a marker seeks to its finding.
Gaps in the recording (stretches with no frames, e.g. a motion-triggered
recorder that stopped; from the clip's frame index) are drawn as grey hatched
bands across the strip and the bar, with a tooltip "No recording
0:00:10–0:01:00 (50 s)".  The widget never takes the keyboard focus, so
playback keys keep working.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from cctv_review.domain import format_ms

#: Colours of a gap in the recording: the band and its hatching.
GAP_FILL = QColor("#b0b3b8")
GAP_HATCH = QColor("#5f6368")


def span_text(ms: int) -> str:
    """A length for people: "0.4 s", "50 s", "12 min 5 s", "1 h 02 min"."""
    seconds = max(0, int(ms)) / 1000
    if seconds < 10 and round(seconds, 1) != round(seconds):
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60:02d} min"


def gap_tooltip(start_ms: int, length_ms: int) -> str:
    """The tooltip of a gap: "No recording 0:00:10–0:01:00 (50 s)"."""
    end = start_ms + length_ms
    return f"No recording {format_ms(start_ms, False)}–{format_ms(end, False)} ({span_text(length_ms)})"


@dataclass(frozen=True)
class Marker:
    id: int
    position_ms: int
    colour: QColor
    tooltip: str = ""


class Timeline(QWidget):
    seekRequested = Signal(int)  # position_ms
    markerClicked = Signal(int, int)  # finding id, position_ms

    MARGIN = 8
    STRIP_H = 14
    BAR_H = 8
    MARKER_H = 12
    HIT = 7

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self.setMinimumHeight(self.STRIP_H + self.BAR_H + self.MARKER_H + 14)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.duration_ms = 0
        self.position_ms = 0
        self.bin_ms = 0
        self.scores: list[float] = []
        self.markers: list[Marker] = []
        #: Gaps in the recording: ``[(start_ms, length_ms)]`` in clip time.
        self.gaps: list[tuple[int, int]] = []
        self.scan_progress: float | None = None
        self._dragging = False

    # -- data --------------------------------------------------------------
    def set_duration(self, ms: int) -> None:
        self.duration_ms = max(0, int(ms))
        self.update()

    def set_position(self, ms: int) -> None:
        if ms != self.position_ms:
            self.position_ms = int(ms)
            self.update()

    def set_activity(self, bin_ms: int, scores: list[float]) -> None:
        self.bin_ms, self.scores = int(bin_ms), list(scores)
        self.update()

    def clear_activity(self) -> None:
        self.set_activity(0, [])

    def set_scan_progress(self, fraction: float | None) -> None:
        self.scan_progress = fraction
        self.update()

    def set_gaps(self, gaps: list[tuple[int, int]]) -> None:
        """The clip's gaps in the recording, ``[(start_ms, length_ms)]`` (``VideoInfo.gaps``)."""
        self.gaps = [(int(a), int(b)) for a, b in gaps]
        self.update()

    def gap_rect(self, start_ms: int, length_ms: int) -> QRectF:
        """Where a gap is drawn: across the activity strip and the bar, at least 3 px wide."""
        x0 = self.x_for(start_ms)
        x1 = max(x0 + 3, self.x_for(start_ms + length_ms))
        return QRectF(x0, 0, x1 - x0, self.STRIP_H + self.BAR_H + 2)

    def gap_at(self, x: float, y: float) -> tuple[int, int] | None:
        """The gap drawn under ``(x, y)``, or None."""
        for gap in self.gaps:
            rect = self.gap_rect(*gap)
            if rect.left() - 1 <= x <= rect.right() + 1 and y <= rect.bottom() + 1:
                return gap
        return None

    def set_markers(self, markers: list[Marker]) -> None:
        self.markers = list(markers)
        self.update()

    # -- geometry ------------------------------------------------------------
    def _track(self) -> QRectF:
        return QRectF(self.MARGIN, 0, max(1, self.width() - 2 * self.MARGIN), self.height())

    def x_for(self, ms: int) -> float:
        track = self._track()
        if self.duration_ms <= 0:
            return track.left()
        return track.left() + track.width() * min(1.0, max(0.0, ms / self.duration_ms))

    def ms_at(self, x: float) -> int:
        track = self._track()
        fraction = min(1.0, max(0.0, (x - track.left()) / track.width()))
        return round(fraction * self.duration_ms)

    def marker_y(self) -> float:
        return self.STRIP_H + self.BAR_H + 4 + self.MARKER_H / 2

    def marker_at(self, x: float, y: float) -> Marker | None:
        if y < self.STRIP_H + self.BAR_H - 2:
            return None
        best: Marker | None = None
        best_d = float(self.HIT + 1)
        for marker in self.markers:
            d = abs(self.x_for(marker.position_ms) - x)
            if d < best_d:
                best, best_d = marker, d
        return best

    # -- painting ------------------------------------------------------------
    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        track = self._track()
        strip = QRectF(track.left(), 0, track.width(), self.STRIP_H)
        p.fillRect(strip, QColor("#ececec"))
        if self.scores and self.bin_ms and self.duration_ms:
            top = max(self.scores) or 1.0
            for i, score in enumerate(self.scores):
                if score <= 0:
                    continue
                x0 = self.x_for(i * self.bin_ms)
                x1 = max(x0 + 1, self.x_for((i + 1) * self.bin_ms))
                level = min(1.0, score / top)
                h = max(2.0, self.STRIP_H * level)
                colour = QColor.fromHsvF(0.08, 0.35 + 0.6 * level, 0.95 - 0.25 * level)
                p.fillRect(QRectF(x0, self.STRIP_H - h, x1 - x0, h), colour)
        elif self.scan_progress is not None:
            p.fillRect(
                QRectF(strip.left(), strip.top(), strip.width() * self.scan_progress, strip.height()),
                QColor("#d2e3fc"),
            )
            p.setPen(QColor("#3c4043"))
            p.drawText(
                strip, Qt.AlignmentFlag.AlignCenter, f"Finding activity… {int(self.scan_progress * 100)}%"
            )

        bar = QRectF(track.left(), self.STRIP_H + 2, track.width(), self.BAR_H - 2)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#dadce0"))
        p.drawRoundedRect(bar, 3, 3)
        if self.duration_ms:
            played = QRectF(bar.left(), bar.top(), self.x_for(self.position_ms) - bar.left(), bar.height())
            p.setBrush(QColor("#1a73e8"))
            p.drawRoundedRect(played, 3, 3)
            for start, length in self.gaps:  # nothing was recorded here: grey, hatched
                rect = self.gap_rect(start, length)
                p.fillRect(rect, GAP_FILL)
                p.fillRect(rect, QBrush(GAP_HATCH, Qt.BrushStyle.BDiagPattern))

        for marker in self.markers:
            x = self.x_for(marker.position_ms)
            y0 = self.STRIP_H + self.BAR_H + 3
            path = QPainterPath()
            path.moveTo(QPointF(x, y0))
            path.lineTo(QPointF(x - 5, y0 + self.MARKER_H))
            path.lineTo(QPointF(x + 5, y0 + self.MARKER_H))
            path.closeSubpath()
            p.setBrush(marker.colour)
            p.setPen(QPen(QColor("#ffffff"), 1))
            p.drawPath(path)

        if self.duration_ms:
            x = self.x_for(self.position_ms)
            p.setPen(QPen(QColor("#202124"), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.STRIP_H + self.BAR_H + 2))
            p.setBrush(QColor("#ffffff"))
            p.setPen(QPen(QColor("#1a73e8"), 2))
            p.drawEllipse(QPointF(x, self.STRIP_H + self.BAR_H / 2 + 1), 5, 5)
        p.end()

    # -- mouse -----------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.duration_ms:
            return
        pos = event.position()
        marker = self.marker_at(pos.x(), pos.y())
        if marker is not None:
            self.markerClicked.emit(marker.id, marker.position_ms)
            self.seekRequested.emit(marker.position_ms)
            return
        self._dragging = True
        self.seekRequested.emit(self.ms_at(pos.x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        if self._dragging:
            self.seekRequested.emit(self.ms_at(pos.x()))
            return
        marker = self.marker_at(pos.x(), pos.y())
        gap = self.gap_at(pos.x(), pos.y()) if marker is None else None
        if marker is not None:
            self.setToolTip(f"{format_ms(marker.position_ms, False)} — {marker.tooltip}")
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        elif gap is not None:
            self.setToolTip(gap_tooltip(*gap))
            self.unsetCursor()
        else:
            self.setToolTip(format_ms(self.ms_at(pos.x()), False) if self.duration_ms else "")
            self.unsetCursor()

    def mouseReleaseEvent(self, _event: QMouseEvent) -> None:
        self._dragging = False
