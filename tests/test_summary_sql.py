"""The SQL summary against a straightforward Python recomputation on a random, seeded store."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest

from cctv_review.domain import CASE_FLAGS, CaseStatus, FindingLevel, LearningLevel
from cctv_review.summary import Breakdown, ForceSummary, ThemeRow, month_label, summarise


def python_summary(store, template, **selection):
    """The figures computed case by case in Python (the summary's rules, written the plain way)."""
    cases = store.list_cases(**selection)
    done = [c for c in cases if c.status == CaseStatus.COMPLETE]
    done_ids = {c.id for c in done}
    status = Counter(c.status for c in cases)
    by_level = Counter(c.outcome.value for c in done)
    findings = [f for f in store.list_findings() if f.case_id in done_ids]
    theme_cases: dict = defaultdict(lambda: defaultdict(set))
    theme_n: Counter = Counter()
    for f in findings:
        theme_cases[f.theme]["any"].add(f.case_id)
        theme_cases[f.theme][f.level.value].add(f.case_id)
        theme_n[f.theme] += 1
    ids = [t.id for t in template.themes] + sorted(set(theme_cases) - {t.id for t in template.themes})
    themes = [
        ThemeRow(
            t,
            template.theme_label(t),
            len(theme_cases[t]["any"]),
            len(theme_cases[t]["significant"]),
            len(theme_cases[t]["some"]),
            len(theme_cases[t]["good_practice"]),
            theme_n[t],
        )
        for t in ids
    ]

    def breakdown(key, label, group):
        n = Counter(c.outcome.value for c in group)
        return Breakdown(key, label, len(group), n["significant"], n["some"], n["none"])

    suites, months = defaultdict(list), defaultdict(list)
    for c in done:
        suites[c.custody_suite].append(c)
        months[c.detention_date.strftime("%Y-%m") if c.detention_date else "unknown"].append(c)
    roles = template.roles
    jq = [roles[r] for r in ("force_justified", "force_proportionate", "force_necessary")]
    used = jpn = not_jpn = 0
    for c in done:
        answers = store.answers(c.id)
        u = answers.get(roles["force_used"])
        if not (u == "yes" if u in ("yes", "no") else c.use_of_force):
            continue
        used += 1
        js = [answers.get(q) for q in jq]
        if all(j == "yes" for j in js):
            jpn += 1
        elif any(j == "no" for j in js):
            not_jpn += 1
    return {
        "counts": (len(cases), len(done), status[CaseStatus.IN_PROGRESS], status[CaseStatus.NOT_STARTED]),
        "by_level": {lvl.value: by_level[lvl.value] for lvl in LearningLevel},
        "by_theme": themes,
        "by_suite": [
            breakdown(s, s or "Suite not recorded", suites[s])
            for s in sorted(suites, key=lambda s: (s == "", s))
        ],
        "by_month": [
            breakdown(m, month_label(m), months[m]) for m in sorted(months, key=lambda m: (m == "unknown", m))
        ],
        "by_flag": [
            breakdown(f, label, [c for c in done if getattr(c, f)]) for f, label in CASE_FLAGS.items()
        ],
        "use_of_force": ForceSummary(used, jpn, not_jpn, used - jpn - not_jpn),
        "findings": (len(findings), sum(f.level == FindingLevel.GOOD_PRACTICE for f in findings)),
    }


def seed_random_store(store, template, seed: int, cases: int = 300) -> None:
    """Cases of every status, suite (and none), date (and none) and flag mix; findings in every theme
    and level (plus a theme the form no longer has); force answers yes / no / not seen / missing / a list."""
    rng = random.Random(seed)
    roles = template.roles
    force_qs = [roles[r] for r in ("force_used", "force_justified", "force_proportionate", "force_necessary")]
    themes = [t.id for t in template.themes] + ["retired_theme"]
    db = store.db
    with store.transaction():
        for i in range(cases):
            status = rng.choice(list(CaseStatus))
            outcome = rng.choice(list(LearningLevel)).value if status == CaseStatus.COMPLETE else None
            if status != CaseStatus.COMPLETE and rng.random() < 0.3:
                outcome = rng.choice(list(LearningLevel)).value  # judged but not yet completed
            day = date(2025, 11, 1) + timedelta(days=rng.randrange(150))
            row = {
                "reference": f"R-{seed}-{i:04d}",
                "custody_suite": rng.choice(["Northgate", "Southbank", "Westway", "Ämsbury", ""]),
                "detention_date": None if rng.random() < 0.1 else day.isoformat(),
                "status": status.value,
                "outcome": outcome,
                **{flag: int(rng.random() < 0.3) for flag in CASE_FLAGS},
            }
            case_id = db["cases"].insert(row).last_pk
            for _ in range(rng.choice([0, 0, 1, 2, 5, 9])):
                db["findings"].insert(
                    {
                        "case_id": case_id,
                        "theme": rng.choice(themes),
                        "level": rng.choice(list(FindingLevel)).value,
                        "position_ms": rng.randrange(100_000),
                    }
                )
            for question in force_qs:
                choice = rng.choice(["yes", "no", "not_seen", None, None, ["yes"]])
                if choice is not None:
                    db["answers"].insert(
                        {
                            "case_id": case_id,
                            "question_id": question,
                            "value": json.dumps(choice),
                            "template_id": template.id,
                            "template_version": template.version,
                        }
                    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sql_summary_equals_the_python_recomputation(store, template, seed):
    seed_random_store(store, template, seed)
    rng = random.Random(seed)
    all_ids = [c.id for c in store.list_cases()]
    selections = [
        {},
        {"date_from": date(2026, 1, 1)},
        {"date_from": date(2025, 12, 1), "date_to": date(2026, 2, 15)},
        {"case_ids": rng.sample(all_ids, 120)},
        {"case_ids": rng.sample(all_ids, 120), "date_to": date(2026, 1, 31)},
        {"case_ids": []},
    ]
    for selection in selections:
        s = summarise(store, template, **selection)
        expected = python_summary(store, template, **selection)
        assert (s.total_cases, s.completed, s.in_progress, s.not_started) == expected["counts"]
        assert s.by_level == expected["by_level"]
        assert s.by_theme == expected["by_theme"]
        assert s.by_suite == expected["by_suite"]
        assert s.by_month == expected["by_month"]
        assert s.by_flag == expected["by_flag"]
        assert s.use_of_force == expected["use_of_force"]
        assert (s.findings, s.good_practice_findings) == expected["findings"]
    assert summarise(store, template).completed > 50  # the seeded store is not trivially empty
