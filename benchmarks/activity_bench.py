"""Benchmark the activity finder: recall, precision and speed on clips with known movement.

    python benchmarks/activity_bench.py            # field cases, demo clips, 5-minute 1080p H.264, HEVC, night CBR
    python benchmarks/activity_bench.py --quick    # the same kinds, shorter 1080p/HEVC clips
    python benchmarks/activity_bench.py --clip my.mp4 [--moving 12-16,40-45]

Every clip is made once with the ffmpeg CLI and cached under
``benchmarks/_work/activity/``.  The scenes are the field cases' lavfi
``scene()`` graph (``../shared/field-cases/common.sh``): still SMPTE bars with
light sensor noise, a yellow "person" box (1/6 x 1/3 of the picture) that
moves at a quarter of the width a second while it is shown, the frame number
as a 16-bit barcode in the top 40 rows and as text.  Two changes make it
cheap enough to generate at 1080p: the barcode is drawn with 16 ``drawbox``
filters instead of ``geq`` (white is Y=235 instead of 255), and several moving
stretches are allowed.  The kinds:

* ``fc17-vbr`` / ``fc17-cbr``: field case 17 (720p, 30 s, moving 12-16, CRF 23
  and 1 Mbit/s CBR with ``nal-hrd=cbr``);
* ``fc07-gaps``: field case 07 (motion-triggered: 10 s, a 50 s gap, 10 s;
  moving in recorded seconds 62-65);
* ``fc14-clock``: field case 14 (burned-in ticking date-time, moving 4-7);
* ``fc10-d1``: field case 10 (interlaced PAL D1, SAR 12:11, moving 4-7);
* ``demo-*``: the demo's MJPEG clips (``cctv_review.demo``), moving stretches as listed there;
* ``1080p-h264``: 1080p25 H.264, 2 s GOP, a 6-second movement every minute;
* ``hevc``: the same scene in H.265 (x265);
* ``night-cbr``: a dim, very noisy (``noise=alls=24``) 720p scene at 512 kbit/s
  CBR with a dark grey box: low contrast, heavy sensor noise, breathing quality.

The truth for a box shown during ``[a, b]`` seconds is seconds ``a..b``: it
appears at ``a`` and is gone one frame after ``b``, which is a change in second
``b``.  A second is found active when its score reaches the normal
sensitivity threshold.  Recall = found moving seconds / moving seconds;
precision = found moving seconds / found seconds; speed = clip duration /
wall time of :func:`~cctv_review.video.activity.scan_activity` (also per
CPU second of this process), and, measured just before on the same clip, how
many times faster the scan is than ``ffmpeg -f null`` decoding every frame
once (a ratio that a busy machine disturbs less than the speed itself).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cctv_review.video.activity import DEFAULT_SENSITIVITY, scan_activity, score_threshold

WORK = ROOT / "benchmarks" / "_work" / "activity"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _font() -> str:
    """drawtext's font option (Debian's DejaVu when present, else fontconfig's default)."""
    return f"fontfile={FONT}" if Path(FONT).exists() else "font=Sans"


def barcode(width: int) -> str:
    """The field cases' 16-bit frame-number barcode in the top 40 rows, drawn with drawbox (cheap)."""
    block = width // 16
    boxes = ["drawbox=x=0:y=0:w=iw:h=40:color=black:t=fill"]
    for k in range(16):
        boxes.append(
            f"drawbox=x={k * block}:y=0:w={block}:h=40:color=white:t=fill:"
            f"enable='eq(mod(floor(n/{2 ** (15 - k)}),2),1)'"
        )
    return ",".join(boxes)


