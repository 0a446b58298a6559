"""The main window: case list, case workspace (player | form + findings), summary."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QSplitter,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import CASE_FLAGS, CaseStatus, format_ms
from cctv_review.store import CaseLocked, CompletionRefused, StoreError
from cctv_review.ui import activity_nav, workers
from cctv_review.ui.case_list import CaseListWidget
from cctv_review.ui.findings import FindingEditor, FindingsPanel, level_colour
from cctv_review.ui.player_widget import PlayerWidget
from cctv_review.ui.review_form import ReviewForm
from cctv_review.ui.services import ReviewSession
from cctv_review.ui.shortcuts import SHORTCUTS, ShortcutsDialog, display_keys, install_shortcuts, spec_for
from cctv_review.ui.summary_view import SummaryView
from cctv_review.ui.timeline import Marker

#: While playing, the position is saved this often (it is also saved on pause, seek, clip change, close).
POSITION_SAVE_MS = 3000


class MainWindow(QMainWindow):
    def __init__(self, session: ReviewSession, parent=None, restore: bool = True):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("cctv-review")
        self.setObjectName("mainWindow")
        self.title_suffix = ""
        self.message_box: QMessageBox | None = None
        self.finding_editor: FindingEditor | None = None
        self.scans: dict[int, object] = {}
        self._played_clips: set[int] = set()

        # -- widgets -----------------------------------------------------------
        self.case_list = CaseListWidget(session)
        self.player = PlayerWidget()
        self.form = ReviewForm(session)
        self.findings = FindingsPanel(session)
        self.summary = SummaryView(session)

        self.case_header = QLabel("No case open")
        self.case_header.setObjectName("caseHeader")
        self.case_header.setStyleSheet("font-size:12pt; font-weight:600; padding:2px 4px")
        self.case_header.setWordWrap(True)

        self.side_splitter = QSplitter(Qt.Vertical)
        self.side_splitter.setObjectName("sideSplitter")
        self.side_splitter.addWidget(self.form)
        self.side_splitter.addWidget(self.findings)
        self.side_splitter.setStretchFactor(0, 3)
        self.side_splitter.setStretchFactor(1, 1)
        self.work_splitter = QSplitter(Qt.Horizontal)
        self.work_splitter.setObjectName("workSplitter")
        self.work_splitter.addWidget(self.player)
        self.work_splitter.addWidget(self.side_splitter)
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
        self.main_splitter = QSplitter(Qt.Horizontal)
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

        self._build_actions()
        self.shortcuts = install_shortcuts(self, self.player, self)

        # -- wiring ----------------------------------------------------------------------
        self.case_list.caseActivated.connect(self.open_case)
        self.form.completeRequested.connect(self.complete_case)
        self.form.problem.connect(self.show_problem)
        self.form.timeRequested.connect(
            lambda fill: fill(format_ms(self.player.position_ms, False)) if self.player.clip else None
        )
        self.findings.seekRequested.connect(self.seek_to)
        self.findings.addRequested.connect(self.add_finding)
        self.findings.editRequested.connect(self.edit_finding)
        self.findings.problem.connect(self.show_problem)
        self.player.positionChanged.connect(self._update_status)
        self.player.clipChanged.connect(self._clip_changed)
        self.player.sensitivity_box.set_value(activity_nav.load_sensitivity(self.session.store))
        self.player.sensitivity_box.sensitivityChanged.connect(
            lambda s: activity_nav.save_sensitivity(self.session.store, s)
        )
        self.player.speedChanged.connect(lambda s: self.speed_label.setText(f"{s:g}x"))
        self.player.stateChanged.connect(self._state_changed)
        self.player.savePointReached.connect(self.save_position)
        self.player.clipFailed.connect(
            lambda m: self.statusBar().showMessage("This clip could not be played.", 8000)
        )
        self.player.warning.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.player.timeline.markerClicked.connect(self._marker_clicked)
        self.player.scan_cancel.clicked.connect(self._cancel_current_scan)
        session.findingsChanged.connect(self._update_markers)
        session.caseChanged.connect(lambda _c: self._update_header())
        session.answersChanged.connect(self._update_header)
        session.casesChanged.connect(self.summary.refresh)
        self.position_timer = QTimer(self)
        self.position_timer.setInterval(POSITION_SAVE_MS)
        self.position_timer.timeout.connect(self.save_position)

        self._default_size()
        self._restore_layout()
        self._update_actions()
        self._update_status()
        if restore:
            self.restore_last_case()

    # -- actions and menus -------------------------------------------------------------
    def _action(self, text: str, slot, command: str | None = None, icon=None) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if command:
            spec = spec_for(command)
            if spec.scope == "menu":
                action.setShortcuts([QKeySequence(k) for k in spec.keys])
            else:
                # The key itself is a QShortcut (see shortcuts.py); show it in the menu.
                action.setText(f"{text}\t{display_keys(spec)}")
                action.setIconText(text.replace("&", ""))
                action.setToolTip(f"{text.replace('&', '')} ({display_keys(spec)})")
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        S = QStyle
        self.new_case_action = self._action("&New case…", self.new_case, "new_case", S.SP_FileIcon)
        self.add_clip_action = self._action("&Add clip…", self.add_clip, "add_clip", S.SP_DialogOpenButton)
        self.export_action = self._action("&Export…", self.export, icon=S.SP_DialogSaveButton)
        self.quit_action = self._action("&Quit", self.close)
        self.quit_action.setShortcut(QKeySequence.Quit)
        self.complete_action = self._action(
            "&Complete case", self.complete_case, "complete_case", S.SP_DialogApplyButton
        )
        self.reopen_action = self._action("&Reopen case…", self.reopen_case)
        self.add_finding_action = self._action(
            "Add &finding", self.add_finding, "add_finding", S.SP_FileDialogDetailedView
        )
        self.find_case_action = self._action("&Find case…", self.find_case, "find_case")
        self.workspace_action = self._action(
            "Case &workspace", lambda: self.tabs.setCurrentIndex(0), "show_workspace"
        )
        self.summary_action = self._action(
            "&Summary", self.show_summary, "show_summary", S.SP_FileDialogInfoView
        )
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.show_shortcuts, "show_shortcuts")
        self.about_action = self._action("&About cctv-review", self.about)
        self.activity_masks_action = self._action(
            "Regions to &ignore for activity…", self.edit_activity_masks
        )

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for a in (self.new_case_action, self.add_clip_action, self.export_action):
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        case_menu = menu.addMenu("&Case")
        for a in (self.add_finding_action, self.complete_action, self.reopen_action):
            case_menu.addAction(a)
        play_menu = menu.addMenu("&Playback")
        self.play_action = None
        for spec in SHORTCUTS:
            if spec.scope != "player":
                continue
            method = getattr(self, spec.command)
            slot = method if spec.argument is None else (lambda m=method, a=spec.argument: m(a))
            action = self._action(spec.description, slot)
            action.setText(f"{spec.description}\t{display_keys(spec)}")
            action.setIconText(spec.description)
            action.setToolTip(f"{spec.description} ({display_keys(spec)})")
            play_menu.addAction(action)
            if spec.command == "toggle_play":
                self.play_action = action
                action.setIcon(self.style().standardIcon(S.SP_MediaPlay))
        play_menu.addSeparator()
        play_menu.addAction(self.activity_masks_action)
        view_menu = menu.addMenu("&View")
        for a in (self.workspace_action, self.summary_action, self.find_case_action):
            view_menu.addAction(a)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        toolbar.setFocusPolicy(Qt.NoFocus)
        for a in (
            self.new_case_action,
            self.add_clip_action,
            self.play_action,
            self.add_finding_action,
            self.complete_action,
            self.summary_action,
            self.export_action,
        ):
            toolbar.addAction(a)
        for child in toolbar.findChildren(QWidget):
            child.setFocusPolicy(Qt.NoFocus)

    def _update_actions(self) -> None:
        case = self.session.case
        open_ = case is not None
        locked = self.session.locked
        self.add_clip_action.setEnabled(open_)
        self.complete_action.setEnabled(open_ and not locked)
        self.reopen_action.setEnabled(open_ and locked)
        self.add_finding_action.setEnabled(open_ and not locked)

    # -- layout memory ---------------------------------------------------------------
    def _default_size(self) -> None:
        screen = self.screen()
        if screen is not None:
            available = screen.availableGeometry()
            self.resize(min(1560, available.width()), min(980, available.height()))
        else:
            self.resize(1500, 920)

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
        else:
            cases = self.session.list_cases()
            if cases:
                self.case_list.select_case(None)

    def open_case(self, case_id: int | None) -> None:
        if case_id == self.session.case_id and case_id is not None:
            return
        self.form.flush()
        self.save_position()
        self.player.pause()
        try:
            case = self.session.open_case(case_id)
        except StoreError as exc:
            self.show_problem(str(exc))
            return
        self._played_clips.clear()
        self.tabs.setCurrentIndex(0)
        self._load_clips(restore_position=True)
        self._update_header()
        self._update_actions()
        if case is not None:
            self.player.surface.setFocus()

    def _load_clips(self, restore_position: bool = False, select_clip_id: int | None = None) -> None:
        clips = self.session.clips()
        self.player.set_clips(clips)
        if not clips:
            self._update_markers()
            return
        clip_id, position = self.session.last_position() if restore_position else (select_clip_id, 0)
        clip = next((c for c in clips if c.id == clip_id), None)
        if clip is None and self.player.clip is not None and not restore_position:
            return
        if clip is None:
            clip, position = clips[0], 0
        self.player.load_clip(clip, position)

    def _update_header(self) -> None:
        case = self.session.case
        if case is None:
            self.case_header.setText("No case open — choose one from the list, or File > New case.")
            self.setWindowTitle("cctv-review" + self.title_suffix)
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
        self.case_header.setText(text)
        self.setWindowTitle(f"{case.reference} — cctv-review{self.title_suffix}")
        self._update_actions()

    def new_case(self) -> None:
        from cctv_review.ui.dialogs import NewCaseDialog

        dialog = NewCaseDialog(self.session.suites(), self.session.store.user, self)
        if dialog.exec() != NewCaseDialog.Accepted:
            return
        try:
            case = self.session.add_case(**dialog.values())
        except StoreError as exc:
            self.show_problem(str(exc))
            return
        self.open_case(case.id)

    def find_case(self) -> None:
        self.case_list.search.setFocus()
        self.case_list.search.selectAll()

    def complete_case(self) -> bool:
        if self.session.case is None:
            return False
        self.form.flush()
        try:
            case = self.session.complete()
        except CompletionRefused as exc:
            self.inform("Case not complete yet", str(exc), QMessageBox.Warning)
            missing = self.session.template.missing_required(self.session.answers())
            if missing:
                self.form.show_question(missing[0].id)
            return False
        except StoreError as exc:
            self.show_problem(str(exc))
            return False
        self.statusBar().showMessage(f"Case {case.reference} completed: {case.outcome.label}.", 8000)
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
        self.session.reopen(reason)
        self.statusBar().showMessage(f"Case {case.reference} reopened.", 5000)
        self._update_actions()

    # -- clips -------------------------------------------------------------------------
    def add_clip(self) -> None:
        if self.session.case is None:
            self.show_problem("Open a case first, then add its clips.")
            return
        from cctv_review.ui.dialogs import AddClipDialog

        dialog = AddClipDialog(self, self.session.store.setting("last_clip_folder", "") or "")
        if dialog.exec() != AddClipDialog.Accepted:
            return
        values = dialog.values()
        self.session.store.set_setting("last_clip_folder", str(Path(values["path"]).parent))
        self.start_add_clip(**values)

    def start_add_clip(self, path: str, camera: str, recorded_start=None) -> workers.Task:
        """Probe and hash the file in a worker, with a progress dialog that can cancel."""
        session = self.session
        progress = QProgressDialog(f"Checking and fingerprinting {Path(path).name}…", "Cancel", 0, 100, self)
        progress.setWindowTitle("Adding clip")
        progress.setWindowModality(Qt.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        task = workers.Task(
            lambda prog, cancel: session.add_clip_file(
                path, camera, recorded_start, progress=prog, cancel=cancel
            )
        )
        task.signals.progress.connect(lambda f: progress.setValue(int(f * 100)))
        progress.canceled.connect(task.cancel)

        def done(clip) -> None:
            progress.close()
            session.clipsChanged.emit()
            self.statusBar().showMessage(f"Added {clip.camera} ({format_ms(clip.duration_ms, False)}).", 6000)
            self._load_clips(select_clip_id=clip.id)
            if self.player.clip is None or self.player.failed:
                self.player.load_clip(clip)

        def failed(message: str) -> None:
            progress.close()
            self.inform("Clip not added", message, QMessageBox.Warning)

        def cancelled() -> None:
            progress.close()
            self.statusBar().showMessage("Adding the clip was cancelled; nothing was stored.", 6000)

        task.signals.finished.connect(done)
        task.signals.failed.connect(failed)
        task.signals.cancelled.connect(cancelled)
        self.clip_task = task
        return workers.start(task)

    def _clip_changed(self, clip) -> None:
        self._update_markers()
        self._update_status()
        if clip is None:
            self.player.show_scan_progress(None)
            return
        activity = self.session.activity(clip.id)
        if activity is not None:
            self.player.set_activity(activity.bin_ms, activity.scores)
            self.player.show_scan_progress(None)
        else:
            self._start_scan(clip)

    def _start_scan(self, clip) -> None:
        """Find activity once per clip, in a worker thread; the result is stored with the clip."""
        if clip.id in self.scans:
            self.player.show_scan_progress(0.0)
            return
        from cctv_review.video.qt import ActivityScan

        scan = ActivityScan(clip.path, self, masks=activity_nav.load_masks(self.session.store, clip.id))
        self.scans[clip.id] = scan
        clip_id = clip.id

        def current() -> bool:
            return self.player.clip is not None and self.player.clip.id == clip_id

        def progress(f: float) -> None:
            if current():
                self.player.show_scan_progress(f)

        def finished(result) -> None:
            try:
                self.session.save_activity(clip_id, result.bin_ms, result.scores)
            except StoreError as exc:
                self.show_problem(str(exc))
            if current():
                self.player.set_activity(result.bin_ms, result.scores)

        def ended() -> None:
            self.scans.pop(clip_id, None)
            if current():
                self.player.show_scan_progress(None)
            scan.deleteLater()

        scan.progress.connect(progress)
        scan.finished_ok.connect(finished)
        scan.failed.connect(lambda m: self.statusBar().showMessage(f"Activity not found: {m}", 8000))
        scan.cancelled.connect(lambda: self.statusBar().showMessage("Finding activity was cancelled.", 5000))
        scan.finished.connect(ended)
        self.player.show_scan_progress(0.0)
        scan.start()

    def edit_activity_masks(self) -> None:
        """Choose regions the activity finder ignores in this clip; its activity is then found again."""
        clip = self.player.clip
        if clip is None or clip.id is None:
            self.statusBar().showMessage("Choose a clip first.", 4000)
            return
        store = self.session.store
        dialog = activity_nav.MaskDialog(
            self.player.current_image(), activity_nav.load_masks(store, clip.id), self
        )
        if dialog.exec() == activity_nav.MaskDialog.DialogCode.Accepted:
            activity_nav.save_masks(store, clip.id, dialog.masks())
            self._start_scan(clip)

    def _cancel_current_scan(self) -> None:
        clip = self.player.clip
        if clip is not None and clip.id in self.scans:
            self.scans[clip.id].cancel()

    # -- position memory -------------------------------------------------------------
    def save_position(self) -> None:
        clip = self.player.clip
        if self.session.case is None or clip is None or clip.case_id != self.session.case_id:
            return
        try:
            self.session.save_position(clip.id, self.player.position_ms)
        except StoreError as exc:
            self.show_problem(str(exc))

    def _state_changed(self, playing: bool) -> None:
        if playing:
            self.position_timer.start()
            clip = self.player.clip
            if clip is not None and clip.id not in self._played_clips:
                self._played_clips.add(clip.id)
                try:
                    self.session.record_clip_played(clip.id)
                except StoreError:
                    pass
        else:
            self.position_timer.stop()
        if self.play_action is not None:
            icon = QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay
            self.play_action.setIcon(self.style().standardIcon(icon))
        self._update_status()

    def _update_status(self, *_args) -> None:
        clip = self.player.clip
        if clip is None:
            self.clip_label.setText("No clip")
            self.position_label.setText("")
            self.wall_label.setText("")
            return
        pos = self.player.position_ms
        self.clip_label.setText(clip.camera)
        self.position_label.setText(f"{format_ms(pos)} / {format_ms(clip.duration_ms, False)}")
        wall = clip.recorded_at(pos)
        self.wall_label.setText(
            f"Recorded {wall.astimezone().strftime('%d %b %Y %H:%M:%S')}" if wall else "Recorded time not set"
        )
        self.speed_label.setText(f"{self.player.speed:g}x" + (" ▶" if self.player.playing else ""))

    # -- playback commands (keyboard shortcuts and menus) --------------------------------
    def toggle_play(self) -> None:
        self.player.toggle_play()

    def step(self, delta: int) -> None:
        self.player.step(delta)

    def jump(self, seconds: float) -> None:
        self.player.jump(seconds)

    def shuttle_forward(self) -> None:
        self.player.shuttle_forward()

    def shuttle_stop(self) -> None:
        self.player.shuttle_stop()

    def shuttle_back(self) -> None:
        self.player.shuttle_back()

    def set_speed(self, speed: float) -> None:
        self.player.set_speed(speed)

    def next_activity(self) -> None:
        if not self.player.scores:
            self.statusBar().showMessage("Activity has not been found in this clip yet.", 4000)
        self.player.next_activity()

    def previous_activity(self) -> None:
        self.player.previous_activity()

    def focus_video(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.player.surface.setFocus(Qt.ShortcutFocusReason)

    def seek_to(self, clip_id, position_ms: int) -> None:
        self.tabs.setCurrentIndex(0)
        if clip_id is None:
            return
        if self.player.clip is not None and self.player.clip.id == clip_id and not self.player.failed:
            self.player.pause()
            self.player.seek(position_ms)
        else:
            clip = next((c for c in self.player.clips if c.id == clip_id), None)
            if clip is not None:
                self.player.load_clip(clip, position_ms)
        self.player.surface.setFocus()

    # -- findings --------------------------------------------------------------------------
    def _update_markers(self) -> None:
        clip = self.player.clip
        if clip is None:
            self.player.timeline.set_markers([])
            return
        template = self.session.template
        self.player.timeline.set_markers(
            [
                Marker(
                    f.id,
                    f.position_ms,
                    level_colour(f.level),
                    f"{template.theme_label(f.theme)} — {f.level.label}" + (f": {f.note}" if f.note else ""),
                )
                for f in self.session.findings()
                if f.clip_id == clip.id
            ]
        )

    def _marker_clicked(self, finding_id: int, _position_ms: int) -> None:
        self.player.pause()
        item = self.findings.item_for(finding_id)
        if item is not None:
            self.findings.tree.setCurrentItem(item)

    def _where(self, clip, position_ms: int) -> str:
        if clip is None:
            return "No clip: the finding will have no time in the footage."
        text = f"{clip.camera} at {format_ms(position_ms)}"
        wall = clip.recorded_at(position_ms)
        if wall:
            text += f" (recorded {wall.astimezone().strftime('%d %b %Y %H:%M:%S')})"
        return text

    def add_finding(self) -> None:
        if self.session.case is None:
            self.statusBar().showMessage("Open a case to add findings.", 4000)
            return
        if self.session.locked:
            self.inform(
                "Case is complete",
                f"Case {self.session.case.reference} is complete. Reopen it (Case > Reopen) to add findings.",
            )
            return
        if self.finding_editor is not None and self.finding_editor.isVisible():
            return
        self.player.pause()
        clip = self.player.clip if self.player.ready else None
        position = self.player.position_ms if clip else 0
        frame_index = self.player.current_frame_index()
        editor = FindingEditor(
            self.session.template,
            where=self._where(clip, position),
            can_capture=frame_index is not None,
            parent=self,
        )
        self.finding_editor = editor

        def finished(result: int) -> None:
            self.finding_editor = None
            if result != FindingEditor.Accepted:
                self.player.surface.setFocus()
                return
            values = editor.values()
            try:
                # Saved at once: what the reviewer typed never waits on the video.
                finding = self.session.add_finding(
                    values["theme"], values["level"], values["note"], clip.id if clip else None, position
                )
            except (StoreError, CaseLocked) as exc:
                self.show_problem(str(exc))
            else:
                if editor.capture.isChecked() and frame_index is not None and clip is not None:
                    self._capture_still(finding.id, frame_index, clip, position)
            self.player.surface.setFocus()

        editor.finished.connect(finished)
        editor.open()

    def _capture_still(self, finding_id: int, frame_index: int, clip, position_ms: int) -> None:
        """Decode frame ``frame_index`` again at full resolution (not the possibly
        reduced display image) in a worker, save it as a captioned PNG and attach
        it to the finding.  The GUI thread never decodes."""
        from cctv_review.paths import stills_dir
        from cctv_review.ui import workers
        from cctv_review.video.reader import FrameReader
        from cctv_review.video.still import save_still

        case = self.session.case
        folder = self.session.stills_dir or stills_dir(self.session.store.path)
        safe_ref = re.sub(r"[^A-Za-z0-9._-]+", "_", case.reference)
        out = Path(folder) / f"{safe_ref}-clip{clip.id}-{position_ms:09d}.png"
        info = self.player.player.info if clip is self.player.clip else None
        reference, camera, recorded_at = case.reference, clip.camera, clip.recorded_at(position_ms)

        def work(_progress, _cancel) -> str:  # worker thread
            with FrameReader(clip.path, info) as reader:
                image = reader.read_at_frame(int(frame_index)).image
            return str(
                save_still(
                    image,
                    out,
                    case_reference=reference,
                    camera=camera,
                    clip_ms=position_ms,
                    recorded_at=recorded_at,
                )
            )

        def attach(path: str) -> None:
            try:
                self.session.update_finding(finding_id, still_path=path)
            except (StoreError, CaseLocked) as exc:
                self.show_problem(f"The still was saved to {path} but could not be attached: {exc}")

        task = workers.Task(work)
        task.signals.finished.connect(attach)
        task.signals.failed.connect(
            lambda message: self.show_problem(
                f"The still could not be made: {message} The finding is saved without it."
            )
        )
        self.still_task = workers.start(task)

    def edit_finding(self, finding_id: int) -> None:
        finding = self.findings.finding(finding_id)
        if finding is None or self.session.locked:
            return
        clip = next((c for c in self.player.clips if c.id == finding.clip_id), None)
        editor = FindingEditor(
            self.session.template, where=self._where(clip, finding.position_ms), finding=finding, parent=self
        )
        self.finding_editor = editor

        def finished(result: int) -> None:
            self.finding_editor = None
            if result == FindingEditor.Accepted:
                try:
                    self.session.update_finding(finding_id, **editor.values())
                except StoreError as exc:
                    self.show_problem(str(exc))

        editor.finished.connect(finished)
        editor.open()

    # -- other views ---------------------------------------------------------------------
    def show_summary(self) -> None:
        self.form.flush()
        self.summary.refresh()
        self.tabs.setCurrentWidget(self.summary)

    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()

    def export(self) -> None:
        try:
            from cctv_review.ui.export_dialog import ExportDialog
        except ImportError:
            self.inform(
                "Export",
                "Export is not available in this build yet. "
                "Use the command line meanwhile: cctv-review export --format csv",
            )
            return
        self.form.flush()
        # With the case list filtered, the dialog offers "only these cases".
        dialog = ExportDialog(
            self.session.store,
            self.session.template,
            parent=self,
            case_ids=self.case_list.filtered_case_ids(),
        )
        dialog.exec()

    def about(self) -> None:
        from cctv_review import __version__

        self.inform(
            "About cctv-review",
            f"cctv-review {__version__}\n\nReview police custody CCTV and record what it teaches.\n"
            f"Database: {self.session.store.path}",
        )

    # -- messages ------------------------------------------------------------------------
    def inform(self, title: str, text: str, icon=QMessageBox.Information) -> QMessageBox:
        """A non-blocking message box (kept in ``self.message_box``)."""
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        self.message_box = box
        box.open()
        return box

    def show_problem(self, text: str) -> None:
        self.statusBar().showMessage(text, 10000)
        self.inform("cctv-review", text, QMessageBox.Warning)

    # -- closing ---------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Save everything and stop the worker threads (idempotent)."""
        if getattr(self, "_shut", False):
            return
        self._shut = True
        self.form.flush()
        self.save_position()
        self.save_layout()
        self.position_timer.stop()
        for scan in list(self.scans.values()):
            scan.cancel()
        for scan in list(self.scans.values()):
            scan.wait(3000)
        workers.cancel_all()
        self.player.close_player()

    def closeEvent(self, event):
        self.shutdown()
        super().closeEvent(event)
