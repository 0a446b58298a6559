"""The audit trail: a keyed hash chain that also records what each change wrote.

Every row records who (the operating-system user), when (UTC), what action on
which object, a ``detail`` (JSON) and a ``state``: for each row of the data
tables the change touched (a case, clip, finding or answer), the SHA-256 of
that row's new values as canonical JSON (sorted keys, no spaces, UTF-8; see
:func:`row_digest`), or null when the change deleted it.

**The chain.**  ``hash`` = HMAC-SHA256 (RFC 2104) with the store's key over
the entry's fields and ``prev_hash`` (the entry before it's hash; 64 zeros
for the first), see :func:`keyed_hash`.  The key is kept outside the database
(:mod:`cctv_review.audit_keys`), so whoever edits the file cannot re-sign
the chain.  Entries written before this version (before the store's
``keyed_from`` entry) carry the plain SHA-256 chain of :func:`row_hash` and
are checked as they were written.

**What** :func:`verify` **checks.**

* every entry's hash (keyed from ``keyed_from`` on), its link to the entry
  before it, and that entries are numbered 1, 2, 3... without gaps;
* that the trail still reaches every checkpoint recorded outside the store
  (count and head hash, signed; :mod:`cctv_review.audit_keys`), so entries
  cut off the end or an emptied trail are found;
* that the triggers refusing UPDATE, DELETE and out-of-place INSERT (``INSERT
  OR REPLACE``) on the trail are still there, unchanged;
* that each case, clip, finding and answer is as the trail last recorded it:
  a row changed, deleted or added outside cctv-review is reported.  Rows that
  existed when the keyed trail began are covered from their next change.
  Each row is checked with the digest version it was recorded with
  (:func:`digest_matches`): version 2 adds the columns of
  :data:`COVERED_SINCE_V2` and the team's tables (:data:`TEAM_COVERED`:
  second reviews, their answers, moderations), whose rows are checked once
  the trail has recorded them.

What it cannot detect: someone holding both the database and the key (on
this PC, the user's credential store or key file) can rewrite both; entries
removed after the last checkpoint when the checkpoint file is deleted too;
changes to data the trail does not cover (settings, the last viewing position,
activity scores); a row of the team's tables the trail never recorded (written
before version 2, or added outside cctv-review: the two cannot be told apart).

Plain Python; no Qt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from cctv_review.audit_keys import Anchor, AuditKey
from cctv_review.domain import utc_now
from cctv_review.migrations import AUDIT_APPEND_ONLY_TRIGGER

GENESIS = "0" * 64

#: The triggers that keep the trail append-only, exactly as the migrations create them.
EXPECTED_TRIGGERS: dict[str, str] = {
    "audit_no_update": "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_no_delete": "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "audit_append_only": AUDIT_APPEND_ONLY_TRIGGER,
}

#: The data tables whose rows the trail records, and the columns recorded.  ``updated_at`` is left
#: out (it only says when a row was last touched); so are a clip's probe results (duration, fps,
#: size in pixels, codec), which a new index may refresh: the file itself is covered by its SHA-256.
COVERED: dict[str, tuple[str, ...]] = {
    "cases": (
        "id",
        "reference",
        "custody_suite",
        "detention_date",
        "child",
        "vulnerable_adult",
        "mental_health",
        "use_of_force",
        "strip_search",
        "status",
        "reviewer",
        "outcome",
        "outcome_rationale",
        "completed_at",
        "completed_by",
        "created_at",
    ),
    "clips": ("id", "case_id", "path", "camera", "recorded_start", "sha256", "file_size", "added_at"),
    "findings": (
        "id",
        "case_id",
        "clip_id",
        "position_ms",
        "theme",
        "level",
        "note",
        "reviewer",
        "still_path",
        "created_at",
    ),
    "answers": ("case_id", "question_id", "value", "template_id", "template_version", "reviewer"),
}
#: Columns recorded from digest version 2 on, added to the tables after version 1 was fixed: a
#: clip's clock correction; a finding's camera, frame, recorded time and review round.  A row last
#: recorded with a version-1 digest is checked against version 1 (so older stores still verify)
#: and is covered by version 2 from its next change.
COVERED_SINCE_V2: dict[str, tuple[str, ...]] = {
    "clips": ("clock_offset_ms",),
    "findings": ("camera", "frame", "recorded_at", "review_round"),
}
#: The team's tables (issue 14), recorded from digest version 2 on: the blind second review, its
#: answers and the lead's moderation.  A row the trail recorded is checked like any other; a row
#: it never recorded (written before version 2, or added outside cctv-review) is not reported,
#: as the trail cannot tell the two apart.
TEAM_COVERED: dict[str, tuple[str, ...]] = {
    "second_reviews": (
        "case_id",
        "reviewer",
        "assigned_by",
        "assigned_at",
        "status",
        "outcome",
        "outcome_rationale",
        "completed_at",
    ),
    "second_answers": ("case_id", "question_id", "value", "template_id", "template_version", "reviewer"),
    "moderations": ("case_id", "final_outcome", "reason", "moderator", "at"),
}
#: The digest version written now (:func:`row_digest`).
DIGEST_VERSION = 2
_SINGULAR = {
    "cases": "case",
    "clips": "clip",
    "findings": "finding",
    "answers": "answer",
    "second_reviews": "second_review",
    "second_answers": "second_answer",
    "moderations": "moderation",
}
#: Tables whose rows are named by (case id, question id), and by case id.
_BY_QUESTION = {"answers", "second_answers"}
_BY_CASE = {"second_reviews", "moderations"}

#: A row a change touched: ("cases", 3), ("findings", 12), ("answers", (3, "uof.force_used")).
Target = tuple[str, Any]


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


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
    """The plain SHA-256 chain of entries written before the key (kept to check them as written)."""
    payload = json.dumps(
        [row_id, at, user, action, object_type, object_id, detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def keyed_hash(
    key: AuditKey,
    prev_hash: str,
    row_id: int,
    at: str,
    user: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: str,
    state: str,
) -> str:
    """HMAC-SHA256 of an entry (JSON array of its fields, the store id and ``prev_hash``), as hex."""
    payload = json.dumps(
        [
            "cctv-review audit 2",
            key.store_id,
            row_id,
            at,
            user,
            action,
            object_type,
            object_id,
            detail,
            state,
            prev_hash,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return key.sign(payload.encode("utf-8"))


def object_key(table: str, ident: Any) -> str:
    """The name of a data row in ``state``: ``case:3``, ``finding:12``, ``answer:3:uof.force_used``,
    ``second_review:3``, ``second_answer:3:uof.force_used``, ``moderation:3``."""
    if table in _BY_QUESTION:
        case_id, question_id = ident
        return f"{_SINGULAR[table]}:{int(case_id)}:{question_id}"
    return f"{_SINGULAR[table]}:{int(ident)}"


def ident_of(table: str, row: dict[str, Any]) -> Any:
    """What names a row of ``table`` (see :func:`object_key`): its id, case id, or (case id, question id)."""
    if table in _BY_QUESTION:
        return (row["case_id"], row["question_id"])
    return row["case_id"] if table in _BY_CASE else row["id"]


def describe(name: str) -> str:
    """``finding:12`` as people read it: ``finding 12``."""
    kind, _, rest = name.partition(":")
    if kind in ("answer", "second_answer"):
        case_id, _, question_id = rest.partition(":")
        whose = "the second review's answer" if kind == "second_answer" else "the answer"
        return f"{whose} to {question_id} in case {case_id}"
    if kind == "second_review":
        return f"the second review of case {rest}"
    if kind == "moderation":
        return f"the moderation of case {rest}"
    return f"{kind} {rest}"


def covered(table: str, version: int = DIGEST_VERSION) -> tuple[str, ...]:
    """The columns of ``table`` a digest of ``version`` covers (the team's tables: version 2 on)."""
    if table in TEAM_COVERED:
        return TEAM_COVERED[table]
    return COVERED[table] + (COVERED_SINCE_V2.get(table, ()) if version >= 2 else ())


def row_digest(table: str, row: dict[str, Any], version: int = DIGEST_VERSION) -> str:
    """The digest of the covered columns of ``row``: SHA-256 of canonical JSON, as hex.

    Version 1 (64 hex digits): ``[table, {column: value}]`` over :data:`COVERED`.
    Version 2 (``v2:`` + 64 hex digits): ``[table, {column: value}, 2]`` over
    :data:`COVERED` and :data:`COVERED_SINCE_V2`.
    """
    values = {column: row.get(column) for column in covered(table, version)}
    if version == 1:
        return hashlib.sha256(_canonical([table, values]).encode("utf-8")).hexdigest()
    return f"v{version}:" + hashlib.sha256(_canonical([table, values, version]).encode("utf-8")).hexdigest()


def digest_version(digest: str) -> int:
    """The version a recorded digest was made with (1: plain hex; 2: ``v2:...``)."""
    return 2 if digest.startswith("v2:") else 1


def digest_matches(table: str, row: dict[str, Any], recorded: str) -> bool:
    """True if ``row`` is as ``recorded`` (a digest of any version) says."""
    return hmac.compare_digest(recorded, row_digest(table, row, digest_version(recorded)))


def state_of(db: sqlite_utils.Database, targets: Iterable[Target]) -> dict[str, str | None]:
    """The digest of each target row as it is now (None when it does not exist)."""
    state: dict[str, str | None] = {}
    for table, ident in targets:
        columns = ", ".join(f"[{c}]" for c in covered(table))
        if table in _BY_QUESTION:
            cursor = db.execute(
                f"SELECT {columns} FROM [{table}] WHERE case_id = ? AND question_id = ?", [ident[0], ident[1]]
            )
        else:
            key = "case_id" if table in _BY_CASE else "id"
            cursor = db.execute(f"SELECT {columns} FROM [{table}] WHERE [{key}] = ?", [ident])
        found = cursor.fetchone()
        state[object_key(table, ident)] = (
            row_digest(table, dict(zip(covered(table), found, strict=True))) if found else None
        )
    return state


def head(db: sqlite_utils.Database) -> tuple[int, str]:
    """The trail's last entry: (its number, its hash); (0, GENESIS) when empty."""
    last = db.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS)


