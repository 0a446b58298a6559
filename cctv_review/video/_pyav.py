"""PyAV implementation of the internal decoder (internal).

:class:`PyAVDecoder` has the same interface and semantics as
:class:`cctv_review.video._capture.Decoder` (the OpenCV one): ``grab()``
decodes the next frame and returns its index, ``retrieve()`` converts the last
grabbed frame to BGR, ``seek_exact()`` leaves the decoder on exactly the
requested frame, ``rewind()``, ``next_index``, ``close()``, and the counters
``grabs``/``seeks``.  Frame numbering follows :func:`~cctv_review.video.probe`
(``fps``, ``start_ms``, ``timing``), exactly as the OpenCV decoder does:

* ``"pts"`` mode: ``pts_ms = (pts - stream.start_time) * time_base * 1000 -
  start_ms`` (this is what OpenCV's ``CAP_PROP_POS_MSEC`` reports, minus the
  probe's first-frame time) and ``index = round(pts_ms * fps / 1000)``.
* ``"count"`` mode (no timestamps, e.g. raw ``.h264``): frames are counted
  from the start; seeking rewinds and decodes forward.

Why it exists: OpenCV converts every retrieved frame YUV->BGR with a
single-threaded ``sws_scale`` and cannot hand over the YUV planes.  Here the
planes are taken as they are and converted with OpenCV's SIMD, multi-threaded
colour conversion (limited-range yuv420p, the usual H.264/MPEG-4 CCTV format):
at full size ``cv2.cvtColorTwoPlane`` reads the Y plane in place, at reduced
sizes the reduced planes are converted with ``COLOR_YUV2BGR_I420``.  Other pixel formats (full-range MJPEG ``yuvj*``,
4:2:2, odd sizes, ...) are converted by FFmpeg to ``bgr24``, as OpenCV does.
Frames that are skipped are decoded but never converted.

Damage: packets the demuxer or decoder rejects are skipped (like OpenCV's
backend does) and decoding continues with the next packet; only after a long
run of failures with no picture does ``grab()`` give up (returns ``None``).

Not thread-safe: each thread owns its own decoder.  ``close()`` closes the
container at once (also on ``rewind()``).
"""

from __future__ import annotations

import collections
import os
from fractions import Fraction

import av
import av.error
import cv2
import numpy as np

from . import _display
from ._capture import ExactSeek

# Consecutive demux/decode failures without a picture before giving up.
_MAX_BAD_PACKETS = 512
_MAX_DEMUX_ERRORS = 64

#: Pixel formats converted by cvtColor from the I420 planes (limited range).
_I420_FORMATS = ("yuv420p",)
#: av.error.FFmpegError is the base of PyAV's errors (InvalidDataError, ...).
_AVError = getattr(av.error, "FFmpegError", Exception)


