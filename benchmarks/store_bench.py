"""How cctv-review holds up at 100,000 cases and 1,000,000 findings.

    python benchmarks/store_bench.py            # 100,000 cases, 1,000,000 findings
    python benchmarks/store_bench.py --quick    # 5,000 cases, 50,000 findings (a smoke test)

Builds a store of that size once (bulk inserts in one transaction, cached in
``benchmarks/_work/``) and a 1,000-case store for the everyday actions, then
measures, each step in its own Python process so its peak memory is its own
(``resource.getrusage(RUSAGE_SELF).ru_maxrss`` read by the step itself at its
end: the process's peak resident set, Qt and Python included):

* ``summary``: :func:`cctv_review.summary.summarise` over every case;
* ``window``: the real :class:`MainWindow` built offscreen on the big store,
  the time until it is shown with the case list filled and painted; then a
  filter (status), a search, and sorts by reference and by status, each
  timed with the repaint;
* ``actions``: on the 1,000-case store (and the big one), the SQL statements
  run on the GUI thread's connection (``sqlite3`` trace callback) and the
  GUI-thread time per finding added and per case completed through the
  session API with the main window listening (events processed), and whether
  the hidden summary recomputed;
* ``xlsx``: the XLSX export of every case;
* ``pdf``: the PDF report of one month of detentions.

Targets (issue 12): summary < 0.5 s; main window < 2 s; a filter or sort
< 100 ms; <= 5 statements on the GUI thread per finding added; a case status
change < 20 ms at 1,000 cases; XLSX of all < 60 s and < 500 MB; PDF >= 50
cases/s and < 1 GB.  Prints a table and writes the figures as JSON to
``benchmarks/_work/store_bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("CCTV_BENCH_WORK") or Path(__file__).resolve().parent / "_work")
BUILD_VERSION = 3  # bump when the generated store changes shape
sys.path.insert(0, str(ROOT))

SUITES = [
    "Northgate",
    "Southbank",
    "Westway",
    "Eastfield",
    "Riverside",
    "Hillcrest",
    "Kingsway",
    "Marshgate",
    "Oakfield",
    "Portside",
    "Queensway",
    "",
]
REVIEWERS = ["a.khan", "b.jones", "c.smith", "d.patel", "e.williams", "f.brown", "g.taylor", "h.wilson"]
FIRST_DAY = date(2025, 1, 1)
DAYS = 700  # about 23 months: one month holds about 4,300 of 100,000 cases
NOTES = [
    "Detainee left unobserved for longer than the care plan allowed.",
    "Rousing done properly: spoke to the detainee and got a reply.",
    "Risk assessment questions read out quickly; answers not explored.",
    "Good explanation of rights, checked the detainee understood.",
    "Restraint applied; the footage shows it ended once the detainee was calm.",
    "Cell door hatch left open; privacy not kept for a child.",
]


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports kB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# -- building the store ----------------------------------------------------------------------


def build_store(path: Path, cases: int, findings: int, seed: int = 12) -> Path:
    """A store with ``cases`` cases and ``findings`` findings (bulk inserts in one transaction).

    60% of cases complete (with an outcome, a rationale and eight answers, the
    use-of-force questions among them), 20% in progress, 20% not started;
    detention dates spread over 700 days from 2025-01-01 (10% unknown); one
    clip per case (the path need not exist); findings spread at random over the
    cases, in every theme and level, with a note.
    """
    from cctv_review.store import Store
    from cctv_review.template import load_template

    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for leftover in path.parent.glob(partial.name + "*"):
        leftover.unlink()
    Store(partial).close()  # the schema, made by the application's own migrations
    template = load_template()
    themes = [t.id for t in template.themes]
    levels = ["significant", "some", "none", "good_practice"]
    rng = random.Random(seed)
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    conn = sqlite3.connect(partial)
    conn.execute("PRAGMA synchronous = OFF")
    with conn:
        case_rows, clip_rows, answer_rows, statuses = [], [], [], []
        for i in range(1, cases + 1):
            roll = rng.random()
            status = "complete" if roll < 0.6 else "in_progress" if roll < 0.8 else "not_started"
            outcome = rng.choice(["significant", "some", "none", "none"]) if status == "complete" else None
            day = None if rng.random() < 0.1 else FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            stamp = (now - timedelta(minutes=cases - i)).isoformat(timespec="milliseconds")
            case_rows.append(
                (
                    i,
                    f"CR-{i:06d}",
                    rng.choice(SUITES),
                    day.isoformat() if day else None,
                    *(int(rng.random() < p) for p in (0.08, 0.15, 0.2, 0.12, 0.05)),
                    status,
                    rng.choice(REVIEWERS),
                    outcome,
                    f"Rationale for case {i}: {rng.choice(NOTES)}" if outcome else "",
                    stamp if status == "complete" else None,
                    "a.khan" if status == "complete" else "",
                    stamp,
                    stamp,
                )
            )
            statuses.append(status)
            clip_rows.append(
                (i, i, f"/footage/{i:06d}/cell.mp4", "Cell", stamp, 3_600_000, 25.0, 90_000, 1920, 1080)
            )
            if status != "not_started":
                force = rng.choice(["yes", "no", "no", "no"])
                answers = {
                    "footage.complete": rng.choice(["yes", "no"]),
                    "arrival.rights": rng.choice(["yes", "no"]),
                    "uof.force_used": force,
                }
                if status == "complete":
                    answers.update(
                        {
                            "uof.justified": rng.choice(["yes", "yes", "no", "not_seen"]),
                            "uof.proportionate": rng.choice(["yes", "yes", "no"]),
                            "uof.necessary": rng.choice(["yes", "yes", "not_seen"]),
                            "cell.checks_on_time": rng.choice(["yes", "no"]),
                            "welfare.food_drink": rng.choice(["yes", "no"]),
                        }
                    )
                for question, value in answers.items():
                    answer_rows.append(
                        (i, question, json.dumps(value), template.id, template.version, "a.khan", stamp)
                    )
        conn.executemany(
            "INSERT INTO cases (id, reference, custody_suite, detention_date, child, vulnerable_adult, "
            "mental_health, use_of_force, strip_search, status, reviewer, outcome, outcome_rationale, "
            "completed_at, completed_by, created_at, updated_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            case_rows,
        )
        conn.executemany(
            "INSERT INTO clips (id, case_id, path, camera, recorded_start, duration_ms, fps, frame_count, "
            "width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            clip_rows,
        )
        conn.executemany(
            "INSERT INTO answers (case_id, question_id, value, template_id, template_version, reviewer, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            answer_rows,
        )
        del case_rows, clip_rows, answer_rows
        started = [i + 1 for i, s in enumerate(statuses) if s != "not_started"]
        batch = []
        for n in range(findings):
            case_id = rng.choice(started)
            batch.append(
                (
                    case_id,
                    case_id,
                    rng.randrange(3_600_000),
                    rng.choice(themes),
                    rng.choice(levels),
                    f"{rng.choice(NOTES)} ({n})",
                    "a.khan",
                    "",
                    "2026-10-01T12:00:00.000+00:00",
                    "2026-10-01T12:00:00.000+00:00",
                )
            )
            if len(batch) == 100_000:
                conn.executemany(
                    "INSERT INTO findings (case_id, clip_id, position_ms, theme, level, note, reviewer, "
                    "still_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    batch,
                )
                batch = []
        conn.executemany(
            "INSERT INTO findings (case_id, clip_id, position_ms, theme, level, note, reviewer, "
            "still_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch,
        )
    with conn:  # the completed cases' summary figures, as completing each case in the app writes them
        from cctv_review import case_figures

        case_figures.refresh(conn, template)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(path)
    return path


def store_path(cases: int, findings: int) -> Path:
    # The schema version is in the name: a store cached before a new migration is built afresh.
    from cctv_review.migrations import LATEST_VERSION

    return WORK / f"store-{cases}-{findings}-v{BUILD_VERSION}-s{LATEST_VERSION}.sqlite"


# -- the steps (each run in its own process) ------------------------------------------------


CPU: dict[str, float] = {}  # the CPU seconds of the last _timed run (less disturbed by other load)


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs in seconds, and the last result (CPU time of the best in CPU["s"])."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = time.perf_counter() - start
        if wall < best:
            best, CPU["s"] = wall, time.process_time() - cpu
    return best, result


def step_summary(db: Path) -> dict[str, Any]:
    from cctv_review.store import Store
    from cctv_review.summary import summarise
    from cctv_review.template import load_template

    template = load_template()
    with Store(db) as store:
        first, summary = _timed(lambda: summarise(store, template))
        best, _ = _timed(lambda: summarise(store, template), repeat=3)
    return {
        "first_s": first,
        "best_s": best,
        "best_cpu_s": CPU["s"],
        "completed": summary.completed,
        "findings": summary.findings,
    }


def _window(db: Path) -> tuple[Any, Any, Any]:
    """The real main window on ``db``, offscreen, shown; returns (app, window, {wall_s, cpu_s}).

    Timed from opening the store (Python modules imported and the
    QApplication made before) until the window is shown with the case list
    filled and its visible rows painted.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from cctv_review.store import Store
    from cctv_review.template import load_template
    from cctv_review.ui.app import make_app
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    app = make_app([])
    start, cpu = time.perf_counter(), time.process_time()
    store = Store(db)
    session = ReviewSession(store, load_template())
    window = MainWindow(session, restore=False)
    window.show()
    QApplication.processEvents()
    window.case_list.view.viewport().repaint()  # the visible rows read and painted
    assert window.case_list.model.rowCount() > 0
    return app, window, {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu}