#: The SQL function :func:`append` registers on the connection to sign an entry inside its INSERT.
_ENTRY_HASH_FUNCTION = "cctv_review_audit_entry_hash"

#: One statement appends an entry: the head (last number and hash) is read inside the INSERT, so
#: nothing can come between reading it and writing after it, and the entry's hash is computed by
#: :data:`_ENTRY_HASH_FUNCTION` from the number and ``prev_hash`` the INSERT itself chose.
_APPEND_SQL = (
    "INSERT INTO audit (id, at, user, action, object_type, object_id, detail, state, prev_hash, hash) "
    "SELECT last.id + 1, ?, ?, ?, ?, ?, ?, ?, last.hash, "
    f"{_ENTRY_HASH_FUNCTION}(last.id + 1, last.hash) "
    "FROM (SELECT coalesce(max(id), 0) AS id, "
    f"coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), '{GENESIS}') AS hash FROM audit) AS last "
    "RETURNING id"
)


def state_entry(table: str, row: dict[str, Any]) -> tuple[str, str]:
    """A written row as it goes into an entry's ``state``: (its name, its digest).

    ``row`` holds at least the covered columns of ``table`` as SQLite stores
    them (as ``INSERT/UPDATE ... RETURNING`` gives them back), so the store
    can record a change without reading the row again.
    """
    return object_key(table, ident_of(table, row)), row_digest(table, row)


