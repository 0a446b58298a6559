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
    db.table("cases").create(
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
    db.table("clips").create(
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
    db.table("clips").create_index(["case_id"])
    db.table("findings").create(
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
    db.table("findings").create_index(["case_id"])
    db.table("answers").create(
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
    db.table("audit").create(
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
    db.table("findings").add_column("still_path", str, not_null_default="")
    db.table("clip_activity").create(
        {"clip_id": int, "bin_ms": int, "scores": str, "computed_at": str},
        pk="clip_id",
        foreign_keys=[("clip_id", "clips", "id")],
    )
    db.table("review_state").create(
        {"case_id": int, "clip_id": int, "position_ms": int, "updated_at": str},
        pk="case_id",
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("settings").create({"key": str, "value": str}, pk="key")


#: Refuses an audit entry that is not appended after the last one (``INSERT OR REPLACE``, an entry
#: slipped in mid-chain).  :mod:`cctv_review.audit` checks this exact text is still in place.
AUDIT_APPEND_ONLY_TRIGGER = (
    "CREATE TRIGGER audit_append_only BEFORE INSERT ON audit "
    "WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit) "
    "OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), '" + "0" * 64 + "') "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: an entry can only follow the last one'); END"
)


def _v_audit_keyed(db: sqlite_utils.Database) -> None:
    """Keyed audit trail: the state each entry wrote, the store's identity, appends only at the end.

    Entries already in the trail keep their plain SHA-256 chain; the store
    starts the keyed chain (HMAC-SHA256, key kept outside the database) at the
    next entry and records that point (``audit_meta.keyed_from``) when it is
    next opened for writing (see :mod:`cctv_review.audit`).
    """
    db.table("audit").add_column("state", str)
    db.execute("CREATE TABLE audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO audit_meta (name, value) VALUES ('store_id', lower(hex(randomblob(16))))")
    db.execute(AUDIT_APPEND_ONLY_TRIGGER)


def _v_clip_index(db: sqlite_utils.Database) -> None:
    """Each clip's exact frame index (cctv_review.video.index): arrays as BLOBs.

    Clips added before this migration have no row; they are indexed the first
    time they are opened (cctv_review.clips.clip_index).
    """
    db.table("clip_index").create(
        {
            "clip_id": int,
            "version": int,
            "meta": str,
            "pts": bytes,
            "dts": bytes,
            "flags": bytes,
            "pos": bytes,
            "size": bytes,
            "decode_rank": bytes,
            "seek_ts": bytes,
            "computed_at": str,
        },
        pk="clip_id",
        foreign_keys=[("clip_id", "clips", "id")],
    )


def _v_activity_pictures(db: sqlite_utils.Database) -> None:
    """Activity scores are now fractions of the picture that changed (``video.activity``, SCORE_VERSION 2).

    Scores stored earlier (compressed bits per pixel, or mean luma difference)
    mean something else and would make every second look active, so they are
    dropped: each clip's activity is found again the next time it is opened.
    Independent of the other migrations (only needs ``clip_activity``).
    """
    if "clip_activity" in db.table_names():
        db.execute("DELETE FROM clip_activity")


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


def _v_recorded_time_and_team(db: sqlite_utils.Database) -> None:
    """Recorded time per clip and finding (issues 10, 11), second review and moderation (issue 14).

    * ``clips.clock_offset_ms``: the clock correction, ms to add to the recorder's
      time to get true time (0 = none); ``clips.recorded_start_source``: where the
      recorded start came from (``metadata``, ``dhav``, ``file name``, ``typed``, or '').
    * ``findings.camera``, ``findings.frame`` (display index in its clip),
      ``findings.recorded_at`` (ISO 8601 with UTC offset, clock correction applied) and
      ``findings.review_round`` (1 = first review, 2 = blind second review).
    * ``second_reviews``: one blind second review per case (reviewer, status, outcome);
      ``second_answers``: that review's answers, shaped like ``answers``;
      ``moderations``: a lead's final outcome and written reason for a case.
    """
    db.table("clips").add_column("clock_offset_ms", int, not_null_default=0)
    db.table("clips").add_column("recorded_start_source", str, not_null_default="")
    db.table("findings").add_column("camera", str, not_null_default="")
    db.table("findings").add_column("frame", int)
    db.table("findings").add_column("recorded_at", str)
    db.table("findings").add_column("review_round", int, not_null_default=1)
    db.table("second_reviews").create(
        {
            "case_id": int,
            "reviewer": str,
            "assigned_by": str,
            "assigned_at": str,
            "status": str,
            "outcome": str,
            "outcome_rationale": str,
            "completed_at": str,
        },
        pk="case_id",
        not_null={"reviewer", "status"},
        defaults={"status": "assigned", "assigned_by": "", "outcome_rationale": ""},
        foreign_keys=[("case_id", "cases", "id")],
    )
    db.table("second_answers").create(
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
    db.table("moderations").create(
        {"case_id": int, "final_outcome": str, "reason": str, "moderator": str, "at": str},
        pk="case_id",
        not_null={"final_outcome", "reason"},
        foreign_keys=[("case_id", "cases", "id")],
    )


def _v_review_packages(db: sqlite_utils.Database) -> None:
    """Review packages (issue 14): what was shared, and the other stores' audit entries.

    * ``shared_states``: each state (content digest, :func:`cctv_review.package.case_digest`)
      a case was in when it went out in, or came in from, a review package; an import
      compares both sides with these to tell "changed here", "changed there" and
      "changed in both" (a conflict the lead settles).
    * ``imported_audit``: audit entries that came with a package, kept as the other
      store wrote them (its store id, entry number, fields, state, hashes), so they can
      be checked later with that store's key; never part of this store's own chain.
    * ``packages``: one row per package exported or imported (its id, direction, who, when).

    Independent of the other migrations (only needs ``cases``).
    """
    db.execute(
        "CREATE TABLE IF NOT EXISTS shared_states (reference TEXT NOT NULL, digest TEXT NOT NULL, "
        "package_id TEXT NOT NULL, direction TEXT NOT NULL, at TEXT NOT NULL, "
        "PRIMARY KEY (reference, digest))"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS imported_audit (origin_store_id TEXT NOT NULL, id INTEGER NOT NULL, "
        "at TEXT, user TEXT, action TEXT, object_type TEXT, object_id TEXT, detail TEXT, state TEXT, "
        "prev_hash TEXT, hash TEXT, package_id TEXT NOT NULL, PRIMARY KEY (origin_store_id, id))"
    )
    db.execute(
        "CREATE TABLE IF NOT EXISTS packages (package_id TEXT PRIMARY KEY, direction TEXT NOT NULL, "
        "at TEXT NOT NULL, user TEXT NOT NULL, origin_store_id TEXT NOT NULL, detail TEXT NOT NULL)"
    )


def _v_case_figures(db: sqlite_utils.Database) -> None:
    """Each completed case's summary figures, kept beside it (``cctv_review.case_figures``; issue 12).

    With an index covering what the summary reads of ``cases`` (so it reads
    the index, not the rows with their rationale text).  The table is filled
    for the cases already complete, their force answers
    read for the bundled template's questions (a case reviewed on another
    template is worked out from its answers by the summary, as before).
    Needs ``findings.review_round`` (``_v_recorded_time_and_team``, on main before it).
    """
    from cctv_review import case_figures
    from cctv_review.template import load_template

    db.execute(case_figures.TABLE_SQL)
    db.execute(case_figures.INDEX_SQL)
    case_figures.refresh(db.conn, load_template())


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_core,
    _v2_audit,
    _v3_review_support,
    _v_audit_keyed,
    _v_clip_index,
    _v_activity_pictures,
    _v_scale_indexes,
    _v_recorded_time_and_team,
    _v_review_packages,
    _v_case_figures,
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
