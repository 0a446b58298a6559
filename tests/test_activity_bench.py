"""benchmarks/activity_bench.py runs end to end on a tiny clip and prints its table.

Speed is not asserted (benchmarks measure it, tests do not); recall and
precision on a clip with known movement are exact and are checked.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from activity_helpers import load_bench

ROOT = Path(__file__).resolve().parents[1]
bench = load_bench()

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg CLI makes the test clips")


def test_benchmark_runs_on_a_tiny_clip(tmp_path):
    g = bench.scene(320, 180, 25, 6, [(2, 4)], numbered=False)
    clip = bench.ffmpeg(["-f", "lavfi", "-i", g, *bench.H264, "-pix_fmt", "yuv420p"], tmp_path / "tiny.mp4")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "activity_bench.py"),
            "--clip",
            str(clip),
            "--moving",
            "2-4",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    row = next(line for line in out.stdout.splitlines() if line.startswith("| tiny.mp4"))
    assert re.search(r"\| 6 s \| 100% \| 100% \| \d+x \| \d+x \| [\d.]+x \| \d+ s \|$", row), row


def test_run_is_importable_for_the_index_benchmark():
    assert list(inspect.signature(bench.run).parameters)[:1] == ["quick"]
    assert bench.truth([(12, 16)]) == {12, 13, 14, 15, 16}
    assert bench.truth([(12, 15)], offset=50) == {62, 63, 64, 65}
