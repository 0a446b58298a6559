"""Save the current frame as a PNG with a caption burned in, for reports.

The caption is drawn by OpenCV in a dark band *below* the picture (so it
covers nothing), scaled to the image width so it stays legible on 320x240 and
4K alike: case reference, camera, clip time, and the recorded time if known,
written by the product's one rule
(:func:`cctv_review.recorded_time.format_recorded`: the recorder's wall clock
in the store's zone, ``Recorded 2026-07-12 00:59:47 BST``), so the caption
says what the findings list, the CSV, the workbook and the PDF say.  The file is written atomically (temporary file, then rename), and the
caller's image is never modified.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

import cv2
import numpy as np

from cctv_review.recorded_time import DEFAULT_ZONE, format_recorded, zone

FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class PictureAdjustment:
    """Brightness and contrast for viewing dark footage: display only, never the file.

    ``out = (in - 128) * contrast + 128 + brightness`` on each 8-bit colour
    channel, clipped to 0..255 (the usual linear contrast about mid-grey, then
    an offset).  ``brightness``: -100..+100 levels; ``contrast``: 0.5..3.0.
    The player draws frames through it (``cctv_review.ui.video_view_tools``),
    and a still saved while it is in use is adjusted the same way and says so
    in its caption (:meth:`caption`).
    """

    brightness: int = 0
    contrast: float = 1.0

    @property
    def identity(self) -> bool:
        return self.brightness == 0 and abs(self.contrast - 1.0) < 1e-6

    def lut(self) -> np.ndarray:
        """The 256-entry uint8 table of the formula above."""
        levels = np.arange(256, dtype=np.float64)
        return (
            np.clip((levels - 128.0) * self.contrast + 128.0 + self.brightness, 0, 255)
            .round()
            .astype(np.uint8)
        )

    def apply(self, image: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``image`` (uint8 grey, BGR or BGRA/RGB32; the 4th channel kept) adjusted; a new array unless ``out``."""
        if self.identity:
            if out is None:
                return image.copy()
            np.copyto(out, image)
            return out
        table = self.lut()
        if image.ndim == 3 and image.shape[2] == 4:
            identity = np.arange(256, dtype=np.uint8)
            table4 = np.stack([table, table, table, identity], axis=-1).reshape(1, 256, 4)
            return cv2.LUT(image, table4, dst=out) if out is not None else cv2.LUT(image, table4)
        return cv2.LUT(image, table, dst=out) if out is not None else cv2.LUT(image, table)

    def describe(self) -> str:
        """``"brightness +20, contrast 1.5x"`` (what is not changed is left out; "" when nothing is)."""
        parts = []
        if self.brightness:
            parts.append(f"brightness {self.brightness:+d}")
        if abs(self.contrast - 1.0) >= 1e-6:
            parts.append(f"contrast {self.contrast:.2g}x")
        return ", ".join(parts)

    def caption(self) -> str:
        """The still's caption line when the picture was adjusted ("" when it was not)."""
        if self.identity:
            return ""
        return f"Picture adjusted for viewing: {self.describe()} (the footage file is unchanged)"


def format_clip_time(ms: int) -> str:
    s, ms_ = divmod(max(0, int(ms)), 1000)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms_:03d}"


def caption_lines(
    *,
    case_reference: str,
    camera: str,
    clip_ms: int,
    recorded_at: datetime | None,
    time_zone: tzinfo | None = None,
) -> list[str]:
    """The caption's two lines: case and camera; clip time and recorded time.

    ``recorded_at`` is aware (clock correction applied; naive is taken as
    UTC) and is written in ``time_zone``, the store's recorder zone
    (default ``Europe/London``), by :func:`~cctv_review.recorded_time.format_recorded`.
    """
    left = f"Case {case_reference}" if case_reference else "Case (no reference)"
    line1 = f"{left}   Camera: {camera or 'unknown'}"
    line2 = f"Clip time {format_clip_time(clip_ms)}"
    if recorded_at is not None:
        line2 += f"   Recorded {format_recorded(recorded_at, time_zone or zone(DEFAULT_ZONE))}"
    return [line1, line2]


def _ascii(text: str) -> str:
    # Hershey fonts draw ASCII only; keep the rest recognisable.
    return text.encode("ascii", "replace").decode("ascii")


def add_caption(image_bgr: np.ndarray, lines: list[str]) -> np.ndarray:
    """Return a new image: ``image_bgr`` with a caption band below it."""
    img = image_bgr
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    elif img.shape[2] == 4:
        img = cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    h, w = img.shape[:2]
    lines = [_ascii(t) for t in lines]
    thickness = max(1, round(w / 640))
    # Largest scale (within reason) at which the longest line fits the width.
    scale = 1.0
    longest = max(lines, key=len)
    (tw, th), _ = cv2.getTextSize(longest, FONT, scale, thickness)
    margin = max(4, w // 80)
    scale = min(max(w / 1280, 0.35), (w - 2 * margin) / max(1, tw))
    (tw, th), base = cv2.getTextSize(longest, FONT, scale, thickness)
    line_h = th + base + max(3, th // 2)
    band_h = margin + line_h * len(lines)
    out = np.empty((h + band_h, w, 3), dtype=np.uint8)
    out[:h] = img
    out[h:] = (24, 24, 24)
    y = h + margin // 2 + th + max(2, th // 3)
    for text in lines:
        cv2.putText(out, text, (margin, y), FONT, scale, (255, 255, 255), thickness, cv2.LINE_AA)
        y += line_h
    return out


def save_still(
    image_bgr: np.ndarray,
    out_path: str | os.PathLike[str],
    *,
    case_reference: str,
    camera: str,
    clip_ms: int,
    recorded_at: datetime | None,
    time_zone: tzinfo | None = None,
    adjustment: PictureAdjustment | None = None,
) -> Path:
    """Write a captioned PNG of ``image_bgr`` to ``out_path``; return its path.

    The caption is :func:`caption_lines` (``recorded_at`` written in
    ``time_zone``, the store's recorder zone).  ``adjustment``: the
    brightness/contrast the reviewer was viewing with; the still is adjusted
    the same way and its caption says what was applied.  Raises ``OSError``
    when the file cannot be written.
    """
    out = Path(out_path)
    if out.suffix.lower() != ".png":
        out = out.with_suffix(".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = caption_lines(
        case_reference=case_reference,
        camera=camera,
        clip_ms=clip_ms,
        recorded_at=recorded_at,
        time_zone=time_zone,
    )
    if adjustment is not None and not adjustment.identity:
        image_bgr = adjustment.apply(image_bgr)
        lines.append(adjustment.caption())
    captioned = add_caption(image_bgr, lines)
    ok, data = cv2.imencode(".png", captioned)
    if not ok:
        raise OSError(f"could not encode the still for {out}")
    fd, tmp = tempfile.mkstemp(prefix=".still-", suffix=".png.part", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return out
