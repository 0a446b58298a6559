"""The case list: a table model, a filter proxy and the widget with its filter bar."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review.domain import CASE_FLAGS, Case, CaseStatus

STATUS_COLOURS = {
    CaseStatus.NOT_STARTED: QColor("#5f6368"),
    CaseStatus.IN_PROGRESS: QColor("#1a73e8"),
    CaseStatus.COMPLETE: QColor("#188038"),
}


class CaseTableModel(QAbstractTableModel):
    COLUMNS = ("Reference", "Suite", "Date", "Status", "Outcome", "Reviewer", "Flags")
    CaseRole = Qt.UserRole + 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cases: list[Case] = []

    def set_cases(self, cases: list[Case]) -> None:
        self.beginResetModel()
        self.cases = list(cases)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.cases)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        case = self.cases[index.row()]
        column = index.column()
        if role == self.CaseRole:
            return case
        if role == Qt.UserRole:
            return case.id
        if role == Qt.DisplayRole:
            if column == 0:
                return case.reference
            if column == 1:
                return case.custody_suite
            if column == 2:
                return case.detention_date.isoformat() if case.detention_date else ""
            if column == 3:
                return case.status.label
            if column == 4:
                return case.outcome.label if case.outcome else ""
            if column == 5:
                return case.reviewer
            if column == 6:
                return ", ".join(CASE_FLAGS[f] for f, on in case.flags().items() if on)
        if role == Qt.ForegroundRole and column == 3:
            return STATUS_COLOURS[case.status]
        if role == Qt.ToolTipRole:
            flags = ", ".join(CASE_FLAGS[f] for f, on in case.flags().items() if on)
            return f"{case.reference} — {case.status.label}" + (f"\n{flags}" if flags else "")
        return None

    def row_of(self, case_id: int) -> int:
        return next((i for i, c in enumerate(self.cases) if c.id == case_id), -1)


class CaseFilterProxy(QSortFilterProxyModel):
    """Filter by status, suite, reviewer, flags (all required) and reference text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status: CaseStatus | None = None
        self.suite = ""
        self.reviewer = ""
        self.required_flags: set[str] = set()
        self.search = ""

    def set_filters(self, *, status=..., suite=..., reviewer=..., flags=..., search=...) -> None:
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:  # Qt 6.9+
            begin()
        if status is not ...:
            self.status = CaseStatus(status) if status else None
        if suite is not ...:
            self.suite = suite or ""
        if reviewer is not ...:
            self.reviewer = reviewer or ""
        if flags is not ...:
            self.required_flags = set(flags)
        if search is not ...:
            self.search = (search or "").strip().lower()
        if begin is not None:
            self.endFilterChange()
        else:
            self.invalidateFilter()

    def filterAcceptsRow(self, row, parent):
        case: Case = self.sourceModel().cases[row]
        if self.status and case.status != self.status:
            return False
        if self.suite and case.custody_suite != self.suite:
            return False
        if self.reviewer and case.reviewer != self.reviewer:
            return False
        if any(not getattr(case, f) for f in self.required_flags):
            return False
        return not (self.search and self.search not in case.reference.lower())


class CaseListWidget(QWidget):
    caseActivated = Signal(int)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Cases")
        title.setStyleSheet("font-weight:600; font-size:11pt")
        layout.addWidget(title)
        grid = QGridLayout()
        self.search = QLineEdit()
        self.search.setObjectName("caseSearch")
        self.search.setPlaceholderText("Search by reference…")
        self.search.setClearButtonEnabled(True)
        grid.addWidget(self.search, 0, 0, 1, 2)
        self.status = QComboBox()
        self.status.setObjectName("statusFilter")
        self.status.addItem("Any status", None)
        for status in CaseStatus:
            self.status.addItem(status.label, status.value)
        grid.addWidget(self.status, 1, 0)
        self.suite = QComboBox()
        self.suite.setObjectName("suiteFilter")
        grid.addWidget(self.suite, 1, 1)
        self.reviewer = QComboBox()
        self.reviewer.setObjectName("reviewerFilter")
        grid.addWidget(self.reviewer, 2, 0)
        self.flags_button = QToolButton()
        self.flags_button.setText("Flags: any")
        self.flags_button.setPopupMode(QToolButton.InstantPopup)
        self.flags_menu = QMenu(self.flags_button)
        self.flag_actions: dict[str, QAction] = {}
        for flag, label in CASE_FLAGS.items():
            action = self.flags_menu.addAction(label)
            action.setCheckable(True)
            action.toggled.connect(self._filters_changed)
            self.flag_actions[flag] = action
        self.flags_button.setMenu(self.flags_menu)
        grid.addWidget(self.flags_button, 2, 1)
        layout.addLayout(grid)

        self.model = CaseTableModel(self)
        self.proxy = CaseFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortCaseSensitivity(Qt.CaseInsensitive)
        self.view = QTableView()
        self.view.setObjectName("caseTable")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(2, Qt.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 8)
        layout.addWidget(self.view, 1)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color:#555")
        layout.addWidget(self.count_label)

        self.search.textChanged.connect(self._filters_changed)
        for combo in (self.status, self.suite, self.reviewer):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.view.activated.connect(self._activated)
        self.view.clicked.connect(self._activated)
        session.casesChanged.connect(self.reload)
        session.caseOpened.connect(lambda case: self.select_case(case.id if case else None))
        self.reload()

    def reload(self) -> None:
        current = self.session.case_id
        self.model.set_cases(self.session.list_cases())
        for combo, values, any_label in (
            (self.suite, self.session.suites(), "Any suite"),
            (self.reviewer, self.session.reviewers(), "Any reviewer"),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(any_label, None)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)
            combo.blockSignals(False)
        self._filters_changed()
        self.select_case(current)

    def _filters_changed(self, *_args) -> None:
        flags = {f for f, a in self.flag_actions.items() if a.isChecked()}
        self.flags_button.setText("Flags: " + (", ".join(CASE_FLAGS[f] for f in flags) if flags else "any"))
        self.proxy.set_filters(
            status=self.status.currentData(),
            suite=self.suite.currentData(),
            reviewer=self.reviewer.currentData(),
            flags=flags,
            search=self.search.text(),
        )
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} cases" if shown != total else f"{total} cases")

    def select_case(self, case_id: int | None) -> None:
        if case_id is None:
            self.view.clearSelection()
            return
        row = self.model.row_of(case_id)
        if row < 0:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)

    def _activated(self, index) -> None:
        case_id = self.proxy.data(index, Qt.UserRole)
        if case_id is not None and case_id != self.session.case_id:
            self.caseActivated.emit(case_id)

    def filtered_case_ids(self) -> list[int] | None:
        """The ids of the cases the filters show, or None when they show every case."""
        if self.proxy.rowCount() == self.model.rowCount():
            return None
        return [self.proxy.index(row, 0).data(Qt.UserRole) for row in range(self.proxy.rowCount())]

    def row_of_reference(self, reference: str) -> int:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data() == reference:
                return row
        return -1
