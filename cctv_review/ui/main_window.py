"""The main window: case list, case workspace (player | form + findings), summary.

The window lays the views out and handles the case itself (open, new,
complete, reopen); the rest lives where a newcomer would look for it:

* :mod:`cctv_review.ui.actions`: menus, toolbar and their actions;
* :mod:`cctv_review.ui.findings_controller`: adding and editing findings,
  stills, timeline markers;
* :mod:`cctv_review.ui.footage_controller`: adding clips, activity scans,
  where the reviewer left off;
* :mod:`cctv_review.ui.shortcuts`: the one table of keys; playback keys are
  bound to the player widget itself.

Views refresh from :attr:`ReviewSession.changed` (what a write touched): the
header when the open case or its answers change, the status bar when the
current clip does, the summary only when it is shown (a hidden summary marks
itself stale and is recomputed when its tab is opened).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from cctv_review.changes import Changes
from cctv_review.domain import CASE_FLAGS, CaseStatus, format_ms
from cctv_review.store import CompletionRefused, StoreError
from cctv_review.ui import activity_nav, tasks
from cctv_review.ui.actions import build_actions
from cctv_review.ui.audio_out import AudioOut
from cctv_review.ui.case_list import CaseListWidget
from cctv_review.ui.findings import FindingEditor, FindingsPanel
from cctv_review.ui.findings_controller import FindingsController
from cctv_review.ui.footage_controller import POSITION_SAVE_MS, FootageController
from cctv_review.ui.player_widget import PlayerWidget
from cctv_review.ui.review_form import ReviewForm
from cctv_review.ui.services import ReviewSession
from cctv_review.ui.shortcuts import ShortcutsDialog, display_keys, install_shortcuts, spec_for
from cctv_review.ui.summary_view import SummaryView
from cctv_review.ui.transport import install_transport_status
from cctv_review.ui.video_view_tools import FullScreen, ViewTools
from cctv_review.ui.window_fit import (
    SidePane,
    default_client_size,
    fit_frame_to_screen,
    let_controls_shrink,
    let_labels_shrink,
)

__all__ = ["POSITION_SAVE_MS", "MainWindow"]


def speed_text(speed: float, reverse_speed: float, playing: bool) -> str:
    """The status bar's speed: ``2x ▶`` playing, ``2x`` paused, ``-4x ◀◀`` in reverse shuttle."""
    if reverse_speed:
        return f"-{reverse_speed:g}x ◀◀"
    return f"{speed:g}x" + (" ▶" if playing else "")