def scene(
    width: int,
    height: int,
    fps: int,
    seconds: float,
    moves: Sequence[tuple[float, float]] = ((4, 7),),
    *,
    noise: int = 4,
    box_colour: str = "yellow",
    dim: bool = False,
    numbered: bool = True,
) -> str:
    """A lavfi graph (for ``-f lavfi -i``): the field cases' ``scene()`` with several moving stretches."""
    enable = "+".join(f"between(t,{a},{b})" for a, b in moves) or "0"
    g = (
        f"smptebars=size={width}x{height}:rate={fps}:duration={seconds}[bg];"
        f"color=c={box_colour}:size={width // 6}x{height // 3}:rate={fps}[box];"
        f"[bg][box]overlay=shortest=1:x='mod(t*W/4,W-w)':y='H/2':enable='{enable}'"
    )
    if dim:
        g += ",eq=brightness=-0.25:contrast=0.45"
    g += f",format=yuv420p,noise=alls={noise}:allf=t"
    if numbered:
        g += (
            f",{barcode(width)},drawtext={_font()}:text='%{{frame_num}}':x=10:y=48:fontsize=28:"
            "fontcolor=white:box=1:boxcolor=black"
        )
    return g


#: The burned-in recorder date-time of field case 14 (bottom right, ticking every second).
OSD = (
    "drawtext={font}:text='%{{pts\\:gmtime\\:1773528065\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}}':"
    "x=w-tw-10:y=h-40:fontsize=24:fontcolor=white"
)

H264 = ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]
HEVC = ["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=50:min-keyint=50:log-level=error"]
VBR = ["-pix_fmt", "yuv420p", "-crf", "23"]
CBR_1M = ["-pix_fmt", "yuv420p", "-b:v", "1M", "-minrate", "1M", "-maxrate", "1M", "-bufsize", "1M"]
CBR_1M += ["-x264-params", "nal-hrd=cbr"]
CBR_512K = ["-pix_fmt", "yuv420p", "-b:v", "512k", "-minrate", "512k", "-maxrate", "512k", "-bufsize", "512k"]
CBR_512K += ["-x264-params", "nal-hrd=cbr"]


def ffmpeg(args: Sequence[str], out: Path) -> Path:
    """Run the ffmpeg CLI to make ``out`` (atomically: a .part file renamed at the end)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("the ffmpeg CLI is needed to make the benchmark clips")
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.stem + ".part" + out.suffix)
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args, str(part)], check=True)
    part.replace(out)
    return out


def truth(moves: Sequence[tuple[float, float]], offset: float = 0.0) -> set[int]:
    """Moving seconds of a box shown during each ``[a, b]`` (seconds ``a..b``, shifted by ``offset``)."""
    return {int(s + offset) for a, b in moves for s in range(int(a), int(b) + 1)}


@dataclass
class Clip:
    name: str
    kind: str
    path: Path
    moving: set[int]


def make_fc17(folder: Path, cbr: bool, seconds: int = 30) -> Clip:
    name = "fc17-cbr" if cbr else "fc17-vbr"
    out = folder / f"{name}.mp4"
    if not out.exists():
        ffmpeg(
            [
                "-f",
                "lavfi",
                "-i",
                scene(1280, 720, 25, seconds, [(12, 16)]),
                *H264,
                *(CBR_1M if cbr else VBR),
            ],
            out,
        )
    return Clip(name, "720p H.264 " + ("1 Mbit/s CBR" if cbr else "CRF 23"), out, truth([(12, 16)]))


def make_fc07(folder: Path) -> Clip:
    out = folder / "fc07-gaps.mp4"
    if not out.exists():
        g = scene(704, 576, 25, 20, [(12, 15)]) + ",settb=1/1000,setpts='N*40+gte(N\\,250)*50000'"
        args = ["-f", "lavfi", "-i", g, "-fps_mode", "passthrough", *H264, "-pix_fmt", "yuv420p"]
        ffmpeg([*args, "-video_track_timescale", "1000"], out)
    return Clip("fc07-gaps", "D1 H.264, 10 s + 50 s gap + 10 s", out, truth([(12, 15)], offset=50))


def make_fc14(folder: Path, seconds: int = 12) -> Clip:
    out = folder / "fc14-clock.mp4"
    if not out.exists():
        g = scene(704, 576, 25, seconds, [(4, 7)]) + "," + OSD.format(font=_font())
        ffmpeg(["-f", "lavfi", "-i", g, *H264, "-pix_fmt", "yuv420p"], out)
    return Clip("fc14-clock", "D1 H.264, ticking date-time", out, truth([(4, 7)]))


def make_fc10(folder: Path, seconds: int = 12) -> Clip:
    out = folder / "fc10-d1.mp4"
    if not out.exists():
        g = scene(704, 576, 50, seconds, [(4, 7)], numbered=False)
        g += ",tinterlace=mode=interleave_top,setsar=12/11"
        g += f",format=yuv420p,{barcode(704)}"
        args = ["-f", "lavfi", "-i", g, *H264, "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme"]
        ffmpeg([*args, "-x264-params", "tff=1", "-aspect", "4:3"], out)
    return Clip("fc10-d1", "PAL D1 interlaced, SAR 12:11", out, truth([(4, 7)]))


def make_scene(
    folder: Path,
    name: str,
    kind: str,
    size: tuple[int, int],
    seconds: int,
    moves: Sequence[tuple[float, float]],
    codec_args: Sequence[str],
    **scene_kw: Any,
) -> Clip:
    out = folder / f"{name}.mp4"
    if not out.exists():
        g = scene(size[0], size[1], 25, seconds, moves, **scene_kw)
        ffmpeg(["-f", "lavfi", "-i", g, *codec_args], out)
    return Clip(name, kind, out, truth(moves))


def make_demo(folder: Path) -> list[Clip]:
    """The demo's clips (``cctv_review.demo``), made by its own code."""
    from cctv_review import demo

    clips = []
    for _ref, _suite, _date, _flags, specs in demo.CASES:
        for camera, stem, start, seconds, moving, kind in specs:
            out = folder / f"demo-{stem}.avi"
            if not out.exists():
                demo.make_clip(out, camera, start, seconds, moving, kind)
            clips.append(Clip(f"demo-{stem}", "demo MJPEG 640x360 10 fps", out, truth(moving)))
    return clips


