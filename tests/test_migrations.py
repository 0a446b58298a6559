import sqlite3

import pytest
import sqlite_utils

from cctv_review.migrations import LATEST_VERSION, MIGRATIONS, SchemaTooNew, migrate
from cctv_review.store import Store, StoreError


def schema(path):
    db = sqlite_utils.Database(path)
    try:
        return {name: [c.name for c in db[name].columns] for name in sorted(db.table_names())}, sorted(
            r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")
        )
    finally:
        db.close()


# Rows a database at each version could hold, to check an upgrade keeps them.
SEED = {
    1: [
        "INSERT INTO cases (id, reference, custody_suite, status) VALUES (1, 'CR-1', 'North', 'in_progress')",
        "INSERT INTO clips (id, case_id, path, camera, sha256) VALUES (1, 1, '/v/a.mp4', 'Desk', 'abc')",
        "INSERT INTO findings (id, case_id, clip_id, position_ms, theme, level, note) "
        "VALUES (1, 1, 1, 5000, 'use_of_force', 'some', 'kept')",
        "INSERT INTO answers (case_id, question_id, value, template_id, template_version) "
        "VALUES (1, 'uof.force_used', '\"yes\"', 'custody-cctv-review', 1)",
    ],
    2: [],
    3: [],
}


@pytest.mark.parametrize("start", range(0, LATEST_VERSION))
def test_upgrade_from_every_earlier_version(tmp_path, start):
    old = tmp_path / "old.sqlite"
    db = sqlite_utils.Database(old)
    migrate(db, target=start)
    for version in range(1, start + 1):
        with db.atomic():
            for sql in SEED.get(version, []):  # later versions add no rows of their own
                db.execute(sql)
    db.close()
    if start == 0:
        old.unlink()  # SQLite left 0 bytes; a 0-byte file is refused, never made a store (test_faults)

    with Store(old) as store:
        assert store.schema_version == LATEST_VERSION
        if start >= 1:
            case = store.get_case(1)
            assert case.reference == "CR-1" and case.custody_suite == "North"
            finding = store.list_findings(1)[0]
            assert finding.note == "kept" and finding.still_path == ""
            assert store.answers(1) == {"uof.force_used": "yes"}
        # The upgraded store works fully.
        store.audit("test", "case", 1)
        assert store.verify_audit().ok

    with Store(tmp_path / "fresh.sqlite"):
        pass
    assert schema(old) == schema(tmp_path / "fresh.sqlite")


def test_every_migration_is_numbered_once():
    assert LATEST_VERSION == len(MIGRATIONS) >= 1


def test_store_uses_wal_and_foreign_keys(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(StoreError, match="refused"), store.transaction():
        store.db.execute("INSERT INTO findings (case_id, theme, level) VALUES (999, 'x', 'some')")


def test_newer_database_is_refused_plainly(tmp_path):
    path = tmp_path / "new.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer version of cctv-review"):
        Store(path)


def test_other_files_are_refused_plainly(tmp_path):
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE stuff (x)")
    conn.close()
    with pytest.raises(SchemaTooNew, match="not a cctv-review one"):
        Store(other)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="not a cctv-review database or is damaged"):
        Store(junk)
