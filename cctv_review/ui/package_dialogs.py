"""File > Export review package… and Import review package… (issue 14 item 1).

The work is :mod:`cctv_review.package`'s; here it runs off the GUI thread through
:func:`cctv_review.ui.tasks.run_task`, each job on its own store connection
(``session.worker_store()``).  An import runs in two jobs: the first reads and
checks the package and plans the merge (reads only); when cases were changed in
both stores since they were shared, :class:`ConflictDialog` shows both versions
side by side and the lead chooses for each; the second job imports (one
transaction) with those choices.  Nothing is imported until every conflict has a
choice, and Cancel imports nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review import package as pkg
from cctv_review.ui import tasks
from cctv_review.ui.services import ReviewSession


class ExportPackageDialog(QDialog):
    """Choose cases (ticked: the ones given, e.g. the case list's filtered cases) and a file; export."""

    def __init__(
        self, session: ReviewSession, chosen: list[int] | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export review package")
        self.session = session
        self.task: tasks.Task | None = None
        self.report: pkg.ExportReport | None = None
        self.error = ""
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "The cases ticked go into the package with their clips' records (not the footage), findings, "
                "stills, answers, outcomes and audit entries."
            )
        )
        self.cases = QListWidget()
        chosen_ids = set(chosen or [])
        hidden = session.blind_case_ids()
        for case in session.list_cases():
            if case.id in hidden:
                continue  # a case under this user's blind second review would carry the first review
            item = QListWidgetItem(f"{case.reference}  ({case.status.label})")
            item.setData(Qt.ItemDataRole.UserRole, case.reference)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if case.id in chosen_ids else Qt.CheckState.Unchecked)
            self.cases.addItem(item)
        layout.addWidget(self.cases, 1)
        blind_row = QFormLayout()
        self.blind_for = QLineEdit()
        self.blind_for.setPlaceholderText("optional: their login name")
        self.blind_for.setToolTip(
            "For a blind second reviewer: the first review of each case is left out of the package. "
            "Every ticked case must be assigned to them for a second review."
        )
        blind_row.addRow("For a blind second reviewer:", self.blind_for)
        layout.addLayout(blind_row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = QPushButton("Export…")
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.clicked.connect(self.choose_and_export)
        self.buttons.rejected.connect(self._cancel)
        layout.addWidget(self.buttons)

    def references(self) -> list[str]:
        """References of the ticked cases."""
        return [
            str(self.cases.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.cases.count())
            if self.cases.item(i).checkState() == Qt.CheckState.Checked
        ]

    def choose_and_export(self) -> None:
        if not self.references():
            self.message.setText("Tick at least one case.")
            return
        name, _ = QFileDialog.getSaveFileName(
            self, "Export review package", str(Path.home() / "review.cctvpkg"), "Review packages (*.cctvpkg)"
        )
        if name:
            self.export_to(Path(name))

    def export_to(self, destination: Path) -> tasks.Task:
        """Export the ticked cases to ``destination`` in the background."""
        references = self.references()
        session = self.session
        blind_for = self.blind_for.text().strip()

        def work(progress: tasks.ProgressFn, cancel: tasks.CancelFn) -> pkg.ExportReport:
            with session.worker_store() as store:
                return pkg.export_package(
                    store, references, destination, progress, cancel, blind_for=blind_for
                )

        self.export_button.setEnabled(False)
        self.progress.show()
        self.task = tasks.run_task(
            work,
            context="exporting a review package",
            on_done=self._done,
            on_failed=self._failed,
            on_progress=self._progress,
            on_cancelled=lambda: self._failed("Cancelled: no package was written."),
        )
        return self.task

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(fraction * 100))
        if message:
            self.message.setText(message)

    def _done(self, report: pkg.ExportReport) -> None:
        self.report = report
        self.message.setText(
            f"Wrote {report.path.name}: {len(report.references)} cases, {report.stills} stills, "
            f"{report.audit_entries} audit entries."
        )
        self.buttons.clear()
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.accept)

    def _failed(self, text: str) -> None:
        self.error = text
        self.message.setText(text)
        self.export_button.setEnabled(True)
        self.progress.hide()

    def _cancel(self) -> None:
        if self.task is not None and not self.task.done.is_set():
            self.task.cancel()
        self.reject()


