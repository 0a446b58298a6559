"""Folders of footage for the add-footage tests: field-case kinds made with ffmpeg, and small quick clips."""

from __future__ import annotations

import shutil
import sys
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "video"))
from video_clipmaker import X264, X265, _ff, scene, write_dhav  # tests/video is not a package


def mixed_folder(root: Path) -> Path:
    """A delivery as a force sends it: a folder per camera and a folder of mixed kinds.

    Made here with ffmpeg, as the shared field-case scripts make them (same
    kinds and names, smaller pictures where the test does not depend on size):

    * ``Cell 4/``: one camera in three consecutive 20 s files named with their
      start (field case 15, split chunks: camera and start from the name pattern);
    * ``CR-2026-0042/`` (a folder named after the custody number, never a camera):
      ``ch01_20260314224105.mp4`` and its copy under the Dahua NVR name (same
      SHA-256: added once), with creation_time metadata (field case 14); a
      Hikvision program stream under a ``.mp4`` name (IMKH header) and the bare
      ``.mpg`` (field case 03, 12 s, 300 frames); a Dahua ``.dav`` with its date
      in every packet (field case 02); a text file under a video name, and a
      ``readme.txt``.
    """
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make the footage")
    cell = root / "Cell 4"
    cell.mkdir(parents=True, exist_ok=True)
    _ff("-f", "lavfi", "-i", scene(320, 240, 25, 60), *X264, "-pix_fmt", "yuv420p",
        "-f", "segment", "-segment_time", "20", "-reset_timestamps", "1", str(cell / "chunk%d.mp4"))  # fmt: skip
    for n, start in enumerate(("20260314224000", "20260314224020", "20260314224040")):
        (cell / f"chunk{n}.mp4").rename(cell / f"cell4_{start}.mp4")
    mixed = root / "CR-2026-0042"
    mixed.mkdir(parents=True, exist_ok=True)
    ch01 = mixed / "ch01_20260314224105.mp4"
    _ff("-f", "lavfi", "-i", scene(320, 240, 25, 4), *X264, "-pix_fmt", "yuv420p",
        "-metadata", "creation_time=2026-03-14T22:41:05Z", str(ch01))  # fmt: skip
    shutil.copyfile(ch01, mixed / "NVR_ch2_main_20260314220000_20260314230000.mp4")
    ps = mixed / "03-ps.mpg"
    _ff("-f", "lavfi", "-i", scene(704, 576, 25, 12), *X264, "-bf", "0", "-pix_fmt", "yuv420p",
        "-f", "vob", str(ps))  # fmt: skip
    header = b"IMKH\x01\x02\x00\x00\x01\x00\x01\x00\x11\x71\x01\x10\x40\x1f\x00\x00\x00\xfa" + bytes(18)
    (mixed / "03-hik.mp4").write_bytes(header + ps.read_bytes())
    payload = root / "dav-payload.265"
    _ff("-f", "lavfi", "-i", scene(320, 240, 25, 4), *X265, "-pix_fmt", "yuv420p", "-f", "hevc", str(payload))
    write_dhav(payload, mixed / "02-ch01.dav", datetime(2026, 3, 14, 22, 41, 5))
    payload.unlink()
    (mixed / "CR-2026-0042_notes.mp4").write_text("not footage, whatever its name says")
    (mixed / "readme.txt").write_text("exported by the NVR")
    return root


def make_avi(
    path: Path, frames: int = 30, fps: int = 10, size: tuple[int, int] = (160, 120), shade: int = 40
) -> Path:
    """A small MJPEG AVI whose frames show their number (quick to make: OpenCV, no ffmpeg)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        image = np.full((size[1], size[0], 3), shade, np.uint8)
        cv2.putText(image, str(i), (10, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        writer.write(image)
    writer.release()
    return path
