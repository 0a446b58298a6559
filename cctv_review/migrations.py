"""Schema creation and migration, owned by the application.

The schema version is SQLite's ``PRAGMA user_version``.  ``MIGRATIONS[i]``
takes a database from version ``i`` to ``i + 1``; :func:`migrate` applies the
ones a database still needs, each in its own transaction, so an interrupted
upgrade leaves the database at the last complete version.  Never edit a
released migration: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from cctv_review.errors import UserFacingError


class SchemaTooNew(UserFacingError, RuntimeError):
    pass


def _v1_core(db: sqlite_utils.Database) -> None:
    """Cases, clips, findings and answers."""
    db["cases"].create(
        {
            "id": int,
            "reference": str,
            "custody_suite": str,
            "detention_date": str,
            "child": int,
            "vulnerable_adult": int,
            "mental_health": int,
            "use_of_force": int,
            "strip_search": int,
            "status": str,
            "reviewer": str,
            "outcome": str,
            "outcome_rationale": str,
            "completed_at": str,
            "completed_by": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"reference", "status"},
        defaults={
            "status": "not_started",
            "custody_suite": "",
            "reviewer": "",
            "outcome_rationale": "",
            "completed_by": "",
            "child": 0,
            "vulnerable_adult": 0,
            "mental_health": 0,
            "use_of_force": 0,
            "strip_search": 0,
        },
    )
    db.execute("CREATE UNIQUE INDEX idx_cases_reference ON cases (reference COLLATE NOCASE)")
    db["clips"].create(
        {
            "id": int,
            "case_id": int,
            "path": str,
            "camera": str,
            "recorded_start": str,
            "duration_ms": int,
            "fps": float,
            "frame_count": int,
            "width": int,
            "height": int,
            "codec": str,
            "sha256": str,
            "file_size": int,
            "added_at": str,
        },
        pk="id",
        not_null={"case_id", "path"},
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["clips"].create_index(["case_id"])
    db["findings"].create(
        {
            "id": int,
            "case_id": int,
            "clip_id": int,
            "position_ms": int,
            "theme": str,
            "level": str,
            "note": str,
            "reviewer": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"case_id", "theme", "level"},
        foreign_keys=[("case_id", "cases", "id"), ("clip_id", "clips", "id")],
    )
    db["findings"].create_index(["case_id"])
    db["answers"].create(
        {
            "case_id": int,
            "question_id": str,
            "value": str,
            "template_id": str,
            "template_version": int,
            "reviewer": str,
            "updated_at": str,
        },
        pk=("case_id", "question_id"),
        not_null={"case_id", "question_id", "template_id", "template_version"},
        foreign_keys=[("case_id", "cases", "id")],
    )


def _v2_audit(db: sqlite_utils.Database) -> None:
    """The append-only, hash-chained audit trail."""
    db["audit"].create(
        {
            "id": int,
            "at": str,
            "user": str,
            "action": str,
            "object_type": str,
            "object_id": str,
            "detail": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="id",
        not_null={"at", "user", "action", "prev_hash", "hash"},
    )
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
        )


def _v3_review_support(db: sqlite_utils.Database) -> None:
    """Stills on findings, activity scores, and where the reviewer left off."""
    db["findings"].add_column("still_path", str, not_null_default="")
    db["clip_activity"].create(
        {"clip_id": int, "bin_ms": int, "scores": str, "computed_at": str},
        pk="clip_id",
        foreign_keys=[("clip_id", "clips", "id")],
    )
    db["review_state"].create(
        {"case_id": int, "clip_id": int, "position_ms": int, "updated_at": str},
        pk="case_id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db["settings"].create({"key": str, "value": str}, pk="key")


def _v_scale_indexes(db: sqlite_utils.Database) -> None:
    """Indexes for the summary and the case list at 100,000 cases (store-scale, issue 12).

    The summary reads, for each completed case, its findings' theme and level:
    a covering index lets SQLite read them from the index alone, in case and
    theme order (at a million findings, about four times less work).  The case
    list shows cases by detention date, optionally of one status: two indexes
    give that order without sorting every case.
    """
    db.execute("CREATE INDEX IF NOT EXISTS idx_findings_case_theme_level ON findings (case_id, theme, level)")
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_cases_date_reference ON cases (detention_date, reference COLLATE NOCASE)"
    )
    db.execute(
        "CREATE INDEX IF NOT EXISTS idx_cases_status_date_reference "
        "ON cases (status, detention_date, reference COLLATE NOCASE)"
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_core,
    _v2_audit,
    _v3_review_support,
    _v_scale_indexes,
]
LATEST_VERSION = len(MIGRATIONS)


def version(db: sqlite_utils.Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, target: int = LATEST_VERSION) -> int:
    """Bring the schema up to ``target``; returns the version it started from."""
    start = version(db)
    if start > LATEST_VERSION:
        raise SchemaTooNew(
            f"This review database was written by a newer version of cctv-review (schema {start}; "
            f"this version understands up to {LATEST_VERSION}). Update cctv-review to open it."
        )
    if start == 0 and db.table_names() and "cases" not in db.table_names():
        raise SchemaTooNew("This file is an SQLite database, but not a cctv-review one.")
    for number in range(start, target):
        with db.atomic():
            MIGRATIONS[number](db)
            db.execute(f"PRAGMA user_version = {number + 1}")
    return start
