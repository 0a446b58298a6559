"""Benchmark the exact frame index and the exact seek through it.

    python benchmarks/index_bench.py            # 10-minute 1080p25 H.264 and H.265, 2 s GOP
    python benchmarks/index_bench.py --quick    # 2-minute clips, 20 seeks
    python benchmarks/index_bench.py --clip my.mp4 [--clip other.dav]

The clips are made once with the ffmpeg CLI (the scene of
``benchmarks/video_bench.py``: a still 'cell' with sensor noise and a moving
figure; libx264 / libx265 ultrafast, -g 50) and cached under
benchmarks/_work/.  Measured in one run, for each clip:

1. the index pass (:func:`cctv_review.video.index.build_index`: one PyAV
   demux pass, no decoding) as a multiple of real time, and as a ratio to
   ``ffprobe -count_packets`` on the same file in the same run (ratio =
   ffprobe's time / the index's time, so >= 1 means at least as fast);
2. exact seek through the index, N random targets in random order
   (:class:`~cctv_review.video.reader.FrameReader`): accuracy against
   FFmpeg's own sequential decode (frame signatures), median and worst
   latency, against the time to decode one GOP (50 frames from a keyframe; median of 5 GOPs).

Targets (issue 9): index >= 1000x real time and >= 0.8x ffprobe's rate; seek
100% exact, median <= 0.2 GOP.  At the end the activity benchmark
(``benchmarks/activity_bench.py``, if present) runs on the same clips.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import av
import cv2
import numpy as np

from cctv_review.video import probe
from cctv_review.video._pyav import DECODE_THREADS
from cctv_review.video.index import build_index
from cctv_review.video.reader import FrameReader

WORK = ROOT / "benchmarks" / "_work"
CODECS = {
    "h264": ["-c:v", "libx264", "-preset", "ultrafast"],
    "hevc": ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
}


def make_clip(minutes: float, codec: str) -> Path:
    """The cached 1080p25 clip (2 s GOP) of ``minutes`` in ``codec`` (h264 or hevc)."""
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"bench_1080p25_gop50_{minutes:g}min{'' if codec == 'h264' else '_hevc'}.mp4"
    if out.exists() and out.stat().st_size > 0:
        return out
    graph = (
        "[0:v]trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/25/TB,noise=alls=6:allf=t[bg];"
        "[1:v]scale=240:360[fg];"
        "[bg][fg]overlay=x='200+mod(t*120,1400)':y=500:enable='lt(mod(t,60),10)',format=yuv420p[v]"
    )
    part = Path(str(out) + ".part.mp4")
    print(f"making {out.name} ({minutes:g} min of 1080p {codec}) ...", flush=True)
    t = time.monotonic()
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25",
         "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-filter_complex", graph, "-map", "[v]",
         "-t", str(int(minutes * 60)), *CODECS[codec], "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
         "-r", "25", *(["-tag:v", "hvc1"] if codec == "hevc" else []), str(part)],
        check=True,
    )  # fmt: skip
    part.rename(out)
    print(f"  made in {time.monotonic() - t:.0f} s", flush=True)
    return out


def ffprobe_packets_time(path: Path) -> tuple[float, int]:
    """(seconds, packets) for ``ffprobe -count_packets`` on the video stream."""
    t = time.monotonic()
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
         "stream=nb_read_packets", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return time.monotonic() - t, int(out.strip().split(",")[0])


def index_time(path: Path) -> tuple[float, int, float]:
    """(seconds, frames, duration s) of one index pass."""
    t = time.monotonic()
    ix = build_index(path)
    return time.monotonic() - t, ix.frame_count, ix.duration_ms / 1000


def signature(img: np.ndarray) -> np.ndarray:
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    return cv2.resize(gray, (64, 36), interpolation=cv2.INTER_AREA).astype(np.int16)


def seek_bench(path: Path, n: int, seed: int = 7) -> tuple[list[float], int, int, float]:
    """(latencies s, correct, asked, GOP decode s) for ``n`` random exact seeks."""
    info = probe(path)
    rng = random.Random(seed)
    targets = sorted(rng.sample(range(info.frame_count), min(n, info.frame_count)))
    want, ref = set(targets), {}
    with av.open(str(path)) as c:  # FFmpeg's own sequential decode: frame i is the i-th decoded
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        for i, fr in enumerate(c.decode(vs)):
            if i in want:
                ref[i] = signature(fr.to_ndarray(format="gray"))
            if i >= targets[-1]:
                break
    order = targets[:]
    rng.shuffle(order)
    lat, correct = [], 0
    with FrameReader(str(path), info, threads=DECODE_THREADS) as r:
        r.read_at_frame(0)
        for tg in order:
            t = time.monotonic()
            f = r.read_at_frame(tg)
            lat.append(time.monotonic() - t)
            d = np.abs(signature(f.image) - ref[tg]).mean()
            correct += int(f.index == tg and d < 2.0)
    return lat, correct, len(order), gop_decode_time(path, info)


def gop_decode_time(path: Path, info, samples: int = 5) -> float:
    """Seconds to decode one GOP (from a keyframe to the next, converting its last frame).

    The median over ``samples`` GOPs spread through the clip: one GOP alone is
    too noisy a yardstick on a shared machine.
    """
    ix = info.index
    keys = ix.keyframes
    gop = ix.gop_frames
    picks = (
        [int(keys[i * len(keys) // (samples + 1)]) for i in range(1, samples + 1)] if len(keys) > 2 else [0]
    )
    times = []
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        vs.thread_count = DECODE_THREADS
        for k0 in picks:
            c.seek(int(ix.seek_ts[k0]), stream=vs, backward=True)
            t = time.monotonic()
            for n, fr in enumerate(c.decode(vs), start=1):
                if n >= gop:
                    fr.to_ndarray(format="bgr24")
                    break
            times.append(time.monotonic() - t)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", action="append", help="use this clip (repeatable) instead of making them")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--quick", action="store_true", help="2-minute clips, 20 seeks")
    ap.add_argument("--seeks", type=int, default=None)
    ap.add_argument("--no-activity", action="store_true", help="skip benchmarks/activity_bench.py")
    args = ap.parse_args(argv)
    minutes = 2.0 if args.quick and args.minutes == 10.0 else args.minutes
    n_seeks = args.seeks or (20 if args.quick else 50)
    clips = [Path(c) for c in args.clip] if args.clip else [make_clip(minutes, c) for c in CODECS]
    rows = []
    for path in clips:
        # Warm the OS file cache once, then alternate the two passes (twice each).
        build_index(path)
        ff_t, idx_t = [], []
        for _ in range(2):
            t, packets = ffprobe_packets_time(path)
            ff_t.append(t)
            t, frames, dur_s = index_time(path)
            idx_t.append(t)
        ff, ix_t = min(ff_t), min(idx_t)
        name = path.name
        rows.append((f"{name}: index pass ({frames} frames, {dur_s:.0f} s)", f"{ix_t * 1000:.0f} ms",
                     f"{dur_s / ix_t:.0f}x real time; {ff / ix_t:.2f}x ffprobe's rate"))  # fmt: skip
        rows.append((f"{name}: ffprobe -count_packets ({packets} packets)", f"{ff * 1000:.0f} ms",
                     f"{dur_s / ff:.0f}x real time"))  # fmt: skip
        print(rows[-2:], flush=True)
        lat, ok, n, gop_t = seek_bench(path, n_seeks)
        med, worst = statistics.median(lat), max(lat)
        rows.append((f"{name}: decode one GOP from its keyframe (median of 5)", f"{gop_t * 1000:.0f} ms", ""))
        rows.append((f"{name}: exact seek, {n} random targets: median", f"{med * 1000:.0f} ms",
                     f"{med / gop_t:.2f} x GOP time"))  # fmt: skip
        rows.append(
            (f"{name}: exact seek: worst", f"{worst * 1000:.0f} ms", f"{worst / gop_t:.2f} x GOP time")
        )
        rows.append((f"{name}: exact seek: accuracy", f"{ok}/{n} ({100 * ok / n:.0f}%)", ""))
        print(rows[-4:], flush=True)
    print()
    print(
        f"Machine: {platform.platform()}, {platform.machine()}, {__import__('os').cpu_count()} cores "
        f"(shared with other work while measured); Python {platform.python_version()}; PyAV {av.__version__}; "
        f"decoder threads {DECODE_THREADS}; {time.strftime('%Y-%m-%d')}"
    )
    header = ("Measure", "Result", "Ratio")
    widths = [max(len(str(r[i])) for r in [*rows, header]) for i in range(3)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    if not args.no_activity:
        run_activity_bench(clips, args.quick)


def run_activity_bench(clips: list[Path], quick: bool) -> None:
    """Run video-activity's ``benchmarks/activity_bench.py`` on the same clips, if it exists."""
    try:
        import activity_bench  # type: ignore[import-not-found]
    except ImportError:
        print("\n(activity benchmark: benchmarks/activity_bench.py not present)")
        return
    print("\nActivity benchmark (benchmarks/activity_bench.py):", flush=True)
    runner = getattr(activity_bench, "run", None)
    if callable(runner):
        runner(clips, quick=quick)
    else:
        activity_bench.main(
            [*(a for c in clips for a in ("--clip", str(c))), *(["--quick"] if quick else [])]
        )


if __name__ == "__main__":
    main()
