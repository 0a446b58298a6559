"""A reproducible, stratified sample of cases that a lead can defend.

An inspection reviews a sample of detentions (and a share of those a second
time).  The draw must be explainable ("12 of the 40 cases with a child, 3 of
the 10 with use of force…") and repeatable by anyone with the same cases, the
same rule and the same seed.

Rule: cases are grouped into strata by the chosen flags (every combination of
yes/no that occurs: with ``child`` and ``use_of_force`` there are up to four
strata).  The sample size is shared between strata in proportion to their
sizes by the largest-remainder (Hamilton) method, so the stratum counts add up
exactly to the size asked for; ties in the remainders go to the larger stratum,
then to the stratum listed first.  Within a stratum, cases are ordered by id
and drawn with Python's ``random.Random`` seeded by the seed and the stratum,
which gives the same draw on every machine and Python version
(``random.seed`` of a string is specified to be stable).

Plain Python; the caller records the seed and the rule in the audit trail.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cctv_review.domain import CASE_FLAGS, Case


@dataclass(frozen=True)
class Stratum:
    """One combination of flag values: ``values[i]`` belongs to the draw's ``stratify[i]``."""

    values: tuple[bool, ...]
    label: str
    available: int
    drawn: int


@dataclass(frozen=True)
class SampleDraw:
    """The cases drawn (ids, ascending) and how: the rule, the seed and each stratum's counts."""

    case_ids: tuple[int, ...]
    size: int
    seed: int
    stratify: tuple[str, ...]
    strata: tuple[Stratum, ...]
    population: int

    @property
    def rule(self) -> str:
        """The rule in words, for the audit trail and the report."""
        by = (
            ", ".join(CASE_FLAGS.get(f, f).lower() for f in self.stratify) or "nothing (simple random sample)"
        )
        return (
            f"stratified by {by}; {self.size} of {self.population} cases shared between strata in "
            f"proportion to their size (largest remainder); seed {self.seed}"
        )

    def explain(self) -> str:
        """A few lines for people: the rule, then one line per stratum."""
        lines = [f"Drew {len(self.case_ids)} of {self.population} cases, {self.rule}."]
        lines += [f"  {s.label}: {s.drawn} of {s.available}" for s in self.strata]
        return "\n".join(lines)

    def audit_detail(self) -> dict[str, object]:
        """What the audit trail records: enough to repeat and check the draw."""
        return {
            "size": self.size,
            "seed": self.seed,
            "stratify": list(self.stratify),
            "rule": self.rule,
            "strata": [{"stratum": s.label, "available": s.available, "drawn": s.drawn} for s in self.strata],
            "case_ids": list(self.case_ids),
        }


def _label(stratify: Sequence[str], values: Sequence[bool]) -> str:
    if not stratify:
        return "all cases"
    parts = [
        f"{CASE_FLAGS.get(f, f).lower()}: {'yes' if v else 'no'}"
        for f, v in zip(stratify, values, strict=True)
    ]
    return ", ".join(parts)


def _allocate(sizes: Sequence[int], total: int) -> list[int]:
    """Share ``total`` between groups of ``sizes`` in proportion (largest remainder, Hamilton)."""
    population = sum(sizes)
    if population == 0:
        return [0] * len(sizes)
    quotas = [total * s / population for s in sizes]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda i: (-(quotas[i] - counts[i]), -sizes[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def draw_sample(cases: Iterable[Case], size: int, stratify: Sequence[str] = (), seed: int = 0) -> SampleDraw:
    """Draw ``size`` cases, stratified by the flags named in ``stratify``.

    ``stratify`` holds names from :data:`cctv_review.domain.CASE_FLAGS`
    (``child``, ``use_of_force``, ``strip_search``, ``mental_health``,
    ``vulnerable_adult``).  A size larger than the number of cases draws them
    all.  Raises ``ValueError`` for an unknown flag or a negative size.
    """
    stratify = tuple(stratify)
    unknown = [f for f in stratify if f not in CASE_FLAGS]
    if unknown:
        raise ValueError(f"cannot stratify by {', '.join(unknown)}: choose from {', '.join(CASE_FLAGS)}")
    if size < 0:
        raise ValueError("the sample size cannot be negative")
    groups: dict[tuple[bool, ...], list[int]] = {}
    for case in cases:
        if case.id is None:
            continue
        key = tuple(bool(getattr(case, f)) for f in stratify)
        groups.setdefault(key, []).append(case.id)
    population = sum(len(ids) for ids in groups.values())
    size = min(size, population)
    # Strata in a fixed order: "yes" before "no" for each flag in turn.
    keys = sorted(groups, key=lambda k: tuple(not v for v in k))
    counts = _allocate([len(groups[k]) for k in keys], size)
    drawn: list[int] = []
    strata = []
    for key, count in zip(keys, counts, strict=True):
        ids = sorted(groups[key])
        label = _label(stratify, key)
        chosen = random.Random(f"cctv-review sample {seed} {label}").sample(ids, count)
        drawn += chosen
        strata.append(Stratum(values=key, label=label, available=len(ids), drawn=count))
    return SampleDraw(
        case_ids=tuple(sorted(drawn)),
        size=size,
        seed=seed,
        stratify=stratify,
        strata=tuple(strata),
        population=population,
    )
