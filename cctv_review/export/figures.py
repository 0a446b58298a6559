"""The supervisor's figures in the exports: per-question figures, agreement, areas for improvement.

:func:`team_figures` computes, over the export's selection, what every format
shows (:class:`TeamFigures`): how the completed cases answered each yes/no
and choice question (:mod:`cctv_review.question_figures`), the agreement
between first and blind second reviews (:mod:`cctv_review.agreement`) and,
when asked for, the areas for improvement (the questions with the highest
share of adverse answers, from ``resources/figures/adverse-answers.json``).
The export stores it on ``ExportData.figures``; the writers only lay it out:

* **CSV**: ``questions.csv`` (long form: one row per question and answer,
  with the cases answering so, the cases it applied to and the percentage);
  the agreement tables join ``summary.csv``.
* **XLSX**: a *Questions* sheet (the same rows); the agreement tables join
  the Summary sheet.
* **PDF**: an agreement section (figures and the confusion table), a
  per-question section, and the optional areas-for-improvement page
  (:mod:`cctv_review.export.pdf_report`).

The same tables give the command line's text (:func:`format_agreement`,
:func:`format_questions`).  Plain Python, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cctv_review.agreement import (
    ANSWER_LABELS,
    FORCE_LABELS,
    OUTCOME_LABELS,
    Agreement,
    ReviewAgreement,
    review_agreement,
)
from cctv_review.domain import CaseStatus, format_percent, percent
from cctv_review.export.tabular import Column, Table
from cctv_review.question_figures import (
    QuestionFigure,
    adverse_answers,
    areas_for_improvement,
    question_figures,
)
from cctv_review.summary import selection_sql
from cctv_review.template import Template

#: Questions listed on the areas-for-improvement page, at most.
AREAS_LIMIT = 10


@dataclass(frozen=True)
class TeamFigures:
    """What the exports show beyond the summary: ``questions`` in form order, ``agreement``, and
    ``areas`` as (figure, adverse value, count), highest share first (None: not asked for)."""

    questions: list[QuestionFigure]
    agreement: ReviewAgreement
    areas: list[tuple[QuestionFigure, str, int]] | None
    sections: dict[str, str]


def team_figures(
    store: Any,
    template: Template,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
    areas: bool = False,
) -> TeamFigures:
    """The figures over the export's selection (the summary's: date range and/or case ids), completed cases only.

    One grouped query per counted question, three for the agreement.
    """
    where, params = selection_sql(date_from, date_to, case_ids)
    sql = f"SELECT c.id FROM cases c WHERE c.status = '{CaseStatus.COMPLETE.value}' AND {where}"
    conn = store.db.conn
    questions = question_figures(conn, template, sql, params)
    return TeamFigures(
        questions=questions,
        agreement=review_agreement(conn, template, sql, params),
        areas=areas_for_improvement(questions, adverse_answers(template), AREAS_LIMIT) if areas else None,
        sections={s.id: s.title for s in template.sections},
    )


def question_table(figures: TeamFigures) -> Table:
    """Per-question figures in long form: one row per question and answer (CSV and XLSX)."""
    table = Table(
        "questions",
        "Questions",
        [
            Column("section", "Section", width=22),
            Column("question_id", "Question id", width=24),
            Column("question", "Question", width=50, wrap=True),
            Column("answer", "Answer", width=24),
            Column("cases", "Cases answering so", "int", width=12),
            Column("applied", "Completed cases it applied to", "int", width=14),
            Column("percent", "% of cases it applied to", "percent", width=12),
            Column("unanswered", "Not answered", "int", width=12),
        ],
    )
    for f in figures.questions:
        section = figures.sections.get(f.section_id, f.section_id)
        for value, count in f.counts.items():
            table.rows.append(
                [
                    section,
                    f.question_id,
                    f.text,
                    f.labels.get(value, value),
                    count,
                    f.applied,
                    f.share(value),
                    f.unanswered,
                ]
            )
    return table


def _kappa(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def agreement_tables(agreement: ReviewAgreement) -> list[Table]:
    """The agreement as tables for the summary (Summary sheet, summary.csv): measures, then the outcome's confusion table."""
    measures = Table(
        "agreement",
        "Agreement between first and second reviews",
        [
            Column("measure", "Judgement", width=40),
            Column("cases", "Cases reviewed twice", "int"),
            Column("agreed", "Agreed", "int"),
            Column("percent", "% agreement", "percent"),
            Column("kappa", "Cohen's kappa"),
            Column("weighted_kappa", "Weighted kappa (linear)"),
        ],
    )

    def add(label: str, a: Agreement) -> None:
        agreed = sum(a.table[i][i] for i in range(len(a.table)))
        measures.rows.append(
            [
                label,
                a.cases,
                agreed,
                100.0 * a.percent if a.percent is not None else None,
                _kappa(a.kappa),
                _kappa(a.weighted_kappa),
            ]
        )

    add("Outcome (no < some < significant learning)", agreement.outcome)
    add("Use of force: justified, proportionate and necessary", agreement.force)
    for q in agreement.force_questions:
        add(q.text, q.agreement)
    confusion = Table(
        "agreement_outcomes",
        "Outcomes: first review (rows) against second review (columns)",
        [
            Column("first", "First review", width=28),
            *[Column(c, f"Second: {OUTCOME_LABELS[c]}", "int") for c in agreement.outcome.categories],
        ],
    )
    for i, c in enumerate(agreement.outcome.categories):
        confusion.rows.append([OUTCOME_LABELS[c], *agreement.outcome.table[i]])
    return [measures, confusion]


