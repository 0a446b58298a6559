"""The significant-learning summary, in the inspectorates' words.

Only completed cases count towards the figures; the summary says how many are
still in progress.  Plain Python: the GUI, the command line and the exports
all render the same :class:`Summary`.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

from cctv_review import case_figures
from cctv_review.domain import (
    CASE_FLAGS,
    CaseStatus,
    FindingLevel,
    LearningLevel,
    format_percent,
    percent,
)
from cctv_review.template import Template


@dataclass(frozen=True)
class Breakdown:
    """Completed cases in one group (a custody suite, a month, a flag) by outcome."""

    key: str
    label: str
    cases: int
    significant: int
    some: int
    none: int

    @property
    def significant_percent(self) -> float:
        return percent(self.significant, self.cases)


@dataclass(frozen=True)
class ThemeRow:
    """How often a finding theme came up in completed cases."""

    theme: str
    label: str
    cases: int  # completed cases with any finding in the theme
    significant_cases: int  # ... with a significant-learning finding in it
    some_cases: int  # ... with a some-learning finding in it
    good_practice_cases: int  # ... with good practice recorded in it
    findings: int  # findings in the theme, all levels


@dataclass(frozen=True)
class ForceSummary:
    """Completed cases where force was used, and whether it was judged justified,
    proportionate and necessary (all three answered 'yes')."""

    cases: int
    justified_proportionate_necessary: int
    not_jpn: int  # at least one of the three answered 'no'
    undetermined: int  # not seen or not answered

    @property
    def jpn_percent(self) -> float:
        return percent(self.justified_proportionate_necessary, self.cases)


@dataclass(frozen=True)
class Summary:
    total_cases: int
    completed: int
    in_progress: int
    not_started: int
    by_level: dict[str, int]
    by_theme: list[ThemeRow]
    by_suite: list[Breakdown]
    by_month: list[Breakdown]
    by_flag: list[Breakdown]
    use_of_force: ForceSummary
    findings: int
    good_practice_findings: int
    template: str = ""
    scope: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: Completed cases counted by a lead's moderated outcome (their two reviews disagreed; issue 14).
    moderated: int = 0

    @property
    def significant(self) -> int:
        return self.by_level[LearningLevel.SIGNIFICANT.value]

    def level_percent(self, level: LearningLevel | str) -> float:
        return percent(self.by_level[LearningLevel(level).value], self.completed)

    def theme_percent(self, row: ThemeRow) -> float:
        return percent(row.significant_cases, self.completed)

    @property
    def headline(self) -> str:
        if self.total_cases == 0:
            if self.scope != "all cases":
                return f"No cases match this selection ({self.scope})."
            return "There are no cases in the store yet."
        if self.completed == 0:
            return "No cases have been completed yet, so there are no findings to report."
        noun = "case" if self.completed == 1 else "cases"
        return (
            f"Of {self.completed} {noun} reviewed on CCTV, {self.significant} had significant learning "
            f"({format_percent(self.level_percent(LearningLevel.SIGNIFICANT))})."
        ) + (
            f" {self.moderated} of these outcomes {'was' if self.moderated == 1 else 'were'} settled by "
            "moderation (the two reviews disagreed)."
            if self.moderated
            else ""
        )

    @property
    def progress_note(self) -> str:
        waiting = self.in_progress + self.not_started
        if not waiting:
            return "All cases are complete."
        parts = []
        if self.in_progress:
            parts.append(f"{self.in_progress} {'is' if self.in_progress == 1 else 'are'} still in progress")
        if self.not_started:
            parts.append(f"{self.not_started} {'has' if self.not_started == 1 else 'have'} not been started")
        return f"Not counted: {' and '.join(parts)}."

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["headline"] = self.headline
        data["progress_note"] = self.progress_note
        data["by_level"] = {
            level.value: {
                "label": level.label,
                "cases": self.by_level[level.value],
                "percent": self.level_percent(level),
            }
            for level in LearningLevel
        }
        for row in data["by_theme"]:
            row["significant_percent"] = percent(row["significant_cases"], self.completed)
        for group in ("by_suite", "by_month", "by_flag"):
            for row in data[group]:
                row["significant_percent"] = percent(row["significant"], row["cases"])
        data["use_of_force"]["jpn_percent"] = self.use_of_force.jpn_percent
        return data


def month_label(key: str) -> str:
    if key == "unknown":
        return "Date not known"
    return date.fromisoformat(key + "-01").strftime("%B %Y")


def selection_sql(
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
    alias: str = "c",
) -> tuple[str, list[Any]]:
    """The SQL condition (on table alias ``alias`` of ``cases``) selecting a summary's cases.

    The same selection as :meth:`cctv_review.store.Store.list_cases`: detention
    date from/to (both ends included; a case with no date is outside any
    range) and/or a list of case ids.  The ids go in as one JSON array bound
    to one parameter (read with SQLite's ``json_each``), so a selection of
    100,000 cases never meets SQLite's limit on bound parameters.
    Returns ``(condition, parameters)``; the condition is ``1`` when nothing
    is selected out.
    """
    where: list[str] = []
    params: list[Any] = []
    if case_ids is not None:
        where.append(f"{alias}.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps([int(i) for i in case_ids]))
    if date_from:
        where.append(f"{alias}.detention_date >= ?")
        params.append(date_from.isoformat())
    if date_to:
        where.append(f"{alias}.detention_date <= ?")
        params.append(date_to.isoformat())
    return (" AND ".join(where) or "1"), params


_COMPLETE = CaseStatus.COMPLETE.value
_LEVELS = [level.value for level in LearningLevel]


def summarise(
    store: Any,
    template: Template,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
) -> Summary:
    """Build the summary over the store's cases (optionally a date range or a selection).

    ``store`` is a :class:`cctv_review.store.Store` (only its SQLite connection,
    ``store.db.conn``, is used).  The figures come from two queries, each one
    pass in SQLite, whatever the number of cases: the cases grouped by status,
    custody suite, month and outcome (with the flag counts summed in each
    group), and the completed cases' kept figures (``case_figures``: per theme
    and for use of force, one row per case written when it was completed; see
    :func:`_kept_figures`).  Completed cases without a present row are worked
    out from their findings and answers (two more queries, only then).  Python
    folds the groups into the :class:`Summary` (and NumPy adds up the theme
    counts).  The rules are the summary's own: only completed cases count, with
    their first review's findings (``review_round`` 1); a theme counts a case
    once whatever its number of findings; force counts as used when the
    reviewer answered so, or (not answered yes/no) when the case is flagged.
    """
    case_ids = list(case_ids) if case_ids is not None else None
    conn = store.db.conn
    where, params = selection_sql(date_from, date_to, case_ids)

    flag_sums = ", ".join(f"SUM(c.[{flag}] != 0)" for flag in CASE_FLAGS)
    keys = """c.status, COALESCE(c.custody_suite, ''),
              CASE WHEN COALESCE(c.detention_date, '') = '' THEN 'unknown'
                   ELSE substr(c.detention_date, 1, 7) END"""
    # Cases grouped by their own outcome, then the few moderated ones moved from their own outcome to
    # the lead's (issue 14): one statement, and no join of every case with the moderations table
    # (at 100,000 cases the join cost three times the grouping itself).  Counts add up in Python.
    negated = ", ".join(f"-SUM(c.[{flag}] != 0)" for flag in CASE_FLAGS)
    groups = conn.execute(
        f"""SELECT {keys}, c.outcome, COUNT(*), 0, {flag_sums}
            FROM cases c WHERE {where} GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT {keys}, c.outcome, -COUNT(*), 0, {negated}
            FROM moderations m JOIN cases c ON c.id = m.case_id WHERE {where} GROUP BY 1, 2, 3, 4
            UNION ALL
            SELECT {keys}, m.final_outcome, COUNT(*), COUNT(*), {flag_sums}
            FROM moderations m JOIN cases c ON c.id = m.case_id WHERE {where} GROUP BY 1, 2, 3, 4""",
        [*params, *params, *params],
    ).fetchall()

    status_counts: Counter[str] = Counter()
    by_level = dict.fromkeys(_LEVELS, 0)
    suites: dict[str, Counter[str]] = defaultdict(Counter)
    months: dict[str, Counter[str]] = defaultdict(Counter)
    flags: dict[str, Counter[str]] = {flag: Counter() for flag in CASE_FLAGS}
    moderated = 0  # completed cases counted by a lead's moderated outcome
    for status, suite, month, outcome, count, moderated_count, *flag_counts in groups:
        status_counts[status] += count
        if status != _COMPLETE:
            continue
        moderated += moderated_count
        if outcome in by_level:  # a completed case always has one; a damaged row is not counted
            by_level[outcome] += count
        for counter in (suites[suite], months[month]):
            counter[""] += count
            counter[outcome] += count
        for flag, n in zip(CASE_FLAGS, flag_counts, strict=True):
            if n:
                flags[flag][""] += n
                flags[flag][outcome] += n
    completed = status_counts[_COMPLETE]

    by_suite = [
        _breakdown(s, s or "Suite not recorded", suites[s])
        for s in sorted(suites, key=lambda s: (s == "", s))
    ]
    by_month = [
        _breakdown(m, month_label(m), months[m]) for m in sorted(months, key=lambda m: (m == "unknown", m))
    ]
    by_flag = [_breakdown(flag, label, flags[flag]) for flag, label in CASE_FLAGS.items()]
    kept = _kept_figures(conn, template, where, params) if completed else None
    by_theme, findings, good_practice = _themes(conn, template, where, params, completed, kept)

    return Summary(
        total_cases=sum(status_counts.values()),
        completed=completed,
        in_progress=status_counts[CaseStatus.IN_PROGRESS.value],
        not_started=status_counts[CaseStatus.NOT_STARTED.value],
        by_level=by_level,
        by_theme=by_theme,
        by_suite=by_suite,
        by_month=by_month,
        by_flag=by_flag,
        use_of_force=_force_summary(conn, template, where, params, completed, kept)
        if completed
        else ForceSummary(0, 0, 0, 0),
        findings=findings,
        good_practice_findings=good_practice,
        template=f"{template.id}@{template.version}",
        scope=_scope(date_from, date_to, case_ids),
        moderated=moderated,
    )


def _breakdown(key: str, label: str, counts: Counter[str]) -> Breakdown:
    """One breakdown row from counts by outcome (``""`` holds the number of cases)."""
    return Breakdown(
        key,
        label,
        counts[""],
        counts[LearningLevel.SIGNIFICANT.value],
        counts[LearningLevel.SOME.value],
        counts[LearningLevel.NONE.value],
    )


#: A completed case's ``case_figures`` row is its present one (see :mod:`cctv_review.case_figures`).
_FIGURES_CURRENT = "cf.case_id = c.id AND cf.completed_at IS c.completed_at"


@dataclass
class _Kept:
    """What the completed cases' ``case_figures`` rows add up to (one pass: :func:`_kept_figures`)."""

    rows: int = 0  # completed cases read from their rows
    themes: dict[str, np.ndarray] = field(default_factory=dict)  # see case_figures.add_themes
    findings: int = 0
    good_practice: int = 0
    force_rows: int = 0  # ... of them with answers read for this template's force questions
    force_used: int = 0
    force_jpn: int = 0
    force_not_jpn: int = 0


