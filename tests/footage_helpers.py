"""Folders of footage for the add-footage tests: field-case kinds made with ffmpeg, and small quick clips."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def field_cases_dir() -> Path | None:
    """The shared field-case scripts: beside the checkout (CI) or beside the worktree folder."""
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared", Path("/work/shared")):
        if (candidate / "field-cases" / "common.sh").is_file():
            return candidate / "field-cases"
    return None


def run_field_case(script: str, folder: Path, **env: str) -> None:
    """Run one field-case script in ``folder`` (it writes its files there)."""
    cases = field_cases_dir()
    if cases is None:
        pytest.skip("the shared field-case scripts are not beside this checkout")
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make the field cases")
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["sh", str(cases / script)],
        cwd=folder,
        check=True,
        env={**os.environ, "PYTHON": sys.executable, **env},
        capture_output=True,
    )


def mixed_folder(root: Path) -> Path:
    """A delivery as a force sends it: a folder per camera and a folder of mixed kinds.

    * ``Cell 4/``: one camera in three consecutive 20 s files named with their
      start (15-split-chunks: camera and start from the name pattern);
    * ``CR-2026-0042/`` (a folder named after the custody number, never a camera):
      ``ch01_20260314224105.mp4`` and its copy under the Dahua NVR name (same
      SHA-256: added once), with creation_time metadata (14-start-time-metadata);
      a Hikvision program stream under a ``.mp4`` name and the bare ``.mpg``
      (03-hikvision-ps); a Dahua ``.dav`` with its date in every packet
      (02-dahua-dav); a text file under a video name, and a ``readme.txt``.
    """
    run_field_case("15-split-chunks.sh", root / "Cell 4")
    mixed = root / "CR-2026-0042"
    run_field_case("14-start-time-metadata.sh", mixed)
    run_field_case("03-hikvision-ps.sh", mixed)
    run_field_case("02-dahua-dav.sh", mixed, SECS="4")
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
