"""Blind second review and moderation (issue 14 items 2 and 4), on the store and in the summary."""

from __future__ import annotations

import json

import pytest

from cctv_review import team
from cctv_review.cli import main
from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel
from cctv_review.store import CompletionRefused, Store
from cctv_review.summary import format_summary, summarise
from tests.conftest import answer_everything, answer_everything_second


def _first_review(store: Store, template, reference: str, outcome: str) -> Case:
    case = store.add_case(Case(reference=reference, reviewer=store.user))
    answer_everything(store, template, case.id)
    store.add_finding(
        Finding(
            case_id=case.id,
            theme="risk_assessment",
            level=FindingLevel.SIGNIFICANT,
            note=f"First reviewer's finding in {reference}",
        )
    )
    store.set_outcome(case.id, LearningLevel(outcome), f"First reviewer's rationale for {reference}.")
    return store.complete_case(case.id, template)


def _second_review(path, template, case_id: int, outcome: str, user: str = "bob") -> None:
    with Store(path, user=user) as bob:
        answer_everything_second(bob, template, case_id)
        team.set_second_outcome(bob, case_id, outcome, "Bob's rationale.")
        team.complete_second_review(bob, case_id, template)


@pytest.fixture
def shared(tmp_path, template):
    """One store: alice completed three cases; bob is assigned the second review of two."""
    path = tmp_path / "team.sqlite"
    with Store(path, user="alice") as alice:
        ids = [
            _first_review(alice, template, f"T-{i}", o).id
            for i, o in enumerate(["significant", "some", "none"])
        ]
    with Store(path, user="lead") as lead:
        team.assign_second_review(lead, ids[0], "bob")
        team.assign_second_review(lead, ids[1], "bob")
    return path, ids


def test_the_first_reviewer_cannot_be_the_second(shared):
    path, ids = shared
    with Store(path, user="lead") as lead, pytest.raises(team.TeamError, match="someone else"):
        team.assign_second_review(lead, ids[2], "alice")


def test_second_review_is_kept_apart_from_the_first(shared, template):
    path, ids = shared
    with Store(path, user="bob") as bob:
        assert team.blind_for(bob, "bob", ids[0])
        with pytest.raises(team.BlindReview):
            team.first_review(bob, ids[0], "bob")
        with pytest.raises(CompletionRefused):
            team.complete_second_review(bob, ids[0], template)
        finding = team.add_second_finding(
            bob, Finding(case_id=ids[0], theme="welfare", level=FindingLevel.SOME, note="Bob's own")
        )
        assert finding.review_round == 2 and finding.reviewer == "bob"
    _second_review(path, template, ids[0], "some")
    with Store(path, user="bob") as bob:
        case, answers, findings = team.first_review(bob, ids[0], "bob")  # allowed now
        assert answers == bob.answers(ids[0])
        assert case.outcome == LearningLevel.SIGNIFICANT
        assert [f.note for f in findings] == ["First reviewer's finding in T-0"]
        review = team.second_review(bob, ids[0])
        assert review.completed and review.outcome == LearningLevel.SOME
        assert [f.note for f in team.second_findings(bob, ids[0])] == ["Bob's own"]
        # both kept: the first review is unchanged
        assert bob.get_case(ids[0]).outcome_rationale == "First reviewer's rationale for T-0."
        assert set(team.second_answers(bob, ids[0])) and bob.answers(ids[0])
        actions = [r["action"] for r in bob.audit_rows()]
        assert {"second_review.assigned", "second_answer.saved", "second_review.completed"} <= set(actions)
        assert bob.verify_audit().ok, str(bob.verify_audit())


def test_someone_else_cannot_write_the_second_review(shared, template):
    path, ids = shared
    with Store(path, user="carol") as carol, pytest.raises(team.TeamError, match="assigned to bob"):
        team.set_second_outcome(carol, ids[0], "none", "not mine to give")


def test_moderation_changes_the_headline_as_expected(shared, template):
    path, ids = shared
    with Store(path, user="lead") as lead:
        before = summarise(lead, template)
        assert before.by_level == {"significant": 1, "some": 1, "none": 1} and before.moderated == 0
    _second_review(path, template, ids[0], "none")  # disagrees: significant vs none
    _second_review(path, template, ids[1], "some")  # agrees
    with Store(path, user="lead") as lead:
        (d,) = team.disagreements(lead)
        assert (d.reference, d.first, d.second, d.moderation) == (
            "T-0",
            LearningLevel.SIGNIFICANT,
            LearningLevel.NONE,
            None,
        )
        with pytest.raises(team.TeamError, match="agree"):
            team.moderate(lead, ids[1], "none", "no")
        with pytest.raises(team.TeamError, match="reason"):
            team.moderate(lead, ids[0], "none", "  ")
        team.moderate(
            lead, ids[0], LearningLevel.NONE, "The footage shows the risk assessment was done off camera."
        )
        after = summarise(lead, template)
        assert after.by_level == {"significant": 0, "some": 1, "none": 2}
        assert after.moderated == 1 and after.completed == 3
        # Every breakdown follows the moderated outcome, and no case is counted twice.
        for rows in (after.by_suite, after.by_month):
            assert sum(r.cases for r in rows) == 3
            assert sum(r.significant for r in rows) == 0 and sum(r.none for r in rows) == 2
        assert after.headline.startswith("Of 3 cases reviewed on CCTV, 0 had significant learning (0%).")
        assert "1 of these outcomes was settled by moderation" in after.headline
        assert "1 of these outcomes" in format_summary(after)
        entry = lead.audit_rows()[-1]
        assert entry["action"] == "case.moderated" and entry["user"] == "lead"
        assert json.loads(entry["detail"])["first"] == "significant"
        # the first review itself is unchanged
        assert lead.get_case(ids[0]).outcome == LearningLevel.SIGNIFICANT


