"""Cameras side by side: layouts 1, 2, 2x2 and 3x3 under one recorded-time clock.

:class:`TileView` shows the case's camera tracks in a grid of tiles, all
played by one :class:`~cctv_review.video.qt.QtSyncPlayer` (one clock in
recorded time; each tile shows the frame whose recorded time is the latest at
or before it, decoded in the tile's own worker thread: the GUI thread only
paints).  Each tile has a camera chooser above its picture; a tile with no
recording at the moment says "No recording — next at 01:25:00".  One tile is
the **main view** (blue frame): double-click it or press Enter on it to make
it the main view; stepping acts on it (the others follow to their frame at
that moment), and the findings (F) and stills of the workspace act on it
(:class:`TilesWindow` hands its clip and position to the workspace player
through ``mainMoment``).  Switching the main camera, the camera in a tile or
the layout keeps the recorded moment.

:class:`TilesWindow` is the window around it (View > Cameras side by side):
a toolbar with the layouts, play/pause, frame steps, the speed (reverse
shuttle as negative speeds) and the clock's recorded time.  The case's tracks
are built by :func:`tracks_job` in a background job (stored indexes are
used; a clip without one is indexed there).

For the lead: ``TileView.clockChanged(datetime)`` is the clock for the case
timeline's playhead (``set_playhead``); the timeline's
``seek_requested(camera_key, when)`` goes to :meth:`TileView.seek_recorded`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone, tzinfo
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QMainWindow,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from cctv_review.ui.player_widget import VideoSurface
from cctv_review.video.track_player import CameraTrack, ShownFrame, camera_tracks, format_clock

#: Layout name -> (rows, columns).
LAYOUTS: dict[str, tuple[int, int]] = {"1": (1, 1), "2": (1, 2), "2x2": (2, 2), "3x3": (3, 3)}
#: Speeds offered, reverse shuttle as negative.
SPEEDS = (-16.0, -8.0, -4.0, -2.0, -1.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def tracks_job(clips: Sequence[Any], stored: dict[int, Any], tz: tzinfo) -> Callable[..., list[CameraTrack]]:
    """A background job: the case's camera tracks (indexes from ``stored``, else built from the file).

    ``clips``: the case's :class:`~cctv_review.domain.Clip`\\ s; ``stored``:
    clip id -> stored :class:`~cctv_review.video.index.ClipIndex` or None.
    Raises (in the worker) a ``VideoError`` for a file that cannot be indexed.
    """

    def work(progress: Callable[[float, str], None], cancel: Callable[[], bool]) -> list[CameraTrack]:
        from cctv_review.video.index import build_index

        missing = [c for c in clips if stored.get(c.id) is None]
        built: dict[int, Any] = {}
        for n, clip in enumerate(missing):
            progress(n / max(1, len(missing)), f"Indexing {clip.camera}…")
            built[clip.id] = build_index(clip.path, cancel=cancel)
        return camera_tracks(clips, lambda c: stored.get(c.id) or built[c.id], tz)

    return work


class TileSurface(VideoSurface):
    """A tile's picture: the main view has a blue frame; double-click or Enter makes it the main view."""

    activated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(160, 90)
        self.main = False
        self.caption = ""
        self.message = ""

    def sizeHint(self) -> QSize:
        return QSize(480, 270)

    def set_main(self, main: bool) -> None:
        self.main = main
        self.update()

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        p = QPainter(self)
        if self.caption:
            p.setPen(QColor("#e8eaed"))
            box = self.rect().adjusted(6, 4, -6, -4)
            p.fillRect(
                box.x() - 2,
                box.bottom() - 18,
                p.fontMetrics().horizontalAdvance(self.caption) + 8,
                20,
                QColor(0, 0, 0, 160),
            )
            p.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, self.caption)
        if self.main:
            p.setPen(QPen(QColor("#8ab4f8"), 4))
            p.drawRect(self.rect().adjusted(2, 2, -2, -2))
        p.end()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.activated.emit()
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activated.emit()
            return
        super().keyPressEvent(event)


