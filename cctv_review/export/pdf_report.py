"""The printable review report (PDF), drawn with Qt's own PDF output.

Layout (A4 portrait):

* **Cover**: title, scope and time of export, the headline statement in a
  box, the progress note, the redaction note when redacted, the outcome
  breakdown table, a bar chart of the outcomes and one of significant
  learning by theme (both as shares of completed cases).
* **Findings by theme and breakdowns**: custody suite, month of detention,
  case flags, use of force.
* **One section per case** (each on a new page): details and flags, the
  outcome with its rationale, the findings (clip time, camera, recorded
  date-time, theme, level, note and the still, scaled to fit) and the answers
  grouped by form section.  A missing still is noted, not fatal.  A redacted
  report leaves stills out (they can show faces) and says so on the cover.
* Every page has the protective marking (:data:`PROTECTIVE_MARKING`) at top and
  bottom and "Page n of N".

How: the cover and the breakdowns are HTML laid out by :class:`QTextDocument`
(tables and page flow), paginated to the content area of the page, and each
page is painted with :class:`QPainter` onto a :class:`QPdfWriter` together with
the header and footer.  The case pages, which are nearly all of a long report,
are drawn directly by :class:`CaseFlow`: each paragraph is measured with a
:class:`QTextLayout` (word wrap, the writer's font metrics), blocks and table
rows are placed down the page, and pages break between rows.  Qt's HTML
parsing and table layout cost about 12 ms a case (twice, with the page
count) and capped the report near 25 cases per CPU second; drawing directly,
with the layouts of recurring texts (labels, questions, answers) reused, runs
at about 140.  Memory stays bounded at any size: the cases are read a chunk at
a time from the store (:mod:`cctv_review.export.stream`) and dropped once
drawn.  "Page n of N" needs N first, so the cases go through the flow twice:
the first run only measures and counts pages (stills are not decoded for it:
their printed height comes from the image file's header), the second paints.
The charts are custom text objects (``QPyTextObject``) painted as vectors
where they sit in the flow, so they stay sharp in print.  Stills are
``QImage`` objects (never ``QPixmap``), so the report can be made in a
worker thread, as the Export dialog does.

The PDF is written straight into the temporary file of
:mod:`cctv_review.export.atomic` (never held whole in memory).  QPdfWriter does
not report write errors, so the finished file is checked (it must start with
``%PDF`` and end with ``%%EOF``); a short file on a nearly full disk is
reported as a full disk.

Qt needs a ``QGuiApplication`` for fonts.  When there is none (the command
line), :func:`ensure_gui_application` creates one; on Linux it uses the
``offscreen`` platform unless ``QT_QPA_PLATFORM`` says otherwise, so
``cctv-review export --format pdf`` works on a machine with no display.
"""

from __future__ import annotations

import functools
import html
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cctv_review import palette
from cctv_review.domain import CASE_FLAGS, LearningLevel, format_ms, format_percent, percent
from cctv_review.export.atomic import write_atomically
from cctv_review.export.errors import ExportError
from cctv_review.export.tabular import CaseDetail, ExportData, Table, local, recorded_times_note

#: Shown at the top and bottom of every page (UK Government Security Classifications).
PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
REPORT_TITLE = "CCTV review report"

# Layout in CSS pixels (1/96 inch); the PDF writer is set to 96 dpi so these map directly.
DPI = 96
MM = DPI / 25.4
MARGIN_LEFT = MARGIN_RIGHT = 16 * MM
MARGIN_TOP = 20 * MM  # includes the header
MARGIN_BOTTOM = 20 * MM  # includes the footer
STILL_WIDTH = 300  # printed width of a still (about 80 mm)
STILL_PIXELS = 900  # stills are embedded at most this wide (3x the printed width)

# The one palette (cctv_review/palette.py), by stored level value; tests/test_palette.py checks.
LEVEL_COLOURS = palette.COLOUR_BY_VALUE
FONT_FAMILIES = ["Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans"]

_app = None  # the QGuiApplication made for a headless export, kept alive


def ensure_gui_application():
    """Make sure a QGuiApplication exists (creating a headless one if needed)."""
    global _app
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    app = QCoreApplication.instance()
    if app is not None:
        if not isinstance(app, QGuiApplication):
            raise ExportError(
                "A PDF report needs Qt's GUI classes, but a console-only Qt application is running."
            )
        return app
    if threading.current_thread() is not threading.main_thread():
        raise ExportError("A PDF report must first be started from the program's main thread.")
    args = [sys.argv[0] if sys.argv and sys.argv[0] else "cctv-review"]
    if not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux"):
        args += ["-platform", "offscreen"]  # no windows are shown; never needs a display
    _app = QGuiApplication(args)
    return _app


def _e(text) -> str:
    """HTML-escape text, keeping line breaks."""
    return html.escape(str(text or "")).replace("\n", "<br>")


@functools.lru_cache(maxsize=64)
def _font(point_size: float, bold: bool = False):
    from PySide6.QtGui import QFont

    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    try:  # no "fi"/"fl" ligatures: the PDF's text then searches and copies as plain letters
        font.setFeature(QFont.Tag("liga"), 0)
    except AttributeError:  # pragma: no cover - Qt before 6.7
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.01)
    return font


# -- the charts ---------------------------------------------------------------------

