"""The inspection team's second look at a case: blind second review and moderation (issue 14).

Plain Python over a :class:`~cctv_review.store.Store` (no Qt).  The tables are
the schema groundwork's (``second_reviews``, ``second_answers``, findings with
``review_round = 2``, ``moderations``); every change is one ``BEGIN
IMMEDIATE`` transaction together with its audit entry.

**Who is the reviewer.**  The store's user, :attr:`Store.user`: the
operating-system login name (:func:`cctv_review.store.current_user`), which is
also what the audit trail records.  On a force PC each reviewer signs in as
themselves, so the login *is* the identity the force already manages; the
application has no passwords of its own.  A case is assigned to a second
reviewer by that login name.

**Blind.**  While a case's second review is not completed, its second reviewer
must see nothing of the first review: not its outcome or rationale, not its
findings (``review_round = 1``), not its answers.  :func:`blind_for` says
whether that holds for a user and a case; :func:`blind_view` gives the case as
that reviewer may see it (outcome, rationale and status of the *second*
review).  The review session (:mod:`cctv_review.ui.services`) applies it to
everything the GUI reads, and :func:`first_review` refuses it.  The first
review is never changed by the second; both are kept.

**Moderation.**  When both reviews are complete and their outcomes differ, a
lead records a final outcome with a written reason (:func:`moderate`,
audited as ``case.moderated``).  The summary counts
``coalesce(moderations.final_outcome, cases.outcome)``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cctv_review.domain import Case, CaseStatus, Finding, FindingLevel, LearningLevel, utc_now
from cctv_review.store import Store, StoreError

if TYPE_CHECKING:
    from cctv_review.template import Template

ASSIGNED, IN_PROGRESS, COMPLETED = "assigned", "in_progress", "completed"


class TeamError(StoreError):
    """A second review or moderation could not be done; the message says why and what to do."""


class BlindReview(TeamError):
    """The first review of a case was asked for by its second reviewer before they completed theirs."""


@dataclass(frozen=True)
class SecondReview:
    """A case's blind second review: who, assigned by whom and when (UTC), its state and outcome."""

    case_id: int
    reviewer: str
    assigned_by: str
    assigned_at: datetime | None
    status: str  # assigned | in_progress | completed
    outcome: LearningLevel | None
    outcome_rationale: str
    completed_at: datetime | None

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED


@dataclass(frozen=True)
class Moderation:
    """A lead's final outcome for a case whose two reviews disagree, with the written reason."""

    case_id: int
    final_outcome: LearningLevel
    reason: str
    moderator: str
    at: datetime | None


@dataclass(frozen=True)
class Disagreement:
    """A case whose completed reviews differ: both outcomes, and the moderation if recorded."""

    case_id: int
    reference: str
    first: LearningLevel | None
    second: LearningLevel | None
    moderation: Moderation | None


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def _level(text: str | None) -> LearningLevel | None:
    return LearningLevel(text) if text else None


def _second_from_row(row: dict[str, Any]) -> SecondReview:
    return SecondReview(
        case_id=row["case_id"],
        reviewer=row["reviewer"],
        assigned_by=row["assigned_by"] or "",
        assigned_at=_dt(row["assigned_at"]),
        status=row["status"],
        outcome=_level(row["outcome"]),
        outcome_rationale=row["outcome_rationale"] or "",
        completed_at=_dt(row["completed_at"]),
    )


# -- reading ------------------------------------------------------------------------------------


def second_review(store: Store, case_id: int) -> SecondReview | None:
    """The case's second review, or None when it has not been marked for one (one query)."""
    rows = store._query("SELECT * FROM second_reviews WHERE case_id = ?", [case_id])
    return _second_from_row(rows[0]) if rows else None


def blind_case_ids(store: Store, user: str) -> set[int]:
    """Ids of the cases ``user`` is second reviewer of and has not completed (one query)."""
    return {
        int(r["case_id"])
        for r in store._query(
            "SELECT case_id FROM second_reviews WHERE reviewer = ? AND status != ?", [user, COMPLETED]
        )
    }


