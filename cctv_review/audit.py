"""The hash-chained audit trail.

Every row records who (the operating-system user), when (UTC), what action and
on which object, and carries ``hash = SHA-256(prev_hash + the row's content)``
so that editing, inserting or deleting a row in the middle breaks the chain.
SQLite triggers refuse UPDATE and DELETE on the table; :func:`verify` detects
tampering by anyone who gets round them.  (A chain alone cannot show that
rows were cut off the end: keep exported audit reports if that matters.)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from cctv_review.domain import utc_now

GENESIS = "0" * 64


def row_hash(
    prev_hash: str,
    row_id: int,
    at: str,
    user: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: str,
) -> str:
    payload = json.dumps(
        [row_id, at, user, action, object_type, object_id, detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(
    db: sqlite_utils.Database,
    user: str,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    detail: Any = None,
) -> int:
    """Append one entry.  Call inside a transaction so the entry commits with its change."""
    last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    prev_id, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
    row_id = prev_id + 1
    at = utc_now().isoformat(timespec="milliseconds")
    detail_text = (
        json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail is not None else ""
    )
    object_id = "" if object_id is None else str(object_id)
    digest = row_hash(prev_hash, row_id, at, user, action, object_type, object_id, detail_text)
    db.execute(
        "INSERT INTO audit (id, at, user, action, object_type, object_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [row_id, at, user, action, object_type, object_id, detail_text, prev_hash, digest],
    )
    return row_id


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    rows: int
    bad_id: int | None = None
    problem: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.rows} entries checked."
        return f"Audit trail BROKEN at entry {self.bad_id}: {self.problem}"


def verify(db: sqlite_utils.Database) -> ChainCheck:
    prev_hash, expected_id, count = GENESIS, 1, 0
    for row in db.execute(
        "SELECT id, at, user, action, object_type, object_id, detail, prev_hash, hash FROM audit ORDER BY id"
    ):
        row_id, at, user, action, object_type, object_id, detail, stored_prev, stored_hash = row
        count += 1
        if row_id != expected_id:
            return ChainCheck(
                False, count, row_id, f"entry {expected_id} is missing (entries are numbered without gaps)."
            )
        if stored_prev != prev_hash:
            return ChainCheck(
                False,
                count,
                row_id,
                "it does not link to the entry before it (an entry was removed or inserted).",
            )
        if (
            row_hash(
                prev_hash, row_id, at, user or "", action, object_type or "", object_id or "", detail or ""
            )
            != stored_hash
        ):
            return ChainCheck(
                False, count, row_id, "its content does not match its hash (the entry was edited)."
            )
        prev_hash, expected_id = stored_hash, expected_id + 1
    return ChainCheck(True, count)