CHART_WIDTH = 640  # CSS pixels
CHART_OBJECT = 0x1000 + 1  # QTextFormat.UserObject + 1
CHART_NAME = 0x100000 + 1  # QTextFormat.UserProperty + 1: which chart an object is


@dataclass
class BarChart:
    """A horizontal bar chart: each bar is a share of ``whole``."""

    title: str
    rows: list[tuple[str, int, str]]  # label, value, colour
    whole: int
    label_width: int = 170
    row_height: int = 38
    bar_height: int = 24

    @property
    def size(self) -> tuple[int, int]:
        return CHART_WIDTH, 30 + self.row_height * len(self.rows)

    def paint(self, p, width: float) -> None:
        """Paint into (0, 0, width, height) with the painter's current transform."""
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QFontMetricsF, QPainter

        p.save()
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            p.setPen(QColor("#222222"))
            p.setFont(_font(10, bold=True))
            p.drawText(
                QRectF(0, 0, width, 22),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                self.title,
            )
            value_w = 90
            bar_x = self.label_width + 8
            bar_w = width - bar_x - value_w - 8
            whole = max(self.whole, 1)
            for i, (label, value, colour) in enumerate(self.rows):
                y = 30 + i * self.row_height
                p.setFont(_font(9))
                p.setPen(QColor("#222222"))
                label = QFontMetricsF(p.font()).elidedText(
                    label, Qt.TextElideMode.ElideRight, self.label_width
                )
                p.drawText(
                    QRectF(0, y, self.label_width, self.bar_height),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    label,
                )
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor("#eeeeee"))
                p.drawRect(QRectF(bar_x, y, bar_w, self.bar_height))
                p.setBrush(QColor(colour))
                p.drawRect(QRectF(bar_x, y, bar_w * value / whole, self.bar_height))
                p.setPen(QColor("#222222"))
                p.setFont(_font(9, bold=True))
                p.drawText(
                    QRectF(bar_x + bar_w + 8, y, value_w, self.bar_height),
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                    f"{value} ({format_percent(percent(value, self.whole))})",
                )
        finally:
            p.restore()


def cover_charts(summary) -> dict[str, BarChart]:
    """The cover's charts: outcomes, and significant learning by theme (shares of completed cases)."""
    noun = "case" if summary.completed == 1 else "cases"
    return {
        "outcomes": BarChart(
            f"Outcome of {summary.completed} completed {noun}",
            [(lvl.label, summary.by_level[lvl.value], LEVEL_COLOURS[lvl.value]) for lvl in LearningLevel],
            summary.completed,
        ),
        "themes": BarChart(
            "Completed cases with significant learning, by theme",
            [
                (t.label, t.significant_cases, LEVEL_COLOURS[LearningLevel.SIGNIFICANT.value])
                for t in summary.by_theme
            ],
            summary.completed,
            label_width=250,
            row_height=21,
            bar_height=14,
        ),
    }


def _chart_handler(charts: dict[str, BarChart]):
    """A text-object handler that paints the charts as vectors wherever they sit in the document."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPyTextObject

    class ChartObject(QPyTextObject):
        def intrinsicSize(self, doc, position, fmt):
            return QSizeF(*charts[fmt.property(CHART_NAME)].size)

        def drawObject(self, painter, rect, doc, position, fmt):
            painter.save()
            painter.translate(rect.topLeft())
            charts[fmt.property(CHART_NAME)].paint(painter, rect.width())
            painter.restore()

    return ChartObject()


def _placeholder(name: str) -> str:
    return f"[[chart:{name}]]"


def _insert_charts(doc, charts: dict[str, BarChart]) -> None:
    """Replace each chart's placeholder text with the chart object."""
    from PySide6.QtGui import QTextCharFormat

    handler = _chart_handler(charts)
    doc.documentLayout().registerHandler(CHART_OBJECT, handler)
    doc._chart_handler = handler  # keep the Python object alive as long as the document
    for name in charts:
        cursor = doc.find(_placeholder(name))
        if cursor.isNull():
            continue
        fmt = QTextCharFormat()
        fmt.setObjectType(CHART_OBJECT)
        fmt.setProperty(CHART_NAME, name)
        cursor.insertText("\ufffc", fmt)


# -- the HTML ---------------------------------------------------------------------------

STYLE = """
body { color: #1a1a1a; }
h1 { font-size: 20pt; font-weight: bold; margin: 0 0 4px 0; }
h2 { font-size: 14pt; font-weight: bold; margin: 14px 0 6px 0; color: #1f3a5f; }
h3 { font-size: 11pt; font-weight: bold; margin: 10px 0 4px 0; color: #1f3a5f; }
p { margin: 0 0 6px 0; }
.muted { color: #555555; }
.small { font-size: 8pt; }
table.data { border-collapse: collapse; margin: 2px 0 8px 0; }
table.data th { background-color: #dde4ee; font-weight: bold; font-size: 8pt; padding: 3px 5px;
                border: 1px solid #b8c2d0; }
table.data td { padding: 3px 5px; border: 1px solid #c8ced8; vertical-align: top; }
td.nowrap { white-space: nowrap; }
tr.finding td { background-color: #f6f8fb; }
td.note { padding: 4px 5px 6px 5px; }
td.section { background-color: #f0f3f7; font-weight: bold; }
"""