def confusion_rows(a: Agreement, labels: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """A confusion table as text cells: header, then one row per first-review category with its total."""
    header = ["First \\ second", *[labels.get(c, c) for c in a.categories], "Total"]
    rows = [
        [labels.get(c, c), *[str(n) for n in a.table[i]], str(sum(a.table[i]))]
        for i, c in enumerate(a.categories)
    ]
    totals = [sum(a.table[i][j] for i in range(len(a.table))) for j in range(len(a.table))]
    rows.append(["Total", *[str(n) for n in totals], str(a.cases)])
    return header, rows


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        indent
        + "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [header, *rows]
    ]


def format_agreement(agreement: ReviewAgreement) -> str:
    """The agreement for the terminal: the sentences, then the outcome's confusion table."""
    lines = ["Agreement between first and second reviews", *agreement.lines()]
    if agreement.outcome.cases:
        lines += ["", "Outcomes, first review (rows) against second review (columns):"]
        lines += _text_table(*confusion_rows(agreement.outcome, OUTCOME_LABELS))
    if agreement.force.cases:
        lines += ["", "Use-of-force judgement, first review (rows) against second review (columns):"]
        lines += _text_table(*confusion_rows(agreement.force, FORCE_LABELS))
    return "\n".join(lines)


def format_questions(figures: Sequence[QuestionFigure]) -> str:
    """Per-question figures for the terminal: each question, then one line per answer."""
    lines = ["How completed cases answered each question (among the cases it applied to)"]
    for f in figures:
        lines.append("")
        lines.append(f"{f.text} (applied to {f.applied} case{'s' if f.applied != 1 else ''})")
        for value, count in f.counts.items():
            label = f.labels.get(value, value).lower()
            lines.append(f"  {label}: {count} of {f.applied} cases ({format_percent(f.share(value))})")
        if f.unanswered:
            lines.append(f"  not answered: {f.unanswered}")
    return "\n".join(lines)


def area_sentence(figure: QuestionFigure, value: str, count: int) -> str:
    """ "Pre-release risk assessment … — no in 12 of 58 cases (20.7%)" (an area for improvement)."""
    label = figure.labels.get(value, ANSWER_LABELS.get(value, value)).lower()
    return (
        f"{figure.text} — {label} in {count} of {figure.applied} cases "
        f"({format_percent(percent(count, figure.applied))})"
    )


def question_answers_text(figure: QuestionFigure) -> str:
    """A figure's answers in one line: "yes 40 (69%) · no 12 (20.7%) · not seen 6 (10.3%)".

    Each share is of the cases the question applied to; unanswered ones are
    said last; a multiple-choice question counts a case under each option.
    """
    parts = [
        f"{figure.labels.get(value, value).lower()} {count} ({format_percent(figure.share(value))})"
        for value, count in figure.counts.items()
    ]
    if figure.unanswered:
        parts.append(f"not answered {figure.unanswered}")
    return " · ".join(parts) if figure.applied else "did not apply to any case"
