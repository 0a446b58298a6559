"""The exact frame index of a video file: one demux pass, no decoding.

:func:`build_index` reads every packet of the file's video stream once with
PyAV (``container.demux(stream)``: FFmpeg's demuxers, no decoder) and records
for each packet its presentation timestamp (PTS), decode timestamp (DTS),
keyframe flag, byte position and size.  This is how FFMS2 and BestSource (the
indexers behind Aegisub and VapourSynth) get exact frame access; ``ffprobe
-count_packets`` is the same kind of pass.  Everything about a clip's frames
comes from it, exactly:

* **frame N** is the N-th frame FFmpeg decodes: packets that carry a picture,
  in presentation order.  Empty packets (AVI placeholders, the demuxer's final
  flush) and packets cut short by the end of the file (FFmpeg marks them
  corrupt) produce no frame and are left out;
* each frame's **time** in milliseconds from the first frame, exact also when
  the frame rate varies (motion-triggered recording);
* **keyframes** (where decoding can start), the frame count and the duration
  (last frame's time plus its duration);
* **timestamp gaps**: every interval longer than two nominal frame intervals,
  as (start ms, length ms), e.g. the minutes a motion-triggered recorder did not
  record;
* **compressed-domain activity**: bytes of inter-coded (non-key) packets per
  time bin (:meth:`ClipIndex.packet_activity`), from the same pass.

Timestamps are repaired where recorders write them badly:

* MPEG-TS/PS timestamps are 33-bit and wrap after about 26.5 hours; they are
  unwrapped (2^33 added at each backward jump of more than 2^32 ticks);
* packets without a PTS (Hikvision program streams put one on only some
  packets) get the DTS when there is one and the stream has no reordering,
  else a value interpolated between their neighbours in decode order;
* a repeated timestamp only orders the two frames by decode order (the file
  keeps its timestamps);
* streams with no timestamps at all (raw ``.264``/``.265``) and AVI (whose
  timestamps are packet counters in decode order, so they say nothing about
  B-frame reordering) are numbered by **count**: frame N is the N-th decoded,
  at N / frame rate.

The index is kept with the clip in the store (:meth:`ClipIndex.to_record` /
:meth:`ClipIndex.from_record`: numpy arrays as bytes, 41 bytes a frame: about 60 KB per minute at 25 fps) so a
file is read only once.  Qt-free; raises :class:`~cctv_review.video.errors.VideoError`
subclasses for files that cannot be indexed.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import numpy as np

from .errors import (
    AudioOnly,
    CorruptVideo,
    CutOff,
    EmptyVideo,
    NotAVideo,
    UnsupportedCodec,
    VideoError,
    VideoFileMissing,
)

#: Version of the stored layout; a stored index of another version is rebuilt.
FORMAT_VERSION = 1
#: "No timestamp" in the int64 arrays (FFmpeg's AV_NOPTS_VALUE).
NOPTS = np.iinfo(np.int64).min
#: MPEG-TS/PS timestamps are 33-bit (ISO/IEC 13818-1, 2.4.3.7).
_WRAP = 1 << 33
#: Containers whose timestamps are packet counters, not presentation times.
_COUNT_FORMATS = ("avi",)
#: Containers that carry no timestamps (raw elementary streams).
_RAW_FORMATS = ("h264", "hevc", "mjpeg", "m4v", "mpegvideo", "cavsvideo", "vvc", "avs2", "avs3")

_AVError = getattr(av.error, "FFmpegError", Exception)


@dataclass(frozen=True)
class StreamDescription:
    """What the container says about the video stream (not measured).

    ``codec`` is FFmpeg's decoder name (``h264``, ``hevc``, ``mjpeg``...);
    ``sar`` the sample (pixel) aspect ratio as (num, den), (1, 1) when unknown;
    ``container`` FFmpeg's demuxer name; ``stream_index`` the video stream's
    index in the file (other streams, audio or data, are ignored).
    """

    codec: str
    width: int
    height: int
    pix_fmt: str
    sar: tuple[int, int]
    container: str
    stream_index: int
    container_frame_count: int
    nominal_fps: float


@dataclass(frozen=True, eq=False)
class ClipIndex:
    """Every frame of one file's video stream, in presentation order.

    Arrays (one entry per frame, frame N at position N):

    * ``pts`` - int64 presentation timestamp in ``time_base`` units, unwrapped
      and repaired (see the module docstring); in count mode ``N * frame
      duration``;
    * ``dts`` - int64 decode timestamp as demuxed (``NOPTS`` if none);
    * ``key`` - bool, the packet is a keyframe (decoding can start there);
    * ``pos`` - int64 byte position of the packet in the file (-1 unknown);
    * ``size`` - int32 packet size in bytes;
    * ``decode_rank`` - int32 position of the frame's packet in decode order;
    * ``seek_ts`` - int64 the packet's timestamp as the demuxer gave it (used
      to ask FFmpeg to seek there; ``NOPTS`` if none).

    ``timing`` is ``"pts"`` (frames at their timestamps) or ``"count"`` (frame N
    decoded N-th, at N frame durations).  ``cut_off`` is True when the file
    ends inside a packet (an interrupted export or copy).
    """

    time_base: Fraction
    pts: np.ndarray
    dts: np.ndarray
    key: np.ndarray
    pos: np.ndarray
    size: np.ndarray
    decode_rank: np.ndarray
    seek_ts: np.ndarray
    timing: str
    frame_duration: int
    stream: StreamDescription
    file_size: int = 0
    file_mtime_ns: int = 0
    cut_off: bool = False
    recorded_start_hint: _dt.datetime | None = None
    _times_ms: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        times = (self.pts - (self.pts[0] if len(self.pts) else 0)).astype(np.float64) * (
            float(self.time_base) * 1000.0
        )
        object.__setattr__(self, "_times_ms", times)

    # -- counts and times ---------------------------------------------------
    @property
    def frame_count(self) -> int:
        """Frames FFmpeg decodes from the file."""
        return len(self.pts)

    @property
    def times_ms(self) -> np.ndarray:
        """float64 (frame_count,): each frame's time in ms from the first frame."""
        assert self._times_ms is not None
        return self._times_ms

    @property
    def frame_ms(self) -> float:
        """Nominal duration of one frame in ms (median interval)."""
        return self.frame_duration * float(self.time_base) * 1000.0

    @property
    def fps(self) -> float:
        """Nominal frame rate (frames per second) from the median interval."""
        return 1000.0 / self.frame_ms if self.frame_ms > 0 else 25.0

    @property
    def duration_ms(self) -> int:
        """Last frame's time plus one nominal frame duration, in ms."""
        if not self.frame_count:
            return 0
        return round(float(self.times_ms[-1]) + self.frame_ms)

    @property
    def start_seconds(self) -> float:
        """The first frame's timestamp in seconds as the file states it."""
        return float(self.pts[0] * self.time_base) if self.frame_count else 0.0

    def ms_of_frame(self, index: int) -> int:
        """Time of frame ``index`` in ms from the first frame (index clamped)."""
        if not self.frame_count:
            return 0
        return round(float(self.times_ms[max(0, min(self.frame_count - 1, int(index)))]))

    def frame_at_ms(self, ms: float) -> int:
        """Index of the frame on screen at ``ms`` (the last one at or before it)."""
        if not self.frame_count:
            return 0
        i = int(np.searchsorted(self.times_ms, float(ms) + 1e-6, side="right")) - 1
        return max(0, min(self.frame_count - 1, i))

    @property
    def keyframes(self) -> np.ndarray:
        """int64 indices of the keyframes, ascending."""
        return np.flatnonzero(self.key)

    def keyframe_before(self, index: int) -> int:
        """The keyframe at or before frame ``index`` (0 if there is none)."""
        keys = self.keyframes
        i = int(np.searchsorted(keys, int(index), side="right")) - 1
        return int(keys[i]) if i >= 0 else 0

    @property
    def gop_frames(self) -> int:
        """Median distance between keyframes in frames (1 for intra-only video)."""
        keys = self.keyframes
        if len(keys) < 2:
            return self.frame_count
        return int(np.median(np.diff(keys)))

    @property
    def variable_frame_rate(self) -> bool:
        """True if more than 5% of the intervals differ from the nominal by over 25%."""
        if self.frame_count < 3 or self.timing != "pts":
            return False
        d = np.diff(self.pts)
        nominal = self.frame_duration
        off = np.abs(d - nominal) > max(1.0, 0.25 * nominal)
        return bool(off.sum() > max(1, len(d) // 20))

    def gaps(self) -> list[tuple[int, int]]:
        """Timestamp gaps: ``[(start_ms, length_ms)]`` for every interval over 2 frames.

        ``start_ms`` is where the frame before the gap ends (its time plus one
        nominal frame), ``length_ms`` how long nothing was recorded.
        """
        if self.frame_count < 2:
            return []
        d = np.diff(self.times_ms)
        nominal = self.frame_ms
        out = []
        for i in np.flatnonzero(d > 2.0 * nominal):
            start = float(self.times_ms[i]) + nominal
            out.append((round(start), round(float(d[i]) - nominal)))
        return out

    def packet_activity(self, bin_ms: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """Compressed-domain activity: ``(inter_bytes, inter_frames)`` per time bin.

        Bin ``b`` covers ``[b*bin_ms, (b+1)*bin_ms)`` of clip time; it sums the
        sizes (bytes) of the non-keyframe packets whose frames fall in it, and
        counts them.  Inter-coded frames grow with what changed in the picture
        (H.264/H.265/MPEG-4); for intra-only codecs (MJPEG) every frame is a
        keyframe and both arrays are zero.  How to turn this into activity is
        the activity finder's business.
        """
        nbins = max(1, math.ceil(self.duration_ms / max(1, bin_ms)))
        bins = np.minimum(nbins - 1, (self.times_ms // bin_ms).astype(np.int64))
        inter = ~self.key
        sizes = np.bincount(bins[inter], weights=self.size[inter], minlength=nbins)
        counts = np.bincount(bins[inter], minlength=nbins)
        return sizes.astype(np.float64), counts.astype(np.int64)

    def frame_of_position(self, pos: int) -> int | None:
        """Frame whose packet starts at byte ``pos`` (None if no packet does)."""
        order = self._pos_order()
        i = int(np.searchsorted(self.pos[order], pos))
        if i < len(order) and int(self.pos[order[i]]) == pos:
            return int(order[i])
        return None

    def _pos_order(self) -> np.ndarray:
        cached = self.__dict__.get("_pos_sorted")
        if cached is None:
            cached = np.argsort(self.pos, kind="stable")
            object.__setattr__(self, "_pos_sorted", cached)
        return cached

    def frame_of_decode_rank(self, rank: int) -> int | None:
        """Frame decoded ``rank``-th from the start of the file (None if out of range)."""
        inv = self.__dict__.get("_rank_inv")
        if inv is None:
            inv = np.empty(self.frame_count, dtype=np.int64)
            inv[self.decode_rank] = np.arange(self.frame_count)
            object.__setattr__(self, "_rank_inv", inv)
        return int(inv[rank]) if 0 <= rank < self.frame_count else None

    # -- storage -------------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """A dict for the store: ``meta`` (JSON text) and the arrays as bytes (BLOBs)."""
        meta = {
            "time_base": [self.time_base.numerator, self.time_base.denominator],
            "timing": self.timing,
            "frame_duration": int(self.frame_duration),
            "stream": self.stream.__dict__,
            "file_size": self.file_size,
            "file_mtime_ns": self.file_mtime_ns,
            "cut_off": self.cut_off,
            "recorded_start_hint": self.recorded_start_hint.isoformat() if self.recorded_start_hint else None,
        }
        return {
            "version": FORMAT_VERSION,
            "meta": json.dumps(meta),
            "pts": self.pts.astype("<i8").tobytes(),
            "dts": self.dts.astype("<i8").tobytes(),
            "flags": self.key.astype(np.uint8).tobytes(),
            "pos": self.pos.astype("<i8").tobytes(),
            "size": self.size.astype("<i4").tobytes(),
            "decode_rank": self.decode_rank.astype("<i4").tobytes(),
            "seek_ts": self.seek_ts.astype("<i8").tobytes(),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ClipIndex | None:
        """The index stored by :meth:`to_record`; None if it is of another version."""
        if int(record.get("version") or 0) != FORMAT_VERSION:
            return None
        meta = json.loads(record["meta"])
        st = meta["stream"]
        st["sar"] = tuple(st["sar"])
        hint = meta.get("recorded_start_hint")
        return cls(
            time_base=Fraction(*meta["time_base"]),
            pts=np.frombuffer(record["pts"], dtype="<i8").astype(np.int64),
            dts=np.frombuffer(record["dts"], dtype="<i8").astype(np.int64),
            key=np.frombuffer(record["flags"], dtype=np.uint8).astype(bool),
            pos=np.frombuffer(record["pos"], dtype="<i8").astype(np.int64),
            size=np.frombuffer(record["size"], dtype="<i4").astype(np.int32),
            decode_rank=np.frombuffer(record["decode_rank"], dtype="<i4").astype(np.int32),
            seek_ts=np.frombuffer(record["seek_ts"], dtype="<i8").astype(np.int64),
            timing=meta["timing"],
            frame_duration=int(meta["frame_duration"]),
            stream=StreamDescription(**st),
            file_size=int(meta.get("file_size") or 0),
            file_mtime_ns=int(meta.get("file_mtime_ns") or 0),
            cut_off=bool(meta.get("cut_off")),
            recorded_start_hint=_dt.datetime.fromisoformat(hint) if hint else None,
        )

    def matches_file(self, path: str | os.PathLike[str]) -> bool:
        """True if ``path`` still has the size and modification time it was indexed with."""
        try:
            st = os.stat(path)
        except OSError:
            return False
        return st.st_size == self.file_size and st.st_mtime_ns == self.file_mtime_ns


# ---------------------------------------------------------------------------
# opening
# ---------------------------------------------------------------------------


def check_file(path: Path) -> None:
    """Raise a plain-language :class:`VideoError` if ``path`` cannot be a readable file."""
    if not path.exists():
        raise VideoFileMissing(path)
    if path.is_dir():
        raise NotAVideo(
            path, "is a folder, not a video file", advice="Open one of the video files inside it instead."
        )
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.read(1)
    except PermissionError as exc:
        raise VideoError(
            path,
            "cannot be read because access was refused",
            advice="Check that you have permission to read it, or copy it to a folder you can use.",
        ) from exc
    except OSError as exc:
        raise VideoError(
            path,
            f"cannot be read ({exc.strerror or exc})",
            advice="Check the drive or network share it is on and try again.",
        ) from exc
    if size == 0:
        raise EmptyVideo(
            path, "is empty (0 bytes)", advice="The copy or export probably failed. Copy or export it again."
        )


def sniff(path: Path) -> str | None:
    """Recognise the container from the first bytes (for messages when FFmpeg refuses)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if len(head) >= 12 and head[4:8] in (
        b"ftyp",
        b"moov",
        b"mdat",
        b"free",
        b"wide",
        b"skip",
        b"moof",
        b"styp",
    ):
        return "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return "avi"
    if head[:4] == b"DHAV":
        return "dav"
    if head[:4] == b"IMKH":
        return "hikvision"
    if head[:4] == b"\x00\x00\x01\xba":
        return "mpeg-ps"
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "mpeg-ts"
    if head[:4] == b"\x00\x00\x00\x01" or head[:3] == b"\x00\x00\x01":
        return "elementary"
    return None


def _cut_off_error(path: Path, kind: str) -> CutOff:
    what = {
        "mp4": "its index (the 'moov' part an MP4 export writes at the end) is missing",
        "avi": "its index (written at the end of an AVI export) is missing",
    }.get(kind, "it ends before its structure is complete")
    return CutOff(path, f"was cut off before the export or copy finished: {what}")


def open_container(path: Path) -> Any:
    """Open ``path`` with FFmpeg (PyAV); raise a plain-language VideoError if it cannot be.

    Hikvision exports (``IMKH`` header, MPEG program stream inside, often
    named ``.mp4``): FFmpeg's format probing skips the 40-byte header and
    finds the program stream by itself; if it does not, the ``mpeg`` demuxer
    is forced.
    """
    check_file(path)
    kind = sniff(path)
    options = {"probesize": str(10 << 20), "analyzeduration": str(10_000_000)}
    try:
        return av.open(os.fspath(path), mode="r", timeout=20.0, options=options)
    except (_AVError, OSError, ValueError, UnicodeDecodeError) as exc:
        first = exc
    if kind == "hikvision":
        try:
            return av.open(os.fspath(path), mode="r", format="mpeg", timeout=20.0)
        except (_AVError, OSError, ValueError):
            pass
    if kind in ("mp4", "avi"):
        raise _cut_off_error(path, kind) from first
    if kind is None:
        raise NotAVideo(path) from first
    raise CorruptVideo(
        path, f"looks like a {kind.upper()} video but cannot be opened; it is damaged or incomplete"
    ) from first


def video_stream(container: Any, path: Path) -> Any:
    """The first real video stream (cover pictures are not video); errors if none."""
    attached = getattr(getattr(av.stream, "Disposition", None), "attached_pic", 0)
    streams = [s for s in container.streams.video if not (int(getattr(s, "disposition", 0)) & int(attached))]
    if streams:
        return streams[0]
    if container.streams.audio:
        raise AudioOnly(path)
    raise EmptyVideo(path)


# ---------------------------------------------------------------------------
# the pass
# ---------------------------------------------------------------------------


def build_index(
    path: str | os.PathLike[str],
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ClipIndex:
    """Demux ``path`` once and return its :class:`ClipIndex`.

    ``progress(fraction)`` is called now and then (0..1, by bytes read);
    ``cancel()`` returning True stops the pass with :class:`IndexCancelled`.
    Raises a :class:`~cctv_review.video.errors.VideoError` subclass (missing,
    not a video, sound only, cut off, no pictures) if the file cannot be indexed.
    """
    p = Path(os.fspath(path))
    container = open_container(p)
    try:
        vs = video_stream(container, p)
        desc = _describe(container, vs, p)
        file_size = p.stat().st_size
        pts_l: list[int] = []
        dts_l: list[int] = []
        key_l: list[bool] = []
        pos_l: list[int] = []
        size_l: list[int] = []
        dur_l: list[int] = []
        cut_off = False
        tail_packet = -1  # decode-order position of a packet cut short by the end of the file
        demux_errors = 0
        seen = 0
        demux = container.demux(vs)
        while True:
            try:
                packet = next(demux)
            except StopIteration:
                break
            except (_AVError, OSError) as exc:
                # Damage the demuxer cannot step over, or the end of a cut-off file.
                demux_errors += 1
                if isinstance(exc, av.error.EOFError) or demux_errors > 64:
                    cut_off = True
                    break
                demux = container.demux(vs)
                continue
            size = packet.size
            if size == 0:
                continue  # placeholder or the final flush packet: no picture
            if packet.is_corrupt:
                pos = packet.pos if packet.pos is not None else -1
                if pos >= 0 and pos + size >= file_size:
                    # The last packet, cut short by the end of the file: whether it
                    # still gives a picture is settled by decoding the tail (below).
                    cut_off = True
                    tail_packet = len(pts_l)
            pts_l.append(NOPTS if packet.pts is None else int(packet.pts))
            dts_l.append(NOPTS if packet.dts is None else int(packet.dts))
            key_l.append(bool(packet.is_keyframe))
            pos_l.append(-1 if packet.pos is None else int(packet.pos))
            size_l.append(int(size))
            dur_l.append(int(packet.duration or 0))
            seen += 1
            if seen % 2048 == 0:
                if cancel is not None and cancel():
                    raise IndexCancelled(f"indexing {p} was cancelled")
                if progress is not None and pos_l[-1] > 0:
                    progress(min(1.0, pos_l[-1] / max(1, file_size)))
        if not pts_l:
            raise EmptyVideo(p, "contains no video pictures that can be read")
        time_base = vs.time_base or Fraction(1, 90000)
    finally:
        container.close()
    if progress is not None:
        progress(1.0)
    if tail_packet >= 0 and not _tail_packet_decodes(p, desc, pts_l, dts_l, key_l, tail_packet):
        for arr in (pts_l, dts_l, key_l, pos_l, size_l, dur_l):
            del arr[tail_packet]
        if not pts_l:
            raise EmptyVideo(p, "contains no video pictures that can be read")
    stat = p.stat()
    return assemble(
        np.array(pts_l, dtype=np.int64),
        np.array(dts_l, dtype=np.int64),
        np.array(key_l, dtype=bool),
        np.array(pos_l, dtype=np.int64),
        np.array(size_l, dtype=np.int32),
        np.array(dur_l, dtype=np.int64),
        Fraction(time_base),
        desc,
        file_size=stat.st_size,
        file_mtime_ns=stat.st_mtime_ns,
        cut_off=cut_off,
        recorded_start_hint=dhav_start(p) if desc.container == "dhav" else None,
    )


def _tail_packet_decodes(
    path: Path, desc: StreamDescription, pts: list[int], dts: list[int], key: list[bool], tail: int
) -> bool:
    """Whether FFmpeg gets a picture out of the packet cut short at the end of the file.

    Decodes from the last keyframe before it to the end (one GOP at most) and
    compares the frames produced with the packets fed: the cut packet gives a
    picture if none is missing.  Depends on the codec (a cut H.264 slice in an
    AVI still decodes; a cut NAL unit in MP4 does not), so it is measured.
    """
    start = max((i for i in range(tail + 1) if key[i]), default=0)
    ts = pts[start] if pts[start] != NOPTS else dts[start]
    fed = frames = 0
    try:
        with av.open(os.fspath(path), mode="r", timeout=20.0) as c:
            vs = c.streams[desc.stream_index]
            if start > 0 and ts != NOPTS:
                c.seek(ts, stream=vs, backward=True, any_frame=False)
            started = start == 0
            for packet in c.demux(vs):
                if packet.size == 0:
                    continue
                if not started:
                    started = bool(packet.is_keyframe)
                    if not started:
                        continue
                fed += 1
                try:
                    frames += len(vs.codec_context.decode(packet))
                except _AVError:
                    pass
            try:
                frames += len(vs.codec_context.decode(None))
            except _AVError:
                pass
    except (_AVError, OSError):
        return False
    return frames >= fed


class IndexCancelled(Exception):
    """Raised by :func:`build_index` when ``cancel()`` returned True."""


def _describe(container: Any, vs: Any, path: Path) -> StreamDescription:
    ctx = vs.codec_context
    if ctx is None:  # FFmpeg has no decoder for this stream's codec
        tag = str(getattr(vs, "codec_tag", "") or "").strip("\x00 ") or _avi_fourcc(path) or "unknown"
        raise UnsupportedCodec(path, f'uses a video format ("{tag}") this application cannot decode')
    sar = vs.sample_aspect_ratio or ctx.sample_aspect_ratio
    sar_t = (sar.numerator, sar.denominator) if sar and sar.numerator > 0 and sar.denominator > 0 else (1, 1)
    rate = vs.average_rate or vs.guessed_rate or vs.base_rate
    return StreamDescription(
        codec=ctx.name or "unknown",
        width=int(ctx.width or 0),
        height=int(ctx.height or 0),
        pix_fmt=str(ctx.pix_fmt or ""),
        sar=sar_t,
        container=str(container.format.name).split(",")[0],
        stream_index=int(vs.index),
        container_frame_count=int(vs.frames or 0),
        nominal_fps=float(rate) if rate else 0.0,
    )


def _avi_fourcc(path: Path) -> str | None:
    """The video FourCC of an AVI (``strf`` BITMAPINFOHEADER biCompression), for messages."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(1 << 16)
    except OSError:
        return None
    i = data.find(b"strh")
    if data[:4] != b"RIFF" or i < 0 or data[i + 8 : i + 12] != b"vids":
        return None
    j = data.find(b"strf", i)
    tag = data[j + 8 + 16 : j + 8 + 20] if j >= 0 else data[i + 12 : i + 16]
    return tag.decode("latin-1").strip("\x00 ") or None


def assemble(
    pts: np.ndarray,
    dts: np.ndarray,
    key: np.ndarray,
    pos: np.ndarray,
    size: np.ndarray,
    dur: np.ndarray,
    time_base: Fraction,
    desc: StreamDescription,
    *,
    file_size: int = 0,
    file_mtime_ns: int = 0,
    cut_off: bool = False,
    recorded_start_hint: _dt.datetime | None = None,
) -> ClipIndex:
    """Turn demuxed packet fields (decode order) into a :class:`ClipIndex`.

    Repairs timestamps as described in the module docstring and sorts the
    frames into presentation order.
    """
    n = len(pts)
    seek_ts = np.where(pts != NOPTS, pts, dts)
    raw_container = desc.container in _RAW_FORMATS
    have_pts = pts != NOPTS
    have_dts = dts != NOPTS
    timing = "pts"
    if raw_container or desc.container in _COUNT_FORMATS or not (have_pts.any() or have_dts.any()):
        timing = "count"
    nominal_ticks = _nominal_ticks(desc, time_base, dur)
    if timing == "count":
        # The N-th decoded frame is frame N; key flags are the same in decode
        # and presentation order for closed GOPs (what recorders write).
        frame_pts = np.arange(n, dtype=np.int64) * nominal_ticks
        if desc.container in _COUNT_FORMATS and have_dts.all() and np.all(np.diff(dts) > 0):
            # AVI: the decode timestamps count frame slots (empty placeholders
            # included): they give each frame's time.
            frame_pts = dts - dts[0]
        order = np.arange(n)
        d = np.diff(frame_pts)
        d = d[d > 0]
        frame_duration = int(np.median(d)) if len(d) else nominal_ticks
    else:
        ts = pts.copy()
        reorders = bool(np.any(have_pts & have_dts & (pts != dts)))
        if not reorders:
            fill = ~have_pts & have_dts
            ts[fill] = dts[fill]
        ts = _unwrap(ts, time_base)
        ts = _interpolate(ts, nominal_ticks, dur)
        order = np.argsort(ts, kind="stable")
        frame_pts = ts[order]
        d = np.diff(frame_pts)
        d = d[d > 0]
        frame_duration = int(np.median(d)) if len(d) else nominal_ticks
        if frame_duration <= 0:
            frame_duration = nominal_ticks
    rank = np.empty(n, dtype=np.int32)
    rank[:] = order if timing == "pts" else np.arange(n)
    return ClipIndex(
        time_base=time_base,
        pts=frame_pts,
        dts=dts[order],
        key=key[order],
        pos=pos[order],
        size=size[order],
        decode_rank=rank,
        seek_ts=seek_ts[order],
        timing=timing,
        frame_duration=max(1, int(frame_duration)),
        stream=desc,
        file_size=file_size,
        file_mtime_ns=file_mtime_ns,
        cut_off=cut_off,
        recorded_start_hint=recorded_start_hint,
    )


def _nominal_ticks(desc: StreamDescription, time_base: Fraction, dur: np.ndarray) -> int:
    """One frame's duration in time-base ticks: packet durations, else the stated rate, else 25 fps."""
    good = dur[dur > 0]
    if len(good):
        return max(1, int(np.median(good)))
    fps = desc.nominal_fps if 0.5 <= desc.nominal_fps <= 1000 else 25.0
    return max(1, round(1 / (fps * time_base)))


def _unwrap(ts: np.ndarray, time_base: Fraction) -> np.ndarray:
    """Undo 33-bit wrap-around (MPEG-TS/PS, 90 kHz) in decode-order timestamps."""
    if time_base != Fraction(1, 90000):
        return ts
    known = np.flatnonzero(ts != NOPTS)
    if len(known) < 2:
        return ts
    vals = ts[known]
    jumps = np.diff(vals)
    offset = np.concatenate(
        [[0], np.cumsum((jumps < -(1 << 32)).astype(np.int64) - (jumps > (1 << 32)).astype(np.int64))]
    )
    if not offset.any():
        return ts
    out = ts.copy()
    out[known] = vals + offset * _WRAP
    return out


def _interpolate(ts: np.ndarray, nominal: int, dur: np.ndarray) -> np.ndarray:
    """Fill missing timestamps (decode order) between known neighbours, else by frame durations."""
    missing = ts == NOPTS
    if not missing.any():
        return ts
    out = ts.copy()
    known = np.flatnonzero(~missing)
    if len(known) == 0:
        return np.arange(len(ts), dtype=np.int64) * nominal
    n = len(ts)
    idx = np.arange(n)
    # Between two known neighbours: linear in decode position.
    inner = missing & (idx > known[0]) & (idx < known[-1])
    if inner.any():
        out[inner] = np.round(np.interp(idx[inner], known, ts[known].astype(np.float64))).astype(np.int64)
    step = np.where(dur > 0, dur, nominal)
    for i in range(known[-1] + 1, n):  # after the last known: one frame later each
        out[i] = out[i - 1] + step[i - 1]
    for i in range(known[0] - 1, -1, -1):  # before the first known
        out[i] = out[i + 1] - step[i]
    return out


# ---------------------------------------------------------------------------
# Dahua .dav
# ---------------------------------------------------------------------------


def dhav_start(path: str | os.PathLike[str]) -> _dt.datetime | None:
    """The recorder's date-time in the first DHAV packet header (recorder-local, naive).

    Layout as FFmpeg's dhav demuxer (libavformat/dhav.c) reads it: "DHAV",
    type byte, 3 bytes, frame number (u32 LE), length (u32 LE), then the
    date-time packed in a u32 LE: seconds (6 bits), minutes (6), hours (5),
    day (5), month (4), year - 2000 (6).  The recorder's clock may be wrong;
    this is a hint for the reviewer, never the truth.  None if the file does
    not start with a DHAV header or the value is not a valid date-time.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(24)
    except OSError:
        return None
    if len(head) < 20 or head[:4] != b"DHAV":
        return None
    (packed,) = struct.unpack_from("<I", head, 16)
    try:
        return _dt.datetime(
            2000 + ((packed >> 26) & 0x3F),
            (packed >> 22) & 0x0F,
            (packed >> 17) & 0x1F,
            (packed >> 12) & 0x1F,
            (packed >> 6) & 0x3F,
            packed & 0x3F,
        )
    except ValueError:
        return None


__all__ = [
    "FORMAT_VERSION",
    "ClipIndex",
    "IndexCancelled",
    "StreamDescription",
    "build_index",
    "dhav_start",
]
