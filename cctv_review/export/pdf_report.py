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

How: the content is HTML laid out by :class:`QTextDocument` (tables and page
flow), paginated to the content area of the page, and each page is painted
with :class:`QPainter` onto a :class:`QPdfWriter` together with the header and
footer.  Memory stays bounded at any size: the cover and breakdowns are one
document, then the cases follow in documents of :data:`CASES_PER_DOCUMENT`
(every case starts a new page anyway, so the pages are the same as one
document would give), read a chunk at a time from the store
(:mod:`cctv_review.export.stream`) and dropped once painted.  "Page n of N"
needs N first, so the report is made in two passes: the first lays each
document out and counts its pages (stills are not decoded for that: the HTML
gives each still its printed height, from the image file's header), the
second lays it out again and paints it.  The charts are custom text objects (``QPyTextObject``) painted as
vectors where they sit in the flow, so they stay sharp in print.  Stills are
``QImage`` resources (never ``QPixmap``), so the report can be made in a
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

import html
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cctv_review import palette
from cctv_review.domain import CASE_FLAGS, LearningLevel, format_ms, format_percent, percent
from cctv_review.export.atomic import write_atomically
from cctv_review.export.errors import ExportError
from cctv_review.export.tabular import CaseDetail, ExportData, Table, local

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
        f"with form {_e(s.template)}.</p>",
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


def case_html(detail: CaseDetail, data: ExportData, still_urls: dict[int, tuple[str, int]]) -> str:
    """One case's section; ``still_urls`` maps finding ids to (image resource URL, printed height px)."""
    c = detail.case
    flags = ", ".join(label for flag, label in CASE_FLAGS.items() if getattr(c, flag)) or "None"
    outcome = (
        _level_span(c.outcome.value, c.outcome.label)
        if c.outcome
        else '<span class="muted">Not yet decided</span>'
    )
    rows = [
        ("Custody suite", _e(c.custody_suite or "Not recorded")),
        ("Detention date", _e(c.detention_date.isoformat() if c.detention_date else "Not known")),
        ("Status", _e(c.status.label)),
        ("Flags", _e(flags)),
    ]
    if not data.redacted:
        if c.reviewer:
            rows.append(("Reviewer", _e(c.reviewer)))
        if c.completed_at:
            rows.append(("Completed", _e(f"{_when(c.completed_at)} by {c.completed_by}")))
    elif c.completed_at:
        rows.append(("Completed", _e(_when(c.completed_at))))
    details = "".join(f'<tr><td width="22%" class="muted">{k}</td><td>{v}</td></tr>' for k, v in rows)
    rationale = _e(c.outcome_rationale) or '<span class="muted">No rationale recorded.</span>'
    parts = [
        f'<h2 style="page-break-before: always;">Case {_e(detail.label)}</h2>',
        f'<table width="100%" cellspacing="0" cellpadding="2">{details}</table>',
        f"<h3>Outcome: {outcome}</h3>",
        f"<p>{rationale}</p>",
        f"<h3>Findings ({len(detail.findings)})</h3>",
    ]
    if not detail.findings:
        parts.append('<p class="muted">No findings were recorded.</p>')
    else:
        table = [
            '<table class="data" width="100%" cellspacing="0" cellpadding="3"><thead><tr>'
            '<th align="left" width="12%">Clip time</th><th align="left" width="14%">Camera</th>'
            '<th align="left" width="20%">Recorded</th><th align="left" width="25%">Theme</th>'
            '<th align="left">Level</th></tr></thead>'
        ]
        for fd in detail.findings:
            f = fd.finding
            clip_time = format_ms(f.position_ms) if f.clip_id is not None else ""
            table.append(
                f'<tr class="finding"><td class="nowrap">{_e(clip_time)}</td><td>{_e(fd.camera)}</td>'
                f'<td class="nowrap">{_e(_when(fd.recorded_at))}</td>'
                f"<td>{_e(fd.theme_label)}</td><td>{_level_span(f.level.value, f.level.label)}</td></tr>"
            )
            note = _e(f.note) or '<span class="muted">No note.</span>'
            extra = ""
            if data.redacted:
                if f.still_path:
                    extra = '<br><span class="muted small">Still left out of this redacted report.</span>'
            elif f.id in still_urls:
                url, height = still_urls[f.id]
                extra = f'<br><img src="{url}" width="{STILL_WIDTH}" height="{height}">'
            elif fd.still_missing or f.still_path:
                extra = (
                    f'<br><span class="muted small">Still not available: '
                    f"{_e(Path(f.still_path).name)} could not be read.</span>"
                )
            table.append(f'<tr><td colspan="5" class="note">{note}{extra}</td></tr>')
        table.append("</table>")
        parts.append("".join(table))
    parts.append(f"<h3>Answers ({len(detail.answers)})</h3>")
    if not detail.answers:
        parts.append('<p class="muted">No questions have been answered.</p>')
    else:
        table = ['<table class="data" width="100%" cellspacing="0" cellpadding="3">']
        section = None
        for ad in detail.answers:
            if ad.section != section:
                section = ad.section
                table.append(
                    f'<tr><td colspan="2" class="section">{_e(section or "Other questions")}</td></tr>'
                )
            table.append(f'<tr><td width="58%">{_e(ad.question)}</td><td>{_e(ad.display)}</td></tr>')
        table.append("</table>")
        parts.append("".join(table))
    return "".join(parts)


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


CASES_PER_DOCUMENT = 1  # cases laid out together; each starts its own page anyway


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
    doc.setHtml("<html><body>" + cover_html(data) + breakdowns_html(data) + "</body></html>")
    _insert_charts(doc, cover_charts(data.summary))
    _paginate(doc, content)
    return doc


def cases_document(
    details: list[CaseDetail], data: ExportData, writer: Any = None, content: Any = None, stills: bool = True
) -> Any:
    """Some cases, each from a new page, as one QTextDocument.

    With ``stills=False`` the stills are not decoded: a blank image of the
    same printed size stands in (enough to count pages).
    """
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QImage, QTextDocument

    doc = _new_document(writer, content)
    body: list[str] = []
    blank = QImage(1, 1, QImage.Format.Format_RGB32)
    for detail in details:
        still_urls: dict[int, tuple[str, int]] = {}
        if not data.redacted:
            for fd in detail.findings:
                if fd.still is None or fd.finding.id is None:
                    continue
                height = _still_height(fd.still)
                if height is None:
                    continue  # not an image Qt can read: the report says the still is not available
                image = _load_still(fd.still) if stills else blank
                if image is None:
                    continue
                url = f"still:{fd.finding.id}"
                doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
                still_urls[fd.finding.id] = (url, height)
        section = case_html(detail, data, still_urls)
        if not body:  # the document starts on a new page already; a break here would leave one blank
            section = section.replace(' style="page-break-before: always;"', "", 1)
        body.append(section)
    doc.setHtml("<html><body>" + "".join(body) + "</body></html>")
    _paginate(doc, content)
    return doc


def _documents(
    data: ExportData, writer: Any, content: Any, stills: bool, progress: Callable[[int], None]
) -> Iterator[Any]:
    """The report's documents in order, each paginated; ``progress(cases done)`` after each."""
    from cctv_review.export.stream import chunks

    yield front_document(data, writer, content)
    done = 0
    for chunk in chunks(data):
        for start in range(0, len(chunk), CASES_PER_DOCUMENT):
            part = chunk[start : start + CASES_PER_DOCUMENT]
            yield cases_document(part, data, writer, content, stills)
            done += len(part)
            progress(done)


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

    pages = 0
    for doc in _documents(
        data,
        writer,
        content,
        False,
        lambda done: progress(
            0.05 + 0.25 * done / total_cases, f"Counting pages: case {done:,} of {total_cases:,}"
        ),
    ):
        pages += doc.pageCount()

    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError("The PDF report could not be started (Qt refused to open the PDF writer).")
    try:
        context = QAbstractTextDocumentLayout.PaintContext()
        palette = QPalette()
        palette.setColor(QPalette.ColorRole.Text, QColor("#1a1a1a"))
        context.palette = palette
        produced = _when(data.generated_at)[:16]
        number = 0
        for doc in _documents(
            data,
            writer,
            content,
            True,
            lambda done: progress(
                0.3 + 0.65 * done / total_cases, f"Drawing case {done:,} of {total_cases:,}"
            ),
        ):
            for index in range(doc.pageCount()):
                if number:
                    writer.newPage()
                number += 1
                painter.save()
                painter.translate(MARGIN_LEFT, MARGIN_TOP - index * content.height())
                clip = QRectF(0, index * content.height(), content.width(), content.height())
                painter.setClipRect(clip)
                context.clip = clip
                doc.documentLayout().draw(painter, context)
                painter.restore()
                _draw_furniture(painter, page, number, pages, produced, data.redacted)
    finally:
        painter.end()
    if number != pages:  # pragma: no cover - the two passes lay out the same documents
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
