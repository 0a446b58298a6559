"""Completed cases' summary figures kept in ``case_figures``: the summary reads them, and stays right
when they are missing, stale or made for other force questions (compared with the plain Python
recomputation of test_summary_sql)."""

from __future__ import annotations

import random
import sqlite3
from datetime import date

import pytest
from test_summary_sql import python_summary, seed_random_store

from cctv_review import case_figures
from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel
from cctv_review.migrations import LATEST_VERSION, MIGRATIONS
from cctv_review.store import Store
from cctv_review.summary import summarise


def _figures(s):
    return (
        (s.total_cases, s.completed, s.in_progress, s.not_started),
        s.by_level,
        s.by_theme,
        s.by_suite,
        s.by_month,
        s.by_flag,
        s.use_of_force,
        (s.findings, s.good_practice_findings),
    )


def _expected(store, template, **selection):
    e = python_summary(store, template, **selection)
    return (
        e["counts"],
        e["by_level"],
        e["by_theme"],
        e["by_suite"],
        e["by_month"],
        e["by_flag"],
        e["use_of_force"],
        e["findings"],
    )


def _complete_ids(store):
    return [r[0] for r in store.db.execute("SELECT id FROM cases WHERE status = 'complete' ORDER BY id")]


@pytest.mark.parametrize("seed", [4, 5])
def test_summary_from_kept_figures_all_some_or_none_equals_python(store, template, seed):
    seed_random_store(store, template, seed)
    done = _complete_ids(store)
    rng = random.Random(seed)
    selections = [
        {},
        {"date_from": date(2026, 1, 1)},
        {"case_ids": rng.sample([c.id for c in store.list_cases()], 100)},
    ]
    conn = store.db.conn
    for kept in ([], rng.sample(done, len(done) // 2), done):
        with store.transaction():
            conn.execute("DELETE FROM case_figures")
            case_figures.refresh(conn, template, kept)
        assert conn.execute("SELECT COUNT(*) FROM case_figures").fetchone()[0] == len(kept)
        for selection in selections:
            assert _figures(summarise(store, template, **selection)) == _expected(
                store, template, **selection
            )


def test_the_summary_reads_the_kept_rows(store, template, complete_case):
    """Changing a kept row changes the summary: the figures really come from case_figures."""
    complete_case("CR-1", "some", findings=[("cell_observations", "significant")])
    before = summarise(store, template)
    row = next(t for t in before.by_theme if t.theme == "cell_observations")
    assert (row.cases, row.significant_cases, row.findings) == (1, 1, 1)
    store.db.conn.execute(
        "UPDATE case_figures SET theme_ids = 'cell_observations', themes = ?, findings = 7",
        [case_figures.SLOT.pack(7, 0, 1, 0)],
    )
    after = summarise(store, template)
    row = next(t for t in after.by_theme if t.theme == "cell_observations")
    assert (row.cases, row.significant_cases, row.some_cases, row.findings) == (1, 0, 1, 7)
    assert after.findings == 7


def test_completing_writes_the_row_and_a_reopened_case_is_not_counted_from_it(store, template, complete_case):
    case = complete_case(
        "CR-1",
        "significant",
        findings=[("cell_observations", "some"), ("cell_observations", "good_practice"), ("uof", "none")],
        answers={"uof.force_used": "yes", "uof.justified": "yes"},
    )
    row = store.db.execute("SELECT * FROM case_figures WHERE case_id = ?", [case.id]).fetchone()
    assert row is not None
    assert _figures(summarise(store, template)) == _expected(store, template)
    store.reopen_case(case.id, "one more finding")
    store.add_finding(Finding(case_id=case.id, theme="uof", level=FindingLevel.SIGNIFICANT))
    assert _figures(summarise(store, template)) == _expected(store, template)
    store.complete_case(case.id, template)  # completed again: the row is made afresh
    assert _figures(summarise(store, template)) == _expected(store, template)
    uof = next(t for t in summarise(store, template).by_theme if t.theme == "uof")
    assert (uof.cases, uof.significant_cases, uof.findings) == (1, 1, 2)


def test_a_row_of_an_earlier_completion_is_ignored(store, template, complete_case):
    """A case completed again by another route (its completed_at changed, no new row) is read afresh."""
    case = complete_case("CR-1", "some", findings=[("cell_observations", "some")])
    conn = store.db.conn
    conn.execute("UPDATE cases SET status = 'in_progress' WHERE id = ?", [case.id])
    conn.execute("INSERT INTO findings (case_id, theme, level) VALUES (?, 'uof', 'significant')", [case.id])
    conn.execute(
        "UPDATE cases SET status = 'complete', completed_at = '2030-01-01T00:00:00.000+00:00' WHERE id = ?",
        [case.id],
    )
    assert _figures(summarise(store, template)) == _expected(store, template)
    assert summarise(store, template).findings == 2


def test_force_answers_of_other_questions_are_read_from_the_answers(store, template, complete_case):
    """A row made for another template's force questions is not used for force; the answers are."""
    complete_case("CR-1", "some", answers={"uof.force_used": "yes", "uof.justified": "no"})
    complete_case("CR-2", "none", answers={"uof.force_used": "yes", "uof.justified": "yes"})
    store.db.conn.execute("UPDATE case_figures SET force_questions = 'other', force_used = 'no'")
    assert summarise(store, template).use_of_force == _expected(store, template)[6]
    assert summarise(store, template).use_of_force.cases == 2


def test_second_review_findings_are_not_the_case_figures(store, template, complete_case):
    """Findings of a blind second review (review_round 2) count in neither path."""
    case = complete_case("CR-1", "some", findings=[("cell_observations", "some")])
    store.db.conn.execute(
        "INSERT INTO findings (case_id, theme, level, review_round) VALUES (?, 'uof', 'significant', 2)",
        [case.id],
    )
    kept = summarise(store, template)
    store.db.conn.execute("DELETE FROM case_figures")
    live = summarise(store, template)
    assert kept == live
    assert kept.findings == 1


def test_migration_fills_the_rows_of_cases_already_complete(tmp_path, template, answer_all):
    path = tmp_path / "old.sqlite"
    with Store(path) as store:
        for i in range(3):
            case = store.add_case(Case(reference=f"CR-{i}"))
            assert case.id is not None
            answer_all(store, template, case.id, {"uof.force_used": "yes"})
            store.add_finding(Finding(case_id=case.id, theme="uof", level=FindingLevel.SIGNIFICANT))
            store.set_outcome(case.id, LearningLevel.SOME, "Late.")
            if i < 2:
                store.complete_case(case.id, template)
        expected = summarise(store, template)
    conn = sqlite3.connect(path)  # back to the schema before the table, as an older version left it
    conn.execute("DROP TABLE case_figures")
    conn.execute("DROP INDEX idx_cases_summary")
    conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(_figures_migration())}")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.schema_version == LATEST_VERSION
        assert store.db.execute("SELECT COUNT(*) FROM case_figures").fetchone()[0] == 2
        assert summarise(store, template) == expected


def _figures_migration():
    return next(m for m in MIGRATIONS if m.__name__ == "_v_case_figures")


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE case_figures SET findings = findings + 1",
        "UPDATE case_figures SET themes = zeroblob(length(themes))",
        "UPDATE case_figures SET force_used = 'no'",
        "UPDATE case_figures SET theme_ids = 'welfare', themes = x'01000000010000000000000000000000'",
    ],
)
def test_kept_figures_changed_outside_the_app_fail_audit_verify(store, template, complete_case, sql):
    """The summary reads case_figures instead of the findings, so audit verify checks it against them."""
    complete_case(
        "CR-1",
        "some",
        findings=[("welfare", "some")],
        answers={"uof.force_used": "yes", "uof.justified": "no"},
    )
    complete_case("CR-2", "none")
    assert store.verify_audit().ok
    store.db.conn.execute(sql + " WHERE case_id = (SELECT id FROM cases WHERE reference = 'CR-1')")
    check = store.verify_audit()
    assert not check.ok
    assert "case_figures" in check.problem and "case 1" in check.problem
    assert len([p for p in check.problems if "case_figures" in p]) == 1  # CR-2 is fine


def test_audit_verify_accepts_kept_figures_of_a_seeded_store(store, template):
    seed_random_store(store, template, 7)
    with store.transaction():
        case_figures.refresh(store.db.conn, template)
    assert case_figures.check(store.db.conn) == []
