"""The supervisor's figures: how completed cases answered each question of the form.

For every yes / no / not seen and choice question of the template, among the
selected cases the question *applied to* (its ``show_if`` chain held), how
many answered each way — the figures an inspection report quotes:

    "Pre-release risk assessment carried out with enough detail: no in 12 of
    58 cases (21%)".

Computed in SQL, one grouped query per question: the ``show_if`` chain
becomes joins on the parent questions' answers (a multiple-choice parent is
matched through SQLite's ``json_each``), and the applicable cases are LEFT
JOINed to their answer and grouped by the stored value, so applied, answered
and the counts come from one pass and the cost grows with the number of
questions, not with cases loaded into Python (at 100,000 cases, 60,000
completed: about 5 CPU seconds for the 42 questions of the default form;
the Summary tab counts them off the GUI thread).  Answers are stored as JSON
(``"yes"``, ``["pat_down", "wand"]``; see ``Store.set_answer``).

Plain Python over an ``sqlite3`` connection; no Qt.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cctv_review.domain import CaseStatus, format_percent, percent
from cctv_review.template import Question, Template

#: Question types the figures cover (free text and times are not counted).
COUNTED_TYPES = ("yes_no", "single_choice", "multiple_choice")

#: The default selection: every completed case.
COMPLETED_CASES = f"SELECT id FROM cases WHERE status = '{CaseStatus.COMPLETE.value}'"


@dataclass(frozen=True)
class QuestionFigure:
    """How the selected cases answered one question.

    ``applied``: cases the question applied to; ``answered``: of those, cases
    with an answer; ``counts``: answer value → cases (for a multiple-choice
    question a case counts once under each option it ticked, so the counts
    can add up to more than ``answered``); ``labels``: value → the option's
    label, in the template's order.
    """

    question_id: str
    section_id: str
    text: str
    type: str
    applied: int
    answered: int
    counts: Mapping[str, int]
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def unanswered(self) -> int:
        return self.applied - self.answered

    def share(self, value: str) -> float:
        """Percentage (0–100) of the cases it applied to that answered ``value``."""
        return percent(self.counts.get(value, 0), self.applied)

    def describe(self, value: str) -> str:
        """``"<question> — no: 12 of 58 cases (20.7%)"``: one answer's count among the cases it applied to."""
        label = self.labels.get(value, value).lower()
        count = self.counts.get(value, 0)
        return f"{self.text} — {label}: {count} of {self.applied} cases ({format_percent(self.share(value))})"


def _chain(template: Template, question: Question) -> list[Question]:
    """The questions whose ``show_if`` must hold for ``question`` to apply, nearest first."""
    chain = []
    current = question
    while current.show_if is not None:
        chain.append(current)
        current = template.question(current.show_if.question)
    return chain


def _condition_sql(alias: str, parent: Question, values: Sequence[str]) -> tuple[str, list[object]]:
    marks = ", ".join("?" for _ in values)
    if parent.type == "multiple_choice":
        return f"EXISTS (SELECT 1 FROM json_each({alias}.value) WHERE json_each.value IN ({marks}))", list(
            values
        )
    return f"{alias}.value IN ({marks})", [json.dumps(v) for v in values]


def _applicable_sql(
    template: Template, question: Question, selection_sql: str, params: Sequence[object]
) -> tuple[str, list[object]]:
    """SQL for the ids of selected cases ``question`` applies to, with its parameters."""
    sql = f"SELECT s.id FROM ({selection_sql}) s"
    args: list[object] = list(params)
    for n, child in enumerate(_chain(template, question)):
        assert child.show_if is not None
        parent = template.question(child.show_if.question)
        alias = f"p{n}"
        condition, cargs = _condition_sql(alias, parent, child.show_if.values)
        sql += f" JOIN answers {alias} ON {alias}.case_id = s.id AND {alias}.question_id = ? AND {condition}"
        args += [parent.id, *cargs]
    return sql, args