class MainWindow(QMainWindow):
    """The application window over one :class:`ReviewSession`."""

    def __init__(self, session: ReviewSession, parent: QWidget | None = None, restore: bool = True) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("cctv-review")
        self.setObjectName("mainWindow")
        self.title_suffix = ""
        self.message_box: QMessageBox | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self._shut = False

        # -- widgets -----------------------------------------------------------
        self.case_list = CaseListWidget(session)
        self.player = PlayerWidget()
        self.player.recorded_zone = self.player.zone = (
            session.zone()
        )  # recorded starts and gap notices use it
        self.form = ReviewForm(session)
        self.findings = FindingsPanel(session)
        self.summary = SummaryView(session)

        self.case_header = QLabel("No case open")
        self.case_header.setObjectName("caseHeader")
        self.case_header.setStyleSheet("font-size:12pt; font-weight:600; padding:2px 4px")
        self.case_header.setWordWrap(True)

        self.side_splitter = QSplitter(Qt.Orientation.Vertical)
        self.side_splitter.setObjectName("sideSplitter")
        self.side_splitter.addWidget(self.form)
        self.side_splitter.addWidget(self.findings)
        self.side_splitter.setStretchFactor(0, 3)
        self.side_splitter.setStretchFactor(1, 1)
        self.work_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.work_splitter.setObjectName("workSplitter")
        # The video area: the player, or the cameras side by side in its place (ui/side_by_side.py),
        # and the case timeline under either (ui/case_timeline.py).
        self.video_area = QWidget()
        self.video_area.setObjectName("videoArea")
        video_layout = QVBoxLayout(self.video_area)
        video_layout.setContentsMargins(0, 0, 0, 0)
        video_layout.setSpacing(0)
        video_layout.addWidget(self.player, 1)
        self.work_splitter.addWidget(self.video_area)
        # At small heights the form and the findings share tabs (window_fit.SidePane).
        self.side_pane = SidePane(self.form, self.findings, self.side_splitter)
        self.work_splitter.addWidget(self.side_pane)
        self.work_splitter.setStretchFactor(0, 3)
        self.work_splitter.setStretchFactor(1, 2)
        workspace = QWidget()
        wl = QVBoxLayout(workspace)
        wl.setContentsMargins(4, 4, 4, 4)
        wl.addWidget(self.case_header)
        wl.addWidget(self.work_splitter, 1)
        self.workspace = workspace

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.addTab(workspace, "Case workspace")
        self.tabs.addTab(self.summary, "Summary")
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.case_list)
        self.main_splitter.addWidget(self.tabs)
        self.main_splitter.setStretchFactor(0, 1)
        self.main_splitter.setStretchFactor(1, 4)
        self.setCentralWidget(self.main_splitter)

        # -- status bar --------------------------------------------------------------
        bar = self.statusBar()
        self.clip_label = QLabel()
        self.position_label = QLabel()
        self.wall_label = QLabel()
        self.speed_label = QLabel("1x")
        for name, label in (
            ("statusClip", self.clip_label),
            ("statusPosition", self.position_label),
            ("statusWall", self.wall_label),
            ("statusSpeed", self.speed_label),
        ):
            label.setObjectName(name)
            bar.addPermanentWidget(label)
        self.position_label.setStyleSheet("font-family: monospace")
        self.store_notice = self._show_store_notice()

        # -- the parts -----------------------------------------------------------------
        self.footage = FootageController(
            session, self.player, self, inform=self.inform, show_problem=self.show_problem, status=self.status
        )
        self.findings_ctl = FindingsController(
            session,
            self.findings,
            self.player,
            self,
            inform=self.inform,
            show_problem=self.show_problem,
            status=self.status,
        )
        self.clock_dialog: QDialog | None = None
        self.settings_dialog: QDialog | None = None
        self.correct_clock_action: QAction | None = None  # made by build_actions
        self.settings_action: QAction | None = None
        self.window_actions = build_actions(self)
        self.shortcuts = install_shortcuts(self.player, self, self)
        # Issue 14: Tools > Draw a sample…, the reason-for-viewing rule (ui/viewing_reason.py).
        from cctv_review.ui.actions import build_figure_actions
        from cctv_review.ui.viewing_reason import ViewingGate

        self.viewing_gate = ViewingGate(session, self)
        self.footage.gate = self.viewing_gate.allow
        self.figure_actions = build_figure_actions(self)

        # Cameras side by side (View menu and toolbar): tiles in sync; F and stills act on the main tile.
        from cctv_review.ui.side_by_side import SideBySide

        self.side_by_side = SideBySide(
            self,
            session,
            self.footage,
            add_finding=self.findings_ctl.add_finding,
            status=self.status,
            host=self.video_area,
        )
        self.side_by_side.add_actions()

        # Zoom, pan, brightness/contrast and full screen for the main view (ui/video_view_tools.py).
        self.view_tools = ViewTools(self.player)
        self.full_screen = FullScreen(self, self._hidden_in_full_screen())
        self._add_view_actions()

        # -- wiring ----------------------------------------------------------------------
        self.case_list.caseActivated.connect(self.open_case)
        self.form.completeRequested.connect(self.complete_case)
        self.form.problem.connect(self.show_problem)
        self.form.timeRequested.connect(self._fill_video_time)
        self.findings.seekRequested.connect(self.seek_to)
        self.findings.problem.connect(self.show_problem)
        self.player.positionChanged.connect(self._update_status)
        self.player.clipChanged.connect(lambda _clip: self._update_status())
        self.player.sensitivity_box.set_value(activity_nav.load_sensitivity(self.session))
        self.player.sensitivity_box.sensitivityChanged.connect(
            lambda value: activity_nav.save_sensitivity(self.session, value)
        )
        self.player.speedChanged.connect(lambda s: self.speed_label.setText(f"{s:g}x"))
        self.player.stateChanged.connect(self._state_changed)
        self.player.clipFailed.connect(lambda _m: self.status("This clip could not be played.", 8000))
        self.player.warning.connect(lambda text: self.status(text, 10000))
        session.changed.connect(self._changed)
        # The case timeline under the video (issue 11): lanes per camera in recorded time, Ctrl+G.
        from cctv_review.ui.case_timeline import attach_case_timeline

        self.case_timeline = attach_case_timeline(self)
        # The player shows direction, real speed and recorded time itself (ui/transport.py).
        self.transport_status = install_transport_status(self.player)
        # The main view's sound, volume and mute (ui/audio_out.py; the sync logic is video/audio.py).
        self.audio = AudioOut(self.player)
        self.side_by_side.audio = self.audio  # side by side: the main view's sound
        self.side_by_side.clockChanged.connect(lambda _when: self._update_status())  # the status bar follows
        self.audio.notice.connect(lambda text: self.status(text, 8000))
        # One-line labels may be narrower than their text, so the window fits 1366x768 (ui/window_fit.py).
        let_labels_shrink(
            [
                getattr(self.findings, "title", None),
                getattr(self.form, "progress_label", None),
                getattr(self.player, "scan_label", None),
                self.clip_label,
                self.wall_label,
            ]
        )
        let_controls_shrink(
            [
                getattr(self.player, "speed_combo", None),
                getattr(self.player, "sensitivity_box", None),
                getattr(self.player, "scan_bar", None),
            ]
        )

        self._default_size()
        self._restore_layout()
        self._update_actions()
        self._update_status()
        if restore:
            self.restore_last_case()

    def _show_store_notice(self) -> QLabel | None:
        """Show the store's notice (opened read-only, on a network drive) in a banner above everything.

        A read-only store also says so in the window title.  Returns the banner
        (None when the store has nothing to say).
        """
        store = self.session.store
        if store.read_only:
            self.title_suffix += " (read-only)"
            self.setWindowTitle("cctv-review" + self.title_suffix)
        if not store.notice:
            return None
        banner = QLabel(store.notice)
        banner.setObjectName("storeNotice")
        banner.setWordWrap(True)
        banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        banner.setStyleSheet("background:#fff3cd; color:#1a1a1a; border:1px solid #c9a227; padding:4px 8px")
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(banner)
        self.takeCentralWidget()  # the main splitter, handed back rather than deleted
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(holder)
        return banner

    @property
    def finding_editor(self) -> FindingEditor | None:
        """The finding editor while it is open."""
        return self.findings_ctl.editor

    def _update_actions(self) -> None:
        self.window_actions.update(self.session.case is not None, self.session.locked)

    # -- what changed ------------------------------------------------------------------
    def _changed(self, changes: Changes) -> None:
        """Refresh what this window shows of a write: the header and the status bar."""
        case_id = self.session.case_id
        if case_id is not None and (case_id in changes.cases or case_id in changes.answers):
            self._update_header()
        clip = self.player.clip
        if clip is not None and clip.id in changes.clips:
            self._update_status()
        # The summary view follows `changed` itself: stale while hidden, recomputed when shown.

    # -- layout memory ---------------------------------------------------------------
    def _default_size(self) -> None:
        screen = self.screen()
        if screen is not None:
            self.resize(*default_client_size(screen.availableGeometry()))
        else:
            self.resize(1500, 920)

    def showEvent(self, event: QShowEvent) -> None:
        """Once shown (the frame is known), keep the whole frame on the screen."""
        super().showEvent(event)
        fit_frame_to_screen(self)
        QTimer.singleShot(0, lambda: fit_frame_to_screen(self))  # the platform may place the frame later

    def _settings(self) -> QSettings:
        return QSettings()

    def _restore_layout(self) -> None:
        s = self._settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        restored = False
        for splitter in (self.main_splitter, self.work_splitter, self.side_splitter):
            state = s.value(f"splitters/{splitter.objectName()}")
            if isinstance(state, QByteArray) and splitter.restoreState(state):
                restored = True
        if not restored:
            self.main_splitter.setSizes([330, 1230])
            self.work_splitter.setSizes([620, 610])
            self.side_splitter.setSizes([600, 260])

    def save_layout(self) -> None:
        s = self._settings()
        s.setValue("window/geometry", self.saveGeometry())
        for splitter in (self.main_splitter, self.work_splitter, self.side_splitter):
            s.setValue(f"splitters/{splitter.objectName()}", splitter.saveState())
        s.sync()

    # -- cases ------------------------------------------------------------------------
    def restore_last_case(self) -> None:
        case_id = self.session.last_case_id()
        if case_id is not None:
            self.open_case(case_id)
        elif self.session.list_cases():
            self.case_list.select_case(None)

    def open_case(self, case_id: int | None) -> None:
        if case_id == self.session.case_id and case_id is not None:
            return
        self.form.flush()
        self.footage.save_position()
        self.player.pause()
        try:
            case = self.session.open_case(case_id)
        except StoreError as exc:
            self.show_problem(str(exc))
            return
        self.tabs.setCurrentIndex(0)
        self.footage.case_opened()
        self._update_header()
        self._update_actions()
        if case is not None:
            self.player.surface.setFocus()

    def _update_header(self) -> None:
        case = self.session.case
        if case is None:
            self.case_header.setText("No case open — choose one from the list, or File > New case.")
            self.setWindowTitle("cctv-review" + self.title_suffix)
            self._update_actions()
            return
        bits = [case.reference]
        if case.custody_suite:
            bits.append(case.custody_suite)
        if case.detention_date:
            bits.append(case.detention_date.strftime("%d %b %Y"))
        flags = [label for flag, label in CASE_FLAGS.items() if getattr(case, flag)]
        status = case.status.label
        if case.status == CaseStatus.COMPLETE and case.outcome:
            status += f": {case.outcome.label.lower()}"
        progress = self.session.progress()
        text = " · ".join(bits) + f"  —  {status}  ({progress.answered}/{progress.applicable} answered)"
        if flags:
            text += "   [" + ", ".join(flags) + "]"
        if self.session.blind:
            text += "   — your blind second review: the first review stays hidden until you complete yours"
        self.case_header.setText(text)
        self.setWindowTitle(f"{case.reference} — cctv-review{self.title_suffix}")
        self._update_actions()

    def new_case(self) -> None:
        from cctv_review.ui.dialogs import NewCaseDialog

        dialog = NewCaseDialog(self.session.suites(), self.session.user, self)
        if dialog.exec() != NewCaseDialog.DialogCode.Accepted:
            return
        try:
            changes = self.session.add_case(**dialog.values())
        except StoreError as exc:
            self.show_problem(str(exc))
            return
        self.open_case(self.session.added_id(changes.cases_added))

    def edit_case(self) -> None:
        """Case > Edit case details…: reference, suite, detention date, reviewer, flags (audited)."""
        from cctv_review.ui.case_dialog import CaseDialog

        case = self.session.case
        if case is None:
            return
        dialog = CaseDialog(self.session.suites(), self.session.user, self, case=case)
        self.case_dialog = dialog
        if dialog.exec() != CaseDialog.DialogCode.Accepted:
            return
        self.save_case_details(dialog.changes())

    def save_case_details(self, changes: dict) -> bool:
        """Save the open case's changed details; the header, case list and summary follow."""
        try:
            self.session.update_case(**changes)
        except StoreError as exc:
            self.show_problem(str(exc))
            return False
        if changes:
            self.status("Case details saved (recorded in the audit trail).", 5000)
        return True

    def find_case(self) -> None:
        self.case_list.search.setFocus()
        self.case_list.search.selectAll()

    def complete_case(self) -> bool:
        if self.session.case is None:
            return False
        self.form.flush()
        try:
            self.session.complete()
        except CompletionRefused as exc:
            self.inform("Case not complete yet", str(exc), QMessageBox.Icon.Warning)
            missing = self.session.template.missing_required(self.session.answers())
            if missing:
                self.form.show_question(missing[0].id)
            return False
        except StoreError as exc:
            self.show_problem(str(exc))
            return False
        case = self.session.case
        assert case is not None and case.outcome is not None
        self.status(f"Case {case.reference} completed: {case.outcome.label}.", 8000)
        self._update_actions()
        return True

    def reopen_case(self) -> None:
        case = self.session.case
        if case is None or not self.session.locked:
            return
        reason, ok = QInputDialog.getText(
            self, "Reopen case", f"Why is case {case.reference} being reopened? (recorded in the audit trail)"
        )
        if not ok:
            return
        try:
            self.session.reopen(reason)
        except StoreError as exc:
            self.show_problem(str(exc))
            return
        self.status(f"Case {case.reference} reopened.", 5000)
        self._update_actions()

    # -- window commands (keys of scope "window" and menus) -------------------------------
    def add_finding(self) -> None:
        """F: pause and add a finding at this moment (side by side: at the main view's frame)."""
        if self.side_by_side.showing:
            self.side_by_side.add_finding()
            return
        self.findings_ctl.add_finding()

    def focus_video(self) -> None:
        self.tabs.setCurrentIndex(0)
        tiles = self.side_by_side.tiles
        if self.side_by_side.showing and tiles is not None:
            tiles.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        self.player.surface.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def toggle_full_screen(self) -> None:
        """F11: the video alone, full screen; F11 or Esc comes back."""
        self.tabs.setCurrentIndex(0)
        self.full_screen.toggle()
        self.player.surface.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def zoom_in(self) -> None:
        self.view_tools.zoom_in()

    def zoom_out(self) -> None:
        self.view_tools.zoom_out()

    def zoom_reset(self) -> None:
        self.view_tools.zoom_reset()

    def _hidden_in_full_screen(self) -> list[QWidget]:
        """What full screen hides: everything around the player (and the clip list above it)."""
        hidden: list[QWidget | None] = [
            self.menuBar(),
            self.statusBar(),
            self.case_list,
            self.case_header,
            self.side_pane,
            self.tabs.tabBar(),
            self.store_notice,
            getattr(self.player, "clip_list", None),
            *self.findChildren(QToolBar),
        ]
        return [widget for widget in hidden if widget is not None]

    def _add_view_actions(self) -> None:
        """The View menu's full screen, zoom and picture entries (keys from the shortcut table)."""
        view_menu = next(
            (a.menu() for a in self.menuBar().actions() if a.menu() is not None and a.text() == "&View"), None
        )
        if not isinstance(view_menu, QMenu):
            return
        view_menu.addSeparator()
        for text, command, slot in (
            ("Full screen", "toggle_full_screen", self.toggle_full_screen),
            ("Zoom in", "zoom_in", self.zoom_in),
            ("Zoom out", "zoom_out", self.zoom_out),
            ("Whole picture", "zoom_reset", self.zoom_reset),
        ):
            action = QAction(f"{text}\t{display_keys(spec_for(command))}", self)
            action.triggered.connect(lambda _checked=False, run=slot: run())
            view_menu.addAction(action)
        picture = QAction("Reset brightness and contrast", self)
        picture.triggered.connect(lambda _checked=False: self.view_tools.reset_adjustment())
        view_menu.addAction(picture)

    def seek_to(self, clip_id: int | None, position_ms: int) -> None:
        """Show ``clip_id`` at ``position_ms`` in the workspace's player (leaving side by side)."""
        self.tabs.setCurrentIndex(0)
        self.side_by_side.leave()
        self.footage.seek_to(clip_id, position_ms)

    def go_to_time(self) -> None:
        """Ctrl+G: go to a recorded time, a date and time, or a time in the clip."""
        self.tabs.setCurrentIndex(0)
        self.case_timeline.go_to_time()

    def show_workspace(self) -> None:
        self.tabs.setCurrentIndex(0)

    def show_summary(self) -> None:
        self.form.flush()
        if self.tabs.currentWidget() is self.summary:
            self.summary.refresh()
        else:
            self.tabs.setCurrentWidget(self.summary)  # a stale summary recomputes when shown

    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()

    def export(self) -> None:
        from cctv_review.ui.export_dialog import ExportDialog

        if self._refuse_while_blind():
            return
        self.form.flush()
        # The export writes its audit entry on its own connection; pausing stops the
        # position saves meanwhile (see services.py on writes from two connections).
        self.player.pause()
        # With the case list filtered, the dialog offers "only these cases".
        dialog = ExportDialog(self.session, parent=self, case_ids=self.case_list.filtered_case_ids())
        dialog.exec()

    def about(self) -> None:
        from cctv_review import __version__

        self.inform(
            "About cctv-review",
            f"cctv-review {__version__}\n\nReview police custody CCTV and record what it teaches.\n"
            f"Database: {self.session.store_path}",
        )

    # -- status bar ------------------------------------------------------------------------
    def status(self, text: str, timeout_ms: int = 0) -> None:
        """A passing message in the status bar."""
        self.statusBar().showMessage(text, timeout_ms)

    def _state_changed(self, playing: bool) -> None:
        self.window_actions.show_playing(playing, self)
        self._update_status()

    def _update_status(self, *_args: object) -> None:
        if self.side_by_side.showing:
            self._update_tiles_status()
            return
        clip = self.player.clip
        if clip is None:
            self.clip_label.setText("No clip")
            self.position_label.setText("")
            self.wall_label.setText("")
            return
        pos = self.player.position_ms
        self.clip_label.setText(clip.camera)
        self.position_label.setText(f"{format_ms(pos)} / {format_ms(self.player.duration_ms, False)}")
        # The session's copy of the clip carries its latest clock correction.
        known = next((c for c in self.session.clips() if c.id == clip.id), clip)
        wall = self.session.recorded_at(known, pos)
        self.wall_label.setText(
            f"Recorded {self.session.format_recorded(wall)}" if wall else "Recorded time not set"
        )
        self.speed_label.setText(
            speed_text(self.player.speed, self.player.reverse_speed, self.player.playing)
        )

    def _update_tiles_status(self) -> None:
        """The status bar while the cameras are side by side: the main view's camera, position and recorded time."""
        moment = self.side_by_side.main_moment()
        if moment is None:
            self.clip_label.setText("Side by side")
            self.position_label.setText("")
            self.wall_label.setText("")
            return
        clip, pos = moment
        self.clip_label.setText(clip.camera)
        self.position_label.setText(f"{format_ms(pos)} / {format_ms(clip.duration_ms, False)}")
        wall = self.session.recorded_at(clip, pos)
        self.wall_label.setText(
            f"Recorded {self.session.format_recorded(wall)}" if wall else "Recorded time not set"
        )
        engine = self.side_by_side.tiles.view.player.engine if self.side_by_side.tiles else None
        if engine is not None:  # (the tiles' speed is signed: negative in reverse)
            reverse = -engine.speed if engine.speed < 0 and engine.playing else 0.0
            self.speed_label.setText(speed_text(abs(engine.speed), reverse, engine.playing))

    # -- recorded time (issue 10 item 1, issue 11 item 4) -----------------------------------
    def _fill_video_time(self, fill: Callable[[str], None]) -> None:
        """The form's "Use video time": the recorded clock time and camera of the frame on screen
        (side by side: of the main view)."""
        from cctv_review.ui.review_form import video_time_text

        moment = self.side_by_side.main_moment()
        if moment is not None:
            known, pos = moment
            fill(
                video_time_text(known.camera, pos, self.session.recorded_at(known, pos), self.session.zone())
            )
            return
        clip = self.player.clip
        if clip is None:
            return
        known = next((c for c in self.session.clips() if c.id == clip.id), clip)
        pos = self.player.position_ms
        fill(video_time_text(known.camera, pos, self.session.recorded_at(known, pos), self.session.zone()))

    def correct_clock(self) -> None:
        """Playback > Correct clock…: type what the burned-in clock shows on this frame."""
        from cctv_review.ui.clock_dialog import correct_clock

        self.clock_dialog = correct_clock(
            self.session, self.player, self, show_problem=self.show_problem, status=self.status
        )

    def edit_settings(self) -> None:
        """Tools > Settings…: the recorders' time zone (store-wide, audited)."""
        from cctv_review.recorded_time import RecordedTimeError
        from cctv_review.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.session.time_zone(), self)
        self.settings_dialog = dialog

        def finished(result: int) -> None:
            if result != SettingsDialog.DialogCode.Accepted:
                return
            try:
                self.session.set_time_zone(dialog.time_zone())
            except (StoreError, RecordedTimeError) as exc:
                self.show_problem(str(exc))
                return
            self.player.recorded_zone = self.player.zone = self.session.zone()
            self.player.set_clips(self.session.clips())
            self._update_status()
            self.status(f"Recorded times are now shown in {self.session.time_zone()}.", 6000)

        dialog.finished.connect(finished)
        dialog.open()

    # -- messages ------------------------------------------------------------------------
    def inform(
        self, title: str, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Information
    ) -> QMessageBox:
        """A non-blocking message box (kept in ``self.message_box``)."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.message_box = box
        box.open()
        return box

    def show_problem(self, text: str) -> None:
        self.status(text, 10000)
        self.inform("cctv-review", text, QMessageBox.Icon.Warning)

    # -- samples and the reason for viewing (issue 14) -------------------------------------
    def draw_sample(self) -> None:
        """Tools > Draw a sample…: the stratified sample dialog (audited as the CLI's draw)."""
        from cctv_review.ui.sample_dialog import SampleDialog

        self.sample_dialog = SampleDialog(self.session, self)
        self.sample_dialog.open()

    def set_viewing_reason_required(self, required: bool) -> None:
        """Tools > Ask for a reason for viewing (a store setting; the change is audited)."""
        try:
            self.session.set_viewing_reason_required(required)
        except StoreError as exc:
            self.show_problem(str(exc))

    def view_footage(self) -> None:
        """Tools > View footage…: show the open case's footage withheld for want of a reason."""
        if self.session.case is not None and self.footage.withheld:
            self.footage.case_opened()

    # -- closing ---------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Save everything and stop the background jobs (idempotent)."""
        if self._shut:
            return
        self._shut = True
        self.form.flush()
        self.footage.save_position()
        self.save_layout()
        self.footage.shutdown()
        self.side_by_side.shutdown()
        self.summary.shutdown()
        tasks.cancel_all()
        self.audio.close()
        self.player.close_player()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- review packages, second review, moderation (issue 14) ----------------------------------
    def _refuse_while_blind(self) -> bool:
        """An export would show the first review of a case under this user's blind second review."""
        if not self.session.blind_case_ids():
            return False
        self.show_problem(
            "You have second reviews still to complete, and an export would show you their first review. "
            "Complete your second reviews first (the lead can export meanwhile)."
        )
        return True

    def export_review_package(self) -> None:
        from cctv_review.ui.package_dialogs import ExportPackageDialog

        self.form.flush()
        self.player.pause()
        chosen = self.case_list.filtered_case_ids() or (
            [self.session.case_id] if self.session.case_id is not None else []
        )
        self.package_dialog = ExportPackageDialog(self.session, chosen, self)
        self.package_dialog.open()

    def import_review_package(self, path: object = None) -> None:
        from pathlib import Path

        from cctv_review.ui.package_dialogs import PackageImporter, choose_package_to_import

        chosen = Path(str(path)) if path else choose_package_to_import(self)
        if chosen is None:
            return
        self.form.flush()
        self.player.pause()
        self.package_importer = PackageImporter(self.session, self, self.inform, self.show_problem)
        self.package_importer.start(chosen)

    def assign_second_review(self) -> None:
        from cctv_review.ui.second_review import AssignSecondReviewDialog

        case = self.session.case
        if case is None:
            return
        self.second_review_dialog = AssignSecondReviewDialog(self.session, case, self)
        self.second_review_dialog.open()

    def moderate(self) -> None:
        from cctv_review.ui.second_review import ModerationDialog

        self.moderation_dialog = ModerationDialog(self.session, self)
        self.moderation_dialog.open()
