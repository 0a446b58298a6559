"""The decoder: PyAV/FFmpeg, numbered and seeked through the clip's index (internal).

:class:`PyAVDecoder` is the one decoding path of the application (playback,
the frame reader, stills).  ``grab()`` decodes the next frame and returns its
number, ``retrieve()`` converts the last grabbed frame to BGR,
``retrieve_display()`` converts it for the screen, ``seek_exact(n)`` leaves
the decoder on exactly frame ``n``, plus ``rewind()``, ``next_index``,
``close()`` and the counters ``grabs``/``seeks``.

Frame numbers come from the :class:`~cctv_review.video.index.ClipIndex`, not
from timestamps seen while decoding:

* every demuxed packet is identified in the index by its byte position (or,
  for packets without one, as the successor in decode order of the previous
  packet), and its PTS is replaced by its frame number before it is decoded;
  FFmpeg hands that value back on the decoded frame, so a frame's number is
  exact whatever the file's timestamps are (wrapped, missing, repeated);
* in ``"count"`` timing (raw streams, AVI) frames are numbered by counting
  from the keyframe decoding started at.

Exact seek (:class:`ExactSeek`): the keyframe at or before the target is taken
from the index; the container is asked to seek (backward, in the stream's time
base) to that keyframe's timestamp; packets before the first keyframe after
the seek are dropped; the first keyframe tells where the seek really landed
(if after the target, seek again to an earlier keyframe); then frames are
decoded forward to the target.  Skipped frames are decoded, never converted.

Interlaced pictures (``frame.interlaced_frame``, e.g. PAL D1 from analogue
cameras) are deinterlaced by FFmpeg's ``bwdif`` filter (one output frame per
input frame, through ``av.filter.Graph``) before anything sees them.  Frames
with non-square pixels (SAR not 1:1) are resized to their display aspect by
:func:`to_display` and :meth:`PyAVDecoder.retrieve` (e.g. 704x576 at 12:11 is
shown 768x576, 4:3).

Colour: yuv420p (limited range, the usual H.264/H.265 CCTV format) is
converted by OpenCV (SIMD, multi-threaded; at full size ``cvtColorTwoPlane``
reads the Y plane in place, at reduced sizes the planes are reduced first).
Other pixel formats (full-range ``yuvj420p`` from MJPEG and many cameras,
4:2:2, odd sizes, ...) are converted by FFmpeg's swscale to ``bgr24``, which
honours the colour range.

Damage: packets the demuxer or decoder rejects are skipped and decoding
continues; only after a long run of failures with no picture does ``grab()``
give up (returns ``None``).  Not thread-safe: each thread owns its own decoder.
"""

from __future__ import annotations

import collections
import os
from typing import Any

import av
import av.error
import cv2
import numpy as np

from . import _display
from .index import ClipIndex

# Consecutive demux/decode failures without a picture before giving up.
_MAX_BAD_PACKETS = 512
_MAX_DEMUX_ERRORS = 64

#: Pixel formats converted by cvtColor from the I420 planes (limited range).
_I420_FORMATS = ("yuv420p",)
#: av.error.FFmpegError is the base of PyAV's errors (InvalidDataError, ...).
_AVError = getattr(av.error, "FFmpegError", Exception)

#: Decoder threads used by every decoder (the benchmark uses the same number
#: for its ffmpeg reference run).
DECODE_THREADS = max(1, min(os.cpu_count() or 2, 8))