def _gui_time(fn: Callable[[], Any]) -> float:
    """Wall seconds on the GUI thread for ``fn`` and the events it queued (repaints included).

    The process's CPU seconds for the same go to ``CPU["s"]`` (all threads: the
    GUI thread does nearly all of it here).
    """
    from PySide6.QtWidgets import QApplication

    start, cpu = time.perf_counter(), time.process_time()
    fn()
    QApplication.processEvents()
    CPU["s"] = time.process_time() - cpu
    return time.perf_counter() - start


def step_window(db: Path) -> dict[str, Any]:
    from PySide6.QtCore import Qt

    _app, window, shown = _window(db)
    cl = window.case_list
    view = cl.view
    result: dict[str, Any] = {
        "shown_s": shown["wall_s"],
        "shown_cpu_s": shown["cpu_s"],
        "rows": cl.model.rowCount(),
    }

    def measure(key: str, fn: Callable[[], Any]) -> None:
        result[key] = _gui_time(fn)
        result[key[:-2] + "_cpu_s"] = CPU["s"]

    def paint() -> None:
        view.viewport().repaint()

    def status(value: str | None) -> Callable[[], None]:
        return lambda: (cl.status.setCurrentIndex(cl.status.findData(value)), paint())

    measure("filter_status_s", status("complete"))
    result["filtered_rows"] = cl.model.rowCount()
    measure("filter_cleared_s", status(None))
    measure("search_s", lambda: (cl.search.setText("CR-0123"), paint()))
    result["search_rows"] = cl.model.rowCount()
    measure("search_cleared_s", lambda: (cl.search.clear(), paint()))
    measure("sort_reference_s", lambda: (view.sortByColumn(0, Qt.SortOrder.DescendingOrder), paint()))
    measure("sort_status_s", lambda: (view.sortByColumn(3, Qt.SortOrder.AscendingOrder), paint()))
    measure("scroll_to_end_s", lambda: (view.scrollToBottom(), paint()))
    window.shutdown()
    return result


