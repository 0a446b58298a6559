"""Legacy OpenCV capture, kept only for the activity scanner (internal).

The application decodes with PyAV/FFmpeg everywhere (:mod:`cctv_review.video._pyav`,
numbered through the clip's index); nothing else imports this module.  It stays
until :mod:`cctv_review.video.activity` (maintained separately) no longer
imports :class:`Decoder` and :func:`open_capture`; then delete it.

Original description follows.

Low-level, position-aware access to one ``cv2.VideoCapture``.

:class:`Decoder` wraps a capture opened with the FFmpeg backend, software
decoding and a fixed decoder thread count, and knows the index of every frame
it grabs.  It is used by the probe, the exact-seeking reader, the player's
worker thread and the activity scanner.  A ``Decoder`` is not thread-safe:
each thread owns its own.

Frame numbering
---------------
* ``"pts"`` mode (normal): a frame's index is ``round(pts_ms * fps / 1000)``
  where ``pts_ms`` is ``CAP_PROP_POS_MSEC`` after ``grab()`` (timestamps are
  relative to the stream start).  This is what OpenCV itself uses when
  seeking, and it stays right after seeks.
* ``"count"`` mode: files without timestamps (raw ``.h264`` elementary
  streams from some NVRs) number frames by counting from the start; seeking
  then means rewinding and decoding forward, which is slow but exact.

Exact seek (:meth:`Decoder.seek_exact`): ask OpenCV to seek a little before
the target (it jumps to the previous keyframe and decodes forward), then
``grab()`` forward, checking each frame's real index, until the target.  If
OpenCV overshoots (some containers, e.g. MPEG-TS near the start), seek again
further back; at the start of the file, reopen instead of seeking.  Skipped
frames are grabbed (decoded) but never retrieved (no colour conversion).

"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import cv2
import numpy as np

# Quieten FFmpeg's own decoder chatter (e.g. "co located POCs unavailable"),
# which is normal when decoding starts at a keyframe.  Users can override.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
try:  # OpenCV's own warnings (e.g. unsupported pixel format notices)
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
except Exception:  # pragma: no cover - very old OpenCV
    pass

#: Decoder threads used by every capture (the benchmark uses the same number
#: for its ffmpeg reference run).
DECODE_THREADS = max(1, min(os.cpu_count() or 2, 8))

_open_lock = threading.Lock()

log = logging.getLogger(__name__)


def open_capture(
    path: str | os.PathLike[str], threads: int | None = None, raw: bool = False
) -> cv2.VideoCapture:
    """Open ``path`` with the FFmpeg backend, software decode, N threads."""
    params = [
        cv2.CAP_PROP_HW_ACCELERATION,
        cv2.VIDEO_ACCELERATION_NONE,
        cv2.CAP_PROP_N_THREADS,
        int(threads or DECODE_THREADS),
        cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
        20000,
        cv2.CAP_PROP_READ_TIMEOUT_MSEC,
        20000,
    ]
    # Opening touches FFmpeg's global registration; serialise it.
    with _open_lock:
        cap = cv2.VideoCapture(os.fspath(path), cv2.CAP_FFMPEG, params)
    if raw and cap.isOpened():
        cap.set(cv2.CAP_PROP_FORMAT, -1)
    return cap


class ExactSeek:
    """Exact seeking, shared by both decoders.

    A decoder provides ``index``, ``fps``, ``mode``, ``grab()``, ``rewind()``
    and ``_seek(frame_index) -> bool`` (jump to a keyframe at or before the
    index; False if the container refused).  ``__init__`` sets the state
    both decoders share.
    """

    def __init__(self, path: str | os.PathLike[str], fps: float, mode: str, start_ms: float) -> None:
        self.path = os.fspath(path)
        self.fps = float(fps)
        self.mode = mode
        self.start_ms = float(start_ms)
        self.grabs = 0  # frames decoded (for tests and statistics)
        self.seeks = 0  # container seeks issued
        self.index: int | None = None  # index of the frame last grabbed
        self.pts_ms: float = 0.0

    @property
    def next_index(self) -> int | None:
        """Index the next sequential grab is expected to return."""
        return None if self.index is None else self.index + 1

    def seek_exact(self, target: int, *, forward_limit: int | None = None) -> int | None:
        """Leave the decoder with frame ``target`` grabbed; return its index.

        If ``target`` does not exist (a gap in the timestamps) the first frame
        after it is returned; ``None`` if nothing at or after it decodes.
        ``forward_limit``: if the current position is at most this many frames
        before the target, decode forward instead of seeking.
        """
        target = max(0, int(target))
        if self.index is not None and self.index == target:
            return target
        limit = forward_limit if forward_limit is not None else max(2, int(self.fps))
        if self.index is not None and 0 < target - self.index <= limit:
            got = self._grab_until(target)
            if got is not None:
                return got
            # Decoding forward failed (damage, or a demuxer that lost its
            # place): fall back to a real seek.
        if self.mode == "count" or target == 0:
            self.rewind()
            return self._grab_until(target)
        # Land on the keyframe before the target; if the container put us after
        # it (or seeking failed), go further back; at the start, reopen.
        margin = 0
        for _ in range(8):
            start = max(0, target - margin)
            if start == 0:
                break
            if self._seek(start):
                idx = self.grab()
                if idx is not None and idx <= target:
                    return self._grab_until(target)
            margin = max(2 * margin, int(self.fps) or 25)
        self.rewind()
        return self._grab_until(target)

    def _grab_until(self, target: int) -> int | None:
        idx = self.index
        if idx is None:
            idx = self.grab()
        while idx is not None and idx < target:
            idx = self.grab()
        return idx


class Decoder(ExactSeek):
    """One capture plus the index of the last grabbed frame."""

    backend = "opencv"

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: float,
        *,
        mode: str = "pts",
        threads: int | None = None,
        start_ms: float = 0.0,
    ) -> None:
        super().__init__(path, fps, mode, start_ms)
        self.threads = threads
        self._cap = open_capture(self.path, threads)
        if not self._cap.isOpened():
            raise OSError(f"cannot open {self.path}")
        self._count = -1  # frames grabbed since (re)open, count mode

    # -- basic operations ------------------------------------------------
    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()

    @property
    def capture(self) -> cv2.VideoCapture:
        return self._cap

    def rewind(self) -> None:
        """Reopen the file: the next grab returns the first frame."""
        self.close()
        self._cap = open_capture(self.path, self.threads)
        self._count = -1
        self.index = None

    def grab(self) -> int | None:
        """Decode the next frame; return its index, or None at the end/failure."""
        if self._cap is None or not self._cap.grab():
            self.index = None
            return None
        self.grabs += 1
        self._count += 1
        if self.mode == "count":
            self.index = self._count
            self.pts_ms = self._count * 1000.0 / self.fps
        else:
            self.pts_ms = max(0.0, self._cap.get(cv2.CAP_PROP_POS_MSEC) - self.start_ms)
            self.index = round(self.pts_ms * self.fps / 1000.0)
        return self.index

    def retrieve(self) -> np.ndarray | None:
        """Convert the last grabbed frame to a BGR image."""
        ok, img = self._cap.retrieve()
        return img if ok and img is not None and img.size else None

    def retrieve_display(self, scale: int = 1, alloc=None):
        """The last grabbed frame for display: ``(array, owner)`` or ``None``.

        OpenCV only hands out full-size BGR, so this converts in full and then
        reduces/copies (:func:`cctv_review.video._display.from_bgr`).
        """
        from . import _display

        img = self.retrieve()
        if img is None:
            return None
        try:
            return _display.from_bgr(img, scale, alloc)
        except (ValueError, cv2.error):
            return None

    # -- exact seek (the algorithm is ExactSeek's) ----------------------------
    def _seek(self, frame_index: int) -> bool:
        """Ask OpenCV to seek near ``frame_index`` (it lands on a keyframe and
        decodes forward); the next grab tells where it really is."""
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, frame_index)
        self.seeks += 1
        self._count = -1
        return True


def sniff_container(path: str | os.PathLike[str]) -> str | None:
    """Recognise common video containers from their first bytes."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> str | None:
    if len(head) >= 12 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "avi"
    if head[:4] == b"DHAV":
        return "dav"
    if head[:4] == b"IMKH" or head[:4] == b"\x34\x48\x4b\x48":  # Hikvision private
        return "hikvision"
    if head[:4] == b"\x30\x26\xb2\x75":
        return "asf"
    if head[:3] == b"FLV":
        return "flv"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg-ps"
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "mpeg-ts"
    if head[:4] == b"\x00\x00\x00\x01" or head[:3] == b"\x00\x00\x01":
        return "elementary"
    return None