def _table_html(table: Table, first_width: str = "") -> str:
    head = "".join(
        f'<th align="{"right" if c.kind in ("int", "percent") else "left"}"'
        + (f' width="{first_width}"' if i == 0 and first_width else "")
        + f">{_e(c.title)}</th>"
        for i, c in enumerate(table.columns)
    )
    rows = []
    for row in table.rows:
        cells = []
        for value, column in zip(row, table.columns, strict=False):
            if column.kind == "percent":
                cells.append(f'<td align="right">{format_percent(value)}</td>')
            elif column.kind == "int":
                cells.append(f'<td align="right">{value}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<table class="data" width="100%" cellspacing="0" cellpadding="3"><thead><tr>{head}</tr></thead>'
        + "".join(rows)
        + "</table>"
    )


def _level_span(level_value: str, label: str) -> str:
    colour = LEVEL_COLOURS.get(level_value, "#333333")
    return f'<span style="color: {colour}; font-weight: bold;">{_e(label)}</span>'


def _when(value: datetime | None, millis: bool = False) -> str:
    if value is None:
        return ""
    text = local(value).strftime("%Y-%m-%d %H:%M:%S")
    if millis:
        text += f".{local(value).microsecond // 1000:03d}"
    return text


def cover_html(data: ExportData) -> str:
    s = data.summary
    tables = {t.name: t for t in data.summary_tables}
    parts = [
        f"<h1>{_e(REPORT_TITLE)}</h1>",
        f'<p class="muted">{_e(data.scope_text)}. Produced {_e(_when(data.generated_at))} '
        f"with form {_e(s.template)}. {_e(recorded_times_note(data.time_zone))}</p>",
        '<table width="100%" cellspacing="0" cellpadding="10" style="margin-top: 10px; margin-bottom: 8px;">'
        '<tr><td style="background-color: #eef2f8; border-left: 4px solid #1f3a5f;">'
        f'<p style="font-size: 15pt; font-weight: bold; margin: 0;">{_e(s.headline)}</p>'
        f'<p style="margin: 6px 0 0 0;">{_e(s.progress_note)}</p>'
        "</td></tr></table>",
    ]
    if data.redacted:
        from cctv_review.export.redact import REDACTION_NOTE

        parts.append(f'<p style="color: #8a1c1c;"><b>Redacted.</b> {_e(REDACTION_NOTE)}</p>')
    parts += [
        "<h2>Outcome of completed cases</h2>",
        _table_html(tables["by_outcome"], "50%"),
        f"<p>{_placeholder('outcomes')}</p>",
        f'<p style="margin-top: 10px;">{_placeholder("themes")}</p>',
    ]
    return "".join(parts)


def breakdowns_html(data: ExportData) -> str:
    tables = {t.name: t for t in data.summary_tables}
    uof = data.summary.use_of_force
    parts = [
        '<h2 style="page-break-before: always;">Findings by theme</h2>',
        '<p class="muted small">Completed cases with at least one finding in the theme; the percentage is of all '
        "completed cases with significant learning in the theme.</p>",
        _table_html(tables["by_theme"], "30%"),
        "<h2>Breakdowns</h2>",
    ]
    for name in ("by_suite", "by_month", "by_flag"):
        parts.append(f"<h3>{_e(tables[name].title)}</h3>")
        parts.append(_table_html(tables[name], "30%"))
    parts.append(f"<h3>{_e(tables['use_of_force'].title)}</h3>")
    parts.append(_table_html(tables["use_of_force"], "50%"))
    parts.append(
        f'<p class="muted small">Force counts as used when the reviewer answered that it was, or (if not answered) '
        f"when the case is flagged use of force. {uof.cases} completed case{'s' if uof.cases != 1 else ''}.</p>"
    )
    return "".join(parts)


