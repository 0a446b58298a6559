"""Small dialogs: a new case, a clip to add."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.ui.case_dialog import CaseDialog

VIDEO_FILTER = (
    "CCTV video (*.mp4 *.avi *.mkv *.mov *.ts *.m4v *.mpg *.mpeg *.wmv *.h264 *.264);;All files (*)"
)


#: The new-case dialog is the case details dialog without a case (no detention date until one is given).
NewCaseDialog = CaseDialog


class AddClipDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, start_folder: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Add clip")
        self._folder = start_folder
        layout = QVBoxLayout(self)
        note = QLabel(
            "The file is referenced where it is and fingerprinted (SHA-256); it is never copied or changed."
        )
        note.setWordWrap(True)
        note.setStyleSheet("color:#555")
        layout.addWidget(note)
        form = QFormLayout()
        row = QHBoxLayout()
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("&File *", row)
        self.camera = QLineEdit()
        self.camera.setPlaceholderText("e.g. Booking-in desk, Cell 4")
        form.addRow("&Camera", self.camera)
        row = QHBoxLayout()
        self.start_known = QCheckBox("Known:")
        self.start = QDateTimeEdit(QDateTime.currentDateTime())
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm:ss")
        self.start.setCalendarPopup(True)
        self.start.setEnabled(False)
        self.start_known.toggled.connect(self.start.setEnabled)
        row.addWidget(self.start_known)
        row.addWidget(self.start, 1)
        form.addRow("Recording &starts at", row)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b3261e")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 200)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CCTV file", self._folder, VIDEO_FILTER)
        if path:
            self.path.setText(
                path
            )  # the camera is never named after the file: it may hold the custody number

    def _accept(self) -> None:
        if not Path(self.path.text().strip()).is_file():
            self.error.setText("Choose a video file that exists.")
            return
        self.accept()

    def values(self) -> dict:
        start: datetime | None = None
        if self.start_known.isChecked():
            # CCTV recorders show local time.
            local: datetime = self.start.dateTime().toPython()  # type: ignore[assignment]  # stubs: object
            start = local.astimezone()
        path = self.path.text().strip()
        return {
            "path": path,
            "camera": self.camera.text().strip(),
            "recorded_start": start,
        }


__all__ = ["AddClipDialog", "CaseDialog", "NewCaseDialog", "Qt"]
