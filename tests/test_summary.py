import json
from datetime import date

import pytest

from cctv_review.cli import main
from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.summary import format_summary, summarise


def test_sixty_four_cases_none_significant(store, template, complete_case):
    for i in range(64):
        complete_case(
            f"CR-{i:03d}",
            "some" if i % 3 == 0 else "none",
            custody_suite="Northgate",
            detention_date=date(2026, 1 + i % 3, 1 + i % 28),
        )
    s = summarise(store, template)
    assert s.headline == "Of 64 cases reviewed on CCTV, 0 had significant learning (0%)."
    assert s.completed == 64 and s.significant == 0
    assert s.by_level == {"significant": 0, "some": 22, "none": 42}
    assert s.level_percent("none") == 65.6
    assert s.progress_note == "All cases are complete."


@pytest.fixture
def mixed(store, template, complete_case):
    """Eight completed cases with known figures, one in progress and one not started."""
    force = {"uof.force_used": "yes"}
    jpn = {**force, "uof.justified": "yes", "uof.proportionate": "yes", "uof.necessary": "yes"}
    complete_case(
        "N1",
        "significant",
        custody_suite="Northgate",
        detention_date=date(2026, 1, 4),
        child=True,
        use_of_force=True,
        answers=jpn,
        findings=[("use_of_force", "significant"), ("use_of_force", "some")],
    )
    complete_case(
        "N2",
        "significant",
        custody_suite="Northgate",
        detention_date=date(2026, 1, 20),
        findings=[("cell_observations", "significant")],
    )
    complete_case(
        "N3",
        "some",
        custody_suite="Northgate",
        detention_date=date(2026, 2, 2),
        answers={**force, "uof.justified": "no", "uof.proportionate": "yes", "uof.necessary": "yes"},
    )
    complete_case(
        "N4",
        "none",
        custody_suite="Northgate",
        detention_date=date(2026, 2, 9),
        child=True,
        findings=[("release", "good_practice")],
    )
    complete_case(
        "S1",
        "significant",
        custody_suite="Southbank",
        detention_date=date(2026, 2, 14),
        answers={**force, "uof.justified": "yes", "uof.proportionate": "yes", "uof.necessary": "not_seen"},
    )
    complete_case(
        "S2",
        "some",
        custody_suite="Southbank",
        detention_date=date(2026, 3, 1),
        use_of_force=True,
        answers={"uof.force_used": "no"},
    )  # flagged, but no force in custody
    complete_case("S3", "none", custody_suite="Southbank", detention_date=date(2026, 3, 2))
    complete_case("S4", "none", custody_suite="Southbank")  # date not known
    busy = store.add_case(Case(reference="W1", custody_suite="Westway", child=True))
    store.add_finding(Finding(case_id=busy.id, theme="use_of_force", level=FindingLevel.SIGNIFICANT))
    store.add_case(Case(reference="W2", custody_suite="Westway"))
    return summarise(store, template)


def test_every_figure_of_the_mixed_set(mixed):
    s = mixed
    assert (s.total_cases, s.completed, s.in_progress, s.not_started) == (10, 8, 1, 1)
    assert s.headline == "Of 8 cases reviewed on CCTV, 3 had significant learning (37.5%)."
    assert s.progress_note == "Not counted: 1 is still in progress and 1 has not been started."
    assert s.by_level == {"significant": 3, "some": 2, "none": 3}

    themes = {t.theme: t for t in s.by_theme}
    uof = themes["use_of_force"]  # the in-progress case's finding does not count
    assert (uof.cases, uof.significant_cases, uof.some_cases, uof.findings) == (1, 1, 1, 2)
    assert (themes["cell_observations"].significant_cases, themes["release"].good_practice_cases) == (1, 1)
    assert themes["welfare"].cases == 0 and themes["welfare"].label == "Welfare and healthcare"
    assert s.theme_percent(uof) == 12.5
    assert (s.findings, s.good_practice_findings) == (4, 1)

    suites = {b.key: b for b in s.by_suite}
    assert set(suites) == {"Northgate", "Southbank"}
    assert (
        suites["Northgate"].cases,
        suites["Northgate"].significant,
        suites["Northgate"].some,
        suites["Northgate"].none,
    ) == (4, 2, 1, 1)
    assert suites["Northgate"].significant_percent == 50.0
    assert (suites["Southbank"].cases, suites["Southbank"].significant) == (4, 1)

    months = [(b.key, b.label, b.cases, b.significant) for b in s.by_month]
    assert months == [
        ("2026-01", "January 2026", 2, 2),
        ("2026-02", "February 2026", 3, 1),
        ("2026-03", "March 2026", 2, 0),
        ("unknown", "Date not known", 1, 0),
    ]

    flags = {b.key: b for b in s.by_flag}
    assert (flags["child"].cases, flags["child"].significant, flags["child"].none) == (2, 1, 1)
    assert flags["use_of_force"].cases == 2  # by the case flag

    force = s.use_of_force  # by the reviewer's answers: N1, N3, S1 (S2 answered no)
    assert (force.cases, force.justified_proportionate_necessary, force.not_jpn, force.undetermined) == (
        3,
        1,
        1,
        1,
    )
    assert force.jpn_percent == 33.3


def test_text_and_json_renderings_agree(mixed, store, template, tmp_path, capsys):
    text = format_summary(mixed)
    assert text.splitlines()[0] == mixed.headline
    assert "judged justified, proportionate and necessary in 1 (33.3%)" in text
    assert "Northgate" in text and "January 2026" in text
    data = mixed.to_dict()
    assert data["by_level"]["significant"] == {"label": "Significant learning", "cases": 3, "percent": 37.5}
    assert json.loads(json.dumps(data))["headline"] == mixed.headline


def test_date_range_and_selection(mixed, store, template):
    feb = summarise(store, template, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert feb.completed == 3 and feb.significant == 1 and "2026-02-01 to 2026-02-28" in feb.scope
    chosen = summarise(store, template, case_ids=[store.case_by_reference("N2").id])
    assert chosen.headline == "Of 1 case reviewed on CCTV, 1 had significant learning (100%)."


def test_cli_summary_on_empty_and_seeded_stores(tmp_path, capsys, template):
    db = tmp_path / "empty.sqlite"
    assert main(["--db", str(db), "summary"]) == 0
    assert "There are no cases in the store yet." in capsys.readouterr().out
    assert main(["--db", str(db), "summary", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["completed"] == 0 and data["headline"] == "There are no cases in the store yet."

    from cctv_review.store import Store

    with Store(db) as s:
        s.add_case(Case(reference="ONLY"))
    assert main(["--db", str(db), "summary"]) == 0
    out = capsys.readouterr().out
    assert "No cases have been completed yet" in out and "1 has not been started" in out


def test_an_empty_selection_says_so(mixed, store, template):
    none = summarise(store, template, date_from=date(2030, 1, 1))
    assert none.headline == "No cases match this selection (detentions 2030-01-01 to the latest)."


def test_cli_output_into_a_closed_pipe_ends_quietly(mixed, store, tmp_path):
    """`cctv-review summary | head` must not end in a traceback."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "cctv_review", "--db", str(store.path), "summary"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader goes away before anything is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    assert proc.returncode == 1
