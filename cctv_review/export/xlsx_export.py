"""XLSX export with openpyxl: sheets Summary, Cases, Findings and Answers, streamed.

* **Streaming**: the workbook is written with openpyxl's *write-only* mode
  (rows go to a temporary file per sheet as they are appended), and the cases
  are read a chunk at a time (:mod:`cctv_review.export.stream`), so memory
  stays bounded whatever the number of cases.  Write-only mode keeps
  everything this export uses: typed and styled cells, frozen header rows,
  auto-filters and column widths (widths and the frozen pane must be set
  before the first row, the filter after the last).  Widths therefore come
  from each column's preferred width (every table column has one) rather than
  from measuring its contents.
* **Summary** starts with the headline statement in A1 (bold, larger), then the
  progress note, scope, time of export and (when redacted) the redaction note,
  then one block per summary table, then any notes on the workbook (below).
* **Cases, Findings, Answers** have a bold header row that is frozen
  (``freeze_panes = "A2"``) with an auto-filter, and long text wrapped.
* **Types**: counts are numbers, percentages real percentages (0.125 shown as
  ``12.5%``), dates and times real Excel date-times (local time: Excel has no
  time zones, and the headers say "local time"), clip positions real
  durations (``[h]:mm:ss.000``), flags booleans.
* **Formulas**: openpyxl writes any ``str`` beginning with ``=`` as a formula.
  Every text cell is therefore written with data type ``s`` (a string), and
  formula-looking text also gets Excel's *quote prefix* style, the equivalent
  of typing a leading apostrophe, so it stays text even when the cell is
  edited.  The text itself is kept exactly as written.
* **What Excel cannot hold** (ECMA-376 / Excel's specifications and limits):
  characters XML 1.0 does not allow (control characters other than tab, line
  feed and carriage return; U+FFFE, U+FFFF; lone surrogates) are replaced by
  U+FFFD (the replacement character, shown as "�"); text longer than
  32,767 characters, Excel's limit for one cell, is never cut silently: the
  cell ends with a note saying so and where it continues, and the text goes on
  in the same column of the rows that follow (marked "continued from ...").
  Every such place is listed, by sheet, cell and case, in the notes at the
  end of the Summary sheet and passed to the caller (see :func:`write_xlsx`).
  A sheet that would need more rows than Excel's 1,048,576 is refused with a
  plain message, never cut.
* The workbook's author property is "cctv-review", never a user name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cctv_review.export.atomic import write_atomically
from cctv_review.export.errors import ExportError
from cctv_review.export.tabular import Column, ExportData, Table, local, looks_like_formula

SHEETS = ("Summary", "Cases", "Findings", "Answers")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TITLE_FONT = Font(bold=True, size=14)
NUMBER_FORMATS = {
    "int": "0",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "datetime_ms": "yyyy-mm-dd hh:mm:ss.000",
    "duration": "[h]:mm:ss.000",
}
MAX_WIDTH = 60


#: Excel's limits (Microsoft, "Excel specifications and limits").
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
#: Characters an XLSX (XML 1.0) cannot hold; openpyxl refuses them with an IllegalCharacterError.
UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
REPLACEMENT = "\ufffd"
MAX_LISTED_NOTES = 200  # notes listed in the workbook; the rest are counted


class Notes:
    """What the export had to change to fit Excel, with where (sheet, cell, case)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        self.lines.append(text)

    def __bool__(self) -> bool:
        return bool(self.lines)


def fit_text(text: str, where: str, notes: Notes) -> str:
    """``text`` with the characters Excel cannot hold replaced by U+FFFD (noted with ``where``)."""
    replaced = len(UNHOLDABLE.findall(text))
    if not replaced:
        return text
    codes = sorted({f"U+{ord(c):04X}" for c in UNHOLDABLE.findall(text)})
    notes.add(
        f"{where}: {replaced} character{'s' if replaced != 1 else ''} that Excel cannot hold "
        f"({', '.join(codes[:5])}{'…' if len(codes) > 5 else ''}) replaced by {REPLACEMENT}."
    )
    return UNHOLDABLE.sub(REPLACEMENT, text)


