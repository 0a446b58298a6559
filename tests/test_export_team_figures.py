"""Per-question figures and agreement in every export format, read back from the files."""

from __future__ import annotations

import csv

import pytest
from team_seed import seed

from cctv_review.export import export

DETAIL_TEXT = "Was the pre-release risk assessment carried out with enough detail?"


@pytest.fixture
def seeded(store, template):
    seed(store, template)
    return store, template


def detail_question(template) -> str:
    return template.question("release.pre_release_ra_detail").text


def test_questions_csv_rows(seeded, tmp_path):
    store, template = seeded
    written = export(store, template, "csv", tmp_path / "out")
    assert [p.name for p in written][-1] == "questions.csv"
    with open(tmp_path / "out" / "questions.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    detail = {r["answer"]: r for r in rows if r["question_id"] == "release.pre_release_ra_detail"}
    assert set(detail) == {"Yes", "No", "Not seen"}
    assert detail["No"]["cases"] == "2" and detail["No"]["applied"] == "5"
    assert detail["No"]["percent"] == "40.0" and detail["No"]["unanswered"] == "1"
    assert detail["No"]["section"] == "Release" and detail["No"]["question"] == detail_question(template)
    types = {r["answer"]: r["cases"] for r in rows if r["question_id"] == "uof.force_used"}
    assert types == {"Yes": "3", "No": "1", "Not seen": "0"}
    with open(tmp_path / "out" / "summary.csv", encoding="utf-8-sig", newline="") as handle:
        summary = list(csv.DictReader(handle))
    kappa = [
        r
        for r in summary
        if r["table"] == "Agreement between first and second reviews" and r["column"] == "Cohen's kappa"
    ]
    assert kappa[0]["row"].startswith("Outcome") and kappa[0]["value"] == "0.64"


def test_questions_csv_follows_the_selection(seeded, tmp_path):
    from datetime import date

    store, template = seeded
    export(store, template, "csv", tmp_path / "feb", date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    with open(tmp_path / "feb" / "questions.csv", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["question_id"] == "release.pre_release_ra_detail"]
    assert {r["answer"]: (r["cases"], r["applied"]) for r in rows} == {
        "Yes": ("2", "2"),
        "No": ("0", "2"),
        "Not seen": ("0", "2"),
    }


def test_questions_sheet_in_the_workbook(seeded, tmp_path):
    from openpyxl import load_workbook

    store, template = seeded
    [path] = export(store, template, "xlsx", tmp_path / "review.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Summary", "Cases", "Findings", "Answers", "Questions"]
    ws = wb["Questions"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    no = next(r for r in rows if r["Question id"] == "release.pre_release_ra_detail" and r["Answer"] == "No")
    assert no["Cases answering so"] == 2 and no["Completed cases it applied to"] == 5
    assert no["% of cases it applied to"] == pytest.approx(0.4)  # a real percentage
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]]
    titles = [r[0] for r in summary]
    assert "Agreement between first and second reviews" in titles
    outcome = next(r for r in summary if str(r[0]).startswith("Outcome (no"))
    assert outcome[1:4] == (4, 3, pytest.approx(0.75))


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


def test_report_has_agreement_questions_and_optional_areas(seeded, tmp_path):
    store, template = seeded
    [plain] = export(store, template, "pdf", tmp_path / "plain.pdf")
    text = pdf_text(plain)
    assert "Agreement between first and second reviews" in text
    assert "agreed on 3 of 4 cases (75%); Cohen's kappa 0.64, weighted (linear) 0.71" in text
    assert "How each question was answered" in text
    assert "no 2 (40%)" in text  # the detail question: no in 2 of the 5 cases it applied to
    assert "Areas for improvement" not in text
    [areas] = export(store, template, "pdf", tmp_path / "areas.pdf", areas_for_improvement=True)
    text = pdf_text(areas)
    assert "Areas for improvement" in text
    assert f"{detail_question(template)} — no in 2 of 5 cases (40%)" in text
    exported = [r for r in store.audit_rows() if r["action"] == "exported"]
    assert '"areas_for_improvement": true' in exported[-1]["detail"]
