"""The Export dialog: CSV files, an Excel workbook or the printable PDF report.

``ExportDialog(session, parent=None, case_ids=None)`` offers what
``cctv-review export`` offers: the format, an optional range of detention
dates, "selected cases only" (when ``case_ids`` is given), redaction and the
destination (a folder for CSV, a file otherwise).  The export itself is
:func:`cctv_review.export.export`; the dialog adds nothing to its content.

The export runs as a background job (:mod:`cctv_review.ui.tasks`) with its own
connection to the database (``session.worker_store()``), so the window stays
responsive and the GUI's connection is never used from two threads.  Progress is shown in a bar with a
line of text; the result (the files written, or the :class:`ExportError`
message) is shown in the dialog itself rather than in a second modal box.  The
dialog cannot be closed while an export is running; ``exported`` is emitted
with the paths written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QStandardPaths, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.export import FORMATS, destination, export
from cctv_review.store import StoreError
from cctv_review.ui import tasks
from cctv_review.ui.services import ReviewSession

FORMAT_CHOICES = [
    ("csv", "CSV files (a folder of four files)"),
    ("xlsx", "Excel workbook (.xlsx)"),
    ("pdf", "PDF report, printable"),
]
FILE_FILTERS = {"xlsx": "Excel workbook (*.xlsx)", "pdf": "PDF report (*.pdf)"}
REDACT_HELP = (
    "For sharing beyond the force: case references become pseudonyms (the same case keeps the same "
    "pseudonym in every export from this database), and reviewer names, file paths and still images are "
    "left out. Notes and free-text answers are kept as written, so check them for names first."
)


def export_job(
    session: ReviewSession, fmt: str, out: Path, options: dict[str, Any], notices: list[str] | None = None
) -> Callable[[tasks.ProgressFn, tasks.CancelFn], list[str]]:
    """A background job: :func:`cctv_review.export.export` on the job's own store connection.

    ``notices`` receives the export's notes (characters Excel cannot hold, a
    note continued below), to be read once the job has ended.
    Returns the paths written (str); raises :class:`~cctv_review.export.errors.ExportError`
    (a UserFacingError) with a plain message when the export cannot be made.
    """
    template = session.template

    def work(progress: tasks.ProgressFn, _cancel: tasks.CancelFn) -> list[str]:
        with session.worker_store() as store:
            written = export(store, template, fmt, out, progress=progress, notices=notices, **options)
        return [str(p) for p in written]

    return work


class ExportDialog(QDialog):
    exported = Signal(list)  # the paths written (str)

    def __init__(
        self,
        session: ReviewSession,
        parent: QWidget | None = None,
        case_ids: Iterable[int] | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.case_ids = list(case_ids) if case_ids is not None else None
        self.written: list[Path] = []
        self.notices: list[str] = []
        self.error = ""
        self._job: tasks.Task | None = None
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)

        self.format_combo = QComboBox()
        for fmt, label in FORMAT_CHOICES:
            self.format_combo.addItem(label, fmt)
        self.format_combo.setCurrentIndex(1)

        first, last = self._date_bounds()
        self.range_check = QCheckBox("Only detentions from")
        self.date_from = QDateEdit(QDate(first.year, first.month, first.day))
        self.date_to = QDateEdit(QDate(last.year, last.month, last.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.range_check.toggled.connect(self.date_from.setEnabled)
        self.range_check.toggled.connect(self.date_to.setEnabled)
        range_row = QHBoxLayout()
        range_row.addWidget(self.range_check)
        range_row.addWidget(self.date_from)
        range_row.addWidget(QLabel("to"))
        range_row.addWidget(self.date_to)
        range_row.addStretch(1)

        count = len(self.case_ids or [])
        self.selected_check = QCheckBox(f"Only the {count} selected case{'s' if count != 1 else ''}")
        self.selected_check.setEnabled(self.case_ids is not None)
        self.selected_check.setChecked(self.case_ids is not None)
        self.selected_check.setVisible(self.case_ids is not None)

        self.redact_check = QCheckBox("Redact personal identifiers")
        self.redact_check.setToolTip(REDACT_HELP)
        redact_help = QLabel(REDACT_HELP)
        redact_help.setWordWrap(True)
        redact_help.setStyleSheet("color: palette(mid);")

        self.destination_edit = QLineEdit()
        self.destination_edit.setPlaceholderText("Where to save")
        self.browse_button = QPushButton("Choose…")
        self.browse_button.clicked.connect(self.choose_destination)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.destination_edit, 1)
        dest_row.addWidget(self.browse_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button = self.buttons.addButton("Show in folder", QDialogButtonBox.ButtonRole.ActionRole)
        self.open_button.setVisible(False)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        # The box's accepted() is not connected, so Export does not close the dialog.
        self.export_button.clicked.connect(self.start_export)
        self.open_button.clicked.connect(self.show_in_folder)
        self.close_button.clicked.connect(self.reject)

        form = QFormLayout()
        form.addRow("Format", self.format_combo)
        form.addRow("Cases", self._wrap(range_row))
        if self.case_ids is not None:
            form.addRow("", self.selected_check)
        form.addRow("Sharing", self.redact_check)
        form.addRow("", redact_help)
        # Issue 14: the report's "areas for improvement" page (export/figures.py); PDF only.
        self.areas_check = QCheckBox('Add an "areas for improvement" page to the report')
        self.areas_check.setToolTip(
            "The questions with the highest share of answers that count against good practice, each with its count"
        )
        self.areas_check.setEnabled(self.fmt == "pdf")
        self.format_combo.currentIndexChanged.connect(
            lambda _i: self.areas_check.setEnabled(self.fmt == "pdf")
        )
        form.addRow("Report", self.areas_check)
        form.addRow("Save to", self._wrap(dest_row))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self._inputs = [
            self.format_combo,
            self.range_check,
            self.selected_check,
            self.redact_check,
            self.destination_edit,
            self.browse_button,
            self.export_button,
        ]
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self.destination_edit.setText(str(self._default_destination()))

    # -- helpers -----------------------------------------------------------------------
    @staticmethod
    def _wrap(layout: QLayout) -> QWidget:
        widget = QWidget()
        layout.setContentsMargins(0, 0, 0, 0)
        widget.setLayout(layout)
        return widget

    def _date_bounds(self) -> tuple[date, date]:
        try:
            dates = [c.detention_date for c in self.session.list_cases() if c.detention_date]
        except StoreError:
            dates = []
        today = date.today()
        return (min(dates), max(dates)) if dates else (today.replace(day=1), today)

    @property
    def fmt(self) -> str:
        return self.format_combo.currentData()

    def set_format(self, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(fmt)
        self.format_combo.setCurrentIndex([f for f, _ in FORMAT_CHOICES].index(fmt))

    def set_destination(self, path: str | Path) -> None:
        self.destination_edit.setText(str(path))

    def _default_destination(self) -> Path:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(
            Path.home()
        )
        name = f"cctv-review-export-{date.today().isoformat()}"
        return destination(self.fmt, Path(folder) / name)

    def _format_changed(self) -> None:
        """Keep the destination's extension in step with the format."""
        text = self.destination_edit.text().strip()
        if not text:
            return
        path = Path(text)
        if path.suffix.lower() in (".xlsx", ".pdf", ".csv"):
            path = path.with_suffix("")
        self.destination_edit.setText(str(destination(self.fmt, path)))

    @Slot()
    def choose_destination(self) -> None:
        current = self.destination_edit.text().strip() or str(self._default_destination())
        if self.fmt == "csv":
            chosen = QFileDialog.getExistingDirectory(self, "Folder for the CSV files", current)
        else:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save the export as", current, FILE_FILTERS[self.fmt]
            )
        if chosen:
            self.set_destination(destination(self.fmt, chosen))

    def options(self) -> dict:
        """The keyword arguments for :func:`cctv_review.export.export`."""
        options: dict = {"redact": self.redact_check.isChecked()}
        if self.range_check.isChecked():
            options["date_from"] = self.date_from.date().toPython()
            options["date_to"] = self.date_to.date().toPython()
        if self.case_ids is not None and self.selected_check.isChecked():
            options["case_ids"] = list(self.case_ids)
        hidden = self.session.blind_case_ids() if hasattr(self.session, "blind_case_ids") else set()
        if hidden:  # a blind second reviewer's unfinished cases never leave through an export
            options["exclude_case_ids"] = sorted(hidden)
        if self.fmt == "pdf" and self.areas_check.isChecked():
            options["areas_for_improvement"] = True
        return options

    # -- running -----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._job is not None

    @Slot()
    def start_export(self) -> None:
        if self.running:
            return
        text = self.destination_edit.text().strip()
        if not text:
            self._show_error("Choose where to save the export.")
            return
        out = destination(self.fmt, Path(text))
        self.written, self.error, self.notices = [], "", []
        self._set_busy(True)
        self.status_label.setText("Exporting…")
        self._job = tasks.run_task(
            export_job(self.session, self.fmt, out, self.options(), self.notices),
            context="exporting",
            on_progress=self._on_progress,
            on_done=self._on_finished,
            on_failed=self._on_failed,
        )

    @Slot(float, str)
    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        if message:
            self.status_label.setText(message + "…")

    @Slot(list)
    def _on_finished(self, paths: list) -> None:
        self._job = None
        self._set_busy(False)
        self.written = [Path(p) for p in paths]
        if len(self.written) == 1:
            text = f"Saved {self.written[0]}"
        else:
            text = f"Saved {len(self.written)} files in {self.written[0].parent}: " + ", ".join(
                p.name for p in self.written
            )
        self.status_label.setStyleSheet("")
        text += ". The export is recorded in the audit trail."
        if self.notices:  # read only now: the job that filled the list has ended
            more = f" (and {len(self.notices) - 1} more, listed in the file)" if len(self.notices) > 1 else ""
            text += f"\nNote: {self.notices[0]}{more}"
        self.status_label.setText(text)
        self.open_button.setVisible(True)
        self.close_button.setFocus()
        self.exported.emit([str(p) for p in self.written])

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._job = None
        self._set_busy(False)
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.error = message
        self.open_button.setVisible(False)
        self.status_label.setStyleSheet("color: #b3261e;")
        self.status_label.setText(message)

    def _set_busy(self, busy: bool) -> None:
        for widget in self._inputs:
            widget.setEnabled(not busy)
        if not busy:
            self.date_from.setEnabled(self.range_check.isChecked())
            self.date_to.setEnabled(self.range_check.isChecked())
            self.selected_check.setEnabled(self.case_ids is not None)
        else:
            self.date_from.setEnabled(False)
            self.date_to.setEnabled(False)
        self.close_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.status_label.setStyleSheet("")

    @Slot()
    def show_in_folder(self) -> None:
        if self.written:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.written[0].parent)))

    def reject(self) -> None:
        if self.running:  # a half-finished export cannot be abandoned; it is quick
            self.status_label.setText("Please wait: the export is still being written.")
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.running:
            event.ignore()
            return
        super().closeEvent(event)
