"""A completed case's summary figures, kept beside it so the summary reads one row per case.

A completed case is locked: its findings and answers cannot change until it
is reopened.  So what the summary needs from them is worked out once, when
the case is completed, and kept in ``case_figures`` (one row per completed
case, written in the completion's own transaction); the summary then adds
up about 60,000 small rows at 100,000 cases instead of reading a million
findings and four answers per case (issue 12: summary < 0.5 s).

A row holds, for the first review of the case (``findings.review_round`` 1;
a blind second reviewer's findings are not the case's figures):

* ``findings`` and ``good_practice_findings``: how many findings, and how
  many of them good practice;
* ``theme_ids`` (the themes, tab-separated) and ``themes``: per theme, in that
  order, four little-endian unsigned 32-bit integers: the findings in the
  theme, then 1/0 for "has a significant-learning finding", "a some-learning
  finding", "good practice" in it (the summary's by-theme rules);
* ``force_questions`` (the template's force questions the answers were read
  for: used, justified, proportionate, necessary, tab-separated, '' where the
  template has none) and those answers' values (``json_extract(value, '$')``
  of the answers row, as the summary compares them);
* ``completed_at``: the completion they were worked out for.

A row is only used while it belongs to the case's present completion
(``completed_at`` equal to the case's) and, for force, while the template
asks the same questions; otherwise the summary works that case out from its
findings and answers as before (see :mod:`cctv_review.summary`), so a case
completed by any other route (a direct insert, an older store, a merged
package) is still counted right, only more slowly.  A reopened case's row is
left in place and ignored (its ``completed_at`` no longer matches) and is
replaced when the case is completed again: reopening costs no statement.
The case's own fields (status, outcome, suite, date, flags) are never copied
here: the summary reads them from ``cases`` (so a moderated outcome or an
edited detention date is always current).

Plain Python over ``sqlite3`` (no Qt).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from cctv_review.domain import FindingLevel
from cctv_review.template import Template

#: The table (made by migration ``_v_case_figures``).
TABLE_SQL = """CREATE TABLE case_figures (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id),
    completed_at TEXT,
    findings INTEGER NOT NULL,
    good_practice_findings INTEGER NOT NULL,
    theme_ids TEXT NOT NULL,
    themes BLOB NOT NULL,
    force_questions TEXT NOT NULL,
    force_used TEXT,
    force_justified TEXT,
    force_proportionate TEXT,
    force_necessary TEXT
)"""

#: What the summary reads of every case (status, suite, date, outcome, flags; completed_at to match a
#: ``case_figures`` row), so its queries read this index rather than the case rows with their text.
INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS idx_cases_summary ON cases (status, custody_suite, detention_date, outcome, "
    "child, vulnerable_adult, mental_health, use_of_force, strip_search, completed_at)"
)

#: The template roles of the force questions, in the order of ``force_questions`` and the value columns.
FORCE_ROLES = ("force_used", "force_justified", "force_proportionate", "force_necessary")
FORCE_COLUMNS = ("force_used", "force_justified", "force_proportionate", "force_necessary")

#: Per theme: findings, has significant, has some, has good practice (uint32 little-endian each).
SLOT = struct.Struct("<4I")

_SIGNIFICANT = FindingLevel.SIGNIFICANT.value
_SOME = FindingLevel.SOME.value
_GOOD = FindingLevel.GOOD_PRACTICE.value

#: One case's first-review findings as JSON ``[[theme, level], ...]`` (one pair per finding; no
#: GROUP BY, so the completion's statement reads as what it is).  ``{case}``: the SQL of the case id.
FINDINGS_JSON_SQL = (
    "(SELECT json_group_array(json_array(theme, level)) FROM findings "
    "WHERE findings.case_id = {case} AND findings.review_round = 1)"
)


def force_questions(template: Template) -> str:
    """The template's force question ids (used, justified, proportionate, necessary), tab-separated;
    '' for a role the template does not have."""
    roles = template.roles
    return "\t".join(roles.get(role, "") for role in FORCE_ROLES)


def theme_ids(template: Template) -> list[str]:
    """The template's theme ids (each completed case's row gives them a slot)."""
    return [theme.id for theme in template.themes]


def _answer_value(raw: str | None) -> Any:
    """An answer as ``json_extract(value, '$')`` gives it: a JSON string as text, a number as a
    number, null as None, an array or object as its JSON text."""
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None  # json_extract would fail on it; the summary's comparisons treat it as no answer
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (str, int, float)) or value is None:
        return value
    return json.dumps(value, separators=(",", ":"))


def figures_row(
    case_id: int,
    completed_at: str | None,
    findings: Iterable[Sequence[Any]],
    answers: Mapping[str, str],
    questions: str,
    themes_shown: Iterable[str] = (),
) -> dict[str, Any]:
    """The ``case_figures`` row of one case.

    ``findings``: ``(theme, level)`` of each of the case's first-review
    findings (or ``(theme, level, count)`` for that many); ``answers``: question id -> the stored JSON text of its value;
    ``questions``: :func:`force_questions` of the template; ``themes_shown``:
    themes given a slot even with no finding (the template's: so the cases of
    one template share one theme list and are added up in one step).
    """
    themes: dict[str, list[int]] = {theme: [0, 0, 0, 0] for theme in themes_shown}
    total = good = 0
    for finding in findings:
        theme, level, n = finding[0], finding[1], (finding[2] if len(finding) > 2 else 1)
        slot = themes.setdefault(theme, [0, 0, 0, 0])
        slot[0] += n
        slot[1] |= level == _SIGNIFICANT
        slot[2] |= level == _SOME
        slot[3] |= level == _GOOD
        total += n
        good += n if level == _GOOD else 0
    order = sorted(themes)
    row: dict[str, Any] = {
        "case_id": case_id,
        "completed_at": completed_at,
        "findings": total,
        "good_practice_findings": good,
        "theme_ids": "\t".join(order),
        "themes": b"".join(SLOT.pack(*themes[t]) for t in order),
        "force_questions": questions,
    }
    for column, question in zip(FORCE_COLUMNS, questions.split("\t"), strict=True):
        row[column] = _answer_value(answers.get(question)) if question else None
    return row


_COLUMNS = (
    "case_id",
    "completed_at",
    "findings",
    "good_practice_findings",
    "theme_ids",
    "themes",
    "force_questions",
    *FORCE_COLUMNS,
)
INSERT_SQL = (
    f"INSERT OR REPLACE INTO case_figures ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _COLUMNS)})"
)


def save(conn: Any, row: Mapping[str, Any]) -> None:
    """Write one case's figures (one statement; the caller's transaction)."""
    conn.execute(INSERT_SQL, row)


def refresh(conn: Any, template: Template, case_ids: Iterable[int] | None = None) -> int:
    """Work out the figures of completed cases afresh (all of them, or those of ``case_ids``).

    For a store filled by other means than completing cases in the app (a
    migration, a bulk load, a merge).  Runs in the caller's transaction if one
    is open; two statements plus one INSERT per case.  Returns the number of
    cases written.
    """
    where, params = "c.status = 'complete'", []
    if case_ids is not None:
        where += " AND c.id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps([int(i) for i in case_ids]))
    questions = force_questions(template)
    wanted = [q for q in questions.split("\t") if q]
    answers: dict[int, dict[str, str]] = {}
    if wanted:
        for case_id, question, value in conn.execute(
            f"SELECT a.case_id, a.question_id, a.value FROM cases c JOIN answers a ON a.case_id = c.id "
            f"WHERE {where} AND a.question_id IN (SELECT value FROM json_each(?))",
            [*params, json.dumps(wanted)],
        ):
            answers.setdefault(case_id, {})[question] = value
    cursor = conn.execute(
        f"SELECT c.id, c.completed_at, {FINDINGS_JSON_SQL.format(case='c.id')} FROM cases c WHERE {where}",
        params,
    )
    shown = theme_ids(template)
    rows = (
        figures_row(
            case_id, completed_at, json.loads(found or "[]"), answers.get(case_id, {}), questions, shown
        )
        for case_id, completed_at, found in cursor.fetchall()
    )
    written = 0
    for chunk in _chunks(rows, 5000):
        conn.executemany(INSERT_SQL, chunk)
        written += len(chunk)
    return written


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def add_themes(totals: dict[str, np.ndarray], rows: Iterable[Sequence[Any]]) -> int:
    """Add the by-theme figures of ``(theme_ids, themes, ...)`` rows into ``totals``; returns the rows read.

    ``totals`` maps a theme id to an int64 array ``[cases, significant cases,
    some cases, good-practice cases, findings]``.  Rows are grouped by their
    theme list and each group summed at once (:func:`add_theme_group`).
    """
    groups: dict[str, list[bytes]] = {}
    count = 0
    for row in rows:
        groups.setdefault(row[0], []).append(row[1])
        count += 1
    for layout, blobs in groups.items():
        add_theme_group(totals, layout, blobs)
    return count


def add_theme_group(totals: dict[str, np.ndarray], layout: str, blobs: Sequence[bytes]) -> None:
    """Add the ``themes`` blobs of rows sharing the theme list ``layout`` into ``totals`` (NumPy over
    the joined blobs: the Python work is per theme list, not per case)."""
    if not layout or not blobs:
        return
    order = layout.split("\t")
    data = np.frombuffer(b"".join(blobs), dtype="<u4").reshape(len(blobs), len(order), 4)
    sums = data.sum(axis=0, dtype=np.int64)  # per theme: findings, significant, some, good practice
    cases = (data[:, :, 0] > 0).sum(axis=0)
    for i, theme in enumerate(order):
        total = totals.get(theme)
        if total is None:
            total = totals[theme] = np.zeros(5, dtype=np.int64)
        total += (cases[i], sums[i, 1], sums[i, 2], sums[i, 3], sums[i, 0])


def check(conn: Any) -> list[int]:
    """The completed cases whose present ``case_figures`` row is not what their findings and answers give.

    Each such row is worked out again from the case's findings and answers
    (for the force questions and theme list the row names, so no template is
    needed) and compared with the row as kept; rows of an earlier completion
    are ignored, as the summary ignores them.  For ``audit verify``: the data
    tables are covered by the audit trail, and this covers what the summary
    reads instead of them.  Three statements; returns the case ids, sorted.
    """
    kept = {
        row[0]: row
        for row in conn.execute(
            f"SELECT {', '.join('cf.' + c for c in _COLUMNS)} FROM case_figures cf "
            "JOIN cases c ON c.id = cf.case_id AND cf.completed_at IS c.completed_at "
            "WHERE c.status = 'complete'"
        )
    }
    if not kept:
        return []
    questions = {q for row in kept.values() for q in row[6].split("\t") if q}
    answers: dict[int, dict[str, str]] = {}
    for case_id, question, value in conn.execute(
        "SELECT case_id, question_id, value FROM answers WHERE question_id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(questions))],
    ):
        if case_id in kept:
            answers.setdefault(case_id, {})[question] = value
    wrong = []
    for case_id, found in conn.execute(
        f"SELECT c.id, {FINDINGS_JSON_SQL.format(case='c.id')} FROM cases c "
        "WHERE c.id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(kept))],
    ):
        row = kept[case_id]
        again = figures_row(
            case_id,
            row[1],
            json.loads(found or "[]"),
            answers.get(case_id, {}),
            row[6],
            row[4].split("\t") if row[4] else (),
        )
        if tuple(again[c] for c in _COLUMNS) != tuple(row):
            wrong.append(case_id)
    return sorted(wrong)