class PyAVDecoder(ExactSeek):
    """One PyAV container plus the index of the last grabbed frame."""

    backend = "pyav"

    def __init__(
        self,
        path: str | os.PathLike[str],
        fps: float,
        *,
        mode: str = "pts",
        threads: int | None = None,
        start_ms: float = 0.0,
    ) -> None:
        from ._capture import DECODE_THREADS

        super().__init__(path, fps, mode, start_ms)
        self.threads = int(threads or DECODE_THREADS)
        self._container = None
        self._frame = None
        self._open()

    # -- opening / closing -------------------------------------------------
    def _open(self) -> None:
        try:
            container = av.open(self.path, mode="r", timeout=20.0)
        except (_AVError, OSError, ValueError) as exc:
            raise OSError(f"cannot open {self.path}: {exc}") from exc
        try:
            streams = [
                s
                for s in container.streams.video
                if not (getattr(s, "disposition", 0) & getattr(av.stream.Disposition, "attached_pic", 0))
            ]
            if not streams:
                raise OSError(f"no video stream in {self.path}")
            vs = streams[0]
            vs.thread_type = "AUTO"
            vs.thread_count = self.threads
            ctx = vs.codec_context
        except BaseException:
            container.close()
            raise
        self._container = container
        self._stream = vs
        self._ctx = ctx
        tb = vs.time_base
        self._tb_ms = float(tb) * 1000.0 if tb else 0.0
        self._tb = tb if tb else Fraction(1, 90000)
        self._st0 = vs.start_time if vs.start_time is not None else 0
        self._demux = container.demux(vs)
        self._pending: collections.deque = collections.deque()
        self._flushed = False  # decoder drained at the end of the file
        self._count = -1  # frames grabbed since (re)open/seek, count mode
        self._frame = None
        self.index = None

    def close(self) -> None:
        container, self._container = self._container, None
        self._frame = None
        if container is not None:
            self._pending.clear()
            demux, self._demux = self._demux, None
            try:
                if demux is not None:
                    demux.close()
            finally:
                container.close()

    def rewind(self) -> None:
        """Reopen the file: the next grab returns the first frame."""
        self.close()
        self._open()

    # -- decoding ------------------------------------------------------------
    def _decode_more(self) -> bool:
        """Read packets until at least one frame is pending; False at the end."""
        bad = 0
        demux_errors = 0
        while not self._pending:
            if self._flushed or self._container is None:
                return False
            try:
                packet = next(self._demux)
            except StopIteration:
                # Demuxer finished; its flush packet has been decoded already
                # (or the generator died): drain whatever the decoder holds.
                self._drain()
                continue
            except (_AVError, OSError) as exc:  # unreadable data in the container
                demux_errors += 1
                if demux_errors > _MAX_DEMUX_ERRORS or isinstance(exc, av.error.EOFError):
                    self._drain()
                    continue
                self._demux = self._container.demux(self._stream)
                continue
            try:
                frames = self._ctx.decode(packet)
            except av.error.EOFError:
                self._flushed = True
                continue
            except (_AVError, OSError):  # a damaged packet: skip it, as FFmpeg does
                bad += 1
                if bad > _MAX_BAD_PACKETS:
                    self._drain()
                continue
            if packet.size == 0:  # the demuxer's final flush packet
                self._flushed = True
            self._pending.extend(frames)
        return True

    def _drain(self) -> None:
        if self._flushed:
            return
        try:
            self._pending.extend(self._ctx.decode(None))
        except (_AVError, OSError):
            pass
        self._flushed = True

    def grab(self) -> int | None:
        """Decode the next frame; return its index, or None at the end/failure."""
        if self._container is None or (not self._pending and not self._decode_more()):
            self.index = None
            self._frame = None
            return None
        frame = self._pending.popleft()
        self._frame = frame
        self.grabs += 1
        self._count += 1
        if self.mode == "count":
            self.index = self._count
            self.pts_ms = self._count * 1000.0 / self.fps
        else:
            ts = frame.pts if frame.pts is not None else frame.dts
            if ts is None:
                # No timestamp on this frame: assume it follows the previous one.
                self.pts_ms = (self.pts_ms + 1000.0 / self.fps) if self.index is not None else 0.0
            else:
                self.pts_ms = max(0.0, (ts - self._st0) * self._tb_ms - self.start_ms)
            self.index = round(self.pts_ms * self.fps / 1000.0)
        return self.index

    def retrieve(self) -> np.ndarray | None:
        """Convert the last grabbed frame to a BGR image."""
        frame = self._frame
        if frame is None:
            return None
        try:
            return to_bgr(frame)
        except (_AVError, ValueError, AssertionError, cv2.error):
            return None

    def retrieve_display(self, scale: int = 1, alloc=None):
        """The last grabbed frame for display: ``(array, owner)`` or ``None``.

        At 1/``scale`` size, written into ``alloc``'s buffer when given (see
        :mod:`cctv_review.video._display`).
        """
        frame = self._frame
        if frame is None:
            return None
        try:
            return to_display(frame, scale, alloc)
        except (_AVError, ValueError, AssertionError, cv2.error):
            return None

    # -- exact seek ------------------------------------------------------------
    def _seek(self, frame_index: int) -> bool:
        """Seek the container to the keyframe at or before ``frame_index``."""
        seconds = frame_index / self.fps + self.start_ms / 1000.0
        offset = int(self._st0 + int(seconds / self._tb))
        self.seeks += 1
        try:
            self._container.seek(offset, stream=self._stream, backward=True, any_frame=False)
        except (_AVError, OSError):
            return False
        # container.seek() flushed the decoder; forget what was queued.
        self._pending.clear()
        self._demux = self._container.demux(self._stream)
        self._flushed = False
        self._count = -1
        self._frame = None
        self.index = None
        return True


