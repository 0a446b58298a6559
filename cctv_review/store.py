"""The local SQLite store: cases, clips, findings, answers and the audit trail.

Plain Python on sqlite-utils; no Qt.  The schema is created and migrated by
the application itself (see :mod:`cctv_review.migrations`).  The database runs
in WAL mode (the rollback journal on a network file system, see
:mod:`cctv_review.storage`) with foreign keys on.  Every change happens in one
``BEGIN IMMEDIATE`` transaction together with its audit-trail entry, which
records the new state of the rows it changed (:mod:`cctv_review.audit`).
Opening refuses empty, foreign and damaged files without writing to them and
opens a read-only file or folder read-only (:attr:`Store.read_only`,
:attr:`Store.notice`).

Writes cost few SQL statements, a number that does not grow with the store:
the store runs its own SQL (sqlite-utils' ``insert``/``update``/``upsert``
read the schema on every call, its ``query`` wraps each read in a savepoint);
each write returns the rows it wrote (``RETURNING``), from which the audit
entry's row-state digests are computed, and the audit entry is one
``INSERT ... SELECT`` that reads the chain's head itself
(:func:`cctv_review.audit.append`).  Adding a finding, saving an answer,
setting the outcome, completing and reopening a case are each BEGIN
IMMEDIATE, one write, the audit entry (whose append-only trigger a trace
callback reports as a statement of its own) and COMMIT: five.

Footage is only ever referenced by path and SHA-256: the store never copies,
moves or writes video files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import getpass
import json
import os
import secrets
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, ClassVar, NoReturn, cast
from urllib.parse import quote

import sqlite_utils

from cctv_review import audit as audit_chain
from cctv_review import case_figures
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


def clean_reference(reference: str) -> str:
    """A case reference as stored: NFC-normalised, trimmed (including no-break spaces).

    Raises :class:`StoreError` when it is empty or holds a control or
    invisible character (so two references that look the same are the same).
    """
    from cctv_review.textcheck import nfc, unsafe_summary

    cleaned = nfc(reference).strip()
    if not cleaned:
        raise StoreError("A case needs a reference (for example the custody record number).")
    bad = unsafe_summary(cleaned)
    if bad:
        raise StoreError(
            f"The case reference {cleaned.encode('unicode_escape').decode('ascii')} holds {bad}, which "
            "cannot be seen on screen. Type the reference again without it."
        )
    return cleaned


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


def _stamp(text: str | None) -> datetime:
    """A row's timestamp.  The domain types it ``datetime``; only rows written by hand or by very old
    versions hold NULL, and those come through as None exactly as before (the cast says so)."""
    return cast(datetime, _dt(text))


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
        created_at=_stamp(row["created_at"]),
        updated_at=_stamp(row["updated_at"]),
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
        added_at=_stamp(row["added_at"]),
        clock_offset_ms=row.get("clock_offset_ms") or 0,
        recorded_start_source=row.get("recorded_start_source") or "",
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
        created_at=_stamp(row["created_at"]),
        updated_at=_stamp(row["updated_at"]),
        camera=row.get("camera") or "",
        frame=row.get("frame"),
        recorded_at=_dt(row.get("recorded_at")),
        review_round=row.get("review_round") or 1,
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


SQLITE_HEADER = b"SQLite format 3\x00"
#: Writes use ``RETURNING`` (SQLite 3.35, March 2021) to give back the rows they wrote.
MIN_SQLITE = (3, 35, 0)
#: Above this size the check on opening covers the schema, cases and audit trail only (a full
#: ``PRAGMA quick_check`` reads every page: about 0.5 s for 320 MB from the page cache, more from a
#: cold disk), so a 275 MB store still opens quickly.  Damage elsewhere is reported when it is read.
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024
DAMAGED_ADVICE = (
    "Nothing was changed. Restore it from a backup (or ask whoever keeps your backups), or choose "
    "another review database with --db."
)


class StoreDamaged(StoreError):
    """The database file failed SQLite's integrity check; it is not written to."""


class StoreReadOnly(StoreError):
    """A change was asked of a store opened read-only."""


class AuditKeyMissing(StoreError):
    """The store's audit trail is keyed, and its key is not on this computer."""


def _check_file(path: Path) -> None:
    """Refuse what is not a review database before SQLite sees it (never writes to it)."""
    if path.is_dir():
        raise StoreError(
            f"{path} is a folder, not a cctv-review database. Choose the database file with --db."
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"The review database {path} could not be read: {exc.strerror or exc}.") from None
    if size == 0:
        raise StoreError(
            f"{path} is an empty file (0 bytes), not a cctv-review database. It has been left as it is. "
            "If it should hold your reviews, restore it from a backup; otherwise delete it or choose "
            "another file with --db."
        )
    if header != SQLITE_HEADER:
        raise StoreError(
            f"{path} is not a cctv-review database or is damaged: it does not start like an SQLite "
            f"database. It has been left as it is. {DAMAGED_ADVICE}"
        )


def _damaged(path: Path, detail: str) -> StoreDamaged:
    return StoreDamaged(f"The review database {path} is damaged ({detail}). {DAMAGED_ADVICE}")


def _integrity_check(path: Path, uri: str) -> None:
    """SQLite's ``quick_check`` on a read-only connection of its own; raises StoreDamaged."""
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise StoreError(f"The review database {path} could not be opened: {exc}.") from None
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        if path.stat().st_size <= FULL_CHECK_MAX_BYTES:
            checks = ["PRAGMA quick_check(5)"]
        else:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            checks = [
                f"PRAGMA quick_check([{t}])"
                for t in ("sqlite_master", "cases", "audit")
                if t in names or t == "sqlite_master"
            ]
        for sql in checks:
            result = [r[0] for r in conn.execute(sql)]
            if result != ["ok"]:
                found = [x for r in result for x in str(r).splitlines() if x and not x.startswith("***")]
                more = ", and more" if len(found) > 1 else ""
                raise _damaged(path, f"SQLite's check found: {found[0] if found else result[0]}{more}")
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(
                f"The review database {path} is in use by another program and could not be checked. "
                "Try again in a moment."
            ) from None
        raise _damaged(path, str(exc)) from None
    except OSError as exc:
        raise StoreError(f"The review database {path} could not be read: {exc.strerror or exc}.") from None
    finally:
        conn.close()


def sqlite_uri(path: str, mode: str, *, windows: bool = os.name == "nt") -> str:
    """An SQLite URI (https://www.sqlite.org/uri.html) for absolute ``path`` with ``?mode=``.

    ``C:\\x\\y.sqlite`` becomes ``file:///C:/x/y.sqlite``; a UNC path
    ``\\\\server\\share\\y.sqlite`` becomes ``file:////server/share/y.sqlite``
    (SQLite refuses an authority other than ``localhost``, so the server goes in
    the path); ``%``, ``?``, ``#`` and spaces are percent-encoded.
    """
    text = path.replace("\\", "/") if windows else path
    if not text.startswith("/"):
        text = "/" + text
    return "file://" + quote(text, safe="/:") + f"?mode={mode}"


def _uri(path: Path, mode: str) -> str:
    return sqlite_uri(os.path.abspath(path), mode)


def _read_uri(path: Path) -> str:
    """The URI to read ``path`` without writing: ``mode=ro``, or ``mode=ro&immutable=1`` when plain
    read-only cannot open it.

    A WAL database in a folder the user cannot write has no ``-shm`` file to
    share and cannot create one, so SQLite refuses even to read it ("attempt
    to write a readonly database"); ``immutable=1`` reads the file as it is
    (https://www.sqlite.org/uri.html#uriimmutable).  Nobody can be writing
    it then: no one can create the ``-wal`` file beside it either.
    """
    uri = _uri(path, "ro")
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "readonly" in text or "unable to open" in text:
            return uri + "&immutable=1"
    except sqlite3.DatabaseError:
        pass  # damage: the integrity check words it
    return uri


