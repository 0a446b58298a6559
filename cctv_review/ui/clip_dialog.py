"""Fixing a clip afterwards: its camera and recorded start, removing it, relinking it to a moved file.

* :class:`ClipDialog` edits the camera name and the recorded start
  (recorder-local wall-clock time in the store's zone, to the second; the
  clock correction is set elsewhere);
* :class:`RemoveClipDialog` removes a clip from the case; while findings
  point at it the reviewer moves them to another clip or deletes them in the
  same step;
* relinking (choose the moved file, hash it in the background, accept it only
  when its SHA-256 matches) is driven by
  :meth:`cctv_review.ui.footage_controller.FootageController.relink_clip`.

Every change is audited by the store.  The date-time box comes from
:func:`recorded_start_editor` / :func:`editor_value` / :func:`set_editor_value`
only, so the fixed editor (``ui/datetime_edit.py``) can replace it in one place.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import Clip, Finding, format_ms
from cctv_review.recorded_time import RecordedTimeError, format_recorded
from cctv_review.ui.datetime_edit import RecordedDateTimeEdit

SOURCE_WORDS = {
    "dhav": "the recorder's own time stamps in the file",
    "file name": "the file name",
    "metadata": "the file's creation_time metadata",
    "typed": "typed by a reviewer",
    "": "not recorded",
}


# -- the date-time box (one place: the fixed editor replaces these three) ------------------------


def recorded_start_editor(tz: tzinfo, parent: QWidget | None = None) -> RecordedDateTimeEdit:
    """The box a recorded start is typed in (``yyyy-MM-dd HH:mm:ss``, recorder time in ``tz``, to the second)."""
    return RecordedDateTimeEdit(tz, parent)


def set_editor_value(editor: RecordedDateTimeEdit, value: datetime | None, tz: tzinfo) -> None:
    """Show ``value`` (aware) as wall-clock time in ``tz``; None leaves the box blank."""
    editor.set_time_zone(tz)
    editor.set_value(value)


def editor_value(editor: RecordedDateTimeEdit, tz: tzinfo) -> datetime:
    """What was typed, to the second, as an aware time in ``tz`` (never the PC's zone, no milliseconds).

    Raises :class:`~cctv_review.recorded_time.RecordedTimeError` for a blank
    box, a time the clocks skipped in ``tz``, or one they repeated with no
    occurrence chosen.
    """
    editor.set_time_zone(tz)
    value = editor.value()
    if value is None:
        raise RecordedTimeError("Type the date and time the recording starts (yyyy-mm-dd hh:mm:ss).")
    return value


class ClipDialog(QDialog):
    """Edit a clip's camera and recorded start; :meth:`changes` gives what differs from the clip."""

    def __init__(self, clip: Clip, tz: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clip = clip
        self.tz = tz
        self.setWindowTitle(f"Clip: {clip.camera or Path(clip.path).name}")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        file_label = QLabel(clip.path)
        file_label.setWordWrap(True)
        form.addRow("File", file_label)
        form.addRow(
            "Footage",
            QLabel(f"{format_ms(clip.duration_ms, False)}, {clip.width}x{clip.height} {clip.codec}"),
        )
        self.camera = QLineEdit(clip.camera)
        self.camera.setPlaceholderText("e.g. Booking-in desk, Cell 4")
        form.addRow("&Camera *", self.camera)
        row = QHBoxLayout()
        self.start_known = QCheckBox("Known:")
        self.start_known.setChecked(clip.recorded_start is not None)
        self.start = recorded_start_editor(tz)
        set_editor_value(self.start, clip.recorded_start, tz)
        self.start.setEnabled(self.start_known.isChecked())
        self.start_known.toggled.connect(self.start.setEnabled)
        row.addWidget(self.start_known)
        row.addWidget(self.start, 1)
        form.addRow("Recording starts at", row)
        where = SOURCE_WORDS.get(clip.recorded_start_source, clip.recorded_start_source)
        shown = format_recorded(clip.recorded_start, tz) if clip.recorded_start else "not set"
        source = QLabel(f"Now {shown}, from {where}. Recorder time in {tz}.")
        source.setWordWrap(True)
        source.setStyleSheet("color:#555")
        form.addRow("", source)
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
        self.resize(560, 220)
        self._changes: dict[str, Any] = {}

    def _accept(self) -> None:
        camera = self.camera.text().strip()
        if not camera:
            self.error.setText("Give the camera a name (e.g. Cell 4, Booking-in desk).")
            return
        changes: dict[str, Any] = {}
        if camera != self.clip.camera:
            changes["camera"] = camera
        try:
            start = editor_value(self.start, self.tz) if self.start_known.isChecked() else None
        except RecordedTimeError as exc:
            self.error.setText(str(exc))
            return
        before = self.clip.recorded_start
        if (start is None) != (before is None) or (
            start is not None
            and before is not None
            and start.timestamp() != before.replace(microsecond=0).timestamp()
        ):
            changes["recorded_start"] = start
            changes["recorded_start_source"] = "typed" if start is not None else ""
        self._changes = changes
        self.accept()

    def changes(self) -> dict[str, Any]:
        """The fields to change (``Store.update_clip`` names); empty when nothing changed."""
        return dict(self._changes)


class RemoveClipDialog(QDialog):
    """Remove a clip: with findings on it, move them to another clip or delete them in the same step."""

    def __init__(
        self, clip: Clip, findings: list[Finding], others: list[Clip], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remove clip")
        layout = QVBoxLayout(self)
        name = clip.camera or Path(clip.path).name
        text = QLabel(
            f"Remove {name} from this case? The file itself is not touched, and the removal is recorded "
            "in the audit trail."
        )
        text.setWordWrap(True)
        layout.addWidget(text)
        self.move_choice = QRadioButton()
        self.delete_choice = QRadioButton()
        self.target = QComboBox()
        self.findings = findings
        if findings:
            count = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}"
            layout.addWidget(QLabel(f"{count} point{'s' if len(findings) == 1 else ''} at this clip:"))
            group = QButtonGroup(self)
            self.move_choice.setText(f"Move the {count} to:")
            self.delete_choice.setText(f"Delete the {count}")
            group.addButton(self.move_choice)
            group.addButton(self.delete_choice)
            for other in others:
                self.target.addItem(other.camera or Path(other.path).name, other.id)
            row = QHBoxLayout()
            row.addWidget(self.move_choice)
            row.addWidget(self.target, 1)
            layout.addLayout(row)
            layout.addWidget(self.delete_choice)
            if others:
                self.move_choice.setChecked(True)
            else:
                self.move_choice.setEnabled(False)
                self.target.setEnabled(False)
                self.delete_choice.setChecked(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setText("&Remove clip")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choice(self) -> dict[str, Any]:
        """``Store.remove_clip`` keywords: ``move_findings_to`` or ``delete_findings``."""
        if not self.findings:
            return {}
        if self.move_choice.isChecked() and self.target.currentData() is not None:
            return {"move_findings_to": int(self.target.currentData())}
        return {"delete_findings": True}
