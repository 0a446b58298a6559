"""The PDF report: read back with pypdf; made headless from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_export_sample import NOTE_ACCENTS, NOTE_FORMULA, REFERENCES, seeded  # noqa: F401

from cctv_review.domain import LearningLevel, format_percent
from cctv_review.export import export
from cctv_review.export.pdf_report import PROTECTIVE_MARKING
from cctv_review.summary import summarise


def pdf_text(path) -> tuple[int, list[str]]:
    reader = PdfReader(str(path))
    return len(reader.pages), [" ".join(page.extract_text().split()) for page in reader.pages]


def images_on(path) -> int:
    return sum(len(page.images) for page in PdfReader(str(path)).pages)


@pytest.fixture
def pdf(seeded, template, tmp_path, qapp):  # qapp: a QApplication exists before the export needs one
    store, _ = seeded
    [path] = export(store, template, "pdf", tmp_path / "report")
    return path


def test_report_cover_has_the_headline_and_figures(pdf, seeded, template):
    store, _ = seeded
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    pages, text = pdf_text(pdf)
    summary = summarise(store, template)
    assert pages > 1
    cover = text[0]
    assert " ".join(summary.headline.split()) in cover
    assert summary.progress_note in cover
    for level in LearningLevel:  # the breakdown table: label, count, percentage
        assert (
            f"{level.label} {summary.by_level[level.value]} {format_percent(summary.level_percent(level))}"
            in cover
        )
    assert all(PROTECTIVE_MARKING in page for page in text)
    assert f"Page 1 of {pages}" in cover and f"Page {pages} of {pages}" in text[-1]


def test_report_has_a_section_per_case(pdf):
    _, text = pdf_text(pdf)
    whole = " ".join(text)
    for reference in REFERENCES:
        assert f"Case {reference}" in whole
    case_a = next(page for page in text if f"Case {REFERENCES[0]}" in page)
    assert "Outcome: Significant learning" in case_a
    assert "Checks were missed for a child" in case_a
    assert "Booking-in desk" in case_a and "0:01:05.250" in case_a
    assert " ".join(NOTE_ACCENTS.split()) in case_a
    assert NOTE_FORMULA in case_a  # a PDF is not a spreadsheet: notes appear as written
    assert "Still not available: finding-missing.png" in case_a
    assert "Does the footage cover the whole detention" in whole


def test_stills_are_embedded(pdf):
    assert images_on(pdf) == 1  # the one still that exists


def test_date_range_report(seeded, template, tmp_path, qapp):
    from datetime import date

    store, _ = seeded
    [path] = export(store, template, "pdf", tmp_path / "feb.pdf", date_from=date(2026, 2, 1))
    _, text = pdf_text(path)
    whole = " ".join(text)
    assert f"Case {REFERENCES[2]}" in whole and f"Case {REFERENCES[0]}" not in whole
    summary = summarise(store, template, date_from=date(2026, 2, 1))
    assert " ".join(summary.headline.split()) in text[0]


def test_command_line_pdf_without_a_display(seeded, tmp_path):
    """`cctv-review export --format pdf` in a fresh process with no display and no Qt platform set."""
    store, _ = seeded
    out = tmp_path / "cli-report.pdf"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    root = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "cctv_review", "--db", str(store.path), "export", "--format", "pdf", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"Wrote {out}" in result.stdout
    pages, text = pdf_text(out)
    assert pages > 1 and "Of 3 cases reviewed on CCTV" in text[0]


def test_headings_are_kept_with_what_follows(qapp):
    """A heading that would fall at the foot of a page starts the next page instead."""
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QTextDocument

    from cctv_review.export.pdf_report import KEEP_WITH_NEXT, keep_headings_with_next

    doc = QTextDocument()
    doc.setDocumentMargin(0)
    doc.setPageSize(QSizeF(400, 300))
    layout = doc.documentLayout()

    def heading_rect():
        block = doc.begin()
        while block.blockFormat().headingLevel() == 0:
            block = block.next()
        return layout.blockBoundingRect(block)

    def stranded():
        rect = heading_rect()
        return rect.top() % 300 > 1 and 300 - rect.bottom() % 300 < KEEP_WITH_NEXT

    for lines in range(1, 40):  # find a filler length that leaves the heading at the foot of page 1
        doc.setHtml(
            "".join(f"<p>line {i}</p>" for i in range(lines))
            + "<h3>Heading</h3><p>its text</p>"
            + "".join(f"<p>after {i}</p>" for i in range(30))
        )
        if stranded():
            break
    assert stranded()
    page = heading_rect().top() // 300
    assert keep_headings_with_next(doc, 300) == 1
    top = heading_rect().top()
    assert top // 300 == page + 1 and top % 300 < 30  # now at the top of the next page
    assert not stranded() and keep_headings_with_next(doc, 300) == 0