class StatementCounter:
    """Counts the SQL statements run on one ``sqlite3`` connection (its trace callback)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.statements: list[str] = []
        conn.set_trace_callback(self.statements.append)

    def take(self) -> list[str]:
        taken, self.statements[:] = list(self.statements), []
        return taken


def _answer_required(session: Any) -> None:
    """Answer every required question that applies, as a reviewer would (through the session)."""
    template = session.template
    for _ in range(10):
        missing = template.missing_required(session.answers())
        if not missing:
            return
        for q in missing:
            value: Any = {"yes_no": "no", "text": "Seen on the desk camera.", "time": "0:00:00"}.get(q.type)
            if q.type == "single_choice":
                value = q.options[0].value
            elif q.type == "multiple_choice":
                value = [q.options[0].value]
            session.set_answer(q.id, value)


def step_actions(db: Path, repeat: int = 10) -> dict[str, Any]:
    """Statements and GUI-thread time per finding added and per case completed (session API)."""
    from cctv_review.domain import CaseStatus

    _app, window, _shown = _window(db)
    session = window.session
    conn = session.store.db.conn
    counter = StatementCounter(conn)
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM cases WHERE status = ? ORDER BY id LIMIT ?",
            [CaseStatus.IN_PROGRESS.value, repeat],
        )
    ]
    recomputed_before = window.summary.recomputed
    finding_counts, finding_times, finding_cpu, complete_cpu = [], [], [], []
    complete_counts, complete_times, reopen_counts, reopen_times = [], [], [], []
    sample: dict[str, list[str]] = {}
    for case_id in ids:
        window.open_case(case_id)  # as a click in the case list does
        _gui_time(lambda: None)
        counter.take()
        seconds = _gui_time(lambda: session.add_finding("cell_observations", "some", "A note.", None, 1000))
        finding_times.append(seconds)
        finding_cpu.append(CPU["s"])
        taken = counter.take()
        sample.setdefault("finding", taken)
        finding_counts.append(len(taken))
        _answer_required(session)
        session.set_outcome("some", "Checks were late.")
        _gui_time(lambda: None)
        counter.take()
        complete_times.append(_gui_time(session.complete))
        complete_cpu.append(CPU["s"])
        taken = counter.take()
        sample.setdefault("complete", taken)
        complete_counts.append(len(taken))
        reopen_times.append(_gui_time(lambda: session.reopen("benchmark")))
        taken = counter.take()
        sample.setdefault("reopen", taken)
        reopen_counts.append(len(taken))
    conn.set_trace_callback(None)
    cases = conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    result = {
        "cases": cases,
        "finding_statements": max(finding_counts),
        "finding_ms": 1000 * sorted(finding_times)[len(finding_times) // 2],
        "finding_cpu_ms": 1000 * sorted(finding_cpu)[len(finding_cpu) // 2],
        "complete_cpu_ms": 1000 * sorted(complete_cpu)[len(complete_cpu) // 2],
        "complete_statements": max(complete_counts),
        "complete_ms": 1000 * sorted(complete_times)[len(complete_times) // 2],
        "reopen_statements": max(reopen_counts),
        "reopen_ms": 1000 * sorted(reopen_times)[len(reopen_times) // 2],
        "summary_recomputed_while_hidden": window.summary.recomputed - recomputed_before,
        "sample_statements": {k: [" ".join(s.split())[:160] for s in v] for k, v in sample.items()},
    }
    window.shutdown()
    return result


def step_xlsx(db: Path) -> dict[str, Any]:
    from cctv_review.export import export
    from cctv_review.store import Store
    from cctv_review.template import load_template

    out = WORK / "all.xlsx"
    with Store(db) as store:
        seconds, _ = _timed(lambda: export(store, load_template(), "xlsx", out))
        cases = store.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    size = out.stat().st_size
    out.unlink()
    # The cases are read by a process of their own (export/stream.read_in_process): its CPU time and
    # peak memory are the children's, counted here too.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_peak = children.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {
        "seconds": seconds,
        "cpu_s": CPU["s"],
        "reader_cpu_s": children.ru_utime + children.ru_stime,
        "reader_peak_rss_mb": child_peak,
        "cases": cases,
        "size_mb": size / 1e6,
    }


def step_pdf(db: Path) -> dict[str, Any]:
    from cctv_review.export import export
    from cctv_review.export.pdf_report import ensure_gui_application
    from cctv_review.store import Store
    from cctv_review.template import load_template

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ensure_gui_application()
    out = WORK / "month.pdf"
    first, last = date(2026, 3, 1), date(2026, 3, 31)
    with Store(db) as store:
        cases = store.db.execute(
            "SELECT COUNT(*) FROM cases WHERE detention_date BETWEEN ? AND ?",
            [first.isoformat(), last.isoformat()],
        ).fetchone()[0]
        seconds, _ = _timed(lambda: export(store, load_template(), "pdf", out, date_from=first, date_to=last))
    size = out.stat().st_size
    out.unlink()
    return {
        "seconds": seconds,
        "cpu_s": CPU["s"],
        "cases": cases,
        "cases_per_s": cases / seconds,
        "cases_per_cpu_s": cases / CPU["s"],
        "size_mb": size / 1e6,
    }


def _rss_mb() -> float:
    """This process's resident set now, in MB (Linux ``/proc/self/statm``; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def step_pdf_all(db: Path) -> dict[str, Any]:
    """The PDF report of every case: time and memory, with the resident set sampled as it goes.

    The export's progress callback records the resident set at each tenth of
    the way, so the figures show whether memory grows with the number of
    cases drawn (it must not: the target is < 1 GB at any size).
    """
    from cctv_review.export import export
    from cctv_review.export.pdf_report import ensure_gui_application
    from cctv_review.store import Store
    from cctv_review.template import load_template

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    ensure_gui_application()
    out = WORK / "all.pdf"
    samples: list[tuple[float, float]] = []

    def progress(fraction: float, message: str) -> None:
        if not samples or fraction - samples[-1][0] >= 0.1:
            samples.append((round(fraction, 2), round(_rss_mb())))

    with Store(db) as store:
        cases = store.db.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        seconds, _ = _timed(lambda: export(store, load_template(), "pdf", out, progress=progress))
    size = out.stat().st_size
    out.unlink()
    return {
        "seconds": seconds,
        "cpu_s": CPU["s"],
        "cases": cases,
        "cases_per_s": cases / seconds,
        "cases_per_cpu_s": cases / CPU["s"],
        "size_mb": size / 1e6,
        "rss_mb_by_fraction": samples,
    }