class ExactSeek:
    """Exact seeking over a decoder that numbers its frames (see the module docstring).

    A decoder provides ``index``, ``grab()``, ``rewind()`` and
    ``_seek(frame_index) -> int | None`` (jump to the keyframe at or before
    the frame; return the number of the keyframe it really landed on, or None
    if the container refused).
    """

    def __init__(self, path: str | os.PathLike[str], clip_index: ClipIndex) -> None:
        self.path = os.fspath(path)
        self.clip_index = clip_index
        self.fps = clip_index.fps
        self.mode = clip_index.timing
        self.grabs = 0  # frames decoded (for tests and statistics)
        self.seeks = 0  # container seeks issued
        self.index: int | None = None  # number of the frame last grabbed
        self.pts_ms: float = 0.0

    @property
    def next_index(self) -> int | None:
        """Number the next sequential grab is expected to return."""
        return None if self.index is None else self.index + 1

    def grab(self) -> int | None:  # pragma: no cover - implemented by the decoder
        raise NotImplementedError

    def rewind(self) -> None:  # pragma: no cover - implemented by the decoder
        raise NotImplementedError

    def _seek(self, frame_index: int) -> int | None:  # pragma: no cover - implemented by the decoder
        raise NotImplementedError

    def seek_exact(self, target: int, *, forward_limit: int | None = None) -> int | None:
        """Leave the decoder with frame ``target`` grabbed; return its number.

        If frame ``target`` cannot be decoded (damage) the first frame after it
        is returned; ``None`` if nothing at or after it decodes.
        ``forward_limit``: if the current position is at most this many frames
        before the target, decode forward instead of seeking (default: the
        distance to the keyframe before the target, i.e. whenever decoding
        forward costs no more than a seek).
        """
        ix = self.clip_index
        target = max(0, min(ix.frame_count - 1, int(target)))
        if self.index is not None and self.index == target:
            return target
        key = ix.keyframe_before(target)
        if self.index is not None and self.index < target:
            limit = forward_limit if forward_limit is not None else max(2, target - key)
            if target - self.index <= limit or self.index >= key:
                got = self._grab_until(target)
                if got is not None:
                    return got
        if key == 0 or not self.seekable:
            self.rewind()
            return self._grab_until(target)
        want = target
        for _ in range(4):
            key = ix.keyframe_before(want)
            if key == 0:
                break
            landed = self._seek(key)
            if landed is not None and landed <= target:
                return self._grab_until(target)
            want = key - 1  # landed after the target (or refused): an earlier keyframe
        self.rewind()
        return self._grab_until(target)

    @property
    def seekable(self) -> bool:
        return True

    def _grab_until(self, target: int) -> int | None:
        idx = self.index
        if idx is None:
            idx = self.grab()
        while idx is not None and idx < target:
            idx = self.grab()
        return idx