def question_figure(
    conn: sqlite3.Connection,
    template: Template,
    question: Question,
    selection_sql: str = COMPLETED_CASES,
    params: Sequence[object] = (),
) -> QuestionFigure:
    """The figure for one question over the cases ``selection_sql`` selects.

    ``selection_sql`` is a query returning one column of case ids (default:
    every completed case) with ``params`` bound to its ``?``.  Raises
    ``ValueError`` for a question type that is not counted.
    """
    if question.type not in COUNTED_TYPES:
        raise ValueError(f"question {question.id} is {question.type}: only choices are counted")
    applicable, args = _applicable_sql(template, question, selection_sql, params)
    # One pass: the applicable cases LEFT JOINed to their answer, grouped by the stored value (JSON
    # text); the NULL group is the cases that left it unanswered.  A multiple-choice answer's
    # distinct tick combinations are few, so they are split into options here.
    applied = answered = 0
    counts: dict[str, int] = {}
    for stored, n in conn.execute(
        f"WITH c(id) AS ({applicable}) SELECT a.value, COUNT(*) FROM c "
        "LEFT JOIN answers a ON a.case_id = c.id AND a.question_id = ? GROUP BY a.value",
        [*args, question.id],
    ):
        applied += n
        if stored is None:
            continue
        answered += n
        value = json.loads(stored)
        for v in value if isinstance(value, list) else [value]:
            if v is not None:
                counts[str(v)] = counts.get(str(v), 0) + n
    labels = {o.value: o.label for o in question.options}
    ordered = {o.value: counts.get(o.value, 0) for o in question.options}
    ordered.update({v: n for v, n in counts.items() if v not in ordered})  # values no longer offered
    return QuestionFigure(
        question_id=question.id,
        section_id=question.section_id,
        text=question.text,
        type=question.type,
        applied=applied,
        answered=answered,
        counts=ordered,
        labels=labels,
    )


def question_figures(
    conn: sqlite3.Connection,
    template: Template,
    selection_sql: str = COMPLETED_CASES,
    params: Sequence[object] = (),
) -> list[QuestionFigure]:
    """Figures for every counted question of ``template``, in form order (see :func:`question_figure`)."""
    return [
        question_figure(conn, template, q, selection_sql, params)
        for q in template.questions()
        if q.type in COUNTED_TYPES
    ]


def areas_for_improvement(
    figures: Sequence[QuestionFigure], adverse: Mapping[str, Sequence[str]], limit: int = 10
) -> list[tuple[QuestionFigure, str, int]]:
    """The questions with the highest share of adverse answers, highest first.

    ``adverse`` maps question id → the answer values that count against good
    practice (e.g. ``{"release.pre_release_ra_detail": ["no"]}``).  Returns
    (figure, value, count) for each adverse value answered at least once;
    ties go to the larger count, then form order.
    """
    rows = []
    for order, figure in enumerate(figures):
        for value in adverse.get(figure.question_id, ()):
            count = figure.counts.get(value, 0)
            if count and figure.applied:
                rows.append((-count / figure.applied, -count, order, figure, value, count))
    rows.sort(key=lambda r: r[:3])
    return [(figure, value, count) for *_, figure, value, count in rows[:limit]]


def adverse_answers(template: Template) -> dict[str, list[str]]:
    """Which answers count against good practice, per question of ``template`` (for :func:`areas_for_improvement`).

    Read from ``resources/figures/adverse-answers.json`` (keyed by template id,
    then question id → answer values).  Questions the template no longer has,
    and values it does not offer, are left out; a form with no entry has no
    adverse answers (``{}``), so its report has no areas-for-improvement page
    to show.  Raises nothing for a missing file (an older install): ``{}``.
    """
    from cctv_review.resources_path import resources_dir

    try:
        path = resources_dir() / "figures" / "adverse-answers.json"
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    wanted = data.get(template.id, {}) if isinstance(data, dict) else {}
    known = {q.id: q for q in template.questions() if q.type in COUNTED_TYPES}
    result: dict[str, list[str]] = {}
    for qid, values in wanted.items() if isinstance(wanted, dict) else ():
        question = known.get(qid)
        if question is None or not isinstance(values, list):
            continue
        offered = {o.value for o in question.options}
        kept = [v for v in values if v in offered]
        if kept:
            result[qid] = kept
    return result
