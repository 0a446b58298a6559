"""XLSX export: sheets Summary, Cases, Findings and Answers, streamed.

* **Streaming**: the workbook's parts are written by
  :mod:`cctv_review.export.xlsx_package` (a small writer of the Office Open
  XML package, ECMA-376), and the cases are read a chunk at a time
  (:mod:`cctv_review.export.stream`), so memory stays bounded whatever the
  number of cases.  The Findings sheet, the largest, is streamed straight into
  the zip; Cases and Answers are deflated into spooled temporaries alongside
  it and copied in at the end; the Summary sheet is written last (its notes
  are only known then) although it comes first in the workbook.  Each row is
  one string join of its cells' XML, made by a function per column chosen once
  from the column's kind, and checked once per row (not per cell) for
  characters Excel cannot hold and text over its cell limit; only a row that
  has either takes the careful path below.  (openpyxl's write-only mode
  spent about 25 µs per cell, over 7 minutes of CPU for 100,000 cases.)
  Column widths come from each column's preferred width (every table column
  has one) rather than from measuring its contents.
* **Summary** starts with the headline statement in A1 (bold, larger), then the
  progress note, scope, time of export and (when redacted) the redaction note,
  then one block per summary table, then any notes on the workbook (below).
* **Cases, Findings, Answers** have a bold header row that is frozen (pane
  at A2) with an auto-filter over every row, and long text wrapped.
* **Types**: counts are numbers, percentages real percentages (0.125 shown as
  ``12.5%``), dates and times real Excel date-times (local time: Excel has no
  time zones, and the headers say "local time"), clip positions real
  durations (``[h]:mm:ss.000``), flags booleans.
* **Formulas**: no cell is ever a formula: text is written as an inline
  string, and formula-looking text also gets Excel's *quote prefix* style,
  the equivalent of typing a leading apostrophe, so it stays text even when
  the cell is edited.  The text itself is kept exactly as written.
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

from cctv_review.export import xlsx_package as pkg
from cctv_review.export.atomic import write_atomically
from cctv_review.export.errors import ExportError
from cctv_review.export.tabular import FORMULA_TRIGGERS, Column, ExportData, Table
from cctv_review.export.xlsx_package import STYLES, Package, Sheet, column_letter

SHEETS = ("Summary", "Cases", "Findings", "Answers")
NUMBER_FORMATS = pkg.NUMBER_FORMATS
MAX_WIDTH = 60
#: Above this many cases the streamed Findings sheet might pass 2 GiB of XML: it gets Zip64 extensions.
ZIP64_CASES = 10_000


#: Excel's limits (Microsoft, "Excel specifications and limits").
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
#: Characters an XLSX (XML 1.0) cannot hold.
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


_TRIGGERS = frozenset(FORMULA_TRIGGERS)
_SPACE = frozenset(" \t\n\r")
_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system (ECMA-376 §18.17.4.1)
_DAY = timedelta(days=1)

#: Encodes one non-empty cell: (value, cell reference such as "B7") -> the cell's XML ("" for nothing).
Encoder = Callable[[Any, str], str]


def _text_encoder(style: int) -> Encoder:
    """Text cells (any value shown as text); formula-looking text gets the quote-prefix style too."""
    plain = f' s="{style}"' if style else ""
    quoted = ' s="{}"'.format(STYLES["quoted_wrap"] if style == STYLES["wrap"] else STYLES["quoted"])
    triggers, space = _TRIGGERS, _SPACE

    def encode(value: Any, ref: str) -> str:
        text = value if value.__class__ is str else str(value)
        if not text:
            return ""
        s = quoted if text[0] in triggers else plain
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if text[0] in space or text[-1] in space:
            return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{text}</t></is></c>'

    return encode


def _number(value: Any) -> float | int | None:
    """An Excel number for a typed value, or None when it is not one (shown as text then)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone().replace(tzinfo=None)  # local time, as tabular.local
        return pkg.datetime_serial(value)
    if isinstance(value, date):
        return value.toordinal() - _EPOCH
    if isinstance(value, timedelta):
        return value / _DAY
    if isinstance(value, (int, float)):
        return value
    return None


