"""XLSX export with openpyxl: sheets Summary, Cases, Findings and Answers.

* **Summary** starts with the headline statement in A1 (bold, larger), then the
  progress note, scope, time of export and (when redacted) the redaction note,
  then one block per summary table.
* **Cases, Findings, Answers** have a bold header row that is frozen
  (``freeze_panes = "A2"``) with an auto-filter, column widths set from the
  column's preferred width or its contents, and long text wrapped.
* **Types**: counts are numbers, percentages real percentages (0.125 shown as
  ``12.5%``), dates and times real Excel date-times (local time: Excel has no
  time zones, and the headers say "local time"), clip positions real
  durations (``[h]:mm:ss.000``), flags booleans.
* **Formulas**: openpyxl writes any ``str`` beginning with ``=`` as a formula.
  Every text cell is therefore written with data type ``s`` (a string), and
  formula-looking text also gets Excel's *quote prefix* style, the equivalent
  of typing a leading apostrophe, so it stays text even when the cell is
  edited.  The text itself is kept exactly as written.
* The workbook's author property is "cctv-review", never a user name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cctv_review.export.atomic import write_atomically
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


def put(ws, row: int, col: int, value: Any, column: Column):
    """Write one cell with its type and number format; text is never a formula."""
    value = cell_value(value, column)
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if looks_like_formula(value):
            cell.quotePrefix = True
    else:
        cell.value = value
        if value is not None and column.kind in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[column.kind]
    if column.wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _display_length(value: Any, column: Column) -> int:
    if value is None:
        return 0
    if column.kind in ("datetime", "datetime_ms"):
        return 23 if column.kind == "datetime_ms" else 19
    if column.kind == "date":
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_table_sheet(ws, table: Table) -> None:
    for col, column in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=col, value=column.title)
        cell.data_type = "s"
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(table.rows, start=2):
        for col, (value, column) in enumerate(zip(row, table.columns, strict=False), start=1):
            put(ws, r, col, value, column)
    for col, column in enumerate(table.columns, start=1):
        if column.width:
            width = column.width
        else:
            width = max([len(column.title)] + [_display_length(row[col - 1], column) for row in table.rows])
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, max(8, width + 2))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{max(1, len(table.rows) + 1)}"


def write_summary_sheet(ws, data: ExportData) -> None:
    text = Column("text", "")
    statements = data.statements
    put(ws, 1, 1, statements[0][1], text).font = TITLE_FONT
    row = 2
    for label, sentence in statements[1:]:
        put(ws, row, 1, sentence if label in ("Progress",) else f"{label}: {sentence}", text)
        row += 1
    widths: dict[int, int] = {1: 30}
    for table in data.summary_tables:
        row += 1
        put(ws, row, 1, table.title, text).font = Font(bold=True, size=12)
        row += 1
        for col, column in enumerate(table.columns, start=1):
            cell = put(ws, row, col, column.title, text)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col > 1:
                widths[col] = max(widths.get(col, 0), min(16, len(column.title) + 2))
        for values in table.rows:
            row += 1
            for col, (value, column) in enumerate(zip(values, table.columns, strict=False), start=1):
                put(ws, row, col, value, column)
            widths[1] = max(widths[1], len(str(values[0])) + 2)
        row += 1
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, width)
    ws.freeze_panes = "A2"  # the headline stays in view


def write_xlsx(data: ExportData, out: Path, progress: Callable[[float, str], None]) -> list[Path]:
    wb = Workbook()
    wb.properties.creator = "cctv-review"
    wb.properties.lastModifiedBy = "cctv-review"
    wb.properties.title = "CCTV review export"
    ws = wb.active
    ws.title = SHEETS[0]
    progress(0.35, "Writing the summary")
    write_summary_sheet(ws, data)
    for i, name in enumerate(("cases", "findings", "answers")):
        table = data.tables[name]
        progress(0.4 + 0.15 * i, f"Writing {table.title.lower()}")
        write_table_sheet(wb.create_sheet(table.title), table)
    progress(0.9, "Saving the workbook")
    write_atomically(out, lambda temporary: wb.save(temporary))
    return [out]
