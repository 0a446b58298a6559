"""The benchmark script runs end to end (on a small clip) and prints its table.

Speed is not asserted here (benchmarks measure it, tests do not); this keeps
``benchmarks/video_bench.py`` from rotting and checks the figures it can
check exactly: exact-seek accuracy, and every measure present with a ratio.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("threads", [1, 2])
def test_benchmark_runs_on_a_small_clip(make_clip, threads):
    clip = make_clip("bench_small", "h264_gop50", 6, width=320, height=240)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "video_bench.py"),
            "--clip",
            str(clip),
            "--seeks",
            "6",
            "--threads",
            str(threads),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    text = out.stdout
    assert f"decoder threads {threads} (engine and ffmpeg)" in text
    table = text[text.index("| Measure") :]
    assert re.search(r"\| ffmpeg -f null decode-only \(limit\)\s+\| \d+ fps", table)
    for area, scale in (("1920x1080", "full"), ("960x540", "full"), ("530x300", "full")):
        # 320x240 frames are shown at or above their size in all three areas.
        assert re.search(
            rf"playback \(decode \+ QImage\), {area} area \({scale}-size frames\).*\| \d+ fps\s+\| \d+\.\d\d",
            table,
        ), area
    assert re.search(r"exact seek: accuracy\s+\| 6/6 \(100%\)", table)
    assert re.search(r"ffmpeg decode-only: CPU time per frame\s+\| \d+\.\d\d ms", table)
    for area in ("960x540", "1920x1080"):
        assert re.search(
            rf"16x playback, {area} area: CPU time per decoded frame \(all threads\)\s+\| "
            rf"\d+\.\d\d ms \(\d+ decoded, \d+ shown",
            table,
        ), area