def blind_for(store: Store, user: str, case_id: int) -> bool:
    """True when ``user`` is the case's second reviewer and has not completed the second review."""
    review = second_review(store, case_id)
    return review is not None and review.reviewer == user and not review.completed


def blind_view(case: Case, review: SecondReview) -> Case:
    """``case`` as its second reviewer sees it before completing: the second review's outcome,
    rationale and state in place of the first review's."""
    status = {
        ASSIGNED: CaseStatus.NOT_STARTED,
        IN_PROGRESS: CaseStatus.IN_PROGRESS,
        COMPLETED: CaseStatus.COMPLETE,
    }[review.status]
    return dataclasses.replace(
        case,
        status=status,
        reviewer=review.reviewer,
        outcome=review.outcome,
        outcome_rationale=review.outcome_rationale,
        completed_at=review.completed_at,
        completed_by=review.reviewer if review.completed else "",
    )


def first_review(store: Store, case_id: int, user: str) -> tuple[Case, dict[str, Any], list[Finding]]:
    """The first review (case with outcome, answers, round-1 findings) as ``user`` may read it.

    Raises :class:`BlindReview` when ``user`` is the case's second reviewer and
    has not completed the second review yet.
    """
    if blind_for(store, user, case_id):
        raise BlindReview(
            "The first review of this case stays hidden until you complete your own second review of it."
        )
    case = store.get_case(case_id)
    findings = [f for f in store.list_findings(case_id) if f.review_round == 1]
    return case, store.answers(case_id), findings


def second_answers(store: Store, case_id: int) -> dict[str, Any]:
    """The second review's answers (question id -> value)."""
    return {
        r["question_id"]: json.loads(r["value"])
        for r in store._query("SELECT question_id, value FROM second_answers WHERE case_id = ?", [case_id])
    }


def second_findings(store: Store, case_id: int) -> list[Finding]:
    """The second review's findings (``review_round = 2``)."""
    return [f for f in store.list_findings(case_id) if f.review_round == 2]


# -- the second review ---------------------------------------------------------------------------


def assign_second_review(store: Store, case_id: int, reviewer: str) -> SecondReview:
    """Mark a case for blind second review by ``reviewer`` (a login name); audited as
    ``second_review.assigned``.  Re-assigning an unfinished second review is allowed.

    Raises :class:`TeamError` when the reviewer is empty, is the case's first
    reviewer, or the second review is already completed; ``NotFound`` for no case.
    """
    reviewer = reviewer.strip()
    case = store.get_case(case_id)
    if not reviewer:
        raise TeamError("Name the second reviewer (their login name on their computer).")
    first = case.completed_by or case.reviewer
    if reviewer in {case.reviewer, case.completed_by}:
        raise TeamError(
            f"{reviewer} did the first review of case {case.reference} ({first}); a second review needs "
            "someone else. Choose another reviewer."
        )
    current = second_review(store, case_id)
    if current is not None and current.completed:
        raise TeamError(f"The second review of case {case.reference} is already complete.")
    now = _iso(utc_now())
    with store.transaction():
        store._query(
            "INSERT INTO second_reviews (case_id, reviewer, assigned_by, assigned_at, status, outcome_rationale) "
            "VALUES (?, ?, ?, ?, ?, '') ON CONFLICT (case_id) DO UPDATE SET reviewer = excluded.reviewer, "
            "assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
            [case_id, reviewer, store.user, now, ASSIGNED],
        )
        store._record(
            "second_review.assigned",
            "case",
            case_id,
            {
                "reference": case.reference,
                "reviewer": reviewer,
                "previous": current.reviewer if current else None,
            },
            touched=[("second_reviews", case_id)],
        )
    review = second_review(store, case_id)
    assert review is not None
    return review