def figures_html(data: ExportData) -> str:
    """The supervisor's figures (``data.figures``, :mod:`cctv_review.export.figures`) as HTML.

    An agreement section when some cases were reviewed twice (the figures in
    words, each with the cases it rests on, a table of the measures and the
    outcomes' confusion table), the "areas for improvement" page when the
    export asked for it, then how each question was answered, by section.
    """
    figures = data.figures
    if figures is None:
        return ""
    from cctv_review.agreement import OUTCOME_LABELS
    from cctv_review.export.figures import area_sentence, confusion_rows, question_answers_text

    parts: list[str] = []
    agreement = figures.agreement
    if agreement.double_reviewed:
        parts.append('<h2 style="page-break-before: always;">Agreement between first and second reviews</h2>')
        parts += [f"<p>{_e(line)}</p>" for line in agreement.lines()]
        rows = [("Outcome (no &lt; some &lt; significant learning)", agreement.outcome)]
        rows.append(("Use of force: justified, proportionate and necessary", agreement.force))
        rows += [(_e(q.text), q.agreement) for q in agreement.force_questions]
        head = "".join(
            f'<th align="{"left" if i == 0 else "right"}">{title}</th>'
            for i, title in enumerate(
                ["Judgement", "Cases", "Agreed", "% agreement", "Cohen&#39;s kappa", "Weighted kappa"]
            )
        )
        body = []
        for label, a in rows:
            agreed = sum(a.table[i][i] for i in range(len(a.table)))
            cells = [
                str(a.cases),
                str(agreed),
                format_percent(100 * a.percent) if a.percent is not None else "—",
                f"{a.kappa:.2f}" if a.kappa is not None else "—",
                f"{a.weighted_kappa:.2f}" if a.weighted_kappa is not None else "—",
            ]
            body.append(
                f"<tr><td>{label}</td>" + "".join(f'<td align="right">{c}</td>' for c in cells) + "</tr>"
            )
        parts.append(
            f'<table class="data" width="100%" cellspacing="0" cellpadding="3"><thead><tr>{head}</tr></thead>'
            + "".join(body)
            + "</table>"
        )
        parts.append(
            '<p class="muted small">Kappa: Cohen (1960); weighted kappa with linear weights, Cohen (1968). '
            "Cases: completed cases whose blind second review is completed too and where both reviews gave "
            "the judgement. Weighted kappa is for the outcome only, an ordinal grade; — : not applicable, or "
            "cannot be computed (every judgement the same).</p>"
        )
        if agreement.outcome.cases:
            header, confusion = confusion_rows(agreement.outcome, OUTCOME_LABELS)
            parts.append("<h3>Outcomes: first review (rows) against second review (columns)</h3>")
            head = "".join(
                f'<th align="{"left" if i == 0 else "right"}">{_e(h)}</th>' for i, h in enumerate(header)
            )
            body = [
                "<tr>"
                + "".join(
                    f'<td align="{"left" if i == 0 else "right"}">{_e(v)}</td>' for i, v in enumerate(row)
                )
                + "</tr>"
                for row in confusion
            ]
            parts.append(
                f'<table class="data" width="100%" cellspacing="0" cellpadding="3"><thead><tr>{head}</tr>'
                "</thead>" + "".join(body) + "</table>"
            )
    if figures.areas is not None:
        parts.append('<h2 style="page-break-before: always;">Areas for improvement</h2>')
        parts.append(
            '<p class="muted small">The questions with the highest share of answers that count against good '
            "practice, among the completed cases each question applied to.</p>"
        )
        if figures.areas:
            parts.append(
                "<ol>"
                + "".join(f"<li>{_e(area_sentence(f, v, n))}</li>" for f, v, n in figures.areas)
                + "</ol>"
            )
        else:
            parts.append("<p>No answer that counts against good practice was recorded.</p>")
    if figures.questions:
        parts.append('<h2 style="page-break-before: always;">How each question was answered</h2>')
        parts.append(
            '<p class="muted small">Completed cases each question applied to, and how many answered each '
            "way (a case counts under every option it ticked in a multiple-choice question).</p>"
        )
        section = None
        rows_html: list[str] = []

        def flush() -> None:
            if rows_html:
                parts.append(
                    '<table class="data" width="100%" cellspacing="0" cellpadding="3"><thead><tr>'
                    '<th align="left" width="45%">Question</th><th align="right">Applied to</th>'
                    '<th align="left">Answers</th></tr></thead>' + "".join(rows_html) + "</table>"
                )
                rows_html.clear()

        for f in figures.questions:
            if f.section_id != section:
                flush()
                section = f.section_id
                parts.append(f"<h3>{_e(figures.sections.get(section, section))}</h3>")
            rows_html.append(
                f'<tr><td>{_e(f.text)}</td><td align="right">{f.applied}</td>'
                f"<td>{_e(question_answers_text(f))}</td></tr>"
            )
        flush()
    return "".join(parts)


# -- the case pages, drawn directly ------------------------------------------------------
#
# Each case is laid out by :class:`CaseFlow` rather than as HTML in a QTextDocument: Qt's HTML
# parsing and table layout cost about 12 ms a case, twice over (once to count the pages, once to
# paint them), which capped the report near 25 cases a second.  The flow measures each paragraph
# with a QTextLayout (word wrap, the PDF writer's font metrics), places blocks and table rows down
# the page, breaks pages between rows (repeating a table's header row), keeps a heading with what
# follows (:data:`KEEP_WITH_NEXT`) and paints only when given a painter, so counting the pages
# is the same code run without painting.

TEXT = "#1a1a1a"
MUTED = "#555555"
HEADING = "#1f3a5f"
HEAD_FILL, HEAD_BORDER = "#dde4ee", "#b8c2d0"
CELL_BORDER = "#c8ced8"
FINDING_FILL = "#f6f8fb"
SECTION_FILL = "#f0f3f7"
PAD_X, PAD_Y = 5.0, 3.0  # a data table cell's padding (CSS px)
SHORT_TEXT = 200  # texts up to this many characters keep their layout for reuse (labels, questions, answers)
CACHED_LAYOUTS = 5_000  # at most this many kept (some tens of MB), then the cache starts afresh


@dataclass
class _Para:
    """A paragraph of one font and colour; ``accent`` colours (bold) the text from that offset on."""

    text: str
    size: float = 9.5
    bold: bool = False
    colour: str = TEXT
    accent: tuple[int, str] | None = None
    reuse: bool = True  # False for text that is unlikely to come again (times, notes): not cached


@dataclass
class _Still:
    """A still drawn :data:`STILL_WIDTH` wide; ``image`` is None while only counting pages."""

    path: Path
    height: int
    image: Any = None


