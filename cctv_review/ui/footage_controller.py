"""Footage in the workspace: adding clips, activity scans and remembered positions.

:class:`FootageController` keeps the player in step with the open case:

* **adding footage** (File > Add footage…): files and folders are indexed,
  probed and fingerprinted in ONE background job with one progress bar and
  Cancel (which stores nothing); the reviewer then confirms the list (camera,
  recorded start) and it is stored in one transaction (:mod:`cctv_review.ui.add_footage`);
  clips are edited, relinked and removed through :mod:`cctv_review.ui.clip_dialog`;
* **adding a clip** (one file, kept for scripts and tests): the file is indexed, probed and
  fingerprinted (SHA-256) in a background job with a progress dialog that can
  cancel; the clip and its exact frame index are stored when the job has
  finished, so a cancelled job stores nothing;
* **the frame index**: opening a clip hands the player the clip's stored index
  (:meth:`ReviewSession.clip_index`: one read, no video), so the file is not
  demuxed again; a clip without one (added before the index existed, or whose
  file changed since) is indexed once in a background job, with its progress
  in the picture area and the status bar ("Indexing Booking-in desk… 40%"),
  the index is stored by the GUI thread, and the clip then opens;
* **activity**: the first time a clip is shown, :func:`activity_job` scans it
  once in a background job and the per-second scores are stored with the clip
  (later openings read them back); the player's strip shows the progress and a
  Cancel button;
* **where the reviewer left off**: the case, clip and position are saved on
  pause, seek, clip change, close, and every :data:`POSITION_SAVE_MS` while
  playing, and restored when the case is opened again; the first play of each
  clip is recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, Qt, QTimer
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox, QProgressDialog, QWidget

from cctv_review.changes import Changes
from cctv_review.clips import FootageScan, FoundClip
from cctv_review.domain import Clip, format_ms
from cctv_review.store import StoreError
from cctv_review.ui import activity_nav, tasks
from cctv_review.ui.player_widget import PlayerWidget
from cctv_review.ui.services import NewClip, ReviewSession
from cctv_review.video.activity import ActivityResult, MaskRect
from cctv_review.video.index import ClipIndex

#: While playing, the position is saved this often (it is also saved on pause, seek, clip change, close).
POSITION_SAVE_MS = 3000


def activity_job(
    path: str, method: str = "auto", index: ClipIndex | None = None, masks: Sequence[MaskRect] = ()
) -> tasks.WorkFn:
    """A background job: scan ``path`` for activity (stores nothing; see :meth:`FootageController.start_scan`).

    Runs :func:`cctv_review.video.activity.scan_activity` as it is
    (``method`` and ``masks`` — regions the reviewer asked to ignore — are
    its; its ``progress(fraction)`` and ``cancel()`` are the task's;
    ``index`` is the clip's frame index, so the file is not demuxed again).
    Returns the :class:`~cctv_review.video.activity.ActivityResult`.
    Raises (in the worker) ``ScanCancelled`` when cancelled, a ``VideoError``
    for footage that cannot be read.
    """
    from cctv_review.video.activity import scan_activity

    def work(progress: tasks.ProgressFn, cancel: tasks.CancelFn) -> ActivityResult:
        info = None
        if index is not None:
            from cctv_review.video.probe import probe

            info = probe(path, index=index)  # no demux pass when the index matches the file
        return scan_activity(path, progress=progress, cancel=cancel, method=method, info=info, masks=masks)

    return work


class FootageController(QObject):
    """Clips, activity and position memory for the open case (see the module docstring)."""

    def __init__(
        self,
        session: ReviewSession,
        player: PlayerWidget,
        window: QWidget,
        *,
        inform: Callable[[str, str, QMessageBox.Icon], object],
        show_problem: Callable[[str], None],
        status: Callable[[str, int], None],
    ) -> None:
        super().__init__(window)
        self.session = session
        self.player = player
        self.window = window
        self._inform = inform
        self._show_problem = show_problem
        self._status = status
        #: Activity scans under way, by clip id.
        self.scans: dict[int, tasks.Task] = {}
        #: The latest add-clip job (tests wait on it).
        self.clip_task: tasks.Task | None = None
        #: The latest add-footage job, its progress dialog and its confirmation table (tests use them).
        self.footage_task: tasks.Task | None = None
        self.footage_progress: QProgressDialog | None = None
        self.confirm_dialog: QDialog | None = None
        self.clip_dialog: QDialog | None = None
        self.relink_task: tasks.Task | None = None
        self.store_task: tasks.Task | None = None
        #: Frame-index jobs under way, by clip id.
        self.indexing: dict[int, tasks.Task] = {}
        self._played_clips: set[int] = set()
        #: Asked before a case's clips are shown: False withholds them (reason for viewing,
        #: ``ui/viewing_reason.py``); None shows them always.
        self.gate: Callable[[], bool] | None = None
        #: True while the open case's footage is withheld (the gate said no).
        self.withheld = False
        self.position_timer = QTimer(self)
        self.position_timer.setInterval(POSITION_SAVE_MS)
        self.position_timer.timeout.connect(self.save_position)

        player.index_source = self._index_for
        player.activity_source = self._activity_for
        player.clipChanged.connect(self._clip_changed)
        player.stateChanged.connect(self._state_changed)
        player.savePointReached.connect(self.save_position)
        player.scan_cancel.clicked.connect(self.cancel_current_scan)
        session.changed.connect(self._changed)
        player.clip_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        player.clip_list.customContextMenuRequested.connect(self._clip_menu)

    # -- clips -----------------------------------------------------------------
    def case_opened(self) -> None:
        """Show the newly opened case's clips, at the clip and position it was left at."""
        self._played_clips.clear()
        self.withheld = self.gate is not None and not self.gate()
        if self.withheld:
            self.player.set_clips([])
            self.player.surface.set_message(
                "The footage is not shown: this store asks for a reason for viewing. "
                "Use Tools > View footage… to give one."
            )
            return
        self.load_clips(restore_position=True)

    def load_clips(self, restore_position: bool = False, select_clip_id: int | None = None) -> None:
        clips = self.session.clips()
        self.player.set_clips(clips)
        if not clips:
            return
        clip_id, position = self.session.last_position() if restore_position else (select_clip_id, 0)
        clip = next((c for c in clips if c.id == clip_id), None)
        if clip is None and self.player.clip is not None and not restore_position:
            return
        if clip is None:
            clip, position = clips[0], 0
        self.player.load_clip(clip, position)

    def _changed(self, changes: Changes) -> None:
        """Clips added or changed: refresh the clip list (the current clip plays on)."""
        if not changes.clips or self.withheld:
            return
        current = self.player.clip
        if current is not None and current.id in changes.clips:  # edited: camera, recorded start
            fresh = next((c for c in self.session.clips() if c.id == current.id), None)
            if fresh is not None and fresh.path == current.path:
                self.player.clip = fresh  # before the window's status bar reads it
        shown = {c.id for c in self.player.clips}
        if shown & changes.clips or any(c.id in changes.clips for c in self.session.clips()):
            self.player.set_clips(self.session.clips())

    def start_add_clip(self, path: str, camera: str, recorded_start: datetime | None = None) -> tasks.Task:
        """Probe and hash the file in a background job, with a progress dialog that can cancel."""
        progress = QProgressDialog(
            f"Indexing and fingerprinting {Path(path).name}…", "Cancel", 0, 100, self.window
        )
        progress.setWindowTitle("Adding clip")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)

        def done(new: NewClip) -> None:
            was_cancelled = task.is_cancelled  # (closing the dialog below emits its canceled())
            progress.close()
            if was_cancelled:  # hashed, but Cancel was pressed before it could be stored
                cancelled()
                return
            try:
                changes = self.session.add_clip(new)
            except StoreError as exc:
                self._inform("Clip not added", str(exc), QMessageBox.Icon.Warning)
                return
            clip = self.session.clip(self.session.added_id(changes.clips))
            self._status(f"Added {clip.camera} ({format_ms(clip.duration_ms, False)}).", 6000)
            self.load_clips(select_clip_id=clip.id)
            if self.player.clip is None or self.player.failed:
                self.player.load_clip(clip)

        def failed(message: str) -> None:
            progress.close()
            self._inform("Clip not added", message, QMessageBox.Icon.Warning)

        def cancelled() -> None:
            progress.close()
            self._status("Adding the clip was cancelled; nothing was stored.", 6000)

        task = tasks.run_task(
            self.session.clip_job(path, camera, recorded_start),
            context="adding footage",
            on_done=done,
            on_failed=failed,
            on_cancelled=cancelled,
            on_progress=lambda fraction, _message: progress.setValue(int(fraction * 100)),
        )
        progress.canceled.connect(task.cancel)
        self.clip_task = task
        return task

    # -- footage in bulk (File > Add footage…) ----------------------------------------------
    def add_footage(self) -> None:
        """File > Add footage…: choose files and folders, index and fingerprint them, confirm the list."""
        if self.session.case is None:
            self._show_problem("Open a case first, then add its footage.")
            return
        from cctv_review.ui.add_footage import ChooseFootageDialog

        dialog = ChooseFootageDialog(self.window, self.session.last_clip_folder())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        chosen = dialog.chosen()
        first = Path(chosen[0])
        self.session.remember_clip_folder(first if first.is_dir() else first.parent)
        self.start_add_footage(chosen)

    def start_add_footage(self, paths: Sequence[str]) -> tasks.Task:
        """Index and fingerprint ``paths`` in ONE background job with one progress bar and Cancel.

        Cancel stores nothing.  When the job ends, the confirmation table opens
        (:attr:`confirm_dialog`); pressing Add there stores the clips in one
        transaction (:meth:`store_found`).
        """
        from cctv_review.ui.add_footage import ConfirmFootageDialog

        progress = QProgressDialog("Looking for footage…", "Cancel", 0, 1000, self.window)
        progress.setWindowTitle("Adding footage")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        self.footage_progress = progress
        case_id = self.session.case_id

        def report(fraction: float, message: str) -> None:
            progress.setValue(int(fraction * 1000))
            if message:
                progress.setLabelText(f"{message}… {int(fraction * 100)}%")

        def done(scan: FootageScan) -> None:
            was_cancelled = task.is_cancelled
            progress.close()
            if was_cancelled:
                cancelled()
                return
            if self.session.case_id != case_id:
                self._status("Another case was opened meanwhile; no footage was added.", 8000)
                return
            dialog = ConfirmFootageDialog(scan, self.session.recorder_zone(), self.window)
            self.confirm_dialog = dialog
            dialog.accepted.connect(lambda: self.store_found(dialog.confirmed()))
            dialog.open()

        def failed(message: str) -> None:
            progress.close()
            self._inform("Footage not added", message, QMessageBox.Icon.Warning)

        def cancelled() -> None:
            progress.close()
            self._status("Adding footage was cancelled; nothing was stored.", 6000)

        task = tasks.run_task(
            self.session.footage_job(paths),
            context="adding footage",
            on_done=done,
            on_failed=failed,
            on_cancelled=cancelled,
            on_progress=report,
        )
        progress.canceled.connect(task.cancel)
        self.footage_task = task
        return task

    def store_found(self, found: Sequence[FoundClip]) -> tasks.Task:
        """Store the confirmed clips in one transaction, in a background job; then say what was added and refused."""
        case_id = self.session.case_id

        def done(result: tuple[list[Clip], list[tuple[Clip, str]]]) -> None:
            added, refused = result
            if self.session.case_id == case_id:
                changes, messages = self.session.found_clips_stored(added, refused)
            else:
                changes, messages = Changes(), [reason for _clip, reason in refused]
            count = len(added)
            self._status(f"Added {count} clip{'s' if count != 1 else ''}.", 6000)
            if messages:
                self._inform("Some footage was not added", "\n".join(messages), QMessageBox.Icon.Information)
            if changes.clips:
                self.load_clips(select_clip_id=min(changes.clips))
                if self.player.clip is None or self.player.failed:
                    self.player.load_clip(self.session.clip(min(changes.clips)))

        def failed(message: str) -> None:
            self._inform("Footage not added", message, QMessageBox.Icon.Warning)

        self._status("Storing the footage…", 0)
        task = tasks.run_task(
            self.session.store_footage_job(found), context="storing footage", on_done=done, on_failed=failed
        )
        self.store_task = task
        return task

    # -- fixing clips afterwards: edit, relink, remove -----------------------------------------
    def _clip_for(self, clip_id: int | None) -> Clip | None:
        if clip_id is None:
            clip = self.player.clip
        else:
            clip = next((c for c in self.session.clips() if c.id == clip_id), None)
        if clip is None or clip.id is None:
            self._status("Choose a clip first.", 4000)
            return None
        return clip

    def _clip_menu(self, point: QPoint) -> None:
        """Right-click on the clip list: edit, relink or remove the clip under the pointer."""
        item = self.player.clip_list.itemAt(point)
        if item is None:
            return
        clip_id = item.data(Qt.ItemDataRole.UserRole)
        menu = QMenu(self.player.clip_list)
        menu.addAction("Edit clip…", lambda: self.edit_clip(clip_id))
        menu.addAction("Relink to moved file…", lambda: self.relink_clip(clip_id))
        menu.addAction("Remove clip…", lambda: self.remove_clip(clip_id))
        menu.exec(self.player.clip_list.mapToGlobal(point))

    def edit_clip(self, clip_id: int | None = None) -> None:
        """Clip > Edit clip…: camera and recorded start (audited)."""
        clip = self._clip_for(clip_id)
        if clip is None or clip.id is None:
            return
        from cctv_review.ui.clip_dialog import ClipDialog

        dialog = ClipDialog(clip, self.session.recorder_zone(), self.window)
        self.clip_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.changes():
            return
        self.apply_clip_changes(clip.id, dialog.changes())

    def apply_clip_changes(self, clip_id: int, changes: dict[str, object]) -> Changes:
        """Save a clip's new camera / recorded start; the clip list and the player follow."""
        try:
            result = self.session.update_clip(clip_id, **changes)
        except (StoreError, ValueError) as exc:
            self._inform("Clip not changed", str(exc), QMessageBox.Icon.Warning)
            return Changes()
        self._status("Clip changed (recorded in the audit trail).", 5000)
        return result

    def remove_clip(self, clip_id: int | None = None) -> None:
        """Clip > Remove clip…: refused while findings point at it, unless moved or deleted in the same step."""
        clip = self._clip_for(clip_id)
        if clip is None or clip.id is None:
            return
        from cctv_review.ui.clip_dialog import RemoveClipDialog

        others = [c for c in self.session.clips() if c.id != clip.id]
        dialog = RemoveClipDialog(clip, self.session.findings_on_clip(clip.id), others, self.window)
        self.clip_dialog = dialog
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.apply_remove(clip.id, **dialog.choice())

    def apply_remove(
        self, clip_id: int, move_findings_to: int | None = None, delete_findings: bool = False
    ) -> Changes:
        """Remove the clip from the case; the player moves to another clip if it showed this one."""
        showing = self.player.clip is not None and self.player.clip.id == clip_id
        if showing:
            self.player.pause()
        try:
            changes = self.session.remove_clip(
                clip_id, move_findings_to=move_findings_to, delete_findings=delete_findings
            )
        except StoreError as exc:
            self._inform("Clip not removed", str(exc), QMessageBox.Icon.Warning)
            return Changes()
        clips = self.session.clips()
        self.player.set_clips(clips)
        if showing and clips:
            self.player.load_clip(clips[0])
        self._status("Clip removed from the case (recorded in the audit trail).", 6000)
        return changes

    def relink_clip(self, clip_id: int | None = None, path: str | None = None) -> tasks.Task | None:
        """Clip > Relink…: choose the moved file; it is hashed in the background and accepted only if it matches."""
        clip = self._clip_for(clip_id)
        if clip is None or clip.id is None:
            return None
        if path is None:
            from cctv_review.ui.add_footage import VIDEO_FILTER

            path, _ = QFileDialog.getOpenFileName(
                self.window,
                f"Where is the file of {clip.camera} now?",
                str(Path(clip.path).parent),
                VIDEO_FILTER,
            )
            if not path:
                return None
        target_id = clip.id
        progress = QProgressDialog(f"Fingerprinting {Path(path).name}…", "Cancel", 0, 100, self.window)
        progress.setWindowTitle("Relinking clip")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)

        def done(digest: str) -> None:
            progress.close()
            try:
                self.session.relink_clip(target_id, path, digest)
            except StoreError as exc:
                self._inform("Clip not relinked", str(exc), QMessageBox.Icon.Warning)
                return
            relinked = self.session.clip(target_id)
            self._status(f"{relinked.camera} now points at {relinked.path}.", 6000)
            if self.player.clip is not None and self.player.clip.id == target_id:
                self.player.load_clip(relinked, self.player.position_ms)
            elif self.player.clip is None or self.player.failed:
                self.player.load_clip(relinked)

        def failed(message: str) -> None:
            progress.close()
            self._inform("Clip not relinked", message, QMessageBox.Icon.Warning)

        def cancelled() -> None:
            progress.close()
            self._status("Relinking was cancelled; the clip was not changed.", 5000)

        task = tasks.run_task(
            self.session.hash_job(path),
            context="fingerprinting a moved file",
            on_done=done,
            on_failed=failed,
            on_cancelled=cancelled,
            on_progress=lambda fraction, _m: progress.setValue(int(fraction * 100)),
        )
        progress.canceled.connect(task.cancel)
        self.relink_task = task
        return task

    # -- the frame index -----------------------------------------------------------
    def _index_for(self, clip: Clip) -> ClipIndex | None:
        """The player's ``index_source``: the stored index, or None after starting to build it."""
        index = self.session.clip_index(clip)
        if index is None:
            self.start_indexing(clip)
        return index

    def start_indexing(self, clip: Clip) -> tasks.Task | None:
        """Index a clip once in a background job; the GUI thread stores the index and opens the clip."""
        clip_id = clip.id
        if clip_id is None:
            return None
        if clip_id in self.indexing:
            return self.indexing[clip_id]

        def current() -> bool:
            return self.player.clip is not None and self.player.clip.id == clip_id and self.player.indexing

        def progress(fraction: float, _message: str) -> None:
            if current():
                text = f"Indexing {clip.camera}… {int(fraction * 100)}%"
                self.player.show_indexing(text)
                self._status(text, 5000)  # renewed by each report; lapses if the reviewer moves on

        def finished(index: ClipIndex) -> None:
            self.indexing.pop(clip_id, None)
            kept = ""
            try:
                self.session.save_clip_index(clip_id, index)
            except StoreError as exc:  # read-only store, say: the clip still plays, indexed again next time
                kept = f" Its index could not be kept, so it will be indexed again next time: {exc}"
            if kept or current():
                self._status(f"Indexed {clip.camera}.{kept}", 8000 if kept else 3000)
            if current():
                self.player.index_ready(clip_id, index)
                self._clip_changed(self.player.clip)  # now its activity can be found

        def failed(message: str) -> None:
            self.indexing.pop(clip_id, None)
            if current():
                self._status("", 0)
                self.player.index_failed(clip_id, message)

        def cancelled() -> None:
            self.indexing.pop(clip_id, None)
            if current():
                self.player.index_failed(clip_id, f"Indexing {clip.camera} was cancelled.")

        task = tasks.run_task(
            self.session.index_job(clip),
            context=f"indexing the frames of {clip.camera}",
            on_done=finished,
            on_failed=failed,
            on_cancelled=cancelled,
            on_progress=progress,
        )
        self.indexing[clip_id] = task
        return task

    # -- activity ------------------------------------------------------------------
    def _activity_for(self, clip: Clip) -> tuple[int, list[float]] | None:
        """The player's ``activity_source``: a clip's stored activity (N/P across a camera's files)."""
        if clip.id is None:
            return None
        found = self.session.activity(clip.id)
        return (found.bin_ms, list(found.scores)) if found is not None else None

    def _clip_changed(self, clip: Clip | None) -> None:
        if clip is None or clip.id is None:
            self.player.show_scan_progress(None)
            return
        if self.player.indexing:
            return  # the scan starts once the index is there (start_indexing)
        activity = self.session.activity(clip.id)
        if activity is not None:
            self.player.set_activity(activity.bin_ms, activity.scores)
            self.player.show_scan_progress(None)
        else:
            self.start_scan(clip)

    def start_scan(self, clip: Clip) -> tasks.Task | None:
        """Find activity once per clip, in a background job; the result is stored with the clip."""
        clip_id = clip.id
        if clip_id is None:
            return None
        if clip_id in self.scans:
            self.player.show_scan_progress(0.0)
            return self.scans[clip_id]

        def current() -> bool:
            return self.player.clip is not None and self.player.clip.id == clip_id

        def progress(fraction: float, _message: str) -> None:
            if current():
                self.player.show_scan_progress(fraction)

        def ended() -> None:
            self.scans.pop(clip_id, None)
            if current():
                self.player.show_scan_progress(None)

        def finished(result: ActivityResult) -> None:
            ended()
            try:
                self.session.save_activity(clip_id, result.bin_ms, result.scores)
            except StoreError as exc:
                self._show_problem(str(exc))
            if current():
                self.player.set_activity(result.bin_ms, result.scores)

        def failed(message: str) -> None:
            ended()
            self._status(f"Activity not found: {message}", 8000)

        def cancelled() -> None:
            ended()
            self._status("Finding activity was cancelled.", 5000)

        self.player.show_scan_progress(0.0)
        index = self.player.index if self.player.clip is not None and self.player.clip.id == clip_id else None
        task = tasks.run_task(
            activity_job(clip.path, index=index, masks=activity_nav.load_masks(self.session, clip_id)),
            context="finding activity in the footage",
            on_done=finished,
            on_failed=failed,
            on_cancelled=cancelled,
            on_progress=progress,
        )
        self.scans[clip_id] = task
        return task

    def edit_activity_masks(self) -> None:
        """Choose regions the activity finder ignores in this clip; its activity is then found again."""
        clip = self.player.clip
        if clip is None or clip.id is None:
            self._status("Choose a clip first.", 4000)
            return
        dialog = activity_nav.MaskDialog(
            self.player.surface.image, activity_nav.load_masks(self.session, clip.id), self.player
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        activity_nav.save_masks(self.session, clip.id, dialog.masks())
        self.start_scan(clip)

    def cancel_current_scan(self) -> None:
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
            self._show_problem(str(exc))

    def _state_changed(self, playing: bool) -> None:
        if playing:
            self.position_timer.start()
            clip = self.player.clip
            if clip is not None and clip.id is not None and clip.id not in self._played_clips:
                self._played_clips.add(clip.id)
                try:
                    self.session.record_clip_played(clip.id)
                except StoreError:
                    pass  # the audit of a play is not worth interrupting the reviewer for
        else:
            self.position_timer.stop()

    def seek_to(self, clip_id: int | None, position_ms: int) -> None:
        """Show ``clip_id`` at ``position_ms`` (a finding double-clicked, say)."""
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

    def shutdown(self) -> None:
        """Stop saving the position and cancel the scans (the window cancels every task after)."""
        self.position_timer.stop()
        for task in [*self.scans.values(), *self.indexing.values()]:
            task.cancel()
