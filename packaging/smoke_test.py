"""Smoke-test a cctv-review build: does it start, find its files and open a case?

Used on the frozen PyInstaller programs by ``.ci/run`` (Linux) and by
``.github/workflows/windows.yml`` (the installed Windows programs), and by the
test suite on ``python -m cctv_review``.  Three checks, each a separate
process with its own throw-away log folder:

1. ``CLI --version`` exits 0 and names every version (cctv-review, Python, OS,
   Qt, FFmpeg, OpenCV, SQLite): Qt, PyAV and OpenCV load in the build.
2. ``CLI --demo summary`` exits 0 and prints the demo store's headline
   ("Of 1 case reviewed on CCTV, …"): the template, SQLite, OpenCV's writer and
   PyAV's probe all work.
3. ``GUI --demo`` with ``QT_QPA_PLATFORM=offscreen`` and
   ``CCTV_REVIEW_SMOKE_EXIT_MS`` exits 0 by itself, and its log says
   "smoke test passed: window shown with case CR-2026-0117 open" (see
   cctv_review/ui/app.py): the Qt platform plugin, the widgets and the demo case
   load.  The log is read because a windowed Windows program has no console.

Usage::

    python packaging/smoke_test.py --cli dist/cctv-review/cctv-review-cli --gui dist/cctv-review/cctv-review
    python packaging/smoke_test.py --cli "python -m cctv_review" --gui "python -m cctv_review"

Exit code 0 when every check passes, 1 otherwise (each failure is printed).
Standard library only, so it runs with any Python 3.10+.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VERSION_NAMES = ("cctv-review", "Python", "OS", "Qt", "PySide6", "FFmpeg", "PyAV", "OpenCV", "SQLite")
DEMO_CASE = "CR-2026-0117"
TIMEOUT_S = 300  # a cold first start of a frozen Qt build on a slow CI machine


def _command(text: str) -> list[str]:
    """A path to a program (spaces allowed), or a command line such as "python -m cctv_review"."""
    if Path(text).exists() or Path(text + ".exe").exists():
        return [text]
    if os.name != "nt":
        return shlex.split(text)
    # Windows paths hold backslashes, so split the Windows way and drop the quotes around a token.
    return [t[1:-1] if len(t) > 1 and t[0] == t[-1] == '"' else t for t in shlex.split(text, posix=False)]


def _run(
    cmd: list[str], log_dir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["CCTV_REVIEW_LOG_DIR"] = str(log_dir)
    env["CCTV_REVIEW_DB"] = str(log_dir / "unused.sqlite")  # never touch the user's store
    env.update(extra_env or {})
    started = time.monotonic()
    print("+", " ".join(cmd), flush=True)
    result = subprocess.run(
        cmd, capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, timeout=TIMEOUT_S
    )
    print(f"  exit code {result.returncode} after {time.monotonic() - started:.1f} s", flush=True)
    return result


def _log_text(log_dir: Path) -> str:
    path = log_dir / "cctv-review.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""


def check_version(cli: list[str], work: Path) -> list[str]:
    result = _run([*cli, "--version"], work / "version")
    problems = []
    if result.returncode != 0:
        problems.append(f"--version exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    for name in VERSION_NAMES:
        line = next((ln for ln in result.stdout.splitlines() if ln.startswith(f"{name}: ")), "")
        if not line or "not available" in line:
            problems.append(f"--version does not give a {name} version ({line or 'no line'})")
    print(result.stdout, end="")
    return problems


def check_summary(cli: list[str], work: Path) -> list[str]:
    result = _run([*cli, "--demo", "summary"], work / "summary")
    print(result.stdout, end="")
    if result.returncode != 0 or "Of 1 case reviewed on CCTV" not in result.stdout:
        return [
            f"--demo summary exited {result.returncode}; stdout {result.stdout!r}; stderr {result.stderr[-2000:]!r}"
        ]
    return []


def check_export(cli: list[str], work: Path) -> list[str]:
    """An XLSX export of the demo with its cases read by a process of its own (as large exports are):
    in a frozen program that process is the program again, which ``freeze_support`` must catch."""
    out = work / "demo.xlsx"
    result = _run(
        [*cli, "--demo", "export", "--format", "xlsx", str(out)],
        work / "export",
        {"CCTV_REVIEW_EXPORT_PROCESS_FROM": "1"},
    )
    print(result.stdout, end="")
    import zipfile

    try:
        with zipfile.ZipFile(out) as workbook:
            ok = any(name.startswith("xl/worksheets/") for name in workbook.namelist())
    except (OSError, zipfile.BadZipFile):
        ok = False
    if result.returncode != 0 or not ok:
        return [
            f"--demo export --format xlsx exited {result.returncode} (workbook written: {ok}); "
            f"stdout {result.stdout[-2000:]!r}; stderr {result.stderr[-2000:]!r}"
        ]
    return []


def check_gui(gui: list[str], work: Path, wait_ms: int) -> list[str]:
    log_dir = work / "gui"
    env = {"QT_QPA_PLATFORM": "offscreen", "CCTV_REVIEW_SMOKE_EXIT_MS": str(wait_ms)}
    result = _run([*gui, "--demo"], log_dir, env)
    log = _log_text(log_dir)
    expected = f"smoke test passed: window shown with case {DEMO_CASE} open"
    if result.returncode == 0 and expected in log:
        print(f"  log: {next(ln for ln in log.splitlines() if expected in ln)}")
        return []
    return [
        f"the GUI exited {result.returncode} without '{expected}' in its log\n"
        f"--- log ---\n{log[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", required=True, help="the command-line program (or a command line)")
    parser.add_argument("--gui", required=True, help="the windowed program (or a command line)")
    parser.add_argument("--wait-ms", type=int, default=1500, help="how long the GUI stays open (ms)")
    args = parser.parse_args(argv)
    cli, gui = _command(args.cli), _command(args.gui)
    with tempfile.TemporaryDirectory(prefix="cctv-review-smoke-", ignore_cleanup_errors=True) as folder:
        work = Path(folder)
        problems = (
            check_version(cli, work)
            + check_summary(cli, work)
            + check_export(cli, work)
            + check_gui(gui, work, args.wait_ms)
        )
    for problem in problems:
        print(f"SMOKE TEST FAILED: {problem}", file=sys.stderr)
    if not problems:
        print("smoke test: all checks passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