class ConflictDialog(QDialog):
    """Cases changed in both stores since they were shared: both versions side by side, and a choice
    for each (keep this store's, or take the package's).  Nothing is chosen for the lead."""

    def __init__(self, conflicts: list[pkg.CasePlan], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cases changed in both places")
        self.resize(900, 560)
        self.choices: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"{len(conflicts)} case(s) were changed both here and in the package since they were shared. "
                "Compare the two versions and choose which to keep for each. Your choice is recorded in the "
                "audit trail."
            )
        )
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>This store (mine)</b>"), 0, 0)
        grid.addWidget(QLabel("<b>The package (theirs)</b>"), 0, 1)
        for row, plan in enumerate(conflicts, start=1):
            for column, bundle in enumerate((plan.mine, plan.theirs)):
                text = QPlainTextEdit(pkg.describe_bundle(bundle))
                text.setReadOnly(True)
                text.setObjectName(f"conflict_{plan.reference}_{'mine' if column == 0 else 'theirs'}")
                grid.addWidget(text, 2 * row - 1, column)
            mine = QRadioButton(f"Keep mine for {plan.reference}")
            theirs = QRadioButton(f"Take theirs for {plan.reference}")
            for button in (mine, theirs):
                button.toggled.connect(self._update)
            grid.addWidget(mine, 2 * row, 0)
            grid.addWidget(theirs, 2 * row, 1)
            self.choices[plan.reference] = (mine, theirs)
        holder = QWidget()
        holder.setLayout(grid)
        layout.addWidget(holder, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import with these choices")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        done = all(m.isChecked() or t.isChecked() for m, t in self.choices.values())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(done)

    def take(self) -> dict[str, str]:
        """The choices: reference -> "mine" | "theirs" (only the cases chosen)."""
        return {
            ref: ("mine" if m.isChecked() else "theirs")
            for ref, (m, t) in self.choices.items()
            if m.isChecked() or t.isChecked()
        }


class PackageImporter:
    """Import a package from ``path``: check and plan, settle conflicts (dialog), import; all off the
    GUI thread but the dialog.  ``inform(title, text)`` and ``show_problem(text)`` report the end."""

    def __init__(
        self,
        session: ReviewSession,
        parent: QWidget,
        inform: Callable[[str, str], Any],
        show_problem: Callable[[str], None],
    ) -> None:
        self.session = session
        self.parent = parent
        self.inform = inform
        self.show_problem = show_problem
        self.task: tasks.Task | None = None
        self.conflict_dialog: ConflictDialog | None = None
        self.report: pkg.ImportReport | None = None

    def start(self, path: Path) -> tasks.Task:
        session = self.session

        def check(
            progress: tasks.ProgressFn, cancel: tasks.CancelFn
        ) -> tuple[pkg.Package, list[pkg.CasePlan]]:
            progress(0.1, "Checking the package")
            package = pkg.read_package(path)
            with session.worker_store() as store:
                return package, pkg.plan_import(store, package)

        self.task = tasks.run_task(
            check, context="checking a review package", on_done=self._checked, on_failed=self.show_problem
        )
        return self.task

    def _checked(self, result: tuple[pkg.Package, list[pkg.CasePlan]]) -> None:
        package, plans = result
        conflicts = [p for p in plans if p.action == pkg.CONFLICT]
        if not conflicts:
            self._import(package, {})
            return
        dialog = ConflictDialog(conflicts, self.parent)
        self.conflict_dialog = dialog
        dialog.accepted.connect(lambda: self._import(package, dialog.take()))
        dialog.rejected.connect(lambda: self.inform("Review package", "Nothing was imported."))
        dialog.open()

    def _import(self, package: pkg.Package, take: dict[str, str]) -> None:
        session = self.session

        def work(progress: tasks.ProgressFn, cancel: tasks.CancelFn) -> pkg.ImportReport:
            progress(0.5, "Importing")
            with session.worker_store() as store:
                return pkg.import_package(store, package, take=take, stills_folder=session.stills_folder())

        self.task = tasks.run_task(
            work, context="importing a review package", on_done=self._done, on_failed=self.show_problem
        )

    def _done(self, report: pkg.ImportReport) -> None:
        self.report = report
        self.session.packages_imported()
        self.inform("Review package imported", report.text())


def choose_package_to_import(parent: QWidget) -> Path | None:
    """Ask for a package file; None when cancelled."""
    name, _ = QFileDialog.getOpenFileName(
        parent, "Import review package", str(Path.home()), "Review packages (*.cctvpkg);;All files (*)"
    )
    return Path(name) if name else None


__all__ = [
    "ConflictDialog",
    "ExportPackageDialog",
    "PackageImporter",
    "choose_package_to_import",
]
