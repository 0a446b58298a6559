"""Numbered clips for the track tests: barcode numbers run on across a camera's files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import video_clipmaker as vc

FPS = 25


def make_numbered(path: Path, first: int, frames: int) -> Path:
    """H.264 at 25 fps, 1 s GOP: frames numbered ``first``, ``first + 1``... in their barcodes."""
    exe = vc.ffmpeg_exe()
    assert exe
    cmd = [exe, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{vc.W}x{vc.H}"]
    cmd += ["-r", str(FPS), "-i", "-", *vc.CODECS["h264_gop50"][1][:-4], "-g", "25", "-keyint_min", "25"]
    cmd += ["-sc_threshold", "0", "-pix_fmt", "yuv420p", str(path)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    bg = vc._background(vc.W, vc.H)
    assert proc.stdin is not None
    for i in range(frames):
        proc.stdin.write(vc.draw_frame(first + i, background=bg).tobytes())
    proc.stdin.close()
    assert proc.wait(timeout=120) == 0
    return path
