"""Converting a decoded picture for display (internal, Qt-free).

The player converts only the frames it shows, at the size they will be shown:

* **scale** ``1``, ``2`` or ``4``: the frame is produced at full, half or
  quarter size (:func:`reduced_size`; reduced sizes are rounded down to even
  numbers so that a reduced I420 picture stays valid).  Reduction uses
  ``INTER_AREA`` (pixel averaging), in steps of two, which is both the
  cheapest and the most faithful way to shrink by 2 or 4.
* **alloc**: an optional hook ``alloc(height, width) -> (view, owner)``.
  ``view`` is a writable ``uint8`` array of shape ``(height, width, 3)``
  (BGR) or ``(height, width, 4)`` (BGRA, alpha 255) that the converted
  pixels are written into; ``owner`` is whatever owns that memory (the Qt
  adapter returns a ``QImage`` and a view of its pixel buffer), and is kept
  alive by the :class:`~cctv_review.video.reader.Frame`.  Without the hook a
  plain BGR array is returned.

:func:`from_bgr` finishes a BGR picture (OpenCV backend, and PyAV pixel
formats other than yuv420p); the PyAV decoder has its own faster I420 path
(:func:`cctv_review.video._pyav.to_display`) that reduces the YUV planes
before the colour conversion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

#: ``alloc(height, width) -> (writable view (h, w, 3|4) uint8, owner)``
Allocator = Callable[[int, int], "tuple[np.ndarray, Any]"]

SCALES = (1, 2, 4)


def reduced_size(width: int, height: int, scale: int) -> tuple[int, int]:
    """(width, height) of a frame produced at 1/``scale`` size."""
    if scale <= 1:
        return int(width), int(height)
    return max(2, (int(width) // scale) // 2 * 2), max(2, (int(height) // scale) // 2 * 2)


def scale_for(width: int, height: int, display: tuple[int, int] | None) -> int:
    """The reduction for a ``width`` x ``height`` frame shown fitted in ``display``.

    The picture is shown scaled with its aspect ratio kept, so its shown size
    is the frame times ``min(dw / width, dh / height)``.  At or below 1/4 the
    frame is produced at quarter size, at or below 1/2 at half size, else in
    full.  ``display`` None or with a zero/negative side means full size.
    """
    if not display or width <= 0 or height <= 0:
        return 1
    dw, dh = display
    if not dw or not dh or dw <= 0 or dh <= 0:
        return 1
    fit = min(dw / width, dh / height)
    if fit <= 0.25 and width >= 8 and height >= 8:
        return 4
    if fit <= 0.5 and width >= 4 and height >= 4:
        return 2
    return 1


def shrink(plane: np.ndarray, width: int, height: int, dst: np.ndarray | None = None) -> np.ndarray:
    """``plane`` reduced to ``width`` x ``height`` by pixel averaging (INTER_AREA).

    Large reductions go in steps of two (OpenCV's 2x area fast path), which
    is several times faster than one 4x step and equal to it within 1 level.
    """
    src = plane
    h, w = src.shape[:2]
    while w >= 4 * width and h >= 4 * height:
        src = cv2.resize(src, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        h, w = src.shape[:2]
    if dst is None:
        return cv2.resize(src, (width, height), interpolation=cv2.INTER_AREA)
    out = cv2.resize(src, (width, height), dst=dst, interpolation=cv2.INTER_AREA)
    if out is not dst and not np.shares_memory(out, dst):  # pragma: no cover - defensive
        np.copyto(dst, out)
    return dst


def target(height: int, width: int, alloc: Allocator | None) -> tuple[np.ndarray, Any]:
    """Where a converted ``height`` x ``width`` picture is written: (array, owner)."""
    if alloc is None:
        return np.empty((height, width, 3), dtype=np.uint8), None
    view, owner = alloc(height, width)
    if (
        view.dtype != np.uint8
        or view.ndim != 3
        or view.shape[:2] != (height, width)
        or view.shape[2] not in (3, 4)
    ):
        raise ValueError(f"alloc({height}, {width}) returned an array of shape {view.shape}")
    return view, owner


def convert(code: int, *src: np.ndarray, dst: np.ndarray | None = None) -> np.ndarray:
    """``cv2.cvtColor(src, code)``; with two planes (Y, UV) ``cv2.cvtColorTwoPlane``."""
    if len(src) == 2:
        return cv2.cvtColorTwoPlane(src[0], src[1], code, dst=dst)
    return cv2.cvtColor(src[0], code, dst=dst)


def into(dst: np.ndarray, code: int, *src: np.ndarray) -> None:
    """:func:`convert` written into ``dst`` (copying if OpenCV would not)."""
    out = convert(code, *src, dst=dst)
    if out is not dst and not np.shares_memory(out, dst):  # pragma: no cover - defensive
        np.copyto(dst, out)


def from_bgr(image: np.ndarray, scale: int = 1, alloc: Allocator | None = None) -> tuple[np.ndarray, Any]:
    """A display picture (array, owner) from a full-size BGR (or grey) image."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h, w = image.shape[:2]
    ow, oh = reduced_size(w, h, scale)
    if alloc is None:
        if (ow, oh) == (w, h):
            return image, None
        return shrink(image, ow, oh), None
    dst, owner = target(oh, ow, alloc)
    small = image if (ow, oh) == (w, h) else None
    if dst.shape[2] == 3:
        if small is None:
            shrink(image, ow, oh, dst=dst)
        else:
            np.copyto(dst, small)
        return dst, owner
    if small is None:
        small = shrink(image, ow, oh)
    into(dst, cv2.COLOR_BGR2BGRA, small)
    return dst, owner


def aspect_size(width: int, height: int, sar: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of a ``width`` x ``height`` picture shown with square pixels.

    The height is kept and the width scaled by the sample aspect ratio
    ``sar`` = (num, den) (ITU-R BT.601 PAL D1: 704x576 at 12:11 -> 768x576,
    i.e. 4:3), rounded to an even number.
    """
    num, den = sar
    if num <= 0 or den <= 0 or num == den:
        return int(width), int(height)
    return max(2, round(width * num / den / 2) * 2), int(height)


def to_aspect(image: np.ndarray, sar: tuple[int, int]) -> np.ndarray:
    """``image`` resized to square pixels for sample aspect ratio ``sar`` (as it is if 1:1)."""
    h, w = image.shape[:2]
    dw, dh = aspect_size(w, h, sar)
    if (dw, dh) == (w, h):
        return image
    return cv2.resize(image, (dw, dh), interpolation=cv2.INTER_LINEAR)
