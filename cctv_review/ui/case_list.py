"""The case list: a table model over a query, and the widget with its filter bar.

The model never holds every case.  Filtering (status, suite, reviewer,
flags), search (reference) and sorting run in SQL through the session
(:mod:`cctv_review.case_query`): the model keeps only the ordered ids of the
cases shown, and reads rows a window at a time as the view asks for them
(a cache keyed by case id, emptied when it grows past :attr:`CACHE_LIMIT`).
A change to one case updates that row (``dataChanged``), or inserts, removes
or moves it when its filter or sort values changed; only a change to many
cases at once (an import) resets the list.  Writes are heard through
``ReviewSession.changed`` (a :class:`cctv_review.changes.Changes`) and, until
every write emits that, through the older ``caseChanged`` / ``casesChanged``.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any, overload

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
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

from cctv_review.case_query import COLUMNS, CaseFilter
from cctv_review.changes import Changes
from cctv_review.domain import CASE_FLAGS, Case, CaseStatus

STATUS_COLOURS = {
    CaseStatus.NOT_STARTED: QColor("#5f6368"),
    CaseStatus.IN_PROGRESS: QColor("#1a73e8"),
    CaseStatus.COMPLETE: QColor("#188038"),
}

log = logging.getLogger(__name__)

#: More cases than this changed at once: read the list afresh rather than row by row.
MANY_CHANGES = 50


def display(case: Case, column: int) -> str:
    """The text a case shows in a column of the list."""
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
    return ", ".join(CASE_FLAGS[f] for f, on in case.flags().items() if on)


class _Rows(Sequence[Case]):
    """The shown cases as a read-only sequence (rows read on demand)."""

    def __init__(self, model: CaseTableModel) -> None:
        self._model = model

    def __len__(self) -> int:
        return len(self._model.ids)

    @overload
    def __getitem__(self, index: int) -> Case: ...
    @overload
    def __getitem__(self, index: slice) -> list[Case]: ...
    def __getitem__(self, index: int | slice) -> Case | list[Case]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        row = index + len(self) if index < 0 else index
        case = self._model.case_at(row)
        if case is None:
            raise IndexError(index)
        return case

    def __iter__(self) -> Iterator[Case]:
        for row in range(len(self)):
            yield self[row]


class CaseTableModel(QAbstractTableModel):
    """The cases a filter shows, sorted, read from the store a window of rows at a time.

    ``ids`` holds the shown case ids in order; ``case_at(row)`` reads the
    :attr:`WINDOW` rows around a row not yet read, in one query.
    """

    COLUMNS = COLUMNS
    CaseRole = Qt.ItemDataRole.UserRole + 1
    WINDOW = 200  # rows read per query
    CACHE_LIMIT = 4000  # cases kept in memory before the cache is emptied

    def __init__(self, session: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.case_filter = CaseFilter()
        self.sort_column = 2
        self.descending = False
        self.ids: list[int] = []
        self._rows: dict[int, Case] = {}
        self._position: dict[int, int] | None = None

    # -- reading ---------------------------------------------------------------------
    @property
    def cases(self) -> _Rows:
        """The shown cases in order, read on demand (``len`` costs nothing)."""
        return _Rows(self)

    def cached(self, case_id: int) -> Case | None:
        return self._rows.get(case_id)

    def case_at(self, row: int) -> Case | None:
        if not 0 <= row < len(self.ids):
            return None
        case_id = self.ids[row]
        case = self._rows.get(case_id)
        if case is None:
            if len(self._rows) > self.CACHE_LIMIT:
                self._rows.clear()
            start = max(0, row - self.WINDOW // 4)
            wanted = [i for i in self.ids[start : start + self.WINDOW] if i not in self._rows]
            try:
                self._rows.update(self.session.cases_by_id(wanted))
            except sqlite3.Error as exc:  # the store closed or failed: Qt's data() must not raise
                log.warning("The case list could not read rows %d-%d: %s", start, start + len(wanted), exc)
                return None
            case = self._rows.get(case_id)
        return case

    def _scan(self, case_id: int) -> int:
        """The row of ``case_id`` by a scan of the ids (-1 when not shown), without building the map."""
        if self._position is not None:
            return self._position.get(case_id, -1)
        try:
            return self.ids.index(case_id)
        except ValueError:
            return -1

    def row_of(self, case_id: int) -> int:
        if self._position is None:
            self._position = {case_id: row for row, case_id in enumerate(self.ids)}
        return self._position.get(case_id, -1)

    # -- Qt's model interface ------------------------------------------------------------
    def rowCount(self, parent: Any = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Any = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.UserRole:
            return self.ids[index.row()]
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.ToolTipRole,
            self.CaseRole,
        ):
            return None
        case = self.case_at(index.row())
        if case is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return display(case, column)
        if role == self.CaseRole:
            return case
        if role == Qt.ItemDataRole.ForegroundRole:
            return STATUS_COLOURS[case.status] if column == 3 else None
        flags = display(case, 6)
        return f"{case.reference} — {case.status.label}" + (f"\n{flags}" if flags else "")

    def sort(self, column: int, order: Any = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self.sort_column, self.descending):
            return
        self.sort_column, self.descending = column, descending
        self.layoutAboutToBeChanged.emit()
        self._reorder(self._query())
        self.layoutChanged.emit()

    # -- keeping up with the store ---------------------------------------------------------
    def _query(self) -> list[int]:
        return self.session.case_ids(self.case_filter, self.sort_column, self.descending)

    def _reorder(self, ids: list[int]) -> None:
        """New order with the same or other cases, keeping persistent indexes (the selection)."""
        old = self.persistentIndexList()
        old_ids = [self.ids[i.row()] if 0 <= i.row() < len(self.ids) else None for i in old]
        self.ids = ids
        self._position = None
        # A few persistent indexes (the current row, the selection) are found by a scan of the ids
        # in C (list.index); only many of them are worth building the id -> row map for 100,000 rows.
        find = self.row_of if len(old) > 8 else self._scan
        new = []
        for index, case_id in zip(old, old_ids, strict=True):
            row = find(case_id) if case_id is not None else -1
            new.append(self.index(row, index.column()) if row >= 0 else QModelIndex())
        self.changePersistentIndexList(old, new)

    def refresh(self, *, drop_rows: bool = True) -> None:
        """Ask for the shown ids again (one query) and read rows afresh as they are shown."""
        if drop_rows:
            self._rows.clear()
        self.apply_ids(self._query())
        if drop_rows and self.ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.ids) - 1, len(self.COLUMNS) - 1))

    def set_filter(self, case_filter: CaseFilter) -> None:
        if case_filter == self.case_filter:
            return
        self.case_filter = case_filter
        self.layoutAboutToBeChanged.emit()
        self._reorder(self._query())
        self.layoutChanged.emit()

    def apply_ids(self, ids: list[int]) -> None:
        """Show ``ids``: one row inserted, removed or moved when that is the difference, else a new layout."""
        old = self.ids
        if ids == old:
            return
        if abs(len(ids) - len(old)) <= 1:
            for case_id in set(old) ^ set(ids) or set(old):
                if [i for i in old if i != case_id] == [i for i in ids if i != case_id]:
                    self._single_change(case_id, ids)
                    return
        self.layoutAboutToBeChanged.emit()
        self._reorder(ids)
        self.layoutChanged.emit()

    def _single_change(self, case_id: int, ids: list[int]) -> None:
        old_row = self.row_of(case_id)
        new_row = ids.index(case_id) if case_id in ids else -1
        if old_row < 0 and new_row >= 0:
            self.beginInsertRows(QModelIndex(), new_row, new_row)
            self.ids, self._position = ids, None
            self.endInsertRows()
        elif old_row >= 0 and new_row < 0:
            self.beginRemoveRows(QModelIndex(), old_row, old_row)
            self.ids, self._position = ids, None
            self.endRemoveRows()
        elif old_row != new_row:
            destination = new_row if new_row < old_row else new_row + 1
            self.beginMoveRows(QModelIndex(), old_row, old_row, QModelIndex(), destination)
            self.ids, self._position = ids, None
            self.endMoveRows()
            self._row_changed(new_row)
        else:
            self.ids, self._position = ids, None
            self._row_changed(new_row)

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def case_changed(self, case_id: int, case: Case | None = None) -> None:
        """One case changed, appeared or went: update its row only.

        ``case`` is the case as it now is (read in one query when not given;
        None there means it is gone).  When neither its filter values nor its
        sort values changed, that row is redrawn (``dataChanged``) and nothing
        else is read; otherwise the ids are asked for again (one query) and the
        row is inserted, removed or moved.
        """
        old = self._rows.get(case_id)
        if case is None:
            case = self.session.cases_by_id([case_id]).get(case_id)
        row = self.row_of(case_id)
        if case is None:
            self._rows.pop(case_id, None)
            if row >= 0:
                self.apply_ids([i for i in self.ids if i != case_id])
            return
        self._rows[case_id] = case
        if (
            row >= 0
            and old is not None
            and self.case_filter.matches(case)
            and _same_place(old, case, self.sort_column)
        ):
            self._row_changed(row)
            return
        self.apply_ids(self._query())


def _same_place(old: Case, new: Case, sort_column: int) -> bool:
    """True when a changed case keeps its place in a list sorted on ``sort_column``."""
    return (
        display(old, sort_column) == display(new, sort_column)
        and old.detention_date == new.detention_date
        and old.reference == new.reference
    )


class CaseListWidget(QWidget):
    """The case list with its filter bar; emits ``caseActivated(case_id)``.

    ``model`` is the query model; ``proxy`` is the same object (kept so the
    views and tests that used the old filter proxy still work: filtering and
    sorting now happen in the model, in SQL).
    """

    caseActivated = Signal(int)

    def __init__(self, session: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.total = 0
        self._heard: set[int] = set()  # cases updated precisely in this turn of the event loop
        self._precise = False
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
        self.flags_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
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

        self.model = CaseTableModel(session, self)
        self.proxy = self.model
        self.view = QTableView()
        self.view.setObjectName("caseTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        # Columns are sized to their contents when the list is filled or re-sorted (by 100 rows at
        # most, never by every case), not on every changed row: ResizeToContents would measure 100
        # rows again for each case that changes.  The reviewer can still widen a column.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(100)
        header.setStretchLastSection(True)
        self.model.modelReset.connect(self.view.resizeColumnsToContents)
        self.model.layoutChanged.connect(self.view.resizeColumnsToContents)
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
        session.changed.connect(self._changes)
        session.caseChanged.connect(self._case_changed)
        session.casesChanged.connect(self._cases_changed)
        session.caseOpened.connect(lambda case: self.select_case(case.id if case else None))
        self.reload()

    # -- reading the list -------------------------------------------------------------
    def reload(self) -> None:
        """Read the filter choices, the count and the shown ids afresh (four queries)."""
        self._reload_choices()
        self.total = self.session.case_count()
        self.model.set_filter(self._filter())
        self.model.refresh()
        self._update_count()
        self.select_case(self.session.case_id, scroll=False)

    def _reload_choices(self) -> None:
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

    def _filter(self) -> CaseFilter:
        return CaseFilter(
            status=self.status.currentData(),
            suite=self.suite.currentData() or "",
            reviewer=self.reviewer.currentData() or "",
            flags=frozenset(f for f, a in self.flag_actions.items() if a.isChecked()),
            search=self.search.text(),
        )

    def _filters_changed(self, *_args: Any) -> None:
        case_filter = self._filter()
        flags = case_filter.flags
        self.flags_button.setText(
            "Flags: " + (", ".join(CASE_FLAGS[f] for f in CASE_FLAGS if f in flags) if flags else "any")
        )
        self.model.set_filter(case_filter)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.model.rowCount(), self.total
        self.count_label.setText(f"{shown} of {total} cases" if shown != total else f"{total} cases")

    # -- keeping up with writes ----------------------------------------------------------
    def _turn(self) -> None:
        """Remember that a write was handled precisely until the event loop turns."""
        if not self._precise:
            self._precise = True
            QTimer.singleShot(0, self, self._end_turn)  # cancelled if the list is deleted first

    def _end_turn(self) -> None:
        self._precise = False
        self._heard.clear()

    def _changes(self, changes: Changes) -> None:
        """A write's :class:`Changes`: update the rows of the cases it touched."""
        if not changes.case_list:
            return
        self._turn()
        touched = changes.cases | changes.cases_added | changes.cases_removed
        if changes.cases_added or changes.cases_removed:
            self.total = self.session.case_count()
            self._reload_choices()
        if len(touched) > MANY_CHANGES:
            self.model.refresh()
        else:
            for case_id in sorted(touched - (self._heard - changes.cases_added - changes.cases_removed)):
                self.model.case_changed(case_id)
        self._heard |= touched
        self._update_count()

    def _case_changed(self, case: Case | None) -> None:
        """The older per-case signal: it carries the case as it now is, so nothing is read."""
        if case is None or case.id is None:
            return
        self._turn()
        old = self.model.cached(case.id)
        self.model.case_changed(case.id, case)
        self._heard.add(case.id)
        if old is not None and (old.custody_suite, old.reviewer) != (case.custody_suite, case.reviewer):
            self._reload_choices()
        self._update_count()

    def _cases_changed(self) -> None:
        """The older "something changed" signal: ignored when the same write was already handled
        precisely; otherwise (a case added or imported) the ids are asked for again."""
        if self._precise:
            return
        self.total = self.session.case_count()
        self._reload_choices()
        self.model.refresh(drop_rows=False)
        self._update_count()

    # -- selection ---------------------------------------------------------------------
    def select_case(self, case_id: int | None, scroll: bool = True) -> None:
        if case_id is None:
            self.view.clearSelection()
            return
        row = self.model.row_of(case_id)
        if row < 0:
            return
        index = self.model.index(row, 0)
        self.view.selectRow(row)
        if scroll:
            self.view.scrollTo(index)

    def _activated(self, index: Any) -> None:
        case_id = self.model.data(index, Qt.ItemDataRole.UserRole)
        if case_id is not None and case_id != self.session.case_id:
            self.caseActivated.emit(case_id)

    def filtered_case_ids(self) -> list[int] | None:
        """The ids of the cases the filters show, or None when they show every case."""
        if self.model.case_filter.shows_everything or self.model.rowCount() == self.total:
            return None
        return list(self.model.ids)

    def row_of_reference(self, reference: str) -> int:
        for row in range(self.model.rowCount()):
            case = self.model.case_at(row)
            if case is not None and case.reference == reference:
                return row
        return -1
