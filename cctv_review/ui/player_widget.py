"""The player area: clip list, video picture, timeline and transport controls.

Decoding happens in the video engine's worker threads
(:class:`cctv_review.video.qt.QtPlayer`); this widget only paints the latest
QImage it is handed, scaled to fit while keeping the aspect ratio.  It tells
the engine the picture area's size in device pixels (on resize and on open) so
that the engine converts frames at the size they are shown (half or quarter
size in a small area); stills for findings are decoded again at full
resolution in a background job (``FindingsController.capture_still``).  A clip that
cannot be opened shows the engine's plain-language message in the picture
area; the rest of the case stays usable.

The clip's exact frame index comes from :attr:`PlayerWidget.index_source`
(the footage controller's: the index stored with the clip) and is handed to
the engine, so opening a clip does not demux the file again.  When the source
has none yet it builds it in a background job; the picture area says
"Indexing …" meanwhile and the clip opens when :meth:`PlayerWidget.index_ready`
is called.  Without a source the engine indexes the file itself, in its
decoder thread.

One camera is one track: the clips of a camera with a recorded start,
ordered by it (clock corrections applied), follow each other
(:func:`clip_tracks`).  When playback reaches the end of a file it goes on
with the camera's next file at the matching recorded moment, stepping a frame
past the last (or before the first) frame of a file opens the next (previous)
file, and a gap between files is stepped over with a "No recording
01:10:00–01:25:00" notice.  Choosing another camera's clip in the list opens
that camera at the same recorded moment (or its next recording after it).
Clips with no recorded start play on their own, in clip time.

Gaps in the recording (stretches with no frames: motion-triggered recorders)
come from the index (``VideoInfo.gaps``): the timeline draws each one, and
when playing or stepping crosses one, :attr:`PlayerWidget.warning` says
"No recording for 50 s (0:00:10–0:01:00)" (the main window shows it in the
status bar).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review import recorded_time
from cctv_review.domain import Clip, format_ms
from cctv_review.tracks import Track, TrackFile, build_tracks, camera_key, describe_gap, step_over_gaps
from cctv_review.ui import activity_nav
from cctv_review.ui.shortcuts import JUMP_SECONDS
from cctv_review.ui.timeline import Timeline, span_text

if TYPE_CHECKING:
    from cctv_review.video.index import ClipIndex
    from cctv_review.video.qt import QtPlayer

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def gap_notice(start_ms: int, length_ms: int) -> str:
    """What the status bar says when playback or stepping crosses a gap in the recording."""
    end = start_ms + length_ms
    return f"No recording for {span_text(length_ms)} ({format_ms(start_ms, False)}–{format_ms(end, False)})"


def _corrected_start(clip: Clip) -> datetime | None:
    if clip.recorded_start is None:
        return None
    return clip.recorded_start.astimezone(timezone.utc) + timedelta(
        milliseconds=int(clip.clock_offset_ms or 0)
    )


def clip_tracks(clips: list[Clip]) -> dict[str, Track]:
    """The case's camera tracks by :func:`~cctv_review.tracks.camera_key`, from the stored clips.

    Each clip with a recorded start is a file of its camera's track, starting
    at its recorded start moved by its clock correction (UTC), for its stored
    duration.  Clips without a recorded start are left out (they play alone).
    """
    files = [
        (c.camera, TrackFile(c.id, start, max(1, int(c.duration_ms))))
        for c in clips
        if c.id is not None and (start := _corrected_start(c)) is not None
    ]
    return {camera_key(t.camera): t for t in build_tracks(files)}


def make_player(parent: QObject | None = None) -> QtPlayer:
    """The video engine's Qt player (the GUI thread never decodes)."""
    from cctv_review.video.qt import QtPlayer

    return QtPlayer(parent)


