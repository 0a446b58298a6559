"""The supervisor's figures on a seeded store: the Summary filter, per-question figures, agreement, CLI."""

from __future__ import annotations

from datetime import date

import pytest
from team_seed import seed

from cctv_review.agreement import force_judgement, review_agreement
from cctv_review.question_figures import adverse_answers, areas_for_improvement, question_figures
from cctv_review.summary_filter import SummaryFilter, summarise_filtered

DETAIL = "release.pre_release_ra_detail"


@pytest.fixture
def seeded(store, template):
    seed(store, template)
    return store, template


def figure(store, template, summary_filter: SummaryFilter, qid: str = DETAIL):
    sql, params = summary_filter.completed_sql()
    return next(f for f in question_figures(store.db.conn, template, sql, params) if f.question_id == qid)


def test_per_question_figures_count_completed_cases_the_question_applied_to(seeded):
    store, template = seeded
    fig = figure(store, template, SummaryFilter())
    assert (fig.applied, fig.answered) == (5, 4)
    assert dict(fig.counts) == {"yes": 2, "no": 2, "not_seen": 0}
    assert fig.describe("no").endswith("no: 2 of 5 cases (40%)")
    ra = figure(store, template, SummaryFilter(), "release.pre_release_ra")
    assert (ra.applied, dict(ra.counts)) == (6, {"yes": 5, "no": 1, "not_seen": 0})  # CR007 is in progress


@pytest.mark.parametrize(
    ("summary_filter", "applied", "counts", "completed"),
    [
        (SummaryFilter(suite="Northgate"), 4, {"yes": 2, "no": 2, "not_seen": 0}, 4),
        (SummaryFilter(reviewer="bob"), 2, {"yes": 1, "no": 0, "not_seen": 0}, 3),
        (SummaryFilter(flags=frozenset({"child"})), 2, {"yes": 0, "no": 1, "not_seen": 0}, 2),
        (SummaryFilter(flags=frozenset({"child", "use_of_force"})), 0, {"yes": 0, "no": 0, "not_seen": 0}, 0),
        (SummaryFilter(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28)), 2, {"yes": 2, "no": 0, "not_seen": 0}, 2),
        (SummaryFilter(suite="Southbank", date_to=date(2026, 3, 5)), 1, {"yes": 0, "no": 0, "not_seen": 0}, 1),
    ],
)  # fmt: skip
def test_every_figure_follows_the_filter(seeded, summary_filter, applied, counts, completed):
    store, template = seeded
    fig = figure(store, template, summary_filter)
    assert (fig.applied, dict(fig.counts)) == (applied, counts)
    summary = summarise_filtered(store, template, summary_filter)
    assert summary.completed == completed
    assert summary.scope == summary_filter.describe() != "all cases"
    if completed:
        assert summary.headline.startswith(f"Of {completed} case")
    else:
        assert "No cases" in summary.headline or summary.completed == 0


def test_filter_in_words_and_unknown_flag_refused(seeded):
    store, template = seeded
    f = SummaryFilter(
        date_from=date(2026, 1, 1), suite="Northgate", reviewer="alice", flags=frozenset({"child"})
    )
    assert f.describe() == (
        "detentions 2026-01-01 to the latest; custody suite Northgate; reviewer alice; cases involving child"
    )
    assert summarise_filtered(store, template, f).completed == 1
    with pytest.raises(ValueError, match="hair_colour"):
        SummaryFilter(flags=frozenset({"hair_colour"})).where()
    with pytest.raises(ValueError, match="back to front"):
        summarise_filtered(
            store, template, SummaryFilter(date_from=date(2026, 3, 1), date_to=date(2026, 1, 1))
        )


def test_agreement_on_the_outcome_worked_by_hand(seeded):
    store, template = seeded
    agreement = review_agreement(store.db.conn, template)
    # CR005's second review is only assigned: not counted.  Pairs (first, second):
    # (sig, sig), (some, sig), (none, none), (some, some); rows/columns none, some, significant.
    assert agreement.double_reviewed == 4
    outcome = agreement.outcome
    assert outcome.table == ((1, 0, 0), (0, 1, 1), (0, 0, 1))
    assert outcome.cases == 4 and outcome.percent == pytest.approx(0.75)
    # p_e = .25*.25 + .5*.25 + .25*.5 = .3125; kappa = (.75 - .3125) / (1 - .3125)
    assert outcome.kappa == pytest.approx((0.75 - 0.3125) / 0.6875)
    # Linear weights 1, .5, 0: p_o(w) = .75 + .5 * .25 = .875; p_e(w) = .5625
    assert outcome.weighted_kappa == pytest.approx((0.875 - 0.5625) / 0.4375)
    assert outcome.weights == "linear"


