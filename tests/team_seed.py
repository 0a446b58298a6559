"""A store seeded with known answers, outcomes and second reviews, for the supervisor's figures.

Not a fixture module: the plain tests and the GUI tests import :func:`seed`.

Cases (all completed but CR007):

======  =========  ========  =====  ======  =============  ==========  ============================
ref     suite      reviewer  child  force   first outcome  second      pre-release RA / its detail
======  =========  ========  =====  ======  =============  ==========  ============================
CR001   Northgate  alice     yes    no      significant    significant yes / no
CR002   Northgate  alice     no     yes     some           significant yes / no
CR003   Northgate  alice     no     yes     none           none        yes / yes
CR004   Northgate  bob       no     yes     some           some        yes / yes
CR005   Southbank  bob       yes    no      none           (assigned)  yes / (not answered)
CR006   Southbank  bob       no     no      significant    —           no / (does not apply)
CR007   Southbank  bob       no     no      (in progress)  —           no / —
======  =========  ========  =====  ======  =============  ==========  ============================

Hence the figures the tests expect: "pre-release risk assessment detail":
applied to 5 completed cases, "no" in 2 (40%), "yes" in 2, 1 unanswered.
Outcome agreement over the 4 cases with a completed second review: 3 of 4
(75%), kappa (0.75 − 0.3125) / 0.6875 = 0.636, linear weighted kappa
(0.875 − 0.5625) / 0.4375 = 0.714 (worked by hand in the test).  Use of
force (cases 2–4, force used in both reviews): first jpn, not jpn, jpn;
second jpn, jpn, jpn: 2 of 3 agree.
"""

from __future__ import annotations

import json
from datetime import date

from cctv_review.domain import Case

JPN = {"uof.force_used": "yes", "uof.justified": "yes", "uof.proportionate": "yes", "uof.necessary": "yes"}
NOT_JUSTIFIED = JPN | {"uof.justified": "no"}

PLAN = [
    # reference, suite, reviewer, child, force, date, outcome, second outcome, first uof, second uof, RA, detail
    ("CR001", "Northgate", "alice", True, False, date(2026, 1, 10), "significant", "significant",
     {"uof.force_used": "no"}, {"uof.force_used": "no"}, "yes", "no"),
    ("CR002", "Northgate", "alice", False, True, date(2026, 1, 20), "some", "significant", JPN, JPN, "yes", "no"),
    ("CR003", "Northgate", "alice", False, True, date(2026, 2, 5), "none", "none", NOT_JUSTIFIED, JPN, "yes", "yes"),
    ("CR004", "Northgate", "bob", False, True, date(2026, 2, 15), "some", "some", JPN, JPN, "yes", "yes"),
    ("CR005", "Southbank", "bob", True, False, date(2026, 3, 1), "none", "assigned", {}, {}, "yes", None),
    ("CR006", "Southbank", "bob", False, False, date(2026, 3, 9), "significant", None, {}, {}, "no", None),
    ("CR007", "Southbank", "bob", False, False, date(2026, 3, 20), None, None, {}, {}, "no", None),
]  # fmt: skip


def seed(store, template) -> dict[str, int]:
    """Fill ``store`` as the module docstring says; returns case ids by reference."""
    ids = {}
    for ref, suite, reviewer, child, force, day, outcome, second, uof1, uof2, ra, detail in PLAN:
        case = store.add_case(
            Case(
                reference=ref,
                custody_suite=suite,
                reviewer=reviewer,
                child=child,
                use_of_force=force,
                detention_date=day,
            )
        )
        ids[ref] = case.id
        answers = dict(uof1) | {"release.pre_release_ra": ra}
        if detail is not None:
            answers["release.pre_release_ra_detail"] = detail
        for qid, value in answers.items():
            store.set_answer(case.id, qid, value, template)
        if outcome is not None:
            store.db.execute(
                "UPDATE cases SET status = 'complete', outcome = ? WHERE id = ?", [outcome, case.id]
            )
        if second is not None:
            status = "assigned" if second == "assigned" else "completed"
            store.db.execute(
                "INSERT INTO second_reviews (case_id, reviewer, assigned_by, assigned_at, status, outcome) "
                "VALUES (?, 'carol', 'lead', '2026-04-01T09:00:00+00:00', ?, ?)",
                [case.id, status, None if status == "assigned" else second],
            )
            for qid, value in uof2.items():
                store.db.execute(
                    "INSERT INTO second_answers (case_id, question_id, value, template_id, template_version, "
                    "reviewer, updated_at) VALUES (?, ?, ?, ?, ?, 'carol', '2026-04-01T10:00:00+00:00')",
                    [case.id, qid, json.dumps(value), template.id, template.version],
                )
    store.db.conn.commit()
    return ids
