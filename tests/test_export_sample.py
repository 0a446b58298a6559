"""A small seeded store for the export tests, and tests of the shared row building.

``seed(store, template)`` makes five cases: one of each outcome (completed),
one in progress and one not started; flags; two custody suites; a clip with a
recorded start; findings with non-ASCII notes and notes beginning with = + - @;
a still PNG; and answers.  Other export test modules import it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from cctv_review.domain import Case, Clip, Finding, FindingLevel, LearningLevel
from cctv_review.paths import stills_dir

REFERENCES = ["CR/2026/000101", "CR/2026/000102", "CR/2026/000103", "CR/2026/000104", "CR/2026/000105"]
REVIEWER_NAME = "Sgt Jane Smith"
CLIP_PATH = "/footage/CR-2026-000101/booking-desk.mp4"
NOTE_ACCENTS = "Détenu left 40 min without a check — £5 of property not recorded; naïve “rousing”"
NOTE_FORMULA = '=HYPERLINK("http://example.invalid","click")'
NOTE_PLUS = "+44 call to solicitor not offered"
NOTE_MINUS = "-5 minutes late for the hourly check"
NOTE_AT = "@desk sergeant explained rights clearly"
RECORDED_START = datetime(2026, 1, 10, 14, 5, 0, tzinfo=timezone.utc)


def fill_required(store, template, case_id: int, answers: dict) -> None:
    """Give the chosen answers, then a plausible answer to every required question still missing."""
    for qid, value in answers.items():
        store.set_answer(case_id, qid, value, template)
    for _ in range(50):
        missing = template.missing_required(store.answers(case_id))
        if not missing:
            return
        q = missing[0]
        if q.type in ("yes_no", "single_choice"):
            value = "yes" if q.type == "yes_no" else q.options[0].value
        elif q.type == "multiple_choice":
            value = [q.options[0].value]
        elif q.type == "time":
            value = "0:10:00"
        else:
            value = "Nothing of note"
        store.set_answer(case_id, q.id, value, template)
    raise AssertionError("could not fill the required answers")


def write_still(path: Path, width: int = 640, height: int = 360) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = (60, 60, 60)
    cv2.rectangle(image, (40, 40), (width - 40, height - 40), (200, 200, 200), 4)
    cv2.rectangle(image, (width // 3, height // 3), (width // 2, height - 60), (80, 160, 220), -1)
    cv2.putText(image, "CAM 1  14:06:05", (50, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
    assert cv2.imwrite(str(path), image)
    return path


def seed(store, template) -> dict[str, int]:
    """Fill ``store`` with the sample cases; returns {reference: case id}."""
    a, b, c, d, e = (
        store.add_case(Case(REFERENCES[0], "Northtown", date(2026, 1, 10), child=True)),
        store.add_case(Case(REFERENCES[1], "Southport", date(2026, 1, 20), mental_health=True)),
        store.add_case(
            Case(REFERENCES[2], "Northtown", date(2026, 2, 5), use_of_force=True, strip_search=True)
        ),
        store.add_case(Case(REFERENCES[3], "Southport", date(2026, 2, 14), vulnerable_adult=True)),
        store.add_case(Case(REFERENCES[4], "", None)),
    )
    for case in (a, b, c, d):
        store.update_case(case.id, reviewer=REVIEWER_NAME)

    clip = store.add_clip(
        Clip(
            case_id=a.id,
            path=CLIP_PATH,
            camera="Booking-in desk",
            recorded_start=RECORDED_START,
            duration_ms=900_000,
            fps=25.0,
        )
    )
    still_abs = write_still(stills_dir(store.path) / "finding-a1.png")
    store.add_finding(
        Finding(
            a.id,
            "cell_observations",
            FindingLevel.SIGNIFICANT,
            position_ms=65_250,
            clip_id=clip.id,
            note=NOTE_ACCENTS,
            still_path=str(still_abs),
        )
    )
    store.add_finding(
        Finding(
            a.id,
            "rights",
            FindingLevel.SOME,
            position_ms=125_000,
            clip_id=clip.id,
            note=NOTE_FORMULA,
            still_path="finding-missing.png",
        )
    )
    store.add_finding(
        Finding(
            a.id,
            "vulnerability",
            FindingLevel.GOOD_PRACTICE,
            position_ms=300_500,
            clip_id=clip.id,
            note="Appropriate adult called within 20 minutes.",
        )
    )
    fill_required(
        store,
        template,
        a.id,
        {
            "uof.force_used": "no",
            "vuln.applies": "child",
            "cell.checks_on_time": "no",
            "cell.missed_checks": "=2+3 checks missed between 02:00 and 04:00",
        },
    )
    store.set_outcome(
        a.id,
        LearningLevel.SIGNIFICANT,
        "Checks were missed for a child; the risk was not reassessed. Café-style “welfare” visit.",
    )
    store.complete_case(a.id, template)

    clip_b = store.add_clip(
        Clip(
            case_id=b.id,
            path="/footage/CR-2026-000102/cell-4.mp4",
            camera="Cell 4",
            recorded_start=RECORDED_START + timedelta(days=10),
            duration_ms=600_000,
        )
    )
    store.add_finding(
        Finding(b.id, "rights", FindingLevel.SOME, position_ms=10_000, clip_id=clip_b.id, note=NOTE_PLUS)
    )
    store.add_finding(
        Finding(
            b.id,
            "cell_observations",
            FindingLevel.SOME,
            position_ms=20_000,
            clip_id=clip_b.id,
            note=NOTE_MINUS,
        )
    )
    fill_required(store, template, b.id, {"uof.force_used": "no"})
    store.set_outcome(b.id, LearningLevel.SOME, "Minor delays in rights; otherwise good care.")
    store.complete_case(b.id, template)

    store.add_finding(Finding(c.id, "use_of_force", FindingLevel.GOOD_PRACTICE, note=NOTE_AT))
    fill_required(
        store,
        template,
        c.id,
        {"uof.force_used": "yes", "uof.justified": "yes", "uof.proportionate": "yes", "uof.necessary": "yes"},
    )
    store.set_outcome(c.id, LearningLevel.NONE, "Force was justified, proportionate and necessary.")
    store.complete_case(c.id, template)

    store.add_finding(Finding(d.id, "welfare", FindingLevel.SIGNIFICANT, note="No food offered in 9 hours."))
    store.set_answer(d.id, "welfare.food_drink", "no", template)
    return {case.reference: case.id for case in (a, b, c, d, e)}


def seed_many(store, template, count: int = 60, random_seed: int = 1) -> None:
    """Add ``count`` completed cases with random (but repeatable) outcomes and findings."""
    import random

    rnd = random.Random(random_seed)
    themes = [t.id for t in template.themes]
    notes = [
        "Cell checks were late and rousing was not done properly.",
        "Rights were read quickly; the detainee did not appear to understand.",
        "Staff de-escalated calmly before any force was needed.",
        "Risk assessment was thorough and followed up.",
    ]
    for i in range(count):
        case = store.add_case(
            Case(
                f"NT/{i + 1:05d}/26",
                rnd.choice(["Northtown", "Southport", "Eastgate"]),
                date(2026, 1, 1) + timedelta(days=rnd.randrange(150)),
                child=rnd.random() < 0.1,
                mental_health=rnd.random() < 0.3,
                use_of_force=rnd.random() < 0.2,
            )
        )
        for _ in range(rnd.randrange(4)):
            store.add_finding(
                Finding(case.id, rnd.choice(themes), rnd.choice(list(FindingLevel)), note=rnd.choice(notes))
            )
        fill_required(store, template, case.id, {"uof.force_used": "yes" if case.use_of_force else "no"})
        store.set_outcome(
            case.id,
            rnd.choices(list(LearningLevel), weights=[2, 3, 5])[0],
            "The reviewer's rationale for the outcome.",
        )
        store.complete_case(case.id, template)


def make_docs_images(folder: Path) -> None:
    """Render the sample report's cover and a case page as PNGs (docs/report-page.png).

    Run from the repository root:  python tests/test_export_sample.py docs
    """
    import os
    import subprocess
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from pypdf import PdfReader

    from cctv_review.export import export
    from cctv_review.store import Store
    from cctv_review.template import load_template

    template = load_template()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "sample.sqlite", user="reviewer1") as store:
        seed(store, template)
        seed_many(store, template)
        [pdf] = export(store, template, "pdf", Path(tmp) / "sample-report.pdf")
        pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages]
        case_page = next(i for i, text in enumerate(pages) if f"Case {REFERENCES[0]}" in text) + 1
        for page, name in ((1, "report-page"), (case_page, "report-case-page")):
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "110",
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    str(pdf),
                    str(folder / name),
                ],
                check=True,
            )


# -- tests of the shared row building ------------------------------------------------------


def test_build_selects_like_the_summary(store, template):
    from cctv_review.export.tabular import build
    from cctv_review.summary import summarise

    ids = seed(store, template)
    data = build(store, template, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    assert [d.label for d in data.cases] == REFERENCES[:2]
    assert data.summary == summarise(store, template, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))

    picked = build(store, template, case_ids=[ids[REFERENCES[2]], ids[REFERENCES[4]]])
    assert [d.label for d in picked.cases] == [REFERENCES[2], REFERENCES[4]]
    assert picked.summary.completed == 1 and picked.summary.total_cases == 2


def test_findings_rows_carry_camera_clip_time_and_recorded_time(store, template):
    from cctv_review.export.tabular import build

    seed(store, template)
    table = build(store, template).tables["findings"]
    keys = [c.key for c in table.columns]
    row = dict(zip(keys, table.rows[0], strict=False))
    assert row["reference"] == REFERENCES[0]
    assert row["camera"] == "Booking-in desk"
    assert row["clip_time"] == timedelta(milliseconds=65_250)
    assert row["recorded_at"] == "2026-01-10 14:06:05 GMT"  # the one rule, store zone Europe/London
    assert row["theme"] == template.theme_label("cell_observations")
    assert row["level"] == "Significant learning"
    assert row["note"] == NOTE_ACCENTS
    assert row["clip_file"] == CLIP_PATH


def test_neutralise_only_formula_triggers():
    from cctv_review.export.tabular import neutralise

    for text in ("=1+1", "+44", "-5 late", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    for text in ("", "Note", "5-1", "a=b", "'quoted", "é"):
        assert neutralise(text) == text


import pytest  # noqa: E402


@pytest.fixture
def seeded(store, template):
    """The store filled by :func:`seed`; returns (store, {reference: case id})."""
    return store, seed(store, template)


if __name__ == "__main__":
    import sys

    make_docs_images(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