def split_long(text: str, cells: list[str]) -> list[str]:
    """``text`` in pieces of at most :data:`MAX_CELL_CHARS`, each saying where the text goes on.

    ``cells[0]`` is the cell the text starts in (e.g. ``"G12"``) and
    ``cells[k]`` the one piece ``k`` goes into; give enough of them
    (``len(text) // 30_000 + 2`` always is).  A cut piece ends with
    "[…Excel holds at most 32,767 characters in a cell: continued in G13]" and
    the next begins "[…continued from G12]".
    """
    pieces: list[str] = []
    rest = text
    for k in range(len(cells)):
        prefix = f"[…continued from {cells[k - 1]}] " if k else ""
        if len(prefix) + len(rest) <= MAX_CELL_CHARS:
            pieces.append(prefix + rest)
            return pieces
        suffix = (
            f" […Excel holds at most {MAX_CELL_CHARS:,} characters in a cell: continued in {cells[k + 1]}]"
        )
        room = MAX_CELL_CHARS - len(prefix) - len(suffix)
        pieces.append(prefix + rest[:room] + suffix)
        rest = rest[room:]
    raise ValueError(f"{len(cells)} cells cannot hold a text of {len(text):,} characters")


def cell_value(value: Any, column: Column) -> Any:
    """The Python value openpyxl should store for a typed cell."""
    if value is None:
        return None
    kind = column.kind
    if kind == "percent":
        return round(float(value) / 100.0, 6)
    if kind in ("datetime", "datetime_ms") and isinstance(value, datetime):
        return local(value).replace(tzinfo=None)
    if kind == "bool":
        return bool(value)
    if kind in ("int", "date", "duration") and isinstance(value, (int, date, timedelta)):
        return value
    return str(value)


