"""View > Cameras side by side: the case's cameras in the workspace, in sync, in the player's place.

:class:`SideBySide` adds the View menu entries and the toolbar button
(layouts 1, 2, 2x2 and 3x3), builds the case's camera tracks in a background
job (:func:`~cctv_review.ui.tiles.tracks_job`: stored frame indexes, a clip
without one is indexed there), and shows an embedded
:class:`~cctv_review.ui.tiles.TilesWindow` where the workspace's player was,
at the player's recorded moment; the case timeline stays under it and a click
on a lane goes to that camera and moment in the tiles.  Layout 1 ("One
camera"), or a double-click or Enter on a tile, brings the workspace's own
player back showing the main view's camera at the same moment (the main view
made large).  Whenever the tiles stop on a frame of the main view, the
workspace player is moved to that clip and position, so findings (F) and
stills act on the main view; F waits for it before opening the editor.  A new
case, or clips added or changed, reload the tracks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QBoxLayout, QMainWindow, QMenu, QSlider, QToolBar, QToolButton, QWidget

from cctv_review.changes import Changes
from cctv_review.ui import tasks
from cctv_review.ui.tiles import LAYOUTS, TilesWindow, tracks_job

#: Longest F waits (s) for the workspace player to show the main view's frame.
FINDING_WAIT_S = 10.0

LAYOUT_TEXT = {
    "1": "One camera",
    "2": "Two cameras side by side",
    "2x2": "2 × 2 cameras",
    "3x3": "3 × 3 cameras",
}


class SideBySide(QObject):
    """The cameras side by side in the main window (see the module docstring).

    ``clockChanged(datetime)``: the tiles' clock (recorded time), while they are shown.
    """

    clockChanged = Signal(object)

    def __init__(
        self,
        window: QMainWindow,
        session: Any,
        footage: Any,
        *,
        add_finding: Callable[[], object],
        status: Callable[[str, int], None],
        host: QWidget | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.footage = footage
        self._add_finding = add_finding
        self._status = status
        #: Where the tiles go: the widget holding the workspace's player (its layout gets the tiles).
        self.host = host
        self.tiles: TilesWindow | None = None
        self.task: tasks.Task | None = None
        self.layout = "2x2"
        self.actions: dict[str, QAction] = {}
        #: F while the tiles are shown: the frame the finding is for, and until when to wait for it.
        self._finding_for: tuple[Any, float] | None = None
        self._finding_timer = QTimer(self)
        self._finding_timer.setInterval(50)
        self._finding_timer.timeout.connect(self._finding_poll)
        #: The workspace's sound (:class:`~cctv_review.ui.audio_out.AudioOut`): while the tiles are
        #: shown it plays the main view's file on the tiles' clock.
        self.audio: Any = None
        self._audio_clip: Any = None  # the TrackClip whose sound is playing
        session.changed.connect(self._changed)
        session.caseOpened.connect(lambda _case: self._reload())

    def add_actions(self) -> None:
        """View > Cameras side by side > layouts, and a toolbar button with the same menu."""
        view_menu = next(
            (a.menu() for a in self.window.menuBar().actions() if a.text().replace("&", "") == "View"), None
        )
        menu = QMenu("Cameras &side by side", self.window)
        for name in LAYOUTS:
            action = QAction(LAYOUT_TEXT[name], self.window)
            action.triggered.connect(lambda _c=False, n=name: self.open(n))
            menu.addAction(action)
            self.actions[name] = action
        if isinstance(view_menu, QMenu):
            view_menu.addSeparator()
            view_menu.addMenu(menu)
        toolbar = self.window.findChild(QToolBar, "mainToolbar")
        if toolbar is not None:
            button = QToolButton()
            button.setText("Side by side")
            button.setToolTip("Cameras side by side, in sync (layouts 1, 2, 2×2, 3×3)")
            button.setMenu(menu)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            toolbar.addWidget(button)

    @property
    def showing(self) -> bool:
        """True while the tiles are shown in the player's place."""
        return self.tiles is not None and self.tiles.isVisible()

    def open(self, layout: str = "2x2") -> None:
        """Show the case's cameras in ``layout`` at the workspace's recorded moment ("1": the player)."""
        if layout == "1":
            self.leave()
            return
        if self.session.case is None or not self.session.clips():
            self._status("Open a case with footage first.", 5000)
            return
        self.layout = layout
        if self.tiles is None:
            embedded = self.host is not None
            self.tiles = TilesWindow(
                self.host,
                add_finding=None if embedded else self._finding,
                embedded=embedded,
                tz=self.session.zone(),
            )
            self.tiles.view.activity_source = self._activity
            self.tiles.mainMoment.connect(self._hand_over)
            self.tiles.singleRequested.connect(self.leave)
            self.tiles.view.tileActivated.connect(lambda _tile: self.leave())
            self.tiles.view.clockChanged.connect(self._clock)
            self.tiles.view.mainFrame.connect(self._main_frame)
            if self.host is not None:
                self.tiles.hide()
                layout_ = self.host.layout()
                if isinstance(layout_, QBoxLayout):  # under the player, above the case timeline
                    layout_.insertWidget(1, self.tiles, 1)
            self._add_sound_controls(self.tiles)
        self.tiles.view.sensitivity = self.footage.player.sensitivity_box.value()
        self._load(then_show=True)

    def _add_sound_controls(self, tiles: TilesWindow) -> None:
        """Mute and volume in the tiles' toolbar, one with the player's (the player's hidden meanwhile)."""
        audio = self.audio
        if audio is None:
            return
        mute = QAction("Mute", tiles)
        mute.setObjectName("tilesMute")
        mute.setCheckable(True)
        mute.setChecked(audio.mute_button.isChecked())
        mute.setEnabled(bool(audio.available))
        mute.setToolTip(
            "Mute the main view's sound (played at 0.5x–2x)"
            if audio.available
            else audio.mute_button.toolTip()
        )
        mute.toggled.connect(audio.set_muted)
        audio.mute_button.toggled.connect(mute.setChecked)
        tiles.toolbar.addAction(mute)
        volume = QSlider(Qt.Orientation.Horizontal)
        volume.setObjectName("tilesVolume")
        volume.setRange(0, 100)
        volume.setValue(audio.volume_slider.value())
        volume.setMaximumWidth(80)
        volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        volume.setEnabled(bool(audio.available))
        volume.setToolTip("Volume of the main view's sound")
        volume.valueChanged.connect(audio.volume_slider.setValue)  # one volume: the player's slider sets it
        audio.volume_slider.valueChanged.connect(volume.setValue)
        tiles.toolbar.addWidget(volume)

    def _load(self, then_show: bool = False) -> None:
        clips = self.session.clips()
        stored = {c.id: self.session.clip_index(c) for c in clips}
        moment = (
            self.footage.player.recorded_moment() if hasattr(self.footage.player, "recorded_moment") else None
        )

        def done(tracks: list) -> None:
            self.task = None
            tiles = self.tiles
            if tiles is None:
                return
            tiles.view.set_tracks(tracks)
            tiles.set_layout(self.layout)
            if moment is not None:
                tiles.view.seek_time(moment)
            if then_show:
                self._show_tiles()

        if self.task is not None:
            self.task.cancel()
        self.task = tasks.run_task(
            tracks_job(clips, stored, self.session.zone()),  # the store-wide recorder zone
            context="preparing the cameras side by side",
            on_done=done,
            on_failed=lambda message: self._status(f"Cameras side by side: {message}", 10_000),
            on_progress=lambda _f, message: self._status(message, 3000),
        )

    def _show_tiles(self) -> None:
        tiles = self.tiles
        if tiles is None:
            return
        if self.host is None:  # a window of its own
            tiles.show()
            tiles.raise_()
            return
        player = self.footage.player
        player.pause()
        player.hide()
        tiles.show()
        tiles.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self._audio_clip = None
        shown = tiles.view.shown(tiles.view.main)
        if shown is not None:
            self._main_frame(shown)

    def leave(self) -> None:
        """Back to the workspace's own player, showing the main view's camera at the same moment."""
        tiles = self.tiles
        if tiles is None or not tiles.isVisible():
            return
        tiles.view.pause()
        self._hand_over_now()
        tiles.hide()
        self._audio_clip = None
        if self.audio is not None:
            self.audio.follow_player()
        player = self.footage.player
        player.show()
        player.surface.setFocus(Qt.FocusReason.OtherFocusReason)

    def main_moment(self) -> tuple[Any, int] | None:
        """While the tiles are shown: the main view's clip (the session's copy) and position (ms) on screen."""
        tiles = self.tiles
        if not self.showing or tiles is None:
            return None
        shown = tiles.view.shown(tiles.view.main)
        if shown is None:
            return None
        clip = next((c for c in self.session.clips() if c.id == shown.clip_id), None)
        return (clip, int(shown.position_ms)) if clip is not None else None

    def seek_recorded(self, camera_key: str, when: Any) -> bool:
        """The timeline's click while the tiles are shown: that camera (made main) at ``when``."""
        if not self.showing or self.tiles is None:
            return False
        self.tiles.view.seek_recorded(camera_key, when)
        return True

    def add_finding(self) -> None:
        """F while the tiles are shown: the workspace moves to the main view's frame, then the editor opens.

        The player may have to open the main view's clip first (in the
        background): the editor waits for it (up to 10 s), so the finding is
        recorded at the frame the reviewer saw.
        """
        tiles = self.tiles
        if tiles is None:
            self._add_finding()
            return
        tiles.view.pause()
        shown = tiles.view.shown(tiles.view.main)
        if shown is None:
            self._status(
                "The main view shows no recording at this moment: choose a moment with a picture.", 6000
            )
            return
        self._hand_over(shown.clip_id, shown.position_ms)
        self._finding_for = (shown, time.monotonic() + FINDING_WAIT_S)
        self._finding_timer.start()
        self._finding_poll()

    def _finding_poll(self) -> None:
        """F's wait: the editor opens once the player shows that very frame (a still with the finding is of it)."""
        pending = self._finding_for
        if pending is None:
            self._finding_timer.stop()
            return
        shown, deadline = pending
        player = self.footage.player
        clip = player.clip
        if (
            player.ready
            and clip is not None
            and clip.id == shown.clip_id
            and player.position_ms == shown.position_ms
            and player.current_frame_index() == shown.frame
        ):
            self._finding_for = None
            self._finding_timer.stop()
            self._add_finding()
        elif time.monotonic() > deadline:
            self._finding_for = None
            self._finding_timer.stop()
            self._status("The main view's clip could not be opened for the finding.", 8000)

    def _changed(self, changes: Changes) -> None:
        if changes.clips:
            self._reload()

    def _reload(self) -> None:
        if self.tiles is not None and self.tiles.isVisible():
            if self.session.case is None or not self.session.clips():
                if self.host is not None:
                    self.leave()
                else:
                    self.tiles.view.pause()
                    self.tiles.hide()
            else:
                self._load()

    def _hand_over(self, clip_id: int, position_ms: int) -> None:
        """The tiles stopped on the main view's frame: the workspace shows it (for F and stills)."""
        if any(c.id == clip_id for c in self.session.clips()):
            self.footage.seek_to(clip_id, position_ms)
            if self.showing and self.tiles is not None:  # keep the keys in the tiles
                self.tiles.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _main_frame(self, shown: Any) -> None:
        """The main tile showed a frame: its file's sound plays (a new file, or a new main tile)."""
        if self.audio is None or not self.showing or self.tiles is None:
            return
        track = self.tiles.view.track(shown.camera_key)
        clip = track.clips.get(shown.clip_id) if track is not None else None
        if clip is None or clip is self._audio_clip:
            return
        self._audio_clip = clip
        self.audio.follow(self._sound_clock(clip), clip.path)

    def _sound_clock(self, clip: Any) -> Callable[[], tuple[bool, float, float]]:
        """The tiles' clock as a position in ``clip``'s file: ``(playing, ms from its first frame, speed)``."""
        assert self.tiles is not None
        engine = self.tiles.view.player.engine
        start = float(clip.start_ms)

        def clock() -> tuple[bool, float, float]:
            return bool(engine.playing), float(engine.position_ms) - start, float(engine.speed)

        return clock

    def _clock(self, when: Any) -> None:
        if self.showing:
            self.clockChanged.emit(when)

    def _hand_over_now(self) -> None:
        tiles = self.tiles
        if tiles is None:
            return
        shown = tiles.view.shown(tiles.view.main)
        if shown is not None:
            self._hand_over(shown.clip_id, shown.position_ms)

    def _activity(self, clip_id: int) -> tuple[int, list[float]] | None:
        found = self.session.activity(clip_id)
        return (found.bin_ms, list(found.scores)) if found is not None else None

    def _finding(self) -> None:
        self.window.raise_()
        self.window.activateWindow()
        self._add_finding()

    def shutdown(self) -> None:
        if self.task is not None:
            self.task.cancel()
        self._finding_for = None
        self._finding_timer.stop()
        if self.tiles is not None:
            self.tiles.view.close_player()
            self.tiles.close()
            self.tiles.deleteLater()
            self.tiles = None
