import sqlite3

import pytest

from cctv_review.cli import main
from cctv_review.domain import Case
from cctv_review.store import Store


def seeded(path):
    with Store(path, user="auditor") as s:
        for ref in ("A", "B", "C"):
            case = s.add_case(Case(reference=ref))
            s.record_case_opened(case.id)
    return path


def raw(path):
    conn = sqlite3.connect(path)
    conn.isolation_level = None
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    return conn


def test_chain_is_intact_and_append_only(tmp_path):
    path = seeded(tmp_path / "a.sqlite")
    with Store(path) as s:
        check = s.verify_audit()
        assert check.ok and check.rows == 6
        rows = s.audit_rows()
        assert rows[0]["prev_hash"] == "0" * 64 and rows[1]["prev_hash"] == rows[0]["hash"]
        assert rows[0]["at"].endswith("+00:00") and rows[0]["user"] == "auditor"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            s.db.execute("UPDATE audit SET user = 'someone else' WHERE id = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            s.db.execute("DELETE FROM audit WHERE id = 2")


@pytest.mark.parametrize(
    "tamper, bad_id, words",
    [
        ("UPDATE audit SET user = 'someone else' WHERE id = 3", 3, "was edited"),
        ('UPDATE audit SET detail = \'{"reference": "Z"}\' WHERE id = 2', 2, "was edited"),
        ("DELETE FROM audit WHERE id = 4", 5, "is missing"),
    ],
)
def test_tampering_is_detected(tmp_path, capsys, tamper, bad_id, words):
    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    conn.execute(tamper)
    conn.close()
    with Store(path) as s:
        check = s.verify_audit()
    assert not check.ok and check.bad_id == bad_id and words in check.problem
    assert main(["--db", str(path), "audit", "verify"]) == 1
    assert f"BROKEN at entry {bad_id}" in capsys.readouterr().out


def test_rehashed_forgery_is_caught_by_the_key(tmp_path):
    """Editing a row and recomputing its hash without the key fails at that very row."""
    from cctv_review.audit import row_hash

    path = seeded(tmp_path / "a.sqlite")
    conn = raw(path)
    row = conn.execute(
        "SELECT id, at, user, action, object_type, object_id, detail, prev_hash FROM audit WHERE id = 2"
    ).fetchone()
    forged = row_hash(row[7], row[0], row[1], "forger", row[3], row[4], row[5], row[6])
    conn.execute("UPDATE audit SET user = 'forger', hash = ? WHERE id = 2", [forged])
    conn.close()
    with Store(path) as s:
        check = s.verify_audit()
    assert not check.ok and check.bad_id == 2 and "keyed hash does not match" in check.problem


def test_cli_audit_verify_passes_on_a_clean_store(tmp_path, capsys):
    path = seeded(tmp_path / "a.sqlite")
    assert main(["--db", str(path), "audit", "verify"]) == 0
    assert "intact: 6 entries" in capsys.readouterr().out
    assert main(["--db", str(path), "audit", "list", "--last", "2"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and "case.opened" in out[-1]