class VideoSurface(QWidget):
    """Paints the latest frame scaled with its aspect ratio, or a message."""

    clicked = Signal()
    resized = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoSurface")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.image: QImage | None = None
        self.message = "Open a case and choose a clip."
        self.error = False
        #: Draws the picture instead of the plain scaled image when set: ``(painter, image, target)``
        #: (zoom, pan, brightness/contrast: ui/video_view_tools.py).
        self.picture_painter: Callable[[QPainter, QImage, QRectF], None] | None = None

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def device_size(self) -> tuple[int, int]:
        """The picture area's size in device pixels."""
        dpr = self.devicePixelRatioF()
        return round(self.width() * dpr), round(self.height() * dpr)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit()

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.message = ""
        self.error = False
        self.update()

    def set_message(self, text: str, error: bool = False) -> None:
        self.message = text
        self.error = error
        if error:
            self.image = None
        self.update()

    def image_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF()
        w, h = self.width(), self.height()
        iw, ih = self.image.width(), self.image.height()
        scale = min(w / iw, h / ih)
        sw, sh = iw * scale, ih * scale
        return QRectF((w - sw) / 2, (h - sh) / 2, sw, sh)

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#111111"))
        if self.image is not None and not self.image.isNull():
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            if self.picture_painter is not None:
                self.picture_painter(p, self.image, self.image_rect())
            else:
                p.drawImage(self.image_rect(), self.image)
        if self.message:
            box = self.rect().adjusted(30, 30, -30, -30)
            font = QFont(p.font())
            font.setPointSizeF(font.pointSizeF() * 1.1)
            p.setFont(font)
            p.setPen(QColor("#ffb4ab") if self.error else QColor("#e8eaed"))
            p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        if self.hasFocus():
            p.setPen(QPen(QColor("#8ab4f8"), 2))
            p.drawRect(self.rect().adjusted(1, 1, -1, -1))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.clicked.emit()
        super().mousePressEvent(event)


def _tool(text: str, tip: str, icon: QIcon | None = None) -> QToolButton:
    button = QToolButton()
    if icon is not None:
        button.setIcon(icon)
    else:
        button.setText(text)
    button.setToolTip(tip)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setAutoRaise(True)
    return button


