"""Audio/video offset of the main view's sound, measured at the sink, over minutes of playback.

    python benchmarks/audio_bench.py              # 10 minutes of clip at 1x, then 0.5x and 2x, seeks
    python benchmarks/audio_bench.py --minutes 2

The clip is made with the ffmpeg CLI (160x120 H.264 pictures; AAC sound that
is silent except for a 40 ms tone at the start of every second of clip time,
its pitch saying which second: 300 Hz + 100 Hz x (second mod 20)) and cached
under benchmarks/_work/.  The sound goes through the application's own code
path (:class:`cctv_review.video.audio.AudioFeeder`: decode, resample, atempo,
A/V clock) into a :class:`~cctv_review.video.audio.RecordingSink`, which
plays 48,000 samples per second of a *simulated* clock shared with the
pictures' :class:`~cctv_review.video.clock.PlaybackClock`, so 10 minutes run
in seconds and no sound card is needed.  For every tone heard, the benchmark
finds in the samples that reached the sink when it starts to be heard and
which second it marks, and compares with the video clock at that moment:

    offset = (clip time the tone marks) - (video clock when it is heard)

(positive: sound early).  Reported: the largest |offset| over the whole run,
the mean, the offsets in the first and last minute (a growing lag would show),
the largest right after each seek, and how many corrections (resyncs) the
feeder made.  The decoding is real, the pacing simulated (10 ms rounds, as
the feeder's thread runs them); the wall and CPU time of the run are printed
too (disturbed by other load on the machine).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cctv_review.video.audio import OUTPUT_RATE, AudioFeeder, RecordingSink
from cctv_review.video.clock import PlaybackClock

WORK = Path(__file__).resolve().parent / "_work"
#: The tone of second k: BASE_HZ + STEP_HZ * (k mod MARKS), TONE_S long, from k s.
BASE_HZ, STEP_HZ, MARKS, TONE_S = 300, 100, 20, 0.04


def tone_expression() -> str:
    """FFmpeg aevalsrc expression of the marker tones (commas escaped for the filter graph)."""
    hz = f"({BASE_HZ}+{STEP_HZ}*mod(floor(t)\\,{MARKS}))"
    return f"aevalsrc='if(lt(mod(t\\,1)\\,{TONE_S})\\,0.8*sin(2*PI*{hz}*t)\\,0)':s=44100"


def make_marked_clip(path: Path, seconds: int, audio_codec: str | None = "aac") -> Path:
    """A clip with numbered pictures' test pattern and (unless ``audio_codec`` is None) the marker tones."""
    if shutil.which("ffmpeg") is None:
        raise SystemExit("ffmpeg is needed to make the clip")
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25"]
    if audio_codec:
        cmd += ["-f", "lavfi", "-i", tone_expression()]
    cmd += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"]
    cmd += ["-c:a", audio_codec, "-b:a", "96k"] if audio_codec else []
    subprocess.run([*cmd, str(path)], check=True)
    return path


def tone_onsets(pcm: np.ndarray) -> list[tuple[int, int]]:
    """``(first sample, mark)`` of every tone in ``pcm`` (int16 ``(n, 2)``).

    The onset is the first sample above 30% of the loudest; the mark (second
    mod :data:`MARKS`) comes from the strongest frequency of the next 1024 samples.
    """
    x = np.abs(pcm[:, 0].astype(np.int32)) if pcm.size else np.zeros(0, np.int32)
    if x.size == 0 or x.max() == 0:
        return []
    found: list[tuple[int, int]] = []
    last = -(10**9)
    for i in np.flatnonzero(x > 0.3 * x.max()):
        if i - last > OUTPUT_RATE * 0.3:
            window = pcm[i : i + 1024, 0].astype(np.float64)
            if window.size == 1024:
                spectrum = np.abs(np.fft.rfft(window * np.hanning(1024)))
                hz = float(np.argmax(spectrum)) * OUTPUT_RATE / 1024
                found.append((int(i), round((hz - BASE_HZ) / STEP_HZ) % MARKS))
        last = i
    return found