class PyAVDecoder(ExactSeek):
    """One PyAV container plus the number of the last grabbed frame."""

    backend = "pyav"

    def __init__(
        self,
        path: str | os.PathLike[str],
        clip_index: ClipIndex,
        *,
        threads: int | None = None,
        deinterlace: bool = True,
    ) -> None:
        super().__init__(path, clip_index)
        self.threads = int(threads or DECODE_THREADS)
        self.deinterlace = deinterlace
        self._container: Any = None
        self._frame: Any = None
        sar = clip_index.stream.sar
        self.sar = sar if sar[0] > 0 and sar[1] > 0 else (1, 1)
        self._open()

    # -- opening / closing -------------------------------------------------
    def _open(self) -> None:
        from .index import open_container

        container = open_container(__import__("pathlib").Path(self.path))
        try:
            vs = container.streams[self.clip_index.stream.stream_index]
            if vs.type != "video":
                raise OSError(f"stream {vs.index} of {self.path} is not video")
            vs.thread_type = "AUTO"
            vs.thread_count = self.threads
            ctx = vs.codec_context
        except BaseException:
            container.close()
            raise
        self._container = container
        self._stream = vs
        self._ctx = ctx
        # Frames are numbered by their packets (exact, also past damage) unless the
        # index counts frames and the codec reorders them (B-frames in AVI or a raw
        # stream): then by counting from the keyframe decoding started at.
        self._by_packet = self.mode == "pts" or not bool(getattr(ctx, "has_b_frames", True))
        self._demux = container.demux(vs)
        self._pending: collections.deque = collections.deque()
        self._flushed = False  # decoder drained at the end of the file
        self._graph: Any = None  # deinterlacing filter graph, made on the first interlaced frame
        self._reset_numbering(synced=True)
        self._frame = None
        self.index = None

    def _reset_numbering(self, *, synced: bool) -> None:
        #: Waiting for the first keyframe after a seek (packets before it are dropped).
        self._need_key = not synced
        self._last_rank = -1  # decode rank of the last packet fed
        self._anchor: int | None = 0 if synced else None  # count mode: number of the next frame out
        self._landed: int | None = None  # frame number of the first keyframe after a seek

    def close(self) -> None:
        container, self._container = self._container, None
        self._frame = None
        self._graph = None
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
        keyframes_only = self.keyframes_only
        self.close()
        self._open()
        self._keyframes_only = False  # the new codec context decodes every frame
        self.keyframes_only = keyframes_only

    @property
    def keyframes_only(self) -> bool:
        """True while the decoder decodes keyframes only (FFmpeg's ``skip_frame = NONKEY``).

        Set by the track player when decoding cannot keep up (many tiles, high
        speed): packets that are not keyframes are still demuxed and numbered
        but not decoded, so ``grab()`` returns only keyframes.  Only for
        ``"pts"`` timing (frames numbered by their packets).
        """
        return bool(getattr(self, "_keyframes_only", False))

    @keyframes_only.setter
    def keyframes_only(self, on: bool) -> None:
        on = bool(on) and self._by_packet
        if on == self.keyframes_only:
            return
        self._keyframes_only = on
        self._ctx.skip_frame = "NONKEY" if on else "DEFAULT"
        if not on:
            # The frames skipped since the last keyframe are missing as references:
            # the next read must seek to a keyframe, not decode forward from here.
            self.index = None

    @property
    def seekable(self) -> bool:
        # Raw elementary streams have no timestamps to seek by: decode from the start.
        from .index import _RAW_FORMATS

        return self.clip_index.stream.container not in _RAW_FORMATS

    # -- packets -> frame numbers -------------------------------------------
    def _identify(self, packet: Any) -> int | None:
        """The frame number of ``packet`` (None if it cannot be placed in the index)."""
        ix = self.clip_index
        f = None
        successor = ix.frame_of_decode_rank(self._last_rank + 1) if self._last_rank >= 0 else None
        if packet.pos is not None and packet.pos >= 0:
            pos = int(packet.pos)
            # Several packets can start in the same place (a program-stream pack
            # holding two frames): the next one in decode order is the one meant.
            if successor is not None and int(ix.pos[successor]) == pos:
                f = successor
            else:
                f = ix.frame_of_position(pos)
        if f is None:
            f = successor
        if f is None and self._last_rank < 0 and self._anchor == 0 and not self._need_key:
            f = ix.frame_of_decode_rank(0)  # the very first packet of the file
        return f

    def _feed(self, packet: Any) -> list:
        """Decode one packet; return the raw frames it released."""
        f = self._identify(packet)
        if f is None and packet.is_corrupt:
            return []  # cut short by the end of the file: left out of the index, never decoded
        if self._need_key:
            if not packet.is_keyframe or f is None:
                return []  # before the first keyframe after a seek: cannot be decoded
            self._need_key = False
            self._landed = f
            self._anchor = f
        if f is not None:
            self._last_rank = int(self.clip_index.decode_rank[f])
            packet.pts = f if self._by_packet else None
        else:
            self._last_rank = -1
            packet.pts = None
        return list(self._ctx.decode(packet))

    def _number(self, frames: list) -> None:
        """Give each decoded frame its number (as ``frame.pts``) and queue it."""
        for frame in frames:
            if self._by_packet and frame.pts is not None:
                n = int(frame.pts)
            else:
                prev = self._anchor if self._anchor is not None else 0
                n = prev
            self._anchor = n + 1
            frame.pts = n
            self._enqueue(frame)

    def _enqueue(self, frame: Any) -> None:
        if self.deinterlace and (self._graph is not None or getattr(frame, "interlaced_frame", False)):
            if self._graph is None:
                self._graph = _deinterlacer(frame)
                self._graph_numbers: collections.deque = collections.deque()
            # bwdif gives one frame out per frame in, in order, but in a field-rate
            # time base: the numbers are carried across here.
            self._graph_numbers.append(frame.pts)
            self._graph.push(frame)
            self._pull_filtered()
        else:
            self._pending.append(frame)

    def _pull_filtered(self) -> None:
        while True:
            try:
                out = self._graph.pull()
            except (BlockingIOError, av.error.EOFError):
                return
            except _AVError as exc:
                if getattr(exc, "errno", None) == 11:  # EAGAIN
                    return
                raise
            if self._graph_numbers:
                out.pts = self._graph_numbers.popleft()
            self._pending.append(out)

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
                self._drain()
                continue
            except (_AVError, OSError) as exc:  # unreadable data in the container
                demux_errors += 1
                if demux_errors > _MAX_DEMUX_ERRORS or isinstance(exc, av.error.EOFError):
                    self._drain()
                    continue
                self._demux = self._container.demux(self._stream)
                continue
            if packet.size == 0:
                continue  # an empty placeholder (AVI) or the demuxer's flush packet
            try:
                frames = self._feed(packet)
            except av.error.EOFError:
                self._flushed = True
                continue
            except (_AVError, OSError):  # a damaged packet: skip it, as FFmpeg does
                bad += 1
                if bad > _MAX_BAD_PACKETS:
                    self._drain()
                continue
            self._number(frames)
        return True

    def _drain(self) -> None:
        if self._flushed:
            return
        try:
            self._number(list(self._ctx.decode(None)))
        except (_AVError, OSError):
            pass
        if self._graph is not None:
            try:
                self._graph.push(None)
            except (_AVError, OSError, ValueError):
                pass
            self._pull_filtered()
        self._flushed = True

    def grab(self) -> int | None:
        """Decode the next frame; return its number, or None at the end/failure."""
        while True:
            if self._container is None or (not self._pending and not self._decode_more()):
                self.index = None
                self._frame = None
                return None
            frame = self._pending.popleft()
            n = int(frame.pts) if frame.pts is not None else (self.index + 1 if self.index is not None else 0)
            if n >= self.clip_index.frame_count:
                continue  # not in the index (e.g. a damaged tail): never shown
            break
        self._frame = frame
        self.grabs += 1
        self.index = n
        self.pts_ms = float(self.clip_index.times_ms[n])
        return n

    def retrieve(self) -> np.ndarray | None:
        """The last grabbed frame as a BGR image at its display aspect."""
        frame = self._frame
        if frame is None:
            return None
        try:
            img = to_bgr(frame)
        except (_AVError, ValueError, AssertionError, cv2.error):
            return None
        return _display.to_aspect(img, self.sar)

    def retrieve_display(self, scale: int = 1, alloc: Any = None) -> tuple[np.ndarray, Any] | None:
        """The last grabbed frame for display: ``(array, owner)`` or ``None``.

        At 1/``scale`` size and its display aspect, written into ``alloc``'s
        buffer when given (see :mod:`cctv_review.video._display`).
        """
        frame = self._frame
        if frame is None:
            return None
        try:
            if self.sar != (1, 1):
                return _display.from_bgr(_display.to_aspect(to_bgr(frame), self.sar), scale, alloc)
            return to_display(frame, scale, alloc)
        except (_AVError, ValueError, AssertionError, cv2.error):
            return None

    # -- exact seek ------------------------------------------------------------
    def _seek(self, frame_index: int) -> int | None:
        """Seek to keyframe ``frame_index``; return the keyframe number landed on."""
        ix = self.clip_index
        ts = int(ix.seek_ts[frame_index])
        if ts == np.iinfo(np.int64).min:
            return None
        self.seeks += 1
        try:
            self._container.seek(ts, stream=self._stream, backward=True, any_frame=False)
        except (_AVError, OSError):
            return None
        # container.seek() flushed the decoder; forget what was queued.
        self._pending.clear()
        self._demux = self._container.demux(self._stream)
        self._flushed = False
        self._graph = None
        self._frame = None
        self.index = None
        self._reset_numbering(synced=False)
        # Read up to the first keyframe to learn where the seek landed.
        while self._landed is None:
            if not self._decode_more():
                return None
        return self._landed


def _deinterlacer(frame: Any) -> Any:
    """A filter graph: buffer -> bwdif (one frame out per frame in, interlaced frames only) -> sink."""
    graph = av.filter.Graph()
    src = graph.add_buffer(
        width=frame.width,
        height=frame.height,
        format=frame.format.name,
        time_base=frame.time_base or __import__("fractions").Fraction(1, 25),
    )
    bwdif = graph.add("bwdif", "mode=send_frame:parity=auto:deint=interlaced")
    sink = graph.add("buffersink")
    src.link_to(bwdif)
    bwdif.link_to(sink)
    graph.configure()
    return graph


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
        src: tuple[np.ndarray, ...] | None
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
