"""CSV export: read back with the csv module and checked against the summary."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from test_export_sample import (  # noqa: F401 - seeded is a fixture
    NOTE_ACCENTS,
    NOTE_AT,
    NOTE_FORMULA,
    NOTE_MINUS,
    NOTE_PLUS,
    RECORDED_START,
    REFERENCES,
    seeded,
)

from cctv_review.domain import CaseStatus, LearningLevel, format_percent
from cctv_review.export import export
from cctv_review.summary import summarise


def read(path):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_folder_has_the_four_files_with_bom_and_crlf(seeded, template, tmp_path):
    store, _ = seeded
    out = tmp_path / "new" / "export"  # created, with its parent
    written = export(store, template, "csv", out)
    assert [p.name for p in written] == [
        "cases.csv",
        "findings.csv",
        "answers.csv",
        "summary.csv",
        "questions.csv",
    ]
    for path in written:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), "Excel on Windows needs the UTF-8 BOM"
        lines = raw.split(b"\n")
        assert all(line.endswith(b"\r") for line in lines[:-1] if line), "CRLF line ends, as Excel writes"
        assert raw.endswith(b"\r\n")
        raw.decode("utf-8")  # valid UTF-8 throughout


def test_cases_csv_matches_the_summary(seeded, template, tmp_path):
    store, _ = seeded
    export(store, template, "csv", tmp_path)
    rows = read(tmp_path / "cases.csv")
    summary = summarise(store, template)
    assert [r["reference"] for r in rows] == REFERENCES
    assert len(rows) == summary.total_cases
    done = [r for r in rows if r["status"] == CaseStatus.COMPLETE.label]
    assert len(done) == summary.completed
    counts = Counter(r["outcome"] for r in done)
    for level in LearningLevel:
        assert counts[level.label] == summary.by_level[level.value]
    for b in summary.by_flag:
        flagged = [r for r in done if r[b.key] == "Yes"]
        assert len(flagged) == b.cases
    first = rows[0]
    assert first["detention_date"] == "2026-01-10"
    assert first["child"] == "Yes" and first["mental_health"] == "No"
    assert first["findings"] == "3" and first["significant_findings"] == "1"
    assert first["reviewer"] == "Sgt Jane Smith"
    assert "Café" in first["outcome_rationale"]
    assert date.fromisoformat(first["detention_date"])
    assert "T" in first["completed_at"] and first["completed_at"][-6] in "+-"  # ISO 8601 with offset
    assert rows[4]["detention_date"] == "" and rows[4]["status"] == "Not started"


def test_findings_csv_rows_and_neutralised_notes(seeded, template, tmp_path):
    store, _ = seeded
    export(store, template, "csv", tmp_path)
    rows = read(tmp_path / "findings.csv")
    assert len(rows) == len(store.list_findings())
    first = rows[0]
    assert first["reference"] == REFERENCES[0]
    assert first["camera"] == "Booking-in desk"
    assert first["clip_time"] == "0:01:05.250"
    # The one rule: the recorder's wall clock in the store's zone (Europe/London: GMT in January).
    assert RECORDED_START + timedelta(milliseconds=65_250) == datetime(
        2026, 1, 10, 14, 6, 5, 250_000, timezone.utc
    )
    assert first["recorded_at"] == "2026-01-10 14:06:05 GMT"
    assert first["theme"] == template.theme_label("cell_observations")
    assert first["level"] == "Significant learning"
    assert first["note"] == NOTE_ACCENTS  # non-ASCII round-trips
    notes = [r["note"] for r in rows]
    for dangerous in (NOTE_FORMULA, NOTE_PLUS, NOTE_MINUS, NOTE_AT):
        assert "'" + dangerous in notes
        assert dangerous not in notes
    no_clip = rows[-1]
    assert no_clip["camera"] == "" and no_clip["clip_time"] == "" and no_clip["recorded_at"] == ""


def test_answers_csv(seeded, template, tmp_path):
    store, _ids = seeded
    export(store, template, "csv", tmp_path)
    rows = read(tmp_path / "answers.csv")
    assert len(rows) == len(store.answer_records())
    case_a = [r for r in rows if r["reference"] == REFERENCES[0]]
    by_id = {r["question_id"]: r for r in case_a}
    assert by_id["uof.force_used"]["answer"] == "No"
    assert by_id["uof.force_used"]["question"] == template.question("uof.force_used").text
    assert by_id["cell.missed_checks"]["answer"].startswith("'=2+3")  # free text is neutralised too
    assert by_id["vuln.applies"]["answer"] == template.question("vuln.applies").display("child")
    # answers follow the form's order
    order = [q.id for q in template.questions()]
    assert [r["question_id"] for r in case_a] == sorted(by_id, key=order.index)


def test_summary_csv_has_the_headline_and_the_figures(seeded, template, tmp_path):
    store, _ = seeded
    export(store, template, "csv", tmp_path)
    rows = read(tmp_path / "summary.csv")
    summary = summarise(store, template)
    statements = {r["row"]: r["value"] for r in rows if r["table"] == "Statement"}
    assert statements["Headline"] == summary.headline
    assert statements["Progress"] == summary.progress_note
    figures = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    for level in LearningLevel:
        assert figures[("Outcome of completed cases", level.label, "Cases")] == str(
            summary.by_level[level.value]
        )
        assert float(
            figures[("Outcome of completed cases", level.label, "% of completed")]
        ) == summary.level_percent(level)
    for t in summary.by_theme:
        assert figures[("Findings by theme (completed cases)", t.label, "With significant learning")] == str(
            t.significant_cases
        )
    for b in summary.by_suite:
        assert figures[("By custody suite", b.label, "Significant learning")] == str(b.significant)
    uof = summary.use_of_force
    assert figures[("Use of force (completed cases where force was used)", "Force used", "Cases")] == str(
        uof.cases
    )
    assert format_percent(summary.level_percent("significant")) in summary.headline


def test_date_range_limits_every_file(seeded, template, tmp_path):
    store, _ = seeded
    export(store, template, "csv", tmp_path, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert [r["reference"] for r in read(tmp_path / "cases.csv")] == REFERENCES[2:4]
    assert {r["reference"] for r in read(tmp_path / "findings.csv")} == set(REFERENCES[2:4])
    assert {r["reference"] for r in read(tmp_path / "answers.csv")} == set(REFERENCES[2:4])
    summary = summarise(store, template, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    headline = next(r for r in read(tmp_path / "summary.csv") if r["row"] == "Headline")["value"]
    assert headline == summary.headline


def test_selected_cases(seeded, template, tmp_path):
    store, ids = seeded
    export(store, template, "csv", tmp_path, case_ids=[ids[REFERENCES[1]]])
    assert [r["reference"] for r in read(tmp_path / "cases.csv")] == [REFERENCES[1]]


def test_full_width_formula_characters_are_neutralised(seeded, template, tmp_path):
    """Excel and LibreOffice read a leading full-width ＝＋－＠ as its ASCII twin, so a formula can hide there."""
    from cctv_review.domain import Finding, FindingLevel
    from cctv_review.export.tabular import neutralise

    for text in ('＝HYPERLINK("http://x")', "＋1", "－1", "＠SUM(A1)"):
        assert neutralise(text) == "'" + text
    store, _ = seeded
    case = store.list_cases()[0]
    store.reopen_case(case.id, "test")
    store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note="＝1+1"))
    export(store, template, "csv", tmp_path / "out")
    text = (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8-sig")
    assert "'＝1+1" in text