def _force_rules(template: Template, value: dict[str, str]) -> tuple[str, str, str]:
    """The use-of-force rules as SQL ``(used, jpn, not_jpn)`` over answer expressions ``value[role]``.

    Force counts as used when the ``force_used`` answer is "yes" (not when
    "no"); with no yes/no answer, the case's use-of-force flag decides.  Judged
    justified, proportionate and necessary when every judgement question the
    template has is answered "yes"; not, when any is "no"; otherwise
    undetermined.
    """
    roles = template.roles
    used = (
        f"CASE WHEN {value['force_used']} IN ('yes', 'no') THEN {value['force_used']} = 'yes' "
        "ELSE c.use_of_force != 0 END"
        if "force_used" in roles
        else "c.use_of_force != 0"
    )
    judgements = [
        value[r] for r in ("force_justified", "force_proportionate", "force_necessary") if r in roles
    ]
    jpn = " AND ".join(f"COALESCE({j}, '') = 'yes'" for j in judgements) or "0"
    not_jpn = " OR ".join(f"COALESCE({j}, '') = 'no'" for j in judgements) or "0"
    return used, jpn, not_jpn


def _kept_figures(conn: Any, template: Template, where: str, params: list[Any]) -> _Kept:
    """The selection's completed cases added up from their present ``case_figures`` rows (one query).

    ``CROSS JOIN`` reads that small table first and each case by its id
    (about 60,000 rows at 100,000 cases instead of 750,000 findings and four
    answers a case).  A row's theme list is returned only when it is not the
    template's (the usual one), so 60,000 copies of it are not made in Python.
    The use-of-force rules are applied in SQL to the answers kept in the row
    when they were read for this template's questions.
    """
    used, jpn, not_jpn = _force_rules(template, {role: f"cf.{role}" for role in case_figures.FORCE_ROLES})
    usual = "\t".join(case_figures.theme_ids(template))
    rows = conn.execute(
        f"""SELECT CASE WHEN cf.theme_ids = ? THEN NULL ELSE cf.theme_ids END, cf.themes,
                   cf.findings, cf.good_practice_findings,
                   CASE WHEN cf.force_questions = ? THEN
                        8 + ({used}) + 2 * (({used}) AND ({jpn}))
                          + 4 * (({used}) AND NOT ({jpn}) AND ({not_jpn})) END
            FROM case_figures cf CROSS JOIN cases c ON {_FIGURES_CURRENT}
            WHERE c.status = ? AND {where}""",
        [usual, case_figures.force_questions(template), _COMPLETE, *params],
    ).fetchall()
    kept = _Kept(rows=len(rows))
    if not rows:
        return kept
    layouts, blobs, findings, good, force = zip(*rows, strict=True)
    del rows
    if any(layouts):  # rows of another template's themes: grouped by theme list
        case_figures.add_themes(kept.themes, zip([layout or usual for layout in layouts], blobs, strict=True))
    else:
        case_figures.add_theme_group(kept.themes, usual, blobs)
    kept.findings, kept.good_practice = sum(findings), sum(good)
    # force: None (answers kept for other questions), else 8 + used + 2 * jpn + 4 * not jpn
    codes = Counter(force)
    kept.force_rows = sum(n for code, n in codes.items() if code is not None)
    kept.force_used = sum(n for code, n in codes.items() if code is not None and code & 1)
    kept.force_jpn = sum(n for code, n in codes.items() if code is not None and code & 2)
    kept.force_not_jpn = sum(n for code, n in codes.items() if code is not None and code & 4)
    return kept


