"""Footage in the workspace: adding clips, activity scans and remembered positions.

:class:`FootageController` keeps the player in step with the open case:

* **adding a clip** (File > Add clip): the file is indexed, probed and
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

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDialog, QMessageBox, QProgressDialog, QWidget

from cctv_review.changes import Changes
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
        #: Frame-index jobs under way, by clip id.
        self.indexing: dict[int, tasks.Task] = {}
        self._played_clips: set[int] = set()
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

    # -- clips -----------------------------------------------------------------
    def case_opened(self) -> None:
        """Show the newly opened case's clips, at the clip and position it was left at."""
        self._played_clips.clear()
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
        if not changes.clips:
            return
        shown = {c.id for c in self.player.clips}
        if shown & changes.clips or any(c.id in changes.clips for c in self.session.clips()):
            self.player.set_clips(self.session.clips())

    def add_clip(self) -> None:
        """File > Add clip: choose the file, then probe and hash it in the background."""
        if self.session.case is None:
            self._show_problem("Open a case first, then add its clips.")
            return
        from cctv_review.ui.dialogs import AddClipDialog

        dialog = AddClipDialog(self.window, self.session.last_clip_folder())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        values = dialog.values()
        self.session.remember_clip_folder(Path(values["path"]).parent)
        self.start_add_clip(**values)

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