@dataclass
class _Cell:
    width: float
    content: list[_Para | _Still]
    fill: str | None = None
    padded: bool = True


class CaseFlow:
    """Lays cases out page by page in the content area; paints them when ``painter`` is given.

    ``new_page()`` is called whenever a page is needed (before the first one
    of each case too): the caller starts the PDF page and draws the header
    and footer.  Sizes are CSS pixels at :data:`DPI`; text is measured with
    the writer's font metrics, so the counting run and the painting run place
    everything identically.  A row taller than a whole page (a very long
    note) is drawn across pages, cut at the page edge.
    """

    def __init__(
        self,
        device: Any,
        width: float,
        height: float,
        painter: Any = None,
        new_page: Any = None,
        cache: dict[tuple[Any, ...], tuple[Any, float]] | None = None,
    ):
        from PySide6 import QtCore, QtGui

        self.core, self.gui = QtCore, QtGui  # looked up once: an import statement costs ~5 us under PySide6
        self.device, self.width, self.height = device, width, height
        self.painter, self._new_page = painter, new_page
        self.pages = 0
        self.y = 0.0
        self._fonts: dict[tuple[float, bool], Any] = {}
        self._colours: dict[str, Any] = {}
        self._header: list[_Cell] | None = None
        self._option = QtGui.QTextOption()
        self._option.setWrapMode(QtGui.QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        # Laid-out short texts (labels, questions, answers repeat from case to case), shared by the
        # counting and the painting run of one report; a QTextLayout refers to the writer, so the
        # cache never outlives it.
        self._cache = cache if cache is not None else {}

    def colour(self, name: str) -> Any:
        found = self._colours.get(name)
        if found is None:
            found = self._colours[name] = self.gui.QColor(name)
        return found

    # measuring and painting text
    def font(self, size: float, bold: bool = False) -> Any:
        key = (size, bold)
        if key not in self._fonts:
            self._fonts[key] = _font(size, bold)
        return self._fonts[key]

    def _layout(self, para: _Para, width: float) -> tuple[Any, float]:
        key = (para.text, para.size, para.bold, para.accent, width)
        found = self._cache.get(key)
        if found is not None:
            return found
        gui = self.gui
        QTextLayout, QPointF = gui.QTextLayout, self.core.QPointF

        layout = QTextLayout(para.text.replace("\n", "\u2028"), self.font(para.size, para.bold), self.device)
        layout.setTextOption(self._option)
        if para.accent is not None:
            start, colour = para.accent
            fmt = gui.QTextCharFormat()
            fmt.setForeground(gui.QBrush(self.colour(colour)))
            fmt.setFont(self.font(para.size, True))
            accent = QTextLayout.FormatRange()
            accent.start, accent.length, accent.format = start, len(para.text) - start, fmt
            layout.setFormats([accent])
        layout.beginLayout()
        y = 0.0
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(max(1.0, width))
            line.setPosition(QPointF(0, y))
            y += line.height()
        layout.endLayout()
        if para.reuse and len(para.text) <= SHORT_TEXT:
            if len(self._cache) >= CACHED_LAYOUTS:
                self._cache.clear()
            self._cache[key] = (layout, y)
        return layout, y

    def _content_height(self, content: list[_Para | _Still], width: float) -> tuple[list[Any], float]:
        placed: list[Any] = []
        height = 0.0
        for item in content:
            if isinstance(item, _Still):
                placed.append((item, height))
                height += item.height
            else:
                layout, h = self._layout(item, width)
                placed.append((layout, height, item.colour))
                height += h
        return placed, height

    def _draw_content(self, placed: list[Any], x: float, y: float) -> None:
        QPointF, QRectF = self.core.QPointF, self.core.QRectF
        p = self.painter
        for entry in placed:
            if isinstance(entry[0], _Still):
                still, dy = entry
                rect = QRectF(x, y + dy, STILL_WIDTH, still.height)
                if still.image is not None:
                    p.drawImage(rect, still.image)
                else:  # readable header but the pixels would not decode: keep its place
                    p.setPen(self.colour(MUTED))
                    p.drawRect(rect)
            else:
                layout, dy, colour = entry
                p.setPen(self.colour(colour))
                layout.draw(p, QPointF(x, y + dy))

    # placing blocks
    def new_page(self) -> None:
        self.pages += 1
        self.y = 0.0
        if self._new_page is not None:
            self._new_page()

    def _room(self, height: float) -> None:
        """Start a new page unless ``height`` fits below what is on this one."""
        if self.y > 0 and self.y + height > self.height:
            self.new_page()
            if self._header is not None:
                self.row(self._header, border=HEAD_BORDER)

    def para(self, para: _Para, top: float = 0.0, bottom: float = 6.0, keep_with_next: bool = False) -> None:
        layout, h = self._layout(para, self.width)
        top = top if self.y > 0 else 0.0
        self._room(top + h + (KEEP_WITH_NEXT if keep_with_next else 0.0))
        top = top if self.y > 0 else 0.0
        if self.painter is not None:
            self._draw_content([(layout, 0.0, para.colour)], MARGIN_LEFT, MARGIN_TOP + self.y + top)
        self.y += top + h + bottom

    def heading(self, text: str, level: int, accent: tuple[int, str] | None = None) -> None:
        size, top, bottom = (14.0, 14.0, 6.0) if level == 2 else (11.0, 10.0, 4.0)
        self.para(_Para(text, size, True, HEADING, accent), top, bottom, keep_with_next=True)

    def _measure_row(self, cells: list[_Cell]) -> tuple[list[Any], float]:
        measured = []
        height = 0.0
        for cell in cells:
            pad_x, pad_y = (PAD_X, PAD_Y) if cell.padded else (2.0, 2.0)
            placed, h = self._content_height(cell.content, cell.width - 2 * pad_x)
            measured.append((cell, placed, pad_x, pad_y))
            height = max(height, h + 2 * pad_y)
        return measured, height

    def row(self, cells: list[_Cell], border: str | None = CELL_BORDER) -> None:
        """One table row: cells side by side, as tall as the tallest; never split unless taller than a page."""
        self._place_row(*self._measure_row(cells), border)

    def rows_together(self, rows: list[list[_Cell]], border: str | None = CELL_BORDER) -> None:
        """Table rows kept on one page when they fit on one (a finding and its note)."""
        measured = [self._measure_row(cells) for cells in rows]
        total = sum(height for _, height in measured)
        if total <= self.height:
            self._room(total)
        for placed, height in measured:
            self._place_row(placed, height, border)

    def _place_row(self, measured: list[Any], height: float, border: str | None) -> None:
        self._room(height)
        top = self.y
        while True:  # once, or once per page for a row taller than a page
            if self.painter is not None:
                self._paint_row(measured, top, height, border)
            if top + height <= self.height:
                break
            top -= self.height
            self.new_page()
        self.y = top + height

    def _paint_row(self, measured: list[Any], top: float, height: float, border: str | None) -> None:
        QRectF = self.core.QRectF
        p = self.painter
        spans = top < 0 or top + height > self.height  # a row taller than a page: cut at its edges
        if spans:
            p.save()
            p.setClipRect(QRectF(MARGIN_LEFT, MARGIN_TOP, self.width, self.height))
        x = MARGIN_LEFT
        for cell, placed, pad_x, pad_y in measured:
            rect = QRectF(x, MARGIN_TOP + top, cell.width, height)
            if cell.fill:
                p.fillRect(rect, self.colour(cell.fill))
            if border:
                p.setPen(self.colour(border))  # a cosmetic 1 px pen, as QPen(colour, 1) at 96 dpi
                p.drawRect(rect)
            self._draw_content(placed, x + pad_x, MARGIN_TOP + top + pad_y)
            x += cell.width
        if spans:
            p.restore()

    def table_end(self) -> None:
        self._header = None
        self.y += 8.0

    # a case
    def case(self, detail: CaseDetail, data: ExportData, stills: bool) -> None:
        """One case from a new page (see :func:`render_pdf_file`); ``stills=False`` leaves them undecoded."""
        c = detail.case
        w = self.width
        self._header = None
        self.new_page()
        self.heading(f"Case {detail.label}", 2)
        flags = ", ".join(label for flag, label in CASE_FLAGS.items() if getattr(c, flag)) or "None"
        rows = [
            ("Custody suite", c.custody_suite or "Not recorded"),
            ("Detention date", c.detention_date.isoformat() if c.detention_date else "Not known"),
            ("Status", c.status.label),
            ("Flags", flags),
        ]
        if not data.redacted:
            if c.reviewer:
                rows.append(("Reviewer", c.reviewer))
            if c.completed_at:
                rows.append(("Completed", f"{_when(c.completed_at)} by {c.completed_by}"))
        elif c.completed_at:
            rows.append(("Completed", _when(c.completed_at)))
        for key, value in rows:
            self.row(
                [
                    _Cell(0.22 * w, [_Para(key, colour=MUTED)], padded=False),
                    _Cell(0.78 * w, [_Para(value, reuse=key != "Completed")], padded=False),
                ],
                border=None,
            )
        self.y += 4.0
        if c.outcome:
            self.heading(
                f"Outcome: {c.outcome.label}",
                3,
                (len("Outcome: "), LEVEL_COLOURS.get(c.outcome.value, "#333333")),
            )
        else:
            self.heading("Outcome: Not yet decided", 3, (len("Outcome: "), MUTED))
        if c.outcome_rationale:
            self.para(_Para(c.outcome_rationale, reuse=False))
        else:
            self.para(_Para("No rationale recorded.", colour=MUTED))
        self.heading(f"Findings ({len(detail.findings)})", 3)
        if not detail.findings:
            self.para(_Para("No findings were recorded.", colour=MUTED))
        else:
            widths = [
                0.14 * w,
                0.15 * w,
                0.26 * w,
                0.21 * w,
                0.24 * w,
            ]  # clip time and recorded time (with its zone) fit unwrapped
            header = [
                _Cell(width, [_Para(title, 8, True)], HEAD_FILL)
                for width, title in zip(
                    widths, ["Clip time", "Camera", "Recorded time", "Theme", "Level"], strict=True
                )
            ]
            self.row(header, border=HEAD_BORDER)
            self._header = header
            for fd in detail.findings:
                f = fd.finding
                clip_time = format_ms(f.position_ms) if f.clip_id is not None else ""
                level = _Para(f.level.label, bold=True, colour=LEVEL_COLOURS.get(f.level.value, "#333333"))
                values = [clip_time, fd.camera, fd.recorded_text, fd.theme_label]
                finding = [
                    _Cell(width, [_Para(v, reuse=i in (1, 3))], FINDING_FILL)  # camera, theme recur
                    for i, (width, v) in enumerate(zip(widths, values, strict=False))
                ] + [_Cell(widths[4], [level], FINDING_FILL)]
                note: list[_Para | _Still] = [
                    _Para(f.note, reuse=False) if f.note else _Para("No note.", colour=MUTED)
                ]
                if data.redacted:
                    if f.still_path:
                        note.append(_Para("Still left out of this redacted report.", 8, colour=MUTED))
                else:
                    height = _still_height(fd.still) if fd.still is not None else None
                    if height is not None:
                        note.append(_Still(fd.still, height, _load_still(fd.still) if stills else None))  # type: ignore[arg-type]
                    elif fd.still_missing or f.still_path:
                        note.append(
                            _Para(
                                f"Still not available: {Path(f.still_path).name} could not be read.",
                                8,
                                colour=MUTED,
                            )
                        )
                self.rows_together([finding, [_Cell(w, note)]])
            self.table_end()
        self.heading(f"Answers ({len(detail.answers)})", 3)
        if not detail.answers:
            self.para(_Para("No questions have been answered.", colour=MUTED))
        else:
            section = None
            for ad in detail.answers:
                if ad.section != section:
                    section = ad.section
                    self.row([_Cell(w, [_Para(section or "Other questions", bold=True)], SECTION_FILL)])
                self.row([_Cell(0.58 * w, [_Para(ad.question)]), _Cell(0.42 * w, [_Para(ad.display)])])
            self.table_end()


def _load_still(path: Path):
    """A still scaled for print, or None when it cannot be read."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    if image.isNull():
        return None
    if image.width() > STILL_PIXELS:
        image = image.scaledToWidth(STILL_PIXELS, Qt.TransformationMode.SmoothTransformation)
    return image


def _still_height(path: Path) -> int | None:
    """The printed height (CSS px) of a still :data:`STILL_WIDTH` wide, from the file's header only."""
    from PySide6.QtGui import QImageReader

    size = QImageReader(str(path)).size()
    if not size.isValid() or size.width() <= 0:
        return None
    return max(1, round(STILL_WIDTH * size.height() / size.width()))


def _new_document(writer: Any, content: Any) -> Any:
    from PySide6.QtGui import QTextDocument

    doc = QTextDocument()
    doc.setDefaultFont(_font(9.5))
    doc.setDefaultStyleSheet(STYLE)
    doc.setDocumentMargin(0)
    if writer is not None:
        doc.documentLayout().setPaintDevice(writer)
    return doc


def _paginate(doc: Any, content: Any) -> None:
    if content is not None:
        doc.setPageSize(content)
        keep_headings_with_next(doc, content.height())


def front_document(data: ExportData, writer: Any = None, content: Any = None) -> Any:
    """The cover and the breakdowns as one QTextDocument (paginated when ``content`` is given)."""
    doc = _new_document(writer, content)
    doc.setHtml(
        "<html><body>" + cover_html(data) + breakdowns_html(data) + figures_html(data) + "</body></html>"
    )
    _insert_charts(doc, cover_charts(data.summary))
    _paginate(doc, content)
    return doc


KEEP_WITH_NEXT = 28 * MM  # a heading needs this much room below it, or it starts the next page


def keep_headings_with_next(doc, page_height: float, passes: int = 4) -> int:
    """Move headings that would sit at the foot of a page, cut off from what follows, to the next page.

    Qt's text layout has no "keep with next", so after pagination each heading
    (h1-h3) with less than :data:`KEEP_WITH_NEXT` below it on its page gets a
    page break before it.  Moving a heading shifts everything after it, so the
    document is laid out afresh and checked again (a few passes at most).
    Returns the number of headings moved.
    """
    from PySide6.QtGui import QTextCursor, QTextFormat

    layout = doc.documentLayout()
    moved = 0
    for _ in range(passes):
        changed = 0
        block = doc.begin()
        while block.isValid():
            fmt = block.blockFormat()
            if 0 < fmt.headingLevel() <= 3 and not (
                fmt.pageBreakPolicy() & QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
            ):
                rect = layout.blockBoundingRect(block)
                page_top = int(rect.top() // page_height) * page_height
                room_below = page_top + page_height - rect.bottom()
                if rect.top() > page_top + 1 and room_below < KEEP_WITH_NEXT:
                    fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
                    QTextCursor(block).setBlockFormat(fmt)
                    changed += 1
            block = block.next()
        if not changed:
            break
        moved += changed
        # Lay the whole document out afresh: the incremental relayout after a format change can
        # leave later blocks unplaced, and the next pass must see where everything now falls.
        doc.markContentsDirty(0, doc.characterCount())
    return moved


def render_pdf_file(data: ExportData, path: Path, progress: Callable[[float, str], None]) -> int:
    """Write the report to ``path`` page by page; returns the number of pages.

    Two passes over the cases (see the module's docstring): count the pages,
    then paint them.  Memory holds one document of :data:`CASES_PER_DOCUMENT`
    cases at a time, plus what QPdfWriter keeps for the whole file (its object
    offsets and the fonts it embeds at the end).
    """
    ensure_gui_application()
    from PySide6.QtCore import QMarginsF, QRectF, QSizeF
    from PySide6.QtGui import (
        QAbstractTextDocumentLayout,
        QColor,
        QPageLayout,
        QPageSize,
        QPainter,
        QPalette,
        QPdfWriter,
    )

    from cctv_review.export.stream import chunks

    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)
        )
    )
    writer.setTitle(REPORT_TITLE + (" (redacted)" if data.redacted else ""))
    writer.setCreator("cctv-review")

    page = QRectF(0, 0, writer.width(), writer.height())
    content = QSizeF(page.width() - MARGIN_LEFT - MARGIN_RIGHT, page.height() - MARGIN_TOP - MARGIN_BOTTOM)
    total_cases = max(1, len(data.cases))

    front = front_document(data, writer, content)
    cache: dict[tuple[Any, ...], tuple[Any, float]] = {}
    counter = CaseFlow(writer, content.width(), content.height(), cache=cache)
    done = 0
    for chunk in chunks(data):
        for detail in chunk:
            counter.case(detail, data, stills=False)
        done += len(chunk)
        progress(0.05 + 0.15 * done / total_cases, f"Counting pages: case {done:,} of {total_cases:,}")
    pages = front.pageCount() + counter.pages

    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError("The PDF report could not be started (Qt refused to open the PDF writer).")
    produced = _when(data.generated_at)[:16]
    number = 0

    def new_page() -> None:
        nonlocal number
        if number:
            writer.newPage()
        number += 1
        _draw_furniture(painter, page, number, pages, produced, data.redacted)

    try:
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = QPalette()
        palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
        context.palette = palette
        for index in range(front.pageCount()):
            new_page()
            painter.save()
            painter.translate(MARGIN_LEFT, MARGIN_TOP - index * content.height())
            clip = QRectF(0, index * content.height(), content.width(), content.height())
            painter.setClipRect(clip)
            context.clip = clip
            front.documentLayout().draw(painter, context)
            painter.restore()
        flow = CaseFlow(writer, content.width(), content.height(), painter, new_page, cache)
        done = 0
        for chunk in chunks(data):
            for detail in chunk:
                flow.case(detail, data, stills=True)
            done += len(chunk)
            progress(0.2 + 0.75 * done / total_cases, f"Drawing case {done:,} of {total_cases:,}")
    finally:
        painter.end()
    if number != pages:  # pragma: no cover - the two passes place the same blocks
        raise ExportError(f"The report's pages could not be counted ({number} drawn, {pages} counted).")
    return pages


