"""The PDF report laid out a few cases at a time: same pages, page n of N right across documents."""

from __future__ import annotations

from pypdf import PdfReader

from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.export import export, pdf_report


def test_a_report_over_several_documents_numbers_every_page(store, template, tmp_path, qapp, monkeypatch):
    monkeypatch.setattr(pdf_report, "CASES_PER_DOCUMENT", 4)
    references = [f"CR-{i:03d}" for i in range(11)]  # three documents of cases: 4, 4 and 3
    for i, reference in enumerate(references):
        case = store.add_case(Case(reference=reference))
        for k in range(i % 3 * 12):  # some cases run over a page
            store.add_finding(
                Finding(
                    case_id=case.id,
                    theme="welfare",
                    level=FindingLevel.SOME,
                    note=f"Finding {k} of {reference}.",
                )
            )
    [path] = export(store, template, "pdf", tmp_path / "r.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert text.count(pdf_report.PROTECTIVE_MARKING) == 2
    starts = [n for n, text in enumerate(pages) for r in references if f"Case {r} " in text]
    assert len(starts) == len(references) == len(set(starts))  # each case on a page of its own
    assert "Finding 23 of CR-008" in " ".join(pages)
    assert not any(
        text.startswith("OFFICIAL-SENSITIVE") and len(text) < 120 for text in pages[2:]
    )  # no blank page