STEPS = {
    "summary": step_summary,
    "window": step_window,
    "actions": step_actions,
    "xlsx": step_xlsx,
    "pdf": step_pdf,
    "pdf_all": step_pdf_all,  # not in the default run (about half an hour): --steps pdf_all
}
DEFAULT_STEPS = ("summary", "window", "actions", "xlsx", "pdf")


def run_step(name: str, db: Path) -> dict[str, Any]:
    """Run one step in a fresh Python process; its result with ``peak_rss_mb``."""
    proc = subprocess.run(
        [sys.executable, __file__, "--step", name, "--db", str(db)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "CCTV_BENCH_WORK": str(WORK),
        },
    )
    if proc.returncode != 0:
        return {
            "error": proc.stderr.strip().splitlines()[-1]
            if proc.stderr.strip()
            else f"exit {proc.returncode}",
            "stderr": proc.stderr[-3000:],
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _copy(db: Path) -> Path:
    import shutil

    copy = WORK / f"copy-{db.name}"
    copy.unlink(missing_ok=True)  # a fresh file: never write through a hard link into another copy
    shutil.copyfile(db, copy)
    return copy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 cases and 50,000 findings (a smoke test)")
    parser.add_argument(
        "--cases", type=int, help="cases in the big store (default 100,000; 5,000 with --quick)"
    )
    parser.add_argument("--steps", default=",".join(DEFAULT_STEPS), help="which steps, comma-separated")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:  # inside a step's own process
        result = STEPS[args.step](args.db)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return 0

    cases = args.cases or (5_000 if args.quick else 100_000)
    findings = cases * 10
    small_cases = min(1_000, cases)
    start = time.perf_counter()
    big = build_store(store_path(cases, findings), cases, findings)
    small = build_store(store_path(small_cases, small_cases * 10), small_cases, small_cases * 10)
    print(
        f"stores ready in {time.perf_counter() - start:.1f} s: {big.name} ({big.stat().st_size / 1e6:.0f} MB), {small.name}"
    )
    results: dict[str, Any] = {
        "cases": cases,
        "findings": findings,
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for name in args.steps.split(","):
        if name == "actions":  # on copies: the step adds findings and completes cases
            results["actions_small"] = run_step(name, _copy(small))
            print("actions_small", json.dumps(results["actions_small"]))
            if cases != small_cases:
                results["actions_big"] = run_step(name, _copy(big))
                print("actions_big", json.dumps(results["actions_big"]))
            continue
        results[name] = run_step(name, big)
        print(name, json.dumps(results[name]))
    figures = WORK / "store_bench.json"
    figures.unlink(missing_ok=True)  # a fresh file: never write through a hard link into another copy
    figures.write_text(json.dumps(results, indent=2))
    report(results)
    return 1 if any("error" in v for v in results.values() if isinstance(v, dict)) else 0


def report(results: dict[str, Any]) -> None:
    """The figures against the targets, as a table."""
    rows: list[tuple[str, str, str]] = []

    def add(label: str, value: str, target: str) -> None:
        rows.append((label, value, target))

    s = results.get("summary", {})
    if "best_s" in s:
        add(
            "summary (first / best of 3)",
            f"{s['first_s']:.2f} / {s['best_s']:.2f} s (CPU {s['best_cpu_s']:.2f} s), {s['peak_rss_mb']:.0f} MB",
            "< 0.5 s",
        )
    w = results.get("window", {})
    if "shown_s" in w:
        add(
            "main window shown, case list filled", f"{w['shown_s']:.2f} s, {w['peak_rss_mb']:.0f} MB", "< 2 s"
        )
        for key, label in (
            ("filter_status_s", "filter by status"),
            ("filter_cleared_s", "filter cleared"),
            ("search_s", "search by reference"),
            ("search_cleared_s", "search cleared"),
            ("sort_reference_s", "sort by reference"),
            ("sort_status_s", "sort by status"),
            ("scroll_to_end_s", "scroll to the end"),
        ):
            add(
                label,
                f"{1000 * w[key]:.0f} ms (CPU {1000 * w[key[:-2] + '_cpu_s']:.0f} ms)",
                "< 100 ms",
            )
    for key in ("actions_small", "actions_big"):
        a = results.get(key, {})
        if "cases" in a:
            at = f"at {a['cases']:,} cases"
            add(
                f"finding added {at}",
                f"{a['finding_statements']} statements, {a['finding_ms']:.0f} ms (CPU {a['finding_cpu_ms']:.0f} ms)",
                "<= 5 statements",
            )
            add(
                f"case completed {at}",
                f"{a['complete_statements']} statements, {a['complete_ms']:.0f} ms (CPU {a['complete_cpu_ms']:.0f} ms)",
                "< 20 ms",
            )
            add(
                f"case reopened {at}",
                f"{a['reopen_statements']} statements, {a['reopen_ms']:.1f} ms",
                "< 20 ms",
            )
            add(f"hidden summary recomputed {at}", str(a["summary_recomputed_while_hidden"]), "0")
    x = results.get("xlsx", {})
    if "seconds" in x:
        add(
            f"XLSX of all {x['cases']:,} cases",
            f"{x['seconds']:.1f} s (CPU {x['cpu_s']:.1f} s + reader {x.get('reader_cpu_s', 0):.1f} s), "
            f"{x['peak_rss_mb']:.0f} MB + reader {x.get('reader_peak_rss_mb', 0):.0f} MB, {x['size_mb']:.0f} MB file",
            "< 60 s, < 500 MB",
        )
    p = results.get("pdf", {})
    if "seconds" in p:
        add(
            f"PDF of one month ({p['cases']:,} cases)",
            f"{p['seconds']:.1f} s = {p['cases_per_s']:.0f} cases/s ({p['cases_per_cpu_s']:.0f} per CPU s), "
            f"{p['peak_rss_mb']:.0f} MB",
            ">= 50 cases/s, < 1 GB",
        )
    a = results.get("pdf_all", {})
    if "seconds" in a:
        peaks = ", ".join(f"{mb} MB at {fraction:.0%}" for fraction, mb in a["rss_mb_by_fraction"])
        add(
            f"PDF of every case ({a['cases']:,} cases, {a['size_mb']:.0f} MB)",
            f"{a['seconds']:.0f} s = {a['cases_per_s']:.0f} cases/s, peak {a['peak_rss_mb']:.0f} MB "
            f"(resident set on the way: {peaks})",
            "< 1 GB",
        )
    for name, value in results.items():
        if isinstance(value, dict) and "error" in value:
            add(name, "FAILED: " + value["error"], "")
    width = max(len(r[0]) for r in rows) if rows else 10
    print()
    print(f"{'measure'.ljust(width)}  result  (target)")
    for label, value, target in rows:
        print(f"{label.ljust(width)}  {value}  ({target})")


if __name__ == "__main__":
    sys.exit(main())
