"""The case list as a query: filtering, searching and sorting in SQL, rows read by id.

Plain Python over the store's SQLite connection (no Qt).  The case list asks
for the ordered ids of the cases its filters show (:func:`case_ids`, one
statement: 100,000 integers are under 4 MB), and reads the rows it needs for
the part of the list on screen (:func:`cases_by_id`, one statement per
window of rows).  So the list never loads every case, and a filter or a sort
is one query whatever the size of the store.

Sorting follows what the list shows (the status and outcome *labels*, the
date as ``YYYY-MM-DD`` with an unknown date first, the flags as their
comma-separated labels), case-insensitively (SQLite ``NOCASE``: ASCII letters
only), with the detention date (unknown first) and the reference breaking
ties.  Indexes on ``cases`` (detention date; status then date) give the usual
orders and the status filter without a sort.  The search matches the reference containing the text,
case-insensitively (``LIKE``, ASCII letters), with ``%``, ``_`` and ``\\``
taken literally.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cctv_review.domain import CASE_FLAGS, Case, CaseStatus
from cctv_review.store import _case_from_row

#: The case list's columns, in order (shared with ``ui/case_list.py``).
COLUMNS = ("Reference", "Suite", "Date", "Status", "Outcome", "Reviewer", "Flags")

#: Ties in the list: detention date (unknown first, as an empty date sorts), then reference.
TIE_ORDER = "detention_date, reference COLLATE NOCASE, id"


@dataclass(frozen=True)
class CaseFilter:
    """What the case list's filter bar asks for; every part given must hold.

    ``status``: a :class:`CaseStatus` value or None for any; ``suite`` and
    ``reviewer``: exact names or "" for any; ``flags``: case flags (keys of
    :data:`CASE_FLAGS`) that must all be set; ``search``: text the reference
    must contain (case-insensitive), "" for any.
    """

    status: str | None = None
    suite: str = ""
    reviewer: str = ""
    flags: frozenset[str] = field(default_factory=frozenset)
    search: str = ""

    @property
    def shows_everything(self) -> bool:
        return not (self.status or self.suite or self.reviewer or self.flags or self.search.strip())

    def matches(self, case: Case) -> bool:
        """The same test in Python, for one case already read (ASCII case folding, as SQLite's)."""
        if self.status and case.status.value != self.status:
            return False
        if self.suite and case.custody_suite != self.suite:
            return False
        if self.reviewer and case.reviewer != self.reviewer:
            return False
        if any(not getattr(case, flag) for flag in self.flags):
            return False
        search = self.search.strip()
        return not search or _ascii_lower(search) in _ascii_lower(case.reference)


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def filter_sql(case_filter: CaseFilter) -> tuple[str, list[Any]]:
    """``(condition, parameters)`` for the filter over table ``cases`` ("1" when it shows every case)."""
    where: list[str] = []
    params: list[Any] = []
    if case_filter.status:
        where.append("status = ?")
        params.append(CaseStatus(case_filter.status).value)
    if case_filter.suite:
        where.append("custody_suite = ?")
        params.append(case_filter.suite)
    if case_filter.reviewer:
        where.append("reviewer = ?")
        params.append(case_filter.reviewer)
    for flag in sorted(case_filter.flags):
        if flag not in CASE_FLAGS:
            raise ValueError(f"unknown case flag {flag!r}")
        where.append(f"[{flag}] != 0")  # a known column name, never user text
    search = case_filter.search.strip()
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("reference LIKE ? ESCAPE '\\'")
        params.append(f"%{escaped}%")
    return (" AND ".join(where) or "1"), params


def sort_sql(column: int) -> tuple[str, list[Any]]:
    """The ORDER BY key for a case-list column (an index into :data:`COLUMNS`), with its parameters.

    Status and outcome sort by their stored values, which sort as their labels
    do ("complete" < "in_progress" < "not_started" as "Complete" < "In
    progress" < "Not started"; no outcome, then "none", "significant", "some"
    as "", "No learning", "Significant learning", "Some learning"), so the
    indexes on ``cases`` can give the order without sorting.
    """
    if column == 0:
        return "reference COLLATE NOCASE", []
    if column == 1:
        return "custody_suite COLLATE NOCASE", []
    if column == 2:
        return "detention_date", []
    if column == 3:
        return "status", []
    if column == 4:
        return "outcome", []
    if column == 5:
        return "reviewer COLLATE NOCASE", []
    if column == 6:
        flags = " || ".join(
            f"(CASE WHEN [{flag}] != 0 THEN ? ELSE '' END)" for flag in CASE_FLAGS
        )  # known column names
        return f"({flags}) COLLATE NOCASE", [f"{label}, " for label in CASE_FLAGS.values()]
    raise ValueError(f"no case-list column {column}")


def case_ids(conn: Any, case_filter: CaseFilter, sort_column: int = 2, descending: bool = False) -> list[int]:
    """The ids of the cases ``case_filter`` shows, in the list's order (one statement).

    ``conn`` is the store's ``sqlite3.Connection``; ``sort_column`` indexes
    :data:`COLUMNS`.  Ties keep the store's order whichever the direction.
    """
    where, params = filter_sql(case_filter)
    key, key_params = sort_sql(sort_column)
    direction = "DESC" if descending else "ASC"
    # A tie term that repeats the sort key is left out: SQLite does not see through the repeat and
    # would sort every row again rather than read them in an index's order (twice the time at 100,000).
    ties = ", ".join(term for term in TIE_ORDER.split(", ") if term != key)
    if key == "reference COLLATE NOCASE":  # unique (idx_cases_reference): no ties, the index alone
        ties = "id"
    rows = conn.execute(
        f"SELECT id FROM cases WHERE {where} ORDER BY {key} {direction}, {ties}",
        [*params, *key_params],
    )
    return [row[0] for row in rows]


def cases_by_id(conn: Any, ids: Iterable[int]) -> dict[int, Case]:
    """The cases with these ids (one statement; ids not in the store are left out)."""
    wanted = [int(i) for i in ids]
    if not wanted:
        return {}
    cursor = conn.execute(
        "SELECT * FROM cases WHERE id IN (SELECT value FROM json_each(?))", [json.dumps(wanted)]
    )
    names = [d[0] for d in cursor.description]
    cases = (_case_from_row(dict(zip(names, row, strict=True))) for row in cursor)
    return {case.id: case for case in cases if case.id is not None}


def case_count(conn: Any) -> int:
    """How many cases the store holds."""
    return int(conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0])
