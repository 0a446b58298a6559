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
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

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
