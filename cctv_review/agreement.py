"""Agreement between two reviewers who judged the same cases.

An inspection's headline rests on each case's judgement (significant, some or
no learning), so when a share of cases is reviewed twice the team reports how
often the two reviews agree, beyond what chance alone would give:

* **percentage agreement** — the share of cases judged the same;
* **Cohen's kappa** — agreement corrected for chance, (p_o − p_e) / (1 − p_e),
  as defined in Cohen, J. (1960) "A coefficient of agreement for nominal
  scales", *Educational and Psychological Measurement* 20, 37–46;
* **weighted kappa** — for an ordinal grade (no < some < significant
  learning), near misses count partly: κ_w = (p_o(w) − p_e(w)) / (1 − p_e(w))
  with agreement weights w_ij, as in Cohen, J. (1968) "Weighted kappa",
  *Psychological Bulletin* 70, 213–220.  Linear weights
  w_ij = 1 − |i − j| / (k − 1) are the default (a "some" against a
  "significant" counts half); quadratic weights w_ij = 1 − (i − j)² / (k − 1)²
  are available.

Plain Python, no Qt and no statistics library: the formulas are a few lines
and are tested against published worked examples (tests/test_agreement.py).

:func:`review_agreement` measures a store's double-reviewed cases: the first
review (the case's outcome and answers) against the blind second review
(``second_reviews`` with status completed, ``second_answers``), on the
outcome, on the use-of-force judgement, and on each use-of-force question.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from cctv_review.template import Template

Weights = Literal["linear", "quadratic"]


def confusion_table(
    pairs: Iterable[tuple[Hashable, Hashable]], categories: Sequence[Hashable]
) -> list[list[int]]:
    """Counts of (first reviewer, second reviewer) judgements.

    ``categories`` gives the order (for an ordinal grade, lowest first); the
    result is a k x k list of lists, ``table[i][j]`` = cases the first reviewer
    put in category i and the second in category j.  Raises ``ValueError`` for
    a judgement that is not one of ``categories``.
    """
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    table = [[0] * k for _ in range(k)]
    for first, second in pairs:
        if first not in index or second not in index:
            raise ValueError(f"judgement {first!r} / {second!r} is not one of {list(categories)!r}")
        table[index[first]][index[second]] += 1
    return table


def _weights(k: int, weights: Weights | None) -> list[list[float]]:
    if weights is None:
        return [[1.0 if i == j else 0.0 for j in range(k)] for i in range(k)]
    if k < 2:
        return [[1.0]]
    if weights == "linear":
        return [[1.0 - abs(i - j) / (k - 1) for j in range(k)] for i in range(k)]
    if weights == "quadratic":
        return [[1.0 - (i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")


def _observed_expected(table: Sequence[Sequence[int]], weights: Weights | None) -> tuple[float, float, int]:
    k = len(table)
    if any(len(row) != k for row in table):
        raise ValueError("the confusion table must be square")
    n = sum(sum(row) for row in table)
    if n == 0:
        return 0.0, 0.0, 0
    w = _weights(k, weights)
    rows = [sum(table[i]) / n for i in range(k)]
    cols = [sum(table[i][j] for i in range(k)) / n for j in range(k)]
    observed = sum(w[i][j] * table[i][j] / n for i in range(k) for j in range(k))
    expected = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    return observed, expected, n


def percent_agreement(table: Sequence[Sequence[int]]) -> float | None:
    """Share of cases on the diagonal, 0..1; None when the table is empty."""
    observed, _, n = _observed_expected(table, None)
    return observed if n else None


def cohen_kappa(table: Sequence[Sequence[int]], weights: Weights | None = None) -> float | None:
    """Cohen's kappa (1960), or weighted kappa (Cohen 1968) with ``weights``.

    ``table`` is a square confusion table of counts (see :func:`confusion_table`).
    Returns a value in [-1, 1], or None when kappa is undefined: no cases, or
    chance agreement already 1 (both reviewers put every case in one and the
    same category, so there is no variation to agree on).
    """
    observed, expected, n = _observed_expected(table, weights)
    if n == 0 or expected >= 1.0 - 1e-12:
        return None
    return (observed - expected) / (1.0 - expected)


@dataclass(frozen=True)
class Agreement:
    """Agreement on one judgement across the cases reviewed twice.

    ``categories`` is the order of ``table``'s rows (first review) and columns
    (second review); ``cases`` the number of cases the figures rest on;
    ``percent`` 0..1; the kappas None where undefined (see :func:`cohen_kappa`).
    """

    categories: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    cases: int
    percent: float | None
    kappa: float | None
    weighted_kappa: float | None
    weights: Weights | None

    def describe(self) -> str:
        """One line for people, e.g. "agreed on 9 of 10 cases (90%); kappa 0.80"."""
        if not self.cases:
            return "no cases were reviewed twice"
        agreed = sum(self.table[i][i] for i in range(len(self.table)))
        text = f"agreed on {agreed} of {self.cases} cases ({round(100 * (self.percent or 0))}%)"
        if self.kappa is None:
            return text + "; kappa cannot be computed (every judgement was the same)"
        text += f"; Cohen's kappa {self.kappa:.2f}"
        if self.weights and self.weighted_kappa is not None:
            text += f", weighted ({self.weights}) {self.weighted_kappa:.2f}"
        return text


def measure(
    pairs: Iterable[tuple[str, str]], categories: Sequence[str], weights: Weights | None = "linear"
) -> Agreement:
    """Agreement between two reviews of the same cases.

    ``pairs`` holds one (first review, second review) judgement per case;
    ``categories`` their order (ordinal: lowest first).  ``weights`` is used for
    the weighted kappa (None: report only the unweighted one).
    """
    table = confusion_table(pairs, categories)
    n = sum(sum(row) for row in table)
    return Agreement(
        categories=tuple(categories),
        table=tuple(tuple(row) for row in table),
        cases=n,
        percent=percent_agreement(table),
        kappa=cohen_kappa(table),
        weighted_kappa=cohen_kappa(table, weights) if weights else None,
        weights=weights,
    )


# -- agreement in a store: first review (cases) against blind second review (second_reviews) ------

#: The case judgement, ordinal, lowest first (``LearningLevel`` values): the weighted kappa's order.
OUTCOME_ORDER = ("none", "some", "significant")
OUTCOME_LABELS = {"none": "No learning", "some": "Some learning", "significant": "Significant learning"}
#: The use-of-force judgement of one review of a case where force was used (nominal).
FORCE_JUDGEMENTS = ("jpn", "not_jpn", "undetermined")
FORCE_LABELS = {
    "jpn": "Justified, proportionate and necessary",
    "not_jpn": "Not justified, proportionate or necessary",
    "undetermined": "Could not be judged",
}
ANSWER_ORDER = ("yes", "no", "not_seen")
ANSWER_LABELS = {"yes": "Yes", "no": "No", "not_seen": "Not seen"}
#: A second review counts once its reviewer has completed it (``second_reviews.status``).
SECOND_REVIEW_COMPLETED = "completed"
_FORCE_ROLES = ("force_used", "force_justified", "force_proportionate", "force_necessary")


@dataclass(frozen=True)
class QuestionAgreement:
    """Agreement on one use-of-force question among double-reviewed cases both reviews answered."""

    question_id: str
    text: str
    agreement: Agreement


@dataclass(frozen=True)
class ReviewAgreement:
    """How the first and the blind second reviews of the same cases compare.

    ``double_reviewed``: selected completed cases whose second review is
    completed too (each figure says how many of them it rests on: a case
    counts for the outcome when both reviews gave one, for the force
    judgement when both found force was used).  ``outcome`` is ordinal
    (:data:`OUTCOME_ORDER`, weighted kappa with linear weights); ``force``
    is the judgement of :func:`force_judgement` (:data:`FORCE_JUDGEMENTS`,
    nominal: unweighted kappa only); ``force_questions`` the template's
    use-of-force role questions one by one (:data:`ANSWER_ORDER`, nominal).
    """

    double_reviewed: int
    outcome: Agreement
    force: Agreement
    force_questions: tuple[QuestionAgreement, ...]

    def lines(self) -> list[str]:
        """The figures as sentences, for the terminal and the report."""
        if not self.double_reviewed:
            return [
                "No completed case has a completed second review yet, so there is no agreement to report."
            ]
        noun = "case" if self.double_reviewed == 1 else "cases"
        lines = [
            f"{self.double_reviewed} completed {noun} reviewed twice (first review against the blind second review).",
            f"Outcome (no < some < significant learning): {self.outcome.describe()}.",
        ]
        if self.force.cases:
            lines.append(
                f"Use of force, judged justified, proportionate and necessary or not, where both reviews "
                f"found force was used: {self.force.describe()}."
            )
        else:
            lines.append("Use of force: no case reviewed twice where both reviews found force was used.")
        for q in self.force_questions:
            lines.append(f"  {q.text} — {q.agreement.describe()}.")
        return lines


def force_judgement(answers: Mapping[str, Any], roles: Mapping[str, str], flagged: bool) -> str | None:
    """One review's use-of-force judgement of a case: a :data:`FORCE_JUDGEMENTS` value, or None.

    ``answers``: that review's answers (question id -> value); ``roles``: the
    template's roles (``force_used``, ``force_justified``, ...); ``flagged``:
    the case's use-of-force flag.  The summary's own rule
    (``cctv_review.summary._force_summary``): force counts as used when the
    ``force_used`` answer is "yes", or (no yes/no answer) when the case is
    flagged; None when force was not used.  Then "jpn" when every judgement
    question is answered "yes", "not_jpn" when any is "no", else "undetermined".
    """
    used_q = roles.get("force_used")
    used_answer = answers.get(used_q) if used_q else None
    used = used_answer == "yes" if used_answer in ("yes", "no") else flagged
    if not used:
        return None
    judged = [answers.get(roles[r]) for r in _FORCE_ROLES[1:] if r in roles]
    if judged and all(v == "yes" for v in judged):
        return "jpn"
    if any(v == "no" for v in judged):
        return "not_jpn"
    return "undetermined"


def review_agreement(
    conn: sqlite3.Connection,
    template: Template,
    selection_sql: str = "SELECT id FROM cases WHERE status = 'complete'",
    params: Sequence[object] = (),
) -> ReviewAgreement:
    """Agreement between first and second reviews over the cases ``selection_sql`` selects.

    ``selection_sql`` returns one column of case ids (default: every completed
    case; :meth:`cctv_review.summary_filter.SummaryFilter.completed_sql` gives
    the Summary's filter) with ``params`` bound to its ``?``.  The first review
    is the case's own outcome and ``answers``; the second is
    ``second_reviews.outcome`` (status completed) and ``second_answers``.
    Moderation does not change these figures: it settles disagreements after
    they are measured.  Three queries, whatever the size of the store; only
    double-reviewed cases (a share of the sample) are read into Python.
    """
    rows = conn.execute(
        f"""SELECT c.id, c.outcome, s.outcome, c.use_of_force
            FROM cases c JOIN second_reviews s ON s.case_id = c.id
            WHERE s.status = ? AND c.status = 'complete' AND c.id IN ({selection_sql})
            ORDER BY c.id""",
        [SECOND_REVIEW_COMPLETED, *params],
    ).fetchall()
    roles = {role: qid for role, qid in template.roles.items() if role in _FORCE_ROLES}
    ids = json.dumps([r[0] for r in rows])
    marks = ", ".join("?" for _ in roles) or "NULL"
    first: dict[int, dict[str, Any]] = {}
    second: dict[int, dict[str, Any]] = {}
    for table, into in (("answers", first), ("second_answers", second)):
        for case_id, question_id, value in conn.execute(
            f"SELECT case_id, question_id, value FROM {table} "  # a fixed table name, never user text
            f"WHERE case_id IN (SELECT value FROM json_each(?)) AND question_id IN ({marks})",
            [ids, *roles.values()],
        ):
            into.setdefault(case_id, {})[question_id] = json.loads(value) if value is not None else None

    outcome_pairs = [(a, b) for _, a, b, _ in rows if a in OUTCOME_ORDER and b in OUTCOME_ORDER]
    force_pairs = []
    for case_id, _, _, flagged in rows:
        a = force_judgement(first.get(case_id, {}), roles, bool(flagged))
        b = force_judgement(second.get(case_id, {}), roles, bool(flagged))
        if a is not None and b is not None:
            force_pairs.append((a, b))
    questions = []
    for role in _FORCE_ROLES:
        qid = roles.get(role)
        if qid is None:
            continue
        pairs = []
        for case_id, *_ in rows:
            a, b = first.get(case_id, {}).get(qid), second.get(case_id, {}).get(qid)
            if a in ANSWER_ORDER and b in ANSWER_ORDER:
                pairs.append((a, b))
        questions.append(
            QuestionAgreement(qid, template.question(qid).text, measure(pairs, ANSWER_ORDER, None))
        )
    return ReviewAgreement(
        double_reviewed=len(rows),
        outcome=measure(outcome_pairs, OUTCOME_ORDER, "linear"),
        force=measure(force_pairs, FORCE_JUDGEMENTS, None),
        force_questions=tuple(questions),
    )
