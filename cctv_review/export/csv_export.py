"""CSV export: a folder with cases.csv, findings.csv, answers.csv and summary.csv.

Encoding: UTF-8 **with a byte-order mark**.  Excel on Windows opens a CSV by
double-click in the machine's ANSI code page unless the file starts with the
UTF-8 BOM (EF BB BF), so without it a note with "é" or "£" turns into "Ã©" or
"Â£".  With the BOM Excel, LibreOffice and Numbers all read it as UTF-8, and
Python reads it with ``encoding="utf-8-sig"`` (pandas: ``encoding="utf-8-sig"``
too).  Line ends are CRLF, as Excel itself writes CSV (and RFC 4180 says).

Headers are stable machine names (``reference``, ``detention_date`` ...) so
scripts keep working; the workbook uses human titles.  Dates and times are
ISO 8601 (``2026-03-31``, ``2026-03-31T15:05:00+01:00`` with the local
offset), clip positions ``H:MM:SS.mmm``, flags ``Yes``/``No``, percentages a
plain number (``12.5``).  A finding's recorded time (``recorded_at``) is the
recorder's wall-clock time in the store's zone with its abbreviation,
``2026-07-12 00:59:47 BST``, exactly as the application, the PDF and a
still's caption write it (:func:`cctv_review.recorded_time.format_recorded`).  Excel may re-display dates in its own style when it
opens a CSV; the XLSX workbook keeps real types.

Text cells that begin with ``=``, ``+``, ``-``, ``@``, tab or carriage return
get a leading single quote (:func:`~cctv_review.export.tabular.neutralise`), so
a note can never run as a formula; numbers are written as numbers.

summary.csv is in long form, one figure per row (``table, row, column,
value``), preceded by the headline sentences, so it can be filtered or pivoted.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from cctv_review.domain import format_ms
from cctv_review.export.atomic import AtomicFiles
from cctv_review.export.tabular import Column, ExportData, Table, local, neutralise

ENCODING = "utf-8-sig"  # writes the BOM Excel needs
LINE_TERMINATOR = "\r\n"
FILE_NAMES = ("cases.csv", "findings.csv", "answers.csv", "summary.csv")
#: Per-question figures, one row per question and answer (``export/figures.py``).
QUESTIONS_FILE = "questions.csv"


def format_cell(value: Any, column: Column) -> str:
    """One cell as CSV text (the only place CSV cell formatting happens)."""
    if value is None:
        return ""
    kind = column.kind
    if kind == "bool":
        return "Yes" if value else "No"
    if kind in ("int", "percent"):
        return str(value)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if kind in ("datetime", "datetime_ms") and isinstance(value, datetime):
        return local(value).isoformat(timespec="milliseconds" if kind == "datetime_ms" else "seconds")
    if kind == "duration" and isinstance(value, timedelta):
        return format_ms(int(value.total_seconds() * 1000))
    return neutralise(str(value))


def write_table(path: Path, table: Table) -> None:
    with open(path, "w", encoding=ENCODING, newline="") as handle:
        writer = csv.writer(handle, lineterminator=LINE_TERMINATOR)
        writer.writerow([c.key for c in table.columns])
        for row in table.rows:
            writer.writerow([format_cell(v, c) for v, c in zip(row, table.columns, strict=False)])


def summary_long_table(data: ExportData) -> Table:
    text = Column("value", "Value")
    table = Table(
        "summary",
        "Summary",
        [Column("table", "Table"), Column("row", "Row"), Column("column", "Column"), text],
    )
    for label, sentence in data.statements:
        table.rows.append(["Statement", label, "", sentence])
    for t in data.summary_tables:
        for row in t.rows:
            for column, value in zip(t.columns[1:], row[1:], strict=False):
                table.rows.append([t.title, row[0], column.title, format_cell(value, column)])
    return table


def write_csv_folder(data: ExportData, folder: Path, progress: Callable[[float, str], None]) -> list[Path]:
    tables = [data.tables["cases"], data.tables["findings"], data.tables["answers"], summary_long_table(data)]
    names = list(FILE_NAMES)
    if data.figures is not None:  # the supervisor's figures (export/figures.py): questions.csv
        from cctv_review.export.figures import question_table

        tables.append(question_table(data.figures))
        names.append(QUESTIONS_FILE)
    with AtomicFiles() as files:
        for i, (name, table) in enumerate(zip(names, tables, strict=False)):
            progress(0.3 + 0.6 * i / len(tables), f"Writing {name}")
            write_table(files.stage(folder / name), table)
        progress(0.95, "Saving")
    return [folder / name for name in names]
