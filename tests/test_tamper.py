"""Tamper evidence: a keyed chain, recorded row states, anchors outside the store, guarded triggers.

Each test plays an attacker who holds the database file but not the key (kept
outside the store: a file in ``CCTV_REVIEW_KEY_DIR``, set per test by
conftest, so the real keyring and config folder are never touched).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import ClassVar

import pytest

from cctv_review import audit as audit_chain
from cctv_review.cli import main
from cctv_review.domain import Case, Clip, Finding, FindingLevel, LearningLevel
from cctv_review.store import AuditKeyMissing, Store


def seeded(path: Path) -> Path:
    with Store(path, user="auditor") as s:
        for ref in ("A", "B", "C"):
            case = s.add_case(Case(reference=ref))
            s.record_case_opened(case.id)
    return path


def raw(path: Path) -> sqlite3.Connection:
    """The attacker's connection: triggers dropped, autocommit."""
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    for name in ("audit_no_update", "audit_no_delete", "audit_append_only"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return conn


def restore_triggers(conn: sqlite3.Connection) -> None:
    """Put the triggers back exactly as they were, so only the chain can give the attacker away."""
    for sql in audit_chain.EXPECTED_TRIGGERS.values():
        conn.execute(sql)


def rechain(conn: sqlite3.Connection, start: int = 1) -> None:
    """Recompute every hash from ``start`` with plain SHA-256, as an attacker without the key can."""
    rows = conn.execute(
        "SELECT id, at, user, action, object_type, object_id, detail FROM audit WHERE id >= ? ORDER BY id",
        [start],
    ).fetchall()
    prev = conn.execute("SELECT hash FROM audit WHERE id = ?", [start - 1]).fetchone()
    prev_hash = prev[0] if prev else audit_chain.GENESIS
    for row_id, at, user, action, object_type, object_id, detail in rows:
        digest = audit_chain.row_hash(prev_hash, row_id, at, user, action, object_type, object_id, detail)
        conn.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?", [prev_hash, digest, row_id])
        prev_hash = digest


def verify_fails(path: Path, capsys, *words: str) -> str:
    assert main(["--db", str(path), "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN" in out
    for word in words:
        assert word in out
    return out


def test_clean_store_verifies_and_says_it_is_keyed(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    assert main(["--db", str(path), "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact: 6 entries" in out and "HMAC-SHA256" in out


def test_key_lives_outside_the_store_in_a_private_file(tmp_path):
    from cctv_review import audit_keys

    path = seeded(tmp_path / "a.sqlite")
    with Store(path) as s:
        store_id = s.store_id
        assert audit_keys.backend_name() == "file"
    key_file = Path(os.environ["CCTV_REVIEW_KEY_DIR"]) / f"{store_id}.key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = json.loads(key_file.read_text())["key"]
    assert secret.encode() not in path.read_bytes()


def test_keyring_is_used_when_a_backend_is_usable(tmp_path, monkeypatch):
    import keyring
    from keyring.backend import KeyringBackend

    from cctv_review import audit_keys

    class MemoryKeyring(KeyringBackend):
        priority = 5  # type: ignore[assignment]
        saved: ClassVar[dict[tuple[str, str], str]] = {}

        def get_password(self, service, username):
            return self.saved.get((service, username))

        def set_password(self, service, username, password):
            self.saved[(service, username)] = password

        def delete_password(self, service, username):
            self.saved.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    monkeypatch.delenv("CCTV_REVIEW_KEY_DIR")
    try:
        assert audit_keys.backend_name() == "keyring"
        with Store(tmp_path / "k.sqlite") as s:
            s.add_case(Case(reference="K"))
            assert any(user == s.store_id for _, user in MemoryKeyring.saved)
            assert not list(audit_keys.key_dir().glob("*.key"))
            assert s.verify_audit().ok
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit SET user = 'someone else' WHERE id = 3",
        'UPDATE audit SET detail = \'{"reference": "Z"}\' WHERE id = 2',
        "DELETE FROM audit WHERE id = 4",
    ],
)
def test_edits_recomputed_without_the_key_are_detected(tmp_path, capsys, tamper):
    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    conn.execute(tamper)
    if tamper.startswith("DELETE"):
        conn.execute("UPDATE audit SET id = id - 1 WHERE id > 4")  # close the gap
    rechain(conn)
    restore_triggers(conn)
    conn.close()
    verify_fails(path, capsys, "key")


def test_appended_forgery_is_detected(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    last_id, last_hash = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    forged = audit_chain.row_hash(
        last_hash, last_id + 1, "2026-01-01T00:00:00.000+00:00", "x", "case.opened", "case", "1", ""
    )
    conn.execute(
        "INSERT INTO audit (id, at, user, action, object_type, object_id, detail, prev_hash, hash) "
        "VALUES (?, '2026-01-01T00:00:00.000+00:00', 'x', 'case.opened', 'case', '1', '', ?, ?)",
        [last_id + 1, last_hash, forged],
    )
    conn.close()
    verify_fails(path, capsys, f"entry {last_id + 1}")


def test_entry_inserted_mid_chain_is_detected(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    conn.execute("UPDATE audit SET id = id + 100 WHERE id >= 3")
    conn.execute("UPDATE audit SET id = id - 99 WHERE id >= 103")
    conn.execute(
        "INSERT INTO audit (id, at, user, action, object_type, object_id, detail, prev_hash, hash) "
        "VALUES (3, '2026-01-01T00:00:00.000+00:00', 'x', 'case.opened', 'case', '1', '', '', '')"
    )
    rechain(conn, start=3)
    restore_triggers(conn)
    conn.close()
    verify_fails(path, capsys, "entry 3")


def test_cutting_off_the_last_entries_is_caught_by_the_checkpoint(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    assert main(["--db", str(path), "audit", "checkpoint"]) == 0
    assert "Checkpoint recorded" in capsys.readouterr().out
    conn = raw(path)
    conn.execute("DELETE FROM audit WHERE id > 4")
    restore_triggers(conn)
    conn.close()
    verify_fails(path, capsys, "checkpoint", "removed")


def test_emptying_the_trail_is_detected(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    conn.execute("DELETE FROM audit")
    restore_triggers(conn)
    conn.close()
    out = verify_fails(path, capsys)
    assert "intact: 0 entries" not in out


def test_insert_or_replace_is_refused(tmp_path):
    path = seeded(tmp_path / "a.sqlite")
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT * FROM audit WHERE id = 2").fetchone()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(
            "INSERT OR REPLACE INTO audit (id, at, user, action, object_type, object_id, detail, prev_hash, hash) "
            "VALUES (?, ?, 'forger', ?, ?, ?, ?, ?, ?)",
            [row[0], row[1], row[3], row[4], row[5], row[6], row[7], row[8]],
        )
    conn.close()


def test_dropped_trigger_is_reported(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.close()
    verify_fails(path, capsys, "audit_no_delete")


def test_replaced_trigger_is_reported(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT 1; END")
    conn.close()
    verify_fails(path, capsys, "audit_no_update")


# -- the data tables --------------------------------------------------------------------


@pytest.fixture
def worked(tmp_path, template, answer_all):
    path = tmp_path / "w.sqlite"
    footage = tmp_path / "desk.mp4"
    footage.write_bytes(b"original footage " * 1000)
    with Store(path, user="reviewer1") as s:
        case = s.add_case(Case(reference="W-1"))
        clip = s.add_clip(
            Clip(
                case_id=case.id,
                path=str(footage),
                camera="Desk",
                sha256=hashlib.sha256(footage.read_bytes()).hexdigest(),
            )
        )
        s.add_finding(
            Finding(case_id=case.id, clip_id=clip.id, theme="welfare", level=FindingLevel.SOME, note="n1")
        )
        s.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SIGNIFICANT, note="n2"))
        answer_all(s, template, case.id)
        s.set_outcome(case.id, LearningLevel.SIGNIFICANT, "Because.")
        s.complete_case(case.id, template)
        assert s.verify_audit().ok
    return path, footage


@pytest.mark.parametrize(
    "sql, words",
    [
        ("UPDATE cases SET outcome = 'no_learning'", "case 1"),
        ("DELETE FROM findings WHERE id = 2", "finding 2"),
        ("UPDATE findings SET level = 'good_practice' WHERE id = 1", "finding 1"),
        ("UPDATE answers SET value = '\"changed\"' WHERE rowid = (SELECT min(rowid) FROM answers)", "answer"),
        ("UPDATE clips SET sha256 = 'ab' || substr(sha256, 3)", "clip 1"),
        (
            "INSERT INTO findings (case_id, theme, level, note) VALUES (1, 'welfare', 'some', 'slipped in')",
            "finding 3",
        ),
    ],
)
def test_data_changed_outside_the_app_is_detected(worked, capsys, sql, words):
    path, _ = worked
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    conn.execute(sql)
    conn.close()
    verify_fails(path, capsys, words)


def test_replaced_clip_with_its_hash_updated_is_caught_by_verify(worked, capsys):
    path, footage = worked
    footage.write_bytes(b"replacement footage " * 1000)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE clips SET sha256 = ?", [hashlib.sha256(footage.read_bytes()).hexdigest()])
    conn.commit()
    conn.close()
    assert main(["--db", str(path), "verify"]) == 1
    out = capsys.readouterr().out
    assert "CHANGED" in out and "audit trail" in out
    verify_fails(path, capsys, "clip 1")


# -- moving a store, upgrading an old one -------------------------------------------------


def test_a_moved_store_verifies_with_its_exported_key(tmp_path, capsys, monkeypatch):
    path = seeded(tmp_path / "a.sqlite")
    key_file = tmp_path / "usb" / "a.cctv-review-key"
    key_file.parent.mkdir()
    assert main(["--db", str(path), "audit", "export-key", str(key_file)]) == 0
    capsys.readouterr()
    other_pc = tmp_path / "other-pc-keys"
    monkeypatch.setenv("CCTV_REVIEW_KEY_DIR", str(other_pc))
    assert main(["--db", str(path), "audit", "verify"]) == 1
    assert "import-key" in capsys.readouterr().out
    with Store(path) as s:  # readable, but no change can be recorded without the key
        assert "import-key" in s.notice and s.list_cases()
        with pytest.raises(AuditKeyMissing, match="import-key"):
            s.add_case(Case(reference="D"))
    other = seeded(tmp_path / "other.sqlite")
    foreign_key = tmp_path / "other.key"
    assert main(["--db", str(other), "audit", "export-key", str(foreign_key)]) == 0
    assert main(["--db", str(path), "audit", "import-key", str(foreign_key)]) == 2
    assert "key of another review database" in capsys.readouterr().err
    (tmp_path / "junk.key").write_text("hello")
    assert main(["--db", str(path), "audit", "import-key", str(tmp_path / "junk.key")]) == 2
    assert "is not a cctv-review audit key" in capsys.readouterr().err
    assert main(["--db", str(path), "audit", "import-key", str(key_file)]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out


def _legacy_store(path: Path) -> None:
    """A store as the previous release wrote it: schema 3, plain SHA-256 chain."""
    import sqlite_utils

    from cctv_review.migrations import migrate

    db = sqlite_utils.Database(path)
    migrate(db, target=3)
    with db.atomic():
        db.execute("INSERT INTO cases (id, reference, status) VALUES (1, 'OLD-1', 'in_progress')")
        prev = audit_chain.GENESIS
        for i in (1, 2, 3):
            detail = json.dumps({"n": i})
            at = f"2025-01-0{i}T00:00:00.000+00:00"
            digest = audit_chain.row_hash(prev, i, at, "old", "case.opened", "case", "1", detail)
            db.execute(
                "INSERT INTO audit (id, at, user, action, object_type, object_id, detail, prev_hash, hash) "
                "VALUES (?, ?, 'old', 'case.opened', 'case', '1', ?, ?, ?)",
                [i, at, detail, prev, digest],
            )
            prev = digest
    db.close()


def test_old_plain_chain_is_upgraded_and_says_where_the_key_starts(tmp_path, capsys):
    path = tmp_path / "old.sqlite"
    _legacy_store(path)
    with Store(path) as s:
        s.record_case_opened(1)
        rows = s.audit_rows()
        assert rows[3]["action"] == "audit.keyed"
    assert main(["--db", str(path), "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "intact: 5 entries" in out and "Entries 1-3" in out and "plain SHA-256" in out
    conn = raw(path)
    conn.execute("UPDATE audit SET user = 'x' WHERE id = 2")
    restore_triggers(conn)
    conn.close()
    verify_fails(path, capsys, "entry 2")


def test_old_chain_cannot_be_passed_off_as_plain(tmp_path, capsys):
    """Rewriting the keyed part with plain hashes and removing the marker does not pass."""
    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    conn.execute("DELETE FROM audit_meta WHERE name = 'keyed_from'")
    rechain(conn)
    restore_triggers(conn)
    conn.close()
    verify_fails(path, capsys)


def test_stripping_the_identity_to_get_a_new_key_is_reported(tmp_path, capsys):
    """Rewrite the trail without the key, then give the store a new identity so that it is keyed afresh."""
    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    conn.execute("UPDATE audit SET user = 'forger' WHERE id = 2")
    rechain(conn)
    conn.execute("UPDATE audit_meta SET value = 'feedfacefeedfacefeedfacefeedface' WHERE name = 'store_id'")
    conn.execute("DELETE FROM audit_meta WHERE name = 'keyed_from'")
    restore_triggers(conn)
    conn.close()
    verify_fails(path, capsys, "another review database")
