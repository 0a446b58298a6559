"""View > Cameras side by side: opens the tiles window for the open case and keeps it in step.

:class:`SideBySide` adds the View menu entries and the toolbar button
(layouts 1, 2, 2x2 and 3x3), builds the case's camera tracks in a background
job (:func:`~cctv_review.ui.tiles.tracks_job`: stored frame indexes, a clip
without one is indexed there), and opens :class:`~cctv_review.ui.tiles.TilesWindow`
at the workspace's recorded moment.  When the tiles stop on a frame of the
main view, the workspace player shows that clip and position, so findings
(F) and stills act on the main view.  A new case, or clips added or changed,
reload the tracks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QToolButton

from cctv_review.changes import Changes
from cctv_review.ui import tasks
from cctv_review.ui.tiles import LAYOUTS, TilesWindow, tracks_job

LAYOUT_TEXT = {
    "1": "One camera",
    "2": "Two cameras side by side",
    "2x2": "2 × 2 cameras",
    "3x3": "3 × 3 cameras",
}


class SideBySide(QObject):
    """The side-by-side window of the main window (see the module docstring)."""

    def __init__(
        self,
        window: QMainWindow,
        session: Any,
        footage: Any,
        *,
        add_finding: Callable[[], object],
        status: Callable[[str, int], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.footage = footage
        self._add_finding = add_finding
        self._status = status
        self.tiles: TilesWindow | None = None
        self.task: tasks.Task | None = None
        self.layout = "2x2"
        self.actions: dict[str, QAction] = {}
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

    def open(self, layout: str = "2x2") -> None:
        """Show the case's cameras in ``layout`` at the workspace's recorded moment."""
        if self.session.case is None or not self.session.clips():
            self._status("Open a case with footage first.", 5000)
            return
        self.layout = layout
        if self.tiles is None:
            self.tiles = TilesWindow(None, add_finding=self._finding)
            self.tiles.view.activity_source = self._activity
            self.tiles.mainMoment.connect(self._hand_over)
        self.tiles.view.sensitivity = self.footage.player.sensitivity_box.value()
        self._load(then_show=True)

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
                tiles.show()
                tiles.raise_()

        if self.task is not None:
            self.task.cancel()
        self.task = tasks.run_task(
            tracks_job(clips, stored, self.session.zone()),  # the store-wide recorder zone
            context="preparing the cameras side by side",
            on_done=done,
            on_failed=lambda message: self._status(f"Cameras side by side: {message}", 10_000),
            on_progress=lambda _f, message: self._status(message, 3000),
        )

    def _changed(self, changes: Changes) -> None:
        if changes.clips:
            self._reload()

    def _reload(self) -> None:
        if self.tiles is not None and self.tiles.isVisible():
            if self.session.case is None or not self.session.clips():
                self.tiles.view.pause()
                self.tiles.hide()
            else:
                self._load()

    def _hand_over(self, clip_id: int, position_ms: int) -> None:
        """The tiles stopped on the main view's frame: the workspace shows it (for F and stills)."""
        if any(c.id == clip_id for c in self.session.clips()):
            self.footage.seek_to(clip_id, position_ms)

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
        if self.tiles is not None:
            self.tiles.view.close_player()
            self.tiles.close()
            self.tiles.deleteLater()
            self.tiles = None
