"""Benchmark side-by-side playback: 2x2 tiles of 1080p25 H.264 under one recorded-time clock.

    python benchmarks/multicam_bench.py              # 60 s at 1x, then 16x; and a single camera
    python benchmarks/multicam_bench.py --quick      # 10 s at 1x, 4 s of wall time at 16x
    python benchmarks/multicam_bench.py --clip my.mp4 --seconds 30

The clip is the one ``benchmarks/video_bench.py`` makes and caches under
``benchmarks/_work/`` (1080p25 H.264, libx264 ultrafast, 2 s GOP: ``-g 50``,
10 minutes, a mostly still cell scene with sensor noise and a moving figure).
The four tiles are four cameras whose files start at different recorded
times (0, 13, 507 and 1027 ms after the first), so their frames are not in
phase: each tile must find its own frame for the clock.

The engine is run as the GUI runs it (:class:`~cctv_review.video.track_player.SyncPlayer`
with the Qt adapter's ``prepare``/``alloc`` hooks: display QImages written by
the decoder threads; each tile's picture area 960x540, a 2x2 grid in a 1080p
window; the single camera in a 1920x1080 area).  Measured in one run:

* **frames shown per second per tile** (frames handed to the GUI / wall seconds);
* **sync error**, measured from the frames' own timestamps (recorded time of
  the frame on screen), sampled every 5 ms of wall time: for each tile, how far
  the frame on screen is from the right frame for the clock (the latest at or
  before it), in frame intervals of the file (0 = right; at 16x also in
  intervals of the frames actually shown), and the largest difference between
  the tiles' frames at the same instant;
* **lag over the run**: the mean distance (clock minus frame time) in the
  first and the last third of the run (no growth = no drift);
* **evenness at 16x**: mean and standard deviation of the recorded-time step
  between consecutive shown frames;
* the same for the 2x2 in **reverse shuttle at -16x** (from near the clip's end);
* **CPU time per second** (all threads of this process, user + system);
* for reference, FFmpeg's own decode-only rate of the clip (``ffmpeg -f null``,
  the engine's thread count) just before and after the runs: 2x2 at 1x needs
  100 frames/s decoded, so this says what the machine could give at the time.

Timing figures depend on the machine and its load; compare them with the
single-camera figures of the same run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import itertools

from cctv_review.video.index import build_index
from cctv_review.video.qt import display_qimage, qimage_alloc
from cctv_review.video.track_player import SyncPlayer, camera_tracks, epoch_ms

T0 = datetime(2026, 3, 14, 22, 40, 0, tzinfo=timezone.utc)
#: Recorded starts of the four cameras' files (ms after T0): frames out of phase.
OFFSETS_MS = (0, 13, 507, 1027)
TILE_AREA = (960, 540)
SINGLE_AREA = (1920, 1080)


def ffmpeg_rate(path: Path, seconds: float = 10.0) -> float:
    """FFmpeg's decode-only frames/s for the first ``seconds`` of ``path`` (wall clock)."""
    from cctv_review.video._pyav import DECODE_THREADS

    t = time.monotonic()
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-threads", str(DECODE_THREADS), "-i", str(path), "-t", str(seconds),
         "-f", "null", "-"],
        check=True,
    )  # fmt: skip
    return seconds * 25 / (time.monotonic() - t)


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class Run:
    """One timed run: frames handed over, and a sampler of what every tile shows against the clock."""

    def __init__(self, player: SyncPlayer, tiles: int, frame_ms: float) -> None:
        self.player = player
        self.tiles = tiles
        self.frame_ms = frame_ms
        self.lock = threading.Lock()
        self.frames: list[list[float]] = [[] for _ in range(tiles)]  # recorded time of each frame shown
        self.samples: list[
            tuple[float, float, list[float | None]]
        ] = []  # wall, clock, each tile's frame time
        self.stop = False

    def on_frame(self, tile: int, shown) -> None:
        with self.lock:
            self.frames[tile].append(shown.at_ms)

    def sample(self) -> None:
        p = self.player
        while not self.stop:
            with p._cv:  # one consistent instant: the clock and every tile's frame
                clock = p.clock.position_ms()
                shown = [p._tiles[i].shown for i in range(self.tiles)]
            self.samples.append((time.monotonic(), clock, [s.at_ms if s else None for s in shown]))
            time.sleep(0.005)


def measure(tracks, speed: float, start_ms: float, wall_s: float, area: tuple[int, int]) -> dict:
    frame_ms = 1000.0 / tracks[0].clips[next(iter(tracks[0].clips))].index.fps
    run: Run
    player = SyncPlayer(
        on_frame=lambda tile, shown: run.on_frame(tile, shown), prepare=display_qimage, alloc=qimage_alloc
    )
    run = Run(player, len(tracks), frame_ms)
    player.set_tiles(list(tracks))
    for i in range(len(tracks)):
        player.set_display_size(i, *area)
    player.set_speed(speed)
    player.seek(start_ms)
    deadline = time.monotonic() + 20
    while any(player.shown(i) is None for i in range(len(tracks))) and time.monotonic() < deadline:
        time.sleep(0.01)
    for frames in run.frames:
        frames.clear()
    sampler = threading.Thread(target=run.sample, daemon=True)
    cpu0, wall0 = cpu_seconds(), time.monotonic()
    player.play()
    sampler.start()
    time.sleep(wall_s)
    run.stop = True
    sampler.join()
    wall = time.monotonic() - wall0
    cpu = cpu_seconds() - cpu0
    recorded_s = (player.position_ms - start_ms) / 1000.0
    player.close()
    return summarise(run, wall, cpu, recorded_s, speed)


