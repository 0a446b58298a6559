"""Import a case list from a spreadsheet saved as CSV.

The file needs a column for the case reference (custody record number) and may
have custody suite, detention date, reviewer and the breakdown flags.  Column
names are matched loosely ("Custody record number", "custody_suite", "Date",
...).  Dates are read day-first, as UK spreadsheets write them, or as ISO
``YYYY-MM-DD``.  Every problem is reported with its line number, and nothing is
imported unless the whole file is good.

Parsing is strict, because a case list is evidence of what was reviewed: a
quote that is never closed (which would swallow the following rows into one
value), a value running over several lines, NUL bytes anywhere in the file,
and control or invisible characters (escape sequences, zero-width spaces,
bidirectional overrides: see :mod:`cctv_review.textcheck`) in the values used
are each an error naming the line.  Text is normalised to Unicode NFC.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from cctv_review.domain import CASE_FLAGS, Case
from cctv_review.errors import UserFacingError
from cctv_review.textcheck import nfc, unsafe_summary, visible

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "reference": (
        "reference",
        "ref",
        "case_reference",
        "case_ref",
        "custody_record",
        "custody_record_number",
        "custody_record_no",
        "custody_number",
        "crn",
        "case",
    ),
    "custody_suite": ("custody_suite", "suite", "custody_centre", "custody_center", "location"),
    "detention_date": ("detention_date", "date", "date_of_detention", "arrival_date", "date_detained"),
    "reviewer": ("reviewer", "assigned_reviewer", "assigned_to", "review_by"),
    "child": ("child", "is_child", "juvenile", "under_18"),
    "vulnerable_adult": ("vulnerable_adult", "vulnerable", "va"),
    "mental_health": ("mental_health", "mh"),
    "use_of_force": ("use_of_force", "force", "uof", "force_used"),
    "strip_search": ("strip_search", "strip_searched", "ss"),
}
TRUE_WORDS = {"yes", "y", "true", "t", "1", "x", "✓", "✔"}
FALSE_WORDS = {"no", "n", "false", "f", "0", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")


class CaseImportError(UserFacingError, ValueError):
    """The file could not be imported; ``problems`` lists each one (with its line)."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        shown = problems[:50]
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"Nothing was imported from {source}: fix these problems and import it again.\n"
            + "\n".join(f"  {p}" for p in shown)
            + more
        )


@dataclass(frozen=True)
class ParsedCases:
    cases: list[Case]
    warnings: list[str]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" (not "CSV UTF-8") in the Windows-1252 code page.
        return raw.decode("cp1252", errors="strict")


def parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{2}", text):
        raise ValueError(f"'{text}' has a two-digit year; write the year in full (e.g. 05/03/2026)")
    raise ValueError(f"'{text}' is not a date (use 2026-03-05 or 05/03/2026)")


def parse_flag(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"'{text}' is not yes or no")


def _nul_lines(raw: bytes) -> list[int]:
    """The line numbers (1-based) holding a NUL byte."""
    lines: list[int] = []
    line, start = 1, 0
    for index in (i for i, b in enumerate(raw) if b == 0):
        line += raw.count(b"\n", start, index)
        start = index
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def unclosed_quote_line(text: str, delimiter: str, quotechar: str) -> int | None:
    """The line where a quoted value opens and is never closed, or None (RFC 4180 quoting).

    A quote opens a quoted value only at the start of a value; inside one, a
    doubled quote is a literal quote.
    """
    line, in_quotes, at_start, opened = 1, False, True, 0
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if in_quotes:
            if char == quotechar:
                if i + 1 < n and text[i + 1] == quotechar:
                    i += 2
                    continue
                in_quotes, at_start = False, False
            elif char == "\n":
                line += 1
        else:
            if char == quotechar and at_start:
                in_quotes, opened = True, line
            at_start = char in (delimiter, "\n", "\r")
            if char == "\n":
                line += 1
        i += 1
    return opened if in_quotes else None