def _open_review(store: Store, case_id: int) -> SecondReview:
    """The case's second review, checked to be this store user's and not completed."""
    review = second_review(store, case_id)
    if review is None:
        raise TeamError("This case has not been marked for a second review.")
    if review.reviewer != store.user:
        raise TeamError(
            f"The second review of this case is assigned to {review.reviewer}, not to {store.user}. "
            "Only the assigned second reviewer can record it."
        )
    if review.completed:
        raise TeamError("This second review is complete, so it can no longer be changed.")
    return review


def _review_state(store: Store, case_id: int) -> dict[str, str | None]:
    """The audit state of the case's second review row as it is now (for an entry that changed it)."""
    from cctv_review import audit

    return audit.state_of(store.db, [("second_reviews", case_id)])


def _start(store: Store, case_id: int) -> None:
    store.db.execute(
        "UPDATE second_reviews SET status = ? WHERE case_id = ? AND status = ?",
        [IN_PROGRESS, case_id, ASSIGNED],
    )


def set_second_answer(store: Store, case_id: int, question_id: str, value: Any, template: Template) -> Any:
    """Save one answer of the second review (None or empty clears it); returns the value saved or None.

    Audited as ``second_answer.saved`` / ``second_answer.cleared``.  Raises
    ``ValueError`` (a value the question does not take) or :class:`TeamError`.
    """
    _open_review(store, case_id)
    question = template.question(question_id)
    value = question.validate_value(value)
    with store.transaction():
        _start(store, case_id)
        if not question.is_answered(value):
            store.db.execute(
                "DELETE FROM second_answers WHERE case_id = ? AND question_id = ?", [case_id, question_id]
            )
            store._record(
                "second_answer.cleared",
                "case",
                case_id,
                {"question": question_id},
                touched=[("second_answers", (case_id, question_id)), ("second_reviews", case_id)],
            )
            return None
        text = json.dumps(value)
        store.db.execute(
            "INSERT INTO second_answers (case_id, question_id, value, template_id, template_version, reviewer, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id, question_id) DO UPDATE SET "
            "value = excluded.value, template_id = excluded.template_id, "
            "template_version = excluded.template_version, reviewer = excluded.reviewer, "
            "updated_at = excluded.updated_at",
            [case_id, question_id, text, template.id, template.version, store.user, _iso(utc_now())],
        )
        store._record(
            "second_answer.saved",
            "case",
            case_id,
            {"question": question_id},
            touched=[("second_answers", (case_id, question_id)), ("second_reviews", case_id)],
        )
    return json.loads(text)


def add_second_finding(store: Store, finding: Finding) -> Finding:
    """Add a finding of the second review (``review_round = 2``, reviewer = the store user).

    Allowed on a completed case (the first review's lock does not apply);
    audited as ``finding.added``.  Raises :class:`TeamError`.
    """
    from cctv_review.store import _finding_from_row
    from cctv_review.store import _iso as store_iso

    _open_review(store, finding.case_id)
    row = {
        "case_id": finding.case_id,
        "clip_id": finding.clip_id,
        "position_ms": int(finding.position_ms),
        "theme": finding.theme,
        "level": FindingLevel(finding.level).value,
        "note": finding.note,
        "reviewer": store.user,
        "still_path": finding.still_path,
        "created_at": store_iso(finding.created_at),
        "updated_at": store_iso(finding.updated_at),
        "camera": finding.camera,
        "frame": finding.frame,
        "recorded_at": store_iso(finding.recorded_at),
        "review_round": 2,
    }
    with store.transaction():
        _start(store, finding.case_id)
        stored = store._insert("findings", row)
        store._record(
            "finding.added",
            "finding",
            stored["id"],
            {"case_id": finding.case_id, "review_round": 2, "theme": finding.theme, "level": row["level"]},
            state=store._state(("findings", stored)) | _review_state(store, finding.case_id),
        )
    return _finding_from_row(stored)


