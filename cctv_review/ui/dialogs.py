"""Small dialogs: a new case, a clip to add."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import CASE_FLAGS

VIDEO_FILTER = (
    "CCTV video (*.mp4 *.avi *.mkv *.mov *.ts *.m4v *.mpg *.mpeg *.wmv *.h264 *.264);;All files (*)"
)


class NewCaseDialog(QDialog):
    def __init__(self, suites: list[str], reviewer: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New case")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("e.g. the custody record number")
        form.addRow("&Reference *", self.reference)
        self.suite = QComboBox()
        self.suite.setEditable(True)
        self.suite.addItems(["", *suites])
        form.addRow("Custody &suite", self.suite)
        row = QHBoxLayout()
        self.date_known = QCheckBox("Known:")
        self.date_known.setChecked(True)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date_known.toggled.connect(self.date.setEnabled)
        row.addWidget(self.date_known)
        row.addWidget(self.date, 1)
        form.addRow("Detention &date", row)
        self.reviewer = QLineEdit(reviewer)
        form.addRow("Re&viewer", self.reviewer)
        flags = QWidget()
        grid = QGridLayout(flags)
        grid.setContentsMargins(0, 0, 0, 0)
        self.flags: dict[str, QCheckBox] = {}
        for i, (flag, label) in enumerate(CASE_FLAGS.items()):
            box = QCheckBox(label)
            self.flags[flag] = box
            grid.addWidget(box, i // 2, i % 2)
        form.addRow("Flags", flags)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color:#b3261e")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.reference.text().strip():
            self.error.setText("A case needs a reference.")
            return
        self.accept()

    def values(self) -> dict:
        # QDate.toPython() is typed ``object`` in PySide6's stubs; it returns a datetime.date.
        d: date | None = self.date.date().toPython() if self.date_known.isChecked() else None  # type: ignore[assignment]
        return {
            "reference": self.reference.text().strip(),
            "custody_suite": self.suite.currentText().strip(),
            "detention_date": d,
            "reviewer": self.reviewer.text().strip(),
            "flags": [f for f, box in self.flags.items() if box.isChecked()],
        }


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
            self.path.setText(path)
            if not self.camera.text().strip():
                self.camera.setText(Path(path).stem)

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
            "camera": self.camera.text().strip() or Path(path).stem,
            "recorded_start": start,
        }


__all__ = ["AddClipDialog", "NewCaseDialog", "Qt"]
