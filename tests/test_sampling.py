"""The stratified sampler: reproducible, exact stratum counts, explainable."""

from __future__ import annotations

import pytest

from cctv_review.domain import Case
from cctv_review.sampling import _allocate, draw_sample


def population(n: int = 200) -> list[Case]:
    cases = []
    for i in range(1, n + 1):
        cases.append(Case(reference=f"CR{i:04d}", id=i, child=i % 5 == 0, use_of_force=i % 4 == 0))
    return cases


def test_same_seed_same_cases_other_seed_other_cases():
    cases = population()
    a = draw_sample(cases, 40, ["child", "use_of_force"], seed=7)
    b = draw_sample(list(reversed(cases)), 40, ["child", "use_of_force"], seed=7)
    c = draw_sample(cases, 40, ["child", "use_of_force"], seed=8)
    assert a.case_ids == b.case_ids  # the order cases arrive in does not matter
    assert a.case_ids != c.case_ids
    assert len(a.case_ids) == 40 and len(set(a.case_ids)) == 40


def test_stratum_counts_are_proportional_and_add_up():
    cases = population()
    # 200 cases: child 40 (of which use of force 10), use of force 50.
    draw = draw_sample(cases, 40, ["child", "use_of_force"], seed=1)
    counts = {s.values: (s.available, s.drawn) for s in draw.strata}
    assert counts == {
        (True, True): (10, 2),
        (True, False): (30, 6),
        (False, True): (40, 8),
        (False, False): (120, 24),
    }
    by_id = {c.id: c for c in cases}
    for s in draw.strata:
        members = [i for i in draw.case_ids if (by_id[i].child, by_id[i].use_of_force) == s.values]
        assert len(members) == s.drawn


def test_largest_remainder_gives_exact_total():
    assert _allocate([1, 1, 1], 2) == [1, 1, 0]
    assert sum(_allocate([7, 13, 29, 51], 17)) == 17
    assert _allocate([10, 0], 3) == [3, 0]


def test_explanation_and_audit_detail_say_the_rule_and_the_seed():
    draw = draw_sample(population(), 10, ["child"], seed=42)
    text = draw.explain()
    assert "Drew 10 of 200 cases" in text and "seed 42" in text
    assert "child: yes: 2 of 40" in text and "child: no: 8 of 160" in text
    detail = draw.audit_detail()
    assert (
        detail["seed"] == 42 and detail["stratify"] == ["child"] and detail["case_ids"] == list(draw.case_ids)
    )


def test_more_than_there_are_draws_everything_and_bad_input_is_refused():
    assert draw_sample(population(12), 50, seed=3).case_ids == tuple(range(1, 13))
    with pytest.raises(ValueError, match="eye_colour"):
        draw_sample(population(), 5, ["eye_colour"])
    with pytest.raises(ValueError, match="negative"):
        draw_sample(population(), -1)


def test_cli_sample_is_reproducible_and_audited(tmp_path, capsys):
    from cctv_review.cli import main
    from cctv_review.store import Store

    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        for case in population(60):
            case.id = None
            store.add_case(case)
    argv = ["sample", "--db", str(db), "--size", "12", "--stratify", "child,use_of_force", "--seed", "99"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    assert capsys.readouterr().out == first
    assert first.startswith("Drew 12 of 60 cases, stratified by child, use of force")
    assert sum(1 for line in first.splitlines() if line.startswith("CR")) == 12
    with Store(db) as store:
        drawn = [r for r in store.audit_rows() if r["action"] == "sample.drawn"]
    assert len(drawn) == 2 and '"seed": 99' in drawn[0]["detail"]
    with pytest.raises(SystemExit):  # argparse refuses an unknown flag with a usage message
        main(["sample", "--db", str(db), "--size", "3", "--stratify", "hair_colour"])
    assert "unknown flag hair_colour" in capsys.readouterr().err
