"""Findings: the list beside the form and the small editor the F key opens.

The list shows each finding's recorded time (the recorder's wall clock in the
store's zone, clock correction applied, written by the one rule of
:mod:`cctv_review.recorded_time`: ``2026-07-12 00:59:47 BST``) and its camera
in separate columns; a finding whose clip has no recorded start shows its clip
time instead ("clip 0:01:05").
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cctv_review import palette
from cctv_review.changes import Changes
from cctv_review.domain import Clip, Finding, FindingLevel, format_ms
from cctv_review.store import StoreError
from cctv_review.template import Template, Theme
from cctv_review.ui.services import ReviewSession

# The one palette (cctv_review/palette.py) gives the colours; tests/test_palette.py checks.
LEVEL_COLOURS = {level: QColor(palette.finding_colour(level)) for level in FindingLevel}


def level_colour(level: FindingLevel | str) -> QColor:
    return LEVEL_COLOURS[FindingLevel(level)]


class ThemeCombo(QComboBox):
    """Theme chooser: typing a theme's key letter (shown in brackets) selects it."""

    def __init__(self, themes: Iterable[Theme], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._keys = {}
        for theme in themes:
            label = f"{theme.label}  [{theme.key}]" if theme.key else theme.label
            self.addItem(label, theme.id)
            if theme.key:
                self._keys[theme.key.upper()] = self.count() - 1

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text().upper()
        if (
            len(text) == 1
            and text in self._keys
            and not event.modifiers()
            & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
        ):
            self.setCurrentIndex(self._keys[text])
            return
        super().keyPressEvent(event)


class FindingEditor(QDialog):
    """Theme, learning level or good practice, note; optional still."""

    def __init__(
        self,
        template: Template,
        *,
        where: str,
        finding: Finding | None = None,
        can_capture: bool = False,
        default_theme: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit finding" if finding else "Add finding")
        self.setObjectName("findingEditor")
        layout = QVBoxLayout(self)
        self.where_label = QLabel(where)
        self.where_label.setStyleSheet("font-weight:600")
        layout.addWidget(self.where_label)
        form = QFormLayout()
        self.theme = ThemeCombo(template.themes)
        self.theme.setObjectName("findingTheme")
        form.addRow("&Theme (type its letter)", self.theme)
        self.level = QComboBox()
        self.level.setObjectName("findingLevel")
        for level in FindingLevel:
            self.level.addItem(level.label, level.value)
        form.addRow("&Level", self.level)
        self.note = QPlainTextEdit()
        self.note.setObjectName("findingNote")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("What happened, and what it teaches")
        self.note.setMinimumHeight(90)
        form.addRow("&Note", self.note)
        self.capture = QCheckBox("Save a still of this frame with the finding")
        self.capture.setObjectName("findingCapture")
        self.capture.setEnabled(can_capture)
        if not can_capture:
            self.capture.setToolTip("No video frame is showing")
        form.addRow("", self.capture)
        layout.addLayout(form)
        hint = QLabel("Ctrl+Enter saves, Esc cancels.")
        hint.setStyleSheet("color:#666")
        layout.addWidget(hint)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self).activated.connect(self.accept)
        from cctv_review.ui.review_form import CtrlEnter

        self._ctrl_enter = CtrlEnter(self.note, self.accept)
        if finding is not None:
            self.theme.setCurrentIndex(max(0, self.theme.findData(finding.theme)))
            self.level.setCurrentIndex(max(0, self.level.findData(finding.level.value)))
            self.note.setPlainText(finding.note)
        else:
            if default_theme:
                self.theme.setCurrentIndex(max(0, self.theme.findData(default_theme)))
            self.level.setCurrentIndex(self.level.findData(FindingLevel.SOME.value))
        self.theme.setFocus()
        self.resize(460, 320)

    def values(self) -> dict:
        return {
            "theme": self.theme.currentData(),
            "level": FindingLevel(self.level.currentData()),
            "note": self.note.toPlainText().strip(),
        }


class FindingsPanel(QWidget):
    """The open case's findings in time order; double-click seeks the video."""

    seekRequested = Signal(object, int)  # clip_id, position_ms
    addRequested = Signal()
    editRequested = Signal(int)
    problem = Signal(str)

    COLUMNS = ("Recorded time", "Camera", "Theme", "Level", "Note")

    def __init__(self, session: ReviewSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("Findings")
        self.title.setStyleSheet("font-weight:600")
        top.addWidget(self.title, 1)
        self.add_button = QPushButton("Add (F)")
        self.edit_button = QPushButton("Edit")
        self.delete_button = QPushButton("Delete")
        for b in (self.add_button, self.edit_button, self.delete_button):
            top.addWidget(b)
        layout.addLayout(top)
        self.tree = QTreeWidget()
        self.tree.setObjectName("findingsList")
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(
            (self.fontMetrics().horizontalAdvance("2026-07-12 00:59:47 BST") + 16, 110, 130, 130)
        ):
            self.tree.setColumnWidth(column, width)
        layout.addWidget(self.tree, 1)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.add_button.clicked.connect(self.addRequested)
        self.edit_button.clicked.connect(self._edit_selected)
        self.delete_button.clicked.connect(lambda _checked=False: self.delete_selected())
        delete_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(lambda: self.delete_selected())
        session.caseOpened.connect(lambda _c: self.refresh())
        session.changed.connect(self._changed)
        self.findings: list[Finding] = []
        self.refresh()

    def _changed(self, changes: Changes) -> None:
        """Update only the rows of the findings a write touched (from the session's memory: no SQL)."""
        case_id = self.session.case_id
        if case_id is not None and case_id in changes.cases:
            self._update_buttons()
        if changes.clips:
            self.refresh()  # times and camera names depend on the clips
            return
        if not changes.findings:
            return
        selected = self.selected_id()
        self.findings = self.session.findings()
        order = {f.id: i for i, f in enumerate(self.findings)}
        clips = {c.id: c for c in self.session.clips()}
        for finding_id in changes.findings:  # out first, then back in ascending order: right places
            old = self.item_for(finding_id)
            if old is not None:
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(old))
        for index in sorted(order[i] for i in changes.findings if i in order):
            finding = self.findings[index]
            item = self._item(finding, clips)
            self.tree.insertTopLevelItem(index, item)
            item.setSelected(finding.id == selected)
        self._update_title()

    def refresh(self) -> None:
        """Show the open case's findings afresh (on opening a case)."""
        selected = self.selected_id()
        self.tree.clear()
        self.findings = self.session.findings()
        clips = {c.id: c for c in self.session.clips()}
        for finding in self.findings:
            item = self._item(finding, clips)
            self.tree.addTopLevelItem(item)
            if finding.id == selected:
                item.setSelected(True)
        self._update_title()

    def _item(self, finding: Finding, clips: dict[int | None, Clip]) -> QTreeWidgetItem:
        from cctv_review.recorded_time import finding_recorded_at

        template = self.session.template
        clip = clips.get(finding.clip_id)
        wall = finding_recorded_at(finding, clip)
        if wall is not None:
            time_text = self.session.format_recorded(wall)
        elif finding.clip_id is not None:
            time_text = f"clip {format_ms(finding.position_ms, with_millis=False)}"
        else:
            time_text = ""
        camera = clip.camera if clip else finding.camera
        item = QTreeWidgetItem(
            [
                time_text,
                camera,
                template.theme_label(finding.theme),
                finding.level.label,
                finding.note.replace("\n", " "),
            ]
        )
        item.setData(0, Qt.ItemDataRole.UserRole, finding.id)
        item.setForeground(self.COLUMNS.index("Level"), level_colour(finding.level))
        where = f"{camera or 'No clip'} at {format_ms(finding.position_ms)}" if finding.clip_id else "No clip"
        if finding.frame is not None:
            where += f", frame {finding.frame}"
        if wall is None and finding.clip_id is not None:
            where += "\nThe clip's recorded start is not set, so this is the time into the clip."
        item.setToolTip(0, where)
        item.setToolTip(1, where)
        item.setToolTip(2, template.theme_label(finding.theme))
        item.setToolTip(
            self.COLUMNS.index("Note"),
            finding.note + (f"\nStill: {finding.still_path}" if finding.still_path else ""),
        )
        return item

    def _update_title(self) -> None:
        n = len(self.findings)
        self.title.setText(
            f"Findings ({n})" if n else "Findings — none yet. Press F at a moment worth noting."
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_case = self.session.case is not None
        editable = has_case and not self.session.locked
        self.add_button.setEnabled(editable)
        self.edit_button.setEnabled(editable and self.selected_id() is not None)
        self.delete_button.setEnabled(editable and self.selected_id() is not None)

    def selected_id(self) -> int | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def finding(self, finding_id: int) -> Finding | None:
        return next((f for f in self.findings if f.id == finding_id), None)

    def item_for(self, finding_id: int) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(0, Qt.ItemDataRole.UserRole) == finding_id:
                return item
        return None

    def _when(self, finding: Finding) -> str:
        """The finding's recorded time by the one rule, else its clip time."""
        from cctv_review.recorded_time import finding_recorded_at

        clip = next((c for c in self.session.clips() if c.id == finding.clip_id), None)
        wall = finding_recorded_at(finding, clip)
        return self.session.format_recorded(wall) if wall else format_ms(finding.position_ms, False)

    def _double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        finding = self.finding(item.data(0, Qt.ItemDataRole.UserRole))
        if finding is not None:
            self.seekRequested.emit(finding.clip_id, finding.position_ms)

    def _edit_selected(self) -> None:
        finding_id = self.selected_id()
        if finding_id is not None:
            self.editRequested.emit(finding_id)

    def delete_selected(self, confirm: bool = True) -> bool:
        selected = self.selected_id()
        finding = self.finding(selected) if selected is not None else None
        if finding is None or finding.id is None or self.session.locked:
            return False
        if confirm:
            answer = QMessageBox.question(
                self,
                "Delete finding",
                f"Delete the finding at {self._when(finding)} "
                f"({self.session.template.theme_label(finding.theme)})?\n\n"
                "The deletion is recorded in the audit trail.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return False
        try:
            self.session.delete_finding(finding.id)
        except StoreError as exc:
            self.problem.emit(str(exc))
            return False
        return True