def to_bgr(frame) -> np.ndarray:
    """A BGR ``uint8`` array (h, w, 3) from a decoded :class:`av.VideoFrame`."""
    w, h = frame.width, frame.height
    if frame.format.name in _I420_FORMATS and w % 2 == 0 and h % 2 == 0 and w and h:
        planes = _nv12_planes(frame, w, h)
        if planes is not None:
            return _display.convert(cv2.COLOR_YUV2BGR_NV12, *planes)
    return frame.to_ndarray(format="bgr24")


def to_display(frame, scale: int = 1, alloc=None):
    """``(array, owner)``: ``frame`` converted for display at 1/``scale`` size.

    For yuv420p the planes are reduced first (Y, U and V each by pixel
    averaging into one reduced I420 buffer) and converted once at the reduced
    size, straight into the ``alloc`` buffer (BGR or BGRA): about a quarter of
    the work of a full-size conversion at half size.  At full size the Y plane
    is read where the decoder left it (:func:`_nv12_planes`).  Other formats: FFmpeg
    converts to BGR at full size, then :func:`~cctv_review.video._display.from_bgr`.
    """
    w, h = frame.width, frame.height
    if frame.format.name in _I420_FORMATS and w % 2 == 0 and h % 2 == 0 and w and h:
        ow, oh = _display.reduced_size(w, h, scale)
        if (ow, oh) == (w, h):
            src, codes = _nv12_planes(frame, w, h), (cv2.COLOR_YUV2BGR_NV12, cv2.COLOR_YUV2BGRA_NV12)
        else:
            i420 = _i420_reduced(frame, w, h, ow, oh)
            src, codes = (
                (None if i420 is None else (i420,)),
                (cv2.COLOR_YUV2BGR_I420, cv2.COLOR_YUV2BGRA_I420),
            )
        if src is not None:
            if alloc is None:
                return _display.convert(codes[0], *src), None
            dst, owner = _display.target(oh, ow, alloc)
            _display.into(dst, codes[dst.shape[2] == 4], *src)
            return dst, owner
    return _display.from_bgr(frame.to_ndarray(format="bgr24"), scale, alloc)


def _plane_rows(plane, pw: int, ph: int) -> np.ndarray | None:
    """A plane's (ph, pw) pixels as a strided view without line padding (None if laid out oddly)."""
    ls = plane.line_size
    if ls < pw:  # negative (bottom-up) or unexpected layout
        return None
    src = np.frombuffer(plane, dtype=np.uint8)
    if src.size >= ls * ph:  # the usual layout: every row padded to line_size
        return src[: ls * ph].reshape(ph, ls)[:, :pw]
    if src.size < ls * (ph - 1) + pw:
        return None
    return np.lib.stride_tricks.as_strided(src, shape=(ph, pw), strides=(ls, 1))


def _i420_reduced(frame, w: int, h: int, ow: int, oh: int) -> np.ndarray | None:
    """One (oh*3/2, ow) I420 array: each plane of ``frame`` reduced by pixel averaging."""
    out = np.empty((oh * 3 // 2, ow), dtype=np.uint8)
    flat = out.reshape(-1)
    pos = 0
    for plane, pw, ph, qw, qh in zip(
        frame.planes,
        (w, w // 2, w // 2),
        (h, h // 2, h // 2),
        (ow, ow // 2, ow // 2),
        (oh, oh // 2, oh // 2),
        strict=False,
    ):
        rows = _plane_rows(plane, pw, ph)
        if rows is None:
            return None
        _display.shrink(rows, qw, qh, dst=flat[pos : pos + qw * qh].reshape(qh, qw))
        pos += qw * qh
    return out


def _nv12_planes(frame, w: int, h: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(Y, interleaved UV) of a full-size yuv420p ``frame``, for ``cv2.cvtColorTwoPlane``.

    Y is a view of the decoder's plane (no copy); only the two quarter-size
    chroma planes are interleaved.  This is cheaper than assembling one
    contiguous I420 buffer for ``cvtColor`` (a copy of the whole picture) and
    gives identical pixels.
    """
    y = _plane_rows(frame.planes[0], w, h)
    u = _plane_rows(frame.planes[1], w // 2, h // 2)
    v = _plane_rows(frame.planes[2], w // 2, h // 2)
    if y is None or u is None or v is None:
        return None
    return y, cv2.merge([u, v])