@dataclass
class Simulation:
    """Pictures' clock, feeder and recording sink on one simulated time, in 10 ms rounds."""

    path: Path
    speed: float = 1.0
    start_ms: float = 0.0
    t: float = 0.0
    history: list[tuple[float, float, bool, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.clock = PlaybackClock(lambda: self.t)
        self.clock.set_speed(self.speed)
        self.clock.seek(self.start_ms)
        self.clock.start()
        self.sink = RecordingSink(time_fn=lambda: self.t)
        self.feeder = AudioFeeder(
            self.sink, lambda: (self.clock.running, self.clock.position_ms(), self.clock.speed)
        )
        self.feeder.open(self.path)

    def run(self, seconds: float, step: float = 0.01) -> None:
        end = self.t + seconds
        while self.t < end - 1e-9:
            self.history.append((self.t, self.clock.position_ms(), self.clock.running, self.clock.speed))
            self.feeder.pump()
            self.t = round(self.t + step, 6)

    def offsets(self) -> list[tuple[float, float, float]]:
        """``(wall s, clip ms the tone marks, offset ms)`` for every tone heard (see the module docstring)."""
        walls = np.array([h[0] for h in self.history])
        found = []
        for sample, mark in tone_onsets(self.sink.heard_pcm()):
            wall = self.sink.wall_of_sample(sample)
            if wall is None or wall > walls[-1]:
                continue
            i = int(np.searchsorted(walls, wall, side="right")) - 1
            _w, position, running, speed = self.history[i]
            if running:
                position += (wall - walls[i]) * 1000.0 * speed
            # The marked second nearest the clock: k with k mod MARKS == mark.
            k = round((position / 1000.0 - mark) / MARKS) * MARKS + mark
            found.append((wall, k * 1000.0, k * 1000.0 - position))
        return found


def run_benchmark(minutes: float) -> dict[str, float]:
    seconds = int(minutes * 60)
    clip = WORK / f"marked-{seconds}s.mp4"
    if not clip.exists():
        make_marked_clip(clip, seconds + 5)
    figures: dict[str, float] = {}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    # 1x from the start to the end, no seeks: drift over the whole clip.
    sim = Simulation(clip)
    sim.run(seconds)
    offsets = sim.offsets()
    values = np.array([o for _, _, o in offsets])
    figures["1x tones heard"] = len(offsets)
    figures["1x max |offset| ms"] = float(np.abs(values).max())
    figures["1x mean offset ms"] = float(values.mean())
    figures["1x first minute max |offset| ms"] = float(max(abs(o) for _, ms, o in offsets if ms < 60_000))
    figures["1x last minute max |offset| ms"] = float(
        max(abs(o) for _, ms, o in offsets if ms >= (seconds - 60) * 1000)
    )
    figures["1x resyncs"] = sim.feeder.resyncs
    # Seeks: 20 jumps across the clip, 3 s of playing after each.
    rng = np.random.default_rng(11)
    sim = Simulation(clip)
    after: list[float] = []
    for target in rng.uniform(0, (seconds - 5) * 1000.0, 20):
        sim.clock.seek(float(target))
        seek_wall = sim.t
        sim.run(3.0)
        heard = [o for wall, _, o in sim.offsets() if wall >= seek_wall]
        if heard:
            after.append(abs(heard[0]))
    figures["seeks"] = 20
    figures["after a seek: max |offset| ms (first tone heard)"] = max(after)
    for speed in (0.5, 2.0):
        sim = Simulation(clip, speed=speed, start_ms=1_500)
        sim.run(min(60.0, seconds / speed / 2))
        values = np.array([o for _, _, o in sim.offsets()])
        figures[f"{speed:g}x max |offset| ms"] = float(np.abs(values).max())
        figures[f"{speed:g}x resyncs"] = sim.feeder.resyncs
    figures["run wall s"] = time.perf_counter() - wall0
    figures["run CPU s"] = time.process_time() - cpu0
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="clip length (default 10)")
    args = parser.parse_args(argv)
    figures = run_benchmark(args.minutes)
    print(f"audio_bench: {args.minutes:g} minutes of clip, offsets measured at the sink (simulated time)")
    for name, value in figures.items():
        print(f"  {name}: {value:.1f}" if isinstance(value, float) else f"  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