def encoder(column: Column) -> Encoder:
    """The function writing this column's cells, chosen once from its kind (see ``tabular.Column``)."""
    kind = column.kind
    text = _text_encoder(STYLES["wrap"] if column.wrap else 0)
    if kind == "bool":

        def encode_bool(value: Any, ref: str) -> str:
            return f'<c r="{ref}" t="b"><v>{1 if value else 0}</v></c>'

        return encode_bool
    if kind == "percent":
        s = STYLES["percent"]

        def encode_percent(value: Any, ref: str) -> str:
            try:
                number = round(float(value) / 100.0, 6)
            except (TypeError, ValueError):
                return text(value, ref)
            return f'<c r="{ref}" s="{s}"><v>{number!r}</v></c>'

        return encode_percent
    if kind in ("int", "date", "datetime", "datetime_ms", "duration"):
        s = STYLES[kind]
        exact = {"int": int, "date": date, "datetime": datetime, "datetime_ms": datetime}.get(kind, timedelta)
        epoch = _EPOCH
        needs_datetime = kind in ("datetime", "datetime_ms")

        def encode_number(value: Any, ref: str) -> str:
            cls = value.__class__
            if cls is exact and cls is not datetime:  # the common case, inline
                if cls is int:
                    return f'<c r="{ref}" s="{s}"><v>{value}</v></c>'
                if cls is date:
                    return f'<c r="{ref}" s="{s}"><v>{value.toordinal() - epoch}</v></c>'
            if needs_datetime and not isinstance(value, datetime):
                return text(value, ref)  # as before: only a real date-time gets the date-time format
            number = _number(value)
            if number is None:
                return text(value, ref)
            return f'<c r="{ref}" s="{s}"><v>{number!r}</v></c>'

        return encode_number
    return text