def _themes(
    conn: Any,
    template: Template,
    where: str,
    params: list[Any],
    completed: int | None = None,
    kept: _Kept | None = None,
) -> tuple[list[ThemeRow], int, int]:
    """Findings of completed cases by theme (first review); returns (rows, findings, good-practice findings).

    The completed cases with a present ``case_figures`` row are added up from
    it (``kept``, :func:`_kept_figures`).  ``completed`` is the number of
    completed cases in the selection: when fewer rows were found (cases
    completed outside the app, or before the table), the rest are worked out
    from their findings: an inner query with one row per (case, theme) with
    that case's finding count and whether it had a finding at each level, and
    an outer query summing those rows by theme, so "cases with a significant
    finding in the theme" counts each case once without any ``COUNT(DISTINCT)``
    (``CROSS JOIN`` keeps the cases as the outer loop).
    """
    kept = kept or _Kept()
    totals = {theme: values.copy() for theme, values in kept.themes.items()}
    findings, good_practice = kept.findings, kept.good_practice
    if completed is None or kept.rows < completed:
        rows = conn.execute(
            f"""SELECT theme, COUNT(*), SUM(sig), SUM(som), SUM(good), SUM(n), SUM(good_n)
                FROM (SELECT f.theme AS theme,
                             MAX(f.level = ?) AS sig, MAX(f.level = ?) AS som, MAX(f.level = ?) AS good,
                             COUNT(*) AS n, SUM(f.level = ?) AS good_n
                      FROM cases c CROSS JOIN findings f ON f.case_id = c.id
                      WHERE c.status = ? AND {where} AND f.review_round = 1
                        AND NOT EXISTS (SELECT 1 FROM case_figures cf WHERE {_FIGURES_CURRENT})
                      GROUP BY c.id, f.theme)
                GROUP BY theme""",
            [
                FindingLevel.SIGNIFICANT.value,
                FindingLevel.SOME.value,
                FindingLevel.GOOD_PRACTICE.value,
                FindingLevel.GOOD_PRACTICE.value,
                _COMPLETE,
                *params,
            ],
        ).fetchall()
        for theme, cases, significant, some, good, n, good_n in rows:
            total = totals.setdefault(theme, np.zeros(5, dtype=np.int64))
            total += (cases, significant, some, good, n)
            findings += n
            good_practice += good_n
    known = [t.id for t in template.themes]
    theme_ids = known + sorted(set(totals) - set(known))
    by_theme = []
    for tid in theme_ids:
        cases, significant, some, good, n = (int(v) for v in totals.get(tid, (0, 0, 0, 0, 0)))
        by_theme.append(
            ThemeRow(
                theme=tid,
                label=template.theme_label(tid),
                cases=cases,
                significant_cases=significant,
                some_cases=some,
                good_practice_cases=good,
                findings=n,
            )
        )
    return by_theme, findings, good_practice


