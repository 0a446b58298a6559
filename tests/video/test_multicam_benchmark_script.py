"""benchmarks/multicam_bench.py runs end to end on a small clip and prints every figure.

Speed is not asserted (the benchmark measures it); this keeps the script from
rotting and checks its table has every row and measure.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_multicam_benchmark_runs_on_a_small_clip(make_clip):
    clip = make_clip("multicam_small", "h264_gop50", 8, width=320, height=240)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    args = ["--clip", str(clip), "--seconds", "1.5", "--fast-wall", "0.3"]
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "multicam_bench.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    titles = (
        "2x2 at 1x",
        "2x2 at 16x",
        "single camera at 1x",
        "single camera at 16x",
        "2x2 in reverse at -16x",
    )
    for title in titles:
        assert f"\n{title}:" in text
    assert text.count("CPU time per second") == len(titles)
    assert "intervals of the frames shown" in text
    assert "largest spread between the tiles' frames" in text
    assert "ffmpeg decode-only" in text
