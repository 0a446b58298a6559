"""Import a case list from a spreadsheet saved as CSV.

The file needs a column for the case reference (custody record number) and may
have custody suite, detention date, reviewer and the breakdown flags.  Column
names are matched loosely ("Custody record number", "custody_suite", "Date",
...).  Dates are read day-first, as UK spreadsheets write them, or as ISO
``YYYY-MM-DD``.  Every problem is reported with its line number, and nothing is
imported unless the whole file is good.
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
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
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
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
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