def test_agreement_on_the_use_of_force_judgement(seeded):
    store, template = seeded
    agreement = review_agreement(store.db.conn, template)
    force = agreement.force
    assert force.cases == 3  # CR002-4: force used in both reviews; CR001: not used
    assert force.table[0] == (2, 0, 0) and force.table[1] == (1, 0, 0)  # jpn / not jpn rows
    assert force.percent == pytest.approx(2 / 3)
    assert force.kappa == pytest.approx(0.0)  # the second review judged every case jpn
    by_question = {q.question_id: q.agreement for q in agreement.force_questions}
    assert by_question["uof.force_used"].cases == 4 and by_question["uof.force_used"].percent == 1.0
    assert by_question["uof.justified"].cases == 3
    assert by_question["uof.justified"].percent == pytest.approx(2 / 3)
    text = "\n".join(agreement.lines())
    assert "4 completed cases reviewed twice" in text
    assert "agreed on 3 of 4 cases (75%); Cohen's kappa 0.64, weighted (linear) 0.71" in text
    assert "agreed on 2 of 3 cases (67%)" in text


def test_agreement_follows_the_filter_and_says_when_there_is_none(seeded):
    store, template = seeded
    sql, params = SummaryFilter(reviewer="alice").completed_sql()
    assert review_agreement(store.db.conn, template, sql, params).outcome.cases == 3
    sql, params = SummaryFilter(suite="Southbank").completed_sql()
    none = review_agreement(store.db.conn, template, sql, params)
    assert none.double_reviewed == 0 and none.outcome.cases == 0 and none.outcome.kappa is None
    assert none.lines() == [
        "No completed case has a completed second review yet, so there is no agreement to report."
    ]


def test_force_judgement_follows_the_summary_rule(template):
    roles = template.roles
    assert force_judgement({}, roles, flagged=False) is None
    assert force_judgement({}, roles, flagged=True) == "undetermined"
    assert force_judgement({"uof.force_used": "no"}, roles, flagged=True) is None
    assert force_judgement(JPN_ANSWERS, roles, flagged=False) == "jpn"
    assert force_judgement(JPN_ANSWERS | {"uof.necessary": "no"}, roles, flagged=False) == "not_jpn"


JPN_ANSWERS = {
    "uof.force_used": "yes",
    "uof.justified": "yes",
    "uof.proportionate": "yes",
    "uof.necessary": "yes",
}


def test_areas_for_improvement_from_the_forms_adverse_answers(seeded):
    store, template = seeded
    adverse = adverse_answers(template)
    assert adverse[DETAIL] == ["no"] and "search.searched" not in adverse
    assert all(v != "not_seen" for values in adverse.values() for v in values)
    areas = areas_for_improvement(question_figures(store.db.conn, template), adverse)
    top = [(f.question_id, v, c, f.applied) for f, v, c in areas]
    # uof.justified: no in 1 of 3 (33%); detail: no in 2 of 5 (40%); pre-release RA: 1 of 6.
    assert top[0] == (DETAIL, "no", 2, 5)
    assert ("uof.justified", "no", 1, 3) in top and top.index(("uof.justified", "no", 1, 3)) == 1


def test_cli_summary_agreement_and_questions(seeded, capsys, tmp_path):
    from cctv_review.cli import main

    store, _template = seeded
    db = store.path
    assert main(["summary", "--db", str(db), "--agreement"]) == 0
    out = capsys.readouterr().out
    assert "Agreement between first and second reviews" in out
    assert "agreed on 3 of 4 cases (75%); Cohen's kappa 0.64, weighted (linear) 0.71" in out
    assert "First \\ second" in out and "Significant learning" in out  # the confusion table
    assert main(["summary", "--db", str(db), "--questions", "--suite", "Northgate"]) == 0
    out = capsys.readouterr().out
    assert "Scope: custody suite Northgate." in out
    assert "no: 2 of 4 cases (50%)" in out
    assert main(["summary", "--db", str(db), "--agreement", "--questions", "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert data["agreement"]["outcome"]["cases"] == 4
    assert data["agreement"]["outcome"]["kappa"] == pytest.approx(0.6364, abs=1e-4)
    detail = next(q for q in data["questions"] if q["question_id"] == DETAIL)
    assert detail["applied"] == 5 and detail["counts"]["no"] == 2
