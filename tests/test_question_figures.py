"""Per-question figures on a seeded store with known answers."""

from __future__ import annotations

import pytest

from cctv_review.domain import Case
from cctv_review.question_figures import areas_for_improvement, question_figure, question_figures
from cctv_review.store import Store
from cctv_review.template import load_template


@pytest.fixture
def seeded(tmp_path):
    template = load_template()
    store = Store(tmp_path / "s.sqlite", user="tester")
    plan = [
        # searched, search types, strip authorised, risk assessment, complete?
        ("yes", ["pat_down"], None, "yes", True),
        ("yes", ["strip_search", "pat_down"], "yes", "yes", True),
        ("yes", ["strip_search"], "no", "no", True),
        ("yes", ["clothing_for_safety"], "no", "yes", True),
        ("no", None, None, "not_seen", True),
        ("no", None, None, None, True),  # risk assessment left unanswered
        ("yes", ["strip_search"], "no", "no", False),  # in progress: never counted
    ]
    for n, (searched, types, authorised, ra, complete) in enumerate(plan, 1):
        case = store.add_case(Case(reference=f"CR{n:03d}"))
        for qid, value in [
            ("search.searched", searched),
            ("search.type", types),
            ("search.strip_authorised", authorised),
            ("arrival.risk_assessment", ra),
        ]:
            if value is not None:
                store.set_answer(case.id, qid, value, template)
        if complete:
            store.db.execute("UPDATE cases SET status = 'complete' WHERE id = ?", [case.id])
    yield store, template
    store.close()


def test_yes_no_counts_among_completed_cases(seeded):
    store, template = seeded
    fig = question_figure(store.db.conn, template, template.question("arrival.risk_assessment"))
    assert (fig.applied, fig.answered, fig.unanswered) == (6, 5, 1)
    assert dict(fig.counts) == {"yes": 3, "no": 1, "not_seen": 1}
    assert fig.describe("no") == (
        "Was a risk assessment carried out at booking-in? — no: 1 of 6 cases (16.7%)"
    )


def test_show_if_chain_through_a_multiple_choice_parent(seeded):
    store, template = seeded
    types = question_figure(store.db.conn, template, template.question("search.type"))
    assert types.applied == 4  # searched: yes
    assert types.counts["pat_down"] == 2 and types.counts["strip_search"] == 2
    assert types.counts["clothing_for_safety"] == 1 and types.counts["wand"] == 0
    strip = question_figure(store.db.conn, template, template.question("search.strip_authorised"))
    # Applies where search.type holds strip search / clothing for safety / intimate: cases 2, 3, 4.
    assert (strip.applied, strip.answered) == (3, 3)
    assert dict(strip.counts) == {"yes": 1, "no": 2, "not_seen": 0}


def test_selection_follows_a_filter(seeded):
    store, template = seeded
    only_first_two = "SELECT id FROM cases WHERE status = 'complete' AND reference IN (?, ?)"
    fig = question_figure(
        store.db.conn,
        template,
        template.question("arrival.risk_assessment"),
        only_first_two,
        ["CR001", "CR002"],
    )
    assert (fig.applied, dict(fig.counts)) == (2, {"yes": 2, "no": 0, "not_seen": 0})


def test_every_choice_question_has_a_figure_and_areas_rank_adverse_shares(seeded):
    store, template = seeded
    figures = question_figures(store.db.conn, template)
    ids = [f.question_id for f in figures]
    assert "arrival.risk_assessment" in ids and "search.type" in ids
    assert all(template.question(i).type in ("yes_no", "single_choice", "multiple_choice") for i in ids)
    areas = areas_for_improvement(
        figures, {"search.strip_authorised": ["no"], "arrival.risk_assessment": ["no", "not_seen"]}
    )
    assert [(f.question_id, v, c) for f, v, c in areas] == [
        ("search.strip_authorised", "no", 2),  # 2 of 3
        ("arrival.risk_assessment", "no", 1),  # 1 of 6, first in the form's order of values
        ("arrival.risk_assessment", "not_seen", 1),
    ]


def test_free_text_is_not_counted(seeded):
    store, template = seeded
    with pytest.raises(ValueError, match="only choices"):
        question_figure(store.db.conn, template, template.question("footage.gaps"))
