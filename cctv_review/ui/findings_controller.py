"""Findings in the workspace: adding (the F key), editing, stills and timeline markers.

:class:`FindingsController` connects the findings list
(:class:`~cctv_review.ui.findings.FindingsPanel`), the finding editor and the
player's timeline to the session.  Adding a finding pauses the video and opens
the editor at the current moment; on Save the finding is written at once
(what the reviewer typed never waits on the video), and if "still" was ticked
the frame is decoded again at full resolution in a background job
(:mod:`cctv_review.ui.tasks`) and saved as a captioned PNG, which the GUI
thread then attaches to the finding.  The GUI thread never decodes, and the
views update from the session's ``changed`` signal without SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog, QWidget

from cctv_review.changes import Changes
from cctv_review.domain import Clip, Finding, format_ms
from cctv_review.store import StoreError
from cctv_review.ui import tasks
from cctv_review.ui.findings import FindingEditor, FindingsPanel, level_colour
from cctv_review.ui.player_widget import PlayerWidget
from cctv_review.ui.services import ReviewSession
from cctv_review.ui.timeline import Marker


def describe_moment(clip: Clip | None, position_ms: int, tz: tzinfo | None = None) -> str:
    """ "Cell 4 at 0:01:02.500 (recorded 2026-03-14 22:01:02 GMT)", for the editor's heading.

    The recorded time (clock correction applied) is written by the one rule in
    ``tz``, the store's recorder zone (default ``Europe/London``).
    """
    from cctv_review.recorded_time import DEFAULT_ZONE, format_recorded, zone

    if clip is None:
        return "No clip: the finding will have no time in the footage."
    text = f"{clip.camera} at {format_ms(position_ms)}"
    wall = clip.recorded_at(position_ms)
    if wall:
        text += f" (recorded {format_recorded(wall, tz or zone(DEFAULT_ZONE))})"
    return text


def still_file_name(case_reference: str, clip_id: int, position_ms: int) -> str:
    """``CR-001-clip3-000062500.png``: the case reference made safe for any file system."""
    safe_ref = re.sub(r"[^A-Za-z0-9._-]+", "_", case_reference)
    return f"{safe_ref}-clip{clip_id}-{position_ms:09d}.png"


class FindingsController(QObject):
    """Adds, edits and shows the open case's findings.

    ``inform(title, text, icon)`` and ``show_problem(text)`` are the window's
    ways of telling the reviewer something; ``status(text, ms)`` shows a line
    in the status bar.
    """

    def __init__(
        self,
        session: ReviewSession,
        panel: FindingsPanel,
        player: PlayerWidget,
        window: QWidget,
        *,
        inform: Callable[[str, str], object],
        show_problem: Callable[[str], None],
        status: Callable[[str, int], None],
    ) -> None:
        super().__init__(window)
        self.session = session
        self.panel = panel
        self.player = player
        self.window = window
        self._inform = inform
        self._show_problem = show_problem
        self._status = status
        #: The editor while it is open (tests and the window look at it).
        self.editor: FindingEditor | None = None
        #: The latest still job (tests wait on it).
        self.still_task: tasks.Task | None = None

        panel.addRequested.connect(self.add_finding)
        panel.editRequested.connect(self.edit_finding)
        player.timeline.markerClicked.connect(self._marker_clicked)
        player.clipChanged.connect(lambda _clip: self.update_markers())
        session.changed.connect(self._changed)
        session.caseOpened.connect(lambda _case: self.update_markers())

    # -- markers -------------------------------------------------------------
    def _changed(self, changes: Changes) -> None:
        if changes.findings or changes.clips:
            self.update_markers()

    def update_markers(self) -> None:
        """The current clip's findings as timeline markers (from memory: no SQL)."""
        clip = self.player.clip
        if clip is None:
            self.player.timeline.set_markers([])
            return
        template = self.session.template
        self.player.timeline.set_markers(
            [
                Marker(
                    f.id or 0,
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
        item = self.panel.item_for(finding_id)
        if item is not None:
            self.panel.tree.setCurrentItem(item)

    # -- adding ----------------------------------------------------------------
    def add_finding(self) -> None:
        """Pause and open the editor at the current moment (the F key)."""
        case = self.session.case
        if case is None:
            self._status("Open a case to add findings.", 4000)
            return
        if self.session.locked:
            self._inform(
                "Case is complete",
                f"Case {case.reference} is complete. Reopen it (Case > Reopen) to add findings.",
            )
            return
        if self.editor is not None and self.editor.isVisible():
            return
        self.player.pause()
        clip = self.player.clip if self.player.ready else None
        if clip is not None and clip.id is not None:
            clip = self.session.clip(clip.id)  # the session's copy: its latest clock correction
        position = self.player.position_ms if clip else 0
        frame_index = self.player.current_frame_index()
        editor = FindingEditor(
            self.session.template,
            where=describe_moment(clip, position, self.session.zone()),
            can_capture=frame_index is not None,
            parent=self.window,
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = editor

        def finished(result: int) -> None:
            self.editor = None
            if result != QDialog.DialogCode.Accepted:
                self.player.surface.setFocus()
                return
            values = editor.values()
            try:
                # Saved at once: what the reviewer typed never waits on the video.
                changes = self.session.add_finding(
                    values["theme"],
                    values["level"],
                    values["note"],
                    clip.id if clip else None,
                    position,
                    frame=frame_index if clip else None,
                )
            except StoreError as exc:
                self._show_problem(str(exc))
            else:
                if editor.capture.isChecked() and frame_index is not None and clip is not None:
                    self.capture_still(self.session.added_id(changes.findings), frame_index, clip, position)
            self.player.surface.setFocus()

        editor.finished.connect(finished)
        editor.open()

    def capture_still(self, finding_id: int, frame_index: int, clip: Clip, position_ms: int) -> tasks.Task:
        """Decode frame ``frame_index`` again at full resolution (not the possibly reduced
        display image) in a background job, save it as a captioned PNG and attach it to
        the finding there, on the job's own store connection; the GUI thread only takes
        the updated finding (no SQL), so a finding with a still costs the GUI one write."""
        from cctv_review.video.reader import FrameReader
        from cctv_review.video.still import save_still

        case = self.session.case
        assert case is not None and clip.id is not None
        out = self.session.stills_folder() / still_file_name(case.reference, clip.id, position_ms)
        info = (
            self.player.player.info
            if self.player.clip is not None and clip.id == self.player.clip.id
            else None
        )
        reference, camera, recorded_at = case.reference, clip.camera, clip.recorded_at(position_ms)
        time_zone = self.session.zone()
        # Brightness/contrast in use (ui/video_view_tools.py): the still is adjusted alike and says so.
        adjustment = getattr(self.player.surface, "picture_adjustment", None)

        open_store = self.session.worker_store

        def work(_progress: tasks.ProgressFn, _cancel: tasks.CancelFn) -> Finding:  # worker thread
            with FrameReader(clip.path, info) as reader:
                image = reader.read_at_frame(int(frame_index)).image
            path = str(
                save_still(
                    image,
                    out,
                    case_reference=reference,
                    camera=camera,
                    clip_ms=position_ms,
                    recorded_at=recorded_at,
                    time_zone=time_zone,
                    adjustment=adjustment,
                )
            )
            try:
                with open_store() as store:  # this job's own connection, opened in this thread
                    if store.get_finding(finding_id).review_round == 2:  # a blind second review's (issue 14)
                        from cctv_review import team

                        return team.update_second_finding(store, finding_id, still_path=path)
                    return store.update_finding(finding_id, still_path=path)
            except StoreError as exc:
                raise StoreError(f"The still was saved to {path} but could not be attached: {exc}") from exc

        def attach(finding: Finding) -> None:
            self.session.still_attached(finding)

        def failed(message: str) -> None:
            made = message.startswith("The still was saved")
            self._show_problem(
                f"{message if made else 'The still could not be made: ' + message} The finding is saved without it."
            )

        self.still_task = tasks.run_task(work, context="saving a still", on_done=attach, on_failed=failed)
        return self.still_task

    # -- editing -------------------------------------------------------------------
    def edit_finding(self, finding_id: int) -> None:
        """Open the editor on a finding; Save writes what changed."""
        finding = self.session.finding(finding_id)
        if finding is None or self.session.locked:
            return
        clip = next((c for c in self.session.clips() if c.id == finding.clip_id), None)
        editor = FindingEditor(
            self.session.template,
            where=describe_moment(clip, finding.position_ms, self.session.zone()),
            finding=finding,
            parent=self.window,
        )
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor = editor

        def finished(result: int) -> None:
            self.editor = None
            if result == QDialog.DialogCode.Accepted:
                try:
                    self.session.update_finding(finding_id, **editor.values())
                except StoreError as exc:
                    self._show_problem(str(exc))

        editor.finished.connect(finished)
        editor.open()


__all__ = ["FindingsController", "describe_moment", "still_file_name"]