class Tile(QWidget):
    """One tile: a camera chooser over its picture."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        layout = QVBoxLayout(self)
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setSpacing(1)
        self.camera_box = QComboBox()
        self.camera_box.setObjectName(f"tileCamera{number}")
        self.camera_box.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.camera_box.setToolTip("The camera shown in this tile")
        layout.addWidget(self.camera_box)
        self.surface = TileSurface()
        self.surface.setObjectName(f"tileSurface{number}")
        layout.addWidget(self.surface, 1)

    def set_cameras(self, cameras: Sequence[tuple[str, str]], current: str | None) -> None:
        box = self.camera_box
        box.blockSignals(True)
        box.clear()
        box.addItem("(no camera)", "")
        for key, name in cameras:
            box.addItem(name, key)
        at = box.findData(current or "")
        box.setCurrentIndex(max(0, at))
        box.blockSignals(False)


class TileView(QWidget):
    """The grid of tiles and its player (see the module docstring)."""

    mainChanged = Signal(int)
    #: A tile double-clicked, or Enter on it: it is now the main view.
    tileActivated = Signal(int)
    clockChanged = Signal(object)  # datetime: the clock's recorded time
    #: A frame shown in the main tile (a :class:`ShownFrame`): its clip tells which file's sound to play.
    mainFrame = Signal(object)
    notice = Signal(str)
    stateChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None, player: Any = None) -> None:
        super().__init__(parent)
        from cctv_review.video.qt import QtSyncPlayer

        self.player = player if player is not None else QtSyncPlayer(self)
        self.tracks: list[CameraTrack] = []
        self.layout_name = "1"
        self.tiles: list[Tile] = []
        self.chosen: list[str] = []  # camera key per tile ("" = none)
        #: ``(clip_id) -> (bin_ms, scores) | None``: a file's stored activity, for N / P.
        self.activity_source: Callable[[int], tuple[int, Sequence[float]] | None] | None = None
        #: Activity sensitivity for N / P (0..1, as the workspace's).
        self.sensitivity: float | str = "normal"
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.player.frameReady.connect(self._frame)
        self.player.messageChanged.connect(self._message)
        self.player.notice.connect(self.notice)
        self.player.stateChanged.connect(self.stateChanged)
        self.player.clockChanged.connect(self.clockChanged)
        self.player.errorOccurred.connect(lambda tile, text: self._message(tile, text))

    # -- tracks and layout ---------------------------------------------------------
    def set_tracks(self, tracks: Sequence[CameraTrack]) -> None:
        """The case's cameras; tiles keep their cameras where they still exist."""
        self.tracks = list(tracks)
        self.player.engine.set_known_tracks(self.tracks)
        keys = [t.key for t in self.tracks]
        self.chosen = [k if k in keys else "" for k in self.chosen]
        self.set_layout(self.layout_name)

    def track(self, key: str) -> CameraTrack | None:
        return next((t for t in self.tracks if t.key == key), None)

    def set_layout(self, name: str) -> None:
        """Show layout ``name`` ("1", "2", "2x2", "3x3"); new tiles get the next cameras not shown."""
        rows, cols = LAYOUTS[name]
        count = rows * cols
        self.layout_name = name
        chosen = list(self.chosen[:count])
        unused = [t.key for t in self.tracks if t.key not in chosen]
        while len(chosen) < count:
            chosen.append(unused.pop(0) if unused else "")
        self.chosen = chosen
        while len(self.tiles) < count:
            tile = Tile(len(self.tiles), self)
            number = tile.number
            tile.surface.activated.connect(lambda n=number: self._activated(n))
            tile.surface.resized.connect(lambda n=number: self._tell_size(n))
            tile.camera_box.activated.connect(
                lambda _i, n=number: self.choose_camera(n, self.tiles[n].camera_box.currentData())
            )
            self.tiles.append(tile)
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.hide()
        cameras = [(t.key, t.name) for t in self.tracks]
        for i in range(count):
            tile = self.tiles[i]
            self.grid.addWidget(tile, i // cols, i % cols)
            tile.set_cameras(cameras, chosen[i])
            self._say_if_empty(i)
            tile.show()
        main = min(self.player.engine.main, count - 1)
        self.player.engine.set_tiles([self.track(k) for k in chosen], main=main)
        for i in range(count):
            self._tell_size(i)
        self._show_main()

    def choose_camera(self, tile: int, key: str | None) -> None:
        """Show camera ``key`` in ``tile`` (the recorded moment is kept)."""
        self.chosen[tile] = key or ""
        self.player.engine.set_tile(tile, self.track(key or ""))
        self.tiles[tile].set_cameras([(t.key, t.name) for t in self.tracks], key)
        self.tiles[tile].surface.image = None
        self.tiles[tile].surface.set_message("")
        self._say_if_empty(tile)
        self.tiles[tile].surface.update()

    def _say_if_empty(self, tile: int) -> None:
        """A tile with no camera says why, and what to do."""
        if self.chosen[tile]:
            return
        surface = self.tiles[tile].surface
        surface.image = None
        surface.caption = ""
        others = len(self.tracks) > 1
        surface.set_message(
            "No camera: choose one in the box above" if others else "This case has no other camera"
        )

    def make_main(self, tile: int) -> None:
        """Make ``tile`` the main view; the recorded moment is kept."""
        self.player.engine.set_main(tile)
        self._show_main()
        self.mainChanged.emit(tile)

    def _activated(self, tile: int) -> None:
        self.make_main(tile)
        self.tileActivated.emit(tile)

    @property
    def main(self) -> int:
        return int(self.player.engine.main)

    def _show_main(self) -> None:
        for i, tile in enumerate(self.tiles):
            tile.surface.set_main(i == self.main and len(self.chosen) > 1)

    def _tell_size(self, tile: int) -> None:
        if tile < len(self.tiles):
            self.player.engine.set_display_size(tile, *self.tiles[tile].surface.device_size())

    # -- engine -> tiles -----------------------------------------------------------------
    def _frame(self, tile: int, image: QImage, shown: ShownFrame) -> None:
        if tile >= len(self.tiles) or self.chosen[tile] != shown.camera_key:
            return  # a frame of the camera the tile showed before
        surface = self.tiles[tile].surface
        track = self.track(shown.camera_key)
        zone = track.tz if track is not None and track.recorded else None
        surface.caption = f"{track.name if track else ''}  {format_clock(shown.at_ms, zone)}"
        surface.set_image(image)
        if tile == self.main:
            self.mainFrame.emit(shown)

    def _message(self, tile: int, text: str) -> None:
        if tile >= len(self.tiles):
            return
        surface = self.tiles[tile].surface
        if text:
            surface.image = None
            track = self.track(self.chosen[tile]) if tile < len(self.chosen) else None
            surface.caption = track.name if track is not None else ""
        surface.set_message(text)
        if not text and tile < len(self.chosen):
            self._say_if_empty(tile)  # (the engine clears a tile it has no camera for)

    def shown(self, tile: int) -> ShownFrame | None:
        """What ``tile`` shows (None: nothing or no recording)."""
        return self.player.engine.shown(tile)

    # -- commands (the main view's) ----------------------------------------------------
    def play(self) -> None:
        self.player.engine.play()

    def pause(self) -> None:
        self.player.engine.pause()

    def toggle_play(self) -> None:
        self.player.engine.toggle()

    def step(self, delta: int) -> None:
        self.player.engine.step(delta)

    def jump(self, seconds: float) -> None:
        self.player.engine.jump(seconds)

    def set_speed(self, speed: float) -> None:
        self.player.engine.set_speed(speed)

    def seek_time(self, when: datetime) -> None:
        """Go to the recorded moment ``when`` (aware)."""
        self.player.engine.seek_time(when)

    def seek_recorded(self, camera_key: str, when: datetime) -> None:
        """The case timeline's ``seek_requested``: ``camera_key`` becomes the main view, at ``when``."""
        engine = self.player.engine
        shown_before = [t.track.key if t.track else "" for t in engine._tiles]
        self.player.seek_recorded(camera_key, when)
        shown_after = [t.key if t else "" for t in engine.tracks()]
        if shown_after != shown_before:
            self.chosen = shown_after
            cameras = [(t.key, t.name) for t in self.tracks]
            for tile, key in zip(self.tiles, self.chosen, strict=False):
                tile.set_cameras(cameras, key)
        self._show_main()

    def activity_step(self, forward: bool) -> None:
        """N / P: the main view's camera's next (previous) activity, across its files; the line goes to ``notice``."""
        source = self.activity_source
        if source is None:
            self.notice.emit("Activity has not been found for these cameras yet.")
            return
        self.notice.emit(self.player.engine.activity_step(forward, source, self.sensitivity))

    def close_player(self) -> None:
        self.player.engine.close()


class TilesWindow(QMainWindow):
    """View > Cameras side by side: the tiles, with layouts and transport in a toolbar.

    ``mainMoment(clip_id, position_ms)`` is emitted when the main view stops on
    a frame (pause, step, seek, a new main tile), so the workspace player can
    show the same frame for findings (F) and stills.
    """

    mainMoment = Signal(int, int)
    #: Embedded: layout 1 chosen (the workspace's own player shows the main view again).
    singleRequested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        add_finding: Callable[[], object] | None = None,
        *,
        embedded: bool = False,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.embedded = embedded
        #: The store's zone, for the clock (recorded time as everywhere: ``format_recorded``).
        self.tz = tz
        if embedded:  # a part of the main window, in the place of its player
            self.setWindowFlags(Qt.WindowType.Widget)
        self._add_finding: Callable[[], object] | None = None
        self.setWindowTitle("Cameras side by side")
        self.view = TileView(self)
        self.setCentralWidget(self.view)
        self.clock_label = QLabel("–")
        self.clock_label.setObjectName("tilesClock")
        self.clock_label.setStyleSheet("font-family: monospace; padding: 0 8px")
        bar = QToolBar("Side by side", self)
        bar.setObjectName("tilesToolbar")
        self.toolbar = bar
        self.addToolBar(bar)
        self.layout_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name in LAYOUTS:
            action = QAction({"1": "1", "2": "2", "2x2": "2×2", "3x3": "3×3"}[name], self)
            action.setCheckable(True)
            action.setToolTip(f"Layout: {name}")
            action.triggered.connect(lambda _c=False, n=name: self.set_layout(n))
            group.addAction(action)
            bar.addAction(action)
            self.layout_actions[name] = action
        bar.addSeparator()
        for text, tip, key, slot in (
            ("◀|", "Previous frame of the main view (Left)", "Left", lambda: self.view.step(-1)),
            ("▶/❚❚", "Play / pause (Space)", "Space", self.view.toggle_play),
            ("|▶", "Next frame of the main view (Right)", "Right", lambda: self.view.step(1)),
            ("◀◆", "Previous activity of the main view (P)", "P", lambda: self.view.activity_step(False)),
            ("◆▶", "Next activity of the main view (N)", "N", lambda: self.view.activity_step(True)),
        ):
            action = QAction(text, self)
            action.setToolTip(tip)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _c=False, s=slot: s())
            bar.addAction(action)
            self._keys(action)
        # keys without a button: jumps and the J / K / L shuttle, as in the workspace
        for key, slot in (
            ("Ctrl+Right", lambda: self.view.jump(1)),
            ("Ctrl+Left", lambda: self.view.jump(-1)),
            ("Shift+Right", lambda: self.view.jump(10)),
            ("Shift+Left", lambda: self.view.jump(-10)),
            ("Ctrl+Shift+Right", lambda: self.view.jump(60)),
            ("Ctrl+Shift+Left", lambda: self.view.jump(-60)),
            ("L", lambda: self.shuttle(1)),
            ("K", self.view.pause),
            ("J", lambda: self.shuttle(-1)),
        ):
            action = QAction(key, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(action)
            self._keys(action)
        if add_finding is not None:
            finding = QAction("Finding", self)
            finding.setToolTip("Add a finding at the main view's frame (F)")
            finding.setShortcut(QKeySequence("F"))
            self._add_finding = add_finding
            finding.triggered.connect(lambda _c=False: self._finding())
            bar.addAction(finding)
            self._keys(finding)
        self.speed_box = QComboBox()
        self.speed_box.setObjectName("tilesSpeed")
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}x" if s > 0 else f"◀ {-s:g}x", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.activated.connect(lambda i: self.view.set_speed(SPEEDS[i]))
        self.speed_box.setToolTip("Speed (◀: reverse)")
        bar.addWidget(self.speed_box)
        bar.addWidget(self.clock_label)
        self.view.clockChanged.connect(self._clock)
        self.view.notice.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.view.stateChanged.connect(lambda playing: None if playing else self._hand_over())
        self.view.mainChanged.connect(lambda _t: self._hand_over())
        self.resize(1280, 760)

    def _keys(self, action: QAction) -> None:
        """Embedded, a key works while the focus is in the tiles (the workspace's player keys are its own)."""
        if self.embedded:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

    def set_layout(self, name: str) -> None:
        """Show layout ``name``; embedded, layout 1 is the workspace's own player (``singleRequested``)."""
        if name == "1" and self.embedded:
            self.singleRequested.emit()
            return
        self.layout_actions[name].setChecked(True)
        self.view.set_layout(name)

    def shuttle(self, direction: int) -> None:
        """L / J: play forward (backwards); pressed again, twice as fast, up to 16x."""
        engine = self.view.player.engine
        speed = engine.speed
        if engine.playing and (speed > 0) == (direction > 0):
            speed = min(16.0, abs(speed) * 2) * direction
        else:
            speed = float(direction)
        self.view.set_speed(speed)
        if speed in SPEEDS:
            self.speed_box.setCurrentIndex(SPEEDS.index(speed))
        self.view.play()

    def _clock(self, when: datetime) -> None:
        from cctv_review.recorded_time import format_recorded

        self.clock_label.setText(format_recorded(when, self.tz or when.tzinfo or timezone.utc))

    def _hand_over(self) -> None:
        shown = self.view.shown(self.view.main)
        if shown is not None:
            self.mainMoment.emit(shown.clip_id, shown.position_ms)

    def _finding(self) -> None:
        """F: the workspace shows the main view's frame, then its finding editor opens."""
        self.view.pause()
        self._hand_over()
        if self._add_finding is not None:
            self._add_finding()

    def closeEvent(self, event: Any) -> None:
        self.view.pause()
        super().closeEvent(event)