def render_pdf(data: ExportData, progress: Callable[[float, str], None]) -> bytes:
    """The whole report as PDF bytes (for small reports; the export writes to a file)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.pdf"
        render_pdf_file(data, path, progress)
        return path.read_bytes()


def _draw_furniture(painter, page, number: int, pages: int, produced: str, redacted: bool) -> None:
    """Header and footer: the marking top and bottom, title, date and page number."""
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QPen

    left, right = MARGIN_LEFT, page.width() - MARGIN_RIGHT
    width = right - left
    header = QRectF(left, 6 * MM, width, 6 * MM)
    footer = QRectF(left, page.height() - 13 * MM, width, 6 * MM)
    painter.save()
    painter.setPen(QColor("#1a1a1a"))
    painter.setFont(_font(9, bold=True))
    painter.drawText(
        header, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, PROTECTIVE_MARKING
    )
    painter.drawText(
        footer, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, PROTECTIVE_MARKING
    )
    painter.setFont(_font(8))
    painter.setPen(QColor("#555555"))
    title = REPORT_TITLE + (" (redacted)" if redacted else "")
    painter.drawText(header, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    painter.drawText(header, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, produced)
    painter.drawText(
        footer, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Page {number} of {pages}"
    )
    painter.drawText(footer, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "cctv-review")
    painter.setPen(QPen(QColor("#b8c2d0"), 0.75))
    painter.drawLine(left, header.bottom() + 1.5 * MM, right, header.bottom() + 1.5 * MM)
    painter.drawLine(left, footer.top() - 1.5 * MM, right, footer.top() - 1.5 * MM)
    painter.restore()


def write_pdf(data: ExportData, out: Path, progress: Callable[[float, str], None]) -> list[Path]:
    """Write the report to ``out`` (through a temporary file renamed into place); returns ``[out]``.

    Raises :class:`ExportError` when the file comes out incomplete, and
    ``OSError(ENOSPC)`` (worded by the export as a full disk) when that is
    because the disk is nearly full.
    """

    def save(temporary: Path) -> None:
        render_pdf_file(data, temporary, progress)
        progress(0.96, "Checking the report")
        _check_complete(temporary)

    write_atomically(out, save)
    return [out]


def _check_complete(path: Path) -> None:
    """QPdfWriter reports no write errors: a finished PDF starts with %PDF and ends with %%EOF."""
    import errno
    import shutil

    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(5)
        handle.seek(max(0, size - 64))
        tail = handle.read()
    if head.startswith(b"%PDF") and b"%%EOF" in tail:
        return
    if shutil.disk_usage(path.parent).free < 16 * 1024 * 1024:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    raise ExportError("The PDF report could not be produced completely. Nothing was written.")
