"""The store benchmark runs end to end on a small store (a smoke test: no timing is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_store_benchmark_runs_every_step(tmp_path):
    env = {**os.environ, "CCTV_BENCH_WORK": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "store_bench.py"), "--quick", "--cases", "300"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads((tmp_path / "store_bench.json").read_text())
    assert figures["summary"]["completed"] > 100
    assert figures["window"]["rows"] == 300 and figures["window"]["filtered_rows"] < 300
    actions = figures["actions_small"]
    assert actions["cases"] == 300 and actions["summary_recomputed_while_hidden"] == 0
    assert actions["finding_statements"] > 0 and actions["complete_statements"] > 0
    assert figures["xlsx"]["cases"] == 300 and figures["pdf"]["cases"] > 0
    for step in ("summary", "window", "xlsx", "pdf"):
        assert figures[step]["peak_rss_mb"] > 10
    assert "main window shown" in result.stdout and "XLSX of all" in result.stdout