def parse_cases_csv(path: str | Path, existing_references: set[str] | None = None) -> ParsedCases:
    """Read and check a case list; raises CaseImportError listing every problem."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CaseImportError(source, [f"The file {source} was not found."]) from None
    except OSError as exc:
        raise CaseImportError(source, [f"The file could not be read: {exc.strerror}."]) from None
    if b"\x00" in raw[:4096]:
        raise CaseImportError(
            source, ["This is not a CSV text file. In Excel, use File > Save As > CSV UTF-8."]
        )
    if b"\x00" in raw:
        raise CaseImportError(
            source,
            [
                f"line {n}: holds a NUL character (byte 0), which a CSV text file never has. Remove it, "
                "or save the file again from Excel with File > Save As > CSV UTF-8."
                for n in _nul_lines(raw)
            ],
        )
    try:
        text = _decode(raw)
    except UnicodeDecodeError:
        raise CaseImportError(
            source, ["The file's text encoding is not recognised. Save it as CSV UTF-8."]
        ) from None
    if not text.strip():
        raise CaseImportError(source, ["The file is empty."])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    opened = unclosed_quote_line(text, dialect.delimiter, dialect.quotechar or '"')
    if opened is not None:
        raise CaseImportError(
            source,
            [
                f"line {opened}: a quote ({dialect.quotechar}) opens a value that is never closed, so every "
                "line after it would be read as part of that one value. Close the quote or remove it."
            ],
        )
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise CaseImportError(source, [f"line 1: {exc}"]) from None

    columns: dict[str, int] = {}
    warnings: list[str] = []
    problems: list[str] = []
    for index, name in enumerate(header):
        key = _norm(name)
        field = next((f for f, aliases in COLUMN_ALIASES.items() if key in aliases), None)
        if field is None:
            if key:
                warnings.append(f"Column '{name.strip()}' is not used.")
        elif field in columns:
            problems.append(f"line 1: two columns mean '{field}' ('{header[columns[field]]}' and '{name}').")
        else:
            columns[field] = index
    if "reference" not in columns:
        problems.append(
            "line 1: there is no case reference column. Name one 'Reference' or 'Custody record number'."
        )
        raise CaseImportError(source, problems)

    cases: list[Case] = []
    seen: dict[str, int] = {}
    existing = {r.lower() for r in (existing_references or set())}
    for name in header:
        if unsafe_summary(name):
            problems.append(f"line 1: the column name '{visible(name)}' holds {unsafe_summary(name)}.")
    try:
        end_line = reader.line_num
        for row in reader:
            line, end_line = end_line + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if line != end_line:
                problems.append(
                    f"line {line}: a value runs over lines {line}-{end_line}; a case list has one case per "
                    "line. Check for a stray quote or a line break inside a cell."
                )
                continue
            row = [nfc(cell) for cell in row]
            bad_cells = [
                f"the {field.replace('_', ' ')} '{visible(row[i].strip())}' holds {unsafe_summary(row[i])}"
                for field, i in columns.items()
                if i < len(row) and unsafe_summary(row[i])
            ]
            if bad_cells:
                problems.extend(
                    f"line {line}: {bad}. Such characters cannot be seen on screen; type the value again "
                    "without them."
                    for bad in bad_cells
                )
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                problems.append(
                    f"line {line}: has {len(row)} values but the header has {len(header)} columns."
                )
                continue

            def cell(field: str, row: list[str] = row) -> str:
                i = columns.get(field)
                return row[i].strip() if i is not None and i < len(row) else ""

            reference = cell("reference")
            if not reference:
                problems.append(f"line {line}: the case reference is empty.")
                continue
            if reference.lower() in seen:
                problems.append(
                    f"line {line}: reference {reference} is also on line {seen[reference.lower()]}."
                )
                continue
            seen[reference.lower()] = line
            if reference.lower() in existing:
                problems.append(f"line {line}: a case with reference {reference} is already in the store.")
                continue
            case = Case(reference=reference, custody_suite=cell("custody_suite"), reviewer=cell("reviewer"))
            try:
                case.detention_date = parse_date(cell("detention_date"))
            except ValueError as exc:
                problems.append(f"line {line}: detention date {exc}.")
            for flag in CASE_FLAGS:
                try:
                    setattr(case, flag, parse_flag(cell(flag)))
                except ValueError as exc:
                    problems.append(f"line {line}: {flag.replace('_', ' ')} {exc}.")
            cases.append(case)
    except csv.Error as exc:
        problems.append(f"line {reader.line_num}: the CSV is malformed ({exc}).")
    if problems:
        raise CaseImportError(source, problems)
    if not cases:
        raise CaseImportError(source, ["The file has a header but no cases."])
    return ParsedCases(cases, warnings)


def import_cases_csv(store, path: str | Path) -> ParsedCases:
    """Check the whole file, then add every case in one transaction (all or nothing)."""
    existing = {c.reference for c in store.list_cases()}
    parsed = parse_cases_csv(path, existing)
    store.import_cases(parsed.cases, source=Path(path).name)
    return parsed