def append(
    db: sqlite_utils.Database,
    user: str,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    detail: Any = None,
    *,
    key: AuditKey | None = None,
    state: dict[str, str | None] | None = None,
) -> int:
    """Append one entry and return its number.  Call inside the transaction of the change it records.

    With ``key`` the entry is signed (:func:`keyed_hash`); without one it gets
    the plain chain, which only a store not yet keyed may write.  One SQL
    statement (an ``INSERT ... SELECT`` that reads the head itself; the
    append-only trigger runs with it): the hash is computed by a Python
    function registered on the connection for the call.
    """
    at = utc_now().isoformat(timespec="milliseconds")
    detail_text = (
        json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail is not None else ""
    )
    state_text = _canonical(state) if state else ""
    object_id = "" if object_id is None else str(object_id)

    def entry_hash(row_id: int, prev_hash: str) -> str:
        if key is not None:
            return keyed_hash(
                key, prev_hash, row_id, at, user, action, object_type, object_id, detail_text, state_text
            )
        return row_hash(prev_hash, row_id, at, user, action, object_type, object_id, detail_text)

    db.conn.create_function(_ENTRY_HASH_FUNCTION, 2, entry_hash)
    rows = db.conn.execute(
        _APPEND_SQL, [at, user, action, object_type, object_id, detail_text, state_text]
    ).fetchall()
    return int(rows[0][0])