#: What a second-review finding lets change: the same fields as a first-review one.
_EDITABLE = Store._EDITABLE_FINDING_FIELDS


def update_second_finding(store: Store, finding_id: int, **changes: Any) -> Finding:
    """Change a second-review finding (theme, level, note, position_ms, clip_id, still_path; camera, frame,
    recorded_at with a move); audited."""
    from cctv_review.store import _finding_from_row

    unknown = set(changes) - _EDITABLE
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))} on a finding")
    if "level" in changes:
        changes["level"] = FindingLevel(changes["level"]).value
    if "recorded_at" in changes:  # a move brings the finding's new moment (datetime or None)
        changes["recorded_at"] = _iso(changes["recorded_at"]) if changes["recorded_at"] else None
    finding = store.get_finding(finding_id)
    if finding.review_round != 2:
        raise TeamError("That finding belongs to the first review; the second review cannot change it.")
    _open_review(store, finding.case_id)
    if not changes:
        return finding
    with store.transaction():
        assignments = ", ".join(f"[{c}] = ?" for c in changes)
        stored = store._query(
            f"UPDATE findings SET {assignments}, updated_at = ? WHERE id = ? RETURNING *",
            [*changes.values(), _iso(utc_now()), finding_id],
        )[0]
        store._record(
            "finding.changed",
            "finding",
            finding_id,
            {"case_id": finding.case_id, "review_round": 2, "fields": sorted(changes)},
            state=store._state(("findings", stored)),
        )
    return _finding_from_row(stored)


def delete_second_finding(store: Store, finding_id: int) -> None:
    """Delete a second-review finding (audited as ``finding.deleted``)."""
    from cctv_review import audit

    finding = store.get_finding(finding_id)
    if finding.review_round != 2:
        raise TeamError("That finding belongs to the first review; the second review cannot delete it.")
    _open_review(store, finding.case_id)
    with store.transaction():
        store.db.execute("DELETE FROM findings WHERE id = ?", [finding_id])
        store._record(
            "finding.deleted",
            "finding",
            finding_id,
            {"case_id": finding.case_id, "review_round": 2, "theme": finding.theme, "note": finding.note},
            state={audit.object_key("findings", finding_id): None},
        )


def set_second_outcome(
    store: Store, case_id: int, level: LearningLevel | str | None, rationale: str
) -> SecondReview:
    """Save the second review's overall outcome and rationale (audited as ``second_review.outcome``)."""
    _open_review(store, case_id)
    outcome = LearningLevel(level).value if level else None
    with store.transaction():
        _start(store, case_id)
        store.db.execute(
            "UPDATE second_reviews SET outcome = ?, outcome_rationale = ? WHERE case_id = ?",
            [outcome, rationale, case_id],
        )
        store._record(
            "second_review.outcome",
            "case",
            case_id,
            {"outcome": outcome},
            touched=[("second_reviews", case_id)],
        )
    review = second_review(store, case_id)
    assert review is not None
    return review


def second_review_problems(store: Store, case_id: int, template: Template) -> list[str]:
    """What still stops the second review being completed (empty when it can be)."""
    review = second_review(store, case_id)
    if review is None:
        return ["Mark the case for a second review first."]
    problems = [f"Answer: {q.text}" for q in template.missing_required(second_answers(store, case_id))]
    if review.outcome is None:
        problems.append("Choose the overall outcome: significant, some or no learning.")
    if not review.outcome_rationale.strip():
        problems.append("Write the rationale for the overall outcome.")
    return problems