class SheetWriter:
    """Appends typed rows to a write-only sheet, fitting text to Excel and counting rows.

    Styles are made once per column (a write-only cell takes its style when
    the row is written), so a million rows cost no more than their cells.
    """

    def __init__(
        self, ws: Any, columns: list[Column], notes: Notes, label_column: int | None = 0, reuse: bool = True
    ) -> None:
        self.ws = ws
        self.columns = columns
        self.notes = notes
        self.label_column = label_column
        self.reuse = reuse  # one styled cell per column, given each row's value (rows are written at once)
        self.row = 0
        self.letters = [get_column_letter(i) for i in range(1, len(columns) + 2)]
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._styled: dict[tuple[int, str], Any] = {}

    def _styled_cell(self, i: int, style: str) -> Any:
        cell = self._styled.get((i, style)) if self.reuse else None
        if cell is None:
            cell = WriteOnlyCell(self.ws)
            column = self.columns[i]
            if style == "number":
                cell.number_format = NUMBER_FORMATS[column.kind]
            else:
                if column.wrap:
                    cell.alignment = self._wrap
                if style == "quoted":
                    cell.quotePrefix = True
            self._styled[(i, style)] = cell
        return cell

    def _cell(self, value: Any, i: int, values: list[Any], row: int) -> Any:
        column = self.columns[i]
        value = cell_value(value, column)
        if isinstance(value, str):
            if UNHOLDABLE.search(value):
                value = fit_text(value, self._where(values, i, row), self.notes)
            formula = looks_like_formula(value)
            if not column.wrap and not formula:
                return value  # openpyxl stores a plain str as text (it only treats "=..." as a formula)
            cell = self._styled_cell(i, "quoted" if formula else "text")
            cell.value = value
            cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
            return cell
        if value is None or isinstance(value, bool):
            return value
        if column.kind in NUMBER_FORMATS:
            cell = self._styled_cell(i, "number")
            cell.value = value
            return cell
        return value

    def header(self, titles: list[str]) -> None:
        cells = []
        for title in titles:
            cell = WriteOnlyCell(self.ws, value=title)
            cell.data_type = "s"
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cells.append(cell)
        self._append(cells)

    def _append(self, cells: list[Any]) -> None:
        if self.row >= MAX_ROWS:
            raise ExportError(
                f"The {self.ws.title} sheet would need more than {MAX_ROWS:,} rows, the most Excel allows. "
                "Export a shorter date range, or use CSV. Nothing was written."
            )
        self.ws.append(cells)
        self.row += 1

    def append(self, values: list[Any]) -> None:
        """One row; text over Excel's limit goes on in the rows below (same column), as noted."""
        row = self.row + 1
        long = {
            i: value
            for i, value in enumerate(values)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS and self.columns[i].kind == "text"
        }
        if not long:
            self._append([self._cell(value, i, values, row) for i, value in enumerate(values)])
            return
        pieces: dict[int, list[str]] = {}
        for i, text in long.items():
            letter = self.letters[i]
            pieces[i] = split_long(text, [f"{letter}{row + k}" for k in range(len(text) // 30_000 + 2)])
            self.notes.add(
                f"{self._where(values, i, row)}: {len(text):,} characters, more than the {MAX_CELL_CHARS:,} "
                f"Excel holds in a cell; continued in {letter}{row + 1}"
                + (f" to {letter}{row + len(pieces[i]) - 1}" if len(pieces[i]) > 2 else "")
                + "."
            )
        first = list(values)
        for i, parts in pieces.items():
            first[i] = parts[0]
        self._append([self._cell(value, i, values, row) for i, value in enumerate(first)])
        for k in range(1, max(len(parts) for parts in pieces.values())):
            more: list[Any] = [None] * len(self.columns)
            if self.label_column is not None:
                more[self.label_column] = values[
                    self.label_column
                ]  # the case, so a filter keeps the rows together
            for i, parts in pieces.items():
                if k < len(parts):
                    more[i] = parts[k]
            self._append([self._cell(value, i, more, self.row + 1) for i, value in enumerate(more)])

    def _where(self, values: list[Any], i: int, row: int) -> str:
        where = f"{self.ws.title} sheet, cell {self.letters[i]}{row}"
        if self.label_column is not None and self.label_column != i and values[self.label_column]:
            where += f" (case {values[self.label_column]}, {self.columns[i].title})"
        return where


def write_table_sheet(ws: Any, table: Table, notes: Notes | None = None) -> None:
    """A whole table on a sheet (normal or write-only): header, rows, widths, frozen header, filter."""
    notes = notes if notes is not None else Notes()
    start_table_sheet(ws, table.columns)
    writer = SheetWriter(ws, table.columns, notes)
    writer.header([c.title for c in table.columns])
    for row in table.rows:
        writer.append(row)
    finish_table_sheet(ws, table.columns, writer.row)


def start_table_sheet(ws: Any, columns: list[Column]) -> None:
    """Column widths and the frozen header row (before any row, as write-only mode needs)."""
    for col, column in enumerate(columns, start=1):
        width = column.width or len(column.title)
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, max(8, width + 2))
    ws.freeze_panes = "A2"


def finish_table_sheet(ws: Any, columns: list[Column], rows: int) -> None:
    """The auto-filter over the header and every row written."""
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, rows)}"


