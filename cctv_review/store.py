"""The local SQLite store: cases, clips, findings, answers and the audit trail.

Plain Python on sqlite-utils; no Qt.  The schema is created and migrated by
the application itself (see :mod:`cctv_review.migrations`).  The database runs
in WAL mode with foreign keys on, and every change that touches more than one
row happens in one transaction together with its audit-trail entry.

Footage is only ever referenced by path and SHA-256: the store never copies,
moves or writes video files.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

import sqlite_utils

from cctv_review import audit as audit_chain
from cctv_review.domain import (
    CASE_FLAGS,
    Answer,
    Case,
    CaseStatus,
    Clip,
    Finding,
    FindingLevel,
    LearningLevel,
    utc_now,
)
from cctv_review.errors import UserFacingError
from cctv_review.migrations import LATEST_VERSION, migrate
from cctv_review.template import Template


class StoreError(UserFacingError, RuntimeError):
    """The store could not do what was asked; the message says why in plain words."""


class NotFound(StoreError):
    pass


class CaseLocked(StoreError):
    """A completed case cannot be changed until it is reopened."""


class CompletionRefused(StoreError):
    """A case cannot be completed yet; ``missing`` lists what is still needed."""

    def __init__(self, reference: str, missing: list[str]):
        self.missing = missing
        lines = "\n".join(f"  - {m}" for m in missing)
        super().__init__(f"Case {reference} cannot be completed yet. Still needed:\n{lines}")


def current_user() -> str:
    """The operating-system user name, recorded as the reviewer and in the audit trail."""
    try:
        return getpass.getuser()
    except Exception:  # no user name available (rare, e.g. odd containers)
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


# -- conversions ---------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds")
    return value.isoformat()


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _case_from_row(row: dict[str, Any]) -> Case:
    return Case(
        id=row["id"],
        reference=row["reference"],
        custody_suite=row["custody_suite"] or "",
        detention_date=_date(row["detention_date"]),
        child=bool(row["child"]),
        vulnerable_adult=bool(row["vulnerable_adult"]),
        mental_health=bool(row["mental_health"]),
        use_of_force=bool(row["use_of_force"]),
        strip_search=bool(row["strip_search"]),
        status=CaseStatus(row["status"]),
        reviewer=row["reviewer"] or "",
        outcome=LearningLevel(row["outcome"]) if row["outcome"] else None,
        outcome_rationale=row["outcome_rationale"] or "",
        completed_at=_dt(row["completed_at"]),
        completed_by=row["completed_by"] or "",
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
    )


def _case_to_row(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference.strip(),
        "custody_suite": case.custody_suite.strip(),
        "detention_date": _iso(case.detention_date),
        **{name: int(bool(getattr(case, name))) for name in CASE_FLAGS},
        "status": CaseStatus(case.status).value,
        "reviewer": case.reviewer,
        "outcome": case.outcome.value if case.outcome else None,
        "outcome_rationale": case.outcome_rationale,
        "completed_at": _iso(case.completed_at),
        "completed_by": case.completed_by,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
    }


def _clip_from_row(row: dict[str, Any]) -> Clip:
    return Clip(
        id=row["id"],
        case_id=row["case_id"],
        path=row["path"],
        camera=row["camera"] or "",
        recorded_start=_dt(row["recorded_start"]),
        duration_ms=row["duration_ms"] or 0,
        fps=row["fps"] or 0.0,
        frame_count=row["frame_count"] or 0,
        width=row["width"] or 0,
        height=row["height"] or 0,
        codec=row["codec"] or "",
        sha256=row["sha256"] or "",
        file_size=row["file_size"] or 0,
        added_at=_dt(row["added_at"]),
    )


def _finding_from_row(row: dict[str, Any]) -> Finding:
    return Finding(
        id=row["id"],
        case_id=row["case_id"],
        clip_id=row["clip_id"],
        position_ms=row["position_ms"] or 0,
        theme=row["theme"],
        level=FindingLevel(row["level"]),
        note=row["note"] or "",
        reviewer=row["reviewer"] or "",
        still_path=row["still_path"] or "",
        created_at=_dt(row["created_at"]),
        updated_at=_dt(row["updated_at"]),
    )


@dataclass(frozen=True)
class Activity:
    """A clip's per-bin activity scores, as computed once by the activity finder."""

    clip_id: int
    bin_ms: int
    scores: list[float]
    computed_at: datetime | None = None


