"""The significant-learning summary, in the inspectorates' words.

Only completed cases count towards the figures; the summary says how many are
still in progress.  Plain Python: the GUI, the command line and the exports
all render the same :class:`Summary`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from cctv_review.domain import (
    CASE_FLAGS,
    Case,
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


def _breakdown(key: str, label: str, cases: list[Case]) -> Breakdown:
    counts = Counter(c.outcome.value for c in cases if c.outcome)
    return Breakdown(
        key,
        label,
        len(cases),
        counts[LearningLevel.SIGNIFICANT.value],
        counts[LearningLevel.SOME.value],
        counts[LearningLevel.NONE.value],
    )


def month_label(key: str) -> str:
    if key == "unknown":
        return "Date not known"
    return date.fromisoformat(key + "-01").strftime("%B %Y")


def summarise(
    store,
    template: Template,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
) -> Summary:
    """Build the summary over the store's cases (optionally a date range or a selection)."""
    case_ids = list(case_ids) if case_ids is not None else None
    cases = store.list_cases(date_from=date_from, date_to=date_to, case_ids=case_ids)
    done = [c for c in cases if c.status == CaseStatus.COMPLETE]
    done_ids = {c.id for c in done}
    status_counts = Counter(c.status for c in cases)

    by_level = {level.value: 0 for level in LearningLevel}
    for case in done:
        by_level[case.outcome.value] += 1

    # Findings by theme over completed cases.
    findings = [f for f in store.list_findings() if f.case_id in done_ids]
    theme_cases: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    theme_findings: Counter[str] = Counter()
    for f in findings:
        theme_cases[f.theme]["any"].add(f.case_id)
        theme_cases[f.theme][f.level.value].add(f.case_id)
        theme_findings[f.theme] += 1
    theme_ids = [t.id for t in template.themes] + sorted(set(theme_cases) - {t.id for t in template.themes})
    by_theme = [
        ThemeRow(
            theme=tid,
            label=template.theme_label(tid),
            cases=len(theme_cases[tid]["any"]),
            significant_cases=len(theme_cases[tid][FindingLevel.SIGNIFICANT.value]),
            some_cases=len(theme_cases[tid][FindingLevel.SOME.value]),
            good_practice_cases=len(theme_cases[tid][FindingLevel.GOOD_PRACTICE.value]),
            findings=theme_findings[tid],
        )
        for tid in theme_ids
    ]

    suites: dict[str, list[Case]] = defaultdict(list)
    months: dict[str, list[Case]] = defaultdict(list)
    for case in done:
        suites[case.custody_suite or ""].append(case)
        months[case.detention_date.strftime("%Y-%m") if case.detention_date else "unknown"].append(case)
    by_suite = [
        _breakdown(s, s or "Suite not recorded", suites[s])
        for s in sorted(suites, key=lambda s: (s == "", s))
    ]
    by_month = [
        _breakdown(m, month_label(m), months[m]) for m in sorted(months, key=lambda m: (m == "unknown", m))
    ]
    by_flag = [
        _breakdown(flag, label, [c for c in done if getattr(c, flag)]) for flag, label in CASE_FLAGS.items()
    ]

    return Summary(
        total_cases=len(cases),
        completed=len(done),
        in_progress=status_counts[CaseStatus.IN_PROGRESS],
        not_started=status_counts[CaseStatus.NOT_STARTED],
        by_level=by_level,
        by_theme=by_theme,
        by_suite=by_suite,
        by_month=by_month,
        by_flag=by_flag,
        use_of_force=_force_summary(store, template, done),
        findings=len(findings),
        good_practice_findings=sum(1 for f in findings if f.level == FindingLevel.GOOD_PRACTICE),
        template=f"{template.id}@{template.version}",
        scope=_scope(date_from, date_to, case_ids),
    )


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


def _force_summary(store, template: Template, done: list[Case]) -> ForceSummary:
    roles = template.roles
    used_q = roles.get("force_used")
    judgement_qs = [
        roles[r] for r in ("force_justified", "force_proportionate", "force_necessary") if r in roles
    ]
    cases = jpn = not_jpn = 0
    for case in done:
        answers = store.answers(case.id)
        used = answers.get(used_q) if used_q else None
        force_used = used == "yes" if used in ("yes", "no") else case.use_of_force
        if not force_used:
            continue
        cases += 1
        judgements = [answers.get(q) for q in judgement_qs]
        if judgement_qs and all(j == "yes" for j in judgements):
            jpn += 1
        elif any(j == "no" for j in judgements):
            not_jpn += 1
    return ForceSummary(cases, jpn, not_jpn, cases - jpn - not_jpn)


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

    def table(title: str, header: list[str], rows: list[list[str]]) -> None:
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
