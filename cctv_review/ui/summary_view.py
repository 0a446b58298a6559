"""The summary: the headline statement, a bar chart and the breakdowns.

The figures are recomputed only when they can be seen: a write that could
change them (heard through ``ReviewSession.changed`` or the older
``casesChanged``) marks a hidden view stale, and the view recomputes when it
is shown; a visible view recomputes once per turn of the event loop however
many signals one write sends.

The filter bar at the top (detention dates, custody suite, reviewer, flags;
:class:`SummaryFilterBar`) selects the cases every figure is about (issue 14).
Below the breakdowns come the agreement between first and blind second
reviews and how each yes/no and choice question was answered; those are
counted in a background job (seconds at 100,000 cases) and shown when it
ends, a newer recompute cancelling an older job.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cctv_review import palette
from cctv_review.agreement import OUTCOME_LABELS, ReviewAgreement
from cctv_review.changes import Changes
from cctv_review.domain import CASE_FLAGS, LearningLevel, format_percent
from cctv_review.export.figures import question_answers_text
from cctv_review.question_figures import QuestionFigure
from cctv_review.summary import Summary
from cctv_review.summary_filter import SummaryFilter

# The one palette (cctv_review/palette.py) gives the colours; tests/test_palette.py checks.
OUTCOME_COLOURS = {level.value: QColor(palette.learning_colour(level)) for level in LearningLevel}
GOOD_PRACTICE_COLOUR = QColor(palette.GOOD_PRACTICE)


class BarChart(QWidget):
    """Horizontal bars painted with QPainter: [(label, value, colour)]."""

    ROW_H = 26

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, int, QColor, str]] = []
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_rows(self, rows: list[tuple[str, int, QColor, str]]) -> None:
        self.rows = rows
        self.setFixedHeight(max(1, len(rows)) * self.ROW_H + 8)
        self.update()

    def paintEvent(self, _event):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = p.fontMetrics()
        label_w = max([metrics.horizontalAdvance(r[0]) for r in self.rows] + [40]) + 12
        value_w = max([metrics.horizontalAdvance(r[3]) for r in self.rows] + [30]) + 12
        top = max([r[1] for r in self.rows] + [1])
        avail = max(10, self.width() - label_w - value_w - 8)
        for i, (label, value, colour, text) in enumerate(self.rows):
            y = 4 + i * self.ROW_H
            p.setPen(QColor("#202124"))
            p.drawText(
                QRectF(0, y, label_w - 8, self.ROW_H - 6),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            w = avail * value / top
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor("#f1f3f4"))
            p.drawRoundedRect(QRectF(label_w, y + 3, avail, self.ROW_H - 12), 3, 3)
            if value:
                p.setBrush(colour)
                p.drawRoundedRect(QRectF(label_w, y + 3, max(3, w), self.ROW_H - 12), 3, 3)
            p.setPen(QColor("#202124"))
            p.drawText(
                QRectF(label_w + avail + 8, y, value_w, self.ROW_H - 6),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
        p.end()


def _table(headers: list[str], rows: list[list[str]]) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(str(value))
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for c in range(1, len(headers)):
        header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
    table.setFixedHeight(header.sizeHint().height() + sum(table.rowHeight(r) for r in range(len(rows))) + 4)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return table


class SummaryView(QWidget):
    """The summary tab.  :meth:`refresh` recomputes now when shown, else marks the view stale."""

    #: The agreement and per-question figures are on screen (they are counted in the background).
    figuresShown = Signal()

    def __init__(self, session: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.stale = True
        self.recomputed = 0  # how many times the figures were computed (for tests and the benchmark)
        self._pending = False
        self._closed = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # The filter every figure follows (issue 14): dates, custody suite, reviewer, flags.
        self.filter_bar = SummaryFilterBar(session)
        self.filter_bar.changed.connect(self.refresh)
        outer.addWidget(self.filter_bar)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        self.layout_ = QVBoxLayout(body)
        self.layout_.setContentsMargins(16, 12, 16, 12)
        self.headline = QLabel()
        self.headline.setObjectName("summaryHeadline")
        self.headline.setWordWrap(True)
        font = QFont(self.headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.headline.setFont(font)
        self.layout_.addWidget(self.headline)
        self.note = QLabel()
        self.note.setObjectName("summaryNote")
        self.note.setStyleSheet("color:#555")
        self.layout_.addWidget(self.note)
        self.chart_title = QLabel("Completed cases by outcome")
        self.chart_title.setStyleSheet("font-weight:600; margin-top:8px")
        self.layout_.addWidget(self.chart_title)
        self.chart = BarChart()
        self.chart.setObjectName("outcomeChart")
        self.layout_.addWidget(self.chart)
        self.theme_chart_title = QLabel("Completed cases with findings, by theme")
        self.theme_chart_title.setStyleSheet("font-weight:600; margin-top:8px")
        self.layout_.addWidget(self.theme_chart_title)
        self.theme_chart = BarChart()
        self.layout_.addWidget(self.theme_chart)
        self.tables = QVBoxLayout()
        self.layout_.addLayout(self.tables)
        self.layout_.addStretch(1)
        scroll.setWidget(body)
        self.summary: Summary | None = None
        # The supervisor's figures as last shown (issue 14; set when there are completed cases).
        self.agreement: ReviewAgreement | None = None
        self.question_figures: list[QuestionFigure] = []
        self.agreement_box: QWidget | None = None
        self.question_table: QuestionTable | None = None
        self.figures_task: Any = None  # the job counting them (ui/tasks.py), while it runs
        self.figures_generation = 0
        session.changed.connect(self._changes)
        session.casesChanged.connect(self.refresh)
        self.refresh()

    def _changes(self, changes: Changes) -> None:
        if changes.case_list or changes.findings or changes.answers:
            self.refresh()

    def refresh(self) -> None:
        """The figures may have changed: recompute (once, soon) if shown, else on the next show."""
        self.stale = True
        if self.isVisible() and not self._pending:
            self._pending = True
            QTimer.singleShot(0, self, self._recompute_if_stale)  # cancelled if the view is deleted first

    def showEvent(self, event: Any) -> None:
        if self.stale:
            self._recompute()
        super().showEvent(event)

    def _recompute_if_stale(self) -> None:
        self._pending = False
        if self.stale and self.isVisible() and not self._closed:
            self._recompute()

    def shutdown(self) -> None:
        """Stop recomputing: the window is closing and its store is about to close."""
        self._closed = True
        if self.figures_task is not None:
            self.figures_task.cancel()

    def _recompute(self) -> None:
        self.stale = False
        self.recomputed += 1
        self.filter_bar.update_choices()
        summary_filter = self.filter_bar.summary_filter()
        summary = (
            self.session.summary()
            if summary_filter.shows_everything
            else self.session.filtered_summary(summary_filter)
        )
        self.summary = summary
        scope = "" if summary_filter.shows_everything else f"  Showing {summary.scope}."
        self.headline.setText(summary.headline)
        self.note.setText((summary.progress_note if summary.total_cases else "") + scope)
        self.chart.set_rows(
            [
                (
                    level.label,
                    summary.by_level[level.value],
                    OUTCOME_COLOURS[level.value],
                    f"{summary.by_level[level.value]} ({format_percent(summary.level_percent(level))})",
                )
                for level in LearningLevel
            ]
        )
        themes = [t for t in summary.by_theme if t.cases]
        self.theme_chart.set_rows(
            [
                (
                    t.label,
                    t.cases,
                    OUTCOME_COLOURS["significant"]
                    if t.significant_cases
                    else OUTCOME_COLOURS["some"]
                    if t.some_cases
                    else GOOD_PRACTICE_COLOUR,
                    f"{t.cases} ({t.significant_cases} significant, {t.some_cases} some, "
                    f"{t.good_practice_cases} good practice)",
                )
                for t in themes
            ]
        )
        self.theme_chart_title.setVisible(bool(themes))
        self.theme_chart.setVisible(bool(themes))
        while self.tables.count():
            item = self.tables.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        if not summary.completed:
            return

        def add(title: str, widget: QWidget) -> None:
            label = QLabel(title)
            label.setStyleSheet("font-weight:600; margin-top:10px")
            self.tables.addWidget(label)
            self.tables.addWidget(widget)

        add(
            "By theme (completed cases with findings in the theme)",
            _table(
                ["Theme", "Any", "Significant", "Some", "Good practice", "Findings"],
                [
                    [t.label, t.cases, t.significant_cases, t.some_cases, t.good_practice_cases, t.findings]
                    for t in summary.by_theme
                ],
            ),
        )
        for title, rows in (
            ("By custody suite", summary.by_suite),
            ("By month of detention", summary.by_month),
            ("Breakdowns", summary.by_flag),
        ):
            add(
                title,
                _table(
                    ["", "Cases", "Significant", "%", "Some", "None"],
                    [
                        [
                            b.label,
                            b.cases,
                            b.significant,
                            format_percent(b.significant_percent),
                            b.some,
                            b.none,
                        ]
                        for b in rows
                    ],
                ),
            )
        uof = summary.use_of_force
        text = QLabel(
            f"Use of force: force was used in {uof.cases} completed case{'s' if uof.cases != 1 else ''}; "
            f"judged justified, proportionate and necessary in {uof.justified_proportionate_necessary} "
            f"({format_percent(uof.jpn_percent)}), not in {uof.not_jpn}, could not be judged in {uof.undetermined}."
        )
        text.setWordWrap(True)
        add("Use of force", text)
        self._add_team_figures(summary_filter, add)

    # -- the supervisor's figures (issue 14): agreement and per-question figures -----------------
    def _add_team_figures(self, summary_filter: SummaryFilter, add: Callable[[str, QWidget], None]) -> None:
        """The agreement between first and second reviews, then how each question was answered.

        Counted off the GUI thread (:meth:`ReviewSession.team_figures_job`:
        seconds at 100,000 cases): two placeholders are shown at once and filled
        when the job ends; a newer recompute cancels an older job and ignores
        its result.
        """
        from cctv_review.ui import tasks

        if self.figures_task is not None:
            self.figures_task.cancel()
        self.figures_generation += 1
        generation = self.figures_generation
        agreement_slot, question_slot = QWidget(), QWidget()
        for slot in (agreement_slot, question_slot):
            slot_layout = QVBoxLayout(slot)
            slot_layout.setContentsMargins(0, 0, 0, 0)
            waiting = QLabel("Counting…")
            waiting.setStyleSheet("color:#555")
            slot_layout.addWidget(waiting)
        add("Agreement between first and second reviews", agreement_slot)
        add("How each question was answered (completed cases it applied to)", question_slot)
        self.agreement_box = self.question_table = None

        def done(result: tuple[ReviewAgreement, list[QuestionFigure]]) -> None:
            if generation != self.figures_generation or self._closed:
                return  # an older filter's figures, or the window is closing
            self.figures_task = None
            self._show_team_figures(result, agreement_slot, question_slot)

        def failed(message: str) -> None:
            if generation == self.figures_generation and not self._closed:
                self.figures_task = None
                for slot in (agreement_slot, question_slot):
                    label = slot.findChild(QLabel)
                    if label is not None:
                        label.setText(f"These figures could not be counted: {message}")

        self.figures_task = tasks.run_task(
            self.session.team_figures_job(summary_filter),
            context="counting the answers to each question",
            on_done=done,
            on_failed=failed,
        )

    def _show_team_figures(
        self,
        result: tuple[ReviewAgreement, list[QuestionFigure]],
        agreement_slot: QWidget,
        question_slot: QWidget,
    ) -> None:
        agreement, figures = result
        self.agreement, self.question_figures = agreement, figures
        for slot in (agreement_slot, question_slot):
            waiting = slot.findChild(QLabel)
            if waiting is not None:
                waiting.hide()
                waiting.deleteLater()
        self.agreement_box = _agreement_widget(agreement)
        _slot_layout(agreement_slot).addWidget(self.agreement_box)
        sections = {s.id: s.title for s in self.session.template.sections}
        self.question_table = QuestionTable(figures, sections)
        self.question_table.setObjectName("questionFigures")
        _slot_layout(question_slot).addWidget(self.question_table)
        self.figuresShown.emit()


class QuestionTable(QTableWidget):
    """How each question was answered: a row per question (question, cases it applied to, answers),
    under a spanning row per form section; long texts wrap and rows grow to fit the width.

    ``rows()`` gives the question rows as text (for tests): [question, section, applied, answers].
    """

    def __init__(self, figures: list[QuestionFigure], sections: dict[str, str]) -> None:
        super().__init__(0, 3)
        self.setHorizontalHeaderLabels(["Question", "Applied to", "Answers"])
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setWordWrap(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._rows: list[list[str]] = []
        section = None
        bold = QFont(self.font())
        bold.setBold(True)
        for f in figures:
            title = sections.get(f.section_id, f.section_id)
            if f.section_id != section:
                section = f.section_id
                row = self.rowCount()
                self.insertRow(row)
                item = QTableWidgetItem(title)
                item.setFont(bold)
                item.setBackground(QColor("#f0f3f7"))
                self.setItem(row, 0, item)
                self.setSpan(row, 0, 1, 3)
            row = self.rowCount()
            self.insertRow(row)
            answers = question_answers_text(f)
            for column, text in enumerate((f.text, str(f.applied), answers)):
                item = QTableWidgetItem(text)
                align = Qt.AlignmentFlag.AlignRight if column == 1 else Qt.AlignmentFlag.AlignLeft
                item.setTextAlignment(align | Qt.AlignmentFlag.AlignTop)
                self.setItem(row, column, item)
            self._rows.append([f.text, title, str(f.applied), answers])
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._fit()

    def rows(self) -> list[list[str]]:
        return [list(r) for r in self._rows]

    def _fit(self) -> None:
        self.resizeRowsToContents()
        height = self.horizontalHeader().sizeHint().height()
        self.setFixedHeight(height + sum(self.rowHeight(r) for r in range(self.rowCount())) + 4)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()  # wrapped texts need other heights at another width


def _slot_layout(slot: QWidget) -> QVBoxLayout:
    layout = slot.layout()
    assert isinstance(layout, QVBoxLayout)
    return layout


def _agreement_widget(agreement: ReviewAgreement) -> QWidget:
    """The agreement sentences and the outcome's confusion table (first review rows, second columns)."""
    box = QWidget()
    box.setObjectName("agreementSection")
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    text = QLabel("\n".join(agreement.lines()))
    text.setObjectName("agreementText")
    text.setWordWrap(True)
    layout.addWidget(text)
    if agreement.outcome.cases:
        order = agreement.outcome.categories
        headers = ["First review \\ second review", *[OUTCOME_LABELS[c] for c in order], "Total"]
        rows = [
            [OUTCOME_LABELS[c], *map(str, agreement.outcome.table[i]), str(sum(agreement.outcome.table[i]))]
            for i, c in enumerate(order)
        ]
        confusion = _table(headers, rows)
        confusion.setObjectName("agreementTable")
        layout.addWidget(confusion)
    return box


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class SummaryFilterBar(QWidget):
    """Detention dates (from / to, each optional), custody suite, reviewer and flags.

    ``changed`` fires on every change; :meth:`summary_filter` is the
    :class:`~cctv_review.summary_filter.SummaryFilter` shown.  The suite and
    reviewer lists are read again (:meth:`update_choices`) each time the
    figures are, keeping the choice.
    """

    changed = Signal()

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("summaryFilter")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 0)
        today = QDate.currentDate()
        self.use_from = QCheckBox("From")
        self.date_from = QDateEdit(today.addMonths(-3))
        self.use_to = QCheckBox("to")
        self.date_to = QDateEdit(today)
        for check, edit in ((self.use_from, self.date_from), (self.use_to, self.date_to)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            check.toggled.connect(edit.setEnabled)
            check.toggled.connect(self._changed)
            edit.dateChanged.connect(self._changed)
            layout.addWidget(check)
            layout.addWidget(edit)
        self.suite = QComboBox()
        self.suite.setObjectName("summarySuite")
        self.reviewer = QComboBox()
        self.reviewer.setObjectName("summaryReviewer")
        for label, combo, anything in (
            ("Suite", self.suite, "Any suite"),
            ("Reviewer", self.reviewer, "Any reviewer"),
        ):
            combo.addItem(anything, "")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._changed)
            layout.addWidget(QLabel(label))
            layout.addWidget(combo)
        self.flags = QToolButton()
        self.flags.setObjectName("summaryFlags")
        self.flags.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.flags)
        self.flag_actions: dict[str, QAction] = {}
        for flag, label in CASE_FLAGS.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.toggled.connect(self._changed)
            self.flag_actions[flag] = action
        self.flags.setMenu(menu)
        layout.addWidget(self.flags)
        clear = QPushButton("Show all")
        clear.clicked.connect(self.clear)
        layout.addWidget(clear)
        layout.addStretch(1)
        self._quiet = False
        self._update_flags_text()

    def summary_filter(self) -> SummaryFilter:
        """The filter as shown (an unticked date is an open end; dates back to front are swapped)."""
        start = _pydate(self.date_from.date()) if self.use_from.isChecked() else None
        end = _pydate(self.date_to.date()) if self.use_to.isChecked() else None
        if start and end and start > end:
            start, end = end, start
        return SummaryFilter(
            date_from=start,
            date_to=end,
            suite=self.suite.currentData() or "",
            reviewer=self.reviewer.currentData() or "",
            flags=frozenset(f for f, a in self.flag_actions.items() if a.isChecked()),
        )

    def set_filter(self, summary_filter: SummaryFilter) -> None:
        """Show ``summary_filter`` (for tests and for restoring); fires ``changed`` once."""
        self._quiet = True
        try:
            self.use_from.setChecked(summary_filter.date_from is not None)
            if summary_filter.date_from:
                self.date_from.setDate(_qdate(summary_filter.date_from))
            self.use_to.setChecked(summary_filter.date_to is not None)
            if summary_filter.date_to:
                self.date_to.setDate(_qdate(summary_filter.date_to))
            self.update_choices()
            for combo, value in (
                (self.suite, summary_filter.suite),
                (self.reviewer, summary_filter.reviewer),
            ):
                if value and combo.findData(value) < 0:
                    combo.addItem(value, value)
                combo.setCurrentIndex(max(0, combo.findData(value)))
            for flag, action in self.flag_actions.items():
                action.setChecked(flag in summary_filter.flags)
        finally:
            self._quiet = False
        self._changed()

    def clear(self) -> None:
        """Show every case again."""
        self.set_filter(SummaryFilter())

    def update_choices(self) -> None:
        """Refill the suite and reviewer lists from the store, keeping what is chosen."""
        quiet, self._quiet = self._quiet, True
        try:
            for combo, names in (
                (self.suite, self.session.suites()),
                (self.reviewer, self.session.reviewers()),
            ):
                chosen = combo.currentData() or ""
                wanted = ["", *names] + ([chosen] if chosen and chosen not in names else [])
                if [combo.itemData(i) for i in range(combo.count())] != wanted:
                    first = combo.itemText(0)
                    combo.blockSignals(True)
                    combo.clear()
                    combo.addItem(first, "")
                    for name in wanted[1:]:
                        combo.addItem(name, name)
                    combo.setCurrentIndex(max(0, combo.findData(chosen)))
                    combo.blockSignals(False)
        finally:
            self._quiet = quiet

    def _update_flags_text(self) -> None:
        chosen = [CASE_FLAGS[f] for f, a in self.flag_actions.items() if a.isChecked()]
        self.flags.setText("Flags: " + (", ".join(chosen) if chosen else "any"))

    def _changed(self, *_args: object) -> None:
        self._update_flags_text()
        if not self._quiet:
            self.changed.emit()