@dataclass(frozen=True)
class ClipCheck:
    """The result of re-hashing one clip."""

    clip: Clip
    status: str  # "ok", "changed", "missing", "unreadable"
    detail: str = ""


class Store:
    """One review database.  Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path, user: str | None = None):
        self.path = Path(path)
        self.user = user or current_user()
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"The review database {self.path} could not be opened: {exc}.") from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA busy_timeout = 10000")
            self.db = sqlite_utils.Database(conn, execute_plugins=False)
            if self.db.journal_mode != "wal":
                self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{self.path} is not a cctv-review database or is damaged ({exc}). "
                "Choose another file with --db, or restore it from a backup."
            ) from None
        except Exception:
            conn.close()
            raise

    # -- life cycle ------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit of work (nested calls become savepoints).

        SQLite errors are turned into a :class:`StoreError` with a plain message;
        nothing of the unit is written when it fails.
        """
        with self._lock:
            try:
                with self.db.atomic():
                    yield self.db
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"That change was refused by the database: {exc}.") from exc
            except sqlite3.OperationalError as exc:
                text = str(exc)
                if "full" in text:
                    raise StoreError(
                        f"Could not save to {self.path}: the disk is full. Free some space and try "
                        "again; nothing has been lost from the screen."
                    ) from exc
                if "locked" in text or "busy" in text:
                    raise StoreError(
                        f"Could not save to {self.path}: another program is using the database. "
                        "Close it and try again."
                    ) from exc
                if "readonly" in text:
                    raise StoreError(f"Could not save to {self.path}: the file is read-only.") from exc
                raise StoreError(f"Could not save to {self.path}: {exc}.") from exc

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        return self.db[table].insert(row).last_pk

    # -- audit -------------------------------------------------------------------
    def audit(self, action: str, object_type: str = "", object_id: Any = "", detail: Any = None) -> None:
        """Append an audit-trail entry (inside the caller's transaction, if any)."""
        with self.transaction():
            audit_chain.append(self.db, self.user, action, object_type, object_id, detail)

    def audit_rows(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM audit ORDER BY id"))

    def verify_audit(self) -> audit_chain.ChainCheck:
        return audit_chain.verify(self.db)

    # -- cases ---------------------------------------------------------------------
    def add_case(self, case: Case) -> Case:
        return self.import_cases([case], action="case.created")[0]

    def import_cases(
        self, cases: Iterable[Case], action: str = "cases.imported", source: str = ""
    ) -> list[Case]:
        """Add several cases in one transaction: all of them or none."""
        cases = list(cases)
        added = []
        with self.transaction():
            for case in cases:
                if not case.reference.strip():
                    raise StoreError("A case needs a reference (for example the custody record number).")
                if self.case_by_reference(case.reference) is not None:
                    raise StoreError(f"A case with reference {case.reference} is already in the store.")
                row = _case_to_row(case)
                case_id = self._insert("cases", row)
                added.append(self.get_case(case_id))
            if action == "case.created" and added:
                audit_chain.append(
                    self.db, self.user, action, "case", added[0].id, {"reference": added[0].reference}
                )
            elif added:
                audit_chain.append(
                    self.db,
                    self.user,
                    action,
                    "cases",
                    "",
                    {"count": len(added), "source": source, "references": [c.reference for c in added]},
                )
        return added

    def get_case(self, case_id: int) -> Case:
        rows = list(self.db.query("SELECT * FROM cases WHERE id = ?", [case_id]))
        if not rows:
            raise NotFound(f"There is no case with id {case_id}.")
        return _case_from_row(rows[0])

    def case_by_reference(self, reference: str) -> Case | None:
        rows = list(
            self.db.query("SELECT * FROM cases WHERE reference = ? COLLATE NOCASE", [reference.strip()])
        )
        return _case_from_row(rows[0]) if rows else None

    def list_cases(
        self,
        status: CaseStatus | str | None = None,
        suite: str | None = None,
        reviewer: str | None = None,
        flags: Iterable[str] = (),
        search: str = "",
        date_from: date | None = None,
        date_to: date | None = None,
        case_ids: Iterable[int] | None = None,
    ) -> list[Case]:
        """Cases matching every filter given; ``case_ids`` limits them to a selection."""
        where, params = [], []
        if case_ids is not None:
            ids = [int(i) for i in case_ids]
            where.append(f"id IN ({', '.join('?' * len(ids))})" if ids else "0")
            params.extend(ids)
        if status:
            where.append("status = ?")
            params.append(CaseStatus(status).value)
        if suite:
            where.append("custody_suite = ?")
            params.append(suite)
        if reviewer:
            where.append("reviewer = ?")
            params.append(reviewer)
        for flag in flags:
            if flag not in CASE_FLAGS:
                raise ValueError(f"unknown case flag {flag!r}")
            where.append(f"[{flag}] = 1")
        if search.strip():
            where.append("reference LIKE ? ESCAPE '\\'")
            escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params.append(f"%{escaped}%")
        if date_from:
            where.append("detention_date >= ?")
            params.append(date_from.isoformat())
        if date_to:
            where.append("detention_date <= ?")
            params.append(date_to.isoformat())
        sql = "SELECT * FROM cases"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY detention_date IS NULL, detention_date, reference"
        return [_case_from_row(r) for r in self.db.query(sql, params)]

    def custody_suites(self) -> list[str]:
        return [
            r["s"]
            for r in self.db.query("SELECT DISTINCT custody_suite AS s FROM cases WHERE s != '' ORDER BY s")
        ]

    def reviewers(self) -> list[str]:
        return [
            r["r"] for r in self.db.query("SELECT DISTINCT reviewer AS r FROM cases WHERE r != '' ORDER BY r")
        ]

    _EDITABLE_CASE_FIELDS: ClassVar[set[str]] = {
        "reference",
        "custody_suite",
        "detention_date",
        "reviewer",
        *CASE_FLAGS,
    }

    def update_case(self, case_id: int, **changes: Any) -> Case:
        """Change a case's details (reference, suite, date, reviewer, flags)."""
        unknown = set(changes) - self._EDITABLE_CASE_FIELDS
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} with update_case")
        case = self.get_case(case_id)
        for name, value in changes.items():
            setattr(case, name, value)
        row = {k: v for k, v in _case_to_row(case).items() if k in changes}
        row["updated_at"] = _iso(utc_now())
        with self.transaction():
            self.db["cases"].update(case_id, row)
            audit_chain.append(
                self.db, self.user, "case.changed", "case", case_id, {"fields": sorted(changes)}
            )
        return self.get_case(case_id)

    def record_case_opened(self, case_id: int) -> None:
        case = self.get_case(case_id)
        self.audit("case.opened", "case", case_id, {"reference": case.reference})

    def _touch(self, case_id: int) -> Case:
        """Mark a case as being worked on; refuse changes to a completed case."""
        case = self.get_case(case_id)
        if case.status == CaseStatus.COMPLETE:
            raise CaseLocked(f"Case {case.reference} is complete. Reopen it to make changes.")
        row = {"updated_at": _iso(utc_now())}
        if case.status == CaseStatus.NOT_STARTED:
            row["status"] = CaseStatus.IN_PROGRESS.value
        self.db["cases"].update(case_id, row)
        return case

    # -- outcome and completion ------------------------------------------------------
    def set_outcome(self, case_id: int, level: LearningLevel | str | None, rationale: str) -> Case:
        with self.transaction():
            self._touch(case_id)
            self.db["cases"].update(
                case_id,
                {"outcome": LearningLevel(level).value if level else None, "outcome_rationale": rationale},
            )
        return self.get_case(case_id)

    def completion_problems(self, case_id: int, template: Template) -> list[str]:
        """What still stops a case being completed (empty when it can be)."""
        case = self.get_case(case_id)
        problems = [f"Answer: {q.text}" for q in template.missing_required(self.answers(case_id))]
        if case.outcome is None:
            problems.append("Choose the overall outcome: significant, some or no learning.")
        if not case.outcome_rationale.strip():
            problems.append("Write the rationale for the overall outcome.")
        return problems

    def complete_case(self, case_id: int, template: Template) -> Case:
        case = self.get_case(case_id)
        if case.status == CaseStatus.COMPLETE:
            return case
        problems = self.completion_problems(case_id, template)
        if problems:
            raise CompletionRefused(case.reference, problems)
        now = _iso(utc_now())
        with self.transaction():
            self.db["cases"].update(
                case_id,
                {
                    "status": CaseStatus.COMPLETE.value,
                    "completed_at": now,
                    "completed_by": self.user,
                    "updated_at": now,
                },
            )
            audit_chain.append(
                self.db,
                self.user,
                "case.completed",
                "case",
                case_id,
                {
                    "reference": case.reference,
                    "outcome": case.outcome.value,
                    "template": f"{template.id}@{template.version}",
                },
            )
        return self.get_case(case_id)

    def reopen_case(self, case_id: int, reason: str = "") -> Case:
        case = self.get_case(case_id)
        if case.status != CaseStatus.COMPLETE:
            return case
        with self.transaction():
            self.db["cases"].update(
                case_id,
                {
                    "status": CaseStatus.IN_PROGRESS.value,
                    "completed_at": None,
                    "completed_by": "",
                    "updated_at": _iso(utc_now()),
                },
            )
            audit_chain.append(
                self.db,
                self.user,
                "case.reopened",
                "case",
                case_id,
                {"reference": case.reference, "reason": reason},
            )
        return self.get_case(case_id)

    # -- answers ---------------------------------------------------------------------
    def set_answer(self, case_id: int, question_id: str, value: Any, template: Template) -> None:
        """Save one answer as the reviewer gives it (None or empty clears it)."""
        question = template.question(question_id)
        value = question.validate_value(value)
        with self.transaction():
            self._touch(case_id)
            if not question.is_answered(value):
                self.db.execute(
                    "DELETE FROM answers WHERE case_id = ? AND question_id = ?", [case_id, question_id]
                )
                return
            self.db["answers"].upsert(
                {
                    "case_id": case_id,
                    "question_id": question_id,
                    "value": json.dumps(value),
                    "template_id": template.id,
                    "template_version": template.version,
                    "reviewer": self.user,
                    "updated_at": _iso(utc_now()),
                },
                pk=("case_id", "question_id"),
            )

    def answers(self, case_id: int) -> dict[str, Any]:
        return {
            r["question_id"]: json.loads(r["value"])
            for r in self.db.query("SELECT question_id, value FROM answers WHERE case_id = ?", [case_id])
        }

    def answer_records(self, case_id: int | None = None) -> list[Answer]:
        sql, params = "SELECT * FROM answers", []
        if case_id is not None:
            sql, params = sql + " WHERE case_id = ?", [case_id]
        return [
            Answer(
                case_id=r["case_id"],
                question_id=r["question_id"],
                value=json.loads(r["value"]),
                template_id=r["template_id"],
                template_version=r["template_version"],
                reviewer=r["reviewer"] or "",
                updated_at=_dt(r["updated_at"]),
            )
            for r in self.db.query(sql + " ORDER BY case_id, rowid", params)
        ]

    # -- clips -----------------------------------------------------------------------
    def add_clip(self, clip: Clip) -> Clip:
        self.get_case(clip.case_id)
        row = {f.name: getattr(clip, f.name) for f in fields(Clip) if f.name != "id"}
        row["recorded_start"] = _iso(clip.recorded_start)
        row["added_at"] = _iso(clip.added_at)
        with self.transaction():
            clip_id = self._insert("clips", row)
            audit_chain.append(
                self.db,
                self.user,
                "clip.added",
                "clip",
                clip_id,
                {"case_id": clip.case_id, "path": clip.path, "camera": clip.camera, "sha256": clip.sha256},
            )
        return self.get_clip(clip_id)

    def get_clip(self, clip_id: int) -> Clip:
        rows = list(self.db.query("SELECT * FROM clips WHERE id = ?", [clip_id]))
        if not rows:
            raise NotFound(f"There is no clip with id {clip_id}.")
        return _clip_from_row(rows[0])

    def list_clips(self, case_id: int | None = None) -> list[Clip]:
        sql, params = "SELECT * FROM clips", []
        if case_id is not None:
            sql, params = sql + " WHERE case_id = ?", [case_id]
        sql += " ORDER BY case_id, recorded_start IS NULL, recorded_start, camera, id"
        return [_clip_from_row(r) for r in self.db.query(sql, params)]

    def update_clip(
        self, clip_id: int, *, camera: str | None = None, recorded_start: datetime | None = None
    ) -> Clip:
        changes: dict[str, Any] = {}
        if camera is not None:
            changes["camera"] = camera
        if recorded_start is not None:
            changes["recorded_start"] = _iso(recorded_start)
        if changes:
            with self.transaction():
                self.db["clips"].update(clip_id, changes)
                audit_chain.append(
                    self.db, self.user, "clip.changed", "clip", clip_id, {"fields": sorted(changes)}
                )
        return self.get_clip(clip_id)

    def record_clip_played(self, clip_id: int) -> None:
        clip = self.get_clip(clip_id)
        self.audit("clip.played", "clip", clip_id, {"case_id": clip.case_id, "path": clip.path})

    def save_activity(self, clip_id: int, bin_ms: int, scores: list[float]) -> None:
        with self.transaction():
            self.db["clip_activity"].upsert(
                {
                    "clip_id": clip_id,
                    "bin_ms": int(bin_ms),
                    "scores": json.dumps([round(float(s), 5) for s in scores]),
                    "computed_at": _iso(utc_now()),
                },
                pk="clip_id",
            )

    def activity(self, clip_id: int) -> Activity | None:
        rows = list(self.db.query("SELECT * FROM clip_activity WHERE clip_id = ?", [clip_id]))
        if not rows:
            return None
        r = rows[0]
        return Activity(clip_id, r["bin_ms"], json.loads(r["scores"]), _dt(r["computed_at"]))

    def check_clips(self, case_id: int | None = None, progress=None, cancel=None) -> list[ClipCheck]:
        """Re-hash clips and report any that changed or went missing (see cctv_review.hashing)."""
        results = []
        clips = self.list_clips(case_id)
        for i, clip in enumerate(clips):
            results.append(self._check_clip(clip, cancel))
            if progress:
                progress((i + 1) / len(clips))
        bad = [r for r in results if r.status != "ok"]
        self.audit(
            "clips.verified",
            "clips",
            case_id or "",
            {"checked": len(results), "problems": [{"clip_id": r.clip.id, "status": r.status} for r in bad]},
        )
        return results

    @staticmethod
    def _check_clip(clip: Clip, cancel) -> ClipCheck:
        from cctv_review.hashing import sha256_file

        path = Path(clip.path)
        if not path.exists():
            return ClipCheck(clip, "missing", f"{clip.path} is no longer there.")
        try:
            digest = sha256_file(path, cancel=cancel)
        except OSError as exc:
            return ClipCheck(clip, "unreadable", f"{clip.path} could not be read: {exc.strerror}.")
        if digest != clip.sha256:
            return ClipCheck(clip, "changed", f"{clip.path} has changed since it was added.")
        return ClipCheck(clip, "ok")

    # -- findings --------------------------------------------------------------------
    def add_finding(self, finding: Finding) -> Finding:
        row = {
            "case_id": finding.case_id,
            "clip_id": finding.clip_id,
            "position_ms": int(finding.position_ms),
            "theme": finding.theme,
            "level": FindingLevel(finding.level).value,
            "note": finding.note,
            "reviewer": finding.reviewer or self.user,
            "still_path": finding.still_path,
            "created_at": _iso(finding.created_at),
            "updated_at": _iso(finding.updated_at),
        }
        with self.transaction():
            self._touch(finding.case_id)
            finding_id = self._insert("findings", row)
            audit_chain.append(
                self.db,
                self.user,
                "finding.added",
                "finding",
                finding_id,
                {
                    "case_id": finding.case_id,
                    "clip_id": finding.clip_id,
                    "position_ms": row["position_ms"],
                    "theme": finding.theme,
                    "level": row["level"],
                },
            )
        return self.get_finding(finding_id)

    def get_finding(self, finding_id: int) -> Finding:
        rows = list(self.db.query("SELECT * FROM findings WHERE id = ?", [finding_id]))
        if not rows:
            raise NotFound(f"There is no finding with id {finding_id}.")
        return _finding_from_row(rows[0])

    def list_findings(self, case_id: int | None = None) -> list[Finding]:
        sql, params = "SELECT * FROM findings", []
        if case_id is not None:
            sql, params = sql + " WHERE case_id = ?", [case_id]
        sql += " ORDER BY case_id, clip_id IS NULL, clip_id, position_ms, id"
        return [_finding_from_row(r) for r in self.db.query(sql, params)]

    _EDITABLE_FINDING_FIELDS: ClassVar[set[str]] = {
        "theme",
        "level",
        "note",
        "position_ms",
        "clip_id",
        "still_path",
    }

    def update_finding(self, finding_id: int, **changes: Any) -> Finding:
        unknown = set(changes) - self._EDITABLE_FINDING_FIELDS
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} on a finding")
        before = self.get_finding(finding_id)
        if "level" in changes:
            changes["level"] = FindingLevel(changes["level"]).value
        changed = {k: v for k, v in changes.items() if getattr(before, k) != v}
        if not changed:
            return before
        with self.transaction():
            self._touch(before.case_id)
            self.db["findings"].update(finding_id, {**changed, "updated_at": _iso(utc_now())})
            audit_chain.append(
                self.db,
                self.user,
                "finding.changed",
                "finding",
                finding_id,
                {"case_id": before.case_id, "fields": sorted(changed)},
            )
        return self.get_finding(finding_id)

    def delete_finding(self, finding_id: int) -> None:
        finding = self.get_finding(finding_id)
        with self.transaction():
            self._touch(finding.case_id)
            self.db.execute("DELETE FROM findings WHERE id = ?", [finding_id])
            audit_chain.append(
                self.db,
                self.user,
                "finding.deleted",
                "finding",
                finding_id,
                {
                    "case_id": finding.case_id,
                    "clip_id": finding.clip_id,
                    "position_ms": finding.position_ms,
                    "theme": finding.theme,
                    "level": finding.level.value,
                    "note": finding.note,
                },
            )

    # -- where the reviewer left off -------------------------------------------------------
    def save_position(self, case_id: int, clip_id: int | None, position_ms: int) -> None:
        with self.transaction():
            self.db["review_state"].upsert(
                {
                    "case_id": case_id,
                    "clip_id": clip_id,
                    "position_ms": int(position_ms),
                    "updated_at": _iso(utc_now()),
                },
                pk="case_id",
            )

    def last_position(self, case_id: int) -> tuple[int | None, int]:
        rows = list(
            self.db.query("SELECT clip_id, position_ms FROM review_state WHERE case_id = ?", [case_id])
        )
        return (rows[0]["clip_id"], rows[0]["position_ms"]) if rows else (None, 0)

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self.db["settings"].upsert({"key": key, "value": json.dumps(value)}, pk="key")

    def setting(self, key: str, default: Any = None) -> Any:
        rows = list(self.db.query("SELECT value FROM settings WHERE key = ?", [key]))
        return json.loads(rows[0]["value"]) if rows else default

    # -- clip index (video-index) ---------------------------------------------------
    def save_clip_index(self, clip_id: int, record: dict[str, Any]) -> None:
        """Store a clip's frame index: ``record`` from ``ClipIndex.to_record()``
        (``version``, ``meta`` JSON text, arrays as bytes).  Replaces any older one."""
        row = {"clip_id": int(clip_id), **record, "computed_at": _iso(utc_now())}
        with self.transaction():
            self.db.table("clip_index").upsert(row, pk="clip_id")

    def clip_index_record(self, clip_id: int) -> dict[str, Any] | None:
        """The stored frame-index record of a clip (see :meth:`save_clip_index`), or None."""
        rows = list(self.db.query("SELECT * FROM clip_index WHERE clip_id = ?", [int(clip_id)]))
        return rows[0] if rows else None


__all__ = [
    "LATEST_VERSION",
    "Activity",
    "CaseLocked",
    "ClipCheck",
    "CompletionRefused",
    "NotFound",
    "Store",
    "StoreError",
    "current_user",
]