def complete_second_review(store: Store, case_id: int, template: Template) -> SecondReview:
    """Complete the second review (audited as ``second_review.completed``); after this its reviewer
    may see the first review.  Raises ``CompletionRefused`` listing what is missing, or TeamError."""
    from cctv_review.store import CompletionRefused

    _open_review(store, case_id)
    problems = second_review_problems(store, case_id, template)
    if problems:
        raise CompletionRefused(store.get_case(case_id).reference, problems)
    with store.transaction():
        store.db.execute(
            "UPDATE second_reviews SET status = ?, completed_at = ? WHERE case_id = ?",
            [COMPLETED, _iso(utc_now()), case_id],
        )
        review = second_review(store, case_id)
        assert review is not None
        store._record(
            "second_review.completed",
            "case",
            case_id,
            {
                "outcome": review.outcome.value if review.outcome else None,
                "template": f"{template.id}@{template.version}",
            },
            touched=[("second_reviews", case_id)],
        )
    return review


# -- moderation ------------------------------------------------------------------------------------


def moderation(store: Store, case_id: int) -> Moderation | None:
    """The case's moderation, or None."""
    rows = store._query("SELECT * FROM moderations WHERE case_id = ?", [case_id])
    if not rows:
        return None
    r = rows[0]
    return Moderation(
        r["case_id"], LearningLevel(r["final_outcome"]), r["reason"], r["moderator"] or "", _dt(r["at"])
    )


def disagreements(store: Store) -> list[Disagreement]:
    """Cases whose first review and completed second review are both complete and differ in outcome
    (one query), with their moderation if recorded; by reference."""
    rows = store._query(
        "SELECT c.id, c.reference, c.outcome AS first, s.outcome AS second, m.final_outcome, m.reason, "
        "m.moderator, m.at FROM cases c JOIN second_reviews s ON s.case_id = c.id "
        "LEFT JOIN moderations m ON m.case_id = c.id "
        "WHERE c.status = 'complete' AND s.status = ? AND c.outcome IS NOT s.outcome "
        "ORDER BY c.reference COLLATE NOCASE",
        [COMPLETED],
    )
    return [
        Disagreement(
            r["id"],
            r["reference"],
            _level(r["first"]),
            _level(r["second"]),
            Moderation(
                r["id"], LearningLevel(r["final_outcome"]), r["reason"], r["moderator"] or "", _dt(r["at"])
            )
            if r["final_outcome"]
            else None,
        )
        for r in rows
    ]


def moderate(store: Store, case_id: int, final_outcome: LearningLevel | str, reason: str) -> Moderation:
    """Record the lead's final outcome for a case whose two reviews disagree (audited as
    ``case.moderated``, with both reviews' outcomes); a later call replaces it (audited again).

    Raises :class:`TeamError` when the reason is empty, either review is not
    complete, or the two reviews agree (nothing to moderate).
    """
    level = LearningLevel(final_outcome)
    if not reason.strip():
        raise TeamError("Write the reason for the final outcome: it goes in the audit trail and the report.")
    case = store.get_case(case_id)
    review = second_review(store, case_id)
    if case.status != CaseStatus.COMPLETE or review is None or not review.completed:
        raise TeamError(
            f"Case {case.reference} can be moderated once both its first and second reviews are complete."
        )
    if case.outcome == review.outcome:
        raise TeamError(
            f"The two reviews of case {case.reference} agree ({case.outcome.label if case.outcome else 'no outcome'}), "
            "so there is nothing to moderate."
        )
    now = _iso(utc_now())
    with store.transaction():
        store.db.execute(
            "INSERT INTO moderations (case_id, final_outcome, reason, moderator, at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (case_id) DO UPDATE SET final_outcome = excluded.final_outcome, "
            "reason = excluded.reason, moderator = excluded.moderator, at = excluded.at",
            [case_id, level.value, reason.strip(), store.user, now],
        )
        store._record(
            "case.moderated",
            "case",
            case_id,
            {
                "reference": case.reference,
                "first": case.outcome.value if case.outcome else None,
                "second": review.outcome.value if review.outcome else None,
                "final": level.value,
                "reason": reason.strip(),
            },
            touched=[("moderations", case_id)],
        )
    found = moderation(store, case_id)
    assert found is not None
    return found