def _scope(date_from: date | None, date_to: date | None, case_ids: Iterable[int] | None) -> str:
    parts = []
    if date_from or date_to:
        parts.append(
            f"detentions {date_from.isoformat() if date_from else 'from the start'} to "
            f"{date_to.isoformat() if date_to else 'the latest'}"
        )
    if case_ids is not None:
        parts.append("selected cases")
    return "; ".join(parts) or "all cases"


def _force_summary(
    conn: Any,
    template: Template,
    where: str,
    params: list[Any],
    completed: int | None = None,
    kept: _Kept | None = None,
) -> ForceSummary:
    """Use of force over completed cases, from the template's role questions (rules: :func:`_force_rules`).

    The cases whose ``case_figures`` row kept the answers to this template's
    force questions are counted from it (``kept``); when fewer than
    ``completed`` were, the others are read from ``answers`` (stored as JSON,
    read with ``json_extract``) in one more query.
    """
    kept = kept or _Kept()
    cases, jpn_n, not_jpn_n = kept.force_used, kept.force_jpn, kept.force_not_jpn
    if completed is None or kept.force_rows < completed:
        roles = template.roles
        joins = []
        join_params: list[Any] = []
        live: dict[str, str] = {}
        for i, role in enumerate(case_figures.FORCE_ROLES):
            question = roles.get(role)
            if question is None:
                continue
            joins.append(f"LEFT JOIN answers a{i} ON a{i}.case_id = c.id AND a{i}.question_id = ?")
            join_params.append(question)
            live[role] = f"json_extract(a{i}.value, '$')"
        used, jpn, not_jpn = _force_rules(template, live)
        row = conn.execute(
            f"""SELECT COUNT(*), COALESCE(SUM(jpn), 0), COALESCE(SUM(NOT jpn AND not_jpn), 0)
                FROM (SELECT ({jpn}) AS jpn, ({not_jpn}) AS not_jpn
                      FROM cases c {" ".join(joins)}
                      WHERE c.status = ? AND {where} AND ({used})
                        AND NOT EXISTS (SELECT 1 FROM case_figures cf
                                        WHERE {_FIGURES_CURRENT} AND cf.force_questions = ?))""",
            [*join_params, _COMPLETE, *params, case_figures.force_questions(template)],
        ).fetchone()
        cases, jpn_n, not_jpn_n = cases + row[0], jpn_n + row[1], not_jpn_n + row[2]
    return ForceSummary(cases, jpn_n, not_jpn_n, cases - jpn_n - not_jpn_n)