def local_serial_function() -> Callable[[datetime], float]:
    """A function: aware date-time -> Excel serial number of its local time (naive: taken as local).

    The same as ``datetime_serial(value.astimezone().replace(tzinfo=None))``
    (:func:`cctv_review.export.tabular.local`), with the local UTC offset
    looked up once per 15 minutes of UTC time (every time zone changes its
    offset on a quarter hour) instead of once per value.
    """
    offsets: dict[int, float] = {}

    def serial(value: datetime) -> float:
        if value.tzinfo is None:
            return pkg.datetime_serial(value)
        stamp = value.timestamp()
        key = int(stamp // 900)
        offset = offsets.get(key)
        if offset is None:
            delta = value.astimezone().utcoffset()
            offset = offsets[key] = delta.total_seconds() if delta is not None else 0.0
        return (stamp + offset) / 86400 + 25569  # 1970-01-01 is day 25,569 of the 1900 date system

    return serial


def row_function(columns: list[Column]) -> Callable[[list[Any], int], str]:
    """A function: (row values, row number) -> the row's XML, made for these columns.

    A million rows of ten columns are ten million cells, so the common cases
    (text, whole numbers, dates, date-times, flags) are written inline in one
    function generated from the columns' kinds (the source holds only column
    letters and style numbers, never data); any other value goes through the
    column's :func:`encoder`, exactly as a single cell would.  The text is not
    checked here for what Excel cannot hold: :meth:`SheetWriter.append` checks
    the whole row once.
    """
    names: dict[str, Any] = {
        "TRIGGERS": _TRIGGERS,
        "SPACE": _SPACE,
        "datetime": datetime,
        "date": date,
        "EPOCH": _EPOCH,
        "SERIAL": local_serial_function(),
    }
    lines = ["def row(values, n):"]
    pieces = []
    for i, column in enumerate(columns):
        letter = column_letter(i + 1)
        names[f"E{i}"] = encoder(column)
        v, x = f"v{i}", f"x{i}"
        lines.append(f"    {v} = values[{i}]")
        lines.append(f"    if {v} is None:")
        lines.append(f"        {x} = ''")
        kind = column.kind
        if kind == "text":
            style = STYLES["wrap"] if column.wrap else 0
            quoted = STYLES["quoted_wrap"] if column.wrap else STYLES["quoted"]
            plain = f' s="{style}"' if style else ""
            lines += [
                f"    elif {v}.__class__ is str:",
                f"        if not {v}:",
                f"            {x} = ''",
                "        else:",
                f"            s = ' s=\"{quoted}\"' if {v}[0] in TRIGGERS else '{plain}'",
                f"            t = {v}.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')",
                "            if t[0] in SPACE or t[-1] in SPACE:",
                f'                {x} = f\'<c r="{letter}{{n}}"{{s}} t="inlineStr"><is>'
                f'<t xml:space="preserve">{{t}}</t></is></c>\'',
                "            else:",
                f'                {x} = f\'<c r="{letter}{{n}}"{{s}} t="inlineStr"><is><t>{{t}}</t></is></c>\'',
            ]
        elif kind == "bool":
            lines += [
                "    else:",
                f'        {x} = f\'<c r="{letter}{{n}}" t="b"><v>{{1 if {v} else 0}}</v></c>\'',
            ]
        elif kind == "int":
            lines += [
                f"    elif {v}.__class__ is int:",
                f'        {x} = f\'<c r="{letter}{{n}}" s="{STYLES["int"]}"><v>{{{v}}}</v></c>\'',
            ]
        elif kind == "date":
            lines += [
                f"    elif {v}.__class__ is date:",
                f'        {x} = f\'<c r="{letter}{{n}}" s="{STYLES["date"]}"><v>{{{v}.toordinal() - EPOCH}}</v></c>\'',
            ]
        elif kind in ("datetime", "datetime_ms"):
            lines += [
                f"    elif {v}.__class__ is datetime:",
                f'        {x} = f\'<c r="{letter}{{n}}" s="{STYLES[kind]}"><v>{{SERIAL({v})!r}}</v></c>\'',
            ]
        if kind != "bool":
            lines += ["    else:", f"        {x} = E{i}({v}, f'{letter}{{n}}')"]
        pieces.append(f"{{{x}}}")
    lines.append(f"    return f'<row r=\"{{n}}\">{''.join(pieces)}</row>'")
    source = "\n".join(lines)  # generated from the column kinds only, never from data
    exec(compile(source, f"<xlsx row: {', '.join(c.key for c in columns)}>", "exec"), names)
    row: Callable[[list[Any], int], str] = names["row"]
    return row


class SheetWriter:
    """Appends typed rows to a sheet, fitting text to Excel and counting rows.

    ``label_column`` is the column naming the case (repeated on continuation
    rows and quoted in notes), or None.
    """

    def __init__(
        self, sheet: Sheet, columns: list[Column], notes: Notes, label_column: int | None = 0
    ) -> None:
        self.sheet = sheet
        self.columns = columns
        self.notes = notes
        self.label_column = label_column
        self.letters = [column_letter(i) for i in range(1, len(columns) + 2)]
        self.encoders = [encoder(c) for c in columns]
        self._row = row_function(columns)

    @property
    def row(self) -> int:
        """Rows written so far (the header included)."""
        return self.sheet.rows

    def header(self, titles: list[str]) -> None:
        style = STYLES["header"]
        self._write(
            [
                pkg.text_cell(f"{letter}1", fit_text(t, "", Notes()), style)
                for t, letter in zip(titles, self.letters, strict=False)
            ]
        )

    def _write(self, cells: list[str]) -> None:
        if self.sheet.rows >= MAX_ROWS:
            raise ExportError(
                f"The {self.sheet.title} sheet would need more than {MAX_ROWS:,} rows, the most Excel allows. "
                "Export a shorter date range, or use CSV. Nothing was written."
            )
        self.sheet.write_row(cells)

    def append(self, values: list[Any]) -> None:
        """One row; text over Excel's limit goes on in the rows below (same column), as noted."""
        xml = self._row(values, self.sheet.rows + 1)
        # isprintable() is False for every character UNHOLDABLE matches (and for tab and line feed),
        # and several times faster than the search, which only rows with such a character need.
        if len(xml) > MAX_CELL_CHARS or (not xml.isprintable() and UNHOLDABLE.search(xml) is not None):
            self._append_carefully(values)
        elif self.sheet.rows >= MAX_ROWS:
            self._write([])  # refused with the message
        else:
            self.sheet.write_row_xml(xml)

    def _row_cells(self, values: list[Any], row: int, where_values: list[Any]) -> list[str]:
        """A row's cells with the characters Excel cannot hold replaced (and noted)."""
        cells = []
        for i, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str) and UNHOLDABLE.search(value):
                value = fit_text(value, self._where(where_values, i, row), self.notes)
            cells.append(self.encoders[i](value, f"{self.letters[i]}{row}"))
        return cells

    def _append_carefully(self, values: list[Any]) -> None:
        row = self.sheet.rows + 1
        long = {
            i: value
            for i, value in enumerate(values)
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS and self.columns[i].kind == "text"
        }
        if not long:
            self._write(self._row_cells(values, row, values))
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
        self._write(self._row_cells(first, row, values))
        for k in range(1, max(len(parts) for parts in pieces.values())):
            more: list[Any] = [None] * len(self.columns)
            if self.label_column is not None:  # the case, so a filter keeps the rows together
                more[self.label_column] = values[self.label_column]
            for i, parts in pieces.items():
                if k < len(parts):
                    more[i] = parts[k]
            self._write(self._row_cells(more, self.sheet.rows + 1, more))

    def _where(self, values: list[Any], i: int, row: int) -> str:
        where = f"{self.sheet.title} sheet, cell {self.letters[i]}{row}"
        if self.label_column is not None and self.label_column != i and values[self.label_column]:
            label = UNHOLDABLE.sub(REPLACEMENT, str(values[self.label_column]))
            where += f" (case {label}, {self.columns[i].title})"
        return where