def header_codec(path: str | os.PathLike[str]) -> str | None:
    """Best-effort codec tag from the container header, without FFmpeg.

    Used to name the codec when OpenCV refuses to open a file (for example a
    proprietary codec in an AVI).  Looks at AVI ``strf``/``strh`` FourCCs, MP4
    ``stsd`` sample entries and Matroska ``V_...`` codec IDs.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 20)
    except OSError:
        return None
    kind = sniff_bytes(data[:4096])
    if kind == "avi":
        i = data.find(b"strh")
        if i >= 0 and data[i + 8 : i + 12] == b"vids":
            tag = data[i + 12 : i + 16]
            j = data.find(b"strf", i)
            if j >= 0:
                tag = data[j + 8 + 16 : j + 8 + 20] or tag
            return tag.decode("latin-1").strip("\x00 ") or None
    if kind == "mp4":
        i = data.find(b"stsd")
        if i >= 0:
            return data[i + 16 : i + 20].decode("latin-1").strip("\x00 ") or None
    if kind == "matroska":
        i = data.find(b"V_")
        if i >= 0:
            end = i
            while end < len(data) and 32 < data[end] < 127 and end - i < 40:
                end += 1
            return data[i:end].decode("ascii")
    return None


def file_size(path: str | os.PathLike[str]) -> int:
    return Path(path).stat().st_size