def write_summary_sheet(ws: Any, data: ExportData, notes: Notes | None = None) -> None:
    """The Summary sheet: statements, summary tables, then the notes on the workbook (if any)."""
    notes_here = Notes()
    widths: dict[int, int] = {1: 30}
    blocks: list[list[Any]] = []
    title = WriteOnlyCell(ws, value=data.statements[0][1])
    title.font = TITLE_FONT
    blocks.append([title])
    for label, sentence in data.statements[1:]:
        blocks.append([sentence if label in ("Progress",) else f"{label}: {sentence}"])
    for table in data.summary_tables:
        blocks.append([])
        heading = WriteOnlyCell(ws, value=table.title)
        heading.font = Font(bold=True, size=12)
        blocks.append([heading])
        header = []
        for col, column in enumerate(table.columns, start=1):
            cell = WriteOnlyCell(ws, value=column.title)
            cell.data_type = "s"
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
            if col > 1:
                widths[col] = max(widths.get(col, 0), min(16, len(column.title) + 2))
        blocks.append(header)
        for values in table.rows:
            blocks.append(
                [
                    SheetWriter(ws, table.columns, notes_here, label_column=None, reuse=False)._cell(
                        v, i, values, 0
                    )
                    for i, v in enumerate(values)
                ]
            )
            widths[1] = max(widths[1], len(str(values[0])) + 2)
        blocks.append([])
    if notes:
        blocks.append([])
        heading = WriteOnlyCell(ws, value="Notes on this workbook")
        heading.font = Font(bold=True, size=12)
        blocks.append([heading])
        for line in notes.lines[:MAX_LISTED_NOTES]:
            blocks.append([line])
        if len(notes.lines) > MAX_LISTED_NOTES:
            blocks.append([f"… and {len(notes.lines) - MAX_LISTED_NOTES:,} more of the same kind."])
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, width)
    ws.freeze_panes = "A2"  # the headline stays in view
    for cells in blocks:
        ws.append(cells)


def write_xlsx(
    data: ExportData,
    out: Path,
    progress: Callable[[float, str], None],
    notices: list[str] | None = None,
) -> list[Path]:
    """Write the workbook (streamed); returns ``[out]``.

    ``notices``, when given, receives one plain sentence per place where text
    had to be changed to fit Excel (characters replaced, long text continued),
    naming the sheet, cell and case; the same sentences end the Summary sheet.
    Raises :class:`ExportError` when a sheet would exceed Excel's row limit.
    """
    from cctv_review.export.stream import chunk_rows

    notes = Notes()

    def write(temporary: Path) -> None:
        wb = Workbook(write_only=True)
        try:
            fill(wb)
            wb.save(temporary)
        except BaseException:
            _discard(wb)
            raise

    def fill(wb: Any) -> None:
        wb.properties.creator = "cctv-review"
        wb.properties.lastModifiedBy = "cctv-review"
        wb.properties.title = "CCTV review export"
        summary_ws = wb.create_sheet(SHEETS[0])
        writers = {}
        for name in ("cases", "findings", "answers"):
            table = data.tables[name]
            ws = wb.create_sheet(table.title)
            start_table_sheet(ws, table.columns)
            writers[name] = SheetWriter(ws, table.columns, notes)
            writers[name].header([c.title for c in table.columns])
        total = max(1, len(data.cases))
        done = 0
        for rows in chunk_rows(data):
            for name, writer in writers.items():
                for row in rows[name]:
                    writer.append(row)
            done += len(rows["cases"])
            progress(0.05 + 0.8 * done / total, f"Writing case {done:,} of {total:,}")
        for name, writer in writers.items():
            finish_table_sheet(writer.ws, data.tables[name].columns, writer.row)
        progress(0.86, "Writing the summary")
        write_summary_sheet(summary_ws, data, notes)
        progress(0.9, "Saving the workbook")

    write_atomically(out, write)
    if notices is not None:
        notices.extend(notes.lines)
    return [out]


def _discard(wb: Any) -> None:
    """Close a write-only workbook that failed and delete the temporary files its sheets were written to
    (openpyxl keeps them in the system's temporary folder until the workbook is saved)."""
    for ws in wb.worksheets:
        try:
            if not ws.closed:
                ws.close()
        except Exception:  # closing is best effort; the file is removed below either way
            pass
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            try:
                writer.cleanup()
            except (OSError, ValueError):  # already removed
                pass
