"""benchmarks/index_bench.py runs end to end on a small clip and prints its table.

Speed is not asserted (benchmarks measure, tests do not); exact-seek accuracy is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_index_benchmark_runs_on_a_small_clip(make_clip):
    clip = make_clip("index_bench_small", "h264_gop50", 6, width=320, height=240)
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "index_bench.py"), "--clip", str(clip), "--seeks", "8",
         "--no-activity"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    table = out.stdout[out.stdout.index("| Measure") :]
    assert re.search(
        r"index pass \(150 frames, 6 s\)\s+\| \d+ ms\s+\| \d+x real time; \d+\.\d\dx ffprobe", table
    )
    assert re.search(r"ffprobe -count_packets \(150 packets\)", table)
    assert re.search(r"exact seek: accuracy\s+\| 8/8 \(100%\)", table)
    assert re.search(r"exact seek, 8 random targets: median\s+\| \d+ ms\s+\| \d+\.\d\d x GOP time", table)