def clips(quick: bool, folder: Path = WORK) -> list[Clip]:
    """Make (or reuse) every benchmark clip."""
    minutes = 1 if quick else 5
    hd_moves = [(20 + 60 * k, 25 + 60 * k) for k in range(minutes)]
    hevc_s = 20 if quick else 60
    return [
        make_fc17(folder, cbr=False),
        make_fc17(folder, cbr=True),
        make_fc07(folder),
        make_fc14(folder),
        make_fc10(folder),
        *make_demo(folder),
        make_scene(
            folder,
            f"1080p-h264-{minutes}min",
            f"1080p25 H.264 CRF 23, 2 s GOP, {minutes} min",
            (1920, 1080),
            60 * minutes,
            hd_moves,
            [*H264, *VBR],
        ),
        make_scene(
            folder,
            f"hevc-720p-{hevc_s}s",
            "720p H.265 (x265), 2 s GOP",
            (1280, 720),
            hevc_s,
            [(5, 9)],
            [*HEVC, "-pix_fmt", "yuv420p", "-crf", "28", "-tag:v", "hvc1"],
        ),
        make_scene(
            folder,
            "night-cbr",
            "720p dim, heavy noise, 512 kbit/s CBR, grey box",
            (1280, 720),
            30,
            [(8, 11), (20, 23)],
            [*H264, *CBR_512K],
            noise=24,
            box_colour="0x707070",
            dim=True,
        ),
    ]


