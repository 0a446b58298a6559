"""The Summary tab's filter: which cases the supervisor's figures are about.

A :class:`SummaryFilter` selects cases by detention date range, custody
suite, reviewer and case flags (every part given must hold), and every figure
of the Summary follows it: the headline and breakdowns
(:func:`summarise_filtered`), the per-question figures
(:func:`cctv_review.question_figures.question_figures` over
:meth:`SummaryFilter.completed_sql`) and the agreement between first and
second reviews (:func:`cctv_review.agreement.review_agreement`).

The filter is plain SQL over ``cases`` with bound parameters (flag names are
checked against :data:`~cctv_review.domain.CASE_FLAGS` before they become
column names), so a filter costs one query however many cases there are.
The same rules as the case list's filter (:mod:`cctv_review.case_query`):
exact suite and reviewer names, all chosen flags set; and the same date rule
as :func:`cctv_review.summary.selection_sql`: both ends included, a case with
no detention date is outside any range.  Plain Python, no Qt.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cctv_review.domain import CASE_FLAGS, CaseStatus
from cctv_review.summary import Summary, summarise
from cctv_review.template import Template


@dataclass(frozen=True)
class SummaryFilter:
    """Cases whose detention date is in [``date_from``, ``date_to``] (None: open end), in custody
    suite ``suite`` and reviewed by ``reviewer`` ("" for any), with every flag in ``flags`` set.

    Raises ``ValueError`` (from :meth:`where`) for a flag that is not one of
    :data:`~cctv_review.domain.CASE_FLAGS`.
    """

    date_from: date | None = None
    date_to: date | None = None
    suite: str = ""
    reviewer: str = ""
    flags: frozenset[str] = field(default_factory=frozenset)
    #: Case ids left out whatever else is chosen: the cases under the user's unfinished blind
    #: second review (:func:`cctv_review.team.blind_case_ids`), whose first review must not show.
    exclude: frozenset[int] = field(default_factory=frozenset)

    @property
    def shows_everything(self) -> bool:
        """True when nothing is filtered out."""
        return not (
            self.date_from or self.date_to or self.suite or self.reviewer or self.flags or self.exclude
        )

    @property
    def narrows_beyond_dates(self) -> bool:
        """True when the suite, reviewer, flags or left-out cases narrow the selection (not only the dates)."""
        return bool(self.suite or self.reviewer or self.flags or self.exclude)

    def where(self, alias: str = "c") -> tuple[str, list[Any]]:
        """``(condition, parameters)`` over table alias ``alias`` of ``cases`` ("1" for everything)."""
        where: list[str] = []
        params: list[Any] = []
        if self.date_from:
            where.append(f"{alias}.detention_date >= ?")
            params.append(self.date_from.isoformat())
        if self.date_to:
            where.append(f"{alias}.detention_date <= ?")
            params.append(self.date_to.isoformat())
        if self.suite:
            where.append(f"{alias}.custody_suite = ?")
            params.append(self.suite)
        if self.reviewer:
            where.append(f"{alias}.reviewer = ?")
            params.append(self.reviewer)
        for flag in sorted(self.flags):
            if flag not in CASE_FLAGS:
                raise ValueError(f"unknown case flag {flag!r}: choose from {', '.join(CASE_FLAGS)}")
            where.append(f"{alias}.[{flag}] != 0")  # a known column name, never user text
        if self.exclude:
            where.append(f"{alias}.id NOT IN ({', '.join('?' * len(self.exclude))})")
            params.extend(sorted(self.exclude))
        return (" AND ".join(where) or "1"), params

    def completed_sql(self) -> tuple[str, list[Any]]:
        """A query for the ids of the completed cases the filter selects, with its parameters.

        The shape :func:`cctv_review.question_figures.question_figures` and
        :func:`cctv_review.agreement.review_agreement` take as their selection.
        """
        where, params = self.where("c")
        return (
            f"SELECT c.id FROM cases c WHERE c.status = '{CaseStatus.COMPLETE.value}' AND {where}",
            params,
        )

    def case_ids(self, conn: Any) -> list[int]:
        """The ids of every selected case (any status), one query; ``conn`` is an ``sqlite3.Connection``."""
        where, params = self.where("c")
        return [row[0] for row in conn.execute(f"SELECT c.id FROM cases c WHERE {where}", params)]

    def describe(self) -> str:
        """The filter in words, e.g. "detentions 2026-01-01 to 2026-03-31; custody suite Northgate"."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(
                f"detentions {self.date_from.isoformat() if self.date_from else 'from the start'} to "
                f"{self.date_to.isoformat() if self.date_to else 'the latest'}"
            )
        if self.suite:
            parts.append(f"custody suite {self.suite}")
        if self.reviewer:
            parts.append(f"reviewer {self.reviewer}")
        if self.flags:
            labels = [CASE_FLAGS.get(f, f).lower() for f in CASE_FLAGS if f in self.flags]
            parts.append("cases involving " + " and ".join(labels))
        if self.exclude:
            n = len(self.exclude)
            parts.append(f"less {n} case{'s' if n != 1 else ''} under your blind second review")
        return "; ".join(parts) or "all cases"


def summarise_filtered(store: Any, template: Template, summary_filter: SummaryFilter) -> Summary:
    """The :class:`~cctv_review.summary.Summary` over the cases ``summary_filter`` selects.

    Dates go to :func:`~cctv_review.summary.summarise` as they are; a suite,
    reviewer or flag filter first selects the ids (one query) and passes them
    as the summary's selection, so every figure is the summary's own rule over
    exactly those cases.  The summary's ``scope`` says the filter in words.
    Raises ``ValueError`` for an unknown flag, and ``ValueError`` when the date
    range is back to front.
    """
    f = summary_filter
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise ValueError(
            f"The date range is back to front: {f.date_from.isoformat()} is after {f.date_to.isoformat()}."
        )
    case_ids = f.case_ids(store.db.conn) if f.narrows_beyond_dates else None
    summary = summarise(store, template, date_from=f.date_from, date_to=f.date_to, case_ids=case_ids)
    return dataclasses.replace(summary, scope=f.describe())