class PlayerWidget(QWidget):
    """Clip list + picture + timeline + transport. Commands are plain methods."""

    clipChanged = Signal(object)  # Clip | None
    positionChanged = Signal(int)
    stateChanged = Signal(bool)
    speedChanged = Signal(float)
    clipFailed = Signal(str)
    warning = Signal(str)  # non-fatal notice from the engine (e.g. a damaged stretch was skipped)
    savePointReached = Signal()  # pause, seek or clip change: a good moment to save the position
    activityChanged = Signal()  # the open clip's activity scores were set (self.bin_ms, self.scores)
    #: The recorded moment on screen (aware datetime, UTC, clock correction applied) whenever the
    #: position changes, for the case timeline's playhead; not emitted for clips with no recorded start.
    recordedTimeChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None, player: QtPlayer | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("playerArea")
        self.player = player if player is not None else make_player(self)
        self.clips: list[Clip] = []
        self.clip: Clip | None = None
        self.position_ms = 0
        self.playing = False
        self.speed = 1.0
        self.reverse_speed = 0.0  # > 0 while J plays backwards
        self._reverse_timer = QTimer(self)
        self._reverse_timer.timeout.connect(self._reverse_tick)
        self._reverse_origin_ms = self._reverse_target_ms = self._reverse_t0 = 0.0
        self.failed = False
        self.bin_ms = 0
        self.scores: list[float] = []
        #: ``(clip) -> ClipIndex | None``: the clip's stored frame index, or None when it is being
        #: built (the source then calls :meth:`index_ready`).  None: the engine indexes the file itself.
        self.index_source: Callable[[Clip], ClipIndex | None] | None = None
        #: ``(clip) -> (bin_ms, scores) | None``: another clip's stored activity (N/P across files).
        self.activity_source: Callable[[Clip], tuple[int, list[float]] | None] | None = None
        #: The open clip's frame index, when it came from the source.
        self.index: ClipIndex | None = None
        #: True while the clip waits for its index (nothing plays yet).
        self.indexing = False
        #: Gaps in the recording of the open clip: ``[(start_ms, length_ms)]`` (from the index).
        self.gaps: list[tuple[int, int]] = []
        self._gap_announced: int | None = None  # the gap playback has just been told to enter
        #: The open clip's duration: the index's once open (exact), the stored clip's before.
        self.duration_ms = 0
        self._stopped_at, self._stopped_playing = 0.0, False
        #: The store's time zone, for recorded times in notices (the lead wires the store setting).
        self.zone: tzinfo = recorded_time.zone()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.clip_list = QListWidget()
        self.clip_list.setObjectName("clipList")
        self.clip_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.clip_list.itemClicked.connect(self._clip_clicked)
        layout.addWidget(self.clip_list)
        self.surface = VideoSurface()
        self.surface.resized.connect(self._tell_display_size)
        layout.addWidget(self.surface, 1)
        self.timeline = Timeline()
        layout.addWidget(self.timeline)

        style = self.style()
        bar = QHBoxLayout()
        bar.setSpacing(2)
        self.prev_activity_button = _tool("◀◆", "Previous activity (P)")
        self.back_button = _tool(f"−{JUMP_SECONDS}s", f"Back {JUMP_SECONDS} seconds (Shift+Left)")
        self.step_back_button = _tool(
            "", "Previous frame (Left)", style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekBackward)
        )
        self.play_button = _tool(
            "", "Play / pause (Space)", style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        )
        self.play_button.setObjectName("playButton")
        self.play_button.setIconSize(QSize(26, 26))
        self.step_button = _tool(
            "", "Next frame (Right)", style.standardIcon(QStyle.StandardPixmap.SP_MediaSeekForward)
        )
        self.forward_button = _tool(f"+{JUMP_SECONDS}s", f"Forward {JUMP_SECONDS} seconds (Shift+Right)")
        self.next_activity_button = _tool("◆▶", "Next activity (N)")
        for b in (
            self.prev_activity_button,
            self.back_button,
            self.step_back_button,
            self.play_button,
            self.step_button,
            self.forward_button,
            self.next_activity_button,
        ):
            bar.addWidget(b)
        self.speed_combo = QComboBox()
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.speed_combo.setToolTip("Playback speed (number keys 1–5, 9, 0)")
        for s in SPEEDS:
            self.speed_combo.addItem(f"{s:g}x", s)
        self.speed_combo.setCurrentIndex(SPEEDS.index(1.0))
        bar.addWidget(self.speed_combo)
        self.sensitivity_box = activity_nav.SensitivityBox()
        self.sensitivity_box.sensitivityChanged.connect(
            lambda _s: self.set_activity(self.bin_ms, self.scores)
        )
        bar.addWidget(self.sensitivity_box)
        self.time_label = QLabel("0:00:00.000 / 0:00:00")
        self.time_label.setObjectName("timeLabel")
        self.time_label.setStyleSheet("font-family: monospace")
        bar.addWidget(self.time_label)
        bar.addStretch(1)
        self.scan_label = QLabel()
        self.scan_bar = QProgressBar()
        self.scan_bar.setMaximumWidth(100)
        self.scan_bar.setMaximumHeight(12)
        self.scan_bar.setTextVisible(False)
        self.scan_cancel = _tool("Cancel", "Stop finding activity in this clip")
        for w in (self.scan_label, self.scan_bar, self.scan_cancel):
            w.hide()
            bar.addWidget(w)
        layout.addLayout(bar)

        self.prev_activity_button.clicked.connect(self.previous_activity)
        self.back_button.clicked.connect(lambda: self.jump(-JUMP_SECONDS))
        self.step_back_button.clicked.connect(lambda: self.step(-1))
        self.play_button.clicked.connect(self.toggle_play)
        self.step_button.clicked.connect(lambda: self.step(1))
        self.forward_button.clicked.connect(lambda: self.jump(JUMP_SECONDS))
        self.next_activity_button.clicked.connect(self.next_activity)
        self.speed_combo.activated.connect(lambda i: self.set_speed(SPEEDS[i]))
        self.timeline.seekRequested.connect(self.seek)

        p = self.player
        p.frameReady.connect(self._frame)
        p.positionChanged.connect(self._position)
        p.stateChanged.connect(self._state)
        p.errorOccurred.connect(self._error)
        p.endReached.connect(self._end)
        p.opened.connect(self._opened)
        if hasattr(p, "warningOccurred"):
            p.warningOccurred.connect(self.warning)
        self.opened = False
        self._set_controls_enabled(False)

    # -- clips ---------------------------------------------------------------
    #: The store's recorder time zone the clip list writes recorded starts in (set by the main window;
    #: None: the default zone).  See cctv_review.recorded_time.
    recorded_zone: tzinfo | None = None

    def set_clips(self, clips: list[Clip]) -> None:
        self.clips = list(clips)
        self.clip_list.clear()
        for clip in self.clips:
            start = _recorded_start_text(clip, self.recorded_zone)
            item = QListWidgetItem(f"{clip.camera} — {start} — {format_ms(clip.duration_ms, False)}")
            item.setData(Qt.ItemDataRole.UserRole, clip.id)
            item.setToolTip(
                f"{clip.path}\n{clip.width}x{clip.height}, {clip.fps:g} fps, {clip.codec}\n"
                f"SHA-256 {clip.sha256}"
            )
            self.clip_list.addItem(item)
        rows = max(1, min(4, len(self.clips)))
        self.clip_list.setFixedHeight(rows * self.clip_list.fontMetrics().height() + 14 + 4 * rows)
        if not clips:
            self.unload()
            self.surface.set_message("This case has no clips yet. Use File > Add footage… to add its CCTV.")
        self._highlight_current()

    def _highlight_current(self) -> None:
        for i in range(self.clip_list.count()):
            item = self.clip_list.item(i)
            current = self.clip is not None and item.data(Qt.ItemDataRole.UserRole) == self.clip.id
            font = item.font()
            font.setBold(current)
            item.setFont(font)
            if current:
                self.clip_list.setCurrentItem(item)

    def _clip_clicked(self, item: QListWidgetItem) -> None:
        clip_id = item.data(Qt.ItemDataRole.UserRole)
        if self.clip is None or clip_id != self.clip.id:
            target = next(c for c in self.clips if c.id == clip_id)
            if not self.select_camera_at_moment(target):
                self.load_clip(target)
        self.surface.setFocus()

    # -- one camera = one track ------------------------------------------------------
    def recorded_moment(self) -> datetime | None:
        """The recorded moment on screen (UTC, clock correction applied), or None (time not set)."""
        start = _corrected_start(self.clip) if self.clip is not None else None
        return start + timedelta(milliseconds=self.position_ms) if start is not None else None

    def seek_recorded(self, camera_key_: str, when: datetime) -> bool:
        """Show camera ``camera_key_`` at the recorded moment ``when`` (the case timeline's seek).

        ``camera_key_`` is :func:`~cctv_review.tracks.camera_key` of the camera
        name; ``when`` aware.  The camera's file covering ``when`` opens (or is
        sought) there; in a gap, its next recording, with a notice.  False if
        the camera has no recording at or after ``when``.
        """
        track = clip_tracks(self.clips).get(camera_key_)
        if track is None:
            return False
        moment, gap = step_over_gaps(track, when)
        where = track.locate(moment)
        if where is None:
            return False
        if gap is not None:
            self.warning.emit(f"{track.camera}: {self._gap_text(gap)}")
        if self.clip is not None and self.clip.id == where[0] and not self.failed:
            self.seek(where[1])
        else:
            self.load_clip(next(c for c in self.clips if c.id == where[0]), where[1])
        return True

    def select_camera_at_moment(self, clip: Clip) -> bool:
        """Open ``clip``'s camera at the recorded moment on screen; False when that cannot be done.

        The camera's file that covers the moment opens at it; if the camera
        recorded nothing then, its next recording opens, with a notice.  Not
        done (False) when either clip has no recorded start, or for a clip of
        the camera already shown (the reviewer chose that very file).
        """
        moment = self.recorded_moment()
        if moment is None or self.clip is None or _corrected_start(clip) is None:
            return False
        if camera_key(clip.camera) == camera_key(self.clip.camera):
            return False
        track = clip_tracks(self.clips).get(camera_key(clip.camera))
        if track is None:
            return False
        when, gap = step_over_gaps(track, moment)
        where = track.locate(when)
        if where is None:
            self.warning.emit(f"{clip.camera} has no recording at or after this moment.")
            return False
        if gap is not None:
            self.warning.emit(f"{clip.camera}: {self._gap_text(gap)}")
        was_playing = self.playing
        self.load_clip(next(c for c in self.clips if c.id == where[0]), where[1])
        if was_playing:
            self.play()
        return True

    def _gap_text(self, gap: object) -> str:
        from cctv_review.tracks import Span

        assert isinstance(gap, Span)
        local = Span(gap.start.astimezone(self.zone), gap.end.astimezone(self.zone), None)
        text = describe_gap(local)
        return text[:1].upper() + text[1:]

    def continue_track(self, forward: bool = True, play: bool = True) -> bool:
        """Go on with the camera's next (or previous) file; False when this is its last (first) one.

        Forward, the next file opens at the recorded moment where this one
        ends (or at its start, after a gap, which is announced); backward, the
        previous file opens on its last frame.
        """
        clip = self.clip
        start = _corrected_start(clip) if clip is not None else None
        if clip is None or start is None:
            return False
        track = clip_tracks(self.clips).get(camera_key(clip.camera))
        if track is None:
            return False
        if forward:
            end = start + timedelta(milliseconds=self.duration_ms or clip.duration_ms)
            when, gap = step_over_gaps(track, end)
            where = track.locate(when)
            if where is None or where[0] == clip.id:
                return False
        else:
            before = start - timedelta(milliseconds=1)
            when, gap = step_over_gaps(track, before, forward=False)
            # (after a gap, ``when`` is the end of the previous recording: its last frame is just before)
            where = track.locate(when - timedelta(milliseconds=1) if gap is not None else when)
            if where is None or where[0] == clip.id:
                return False
        if gap is not None:
            self.warning.emit(self._gap_text(gap))
        self.load_clip(next(c for c in self.clips if c.id == where[0]), where[1])
        if play:
            self.play()
        return True

    def load_clip(self, clip: Clip, position_ms: int = 0) -> None:
        """Show ``clip`` from ``position_ms``: with its stored index at once, else once it is indexed."""
        self.stop_reverse()
        if self.clip is not None:
            self.savePointReached.emit()
        self.player.close()  # frames of the previous clip stop now, also while this one is indexed
        self.clip = clip
        self.failed = False
        self.duration_ms = clip.duration_ms
        self.position_ms = max(0, min(int(position_ms), clip.duration_ms or int(position_ms)))
        self.playing = False
        self.surface.image = None
        self.surface.set_message(f"Opening {clip.camera}…")
        self.timeline.set_duration(clip.duration_ms)
        self.timeline.set_position(self.position_ms)
        self.timeline.clear_activity()
        self.timeline.set_gaps([])
        self.gaps, self._gap_announced = [], None
        self.scores, self.bin_ms = [], 0
        self._update_time()
        self._highlight_current()
        self.opened = False
        self.index, self.indexing = None, False
        if self.index_source is not None:
            self.index = self.index_source(clip)
            self.indexing = self.index is None
        if self.indexing:
            self._set_controls_enabled(False)
            self.show_indexing(f"Indexing {clip.camera}…")
        else:
            self._open_engine()
        self.clipChanged.emit(clip)

    def _open_engine(self) -> None:
        """Open the current clip in the engine (with its index, if any) at the current position."""
        clip = self.clip
        assert clip is not None
        self._set_controls_enabled(True)
        self.surface.set_message(f"Opening {clip.camera}…")
        self._tell_display_size()
        self.player.open(clip.path, index=self.index)
        self.player.seek_ms(self.position_ms)  # the engine starts there once the clip is probed
        self.player.set_speed(self.speed)

    def show_indexing(self, text: str) -> None:
        """Say in the picture area that the clip is being indexed ("Indexing Cell 4… 40%")."""
        if self.indexing:
            self.surface.set_message(text)

    def index_ready(self, clip_id: int, index: ClipIndex) -> None:
        """The clip's index was built: open the clip with it (if it is still the one chosen)."""
        if self.clip is None or self.clip.id != clip_id or not self.indexing:
            return
        self.index, self.indexing = index, False
        self._open_engine()

    def index_failed(self, clip_id: int, message: str) -> None:
        """The clip could not be indexed: show why, as for a clip that cannot be played."""
        if self.clip is None or self.clip.id != clip_id or not self.indexing:
            return
        self.indexing = False
        self._error(message)

    def _opened(self, info: object) -> None:
        if self.clip is None or self.indexing:
            return
        if Path(str(getattr(info, "path", self.clip.path))) != Path(self.clip.path):
            return  # the previous clip's, queued before this one was chosen
        self.opened = True
        gaps = getattr(info, "gaps", ()) or ()
        self.gaps = [(int(start), int(length)) for start, length in gaps]
        self.timeline.set_gaps(self.gaps)
        duration = int(getattr(info, "duration_ms", 0) or 0)
        if duration > 0:  # the index's duration is exact; an old clip's stored one may not be
            self.duration_ms = duration
            self.timeline.set_duration(duration)
            self._update_time()

    def _tell_display_size(self) -> None:
        """Let the engine convert frames at the size they are shown."""
        setter = getattr(self.player, "set_display_size", None)
        if setter is not None:
            setter(*self.surface.device_size())

    def unload(self) -> None:
        self.stop_reverse()
        if self.clip is not None:
            self.savePointReached.emit()
        self.player.close()
        self.clip = None
        self.playing = False
        self.position_ms = 0
        self.surface.image = None
        self.surface.set_message("Open a case and choose a clip.")
        self.timeline.set_duration(0)
        self.timeline.set_markers([])
        self.timeline.clear_activity()
        self.timeline.set_gaps([])
        self.gaps, self.index, self.indexing, self.duration_ms = [], None, False, 0
        self._set_controls_enabled(False)
        self._update_time()
        self.clipChanged.emit(None)

    def _set_controls_enabled(self, on: bool) -> None:
        for b in (
            self.prev_activity_button,
            self.back_button,
            self.step_back_button,
            self.play_button,
            self.step_button,
            self.forward_button,
            self.next_activity_button,
            self.speed_combo,
        ):
            b.setEnabled(on)

    # -- engine callbacks (GUI thread, via queued signals) ----------------------
    def _frame(self, image: QImage, position_ms: int) -> None:
        # Frames of the previous clip may still be queued when a new one opens: ignore them.
        if self.clip is None or self.failed or not self.opened:
            return
        self.surface.set_image(image)
        self._position(position_ms)

    def _position(self, position_ms: int) -> None:
        if self.clip is None or not self.opened:
            return
        self._tell_gap(self.position_ms, int(position_ms))
        self.position_ms = int(position_ms)
        self.timeline.set_position(self.position_ms)
        self._update_time()
        self.positionChanged.emit(self.position_ms)
        moment = self.recorded_moment()
        if moment is not None:
            self.recordedTimeChanged.emit(moment)

    def gap_crossed(self, before_ms: int, after_ms: int) -> tuple[int, int] | None:
        """The gap the move from ``before_ms`` to ``after_ms`` went across (either way), or None."""
        lo, hi = min(before_ms, after_ms), max(before_ms, after_ms)
        for start, length in self.gaps:
            if lo < start and hi >= start + length:
                return start, length
        return None

    def _tell_gap(self, before_ms: int, after_ms: int) -> None:
        """Say so when a frame shown next to or across a gap means nothing was recorded there.

        While playing, the last frame before a gap stays on screen for the
        gap's length, so the notice comes as it is shown; stepping (or a
        playback that did not show that frame) gets it on the far side.
        """
        crossed = self.gap_crossed(before_ms, after_ms)
        if crossed is not None:
            number = self.gaps.index(crossed)
            if self._gap_announced != number:
                self.warning.emit(gap_notice(*crossed))
            self._gap_announced = None
            return
        if not self.playing or after_ms < before_ms:
            return
        frame_ms = 1000.0 / (self.clip.fps if self.clip is not None and self.clip.fps else 25.0)
        for number, (start, length) in enumerate(self.gaps):
            if after_ms < start <= after_ms + 1.5 * frame_ms and self._gap_announced != number:
                self._gap_announced = number
                self.warning.emit(gap_notice(start, length))
                return

    def _state(self, playing: bool) -> None:
        if not playing:
            self._stopped_at, self._stopped_playing = time.monotonic(), self.playing
        self.playing = bool(playing)
        icon = QStyle.StandardPixmap.SP_MediaPause if self.playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.stateChanged.emit(self.playing)
        if not self.playing:
            self.savePointReached.emit()

    def _error(self, message: str) -> None:
        self.failed = True
        self.playing = False
        self.surface.set_message(message, error=True)
        self._set_controls_enabled(False)
        self.clipFailed.emit(message)

    def _end(self) -> None:
        # The engine says "paused" just before "end": playback was running if it stopped just now.
        was_playing = self.playing or (time.monotonic() - self._stopped_at < 1.0 and self._stopped_playing)
        if was_playing and not self.reverse_speed and self.continue_track(forward=True):
            return  # the camera's next file plays on
        self._state(False)

    def _update_time(self) -> None:
        duration = self.duration_ms if self.clip else 0
        self.time_label.setText(f"{format_ms(self.position_ms)} / {format_ms(duration, False)}")

    # -- commands --------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.clip is not None and not self.failed

    def play(self) -> None:
        self.stop_reverse()
        if self.ready and not self.indexing:
            self.player.play()
            if self.clip is not None:
                self.playing = True

    def pause(self) -> None:
        self.stop_reverse()
        if self.ready and self.playing:
            self.player.pause()
            self.playing = False

    def toggle_play(self) -> None:
        if self.reverse_speed or self.playing:
            self.pause()
        else:
            self.play()

    def step(self, delta: int) -> None:
        """Step ``delta`` frames; past the file's last (before its first) frame, into the camera's next (previous) file."""
        self.stop_reverse()
        if self.ready and not self.indexing:
            index = self.current_frame_index()
            info = getattr(self.player, "info", None)
            count = int(getattr(info, "frame_count", 0) or 0) if self.opened else 0
            at_end = index is not None and count > 0 and delta > 0 and index >= count - 1
            if at_end and self.continue_track(forward=True, play=False):
                return
            at_start = index is not None and delta < 0 and index <= 0
            if at_start and self.continue_track(forward=False, play=False):
                return
            self.player.step(int(delta))

    def jump(self, seconds: float) -> None:
        """Move by ``seconds``; forward into a gap in the recording goes on to the frame after it.

        (Landing in a gap shows the last frame before it, so repeated jumps
        forward would otherwise never get past a gap longer than the jump.)
        """
        if not self.ready:
            return
        target = self.position_ms + int(seconds * 1000)
        if seconds > 0:
            for start, length in self.gaps:
                if start <= target < start + length:
                    target = start + length
        self.seek(target)

    def seek(self, position_ms: int) -> None:
        self.stop_reverse()
        clip = self.clip
        if clip is None or self.failed:
            return
        position_ms = max(0, min(int(position_ms), self.duration_ms or int(position_ms)))
        if self.indexing:  # opens there once indexed
            self.position_ms = position_ms
            self.timeline.set_position(position_ms)
            self._update_time()
            return
        self.player.seek_ms(position_ms)
        if self.opened:
            self._position(position_ms)
        else:  # still opening: show where it will start
            self.position_ms = position_ms
            self.timeline.set_position(position_ms)
            self._update_time()
        self.savePointReached.emit()

    def set_speed(self, speed: float) -> None:
        speed = min(16.0, max(0.25, float(speed)))
        self.speed = speed
        self.player.set_speed(speed)
        index = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
        self.speed_combo.setCurrentIndex(index)
        self.speedChanged.emit(speed)

    def shuttle_forward(self) -> None:
        if not self.ready:
            return
        if self.playing:
            self.set_speed(min(16.0, self.speed * 2))
        else:
            self.set_speed(1.0)
            self.play()

    def shuttle_stop(self) -> None:
        self.pause()

    def shuttle_back(self) -> None:
        """J: play backwards at 1x; each further press doubles the speed (up to 16x)."""
        if not self.ready or not self.opened:
            return
        speed = min(16.0, self.reverse_speed * 2) if self.reverse_speed else 1.0
        if self.playing:
            self.player.pause()
            self.playing = False
        self.reverse_speed = speed
        self._reverse_origin_ms = self._reverse_target_ms = float(self.position_ms)
        self._reverse_t0 = time.monotonic()
        # Slow reverse steps frame by frame through the engine's back-step cache;
        # fast reverse shows exact frames at a steady rate, like fast forward.
        self._reverse_timer.setInterval(40 if speed <= 2 else 120)
        self._reverse_timer.start()
        self.speedChanged.emit(-speed)

    def stop_reverse(self) -> None:
        if self.reverse_speed:
            self._reverse_timer.stop()
            self.reverse_speed = 0.0
            self.speedChanged.emit(self.speed)
            self.savePointReached.emit()

    def _reverse_tick(self) -> None:
        """Follow wall time backwards: where reverse play should be now, never drifting."""
        clip = self.clip
        if clip is None or self.failed or not self.reverse_speed:
            self._reverse_timer.stop()
            return
        elapsed = time.monotonic() - self._reverse_t0
        target = max(0.0, self._reverse_origin_ms - self.reverse_speed * elapsed * 1000.0)
        fps = clip.fps or 25.0
        if self.reverse_speed <= 2:
            frames = int((self._reverse_target_ms - target) * fps / 1000.0)
            if frames >= 1:
                self.player.step(-frames)  # steps merge in the engine if it falls behind
                self._reverse_target_ms -= frames * 1000.0 / fps
        else:
            self.player.seek_ms(int(target))
            self._reverse_target_ms = target
        if target <= 0.0:
            self.stop_reverse()

    # -- activity ----------------------------------------------------------------
    def set_activity(self, bin_ms: int, scores: list[float]) -> None:
        self.bin_ms, self.scores = int(bin_ms), list(scores)
        sensitivity = self.sensitivity_box.value()
        self.timeline.set_activity(bin_ms, activity_nav.strip_scores(self.scores, self.bin_ms, sensitivity))
        self.activityChanged.emit()

    def show_scan_progress(self, fraction: float | None) -> None:
        visible = fraction is not None
        for w in (self.scan_label, self.scan_bar, self.scan_cancel):
            w.setVisible(visible)
        if fraction is not None:
            self.scan_label.setText("Finding activity…")
            self.scan_bar.setValue(int(fraction * 100))
        self.timeline.set_scan_progress(fraction)

    def _activity_step(self, forward: bool) -> None:
        """N / P: go to the next / previous activity event and say where, or that there is none.

        With no more activity in this file that way, the camera's next
        (previous) files are searched in turn (their stored activity, through
        :attr:`activity_source`), so N and P run across the camera's track.
        """
        if self.ready and not self.scores:
            self.warning.emit("Activity has not been found in this clip yet.")
            return
        step = activity_nav.step(
            self.scores, self.bin_ms, self.position_ms, forward, self.sensitivity_box.value()
        )
        if step.target_ms is None and self._activity_in_other_files(forward):
            return
        if step.target_ms is not None:
            self.seek(step.target_ms)
        self.warning.emit(step.message)

    def _activity_in_other_files(self, forward: bool) -> bool:
        """Go to the first (last) activity event of the camera's next (previous) files; False if none."""
        clip = self.clip
        if clip is None or self.activity_source is None or _corrected_start(clip) is None:
            return False
        track = clip_tracks(self.clips).get(camera_key(clip.camera))
        if track is None:
            return False
        order = [f.clip_id for f in track.files]
        if clip.id not in order:
            return False
        here = order.index(clip.id)
        others = order[here + 1 :] if forward else list(reversed(order[:here]))
        for clip_id in others:
            other = next((c for c in self.clips if c.id == clip_id), None)
            found = self.activity_source(other) if other is not None else None
            if other is None or found is None:
                continue
            bin_ms, scores = found
            # from before its first moment (or after its last): its first (last) event counts
            start = -3_600_000 if forward else max(1, int(other.duration_ms)) + 3_600_000
            step = activity_nav.step(scores, bin_ms, start, forward, self.sensitivity_box.value())
            if step.target_ms is None:
                continue
            self.load_clip(other, step.target_ms)
            self.warning.emit(
                f"{other.camera}, next file: {step.message}"
                if forward
                else f"{other.camera}, previous file: {step.message}"
            )
            return True
        return False

    def next_activity(self) -> None:
        self._activity_step(True)

    def previous_activity(self) -> None:
        self._activity_step(False)

    def current_frame_index(self) -> int | None:
        """Index of the frame on screen, or None."""
        frame = getattr(self.player, "last_frame", None)
        return int(frame.index) if (frame is not None and self.ready) else None

    def close_player(self) -> None:
        self.player.close()


def _recorded_start_text(clip: Clip, tz: tzinfo | None) -> str:
    """A clip's recorded start (clock correction applied) by the one rule, or "time not set"."""
    from cctv_review.recorded_time import DEFAULT_ZONE, format_recorded, zone

    start = clip.recorded_at(0)
    return format_recorded(start, tz or zone(DEFAULT_ZONE)) if start is not None else "time not set"