def ffmpeg_decode(path: Path | str, threads: int | None = None) -> tuple[float, float]:
    """The reference: ``ffmpeg -f null`` decoding every frame of ``path`` once: (wall s, CPU s)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        return (float("nan"), float("nan"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    args = [exe, "-hide_banner", "-loglevel", "error", "-threads", str(threads or 0), "-i", str(path)]
    subprocess.run([*args, "-map", "0:v:0", "-f", "null", "-"], check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def evaluate(
    path: Path | str,
    moving: set[int] | None,
    *,
    name: str | None = None,
    kind: str = "",
    sensitivity: float = DEFAULT_SENSITIVITY,
    threads: int | None = None,
    reference: bool = True,
) -> dict[str, Any]:
    """Scan one clip and measure it: a dict with recall/precision (None without truth) and speed.

    Keys: name, kind, duration_s, moving (sorted seconds), found (sorted
    seconds), recall, precision, wall_s, cpu_s, speed_x (duration / wall),
    cpu_speed_x, refined_s, decoded_frames, auto_masks, and with
    ``reference`` ffmpeg_wall_s / ffmpeg_cpu_s (``ffmpeg -f null`` decoding
    the whole clip, measured just before) and vs_ffmpeg (ffmpeg's wall time /
    the scan's: how many times faster than decoding the clip once).
    """
    ref_wall, ref_cpu = ffmpeg_decode(path, threads) if reference else (float("nan"), float("nan"))
    c0 = time.process_time()
    t0 = time.perf_counter()
    result = scan_activity(path, threads=threads)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    thr = score_threshold(sensitivity)
    found = {i for i, s in enumerate(result.scores) if s >= thr}
    duration_s = result.duration_ms / 1000.0
    row: dict[str, Any] = {
        "name": name or Path(path).name,
        "kind": kind,
        "duration_s": duration_s,
        "found": sorted(found),
        "moving": sorted(moving) if moving is not None else None,
        "recall": None,
        "precision": None,
        "wall_s": wall,
        "cpu_s": cpu,
        "speed_x": duration_s / wall if wall > 0 else float("inf"),
        "cpu_speed_x": duration_s / cpu if cpu > 0 else float("inf"),
        "refined_s": result.refined_ms / 1000.0,
        "decoded_frames": result.decoded_frames,
        "auto_masks": len(result.auto_masks),
        "ffmpeg_wall_s": ref_wall,
        "ffmpeg_cpu_s": ref_cpu,
        "vs_ffmpeg": ref_wall / wall if wall > 0 else float("inf"),
    }
    if moving is not None:
        hits = len(found & moving)
        row["recall"] = hits / len(moving) if moving else 1.0
        row["precision"] = hits / len(found) if found else (1.0 if not moving else 0.0)
    return row


def run(quick: bool, folder: Path = WORK, threads: int | None = None) -> list[dict[str, Any]]:
    """Make the clips (cached) and evaluate each; one dict per clip (see :func:`evaluate`)."""
    return [
        evaluate(c.path, c.moving, name=c.name, kind=c.kind, threads=threads) for c in clips(quick, folder)
    ]


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.0f}%"


def table(rows: Sequence[dict[str, Any]]) -> str:
    """A Markdown table of :func:`run`'s rows."""
    lines = [
        "| clip | kind | length | recall | precision | speed (x real time) | CPU (x real time) "
        "| x faster than ffmpeg decoding it | decoded frame by frame |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        missed = sorted(set(r["moving"] or []) - set(r["found"]))
        extra = sorted(set(r["found"]) - set(r["moving"] or [])) if r["moving"] is not None else []
        note = (f" (missed {missed})" if missed else "") + (f" (extra {extra})" if extra else "")
        lines.append(
            f"| {r['name']} | {r['kind']} | {r['duration_s']:.0f} s | {_pct(r['recall'])}{note} | "
            f"{_pct(r['precision'])} | {r['speed_x']:.0f}x | {r['cpu_speed_x']:.0f}x | "
            f"{r['vs_ffmpeg']:.1f}x | {r['refined_s']:.0f} s |"
        )
    return "\n".join(lines)


def _parse_moving(text: str) -> set[int]:
    moves = []
    for part in filter(None, text.split(",")):
        a, _, b = part.partition("-")
        moves.append((float(a), float(b or a)))
    return truth(moves)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shorter 1080p and HEVC clips")
    ap.add_argument("--clip", help="measure this file only")
    ap.add_argument("--moving", default=None, help="moving seconds of --clip, e.g. 12-16,40-45")
    ap.add_argument("--threads", type=int, default=None, help="decoder threads (default: automatic)")
    args = ap.parse_args(argv)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    try:
        load = os.getloadavg()
        print(f"load average at start: {load[0]:.1f} (shared machines disturb the speed figures)")
    except OSError:
        pass
    if args.clip:
        moving = _parse_moving(args.moving) if args.moving is not None else None
        rows = [evaluate(args.clip, moving, threads=args.threads)]
    else:
        rows = run(args.quick, threads=args.threads)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
