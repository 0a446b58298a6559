"""The PDF report over many cases: each case from a new page, page n of N on every page, long rows split."""

from __future__ import annotations

from pypdf import PdfReader

from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.export import export, pdf_report


def test_a_report_over_many_cases_numbers_every_page(store, template, tmp_path, qapp):
    references = [f"CR-{i:03d}" for i in range(11)]
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
    long_note = "\n".join(f"Line {n} of a very long note." for n in range(150))  # taller than a page
    store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note=long_note))
    [path] = export(store, template, "pdf", tmp_path / "r.pdf")
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages]
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert text.count(pdf_report.PROTECTIVE_MARKING) == 2
    starts = [n for n, text in enumerate(pages) for r in references if f"Case {r} " in text]
    assert len(starts) == len(references) == len(set(starts))  # each case on a page of its own
    whole = " ".join(pages)
    assert "Finding 23 of CR-008" in whole
    assert "Line 0 of a very long note." in whole and "Line 149 of a very long note." in whole
    assert not any(
        text.startswith("OFFICIAL-SENSITIVE") and len(text) < 120 for text in pages[2:]
    )  # no blank page
