"""Activity finder: a per-second motion score for a whole clip.

:func:`scan_activity` decodes the clip once, as cheaply as it can:

* frames are **sampled** (``samples_per_second``, default 5); the frames in
  between are ``grab()``-ed (decoded, as inter-frame codecs require) but never
  ``retrieve()``-d, so they are never converted;
* sampled frames are fetched as the **luma plane only** (OpenCV's
  ``CAP_PROP_CONVERT_RGB = 0`` returns the Y plane of YUV video: no colour
  conversion at all) and **reduced** to ~160 pixels wide before comparison.

The score of a second is the mean absolute difference between consecutive
sampled frames in it, as a fraction of full scale (0 = identical, 1 = black
to white everywhere).  Still cell footage scores near the compression/sensor
noise floor (~0.001-0.005); a person moving typically scores 0.01-0.1.

``progress(fraction)`` is called periodically (0..1); if ``cancel()`` returns
True the scan stops by raising :class:`ScanCancelled`.  The result is returned,
not stored (the store persists it with the clip).

:func:`next_activity` / :func:`previous_activity` find where the next /
previous active stretch starts; the default threshold (:func:`default_threshold`)
is a robust noise floor: median + 4 x MAD, at least 1.5 x the median.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ._capture import Decoder, open_capture
from .errors import CorruptVideo
from .probe import VideoInfo, probe

#: Width (pixels) sampled frames are reduced to before comparison.
ANALYSIS_WIDTH = 160
#: Absolute minimum threshold (fraction of full scale).
MIN_THRESHOLD = 0.002


class ScanCancelled(Exception):
    """Raised by :func:`scan_activity` when ``cancel()`` returned True."""


@dataclass
class ActivityResult:
    """Per-bin activity scores (bin ``i`` covers ``[i*bin_ms, (i+1)*bin_ms)``)."""

    bin_ms: int = 1000
    scores: list[float] = field(default_factory=list)
    #: Sampled frames compared, and seconds of wall time the scan took.
    samples: int = 0
    elapsed_s: float = 0.0
    #: "pixels" (mean abs luma difference, 0..1) or "packets" (bits/pixel).
    method: str = "pixels"

    @property
    def threshold(self) -> float:
        return default_threshold(self.scores)

    def next_activity(self, from_second: int, threshold: float | None = None) -> int | None:
        return next_activity(self.scores, from_second, threshold)

    def previous_activity(self, from_second: int, threshold: float | None = None) -> int | None:
        return previous_activity(self.scores, from_second, threshold)


def default_threshold(scores: Sequence[float]) -> float:
    """A robust 'something is happening' level for these scores."""
    vals = [s for s in scores if s is not None and math.isfinite(s)]
    if not vals:
        return MIN_THRESHOLD
    med = statistics.median(vals)
    mad = statistics.median(abs(v - med) for v in vals) * 1.4826
    return max(MIN_THRESHOLD, med + 4.0 * mad, 1.5 * med)


def _active(scores: Sequence[float], thr: float) -> list[bool]:
    return [s is not None and s >= thr for s in scores]


def next_activity(scores: Sequence[float], from_second: int, threshold: float | None = None) -> int | None:
    """First second after ``from_second`` where an active stretch starts."""
    thr = default_threshold(scores) if threshold is None else threshold
    act = _active(scores, thr)
    for i in range(max(0, int(from_second) + 1), len(act)):
        if act[i] and (i == 0 or not act[i - 1]):
            return i
    return None


def previous_activity(
    scores: Sequence[float], from_second: int, threshold: float | None = None
) -> int | None:
    """Last second before ``from_second`` where an active stretch starts."""
    thr = default_threshold(scores) if threshold is None else threshold
    act = _active(scores, thr)
    for i in range(min(len(act), int(from_second)) - 1, -1, -1):
        if act[i] and (i == 0 or not act[i - 1]):
            return i
    return None


def _small_gray(img: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if size is None:
        return img
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def _packet_scores(path, info: VideoInfo, nbins: int, bin_ms: int, progress, cancel):
    """Compressed-domain scores: bits per pixel of inter-coded frames.

    Reads packets without decoding (OpenCV raw mode).  Returns None if the
    stream has no inter-coded frames (e.g. MJPEG), where sizes say nothing
    about motion.
    """
    cap = open_capture(path, raw=True)
    if not cap.isOpened():
        raise CorruptVideo(path, "could not be opened for the activity scan")
    sums = np.zeros(nbins)
    counts = np.zeros(nbins, dtype=np.int64)
    pixels = max(1, info.width * info.height)
    n = inter = 0
    last_report = 0.0
    try:
        while cap.grab():
            ok, pkt = cap.retrieve()
            key = cap.get(cv2.CAP_PROP_LRF_HAS_KEY_FRAME)
            if ok and pkt is not None and not key:
                ms = n * 1000.0 / info.fps
                b = min(nbins - 1, int(ms // bin_ms))
                sums[b] += pkt.size * 8.0 / pixels
                counts[b] += 1
                inter += 1
            n += 1
            if n % 256 == 0:
                if cancel is not None and cancel():
                    raise ScanCancelled(f"activity scan of {path} cancelled")
                if progress is not None:
                    frac = min(1.0, n / max(1, info.frame_count))
                    if frac - last_report >= 0.01:
                        last_report = frac
                        progress(frac)
    finally:
        cap.release()
    if inter < max(2, n // 4):
        return None
    return sums, counts


def scan_activity(
    path: str | os.PathLike[str],
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    *,
    info: VideoInfo | None = None,
    method: str = "auto",
    samples_per_second: float = 5.0,
    bin_ms: int = 1000,
    threads: int | None = None,
) -> ActivityResult:
    """Scan ``path`` once and return its per-second activity scores.

    ``method``:

    * ``"pixels"`` - decode, sample 5 frames a second, compare
      reduced luma images; scores are mean absolute difference (0..1).
    * ``"packets"`` - compressed domain, no decoding at all: the size of each
      inter-coded frame (H.264, H.265, MPEG-4) grows with what changed in the
      picture.  Scores are bits per pixel of inter frames (not comparable
      with pixel scores, but the default threshold adapts to either).  It is
      one to two orders of magnitude faster, for very long clips; falls back
      to ``"pixels"`` for intra-only codecs such as MJPEG.
    * ``"auto"`` (default) - ``"packets"`` for clips of 720p or larger (where
      decoding every frame cannot reach 50x real time on 2 cores), else ``"pixels"``.

    Raises a :class:`~cctv_review.video.errors.VideoError` if the clip cannot
    be read, :class:`ScanCancelled` if cancelled.  Damaged stretches are
    skipped.  ``ActivityResult.method`` says which method produced the scores.
    """
    t_start = time.monotonic()
    info = info if info is not None else probe(path)
    if method == "auto":
        method = "packets" if info.width * info.height >= 1280 * 720 else "pixels"
    if method == "packets":
        nbins = max(1, math.ceil(info.duration_ms / bin_ms))
        res = _packet_scores(path, info, nbins, bin_ms, progress, cancel)
        if res is not None:
            sums, counts = res
            scores = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
            if progress is not None:
                progress(1.0)
            return ActivityResult(
                bin_ms=bin_ms,
                scores=[round(float(s), 6) for s in scores],
                samples=int(counts.sum()),
                elapsed_s=time.monotonic() - t_start,
                method="packets",
            )
    elif method != "pixels":
        raise ValueError(f"unknown activity method {method!r}")
    nbins = max(1, math.ceil(info.duration_ms / bin_ms))
    sums = np.zeros(nbins, dtype=np.float64)
    counts = np.zeros(nbins, dtype=np.int64)
    every = max(1, round(info.fps / max(0.1, samples_per_second)))
    h, w = info.height, info.width
    size = (ANALYSIS_WIDTH, max(2, round(h * ANALYSIS_WIDTH / max(1, w)))) if w > ANALYSIS_WIDTH else None
    try:
        dec = Decoder(path, info.fps, mode=info.timing, threads=threads, start_ms=info.start_ms)
    except OSError as exc:
        raise CorruptVideo(path, "could not be opened for the activity scan") from exc
    luma = dec.capture.set(cv2.CAP_PROP_CONVERT_RGB, 0)
    prev: np.ndarray | None = None
    samples = 0
    last_report = 0.0
    next_sample = 0
    try:
        while True:
            idx = dec.grab()
            if idx is None:
                # End of file, or damage: try to resync a little further on.
                resumed = None
                nxt = dec.index if dec.index is not None else next_sample
                for skip_s in (1, 5, 30):
                    t = max(next_sample, nxt) + int(skip_s * info.fps)
                    if t >= info.frame_count:
                        break
                    if dec.seek_exact(t) is not None:
                        resumed = dec.index
                        break
                if resumed is None:
                    break
                idx = resumed
                prev = None
            if idx < next_sample:
                continue
            next_sample = idx + every
            img = dec.retrieve()
            if img is None:
                continue
            if luma and (img.ndim != 2 or img.shape[:2] != (h, w)):
                # Not a planar-YUV stream: fall back to converted frames.
                luma = False
                dec.capture.set(cv2.CAP_PROP_CONVERT_RGB, 1)
                prev = None
                continue
            small = _small_gray(img, size)
            if prev is not None:
                diff = float(cv2.absdiff(small, prev).mean()) / 255.0
                b = min(nbins - 1, int(dec.pts_ms // bin_ms))
                sums[b] += diff
                counts[b] += 1
            prev = small
            samples += 1
            if cancel is not None and cancel():
                raise ScanCancelled(f"activity scan of {path} cancelled")
            if progress is not None:
                frac = min(1.0, idx / max(1, info.frame_count - 1))
                if frac - last_report >= 0.01:
                    last_report = frac
                    progress(frac)
    finally:
        dec.close()
    scores = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    # A bin with no comparison (e.g. one sample) borrows its neighbour's score.
    for i in np.nonzero(counts == 0)[0]:
        if i > 0 and counts[i - 1] > 0:
            scores[i] = scores[i - 1]
    if progress is not None:
        progress(1.0)
    return ActivityResult(
        bin_ms=bin_ms,
        scores=[round(float(s), 6) for s in scores],
        samples=samples,
        elapsed_s=time.monotonic() - t_start,
        method="pixels",
    )