def format_summary(summary: Summary) -> str:
    """The summary as plain text for the terminal."""
    lines = [summary.headline]
    if summary.total_cases == 0:
        lines.append("Add cases with 'cctv-review import-cases FILE.csv' or start the app.")
        return "\n".join(lines)
    lines.append(summary.progress_note)
    if summary.scope != "all cases":
        lines.append(f"Scope: {summary.scope}.")
    if summary.completed == 0:
        return "\n".join(lines)

    def table(title: str, header: list[str], rows: list[list[Any]]) -> None:
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        lines.append("")
        lines.append(title)
        for r in [header, *rows]:
            lines.append(
                "  "
                + "  ".join(
                    str(v).ljust(w) if i == 0 else str(v).rjust(w)
                    for i, (v, w) in enumerate(zip(r, widths, strict=False))
                )
            )

    table(
        "By outcome",
        ["Outcome", "Cases", "%"],
        [
            [lvl.label, summary.by_level[lvl.value], format_percent(summary.level_percent(lvl))]
            for lvl in LearningLevel
        ],
    )
    table(
        "By theme (completed cases with findings in the theme)",
        ["Theme", "Any", "Significant", "Some", "Good practice"],
        [
            [t.label, t.cases, t.significant_cases, t.some_cases, t.good_practice_cases]
            for t in summary.by_theme
        ],
    )
    for title, rows in (
        ("By custody suite", summary.by_suite),
        ("By month of detention", summary.by_month),
        ("Breakdowns", summary.by_flag),
    ):
        table(
            title,
            ["", "Cases", "Significant", "%", "Some", "None"],
            [
                [b.label, b.cases, b.significant, format_percent(b.significant_percent), b.some, b.none]
                for b in rows
            ],
        )
    uof = summary.use_of_force
    lines.append("")
    lines.append(
        f"Use of force: force was used in {uof.cases} completed case{'s' if uof.cases != 1 else ''}; "
        f"judged justified, proportionate and necessary in {uof.justified_proportionate_necessary} "
        f"({format_percent(uof.jpn_percent)}), not in {uof.not_jpn}, could not be judged in {uof.undetermined}."
    )
    return "\n".join(lines)