class Store:
    """One review database.  Use as a context manager or call :meth:`close`.

    Opening checks the file before anything is written: an empty or foreign
    file is refused (:class:`StoreError`), a damaged one too
    (:class:`StoreDamaged`, after SQLite's ``quick_check``).  A read-only
    file or folder opens read-only: ``read_only`` is True, ``notice`` says so
    in words the GUI and the command line show, reads work and changes raise
    :class:`StoreReadOnly`.  On a network file system
    (:func:`cctv_review.storage.network_filesystem`) the store uses SQLite's
    rollback journal instead of WAL, and ``notice`` says so too.

    Every write transaction starts with ``BEGIN IMMEDIATE``, so a second
    program writing at the same moment makes this one wait (up to 10 s)
    instead of failing.
    """

    BUSY_TIMEOUT_MS = 10_000

    def __init__(self, path: str | Path, user: str | None = None):
        from cctv_review import audit_keys, storage
        from cctv_review.export.atomic import sweep_known_folders

        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"cctv-review needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer; this Python has "
                f"SQLite {sqlite3.sqlite_version}. Install a newer Python (3.10 or later from python.org "
                "includes a recent SQLite)."
            )
        self.path = Path(path)
        self.user = user or current_user()
        self._lock = threading.RLock()
        self.read_only = False
        self.notice = ""
        self.network_filesystem: str | None = None
        self.store_id = ""
        self._key: audit_keys.AuditKey | None = None
        self._keyed_from: int | None = None
        self._wrote = False
        sweep_known_folders()

        exists = self.path.exists()
        notices: list[str] = []
        if exists:
            _check_file(self.path)
            reason = storage.read_only_reason(self.path)
            if reason:
                self.read_only = True
                notices.append(
                    f"{self.path} is opened read-only because {reason}: you can look at the reviews and "
                    "export them, but nothing can be changed or recorded in its audit trail."
                )
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"The review database {self.path} could not be created: {exc.strerror or exc}. "
                    "Choose a folder you can write to with --db."
                ) from None
        self.network_filesystem = storage.network_filesystem(self.path)
        if self.network_filesystem:
            notices.append(
                f"{self.path} is on a network file system ({self.network_filesystem}), so it uses SQLite's "
                "rollback journal instead of WAL (which SQLite does not support there). Only one "
                "person should have it open at a time; a local disk is faster and safer."
            )
        if exists:
            read_uri = _read_uri(self.path)
            _integrity_check(self.path, read_uri)
        try:
            conn = sqlite3.connect(
                read_uri if self.read_only else _uri(self.path, "rwc"),
                uri=True,
                timeout=self.BUSY_TIMEOUT_MS / 1000,
            )  # used by the thread that opened it only: each background job opens its own Store
        except (OSError, sqlite3.Error) as exc:
            if not exists:
                raise StoreError(
                    f"The review database {self.path} could not be created ({exc}). Choose a folder you "
                    "can write to with --db."
                ) from None
            raise StoreError(f"The review database {self.path} could not be opened: {exc}.") from None
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute(f"PRAGMA busy_timeout = {self.BUSY_TIMEOUT_MS}")
            self.db = sqlite_utils.Database(conn, execute_plugins=False)
            self._open_schema(notices)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"The review database {self.path} is in use by another program. Try again in a moment."
                ) from None
            raise StoreError(
                f"{self.path} is not a cctv-review database or is damaged ({exc}). {DAMAGED_ADVICE}"
            ) from None
        except BaseException:
            conn.close()
            raise
        self.notice = " ".join(notices)

    def _open_schema(self, notices: list[str]) -> None:
        """Journal mode, migrations and the audit key, in that order (nothing written when read-only)."""
        from cctv_review import audit_keys
        from cctv_review.migrations import version

        if not self.read_only:
            wanted = "delete" if self.network_filesystem else "wal"
            if self.db.journal_mode != wanted:
                self.db.execute(f"PRAGMA journal_mode = {wanted}")
            self.db.execute("PRAGMA synchronous = NORMAL" if wanted == "wal" else "PRAGMA synchronous = FULL")
            if version(self.db) != LATEST_VERSION:
                with self.transaction():
                    migrate(self.db)
        elif version(self.db) != LATEST_VERSION:
            migrate(self.db, target=version(self.db))  # refuses a newer or foreign database plainly
            raise StoreReadOnly(
                f"{self.path} was written by an earlier version of cctv-review and needs a small upgrade, "
                "which cannot be done while it is read-only. Copy it to a folder you can write to, or "
                "make it writable, and open it again."
            )
        self.store_id = self._meta("store_id") or ""
        keyed = self._meta("keyed_from")
        self._keyed_from = int(keyed) if keyed else None
        self._key = audit_keys.load_key(self.store_id) if self.store_id else None
        if not self.read_only and self._key is None and self._keyed_from is None:
            previous = audit_keys.known_store_id(self.path.resolve())
            replaced = (
                previous if previous and previous != self.store_id and audit_keys.load_key(previous) else None
            )
            self._start_keyed_chain(replaced)
        if self._keyed_from is not None and self._key is None:
            notices.append(
                "The audit key for this review database is not on this computer, so changes cannot be "
                "recorded. If it came from another computer, run 'cctv-review audit export-key FILE' "
                "there and 'cctv-review audit import-key FILE' here."
            )
        if not self.read_only:
            audit_keys.remember_store(self.path.resolve(), self.store_id)

    def _meta(self, name: str) -> str | None:
        found = self.db.execute("SELECT value FROM audit_meta WHERE name = ?", [name]).fetchone()
        return str(found[0]) if found else None

    def _start_keyed_chain(self, replaced_identity: str | None = None) -> None:
        """Make this store's key and start the keyed chain after the entries already there.

        Runs under the write lock, so two programs opening a new store at once
        make one key between them.  A store with earlier entries or rows gets
        an ``audit.keyed`` entry saying where keyed entries begin and which rows
        the trail does not cover yet, and ``replaced_identity`` when the file at
        this path belonged to another keyed store before (which ``audit verify``
        reports: an attacker could otherwise strip the identity to get a new key).
        """
        from cctv_review import audit_keys

        with self.transaction():
            keyed = self._meta("keyed_from")
            if keyed:  # another program got there first
                self._keyed_from = int(keyed)
                self.store_id = self._meta("store_id") or ""
                self._key = audit_keys.load_key(self.store_id)
                return
            if not self.store_id:  # removed outside cctv-review: a new identity, and a new key
                self.store_id = secrets.token_hex(16)
                self.db.execute(
                    "INSERT OR REPLACE INTO audit_meta (name, value) VALUES ('store_id', ?)", [self.store_id]
                )
            entries, _ = audit_chain.head(self.db)
            covered_from = {
                table: int(
                    self.db.execute(f"SELECT coalesce(max(rowid), 0) + 1 FROM [{table}]").fetchone()[0]
                )
                for table in audit_chain.COVERED
            }
            key = audit_keys.AuditKey.new(self.store_id, entries + 1)
            audit_keys.save_key(key)
            self.db.execute(
                "INSERT OR REPLACE INTO audit_meta (name, value) VALUES ('keyed_from', ?)",
                [str(key.keyed_from)],
            )
            self._key, self._keyed_from = key, key.keyed_from
            if entries or any(v > 1 for v in covered_from.values()):
                detail: dict[str, Any] = {
                    "plain_entries": entries,
                    "covered_from": covered_from,
                    "key_kept_in": audit_keys.backend_name(),
                }
                if replaced_identity:
                    detail["replaces_identity"] = replaced_identity
                audit_chain.append(self.db, self.user, "audit.keyed", "audit", "", detail, key=key)

    # -- life cycle ------------------------------------------------------------
    def close(self) -> None:
        """Close the database; after changes, record a checkpoint of the trail's head (best effort)."""
        with self._lock:
            if self._wrote and self._key is not None:
                with contextlib.suppress(Exception):
                    self.checkpoint("closed")
            self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit of work (nested calls become savepoints).

        The outermost call starts with ``BEGIN IMMEDIATE``: it takes the write
        lock first, waiting up to :attr:`BUSY_TIMEOUT_MS` while another program
        holds it (a deferred ``BEGIN`` that reads first would fail at once when
        it tries to write).  SQLite errors are turned into a :class:`StoreError`
        with a plain message; nothing of the unit is written when it fails.
        Raises :class:`StoreReadOnly` on a read-only store.
        """
        with self._lock:
            if self.read_only:
                raise StoreReadOnly(
                    f"Nothing can be changed in {self.path}: it is open read-only. Make the file and its "
                    "folder writable (or copy it somewhere you can write), then open it again."
                )
            conn = self.db.conn
            try:
                if conn.in_transaction:
                    with self.db.atomic():
                        yield self.db
                else:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield self.db
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    try:
                        conn.execute("COMMIT")
                    except BaseException:
                        if conn.in_transaction:
                            conn.execute("ROLLBACK")
                        raise
                    self._wrote = True
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
                        f"Could not save to {self.path}: another program kept the database busy for more "
                        f"than {self.BUSY_TIMEOUT_MS // 1000} s. Close it and try again."
                    ) from exc
                if "readonly" in text:
                    raise StoreError(f"Could not save to {self.path}: the file is read-only.") from exc
                raise StoreError(f"Could not save to {self.path}: {exc}.") from exc
            except sqlite3.DatabaseError as exc:
                raise _damaged(self.path, str(exc)) from exc

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """The rows of one statement as dicts (column name -> value); one SQL statement.

        For reads and for writes with ``RETURNING``.  sqlite-utils' ``query``
        wraps each statement in a savepoint (three statements) and its
        ``insert``/``update``/``upsert`` read the schema first, so the store
        runs its own SQL (column names are the store's own, never user input).
        """
        cursor = self.db.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _insert(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        """Insert ``row`` into ``table``; returns the row as stored (one statement)."""
        columns = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" * len(row))
        return self._query(f"INSERT INTO [{table}] ({columns}) VALUES ({marks}) RETURNING *", row.values())[0]

    def _update(
        self, table: str, row_id: int, values: dict[str, Any], where: str = ""
    ) -> dict[str, Any] | None:
        """Set ``values`` on row ``row_id`` of ``table`` (when ``where`` holds too); returns the row as
        stored, or None when no row was changed (one statement)."""
        assignments = ", ".join(f"[{c}] = ?" for c in values)
        found = self._query(
            f"UPDATE [{table}] SET {assignments} WHERE id = ? {where} RETURNING *", [*values.values(), row_id]
        )
        return found[0] if found else None

    # -- audit -------------------------------------------------------------------
    def _record(
        self,
        action: str,
        object_type: str = "",
        object_id: Any = "",
        detail: Any = None,
        touched: Iterable[audit_chain.Target] = (),
        *,
        state: dict[str, str | None] | None = None,
    ) -> int:
        """Append an audit entry recording the new state of the ``touched`` rows (inside a transaction).

        ``state`` gives that record directly instead (see :meth:`_state`), when
        the change's statements returned the rows they wrote: no read again.
        """
        if self._keyed_from is not None and self._key is None:
            raise AuditKeyMissing(
                "This change was not saved: the audit key for this review database is not on this "
                "computer, so the change could not be recorded in its audit trail. If the database came "
                "from another computer, run 'cctv-review audit export-key FILE' there and "
                "'cctv-review audit import-key FILE' here."
            )
        if state is None:
            state = audit_chain.state_of(self.db, touched)
        return audit_chain.append(
            self.db, self.user, action, object_type, object_id, detail, key=self._key, state=state
        )

    @staticmethod
    def _state(*written: tuple[str, dict[str, Any] | None]) -> dict[str, str | None]:
        """An audit entry's ``state`` from rows as written: (table, row) pairs; a None row is skipped."""
        return dict(audit_chain.state_entry(table, row) for table, row in written if row is not None)

    def audit(self, action: str, object_type: str = "", object_id: Any = "", detail: Any = None) -> None:
        """Append an audit-trail entry (inside the caller's transaction, if any).

        On a read-only store nothing can be recorded: the call does nothing
        (the store's ``notice`` has said so).
        """
        if self.read_only:
            return
        with self.transaction():
            self._record(action, object_type, object_id, detail)

    def audit_rows(self) -> list[dict[str, Any]]:
        return list(self._query("SELECT * FROM audit ORDER BY id"))

    def verify_audit(self, check_rows: bool = True) -> audit_chain.ChainCheck:
        """Check the trail (see :func:`cctv_review.audit.verify`); never writes."""
        from cctv_review import audit_keys

        anchors = audit_keys.load_anchors(self._key) if self._key is not None else []
        check = audit_chain.verify(
            self.db, self._key, keyed_from_db=self._keyed_from, anchors=anchors, check_rows=check_rows
        )
        kept = audit_keys.where_kept(self.store_id) if self.store_id else ""
        identity = f"Database identity {self.store_id}" + (f"; its key is kept in {kept}." if kept else ".")
        check = dataclasses.replace(check, notes=(*check.notes, identity))
        if check_rows:  # what the summary reads instead of the findings (cctv_review.case_figures)
            wrong = [
                f"case {case_id}: its kept summary figures (case_figures) are not what its findings and "
                "answers give: changed outside the app"
                for case_id in case_figures.check(self.db.conn)
            ]
            if wrong:
                check = dataclasses.replace(
                    check, ok=False, problem=check.problem or wrong[0], problems=(*check.problems, *wrong)
                )
        return check

    def checkpoint(self, reason: str = "checkpoint") -> Any:
        """Record the trail's head outside the store (:func:`cctv_review.audit_keys.record_anchor`).

        Returns the :class:`~cctv_review.audit_keys.Anchor`; raises
        :class:`AuditKeyMissing` when this computer has no key for the store.
        """
        from cctv_review import audit_keys

        if self._key is None:
            raise AuditKeyMissing(
                "No checkpoint was recorded: the audit key for this review database is not on this "
                "computer. Import it with 'cctv-review audit import-key FILE'."
            )
        with self._lock:
            count, head_hash = audit_chain.head(self.db)
        return audit_keys.record_anchor(self._key, count, head_hash, reason)

    def export_key(self, destination: Path) -> None:
        """Write this store's audit key to ``destination`` for another computer."""
        from cctv_review import audit_keys

        if self._key is None:
            raise AuditKeyMissing(
                "This computer has no audit key for this review database, so there is nothing to export. "
                "Export it on the computer where the database was made."
            )
        audit_keys.export_key(self._key, destination)

    def import_key(self, source: Path) -> str:
        """Keep the key in ``source`` (from ``export-key``) on this computer; returns where it went."""
        from cctv_review import audit_keys

        key = audit_keys.read_key_file(source)
        if key.store_id != self.store_id:
            raise audit_keys.AuditKeyError(
                f"{source} is the key of another review database (identity {key.store_id}; this one is "
                f"{self.store_id}). Nothing was imported."
            )
        if self._key is not None and self._key.secret != key.secret:
            raise audit_keys.AuditKeyError(
                "This computer already has a different audit key for this review database, kept in "
                f"{audit_keys.where_kept(self.store_id)}. Nothing was imported. If you are sure the key "
                "here is the wrong one, remove it from there first and import again."
            )
        where = audit_keys.save_key(key)
        self._key = key
        return where

    # -- cases ---------------------------------------------------------------------
    def add_case(self, case: Case) -> Case:
        return self.import_cases([case], action="case.created")[0]

    def import_cases(
        self, cases: Iterable[Case], action: str = "cases.imported", source: str = ""
    ) -> list[Case]:
        """Add several cases in one transaction: all of them or none."""
        cases = list(cases)
        rows: list[dict[str, Any]] = []
        with self.transaction():
            for case in cases:
                case.reference = clean_reference(case.reference)
                if self.case_by_reference(case.reference) is not None:
                    raise StoreError(f"A case with reference {case.reference} is already in the store.")
                rows.append(self._insert("cases", _case_to_row(case)))
            added = [_case_from_row(row) for row in rows]
            state = self._state(*(("cases", row) for row in rows))
            if action == "case.created" and added:
                self._record(action, "case", added[0].id, {"reference": added[0].reference}, state=state)
            elif added:
                self._record(
                    action,
                    "cases",
                    "",
                    {"count": len(added), "source": source, "references": [c.reference for c in added]},
                    state=state,
                )
        return added

    def get_case(self, case_id: int) -> Case:
        rows = list(self._query("SELECT * FROM cases WHERE id = ?", [case_id]))
        if not rows:
            raise NotFound(f"There is no case with id {case_id}.")
        return _case_from_row(rows[0])

    def case_by_reference(self, reference: str) -> Case | None:
        rows = list(
            self._query("SELECT * FROM cases WHERE reference = ? COLLATE NOCASE", [reference.strip()])
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
        where: list[str] = []
        params: list[Any] = []
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
        return [_case_from_row(r) for r in self._query(sql, params)]

    def custody_suites(self) -> list[str]:
        return [
            r["s"]
            for r in self._query("SELECT DISTINCT custody_suite AS s FROM cases WHERE s != '' ORDER BY s")
        ]

    def reviewers(self) -> list[str]:
        return [
            r["r"] for r in self._query("SELECT DISTINCT reviewer AS r FROM cases WHERE r != '' ORDER BY r")
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
        before_row = _case_to_row(case)
        for name, value in changes.items():
            setattr(case, name, value)
        if "reference" in changes:
            case.reference = clean_reference(case.reference)
        row = {k: v for k, v in _case_to_row(case).items() if k in changes}
        row["updated_at"] = _iso(utc_now())
        with self.transaction():
            written = self._update("cases", case_id, row)
            if written is None:
                raise NotFound(f"There is no case with id {case_id}.")
            self._record(
                "case.changed",
                "case",
                case_id,
                {
                    "fields": sorted(changes),
                    "before": {k: before_row[k] for k in sorted(changes)},
                    "after": {k: row[k] for k in sorted(changes)},
                },
                state=self._state(("cases", written)),
            )
        return _case_from_row(written)

    def record_case_opened(self, case_id: int) -> None:
        case = self.get_case(case_id)
        self.audit("case.opened", "case", case_id, {"reference": case.reference})

    #: SQL for "the case is not complete" on a statement writing a row that belongs to a case.
    _CASE_OPEN = "(SELECT status FROM cases WHERE cases.id = {table}.case_id) != 'complete'"
    #: In ``RETURNING``: the status of the case a written row belongs to.
    _CASE_STATUS = "(SELECT status FROM cases WHERE cases.id = {table}.case_id) AS case_status"

    def _refuse(self, case_id: int) -> NoReturn:
        """Say why a change to case ``case_id`` (or one of its rows) wrote nothing.

        Raises :class:`NotFound` when there is no such case, else
        :class:`CaseLocked` (a completed case cannot change until it is reopened).
        """
        case = self.get_case(case_id)
        if case.status == CaseStatus.COMPLETE:
            raise CaseLocked(f"Case {case.reference} is complete. Reopen it to make changes.")
        raise StoreError(f"Case {case.reference} could not be changed. Try again.")  # pragma: no cover

    def _started(self, case_id: int, case_status: str, now: str | None) -> dict[str, Any] | None:
        """The first change to a not-started case moves it to in progress; returns the case's row then.

        A change to a case's findings or answers does not otherwise write the
        case's row (its ``updated_at`` says when the row itself last changed:
        details, status, outcome, completion), so adding a finding to a case
        in progress costs no statement on ``cases``.
        """
        if case_status != CaseStatus.NOT_STARTED.value:
            return None
        return self._update(
            "cases",
            case_id,
            {"status": CaseStatus.IN_PROGRESS.value, "updated_at": now or _iso(utc_now())},
            "AND status = 'not_started'",
        )

    # -- outcome and completion ------------------------------------------------------
    def set_outcome(self, case_id: int, level: LearningLevel | str | None, rationale: str) -> Case:
        """Save the overall outcome and its rationale (audited as ``case.outcome``).

        Raises :class:`NotFound`, :class:`CaseLocked` (the case is complete) or
        :class:`StoreError`.  Five SQL statements: BEGIN, one UPDATE (which
        also moves a not-started case to in progress), the audit entry (with
        its trigger), COMMIT.
        """
        outcome = LearningLevel(level).value if level else None
        with self.transaction():
            written = self._query(
                "UPDATE cases SET outcome = ?, outcome_rationale = ?, updated_at = ?, "
                "status = CASE status WHEN 'not_started' THEN 'in_progress' ELSE status END "
                "WHERE id = ? AND status != 'complete' RETURNING *",
                [outcome, rationale, _iso(utc_now()), case_id],
            )
            if not written:
                self._refuse(case_id)
            row = written[0]
            self._record(
                "case.outcome", "case", case_id, {"outcome": outcome}, state=self._state(("cases", row))
            )
        return _case_from_row(row)

    @staticmethod
    def _problems(case: Case, answers: dict[str, Any], template: Template) -> list[str]:
        problems = [f"Answer: {q.text}" for q in template.missing_required(answers)]
        if case.outcome is None:
            problems.append("Choose the overall outcome: significant, some or no learning.")
        if not case.outcome_rationale.strip():
            problems.append("Write the rationale for the overall outcome.")
        return problems

    def completion_problems(self, case_id: int, template: Template) -> list[str]:
        """What still stops a case being completed (empty when it can be)."""
        return self._problems(self.get_case(case_id), self.answers(case_id), template)

    def complete_case(self, case_id: int, template: Template) -> Case:
        """Complete a case (audited as ``case.completed``); a completed case is returned as it is.

        Raises :class:`CompletionRefused` (listing what is missing: required
        answers, the outcome, its rationale), :class:`NotFound` or
        :class:`StoreError`.  Six SQL statements: BEGIN, one UPDATE that also
        returns the case's answers (checked in Python; the UPDATE is rolled
        back when something is missing) and its findings' themes and levels,
        the audit entry (with its trigger), the case's summary figures
        (:mod:`cctv_review.case_figures`, one INSERT), COMMIT; whatever the
        number of cases.
        """
        now = _iso(utc_now())
        with self.transaction():
            written = self._query(
                "UPDATE cases SET status = 'complete', completed_at = ?, completed_by = ?, updated_at = ? "
                "WHERE id = ? AND status != 'complete' RETURNING *, "
                "(SELECT json_group_object(question_id, value) FROM answers WHERE answers.case_id = cases.id) "
                "AS answers_json, "
                f"{case_figures.FINDINGS_JSON_SQL.format(case='cases.id')} AS findings_json",
                [now, self.user, now, case_id],
            )
            if not written:
                return self.get_case(case_id)  # complete already (or NotFound)
            row = written[0]
            case = _case_from_row(row)
            answers = {k: json.loads(v) for k, v in json.loads(row["answers_json"] or "{}").items()}
            problems = self._problems(case, answers, template)
            if problems:
                raise CompletionRefused(case.reference, problems)  # rolls the UPDATE back
            self._record(
                "case.completed",
                "case",
                case_id,
                {
                    "reference": case.reference,
                    "outcome": case.outcome.value if case.outcome else None,
                    "template": f"{template.id}@{template.version}",
                },
                state=self._state(("cases", row)),
            )
            # The summary's figures of the now locked case (cctv_review.case_figures): one INSERT.
            case_figures.save(
                self.db.conn,
                case_figures.figures_row(
                    case_id,
                    row["completed_at"],
                    json.loads(row["findings_json"] or "[]"),
                    json.loads(row["answers_json"] or "{}"),
                    case_figures.force_questions(template),
                    case_figures.theme_ids(template),
                ),
            )
        return case

    def reopen_case(self, case_id: int, reason: str = "") -> Case:
        """Reopen a completed case (audited as ``case.reopened`` with ``reason``); another is returned as it is.

        Five SQL statements: BEGIN, one UPDATE, the audit entry (with its
        trigger), COMMIT.  Raises :class:`NotFound` or :class:`StoreError`.
        """
        with self.transaction():
            row = self._update(
                "cases",
                case_id,
                {
                    "status": CaseStatus.IN_PROGRESS.value,
                    "completed_at": None,
                    "completed_by": "",
                    "updated_at": _iso(utc_now()),
                },
                "AND status = 'complete'",
            )
            if row is None:
                return self.get_case(case_id)  # not complete (or NotFound)
            self._record(
                "case.reopened",
                "case",
                case_id,
                {"reference": row["reference"], "reason": reason},
                state=self._state(("cases", row)),
            )
        return _case_from_row(row)

    # -- answers ---------------------------------------------------------------------
    def set_answer(self, case_id: int, question_id: str, value: Any, template: Template) -> Any:
        """Save one answer as the reviewer gives it (None or empty clears it); returns the value saved
        (as the question checked it), or None when the answer was cleared.

        Raises ``ValueError`` (a value the question does not take),
        :class:`NotFound`, :class:`CaseLocked` or :class:`StoreError`.  Five
        SQL statements: BEGIN, one upsert (or DELETE) that checks the case is
        not complete and returns the row, the audit entry (with its trigger),
        COMMIT; one more on the first change to a not-started case (it moves
        to in progress), and one more to clear an answer that was not there.
        """
        question = template.question(question_id)
        value = question.validate_value(value)
        now = _iso(utc_now())
        with self.transaction():
            if not question.is_answered(value):
                deleted = self._query(
                    "DELETE FROM answers WHERE case_id = ? AND question_id = ? AND "
                    f"{self._CASE_OPEN.format(table='answers')} RETURNING "
                    f"{self._CASE_STATUS.format(table='answers')}",
                    [case_id, question_id],
                )
                if deleted:
                    case_status = deleted[0]["case_status"]
                else:  # nothing to clear: say why if the case cannot change
                    case = self.get_case(case_id)
                    if case.status == CaseStatus.COMPLETE:
                        self._refuse(case_id)
                    case_status = case.status.value
                state: dict[str, str | None] = {
                    audit_chain.object_key("answers", (case_id, question_id)): None
                }
                state.update(self._state(("cases", self._started(case_id, case_status, now))))
                self._record("answer.cleared", "case", case_id, {"question": question_id}, state=state)
                return None
            text = json.dumps(value)
            written = self._query(
                "INSERT INTO answers (case_id, question_id, value, template_id, template_version, reviewer, "
                "updated_at) SELECT id, ?, ?, ?, ?, ?, ? FROM cases WHERE id = ? AND status != 'complete' "
                "ON CONFLICT (case_id, question_id) DO UPDATE SET value = excluded.value, "
                "template_id = excluded.template_id, template_version = excluded.template_version, "
                "reviewer = excluded.reviewer, updated_at = excluded.updated_at "
                f"RETURNING *, {self._CASE_STATUS.format(table='answers')}",
                [question_id, text, template.id, template.version, self.user, now, case_id],
            )
            if not written:
                self._refuse(case_id)
            row = written[0]
            state = self._state(("answers", row), ("cases", self._started(case_id, row["case_status"], now)))
            self._record("answer.saved", "case", case_id, {"question": question_id}, state=state)
        return json.loads(text)  # as answers() reads it back

    def answers(self, case_id: int) -> dict[str, Any]:
        return {
            r["question_id"]: json.loads(r["value"])
            for r in self._query("SELECT question_id, value FROM answers WHERE case_id = ?", [case_id])
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
                updated_at=_stamp(r["updated_at"]),
            )
            for r in self._query(sql + " ORDER BY case_id, rowid", params)
        ]

    # -- clips -----------------------------------------------------------------------
    def add_clip(self, clip: Clip) -> Clip:
        self.get_case(clip.case_id)
        row = {f.name: getattr(clip, f.name) for f in fields(Clip) if f.name != "id"}
        row["recorded_start"] = _iso(clip.recorded_start)
        row["added_at"] = _iso(clip.added_at)
        with self.transaction():
            written = self._insert("clips", row)
            self._record(
                "clip.added",
                "clip",
                written["id"],
                {"case_id": clip.case_id, "path": clip.path, "camera": clip.camera, "sha256": clip.sha256},
                state=self._state(("clips", written)),
            )
        return _clip_from_row(written)

    def get_clip(self, clip_id: int) -> Clip:
        rows = list(self._query("SELECT * FROM clips WHERE id = ?", [clip_id]))
        if not rows:
            raise NotFound(f"There is no clip with id {clip_id}.")
        return _clip_from_row(rows[0])

    def list_clips(self, case_id: int | None = None) -> list[Clip]:
        sql, params = "SELECT * FROM clips", []
        if case_id is not None:
            sql, params = sql + " WHERE case_id = ?", [case_id]
        sql += " ORDER BY case_id, recorded_start IS NULL, recorded_start, camera, id"
        return [_clip_from_row(r) for r in self._query(sql, params)]

    # -- footage in bulk, and fixing clips afterwards (issue 10) ---------------------------
    def clip_hashes(self, case_id: int) -> dict[str, str]:
        """The SHA-256 of each clip in the case -> its camera (to refuse a file already there)."""
        return {
            r["sha256"]: r["camera"] or ""
            for r in self._query(
                "SELECT sha256, camera FROM clips WHERE case_id = ? AND sha256 != ''", [case_id]
            )
        }

    def add_clips(
        self, new: Iterable[tuple[Clip, dict[str, Any] | None]]
    ) -> tuple[list[Clip], list[tuple[Clip, str]]]:
        """Add several clips (each with its frame-index record or None) in one transaction.

        Each clip is audited as ``clip.added`` (as :meth:`add_clip`), all
        committed together or not at all.  A clip whose SHA-256 is already in
        its case (or earlier in ``new``) is not added: it comes back in the
        second list with the reason in words.  Returns ``(added, refused)``.
        Raises :class:`NotFound` (no such case) or :class:`StoreError`.
        """
        added: list[Clip] = []
        refused: list[tuple[Clip, str]] = []
        with self.transaction():
            for clip, index_record in new:
                self.get_case(clip.case_id)
                if clip.sha256:
                    there = self._query(
                        "SELECT camera, path FROM clips WHERE case_id = ? AND sha256 = ? LIMIT 1",
                        [clip.case_id, clip.sha256],
                    )
                    if there:
                        refused.append(
                            (
                                clip,
                                f"{Path(clip.path).name} is already in this case (as {there[0]['camera'] or 'a clip'}, "
                                "same SHA-256): it was not added again.",
                            )
                        )
                        continue
                row = {f.name: getattr(clip, f.name) for f in fields(Clip) if f.name != "id"}
                row["recorded_start"] = _iso(clip.recorded_start)
                row["added_at"] = _iso(clip.added_at)
                written = self._insert("clips", row)
                self._record(
                    "clip.added",
                    "clip",
                    written["id"],
                    {
                        "case_id": clip.case_id,
                        "path": clip.path,
                        "camera": clip.camera,
                        "sha256": clip.sha256,
                        "recorded_start": row["recorded_start"],
                        "recorded_start_source": clip.recorded_start_source,
                    },
                    state=self._state(("clips", written)),
                )
                if index_record is not None:
                    self.db.execute(
                        f"INSERT OR REPLACE INTO clip_index (clip_id, {', '.join(index_record)}, computed_at) "
                        f"VALUES (?, {', '.join('?' * len(index_record))}, ?)",
                        [written["id"], *index_record.values(), _iso(utc_now())],
                    )
                added.append(_clip_from_row(written))
        return added, refused

    _EDITABLE_CLIP_FIELDS: ClassVar[set[str]] = {"camera", "recorded_start", "recorded_start_source"}

    def update_clip(self, clip_id: int, **changes: Any) -> Clip:
        """Change a clip's camera, recorded start (aware datetime or None) or where the start came from.

        Audited as ``clip.changed`` with the fields changed and their old and
        new values.  A change to nothing returns the clip as it is.  Raises
        ``ValueError`` (a field that cannot change), :class:`NotFound` or
        :class:`StoreError`.  (The clock correction is set elsewhere.)
        """
        unknown = set(changes) - self._EDITABLE_CLIP_FIELDS
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} on a clip")
        before = self.get_clip(clip_id)
        values: dict[str, Any] = {}
        for name, value in changes.items():
            if name == "camera":
                value = str(value).strip()
            if name == "recorded_start":
                if _iso(value) != _iso(before.recorded_start):
                    values[name] = _iso(value)
            elif getattr(before, name) != value:
                values[name] = value
        if not values:
            return before
        with self.transaction():
            written = self._update("clips", clip_id, values)
            if written is None:
                raise NotFound(f"There is no clip with id {clip_id}.")
            clip = _clip_from_row(written)
            # its findings' camera and recorded time follow in the same commit, and the entry records
            # them as they are then (the trail covers a finding's camera and recorded time)
            refreshed = self.refresh_finding_times(clip)
            self._record(
                "clip.changed",
                "clip",
                clip_id,
                {
                    "case_id": before.case_id,
                    "fields": sorted(values),
                    "before": {
                        k: (_iso(before.recorded_start) if k == "recorded_start" else getattr(before, k))
                        for k in values
                    },
                    "after": values,
                    **({"findings": refreshed} if refreshed else {}),
                },
                state=self._state(("clips", written))
                | audit_chain.state_of(self.db, [("findings", f) for f in refreshed]),
            )
        return clip

    def relink_clip(self, clip_id: int, new_path: str | Path, sha256: str) -> Clip:
        """Point a clip at its file's new place; ``sha256`` is the new file's, hashed by the caller.

        Refused (:class:`StoreError`, nothing changed) unless ``sha256`` is the
        clip's own: the same footage, moved.  Audited as ``clip.relinked`` with
        the old and new path.  The clip's frame index is kept when the moved
        file matches it, else rebuilt the next time the clip is opened.
        """
        clip = self.get_clip(clip_id)
        path = str(Path(new_path).resolve())
        if sha256 != clip.sha256:
            raise StoreError(
                f"{Path(path).name} is not the file of {clip.camera or 'this clip'}: its SHA-256 differs, so it "
                "holds other footage (or the footage was changed). The clip still points at "
                f"{clip.path}. Choose the original file."
            )
        if path == clip.path:
            return clip
        with self.transaction():
            written = self._update("clips", clip_id, {"path": path})
            if written is None:
                raise NotFound(f"There is no clip with id {clip_id}.")
            self._record(
                "clip.relinked",
                "clip",
                clip_id,
                {"case_id": clip.case_id, "from": clip.path, "to": path, "sha256": sha256},
                state=self._state(("clips", written)),
            )
        return _clip_from_row(written)

    def findings_on_clip(self, clip_id: int) -> list[Finding]:
        """The findings that point at a clip (in time order)."""
        return [
            _finding_from_row(r)
            for r in self._query(
                "SELECT * FROM findings WHERE clip_id = ? ORDER BY position_ms, id", [clip_id]
            )
        ]

    def remove_clip(
        self, clip_id: int, *, move_findings_to: int | None = None, delete_findings: bool = False
    ) -> list[int]:
        """Remove a clip from its case (the file is not touched); returns the ids of the findings moved or deleted.

        Refused (:class:`StoreError`) while findings point at the clip, unless
        they are moved to clip ``move_findings_to`` (of the same case; their
        position in milliseconds is kept) or ``delete_findings``; and while
        the case is complete (:class:`CaseLocked`).  One transaction: the
        findings moved (``finding.changed``) or deleted (``finding.deleted``),
        the clip's index, activity and remembered position dropped, and
        ``clip.removed`` (with the clip's path and SHA-256) in the audit trail.
        """
        clip = self.get_clip(clip_id)
        case = self.get_case(clip.case_id)
        findings = self.findings_on_clip(clip_id)
        if findings and case.status == CaseStatus.COMPLETE:
            raise CaseLocked(f"Case {case.reference} is complete. Reopen it to remove clips with findings.")
        target = self.get_clip(move_findings_to) if move_findings_to is not None else None
        if target is not None and (target.case_id != clip.case_id or target.id == clip_id):
            raise StoreError("Findings can only be moved to another clip of the same case.")
        if findings and move_findings_to is None and not delete_findings:
            raise StoreError(
                f"{clip.camera or 'This clip'} has {len(findings)} finding{'s' if len(findings) != 1 else ''} "
                "pointing at it, so it was not removed. Move those findings to another clip, or delete them, "
                "in the same step."
            )
        touched = [f.id for f in findings if f.id is not None]
        with self.transaction():
            for f in findings:
                if move_findings_to is not None:
                    row = self._update(
                        "findings",
                        int(f.id or 0),
                        {
                            "clip_id": move_findings_to,
                            "camera": target.camera if target is not None and f.camera else "",
                            "updated_at": _iso(utc_now()),
                        },
                    )
                    self._record(
                        "finding.changed",
                        "finding",
                        f.id,
                        {
                            "case_id": f.case_id,
                            "fields": ["clip_id"],
                            "from_clip": clip_id,
                            "to_clip": move_findings_to,
                        },
                        state=self._state(("findings", row)),
                    )
                else:
                    self.db.execute("DELETE FROM findings WHERE id = ?", [f.id])
                    self._record(
                        "finding.deleted",
                        "finding",
                        f.id,
                        {
                            "case_id": f.case_id,
                            "clip_id": f.clip_id,
                            "position_ms": f.position_ms,
                            "theme": f.theme,
                            "level": f.level.value,
                            "note": f.note,
                            "with_clip": clip_id,
                        },
                        state={audit_chain.object_key("findings", f.id): None},
                    )
            # moved findings take the new clip's camera and recorded time; the entry below records them
            refreshed = self.refresh_finding_times(target) if target is not None and findings else []
            self.db.execute("DELETE FROM clip_index WHERE clip_id = ?", [clip_id])
            self.db.execute("DELETE FROM clip_activity WHERE clip_id = ?", [clip_id])
            self.db.execute(
                "UPDATE review_state SET clip_id = NULL, position_ms = 0 WHERE clip_id = ?", [clip_id]
            )
            self.db.execute("DELETE FROM clips WHERE id = ?", [clip_id])
            self._record(
                "clip.removed",
                "clip",
                clip_id,
                {
                    "case_id": clip.case_id,
                    "path": clip.path,
                    "camera": clip.camera,
                    "sha256": clip.sha256,
                    "findings_moved_to": move_findings_to if findings else None,
                    "findings_deleted": touched if findings and move_findings_to is None else [],
                },
                state={
                    audit_chain.object_key("clips", clip_id): None,
                    **audit_chain.state_of(self.db, [("findings", f) for f in refreshed]),
                },
            )
        return touched

    def record_clip_played(self, clip_id: int) -> None:
        clip = self.get_clip(clip_id)
        self.audit("clip.played", "clip", clip_id, {"case_id": clip.case_id, "path": clip.path})

    def save_activity(self, clip_id: int, bin_ms: int, scores: list[float]) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO clip_activity (clip_id, bin_ms, scores, computed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (clip_id) DO UPDATE SET bin_ms = excluded.bin_ms, scores = excluded.scores, "
                "computed_at = excluded.computed_at",
                [clip_id, int(bin_ms), json.dumps([round(float(s), 5) for s in scores]), _iso(utc_now())],
            )

    def activity(self, clip_id: int) -> Activity | None:
        rows = list(self._query("SELECT * FROM clip_activity WHERE clip_id = ?", [clip_id]))
        if not rows:
            return None
        r = rows[0]
        return Activity(clip_id, r["bin_ms"], json.loads(r["scores"]), _dt(r["computed_at"]))

    def recorded_clip_hashes(self) -> dict[int, str]:
        """Each clip's SHA-256 as the audit trail recorded it when the clip was added (clip id -> hex)."""
        recorded: dict[int, str] = {}
        for row in self.db.execute(
            "SELECT object_id, detail FROM audit WHERE action = 'clip.added' AND object_type = 'clip' ORDER BY id"
        ):
            try:
                digest = json.loads(row[1]).get("sha256")
                recorded.setdefault(int(row[0]), str(digest))
            except (ValueError, TypeError, AttributeError):
                continue
        return recorded

    def check_clips(
        self,
        case_id: int | None = None,
        progress: Callable[[float], None] | None = None,
        cancel: Callable[[], bool] | None = None,
    ) -> list[ClipCheck]:
        """Re-hash clips and report any that changed, went missing or are not regular files.

        Each file is compared with the SHA-256 the audit trail recorded when the
        clip was added (falling back to the clip's own column for a clip the
        trail does not know), so replacing a file *and* its stored hash is
        reported.  The check is recorded in the audit trail, except on a
        read-only store.  Statuses: ``ok``, ``changed``, ``missing``,
        ``not_a_file`` (a FIFO, device or folder: never opened) and ``unreadable``.
        """
        results = []
        clips = self.list_clips(case_id)
        recorded = self.recorded_clip_hashes()
        for i, clip in enumerate(clips):
            results.append(self._check_clip(clip, cancel, recorded.get(int(clip.id or 0))))
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
    def _check_clip(clip: Clip, cancel: Callable[[], bool] | None, recorded: str | None = None) -> ClipCheck:
        from cctv_review.hashing import sha256_file

        path = Path(clip.path)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return ClipCheck(clip, "missing", f"{clip.path} is no longer there.")
        except OSError as exc:
            return ClipCheck(clip, "unreadable", f"{clip.path} could not be read: {exc.strerror}.")
        if not stat.S_ISREG(mode):
            return ClipCheck(
                clip,
                "not_a_file",
                f"{clip.path} is not a regular file (a folder, device or pipe is in its place), so it was not "
                "read. Put the original footage file back.",
            )
        try:
            digest = sha256_file(path, cancel=cancel)
        except OSError as exc:
            return ClipCheck(clip, "unreadable", f"{clip.path} could not be read: {exc.strerror}.")
        expected = recorded or clip.sha256
        if recorded and recorded != clip.sha256:
            return ClipCheck(
                clip,
                "changed",
                f"its SHA-256 in the database was changed after it was added; the audit trail recorded "
                f"{recorded}" + (", which the file no longer matches." if digest != recorded else "."),
            )
        if digest != expected:
            return ClipCheck(clip, "changed", f"{clip.path} has changed since it was added.")
        return ClipCheck(clip, "ok")

    # -- findings --------------------------------------------------------------------
    def add_finding(self, finding: Finding) -> Finding:
        """Add a finding to its case (audited as ``finding.added``); returns it as stored, with its id.

        Raises :class:`NotFound`, :class:`CaseLocked` (the case is complete) or
        :class:`StoreError` (e.g. an unknown clip).  Five SQL statements
        whatever the size of the store: BEGIN, one INSERT that checks the case
        is not complete and returns the row, the audit entry (an INSERT; the
        append-only trigger that runs with it is traced as a sixth), COMMIT;
        one more on the first change to a not-started case (it moves to in
        progress).
        """
        row = {
            "clip_id": finding.clip_id,
            "position_ms": int(finding.position_ms),
            "theme": finding.theme,
            "level": FindingLevel(finding.level).value,
            "note": finding.note,
            "reviewer": finding.reviewer or self.user,
            "still_path": finding.still_path,
            "created_at": _iso(finding.created_at),
            "updated_at": _iso(finding.updated_at),
            "camera": finding.camera,
            "frame": finding.frame,
            "recorded_at": _iso(finding.recorded_at),
            "review_round": int(finding.review_round),
        }
        columns = ", ".join(row)
        with self.transaction():
            written = self._query(
                f"INSERT INTO findings (case_id, {columns}) "
                f"SELECT id, {', '.join('?' * len(row))} FROM cases WHERE id = ? AND status != 'complete' "
                f"RETURNING *, {self._CASE_STATUS.format(table='findings')}",
                [*row.values(), finding.case_id],
            )
            if not written:
                self._refuse(finding.case_id)
            stored = written[0]
            self._record(
                "finding.added",
                "finding",
                stored["id"],
                {
                    "case_id": finding.case_id,
                    "clip_id": finding.clip_id,
                    "position_ms": row["position_ms"],
                    "theme": finding.theme,
                    "level": row["level"],
                },
                state=self._state(
                    ("findings", stored),
                    ("cases", self._started(finding.case_id, stored["case_status"], stored["updated_at"])),
                ),
            )
        return _finding_from_row(stored)

    def get_finding(self, finding_id: int) -> Finding:
        rows = list(self._query("SELECT * FROM findings WHERE id = ?", [finding_id]))
        if not rows:
            raise NotFound(f"There is no finding with id {finding_id}.")
        return _finding_from_row(rows[0])

    def list_findings(self, case_id: int | None = None) -> list[Finding]:
        sql, params = "SELECT * FROM findings", []
        if case_id is not None:
            sql, params = sql + " WHERE case_id = ?", [case_id]
        sql += " ORDER BY case_id, clip_id IS NULL, clip_id, position_ms, id"
        return [_finding_from_row(r) for r in self._query(sql, params)]

    _EDITABLE_FINDING_FIELDS: ClassVar[set[str]] = {
        "theme",
        "level",
        "note",
        "position_ms",
        "clip_id",
        "still_path",
        "camera",
        "frame",
        "recorded_at",
    }

    def update_finding(self, finding_id: int, **changes: Any) -> Finding:
        """Change a finding (audited as ``finding.changed`` with the fields changed); returns it as stored.

        Raises ``ValueError`` (a field that cannot change), :class:`NotFound`,
        :class:`CaseLocked` or :class:`StoreError`.  One field (a still
        attached, a note edited): five SQL statements, as :meth:`add_finding`
        (the UPDATE itself checks the value differs).  Several: six, a read of
        the finding first to see which of them differ.
        """
        unknown = set(changes) - self._EDITABLE_FINDING_FIELDS
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))} on a finding")
        if "level" in changes:
            changes["level"] = FindingLevel(changes["level"]).value
        if len(changes) != 1:
            before = self.get_finding(finding_id)
            changes = {k: v for k, v in changes.items() if getattr(before, k) != v}
            if not changes:
                return before
        if "recorded_at" in changes:
            changes["recorded_at"] = _iso(changes["recorded_at"])
        with self.transaction():
            assignments = ", ".join(f"[{c}] = ?" for c in changes)
            differs = " OR ".join(f"[{c}] IS NOT ?" for c in changes)
            written = self._query(
                f"UPDATE findings SET {assignments}, updated_at = ? WHERE id = ? AND "
                f"{self._CASE_OPEN.format(table='findings')} AND ({differs}) "
                f"RETURNING *, {self._CASE_STATUS.format(table='findings')}",
                [*changes.values(), _iso(utc_now()), finding_id, *changes.values()],
            )
            if not written:
                current = self.get_finding(finding_id)  # NotFound
                if all(
                    (_iso(current.recorded_at) if k == "recorded_at" else getattr(current, k)) == v
                    for k, v in changes.items()
                ):
                    return current  # nothing to change
                self._refuse(current.case_id)  # its case is complete
            stored = written[0]
            self._record(
                "finding.changed",
                "finding",
                finding_id,
                {"case_id": stored["case_id"], "fields": sorted(changes)},
                state=self._state(
                    ("findings", stored),
                    ("cases", self._started(stored["case_id"], stored["case_status"], stored["updated_at"])),
                ),
            )
        return _finding_from_row(stored)

    def delete_finding(self, finding_id: int) -> None:
        """Delete a finding (audited as ``finding.deleted`` with what it said).

        Raises :class:`NotFound`, :class:`CaseLocked` or :class:`StoreError`.
        Five SQL statements: BEGIN, one DELETE returning the row, the audit
        entry (with its trigger), COMMIT.
        """
        with self.transaction():
            deleted = self._query(
                f"DELETE FROM findings WHERE id = ? AND {self._CASE_OPEN.format(table='findings')} "
                f"RETURNING *, {self._CASE_STATUS.format(table='findings')}",
                [finding_id],
            )
            if not deleted:
                self._refuse(self.get_finding(finding_id).case_id)  # NotFound, or its case is complete
            finding = _finding_from_row(deleted[0])
            state: dict[str, str | None] = {audit_chain.object_key("findings", finding_id): None}
            state.update(
                self._state(("cases", self._started(finding.case_id, deleted[0]["case_status"], None)))
            )
            self._record(
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
                state=state,
            )

    # -- where the reviewer left off -------------------------------------------------------
    def save_position(self, case_id: int, clip_id: int | None, position_ms: int) -> None:
        """Remember where the reviewer left off in a case (not audited; nothing on a read-only store)."""
        if self.read_only:
            return
        with self.transaction():
            self.db.execute(
                "INSERT INTO review_state (case_id, clip_id, position_ms, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (case_id) DO UPDATE SET clip_id = excluded.clip_id, "
                "position_ms = excluded.position_ms, updated_at = excluded.updated_at",
                [case_id, clip_id, int(position_ms), _iso(utc_now())],
            )

    def last_position(self, case_id: int) -> tuple[int | None, int]:
        rows = list(self._query("SELECT clip_id, position_ms FROM review_state WHERE case_id = ?", [case_id]))
        return (rows[0]["clip_id"], rows[0]["position_ms"]) if rows else (None, 0)

    def set_setting(self, key: str, value: Any) -> None:
        """Keep a setting (JSON) in the store (not audited; nothing on a read-only store, whose
        ``notice`` says nothing can be changed)."""
        if self.read_only:
            return
        with self.transaction():
            self.db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, json.dumps(value)],
            )

    def setting(self, key: str, default: Any = None) -> Any:
        rows = list(self._query("SELECT value FROM settings WHERE key = ?", [key]))
        return json.loads(rows[0]["value"]) if rows else default

    # -- recorded time: the store's zone and clock corrections (issue 10) -----------------
    def time_zone(self) -> str:
        """The store-wide recorder time zone, an IANA name (``settings`` key ``time_zone``; default
        ``Europe/London``).  Every recorded time is shown as wall-clock time in it
        (:func:`cctv_review.recorded_time.format_recorded`).  One read."""
        from cctv_review.recorded_time import DEFAULT_ZONE, ZONE_SETTING

        name = self.setting(ZONE_SETTING)
        return str(name) if name else DEFAULT_ZONE

    def zone(self) -> tzinfo:
        """The ``tzinfo`` of :meth:`time_zone`; a stored name this computer does not know (a store
        from elsewhere) falls back to the default rather than failing every screen."""
        from cctv_review.recorded_time import DEFAULT_ZONE, RecordedTimeError, zone

        try:
            return zone(self.time_zone())
        except RecordedTimeError:
            return zone(DEFAULT_ZONE)

    def set_time_zone(self, name: str) -> str:
        """Set the store-wide recorder time zone (audited as ``settings.time_zone`` with old and new).

        ``name`` is an IANA name (``Europe/London``); returns it as stored.
        Raises :class:`~cctv_review.recorded_time.RecordedTimeError` for a name
        this computer does not know, :class:`StoreReadOnly` on a read-only store.
        Stored times are absolute (UTC), so nothing else is rewritten: every
        recorded time is shown in the new zone from now on.
        """
        from cctv_review.recorded_time import ZONE_SETTING, zone

        name = name.strip()
        zone(name)  # refuses an unknown name
        with self.transaction():
            before = self.time_zone()
            if before == name:
                return name
            self.db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [ZONE_SETTING, json.dumps(name)],
            )
            self._record("settings.time_zone", "settings", ZONE_SETTING, {"from": before, "to": name})
        return name

    def set_clock_offset(self, clip_id: int, offset_ms: int, detail: dict[str, Any] | None = None) -> Clip:
        """Store a clip's clock correction (ms to add to the recorder's time; 0 = none).

        In one transaction: the clip's ``clock_offset_ms``, every finding of the
        clip's ``recorded_at`` recomputed from it
        (:func:`cctv_review.recorded_time.clip_recorded_at`), and an audit entry
        ``clip.clock_corrected`` with the old and new offsets, the findings
        touched and ``detail`` (e.g. the frame and what its burned-in clock
        showed).  Raises :class:`NotFound`, :class:`CaseLocked` (its case is
        complete: reopen it first) or :class:`StoreError`.
        """
        clip = self.get_clip(clip_id)
        with self.transaction():
            written = self._query(
                f"UPDATE clips SET clock_offset_ms = ? WHERE id = ? AND {self._CASE_OPEN.format(table='clips')} "
                "RETURNING *",
                [int(offset_ms), clip_id],
            )
            if not written:
                self._refuse(clip.case_id)
            updated = _clip_from_row(written[0])
            touched = self.refresh_finding_times(updated)
            self._record(
                "clip.clock_corrected",
                "clip",
                clip_id,
                {
                    "case_id": clip.case_id,
                    "from_ms": clip.clock_offset_ms,
                    "to_ms": int(offset_ms),
                    "findings": touched,
                    **(detail or {}),
                },
                touched=[("clips", clip_id), *(("findings", f) for f in touched)],
            )
        return updated

    def refresh_finding_times(self, clip: Clip) -> list[int]:
        """Recompute the stored ``recorded_at`` and ``camera`` of every finding on ``clip`` (as stored now).

        For a write that changes a clip's recorded start, clock correction or
        camera: call it inside that write's transaction so the findings follow
        in the same commit.  Returns the ids of the findings whose values
        changed.  Two statements (a read, one ``executemany``).
        """
        from cctv_review.recorded_time import clip_recorded_at

        assert clip.id is not None
        rows = self._query(
            "SELECT id, position_ms, recorded_at, camera FROM findings WHERE clip_id = ?", [clip.id]
        )
        updates = []
        for row in rows:
            when = _iso(clip_recorded_at(clip, row["position_ms"] or 0))
            if when != row["recorded_at"] or clip.camera != (row["camera"] or ""):
                updates.append((when, clip.camera, row["id"]))
        if updates:
            with self.transaction():
                self.db.conn.executemany(
                    "UPDATE findings SET recorded_at = ?, camera = ? WHERE id = ?", updates
                )
        return [u[2] for u in updates]

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