def summarise(run: Run, wall: float, cpu: float, recorded_s: float, speed: float) -> dict:
    fm = run.frame_ms
    per_tile = []
    for i in range(run.tiles):
        shown = run.frames[i]
        steps = [b - a for a, b in itertools.pairwise(shown)]
        interval = abs(statistics.median(steps)) if steps else fm  # (negative steps in reverse)
        errs, errs_shown, lags = [], [], []
        for _w, clock, ats in run.samples:
            at = ats[i]
            if at is None:
                continue
            d = clock - at  # right frame: 0 <= d < one interval
            errs.append(max(0.0, d - fm) / fm if d >= 0 else -d / fm)
            errs_shown.append(max(0.0, d - interval) / interval if d >= 0 else -d / interval)
            lags.append(d)
        third = max(1, len(lags) // 3)
        per_tile.append(
            {
                "fps": len(shown) / wall,
                "max_err_frames": max(errs, default=0.0),
                "p99_err_frames": sorted(errs)[int(0.99 * (len(errs) - 1))] if errs else 0.0,
                "max_err_shown": max(errs_shown, default=0.0),
                "step_mean_ms": statistics.mean(steps) if steps else 0.0,
                "step_sd_ms": statistics.pstdev(steps) if len(steps) > 1 else 0.0,
                "lag_first_ms": statistics.mean(lags[:third]) if lags else 0.0,
                "lag_last_ms": statistics.mean(lags[-third:]) if lags else 0.0,
            }
        )
    spread = 0.0
    for _w, _clock, ats in run.samples:
        got = [a for a in ats if a is not None]
        if len(got) > 1:
            spread = max(spread, (max(got) - min(got)) / fm)
    shown_interval = max((abs(t["step_mean_ms"]) for t in per_tile), default=fm) or fm
    return {
        "speed": speed,
        "wall_s": wall,
        "recorded_s": recorded_s,
        "cpu_per_s": cpu / wall,
        "tiles": per_tile,
        "spread_frames": spread,
        "spread_shown": spread * fm / shown_interval,
        "samples": len(run.samples),
    }


def show(title: str, r: dict) -> None:
    print(f"\n{title}: {r['wall_s']:.1f} s wall, {r['recorded_s']:.1f} s recorded, {r['samples']} samples")
    print(f"  CPU time per second: {r['cpu_per_s']:.2f} s (all threads)")
    print(
        "  tile  frames/s  sync err max (p99) frames  err in shown intervals  step ms mean/sd  lag first→last ms"
    )
    for i, t in enumerate(r["tiles"]):
        print(
            f"  {i:>4}  {t['fps']:8.1f}  {t['max_err_frames']:11.2f} ({t['p99_err_frames']:.2f})"
            f"  {t['max_err_shown']:22.2f}  {t['step_mean_ms']:7.0f}/{t['step_sd_ms']:<6.0f}"
            f"  {t['lag_first_ms']:7.1f} → {t['lag_last_ms']:.1f}"
        )
    if len(r["tiles"]) > 1:
        print(
            f"  largest spread between the tiles' frames at one instant: {r['spread_frames']:.2f} frames"
            f" = {r['spread_shown']:.2f} intervals of the frames shown"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clip", help="use this clip (default: video_bench.py's 10-minute 1080p25 clip)")
    ap.add_argument("--seconds", type=float, default=60.0, help="recorded seconds at 1x")
    ap.add_argument("--fast-wall", type=float, default=10.0, help="wall seconds at 16x")
    ap.add_argument("--quick", action="store_true", help="10 s at 1x, 4 s of wall time at 16x")
    args = ap.parse_args()
    if args.quick:
        args.seconds, args.fast_wall = 10.0, 4.0
    if args.clip:
        clip_path = Path(args.clip)
    else:
        import video_bench

        clip_path = video_bench.make_clip(10.0)
    t = time.monotonic()
    index = build_index(clip_path)
    print(
        f"clip {clip_path.name}: {index.stream.width}x{index.stream.height}, {index.fps:g} fps, "
        f"GOP {index.gop_frames} frames, {index.duration_ms / 1000:.0f} s (indexed in {time.monotonic() - t:.1f} s)"
    )
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    clips = [
        SimpleNamespace(
            id=i + 1,
            path=str(clip_path),
            camera=f"Camera {i + 1}",
            recorded_start=T0 + timedelta(milliseconds=off),
            clock_offset_ms=0,
        )
        for i, off in enumerate(OFFSETS_MS)
    ]
    tracks = camera_tracks(clips, lambda _c: index, timezone.utc)
    start = epoch_ms(T0) + 2000.0
    fast_start = start + args.seconds * 1000.0
    # reverse from near the clip's end, so -16x runs the whole time
    back_start = epoch_ms(T0) + index.duration_ms - 1000.0
    before = ffmpeg_rate(clip_path)
    results = {
        "2x2 at 1x": measure(tracks, 1.0, start, args.seconds, TILE_AREA),
        "2x2 at 16x": measure(tracks, 16.0, fast_start, args.fast_wall, TILE_AREA),
        "single camera at 1x": measure(tracks[:1], 1.0, start, min(args.seconds, 20.0), SINGLE_AREA),
        "single camera at 16x": measure(tracks[:1], 16.0, fast_start, args.fast_wall, SINGLE_AREA),
        "2x2 in reverse at -16x": measure(tracks, -16.0, back_start, args.fast_wall, TILE_AREA),
    }
    after = ffmpeg_rate(clip_path)
    print(f"\nffmpeg decode-only (same clip, same threads): {before:.0f} frames/s before, {after:.0f} after "
          f"(2x2 at 1x needs {4 * 25} frames/s; one camera {25})")  # fmt: skip
    for title, r in results.items():
        show(title, r)


if __name__ == "__main__":
    main()
