"""Benchmark the video engine against FFmpeg's decode-only limit.

    python benchmarks/video_bench.py            # 10-minute 1080p25 H.264, 2 s GOP
    python benchmarks/video_bench.py --quick    # 2-minute clip, fewer seeks
    python benchmarks/video_bench.py --minutes 20
    python benchmarks/video_bench.py --clip my.mp4

The clip is made once with the ffmpeg CLI (a mostly still 'cell' scene with
sensor noise and a moving figure for 10 s in every minute, libx264 ultrafast,
-g 50) and cached under benchmarks/_work/.  Measured in one run:

1. ffmpeg ``-f null`` decode-only frame rate with the engine's thread count
   (measured before and after the engine runs; ratios use the mean of the two);
2. the engine's playback decode-and-convert rate (Player, unpaced, frames
   delivered to on_frame as a display-ready QImage written by the decoder
   thread, exactly as the GUI's QtPlayer does: same ``alloc``/``prepare``
   hooks, display size set as the GUI sets it from its picture area) for a
   full-size 1920x1080 area and the workspace's typical 960x540 and 530x300
   areas (PyAV/FFmpeg, the only decoding path);
3. exact-seek latency, median and worst of N random targets, with accuracy
   checked against FFmpeg's own sequential decode (frame signatures);
4. activity-scan speed as a multiple of real time (auto/packets and pixels);
5. 16x playback (960x540 and 1920x1080 picture areas) for a fixed wall time:
   displayed-frame interval mean/stdev, lag (clock vs wall, and frame shown
   vs clock) at the end, and the CPU time (all threads) per decoded frame
   against ffmpeg's CPU time per frame decoding alone: what real playback,
   which converts only the frames it shows, costs on top of decoding.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import av
import cv2
import numpy as np

from cctv_review.video import probe
from cctv_review.video._pyav import DECODE_THREADS
from cctv_review.video.activity import scan_activity
from cctv_review.video.player import Player
from cctv_review.video.qt import display_qimage, qimage_alloc
from cctv_review.video.reader import FrameReader

#: Picture-area sizes (device pixels) for the playback rows: full HD, and the
#: workspace with the form beside the video (docs/workspace.png is ~530x300).
DISPLAY_SIZES = ((1920, 1080), (960, 540), (530, 300))
#: Picture areas for the 16x pacing runs: the workspace, and a maximised 1080p picture.
PACING_SIZES = ((960, 540), (1920, 1080))
#: Decoder threads for the engine and the ffmpeg reference (``--threads``).
THREADS = DECODE_THREADS


def gui_player(**kw) -> Player:
    """A Player with the GUI's (QtPlayer's) display hooks: QImage written by the decoder."""
    return Player(prepare=display_qimage, alloc=qimage_alloc, threads=THREADS, **kw)


WORK = ROOT / "benchmarks" / "_work"


def make_clip(minutes: float) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / f"bench_1080p25_gop50_{minutes:g}min.mp4"
    if out.exists() and out.stat().st_size > 0:
        return out
    secs = int(minutes * 60)
    # Still background (first frame of testsrc2, frozen) + temporal noise, and a
    # moving figure (a small testsrc2) during 10 s of every minute.
    graph = (
        "[0:v]trim=end_frame=1,loop=loop=-1:size=1:start=0,setpts=N/25/TB,"
        "noise=alls=6:allf=t[bg];"
        "[1:v]scale=240:360[fg];"
        "[bg][fg]overlay=x='200+mod(t*120,1400)':y=500:enable='lt(mod(t,60),10)',"
        "format=yuv420p[v]"
    )
    cmd = [
        "ffmpeg",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=1920x1080:rate=25",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25",
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-t",
        str(secs),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "50",
        "-keyint_min",
        "50",
        "-sc_threshold",
        "0",
        "-r",
        "25",
        str(out) + ".part.mp4",
    ]
    print(f"making {out.name} ({secs} s of 1080p) ...", flush=True)
    t = time.monotonic()
    subprocess.run(cmd, check=True)
    Path(str(out) + ".part.mp4").rename(out)
    print(f"  made in {time.monotonic() - t:.0f} s", flush=True)
    return out


def cpu_seconds(children: bool = False) -> float:
    """CPU seconds (user + system, all threads) used by this process or its finished children."""
    t = os.times()
    return t.children_user + t.children_system if children else t.user + t.system


def ffmpeg_decode_rate(path: Path, threads: int, frames: int, cpu: list | None = None) -> float:
    """Decode-only frames per second; appends CPU seconds per frame to ``cpu``."""
    c0 = cpu_seconds(children=True)
    t = time.monotonic()
    subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-threads",
            str(threads),
            "-i",
            str(path),
            "-frames:v",
            str(frames),
            "-f",
            "null",
            "-",
        ],
        check=True,
    )
    dt = time.monotonic() - t
    if cpu is not None:
        cpu.append((cpu_seconds(children=True) - c0) / frames)
    return frames / dt


def engine_playback_rate(path: Path, info, frames: int, backend: str | None = None, display=None) -> float:
    return _engine_playback_rate(path, info, frames, display)


def _engine_playback_rate(path: Path, info, frames: int, display) -> float:
    done = threading.Event()
    count = [0]

    def on_frame(f):
        count[0] += 1
        if count[0] >= frames:
            done.set()

    p = gui_player(on_frame=on_frame, on_end=done.set, paced=False)
    if display:
        p.set_display_size(*display)
    p.open(str(path), info=info)
    p.wait_opened()
    time.sleep(0.3)
    count[0] = 0
    t = time.monotonic()
    p.play()
    done.wait(600)
    dt = time.monotonic() - t
    n = count[0]
    p.close()
    return n / dt


def probe_scale(info, size) -> int:
    from cctv_review.video._display import scale_for

    return scale_for(info.width, info.height, size)


def signature(img: np.ndarray) -> np.ndarray:
    return cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (64, 36), interpolation=cv2.INTER_AREA).astype(
        np.int16
    )


def seek_bench(path: Path, info, n: int, seed: int = 7):
    rng = random.Random(seed)
    targets = sorted(rng.sample(range(info.frame_count), n))
    # Reference: sequential decode, keep signatures of the target frames.
    ref = {}
    want = set(targets)
    with av.open(str(path)) as c:  # FFmpeg's own sequential decode: frame i is the i-th decoded
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        for i, fr in enumerate(c.decode(vs)):
            if i in want:
                ref[i] = signature(fr.to_ndarray(format="bgr24"))
    order = targets[:]
    rng.shuffle(order)
    lat, correct = [], 0
    with FrameReader(str(path), info, threads=THREADS) as r:
        r.read_at_frame(0)
        for tg in order:
            t = time.monotonic()
            f = r.read_at_frame(tg)
            lat.append(time.monotonic() - t)
            d = np.abs(signature(f.image) - ref[tg]).mean()
            # nearest neighbour check: must match the target better than its neighbours
            correct += int(f.index == tg and d < 2.0)
    return lat, correct, len(order)


def gop_decode_time(path: Path, gop: int) -> float:
    """Seconds to decode and convert the first ``gop`` frames (one GOP) from the start."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        vs.thread_type = "AUTO"
        vs.thread_count = THREADS
        t = time.monotonic()
        for i, fr in enumerate(c.decode(vs)):
            fr.to_ndarray(format="bgr24")
            if i + 1 >= gop:
                break
        return time.monotonic() - t