def table_widths(columns: list[Column]) -> dict[int, float]:
    """Column widths in characters: each column's preferred width (or its title's), 8 to 60."""
    return {
        col: min(MAX_WIDTH, max(8, (column.width or len(column.title)) + 2))
        for col, column in enumerate(columns, start=1)
    }


def open_table_sheet(
    book: Package, table: Table, notes: Notes, direct: bool = False, zip64: bool = False
) -> SheetWriter:
    """A table's sheet with its widths, frozen header row and header written, ready for rows."""
    sheet = book.open_sheet(
        table.title, widths=table_widths(table.columns), freeze_first_row=True, direct=direct, zip64=zip64
    )
    writer = SheetWriter(sheet, table.columns, notes)
    writer.header([c.title for c in table.columns])
    return writer


def finish_table_sheet(writer: SheetWriter) -> None:
    """The auto-filter over the header and every row written; closes the sheet."""
    writer.sheet.autofilter = f"A1:{column_letter(len(writer.columns))}{max(1, writer.row)}"
    writer.sheet.close()


def write_table_sheet(book: Package, table: Table, notes: Notes | None = None) -> None:
    """A whole table (rows in memory) on its sheet: header, rows, widths, frozen header, filter."""
    writer = open_table_sheet(book, table, notes if notes is not None else Notes())
    for row in table.rows:
        writer.append(row)
    finish_table_sheet(writer)


