"""Faults of real PCs: a second writer, a damaged, read-only, empty or foreign file, network shares,
killed exports, FIFOs in place of clips, escape sequences on the terminal."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from cctv_review.cli import main
from cctv_review.domain import Case, Clip
from cctv_review.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


# -- two writers -------------------------------------------------------------------------

WRITER = """
import json, sys, time
from cctv_review.domain import Finding, FindingLevel
from cctv_review.store import Store, StoreError
path, case_id, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
added = failed = 0
errors = []
with Store(path, user=f"writer{case_id}") as store:
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            store.add_finding(Finding(case_id=case_id, theme="welfare", level=FindingLevel.SOME, note=str(added)))
            added += 1
        except StoreError as exc:
            failed += 1
            errors.append(str(exc))
print(json.dumps({"added": added, "failed": failed, "errors": errors[:3]}), flush=True)
"""


def test_two_processes_adding_findings_lose_nothing(tmp_path):
    seconds = os.environ.get("CCTV_REVIEW_WRITERS_SECONDS", "10")
    path = tmp_path / "shared.sqlite"
    with Store(path) as s:
        ids = [s.add_case(Case(reference=f"W-{i}")).id for i in (1, 2)]
    writers = [run_python(WRITER, str(path), str(i), seconds) for i in ids]
    results = []
    for w in writers:
        out, err = w.communicate(timeout=float(seconds) + 120)
        assert w.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(f"two writers for {seconds} s: {results}")  # shown with pytest -s, for the record
    assert [r["failed"] for r in results] == [0, 0], results
    with Store(path) as s:
        counts = [len(s.list_findings(i)) for i in ids]
        check = s.verify_audit()
    assert counts == [r["added"] for r in results] and all(counts)
    assert check.ok, str(check)


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@pytest.mark.parametrize("command", ["import", "verify", "export"])
def test_commands_wait_for_another_writer(tmp_path, capsys, command):
    path = tmp_path / "busy.sqlite"
    csv = tmp_path / "cases.csv"
    csv.write_text("reference\nNEW-1\n", encoding="utf-8")
    clip = tmp_path / "c.bin"
    clip.write_bytes(b"x" * 100)
    with Store(path) as s:
        case = s.add_case(Case(reference="B-1"))
        s.add_clip(
            Clip(
                case_id=case.id, path=str(clip), camera="Desk", sha256=hashlib.sha256(b"x" * 100).hexdigest()
            )
        )
    holder = run_python(HOLDER, str(path), "3")
    assert holder.stdout.readline().strip() == "locked"
    args = {
        "import": ["import-cases", str(csv)],
        "verify": ["verify"],
        "export": ["export", "--format", "csv", str(tmp_path / "out")],
    }[command]
    try:
        assert main(["--db", str(path), *args]) == 0, capsys.readouterr().err
    finally:
        holder.communicate(timeout=30)
    assert holder.returncode == 0


# -- damaged, read-only, empty and foreign files ----------------------------------------------


def _filled(path: Path) -> Path:
    with Store(path) as s:
        s.import_cases([Case(reference=f"D-{i:04}", custody_suite="Northgate " * 20) for i in range(400)])
    return path


ALL_COMMANDS = [
    ["summary"],
    ["cases"],
    ["export", "--format", "csv", "OUT"],
    ["verify"],
    ["audit", "verify"],
    ["audit", "list"],
    ["import-cases", "CSV"],
]


def test_a_damaged_store_is_reported_plainly_and_never_written(tmp_path, capsys):
    path = _filled(tmp_path / "damaged.sqlite")
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    middle = (len(data) // page_size // 2) * page_size
    for i in range(64):
        data[middle + 8 + i] ^= 0xFF
    path.write_bytes(bytes(data))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    csv = tmp_path / "c.csv"
    csv.write_text("reference\nX-1\n", encoding="utf-8")
    for command in ALL_COMMANDS:
        args = [str(tmp_path / "out") if a == "OUT" else str(csv) if a == "CSV" else a for a in command]
        assert main(["--db", str(path), *args]) == 2, command
        err = capsys.readouterr().err
        assert "damaged" in err and "backup" in err and "Traceback" not in err, (command, err)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_read_only_store_opens_for_reading(tmp_path, capsys, where):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = _filled(folder / "ro.sqlite")
    clip = tmp_path / "c.bin"
    clip.write_bytes(b"y" * 10)
    with Store(path) as s:
        s.add_clip(
            Clip(case_id=1, path=str(clip), camera="Desk", sha256=hashlib.sha256(b"y" * 10).hexdigest())
        )
        entries = len(s.audit_rows())
    if where == "file":
        path.chmod(0o444)
    else:
        folder.chmod(0o555)
    try:
        with Store(path) as s:
            assert s.read_only and "read-only" in s.notice
        for command in (
            ["summary"],
            ["cases"],
            ["verify"],
            ["audit", "verify"],
            ["export", "--format", "csv", str(tmp_path / "out")],
        ):
            assert main(["--db", str(path), *command]) == 0, (command, capsys.readouterr().err)
            assert "read-only" in capsys.readouterr().err
        assert main(["--db", str(path), "import-cases", str(tmp_path / "none.csv")]) == 2
        capsys.readouterr()
    finally:
        folder.chmod(0o755)
        path.chmod(0o644)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("SELECT count(*) FROM audit").fetchone()[0] == entries
    conn.close()


@pytest.mark.parametrize(
    "content", [b"", b"reference,suite\nA,B\n" * 50, b"SQLite format 2\x00" + b"\x00" * 2000]
)
def test_an_empty_or_foreign_file_is_refused_and_left_alone(tmp_path, capsys, content):
    path = tmp_path / "store.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="cctv-review"):
        Store(path)
    assert main(["--db", str(path), "cases"]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert path.read_bytes() == content
    assert not Path(str(path) + "-wal").exists()


# -- network file systems ------------------------------------------------------------------

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/nfs nfs4 rw 0 0
//fs01/home /home/officer/H cifs rw 0 0
user@host:/srv /mnt/ssh fuse.sshfs rw 0 0
tmpfs /mnt/nfs/local tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/home/officer/H/cctv/review.sqlite", "cifs"),
        ("/mnt/nfs/a.sqlite", "nfs4"),
        ("/mnt/ssh/a.sqlite", "fuse.sshfs"),
        ("/mnt/nfs/local/a.sqlite", None),
        ("/home/officer/review.sqlite", None),
        ("/mnt/nfsother/a.sqlite", None),
    ],
)
def test_network_file_system_detected_on_linux(path, expected):
    from cctv_review.storage import network_filesystem

    assert network_filesystem(path, system="Linux", mounts=MOUNTS) == expected


def test_network_paths_detected_on_windows():
    from cctv_review.storage import network_filesystem

    drives = {"H:\\": 4, "C:\\": 3}
    kind = lambda root: drives.get(root, 3)  # noqa: E731 - GetDriveTypeW stand-in
    assert network_filesystem(r"\\fs01\home\review.sqlite", system="Windows", drive_type=kind)
    assert network_filesystem(r"H:\cctv\review.sqlite", system="Windows", drive_type=kind)
    assert network_filesystem(r"C:\Users\a\review.sqlite", system="Windows", drive_type=kind) is None


def test_a_store_on_a_network_share_uses_the_rollback_journal(tmp_path, monkeypatch):
    from cctv_review import storage

    monkeypatch.setattr(storage, "network_filesystem", lambda path, **kw: "cifs")
    with Store(tmp_path / "n.sqlite") as s:
        assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert "network" in s.notice
        s.add_case(Case(reference="N-1"))


# -- clips that are not files, temporaries of killed exports, the terminal ----------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_verify_reports_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    with Store(tmp_path / "f.sqlite") as s:
        case = s.add_case(Case(reference="F-1"))
        s.add_clip(Clip(case_id=case.id, path=str(fifo), camera="Desk", sha256="0" * 64))
    results = []

    def check() -> None:
        with Store(tmp_path / "f.sqlite") as s:
            results.extend(s.check_clips())

    worker = threading.Thread(target=check, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # unblock the hashing thread so the test run can end
        with open(fifo, "wb"):
            pass
        pytest.fail("verify blocked on a FIFO")
    assert results[0].status == "not_a_file" and "not a regular file" in results[0].detail


KILLED_EXPORT = """
import os, sys
from pathlib import Path
from cctv_review.export.atomic import AtomicFiles
files = AtomicFiles()
tmp = files.stage(Path(sys.argv[1]) / "cases.csv")
tmp.write_text("unredacted")
os._exit(9)
"""


def test_temporaries_of_a_killed_export_are_removed_at_the_next_start(tmp_path):
    from cctv_review.export.atomic import leftover_temporaries

    out = tmp_path / "exports"
    out.mkdir()
    killed = run_python(KILLED_EXPORT, str(out))
    killed.communicate(timeout=60)
    assert killed.returncode == 9
    assert len(list(leftover_temporaries(out))) == 1
    with Store(tmp_path / "s.sqlite"):
        pass
    assert list(leftover_temporaries(out)) == []


def test_terminal_output_escapes_control_characters(tmp_path, capsys):
    path = tmp_path / "e.sqlite"
    with Store(path) as s:
        s.add_case(Case(reference="SAFE-1"))
    conn = sqlite3.connect(path)
    conn.execute("UPDATE cases SET custody_suite = 'North\x1b[2J\x1b]0;pwned\x07gate'")
    conn.commit()
    conn.close()
    assert main(["--db", str(path), "cases"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "North\\x1b[2J\\x1b]0;pwned\\x07gate" in out


@pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and __import__("shutil").which("setpriv")),
    reason="needs root and setpriv to drop the permission override (a normal user needs neither)",
)
def test_a_wal_store_in_a_read_only_folder_as_a_normal_user_would_see_it(tmp_path):
    """Without CAP_DAC_OVERRIDE, SQLite cannot make the -shm file and refuses plain mode=ro."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = _filled(folder / "s.sqlite")
    folder.chmod(0o555)
    try:
        result = subprocess.run(
            [
                "setpriv",
                "--bounding-set",
                "-dac_override,-dac_read_search",
                "--inh-caps",
                "-all",
                "--",
                sys.executable,
                "-m",
                "cctv_review",
                "--db",
                str(path),
                "cases",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "read-only" in result.stderr and "D-0399" in result.stdout


@pytest.mark.parametrize(
    "path, windows, uri",
    [
        (r"C:\Users\a b\review.sqlite", True, "file:///C:/Users/a%20b/review.sqlite?mode=ro"),
        (r"\\fs01\home\cctv\review.sqlite", True, "file:////fs01/home/cctv/review.sqlite?mode=ro"),
        ("/home/a/#1?.sqlite", False, "file:///home/a/%231%3F.sqlite?mode=ro"),
    ],
)
def test_sqlite_uris_for_local_and_unc_paths(path, windows, uri):
    from cctv_review.store import sqlite_uri

    assert sqlite_uri(path, "ro", windows=windows) == uri


def test_a_store_whose_name_needs_escaping_opens_where_it_is(tmp_path):
    path = tmp_path / "a #1?%.sqlite"
    with Store(path) as s:
        s.add_case(Case(reference="U-1"))
    assert path.exists() and [p.name for p in tmp_path.iterdir() if p.suffix == ".sqlite"] == [path.name]


def test_damage_beyond_the_quick_part_of_the_check_is_still_reported_plainly(tmp_path, capsys, monkeypatch):
    """Above FULL_CHECK_MAX_BYTES only the schema, cases and audit trail are checked on opening;
    damage elsewhere is reported, in the same words, when a command reads it."""
    from cctv_review import store as store_module

    path = tmp_path / "big.sqlite"
    with Store(path) as s:
        s.add_case(Case(reference="F-1"))
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO findings (case_id, theme, level, note) VALUES (1, 'welfare', 'some', ?)",
            [("note " * 60,) for _ in range(2000)],
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    middle = (len(data) // page_size // 2) * page_size
    for i in range(64):
        data[middle + 8 + i] ^= 0xFF
    path.write_bytes(bytes(data))
    monkeypatch.setattr(store_module, "FULL_CHECK_MAX_BYTES", 0)
    for command in (["export", "--format", "csv", str(tmp_path / "out")], ["audit", "verify"]):
        assert main(["--db", str(path), *command]) == 2, command
        err = capsys.readouterr().err
        assert "damaged" in err and "backup" in err and "Traceback" not in err, err