def test_cli_assigns_lists_and_moderates(shared, template, capsys, monkeypatch):
    from cctv_review import store as store_module

    path, ids = shared
    monkeypatch.setattr(store_module, "current_user", lambda: "lead")
    assert main(["second-review", "assign", "--db", str(path), "T-2", "carol"]) == 0
    assert main(["second-review", "list", "--db", str(path)]) == 0
    assert "T-2\tcarol\tassigned" in capsys.readouterr().out
    _second_review(path, template, ids[2], "significant", user="carol")
    assert main(["moderate", "--db", str(path)]) == 1  # one disagreement not moderated yet
    assert "T-2" in capsys.readouterr().out
    assert (
        main(
            [
                "moderate",
                "--db",
                str(path),
                "T-2",
                "--outcome",
                "some",
                "--reason",
                "Agreed at the team meeting.",
            ]
        )
        == 0
    )
    assert main(["moderate", "--db", str(path)]) == 0
    assert "moderated: Some learning" in capsys.readouterr().out
    assert main(["summary", "--db", str(path)]) == 0
    assert "settled by moderation" in capsys.readouterr().out


def test_the_cli_and_the_figures_keep_the_first_review_from_the_blind_second_reviewer(
    shared, template, capsys, monkeypatch, tmp_path
):
    """As bob (second reviewer of T-0 and T-1, not completed): `cases`, `summary`, `summary --suite`,
    `export`, the workspace's filtered figures and its export dialog show nothing of their first
    review; alice still sees everything; once bob completes T-0 it is his to see."""
    from cctv_review import store as store_module
    from cctv_review.summary_filter import SummaryFilter, summarise_filtered

    path, ids = shared
    monkeypatch.setattr(store_module, "current_user", lambda: "bob")
    assert main(["cases", "--db", str(path)]) == 0
    lines = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "Significant learning" not in lines["T-0"] and "Some learning" not in lines["T-1"]
    assert "Not started" in lines["T-0"] and "No learning" in lines["T-2"]  # T-2 is not his

    assert main(["summary", "--db", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["completed"] == 1 and "blind second review" in data["scope"]  # T-2 only
    assert main(["summary", "--db", str(path), "--agreement", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["completed"] == 1

    out = tmp_path / "bob-export"
    assert main(["export", "--db", str(path), "--format", "csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "2 cases under your blind second review were left out" in printed
    exported = "".join(f.read_text(encoding="utf-8") for f in out.glob("*.csv"))
    assert "T-2" in exported
    assert "T-0" not in exported and "First reviewer's rationale for T-0" not in exported
    assert "First reviewer's finding in T-1" not in exported

    # the workspace as bob: the supervisor's figures and the export dialog's options
    from cctv_review.ui.services import ReviewSession

    with Store(path, user="bob") as bob:
        session = ReviewSession(bob, template)
        assert session.filtered_summary(SummaryFilter()).completed == 1
        assert session.review_agreement(SummaryFilter()).double_reviewed == 0
        from cctv_review.ui.export_dialog import ExportDialog

        dialog = ExportDialog(session)
        assert dialog.options()["exclude_case_ids"] == sorted(ids[:2])
        dialog.deleteLater()
    with Store(path, user="alice") as alice:  # the first reviewer and everyone else: all three
        assert summarise_filtered(alice, template, SummaryFilter()).completed == 3

    _second_review(path, template, ids[0], "some")
    assert main(["cases", "--db", str(path)]) == 0
    lines = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "Significant learning" in lines["T-0"]  # completed: the first review is his to see


@pytest.mark.parametrize(
    "tamper, words",
    [
        ("UPDATE second_reviews SET outcome = 'none' WHERE case_id = {a}", "the second review of case {a}"),
        ("UPDATE second_answers SET value = '\"no\"' WHERE case_id = {a}", "the second review's answer to"),
        ("UPDATE moderations SET final_outcome = 'significant'", "the moderation of case {a}"),
        ("DELETE FROM moderations", "the moderation of case {a} was deleted outside"),
        (
            "DELETE FROM second_reviews WHERE case_id = {b}",
            "the second review of case {b} was deleted outside",
        ),
    ],
)
def test_the_second_review_and_the_moderation_edited_outside_are_caught(shared, template, tamper, words):
    """The trail records the team's rows (digest version 2): an edit or a deletion outside is reported."""
    import sqlite3

    path, ids = shared
    a, b = ids[0], ids[1]
    _second_review(path, template, a, "some")
    with Store(path, user="lead") as lead:
        team.moderate(lead, a, "some", "Agreed at the team meeting.")
        assert lead.verify_audit().ok, lead.verify_audit().problem
    conn = sqlite3.connect(path)
    conn.execute(tamper.format(a=a, b=b))
    conn.commit()
    conn.close()
    with Store(path, user="lead") as lead:
        check = lead.verify_audit()
    assert not check.ok and words.format(a=a, b=b) in check.problem, check.problem