def pacing_bench(path: Path, info, seconds: float, speed: float = 16.0, display=(960, 540)):
    # Stay clear of the end of the clip, where the clock rightly stops.
    seconds = min(seconds, 0.8 * info.duration_ms / 1000.0 / speed)
    shown = []
    p = gui_player(on_frame=lambda f: shown.append((time.monotonic(), f.position_ms)))
    p.set_display_size(*display)
    p.open(str(path), info=info)
    p.wait_opened()
    time.sleep(0.3)
    p.set_speed(speed)
    shown.clear()
    decoded0 = p.stats["decoded"]
    c0 = cpu_seconds()
    t0 = time.monotonic()
    p.play()
    time.sleep(seconds)
    wall = time.monotonic() - t0
    cpu = cpu_seconds() - c0
    decoded = p.stats["decoded"] - decoded0
    clock_ms = p.position_ms
    last_pos = shown[-1][1] if shown else 0
    p.close()
    times = [t for t, _ in shown[3:]]
    iv = [b - a for a, b in itertools.pairwise(times)]
    expect_ms = wall * 1000 * speed
    # Per-quarter displayed fps to show the rate is steady across the run.
    quarters = []
    for q in range(4):
        a, b = t0 + q * wall / 4, t0 + (q + 1) * wall / 4
        quarters.append(sum(1 for t, _ in shown if a <= t < b) / (wall / 4))
    return {
        "frames": len(shown),
        "fps": len(shown) / wall,
        "mean_ms": statistics.mean(iv) * 1000 if iv else 0.0,
        "stdev_ms": statistics.pstdev(iv) * 1000 if iv else 0.0,
        "clock_vs_wall_ms": clock_ms - expect_ms,
        "shown_behind_clock_ms": clock_ms - last_pos,
        "quarters": quarters,
        "decoded": decoded,
        "cpu_s": cpu,
        "cpu_per_decoded_ms": 1000 * cpu / max(1, decoded),
        "content_step_ms": statistics.median([b - a for (_, a), (_, b) in itertools.pairwise(shown)])
        if len(shown) > 2
        else 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", help="use this clip instead of making one")
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the generated clip")
    ap.add_argument("--quick", action="store_true", help="2-minute clip, 20 seeks, short runs")
    ap.add_argument("--seeks", type=int, default=None)
    ap.add_argument(
        "--threads",
        type=int,
        default=DECODE_THREADS,
        help=f"decoder threads for the engine and for ffmpeg (default {DECODE_THREADS})",
    )
    args = ap.parse_args()
    global THREADS
    THREADS = max(1, args.threads)
    minutes = 2.0 if args.quick and args.minutes == 10.0 else args.minutes
    n_seeks = args.seeks or (20 if args.quick else 50)
    path = Path(args.clip) if args.clip else make_clip(minutes)
    info = probe(path)
    threads = THREADS
    print(
        f"clip: {path.name}: {info.width}x{info.height} {info.fps:g} fps, {info.frame_count} frames, "
        f"{info.duration_ms / 1000:.0f} s, {info.codec}; decoder threads: {threads}",
        flush=True,
    )
    rows = []
    nframes = min(info.frame_count, 1500 if args.quick else 3000)

    default = "pyav"
    ff_cpu: list[float] = []
    ff1 = ffmpeg_decode_rate(path, threads, nframes, ff_cpu)
    print("ffmpeg (before)", f"{ff1:.0f} fps", flush=True)
    runs = [(default, size) for size in DISPLAY_SIZES]
    rates = {}
    for b, size in runs:
        rates[b, size] = engine_playback_rate(path, info, nframes, b, size)
        print(b, size, f"{rates[b, size]:.0f} fps", flush=True)
    ff2 = ffmpeg_decode_rate(path, threads, nframes, ff_cpu)
    ff = (ff1 + ff2) / 2
    rows.append(
        ("ffmpeg -f null decode-only (limit)", f"{ff:.0f} fps (before {ff1:.0f}, after {ff2:.0f})", "1.00")
    )
    names = {"pyav": "PyAV", "opencv": "OpenCV"}
    for b, size in runs:
        scale = {1: "full", 2: "half", 4: "quarter"}[probe_scale(info, size)]
        rows.append(
            (
                f"playback (decode + QImage), {size[0]}x{size[1]} area ({scale}-size frames), "
                f"{names[b]}{' [default]' if b == default else ''}",
                f"{rates[b, size]:.0f} fps",
                f"{rates[b, size] / ff:.2f}",
            )
        )
        print(rows[-1], flush=True)

    gop = 50
    gop_t = gop_decode_time(path, gop)
    lat, ok, n = seek_bench(path, info, n_seeks)
    med, worst = statistics.median(lat), max(lat)
    rows.append(("decode one 2 s GOP (50 frames, read)", f"{gop_t * 1000:.0f} ms", ""))
    rows.append(
        (
            f"exact seek ({names[default]} decoder), {n} random targets: median",
            f"{med * 1000:.0f} ms",
            f"{med / gop_t:.2f} x GOP time",
        )
    )
    rows.append(("exact seek: worst", f"{worst * 1000:.0f} ms", f"{worst / gop_t:.2f} x GOP time"))
    rows.append(("exact seek: accuracy", f"{ok}/{n} ({100 * ok / n:.0f}%)", ""))
    print(rows[-4:], flush=True)

    dur_s = info.duration_ms / 1000
    for method in ("auto", "pixels"):
        res = scan_activity(path, info=info, method=method)
        speed = dur_s / res.elapsed_s
        rows.append(
            (
                f"activity scan ({res.method}{', default' if method == 'auto' else ''})",
                f"{speed:.0f}x real time ({res.elapsed_s:.1f} s)",
                f"{speed * info.fps / ff:.2f} (content fps / limit)",
            )
        )
        print(rows[-1], flush=True)

    ff_cpu_ms = 1000 * statistics.mean(ff_cpu)
    rows.append(("ffmpeg decode-only: CPU time per frame", f"{ff_cpu_ms:.2f} ms", ""))
    for size in PACING_SIZES:
        pace = pacing_bench(path, info, 8.0 if args.quick else 20.0, display=size)
        area = f"{size[0]}x{size[1]} area"
        rows.append(
            (
                f"16x playback, {area}: frames shown per second",
                f"{pace['fps']:.1f} fps (quarters {', '.join(f'{q:.1f}' for q in pace['quarters'])})",
                f"{pace['fps'] * pace['content_step_ms'] / 40 / ff:.2f} (content fps / limit)",
            )
        )
        rows.append(
            (
                f"16x playback, {area}: displayed-frame interval",
                f"mean {pace['mean_ms']:.1f} ms, stdev {pace['stdev_ms']:.1f} ms",
                "",
            )
        )
        rows.append(
            (
                f"16x playback, {area}: content step between shown frames",
                f"{pace['content_step_ms']:.0f} ms (median)",
                "",
            )
        )
        rows.append(
            (
                f"16x playback, {area}: lag at end",
                f"clock vs wall {pace['clock_vs_wall_ms']:+.0f} ms; "
                f"shown frame behind clock {pace['shown_behind_clock_ms']:.0f} ms",
                "",
            )
        )
        rows.append(
            (
                f"16x playback, {area}: CPU time per decoded frame (all threads)",
                f"{pace['cpu_per_decoded_ms']:.2f} ms ({pace['decoded']} decoded, "
                f"{pace['frames']} shown, {pace['cpu_s'] / (pace['frames'] / pace['fps']):.2f} cores busy)",
                f"{ff_cpu_ms / pace['cpu_per_decoded_ms']:.2f} (ffmpeg CPU / engine CPU per frame)",
            )
        )
        print(rows[-5:], flush=True)

    print()
    header = ("Measure", "Result", "Ratio to ffmpeg limit")
    widths = [max(len(str(r[i])) for r in [*rows, header]) for i in range(3)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)) + " |"
    print(
        f"Machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{__import__('os').cpu_count()} cores; Python {platform.python_version()}, "
        f"OpenCV {cv2.__version__}; PyAV {_pyav_version()}; default decoder {default}; "
        f"decoder threads {threads} (engine and ffmpeg); "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print(line)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=False)) + " |")


def _pyav_version() -> str:
    try:
        import av
    except Exception:
        return "not installed"
    return f"{av.__version__} (FFmpeg {'.'.join(map(str, av.library_versions['libavcodec']))} libavcodec)"


if __name__ == "__main__":
    main()