def write_summary_sheet(book: Package, data: ExportData, notes: Notes | None = None) -> None:
    """The Summary sheet: statements, summary tables, then the notes on the workbook (if any)."""
    notes_here = Notes()  # the summary's own text comes from the store's figures: nothing to report
    widths: dict[int, float] = {1: 30}
    rows: list[list[tuple[int, Any, int | Encoder]]] = []

    def line(text: str, style: int = 0) -> None:
        if not style and text[:1] in _TRIGGERS:
            style = STYLES["quoted"]  # text, never a formula
        rows.append([(1, fit_text(text, "", notes_here), style)])

    line(data.statements[0][1], STYLES["title"])
    for label, sentence in data.statements[1:]:
        line(sentence if label in ("Progress",) else f"{label}: {sentence}")
    for table in data.summary_tables:
        rows.append([])
        line(table.title, STYLES["heading"])
        rows.append(
            [(col, column.title, STYLES["header"]) for col, column in enumerate(table.columns, start=1)]
        )
        for col, column in enumerate(table.columns, start=1):
            if col > 1:
                widths[col] = max(widths.get(col, 0), min(16, len(column.title) + 2))
        encoders = [encoder(c) for c in table.columns]
        for values in table.rows:
            rows.append(
                [
                    (col, fit_text(v, "", notes_here) if isinstance(v, str) else v, encoders[col - 1])
                    for col, v in enumerate(values, start=1)
                    if v is not None
                ]
            )
            widths[1] = max(widths[1], len(str(values[0])) + 2)
        rows.append([])
    if notes:
        rows.append([])
        line("Notes on this workbook", STYLES["heading"])
        for text in notes.lines[:MAX_LISTED_NOTES]:
            line(text)
        if len(notes.lines) > MAX_LISTED_NOTES:
            line(f"… and {len(notes.lines) - MAX_LISTED_NOTES:,} more of the same kind.")
    sheet = book.open_sheet(
        SHEETS[0],
        widths={col: min(MAX_WIDTH, width) for col, width in widths.items()},
        freeze_first_row=True,  # the headline stays in view
    )
    for cells in rows:
        if not cells:
            sheet.skip_row()
            continue
        number = sheet.rows + 1
        xml = []
        for col, value, how in cells:
            ref = f"{column_letter(col)}{number}"
            if callable(how):
                xml.append(how(value, ref))
            else:
                xml.append(pkg.text_cell(ref, str(value), how))
        sheet.write_row(xml)
    sheet.close()


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
    Raises :class:`ExportError` when a sheet would exceed Excel's row limit,
    ``OSError`` from the disk (worded by :func:`write_atomically`).
    """
    from cctv_review.export.stream import chunk_rows

    notes = Notes()
    names = ("cases", "findings", "answers")

    extra: list[Table] = []
    if data.figures is not None:  # the supervisor's figures (export/figures.py): the Questions sheet
        from cctv_review.export.figures import question_table

        extra.append(question_table(data.figures))

    def write(temporary: Path) -> None:
        titles = [SHEETS[0]] + [data.tables[name].title for name in names] + [t.title for t in extra]
        with Package(temporary, titles, title="CCTV review export", creator="cctv-review") as book:
            total = max(1, len(data.cases))
            writers = {
                name: open_table_sheet(
                    book,
                    data.tables[name],
                    notes,
                    direct=name == "findings",  # the largest goes straight into the zip
                    zip64=name == "findings" and total > ZIP64_CASES,
                )
                for name in names
            }
            done = 0
            for rows in chunk_rows(data, prefetch=True):  # read in a thread while this writes
                for name, writer in writers.items():
                    append = writer.append
                    for row in rows[name]:
                        append(row)
                done += len(rows["cases"])
                progress(0.05 + 0.8 * done / total, f"Writing case {done:,} of {total:,}")
            for writer in writers.values():
                finish_table_sheet(writer)
            for table in extra:
                write_table_sheet(book, table, notes)
            progress(0.86, "Writing the summary")
            write_summary_sheet(book, data, notes)
            progress(0.9, "Saving the workbook")

    write_atomically(out, write)
    if notices is not None:
        notices.extend(notes.lines)
    return [out]
