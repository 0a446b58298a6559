"""Make docs/report-agreement.png and docs/report-areas.png: the report's agreement section and its
"areas for improvement" page.

Builds a throw-away store of 40 completed cases with answers drawn from a
seeded random generator (so the pictures are the same every run), 16 of them
reviewed a second time (blind: the second review's outcome and use-of-force
answers stored as ``second_reviews`` / ``second_answers``), exports the PDF
report with the areas-for-improvement page, finds the two pages by their
headings (pypdf) and renders them with poppler's ``pdftoppm``.  Run from the
repository root: ``.venv/bin/python docs/agreement_screenshot.py`` (no
display needed; needs ``pdftoppm`` from poppler-utils).
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

from cctv_review.domain import Case
from cctv_review.export import export
from cctv_review.store import Store
from cctv_review.template import Question, Template, load_template

DOCS = Path(__file__).resolve().parent
CASES, SECOND = 40, 16
LEVELS = ("none", "some", "significant")


def answer(rng: random.Random, q: Question) -> object:
    values = [o.value for o in q.options]
    if q.type == "yes_no":
        return rng.choices(["yes", "no", "not_seen"], [0.72, 0.2, 0.08])[0]
    if q.type == "single_choice":
        return rng.choice(values)
    return rng.sample(values, rng.randint(1, 2))


def applies(template: Template, q: Question, answers: dict[str, object]) -> bool:
    while q.show_if is not None:
        parent = answers.get(q.show_if.question)
        given = parent if isinstance(parent, list) else [parent]
        if not set(given) & set(q.show_if.values):
            return False
        q = template.question(q.show_if.question)
    return True


def build(path: Path) -> Store:
    rng = random.Random(14)
    template = load_template()
    store = Store(path, user="lead")
    suites = ["Northgate", "Southbank", "Eastfield"]
    for n in range(1, CASES + 1):
        case = store.add_case(
            Case(
                reference=f"CR{n:04d}",
                custody_suite=suites[n % 3],
                reviewer=["alice", "bob", "chris"][n % 3],
                detention_date=date(2026, 1, 5) + timedelta(days=2 * n),
                use_of_force=n % 4 == 0,
                child=n % 7 == 0,
            )
        )
        answers: dict[str, object] = {}
        for q in template.questions():
            if q.type not in ("yes_no", "single_choice", "multiple_choice"):
                continue
            if not applies(template, q, answers):
                continue
            value = answer(rng, q)
            if q.id == "uof.force_used":
                value = "yes" if case.use_of_force else "no"
            answers[q.id] = value
            store.set_answer(case.id, q.id, value, template)
        outcome = rng.choices(LEVELS, [0.45, 0.4, 0.15])[0]
        store.db.execute("UPDATE cases SET status = 'complete', outcome = ? WHERE id = ?", [outcome, case.id])
        if n <= SECOND:
            step = rng.choices([0, 1, -1], [0.7, 0.15, 0.15])[0]
            second = LEVELS[min(2, max(0, LEVELS.index(outcome) + step))]
            store.db.execute(
                "INSERT INTO second_reviews (case_id, reviewer, assigned_by, assigned_at, status, outcome) "
                "VALUES (?, 'dana', 'lead', '2026-04-01T09:00:00+00:00', 'completed', ?)",
                [case.id, second],
            )
            for role, qid in template.roles.items():
                if qid in answers:
                    value = answers[qid]
                    if role != "force_used" and rng.random() < 0.2:
                        value = "no" if value == "yes" else "yes"
                    store.db.execute(
                        "INSERT INTO second_answers (case_id, question_id, value, template_id, template_version, "
                        "reviewer, updated_at) VALUES (?, ?, ?, ?, ?, 'dana', '2026-04-01T10:00:00+00:00')",
                        [case.id, qid, json.dumps(value), template.id, template.version],
                    )
    store.db.conn.commit()
    return store


def render(pdf: Path, heading: str, out: Path) -> None:
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages]
    number = next(i for i, text in enumerate(pages, 1) if heading in text)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            str(number),
            "-l",
            str(number),
            "-singlefile",
            str(pdf),
            str(out),
        ],
        check=True,
    )
    print(f"Wrote {out}.png (page {number})")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = build(Path(folder) / "team.sqlite")
        [pdf] = export(store, load_template(), "pdf", Path(folder) / "report.pdf", areas_for_improvement=True)
        store.close()
        render(pdf, "Agreement between first and second reviews", DOCS / "report-agreement")
        render(pdf, "Areas for improvement", DOCS / "report-areas")


if __name__ == "__main__":
    main()
