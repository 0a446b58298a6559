"""Add footage…: choose files and folders, index and fingerprint them in the background, confirm the list.

The flow (:class:`cctv_review.ui.footage_controller.FootageController.add_footage`):

1. :class:`ChooseFootageDialog`: files and folders (a folder brings every
   video in it, subfolders included; whether a file is video is decided by
   probing it, so a Hikvision ``.mp4`` holding a program stream or a ``.dav``
   is found whatever its name);
2. one background job (:func:`cctv_review.ui.tasks.run_task` with
   :meth:`ReviewSession.footage_job`) probes and hashes every file with ONE
   progress bar and Cancel; Cancel stores nothing;
3. :class:`ConfirmFootageDialog`: a table of every file — camera, recorded
   start and where it came from, duration, and why a file is not added (not
   video, already in the case) — where the camera and the recorded start can
   be edited before anything is stored;
4. the session stores the ticked clips in one transaction.

Recorded starts are shown and typed as recorder-local wall-clock time in the
store's zone (``2026-03-14 22:41:05``); what is typed is what is stored
(:func:`cctv_review.recorded_time.parse_typed`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cctv_review.clips import VIDEO_EXTENSIONS, FootageScan, FoundClip
from cctv_review.domain import format_ms
from cctv_review.recorded_time import RecordedTimeError, format_recorded, parse_typed

VIDEO_FILTER = "CCTV video (" + " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS)) + ");;All files (*)"

#: Columns of the confirmation table.
COL_ADD, COL_FILE, COL_CAMERA, COL_START, COL_FROM, COL_DURATION, COL_NOTE = range(7)
HEADERS = ["Add", "File", "Camera", "Recorded start", "Start from", "Duration", "Note"]


class ChooseFootageDialog(QDialog):
    """Pick files and folders to add (listed; removable before going on)."""

    def __init__(self, parent: QWidget | None = None, start_folder: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Add footage")
        self._folder = start_folder
        layout = QVBoxLayout(self)
        note = QLabel(
            "Choose files, or folders (every video in them, subfolders included). Files are referenced "
            "where they are and fingerprinted (SHA-256); they are never copied or changed. You will see "
            "the list, with cameras and recorded start times, before anything is added."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.paths = QListWidget()
        self.paths.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout.addWidget(self.paths, 1)
        row = QHBoxLayout()
        for text, slot in (
            ("Add &files…", self._add_files),
            ("Add f&older…", self._add_folder),
            ("&Remove from list", self._remove),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b3261e")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText("&Index and fingerprint")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, 360)

    def add_paths(self, paths: list[str]) -> None:
        known = set(self.chosen())
        for path in paths:
            if path and path not in known:
                self.paths.addItem(path)
                known.add(path)
                self._folder = str(Path(path).parent)
        self.error.clear()

    def _add_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Choose CCTV files", self._folder, VIDEO_FILTER)
        self.add_paths(files)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder of CCTV footage", self._folder)
        self.add_paths([folder] if folder else [])

    def _remove(self) -> None:
        for item in self.paths.selectedItems():
            self.paths.takeItem(self.paths.row(item))

    def chosen(self) -> list[str]:
        """The files and folders listed, in order."""
        return [self.paths.item(i).text() for i in range(self.paths.count())]

    def _accept(self) -> None:
        if not self.chosen():
            self.error.setText("Add at least one file or folder.")
            return
        self.accept()


class ConfirmFootageDialog(QDialog):
    """The files found, as they would be added: edit cameras and recorded starts, untick, then Add."""

    def __init__(self, scan: FootageScan, tz: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scan = scan
        self.tz = tz
        self.setWindowTitle("Add footage: check the list")
        layout = QVBoxLayout(self)
        count = len(scan.to_add)
        intro = QLabel(
            f"{count} file{'s' if count != 1 else ''} can be added. Check each camera and recorded start "
            f"(recorder time, {tz}); double-click to change them. Nothing is stored until you press Add."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTableWidget(len(scan.files) + len(scan.skipped), len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, found in enumerate(scan.files):
            self._fill(row, found)
        for offset, skipped in enumerate(scan.skipped):
            row = len(scan.files) + offset
            self._fixed(row, COL_FILE, Path(skipped.path).name, skipped.path)
            self._fixed(row, COL_NOTE, f"Left out: {skipped.reason}")
            self._fixed(row, COL_ADD, "")
            for col in (COL_CAMERA, COL_START, COL_FROM, COL_DURATION):
                self._fixed(row, col, "")
            self._grey(row)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_FILE, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_NOTE, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(COL_FILE, 250)  # long recorder names are elided; the tooltip has the path
        self.table.setWordWrap(False)
        layout.addWidget(self.table, 1)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b3261e")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if self.add_button is not None:
            self.add_button.setText(f"&Add {count} clip{'s' if count != 1 else ''}")
            self.add_button.setEnabled(count > 0)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(1100, 420)
        self._confirmed: list[FoundClip] = []

    def _fixed(self, row: int, col: int, text: str, tip: str = "") -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
        if tip:
            item.setToolTip(tip)
        self.table.setItem(row, col, item)
        return item

    def _grey(self, row: int) -> None:
        for col in range(len(HEADERS)):
            item = self.table.item(row, col)
            if item is not None:
                item.setForeground(QColor("#777777"))

    def _fill(self, row: int, found: FoundClip) -> None:
        add = self._fixed(row, COL_ADD, "")
        self._fixed(row, COL_FILE, Path(found.path).name, found.path)
        clip = found.clip
        if not found.ok or clip is None:
            for col in (COL_CAMERA, COL_START, COL_FROM, COL_DURATION):
                self._fixed(row, col, "")
            self._fixed(row, COL_NOTE, f"Not added: {found.problem}", found.problem)
            self._grey(row)
            return
        add.setFlags(add.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        add.setCheckState(Qt.CheckState.Checked)
        camera = QTableWidgetItem(clip.camera)
        camera.setToolTip(
            {
                "file name pattern": "From the recorder's file-name pattern",
                "folder": "From the folder's name",
            }.get(found.camera_from, "No camera name found: numbered. Type the camera's name.")
        )
        self.table.setItem(row, COL_CAMERA, camera)
        start = format_recorded(clip.recorded_start, self.tz, with_zone=False) if clip.recorded_start else ""
        start_item = QTableWidgetItem(start)
        start_item.setToolTip("Recorder time, year-month-day hours:minutes:seconds; empty if not known")
        self.table.setItem(row, COL_START, start_item)
        self._fixed(row, COL_FROM, found.start_from or "not known: type it", found.start_from)
        self._fixed(row, COL_DURATION, format_ms(clip.duration_ms, False))
        self._fixed(row, COL_NOTE, "; ".join(found.conflicts), "\n".join(found.conflicts))

    def _accept(self) -> None:
        confirmed: list[FoundClip] = []
        problems: list[str] = []
        for row, found in enumerate(self.scan.files):
            if not found.ok or found.clip is None:
                continue
            add = self.table.item(row, COL_ADD)
            if add is None or add.checkState() != Qt.CheckState.Checked:
                continue
            camera_item, start_item = self.table.item(row, COL_CAMERA), self.table.item(row, COL_START)
            camera = camera_item.text().strip() if camera_item else found.clip.camera
            text = start_item.text().strip() if start_item else ""
            clip = found.clip
            shown = (
                format_recorded(clip.recorded_start, self.tz, with_zone=False) if clip.recorded_start else ""
            )
            start, source = clip.recorded_start, clip.recorded_start_source
            if text != shown:
                if not text:
                    start, source = None, ""
                else:
                    try:
                        start, source = parse_typed(text, self.tz), "typed"
                    except RecordedTimeError as exc:
                        problems.append(f"{Path(found.path).name}: {exc}")
                        continue
            if not camera:
                problems.append(
                    f"{Path(found.path).name}: give the camera a name (e.g. Cell 4, Booking-in desk)."
                )
                continue
            confirmed.append(
                replace(
                    found,
                    clip=replace(clip, camera=camera, recorded_start=start, recorded_start_source=source),
                )
            )
        if problems:
            self.error.setText("Nothing was added yet. " + " ".join(problems))
            return
        if not confirmed:
            self.error.setText("Tick at least one file to add, or Cancel.")
            return
        self._confirmed = confirmed
        self.accept()

    def confirmed(self) -> list[FoundClip]:
        """The files to add, with the cameras and starts as the reviewer left them (after Add)."""
        return list(self._confirmed)
