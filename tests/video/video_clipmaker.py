"""Make small test clips whose frames carry their own frame number.

Each frame has a 16-bit binary barcode of its index in large black/white
blocks across the top (robust to lossy compression), the digits below it,
and optionally a moving square during chosen seconds (for activity tests).
Clips are encoded with the ffmpeg CLI from a pipe of raw BGR frames.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np

W, H = 320, 240
BITS = 16
BAR_H = 40
BLOCK_W = W // BITS


def ffmpeg_exe() -> str | None:
    return shutil.which("ffmpeg")


def _background(width: int, height: int) -> np.ndarray:
    """A still, textured 'cell' scene (deterministic)."""
    y, x = np.mgrid[0:height, 0:width]
    base = (60 + 40 * np.sin(x / 17.0) * np.cos(y / 23.0) + (x * 60 // max(width, 1))).astype(np.uint8)
    img = cv2.merge([base, (base * 0.9).astype(np.uint8), (base * 0.8).astype(np.uint8)])
    cv2.rectangle(img, (20, 150), (120, 220), (30, 90, 30), -1)  # a 'bench'
    cv2.rectangle(img, (200, 120), (300, 230), (90, 60, 40), 3)  # a 'door'
    return img


def draw_frame(
    index: int,
    width: int = W,
    height: int = H,
    *,
    moving: bool = False,
    t: float = 0.0,
    background: np.ndarray | None = None,
    numbered: bool = True,
) -> np.ndarray:
    img = (background if background is not None else _background(width, height)).copy()
    if not numbered:
        index = 0
    block_w = width // BITS
    for b in range(BITS):
        bit = (index >> (BITS - 1 - b)) & 1
        colour = 255 if bit else 0
        img[0:BAR_H, b * block_w : (b + 1) * block_w] = colour
    cv2.putText(
        img, str(index), (10, BAR_H + 35), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA
    )
    if moving:
        cx = int((width - 60) * (0.5 + 0.5 * np.sin(t * 3.0)))
        cy = int(BAR_H + 50 + (height - BAR_H - 110) * (0.5 + 0.5 * np.cos(t * 2.3)))
        cv2.rectangle(img, (cx, cy), (cx + 60, cy + 60), (20, 200, 240), -1)
    return img


def read_frame_number(img: np.ndarray) -> int:
    """Decode the barcode drawn by :func:`draw_frame`."""
    _height, width = img.shape[:2]
    block_w = width // BITS
    gray = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    value = 0
    for b in range(BITS):
        x0 = b * block_w + block_w // 4
        x1 = (b + 1) * block_w - block_w // 4
        patch = gray[BAR_H // 4 : 3 * BAR_H // 4, x0:x1]
        value = (value << 1) | int(patch.mean() > 128)
    return value


CODECS = {
    # name: (suffix, ffmpeg codec args)
    "h264_gop50": (
        ".mp4",
        [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "50",
            "-keyint_min",
            "50",
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
        ],
    ),
    "h264_gop250": (
        ".mp4",
        [
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-g",
            "250",
            "-keyint_min",
            "250",
            "-sc_threshold",
            "0",
            "-pix_fmt",
            "yuv420p",
        ],
    ),
    "h264_bframes_mkv": (
        ".mkv",
        ["-c:v", "libx264", "-preset", "medium", "-g", "50", "-bf", "3", "-pix_fmt", "yuv420p"],
    ),
    "h264_ts": (".ts", ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p"]),
    "h264_raw": (
        ".h264",
        ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-pix_fmt", "yuv420p", "-f", "h264"],
    ),
    "mjpeg": (".avi", ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"]),
    "mpeg4": (".avi", ["-c:v", "mpeg4", "-q:v", "3", "-g", "50"]),
}


def make_clip(
    out: Path,
    codec: str,
    seconds: float,
    fps: int = 25,
    *,
    moving_seconds: set[int] | None = None,
    width: int = W,
    height: int = H,
    extra: list[str] | None = None,
    numbered: bool = True,
) -> Path:
    """Encode a numbered clip; ``moving_seconds`` get a moving square."""
    suffix, args = CODECS[codec]
    out = Path(out).with_suffix(suffix) if not str(out).endswith(suffix) else Path(out)
    exe = ffmpeg_exe()
    assert exe, "ffmpeg CLI missing"
    cmd = [
        exe,
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "bgr24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
        *args,
        *(extra or []),
        str(out),
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    bg = _background(width, height)
    n = round(seconds * fps)
    try:
        for i in range(n):
            t = i / fps
            moving = bool(moving_seconds) and int(t) in moving_seconds
            proc.stdin.write(
                draw_frame(i, width, height, moving=moving, t=t, background=bg, numbered=numbered).tobytes()
            )
    finally:
        proc.stdin.close()
        rc = proc.wait(timeout=120)
    assert rc == 0, f"ffmpeg failed for {out}"
    return out