@dataclass(frozen=True)
class ChainCheck:
    """What :func:`verify` found.

    ``ok`` when nothing is wrong; ``rows`` entries read; ``bad_id`` the first
    entry that fails (None when the problem is not one entry); ``problem``
    the first problem, ``problems`` all of them; ``notes`` what was checked
    and how (plain entries, checkpoints, rows not yet covered).
    """

    ok: bool
    rows: int
    bad_id: int | None = None
    problem: str = ""
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.ok:
            lines = [f"Audit trail intact: {self.rows} entries checked."]
        elif self.bad_id is not None:
            lines = [f"Audit trail BROKEN at entry {self.bad_id}: {self.problem}"]
        else:
            lines = [f"Audit trail BROKEN: {self.problem}"]
        shown = [p for p in self.problems if p != self.problem][:30]
        lines += [f"  Also: {p}" for p in shown]
        if len(self.problems) - 1 > len(shown):
            lines.append(f"  ... and {len(self.problems) - 1 - len(shown)} more problems.")
        lines += self.notes
        return "\n".join(lines)


def check_triggers(db: sqlite_utils.Database) -> list[str]:
    """Problems with the append-only triggers (missing or changed)."""
    found = {
        name: " ".join((sql or "").split())
        for name, sql in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    problems = []
    for name, sql in EXPECTED_TRIGGERS.items():
        if name not in found:
            problems.append(
                f"the trigger {name} that keeps the trail append-only is missing (it was dropped "
                "outside cctv-review, so entries may have been changed or removed)."
            )
        elif found[name] != " ".join(sql.split()):
            problems.append(
                f"the trigger {name} that keeps the trail append-only has been changed outside cctv-review."
            )
    return problems


def verify(
    db: sqlite_utils.Database,
    key: AuditKey | None,
    *,
    keyed_from_db: int | None,
    anchors: Sequence[Anchor] = (),
    check_rows: bool = True,
) -> ChainCheck:
    """Check the trail, the triggers, the checkpoints and (``check_rows``) the data tables.

    ``key`` is this computer's key for the store (None when it has none);
    ``keyed_from_db`` the first keyed entry according to the database.
    """
    problems: list[str] = []
    notes: list[str] = []
    bad_id: int | None = None

    def fail(message: str, entry: int | None = None) -> None:
        nonlocal bad_id
        if bad_id is None and entry is not None and not problems:
            bad_id = entry
        problems.append(message)

    keyed_from = key.keyed_from if key is not None else keyed_from_db
    if key is None and keyed_from_db is not None:
        fail(
            "the audit key for this review database is not on this computer, so the entries from "
            f"{keyed_from_db} on cannot be checked. If the database came from another computer, run "
            "'cctv-review audit export-key FILE' there and 'cctv-review audit import-key FILE' here."
        )
    if key is not None and keyed_from_db != key.keyed_from:
        fail(
            f"the database no longer says where its keyed trail starts (entry {key.keyed_from}, "
            "according to this computer's key): it was edited outside cctv-review."
        )

    prev_hash, expected_id, count = GENESIS, 1, 0
    broken = False
    states: dict[str, str | None] = {}
    covered_from: dict[str, int] = {}
    for row in db.execute(
        "SELECT id, at, user, action, object_type, object_id, detail, state, prev_hash, hash FROM audit ORDER BY id"
    ):
        row_id, at, user, action, object_type, object_id, detail, state, stored_prev, stored_hash = row
        count += 1
        if broken:
            continue
        if row_id != expected_id:
            fail(f"entry {expected_id} is missing (entries are numbered without gaps).", row_id)
            broken = True
            continue
        if stored_prev != prev_hash:
            fail("it does not link to the entry before it (an entry was removed or inserted).", row_id)
            broken = True
            continue
        keyed = keyed_from is not None and row_id >= keyed_from
        fields = (row_id, at, user or "", action, object_type or "", object_id or "", detail or "")
        if keyed and key is not None:
            expected = keyed_hash(key, prev_hash, *fields, state or "")
            if not hmac.compare_digest(expected, stored_hash or ""):
                fail(
                    "its keyed hash does not match: the entry was edited, or written without the key "
                    "(forged, or the chain recomputed outside cctv-review).",
                    row_id,
                )
                broken = True
                continue
            if state:
                states.update(json.loads(state))
            if row_id == keyed_from and action == "audit.keyed" and detail:
                keyed_detail = json.loads(detail)
                covered_from = {k: int(v) for k, v in keyed_detail.get("covered_from", {}).items()}
                if keyed_detail.get("replaces_identity"):
                    fail(
                        f"when this database's keyed trail began (entry {row_id}, {at}), the file at its path "
                        f"had belonged to another review database (identity {keyed_detail['replaces_identity']}) "
                        "whose key is on this computer. If you restored an older backup there, this is "
                        "expected; otherwise the database was replaced, or its identity removed to get a "
                        "new key, and the entries before it may have been rewritten."
                    )
        elif not keyed and row_hash(prev_hash, *fields) != stored_hash:
            fail("its content does not match its hash (the entry was edited).", row_id)
            broken = True
            continue
        prev_hash, expected_id = stored_hash, expected_id + 1

    if key is not None and count < key.keyed_from - 1:
        fail(
            f"the trail held {key.keyed_from - 1} entries when its key was made and now holds {count}: "
            "entries were removed."
        )
    for anchor in anchors:
        if not anchor.valid:
            fail(f"the checkpoint of {anchor.at} was edited (its signature does not match).")
        elif anchor.count > count:
            fail(
                f"the trail held {anchor.count} entries at the checkpoint of {anchor.at} ({anchor.reason}) "
                f"and now holds {count}: entries were removed from the end."
            )
        elif anchor.count:
            found = db.execute("SELECT hash FROM audit WHERE id = ?", [anchor.count]).fetchone()
            if not found or found[0] != anchor.head_hash:
                fail(
                    f"entry {anchor.count} is not the one there at the checkpoint of {anchor.at}: "
                    "the trail was rewritten."
                )
    problems.extend(check_triggers(db))

    checked = uncovered = 0
    if check_rows and key is not None and not broken:
        seen: set[str] = set()
        for table in (*COVERED, *TEAM_COVERED):
            columns = covered(table)  # the newest version's (a superset): each row checked as recorded
            column_list = ", ".join(f"[{c}]" for c in columns)
            for found_row in db.execute(f"SELECT rowid, {column_list} FROM [{table}]"):
                values = dict(zip(columns, found_row[1:], strict=True))
                name = object_key(table, ident_of(table, values))
                seen.add(name)
                if name in states:
                    checked += 1
                    recorded = states[name]
                    if recorded is None or not digest_matches(table, values, recorded):
                        fail(
                            f"{describe(name)} is not as the audit trail last recorded it (changed outside cctv-review)."
                        )
                elif table in TEAM_COVERED:
                    uncovered += 1  # written before version 2 (or outside): the trail cannot tell which
                elif found_row[0] >= covered_from.get(table, 1):
                    fail(f"{describe(name)} is not in the audit trail (added outside cctv-review).")
                else:
                    uncovered += 1
        for name, digest in states.items():
            if digest is not None and name not in seen:
                fail(f"{describe(name)} was deleted outside cctv-review (the audit trail records it).")

    if keyed_from is None:
        notes.append(
            "This trail is not keyed yet (plain SHA-256): it is keyed when the database is next opened for writing."
        )
    elif keyed_from > 1:
        notes.append(
            f"Entries 1-{keyed_from - 1} were written before keyed entries began (plain SHA-256, checked as "
            f"they were written); entries from {keyed_from} on are keyed (HMAC-SHA256)."
        )
    else:
        notes.append("Every entry is keyed (HMAC-SHA256) with this database's key.")
    if key is not None and not broken and check_rows:
        notes.append(
            f"{checked} cases, clips, findings and answers checked against what the trail last recorded."
        )
        if uncovered:
            notes.append(
                f"{uncovered} rows written before the keyed trail began are not covered yet "
                "(each is covered from its next change)."
            )
    valid = [a for a in anchors if a.valid]
    if valid:
        latest = max(valid, key=lambda a: a.count)
        notes.append(
            f"{len(valid)} checkpoints checked (latest: {latest.count} entries, {latest.at}, {latest.reason})."
        )
    else:
        notes.append(
            "No checkpoints recorded yet: 'cctv-review audit checkpoint' records one (so does every export)."
        )
    return ChainCheck(
        not problems, count, bad_id, problems[0] if problems else "", tuple(problems), tuple(notes)
    )
