"""Playback of camera tracks under one recorded-time clock: 1 to 9 tiles in sync (Qt-free).

A case's cameras are :class:`CameraTrack`\\ s (a :class:`~cctv_review.tracks.Track`
plus each file's path and exact frame index).  :class:`SyncPlayer` shows up to
nine of them side by side (a single view is one tile) under **one clock in
recorded time**; the GUI thread never decodes.

Time
----
The clock counts milliseconds since 1970-01-01 00:00 UTC (``epoch ms``, a
float) of *recorded time*, clock corrections applied: a moment is the same
number for every camera, whatever the store's time zone and across GMT/BST
changes.  :class:`RecordedClock` follows wall time (position = anchor +
elapsed x speed; the speed is negative in reverse shuttle), never the frames,
so no tile can drift: a tile that cannot keep up drops frames.

Which frame a tile shows
------------------------
Each tile shows the frame whose recorded time is the latest at or before the
clock (:meth:`CameraTrack.frame_at`: the file that covers that moment, found
from the track's spans, and the frame in it from the exact index, so variable
frame rates and gaps inside files are exact).  Where the camera recorded
nothing at that moment (a gap between or inside files, before its first file
or after its last) the tile shows "No recording — next at 01:25:00" instead.

Threads
-------
One worker thread per tile owns that tile's
:class:`~cctv_review.video.reader.FrameReader` (one open file at a time; a
file boundary opens the next file).  When the clock is set (seek, step, jump,
pause, a new camera in the tile) every worker shows the exact frame for the
new clock.  While playing, a worker asks where the clock will be when its
next frame is ready (the clock now plus its measured decoding cost times the
speed) and decodes *that* frame, at most one frame in
:func:`~cctv_review.video.clock.display_step` (frames thinned evenly above
30 shown a second); it shows the frame when the clock reaches its time and
drops it if the clock has passed the next one by then.  When even that cannot
keep up (decoding every frame in turn would take longer than the clock gives:
cost per frame x frame rate x speed > 1, e.g. four 1080p tiles at 16x on two
cores), the worker falls back to **keyframes only** (FFmpeg's ``skip_frame =
NONKEY`` through PyAV: other frames are not decoded).  For fast shuttle this is
decided before the first frame, from the frames decoded on the last seek, the
other tiles' measure, or an assumed decoding speed
(:data:`ASSUMED_DECODE_PIXELS_PER_S`), so a tile never falls behind first.
Reading keyframes only, the next keyframe is decoded as soon as the last one
is on screen and shown when the clock reaches its time: keyframes are evenly
spaced by the GOP and each is shown on time.

Reverse shuttle decodes each GOP once, forward, and shows the kept frames
backwards from memory (the back cache); while a frame waits for its time the
GOP before it is read ahead a frame at a time, so reverse play does not stall
at every keyframe.  Two GOPs must fit in the cache's budget: where they would
not, every n-th frame is shown (frames dropped evenly).  Past -1x, when
decoding would take over half the time, reverse falls back to keyframes too.

When play starts, or moves while playing (a seek, a jump, a new speed, a
gap stepped over), the clock is held at its moment until every tile with a
camera has decoded the first frame it will show (**pre-roll**, at most
:data:`PREROLL_MAX_S`), so no tile starts behind the others: in reverse the
first GOP is decoded before the clock moves.

A conductor thread steps the clock over moments when no tile has any recording (with a notice "No recording 01:10:00–01:25:00"),
and stops at the end (or, in reverse, the start) of the recordings.

The main tile
-------------
One tile is the main view (:attr:`SyncPlayer.main`): frame stepping steps
the main tile's camera one frame (across file boundaries and gaps, which are
announced) and every other tile follows to its frame at that moment;
switching the main tile, or the camera in a tile, keeps the clock.

Clips without a recorded start
------------------------------
A clip whose recorded start is not set cannot be placed in recorded time.
Each is its own track in **clip time** (:attr:`CameraTrack.recorded` False,
key ``clip:<id>``, its first frame at epoch 0, so the clock reads as the
position in the clip).  It plays and steps as a single view; next to
recorded-time tracks its tile says "Recorded start not set — cannot be shown in
step with the other cameras" (and the other way round).

Callbacks (from worker threads; keep them short and thread-safe):
``on_frame(tile, shown)`` with a :class:`ShownFrame`; ``on_message(tile,
text)`` ("" clears it); ``on_notice(text)``; ``on_state(playing)``;
``on_error(tile, error)``.
"""

from __future__ import annotations

import bisect
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from cctv_review.tracks import Track, TrackFile, build_tracks, camera_key

from .clock import MAX_DISPLAY_FPS, display_step
from .errors import CorruptVideo
from .index import ClipIndex
from .probe import VideoInfo
from .reader import Frame, FrameReader

log = logging.getLogger(__name__)

UTC = timezone.utc
#: Clip-time tracks put their first frame here (the clock then reads as clip ms).
CLIP_TIME_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: Tolerance when finding "the frame at or before" a time given in epoch ms (float rounding).
_EPS_MS = 0.01
#: Most tiles a view holds (3x3).
MAX_TILES = 9
#: Most bytes of decoded frames a tile keeps for reverse play (its back cache), at least...
BACK_CACHE_BYTES = 96 << 20
#: ...and this much shared by the tiles (one tile alone may keep 384 MB).
BACK_CACHE_TOTAL = 384 << 20
#: Late frames dropped in a row before one is shown anyway (a picture rather than none).
MAX_DROPS_IN_ROW = 8
#: Falling behind by this factor (decoding seconds needed per second), one measured frame is
#: enough to fall back to keyframes at once (from three, any factor over 1 is).
KEYFRAMES_ONLY_MARGIN = 2.0
#: Decoding speed assumed before anything is measured (pixels a second): about what a two-core
#: PC's FFmpeg gives for 1080p H.264 (this project's test machine: 141-171 frames/s of 1080p25,
#: 290-350 million pixels/s).  With it a 1080p25 camera at 16x starts on keyframes at once
#: (400 frames/s needed, 2.8 times the rate assumed); 8x and slower is measured first.
ASSUMED_DECODE_PIXELS_PER_S = 300e6
#: Reverse shuttle falls back to keyframes when decoding every frame would take more than
#: this share of the time (a GOP is read ahead only while the one after it is shown).
REVERSE_MAX_NEED = 0.5
#: Longest the clock waits, when play starts or moves, for every tile's first frame (s of wall time).
PREROLL_MAX_S = 1.0
#: Fewest frames a seek must decode for its cost to count as a measure of decoding.
SEEK_SAMPLE_FRAMES = 2
#: Speeds offered (reverse shuttle uses the same, negated).
MIN_SPEED, MAX_SPEED = 0.25, 16.0


def epoch_ms(when: datetime) -> float:
    """Milliseconds since 1970-01-01 UTC of an aware datetime (the clock's unit)."""
    return (when.astimezone(UTC) - CLIP_TIME_EPOCH).total_seconds() * 1000.0


def from_epoch_ms(ms: float, tz: tzinfo = UTC) -> datetime:
    """The aware datetime (in ``tz``) of ``ms`` epoch milliseconds, to the microsecond."""
    return (CLIP_TIME_EPOCH + timedelta(microseconds=round(ms * 1000))).astimezone(tz)


def info_from_index(path: str, index: ClipIndex) -> VideoInfo:
    """A :class:`VideoInfo` made from a stored index alone (no file access, no decoding)."""
    st = index.stream
    return VideoInfo(
        path=str(path),
        duration_ms=index.duration_ms,
        fps=float(index.fps),
        frame_count=index.frame_count,
        width=st.width,
        height=st.height,
        codec=st.codec,
        container_frame_count=st.container_frame_count,
        variable_frame_rate=index.variable_frame_rate,
        timing=index.timing,
        sample_aspect=st.sar,
        gaps=tuple(index.gaps()),
        cut_off=index.cut_off,
        container=st.container,
        index=index,
    )


# ---------------------------------------------------------------------------
# the model: camera tracks with their files' indexes
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackClip:
    """One file of a camera track: path, exact index and where its first frame is (epoch ms)."""

    clip_id: int
    path: str
    index: ClipIndex
    start_ms: float

    def frame_ms(self, frame: int) -> float:
        """Recorded time (epoch ms) of frame ``frame`` of this file."""
        return self.start_ms + float(self.index.times_ms[frame])


@dataclass(frozen=True)
class FramePlace:
    """A frame of a track: which file, which frame, and its recorded time (epoch ms)."""

    clip_id: int
    frame: int
    at_ms: float


@dataclass(frozen=True)
class _Span:
    start_ms: float
    end_ms: float
    clip_id: int | None
    offset_ms: float  # clip position at start_ms


@dataclass(frozen=True, eq=False)
class CameraTrack:
    """One camera (or one clip without a recorded start) ready to play.

    ``key``: :func:`~cctv_review.tracks.camera_key` of the camera, or
    ``clip:<id>`` for a clip-time track; ``name``: as the reviewer typed it;
    ``recorded``: False for a clip-time track; ``tz``: the store's zone
    (for messages); ``clips``: the files by clip id.
    """

    key: str
    name: str
    track: Track
    clips: dict[int, TrackClip]
    recorded: bool = True
    tz: tzinfo = UTC
    _spans: list[_Span] = field(default_factory=list, repr=False)
    _starts: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        spans = []
        for s in self.track.spans():
            start, end = epoch_ms(s.start), epoch_ms(s.end)
            if end > start:
                spans.append(_Span(start, end, s.clip_id, float(s.position_ms)))
        self._spans.extend(spans)
        self._starts.extend(s.start_ms for s in spans)

    # -- where ----------------------------------------------------------------
    @property
    def start_ms(self) -> float | None:
        rec = [s for s in self._spans if s.clip_id is not None]
        return rec[0].start_ms if rec else None

    @property
    def end_ms(self) -> float | None:
        rec = [s for s in self._spans if s.clip_id is not None]
        return rec[-1].end_ms if rec else None

    def _span_at(self, t: float) -> _Span | None:
        i = bisect.bisect_right(self._starts, t + _EPS_MS) - 1
        if i < 0:
            return None
        s = self._spans[i]
        return s if t < s.end_ms else None

    def recording_at(self, t: float) -> bool:
        """True if the camera recorded at ``t`` (epoch ms)."""
        s = self._span_at(t)
        return s is not None and s.clip_id is not None

    def frame_at(self, t: float) -> FramePlace | None:
        """The frame whose recorded time is the latest at or before ``t`` (epoch ms), or None in a gap."""
        s = self._span_at(t)
        if s is None or s.clip_id is None:
            return None
        clip = self.clips[s.clip_id]
        pos = s.offset_ms + (t - s.start_ms)
        frame = clip.index.frame_at_ms(pos + _EPS_MS)
        return FramePlace(s.clip_id, frame, clip.frame_ms(frame))

    def next_recording(self, t: float) -> float | None:
        """Start (epoch ms) of the first recording after ``t``, or None."""
        i = bisect.bisect_right(self._starts, t)
        for s in self._spans[i:]:
            if s.clip_id is not None:
                return s.start_ms
        return None

    def previous_recording_end(self, t: float) -> float | None:
        """End (epoch ms) of the last recording ending at or before ``t``, or None."""
        best = None
        for s in self._spans:
            if s.start_ms > t:
                break
            if s.clip_id is not None and s.end_ms <= t + _EPS_MS:
                best = s.end_ms
        return best

    def gap_around(self, t: float) -> tuple[float, float] | None:
        """The stretch with no recording that holds ``t`` (start, end epoch ms; inf at the ends)."""
        if self.recording_at(t):
            return None
        before = self.previous_recording_end(t)
        after = self.next_recording(t)
        return (before if before is not None else -math.inf, after if after is not None else math.inf)

    def frame_after(self, place: FramePlace) -> FramePlace | None:
        """The track's next frame after ``place`` (next file or past a gap), or None at its end."""
        clip = self.clips[place.clip_id]
        if place.frame + 1 < clip.index.frame_count:
            cand = FramePlace(place.clip_id, place.frame + 1, clip.frame_ms(place.frame + 1))
            got = self.frame_at(cand.at_ms)
            if got is not None and got.clip_id == cand.clip_id and got.frame == cand.frame:
                return cand
        # the end of this stretch of recording: the next recording's first frame
        t = place.at_ms
        s = self._span_at(t)
        after = s.end_ms if s is not None else t
        nxt = self.next_recording(after - _EPS_MS) if s is not None else self.next_recording(t)
        if nxt is None:
            return None
        got = self.frame_at(nxt)
        if got is None:
            return None
        return FramePlace(got.clip_id, got.frame, max(got.at_ms, nxt))

    def frame_before(self, place: FramePlace) -> FramePlace | None:
        """The track's frame before ``place`` (previous file or before a gap), or None at its start."""
        clip = self.clips[place.clip_id]
        if place.frame > 0:
            cand = FramePlace(place.clip_id, place.frame - 1, clip.frame_ms(place.frame - 1))
            got = self.frame_at(cand.at_ms)
            if got is not None and got.clip_id == cand.clip_id and got.frame == cand.frame:
                return cand
        s = self._span_at(place.at_ms)
        start = s.start_ms if s is not None else place.at_ms
        prev_end = self.previous_recording_end(start)
        if prev_end is None:
            return None
        return self.frame_at(prev_end - 2 * _EPS_MS)

    def describe(self, t: float) -> str:
        """Readable recorded time of ``t`` for this track (clip time for clip-time tracks)."""
        return format_clock(t, self.tz if self.recorded else None)


def format_clock(t: float, tz: tzinfo | None) -> str:
    """``01:25:00`` in ``tz`` (recorded time), or ``0:01:25`` clip time when ``tz`` is None."""
    if tz is None:
        s = max(0, int(t // 1000))
        return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
    return from_epoch_ms(t, tz).strftime("%H:%M:%S")


def gap_notice(start_ms: float, end_ms: float, tz: tzinfo | None) -> str:
    """``No recording 01:10:00–01:25:00`` (what playback says when it steps over a gap)."""
    return f"No recording {format_clock(start_ms, tz)}–{format_clock(end_ms, tz)}"


def camera_tracks(
    clips: Iterable[Any],
    index_of: Callable[[Any], ClipIndex],
    tz: tzinfo = UTC,
) -> list[CameraTrack]:
    """The case's cameras as tracks ready to play.

    ``clips``: :class:`~cctv_review.domain.Clip`-like objects (``id``, ``path``,
    ``camera``, ``recorded_start`` aware or None, ``clock_offset_ms``);
    ``index_of(clip)``: the clip's exact :class:`ClipIndex` (from the store, or
    built: it may read the file, so call this off the GUI thread).  Durations
    and gaps inside files come from the index; each recorded start is moved by
    the clip's clock correction.  Clips without a recorded start become one
    clip-time track each, after the recorded-time tracks.
    """
    recorded: list[tuple[str, TrackFile]] = []
    loose: list[CameraTrack] = []
    by_id: dict[int, TrackClip] = {}
    for clip in clips:
        index = index_of(clip)
        gaps = tuple(index.gaps())
        if clip.recorded_start is None:
            tf = TrackFile(clip.id, CLIP_TIME_EPOCH, index.duration_ms, gaps)
            tc = TrackClip(clip.id, clip.path, index, 0.0)
            loose.append(
                CameraTrack(
                    f"clip:{clip.id}",
                    f"{clip.camera} (time not set)",
                    Track(clip.camera, (tf,)),
                    {clip.id: tc},
                    recorded=False,
                    tz=tz,
                )
            )
            continue
        start = clip.recorded_start.astimezone(UTC) + timedelta(milliseconds=int(clip.clock_offset_ms or 0))
        recorded.append((clip.camera, TrackFile(clip.id, start, index.duration_ms, gaps)))
        by_id[clip.id] = TrackClip(clip.id, clip.path, index, epoch_ms(start))
    out = []
    for track in build_tracks(recorded):
        files = {f.clip_id: by_id[f.clip_id] for f in track.files}
        out.append(CameraTrack(camera_key(track.camera), track.camera, track, files, recorded=True, tz=tz))
    return out + loose


# ---------------------------------------------------------------------------
# the clock
# ---------------------------------------------------------------------------


class RecordedClock:
    """Wall-time clock in epoch ms of recorded time; the speed is negative in reverse.

    ``position = anchor + (now - anchor_wall) * 1000 * speed`` while running.
    ``time_fn`` is injectable for tests.  Not thread-safe by itself: the
    :class:`SyncPlayer` holds its lock around every use.
    """

    def __init__(self, time_fn: Callable[[], float] = time.monotonic) -> None:
        self._time = time_fn
        self._anchor = 0.0
        self._wall = time_fn()
        self.speed = 1.0
        self.running = False

    def position_ms(self, now: float | None = None) -> float:
        if not self.running:
            return self._anchor
        now = self._time() if now is None else now
        if now < self._wall:  # held (pre-roll): the clock moves from its anchor at _wall
            return self._anchor
        return self._anchor + (now - self._wall) * 1000.0 * self.speed

    @property
    def held(self) -> bool:
        """True while running but held at its anchor (see :meth:`hold`)."""
        return self.running and self._time() < self._wall

    def hold(self, seconds: float) -> None:
        """Running, stay at the anchor for up to ``seconds`` of wall time (until :meth:`release`)."""
        self._rebase()
        self._wall = self._time() + max(0.0, float(seconds))

    def release(self) -> None:
        """Move on from the anchor now (the end of a hold)."""
        if self.held:
            self._wall = self._time()

    def _rebase(self) -> None:
        now = self._time()
        self._anchor = self.position_ms(now)
        self._wall = max(now, self._wall) if self.running else now  # (a hold is kept)

    def start(self) -> None:
        self._rebase()
        self.running = True

    def pause(self) -> None:
        self._rebase()
        self.running = False

    def seek(self, ms: float) -> None:
        self._anchor = float(ms)
        self._wall = max(self._time(), self._wall) if self.running else self._time()

    def set_speed(self, speed: float) -> None:
        if not (math.isfinite(speed) and speed != 0):
            raise ValueError(f"speed must be a non-zero number, not {speed!r}")
        self._rebase()
        self.speed = float(speed)

    def wall_until(self, t: float, now: float | None = None) -> float:
        """Wall seconds until the clock reaches ``t`` (negative: already past; inf when paused)."""
        if not self.running:
            return math.inf
        return (t - self.position_ms(now)) / (1000.0 * self.speed)


# ---------------------------------------------------------------------------
# the engine
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ShownFrame:
    """A frame a tile shows: whose, which, when (epoch ms of recorded time) and its pixels.

    ``image``/``prepared``/``scale`` as in :class:`~cctv_review.video.player.PlayerFrame`;
    ``keyframes_only`` is True when the tile had fallen back to keyframes;
    ``clock_ms`` is the clock when the tile decided to show it.
    """

    tile: int
    camera_key: str
    clip_id: int
    frame: int
    at_ms: float
    position_ms: int
    image: Any
    scale: int = 1
    prepared: Any = None
    keyframes_only: bool = False
    clock_ms: float | None = None


@dataclass
class TileStats:
    """Counters of one tile (for the benchmark and tests)."""

    shown: int = 0
    dropped: int = 0
    decoded: int = 0
    seeks: int = 0
    files_opened: int = 0
    keyframe_fallbacks: int = 0


class _Tile:
    """One tile's worker thread and decoder-side state (see the module docstring)."""

    def __init__(self, group: SyncPlayer, number: int) -> None:
        self.group = group
        self.number = number
        self.track: CameraTrack | None = None
        self.display: tuple[int, int] | None = None
        self.stop = False
        self.gen = -1
        self.shown: ShownFrame | None = None
        self.message = ""
        self.stats = TileStats()
        self.reader: FrameReader | None = None
        self.reader_clip: int | None = None
        self.last: FramePlace | None = None
        self.cost_ema = 0.0  # wall s per read (one shown frame)
        self.frame_cost = 0.0  # wall s per decoded frame, reading forward
        self.samples = 0
        self.keyframes_only = False
        #: Reverse play: frames decoded ahead (in reverse order of showing), by (clip id, frame).
        self.back_cache: dict[tuple[int, int], Frame] = {}
        #: Reverse play: the GOP being read ahead (clip id, first frame, last frame, its reading).
        self.back_job: tuple[int, int, int, Iterator[None]] | None = None
        self.dropped_in_row = 0
        self.thread = threading.Thread(target=self._main, name=f"tile-{number}", daemon=True)

    # -- helpers -----------------------------------------------------------------
    def _reader_for(self, track: CameraTrack, clip_id: int) -> FrameReader:
        if self.reader is not None and self.reader_clip == clip_id:
            return self.reader
        self._close_reader()
        tc = track.clips[clip_id]
        self.reader = FrameReader(tc.path, info_from_index(tc.path, tc.index), threads=self.group.threads)
        self.reader_clip = clip_id
        self.stats.files_opened += 1
        return self.reader

    def _close_reader(self) -> None:
        if self.reader is not None:
            self.stats.decoded += self.reader.decoded_frames
            self.stats.seeks += self.reader.seeks
            self.reader.close()
        self.reader, self.reader_clip = None, None

    def _scale(self, reader: FrameReader) -> int:
        from ._display import scale_for

        info = reader.info
        return scale_for(info.display_width, info.height, self.display)

    def _decode(self, track: CameraTrack, place: FramePlace, *, keyframes: bool = False) -> Frame | None:
        reader = self._reader_for(track, place.clip_id)
        reader.set_output(self._scale(reader), self.group.alloc)
        reader.keyframes_only = keyframes
        try:
            return reader.read_at_frame(place.frame)
        except CorruptVideo as exc:
            self.group._emit(self.group.on_error, self.number, exc)
            return None

    def _decode_back(self, track: CameraTrack, place: FramePlace, step: int) -> Frame | None:
        """Reverse play: frame ``place`` (or the nearest kept one above it) from the back cache.

        Playing backwards, each shown frame would otherwise cost a seek and
        the decoding of everything from its keyframe.  Instead each GOP is
        decoded once, forward, and the frames that reverse play will show
        (every ``step``-th, down from the target) are kept, up to
        :data:`BACK_CACHE_BYTES`, so the following ones come from memory (as
        the single-clip player's back-step cache does).  While a kept frame
        waits for its time, the GOP before it is decoded a frame at a time
        (:meth:`_back_prefetch_step`), so reverse play does not stall for a
        whole GOP at every keyframe.  A frame within ``step`` below the one
        asked for is as good (the clock ran on while decoding): the result's
        ``index`` says which frame it is.
        """
        clip_id = place.clip_id
        cached = self._back_lookup(clip_id, place.frame, step)
        if cached is None and self.back_job is not None and self.back_job[0] == clip_id:
            lo, hi = self.back_job[1], self.back_job[2]
            if lo <= place.frame <= hi or lo <= place.frame - step < hi:
                while self._back_prefetch_step():  # the GOP being read ahead: finish it now
                    pass
                cached = self._back_lookup(clip_id, place.frame, step)
        if cached is None:
            self.back_cache.clear()
            self.back_job = None
            index = track.clips[clip_id].index
            key = index.keyframe_before(place.frame)
            try:
                self._back_read(track, clip_id, key, place.frame, place.frame, step)
            except CorruptVideo as exc:
                self.group._emit(self.group.on_error, self.number, exc)
                return None
            cached = self.back_cache.get((clip_id, place.frame))
            if cached is None:
                return None
        # frames above the one shown are never shown again in reverse
        for k in [k for k in self.back_cache if k[0] != clip_id or k[1] > cached.index]:
            del self.back_cache[k]
        self._plan_back_prefetch(track, clip_id, cached.index, step)
        return cached

    def _back_budget(self) -> int:
        """Bytes this tile's back cache may hold: :data:`BACK_CACHE_TOTAL` shared, at least :data:`BACK_CACHE_BYTES`."""
        return max(BACK_CACHE_BYTES, BACK_CACHE_TOTAL // max(1, self.group.tile_count))

    def _back_step(self, track: CameraTrack, clip_id: int, step: int) -> int:
        """Reverse play: ``step`` widened so that two GOPs of kept frames fit the budget.

        Each GOP is decoded forward once and shown backwards from memory while
        the GOP before it is read ahead, so two GOPs' shown frames must fit in
        :meth:`_back_budget`.  When they would not (e.g. 1080p at full size, or
        four tiles), every n-th frame is shown instead: frames are dropped
        evenly rather than reverse play stalling for a GOP at every keyframe.
        """
        reader = self._reader_for(track, clip_id)
        scale = self._scale(reader)
        info = reader.info
        frame_bytes = max(1, info.display_width // scale) * max(1, info.height // scale) * 4
        gop = max(1, track.clips[clip_id].index.gop_frames)
        return max(step, math.ceil(2 * gop * frame_bytes / self._back_budget()))

    def _back_lookup(self, clip_id: int, frame: int, step: int) -> Frame | None:
        for n in range(frame, frame - max(1, step), -1):
            got = self.back_cache.get((clip_id, n))
            if got is not None:
                return got
        return None

    def _back_read(
        self, track: CameraTrack, clip_id: int, key: int, upto: int, phase: int, step: int
    ) -> None:
        """Decode ``key``..``upto`` of ``clip_id`` at once, keeping frames ``phase`` - k x ``step``."""
        job = self._back_frames(track, clip_id, key, upto, phase, step)
        for _ in job:
            pass

    def _back_frames(
        self, track: CameraTrack, clip_id: int, key: int, upto: int, phase: int, step: int
    ) -> Iterator[None]:
        """Decode frames ``key``..``upto`` (``key`` a keyframe), one per step of the iterator.

        Keeps every frame ``phase - k x step`` in the back cache; when the cache
        would pass its budget (:meth:`_back_budget`), the lowest kept frame of this stretch
        goes (reverse play reaches it last, and decodes it again if it must).
        """
        reader = self._reader_for(track, clip_id)
        reader.set_output(self._scale(reader), self.group.alloc)
        reader.keyframes_only = False
        frame = reader.read_at_frame(key)
        n: int | None = frame.index
        kept: list[int] = []
        used = sum(f.nbytes for f in self.back_cache.values())
        while n is not None and n <= upto:
            if (phase - n) % step == 0:
                got = frame if n == frame.index else reader.retrieve()
                self.back_cache[(clip_id, n)] = got
                kept.append(n)
                used += got.nbytes
                while used > self._back_budget() and len(kept) > 1:
                    used -= self.back_cache.pop((clip_id, kept.pop(0))).nbytes
            if n >= upto:
                break
            yield
            n = reader.grab_next()

    def _plan_back_prefetch(self, track: CameraTrack, clip_id: int, shown: int, step: int) -> None:
        """Start reading the GOP before the one holding frame ``shown`` (same file only)."""
        index = track.clips[clip_id].index
        key = index.keyframe_before(shown)
        if key <= 0:
            return  # the file's first GOP: the frame before is in the previous file
        prev_key = index.keyframe_before(key - 1)
        job = self.back_job
        if job is not None and job[0] == clip_id and job[1] == prev_key:
            return
        if any(k[0] == clip_id and prev_key <= k[1] < key for k in self.back_cache):
            return  # read already
        self.back_job = (
            clip_id,
            prev_key,
            key - 1,
            self._back_frames(track, clip_id, prev_key, key - 1, shown, step),
        )

    def _back_prefetch_step(self) -> bool:
        """Decode one more frame of the GOP being read ahead; False when there is none (left)."""
        job = self.back_job
        if job is None:
            return False
        try:
            next(job[3])
            return True
        except StopIteration:
            self.back_job = None
            return False
        except CorruptVideo as exc:
            self.back_job = None
            self.group._emit(self.group.on_error, self.number, exc)
            return False

    def _show(
        self,
        track: CameraTrack,
        place: FramePlace,
        frame: Frame,
        gen: int,
        until: float | None = None,
        keyframes: bool = False,
    ) -> bool:
        """Hand ``frame`` over; with ``until`` (while playing), only if the clock is still in its time.

        A frame is right for the clock from its own time to ``until`` (the
        next frame's time).  The check and the hand-over are one step under
        the player's lock, so a frame is never shown for a clock it is wrong
        for (a late one is dropped: returns False), except after
        :data:`MAX_DROPS_IN_ROW` dropped ones (a picture rather than none).
        """
        g = self.group
        prepared = None
        if g.prepare is not None:
            try:
                prepared = g.prepare(frame)
            except Exception:
                log.exception("prepare hook failed")
        at_ms = track.clips[place.clip_id].frame_ms(frame.index)
        with g._cv:
            if gen != g._gen or self.stop:
                return False
            clock = g.clock.position_ms()
            wrong = until is not None and not (at_ms - _EPS_MS <= clock < until + _EPS_MS)
            if wrong and self.dropped_in_row < MAX_DROPS_IN_ROW:
                self.stats.dropped += 1
                self.dropped_in_row += 1
                return False
            self.dropped_in_row = 0
            shown = ShownFrame(
                self.number,
                track.key,
                place.clip_id,
                frame.index,
                at_ms,
                frame.position_ms,
                frame.image,
                frame.scale,
                prepared,
                keyframes,
                clock,
            )
            self.shown = shown
            self.stats.shown += 1
        self._say("")
        g._emit(g.on_frame, self.number, shown)
        return True

    def _say(self, text: str) -> None:
        if text != self.message:
            self.message = text
            self.group._emit(self.group.on_message, self.number, text)

    def _no_recording(self, track: CameraTrack, t: float, forward: bool) -> None:
        """Tell the tile there is no recording at ``t`` (and when there is next)."""
        main = self.group._main_track()
        if main is not None and main.recorded != track.recorded:
            self._say("Recorded start not set — cannot be shown in step with the other cameras")
            return
        nxt = track.next_recording(t) if forward else track.previous_recording_end(t)
        if nxt is None:
            edge = track.previous_recording_end(t) if forward else track.next_recording(t)
            where = f" {'after' if forward else 'before'} {track.describe(edge)}" if edge is not None else ""
            self._say(f"No recording{where}")
        elif forward:
            self._say(f"No recording — next at {track.describe(nxt)}")
        else:
            self._say(f"No recording — previous until {track.describe(nxt)}")
        with self.group._cv:
            self.shown = None

    # -- the loop ----------------------------------------------------------------
    def _main(self) -> None:
        try:
            while True:
                try:
                    self._loop()
                    return
                except Exception as exc:  # a bug: said, and the tile carries on at the next command
                    log.exception("tile %d failed", self.number)
                    self.group._emit(self.group.on_error, self.number, exc)
                    self._close_reader()
                    with self.group._cv:
                        self.group._cv.wait_for(lambda: self.stop or self.gen != self.group._gen, timeout=1.0)
        finally:
            self._close_reader()

    def _loop(self) -> None:
        g = self.group
        waiting_until: float | None = None
        while True:
            with g._cv:
                while not self.stop:
                    if g._gen != self.gen:
                        break
                    if g.clock.running and self.track is not None:
                        if waiting_until is None:
                            break
                        dt = g.clock.wall_until(waiting_until)
                        if dt <= 0:
                            break
                        g._cv.wait(min(dt, 0.05))
                        continue
                    g._cv.wait(0.5)
                if self.stop:
                    return
                fresh = g._gen != self.gen
                gen = self.gen = g._gen
                track = self.track
                running = g.clock.running
                speed = g.clock.speed
                now_ms = g.clock.position_ms()
            waiting_until = None
            if track is None:
                self._close_reader()
                self._say("")
                continue
            forward = speed > 0
            if fresh:
                self.last = None
                self.keyframes_only = False  # tried again after every seek, pause or change of speed
                self.back_cache.clear()
                self.back_job = None
                self.cost_ema = 0.0  # (the cost of a decoded frame is kept: it is the machine's)
                place = track.frame_at(now_ms)
                if place is None:
                    self._no_recording(track, now_ms, forward)
                    if running:
                        g._tile_primed(self.number, gen)  # nothing to show here: not waited for
                        waiting_until = self._resume_at(track, now_ms, forward)
                    continue
                if running:  # playing on from here: the next frame is due when decoded (see _play_one)
                    shown = self.shown
                    if (
                        shown is not None
                        and shown.camera_key == track.key
                        and (shown.clip_id, shown.frame) == (place.clip_id, place.frame)
                    ):
                        self.last = place  # on screen already (e.g. paused here): play on from it
                    waiting_until = self._play_one(track, gen, speed)
                    g._tile_primed(self.number, gen)  # (also when it had nothing to show)
                    continue
                decoded0 = self._reader_for(track, place.clip_id).decoded_frames  # (opening not timed)
                t0 = time.monotonic()
                frame = self._decode(track, place)
                if frame is not None:  # the machine's cost of a frame, known before play starts
                    self._measure_frames(time.monotonic() - t0, decoded0, seek=True)
                if frame is not None and self._show(track, place, frame, gen):
                    self.last = place
                continue
            waiting_until = self._play_one(track, gen, speed)

    def _resume_at(self, track: CameraTrack, t: float, forward: bool) -> float | None:
        nxt = track.next_recording(t) if forward else track.previous_recording_end(t)
        if nxt is None:
            return math.inf if forward else -math.inf
        return nxt if forward else nxt - 2 * _EPS_MS

    def _play_one(self, track: CameraTrack, gen: int, speed: float) -> float | None:
        """Decode and show the next frame while playing; return a clock time to wait for, or None."""
        g = self.group
        forward = speed > 0
        with g._cv:
            now_ms = g.clock.position_ms()
        # Where the clock will be when the next frame is ready: decoding forward costs
        # ``step`` frames' decoding; a keyframe (keyframes only, or reverse) one read.
        here = track.frame_at(now_ms)
        fps0 = track.clips[here.clip_id].index.fps if here is not None else 25.0
        step0 = display_step(fps0, abs(speed), MAX_DISPLAY_FPS)
        if here is not None:  # known to be too slow here: keyframes from the start
            self._maybe_keyframes_only(track.clips[here.clip_id].index, speed, step0)
        per_read = self.cost_ema if (self.keyframes_only or not forward) else self.frame_cost * step0
        target_t = now_ms + per_read * 1000.0 * speed
        place = track.frame_at(target_t)
        if place is None:
            if track.frame_at(now_ms) is None:
                self._no_recording(track, now_ms, forward)
                return self._resume_at(track, now_ms, forward)
            place = track.frame_at(now_ms)
            assert place is not None
        clip = track.clips[place.clip_id]
        index = clip.index
        step = display_step(index.fps, abs(speed), MAX_DISPLAY_FPS)
        if not forward and not self.keyframes_only:
            step = self._back_step(track, place.clip_id, step)
        self._maybe_keyframes_only(index, speed, step)  # known to be too slow: keyframes from the start
        last = self.last
        frame_no = place.frame
        if last is not None and last.clip_id == place.clip_id:
            frame_no = max(last.frame + step, place.frame) if forward else min(last.frame - step, place.frame)
        if self.keyframes_only:
            key = index.keyframe_before(frame_no)
            if (
                last is not None
                and last.clip_id == place.clip_id
                and ((forward and key <= last.frame) or (not forward and key >= last.frame))
            ):
                # this keyframe is on screen: decode the next one (in reverse, the one before)
                # now and show it at its time; waiting for the clock to reach it first would
                # show it late by the decoding
                keys = index.keyframes
                beyond = keys[keys > last.frame] if forward else keys[keys < last.frame]
                if not len(beyond):
                    return self._after_file(track, clip, forward)
                key = int(beyond[0] if forward else beyond[-1])
            frame_no = key
        if not 0 <= frame_no < index.frame_count:
            return self._after_file(track, clip, forward)
        target = FramePlace(place.clip_id, frame_no, clip.frame_ms(frame_no))
        if last is not None and target.clip_id == last.clip_id and target.frame == last.frame:
            # nothing newer to show yet: wait for the clock to reach the next frame
            nxt = track.frame_after(last) if forward else None
            return nxt.at_ms if nxt is not None else clip.frame_ms(last.frame) - 2 * _EPS_MS
        if track.frame_at(target.at_ms) is None:
            return self._after_file(track, clip, forward)
        decoded0 = self._reader_for(track, target.clip_id).decoded_frames  # (opening not timed)
        t0 = time.monotonic()
        if forward or self.keyframes_only:
            frame = self._decode(track, target, keyframes=self.keyframes_only)
        else:
            frame = self._decode_back(track, target, step)
        cost = time.monotonic() - t0
        if frame is None:
            return None
        if frame.index != target.frame:  # reverse: a kept frame just below the one asked for
            target = FramePlace(target.clip_id, frame.index, clip.frame_ms(frame.index))
        self._measure(cost, decoded0)
        keyframes = self.keyframes_only  # the mode this frame was read in
        self._maybe_keyframes_only(index, speed, step)
        # wait until the frame is due (forward: the clock reaches its time; reverse: the clock is
        # back before the next frame's time), then show it unless the clock has passed the frame
        # after it (it would be the wrong frame for the clock).  Reading keyframes only, a keyframe
        # is the right one until the next keyframe.
        after = target
        if keyframes:
            keys = index.keyframes
            later = keys[keys > target.frame]
            last_frame = int(later[0]) - 1 if len(later) else index.frame_count - 1
            after = FramePlace(target.clip_id, last_frame, clip.frame_ms(last_frame))
        nxt_place = track.frame_after(after)
        frame_end = nxt_place.at_ms if nxt_place is not None else (track.end_ms or target.at_ms)
        due = target.at_ms if forward else frame_end - _EPS_MS
        g._tile_primed(self.number, gen)  # this tile's frame is ready: the clock need not wait for it
        told = False
        while True:
            with g._cv:
                if self.stop or gen != g._gen:
                    return None
                if not g.clock.running:
                    break
                dt = g.clock.wall_until(due)
                if dt <= 0:
                    break
                t = g.clock.position_ms()
                tell = not told and not track.recording_at(t)
                # reverse: the GOP before is read while this frame waits (time for a frame left)
                ahead = self.back_job is not None and not forward and dt > self.frame_cost
                if not tell and not ahead:
                    g._cv.wait(min(dt, 0.05))
                    continue
            if tell:  # the clock is in a gap of this camera (inside a file) before the frame is due
                self._no_recording(track, t, forward)
                told = True
            else:
                self._back_prefetch_step()
        self._show(track, target, frame, gen, until=frame_end, keyframes=keyframes)
        self.last = target  # shown, or dropped as too late: the next one is after it either way
        return None

    def _measure(self, cost: float, decoded_before: int | None) -> None:
        """Keep the cost of a read (wall s) and, reading forward, of one decoded frame."""
        self.cost_ema = cost if self.cost_ema == 0 else 0.7 * self.cost_ema + 0.3 * cost
        if not self.keyframes_only:
            self._measure_frames(cost, decoded_before)

    def _measure_frames(self, cost: float, decoded_before: int | None, *, seek: bool = False) -> None:
        """Keep the cost (wall s) of one frame decoded forward, from a read of ``cost`` s.

        A seek's read counts only when it decoded at least :data:`SEEK_SAMPLE_FRAMES`
        frames: one keyframe just after opening a file costs many times a frame in
        play.  Every sample also updates the player's cost per pixel, which a tile
        with no sample of its own uses (the same machine decodes every tile).
        """
        reader = self.reader
        if decoded_before is None or reader is None:
            return
        frames = reader.decoded_frames - decoded_before
        if frames <= 0 or (seek and frames < SEEK_SAMPLE_FRAMES):
            return
        per_frame = cost / frames
        self.frame_cost = per_frame if self.frame_cost == 0 else 0.8 * self.frame_cost + 0.2 * per_frame
        self.samples += 1
        pixels = reader.info.width * reader.info.height
        if pixels > 0:
            g = self.group
            per_px = per_frame / pixels
            g.frame_cost_px = per_px if g.frame_cost_px == 0 else 0.8 * g.frame_cost_px + 0.2 * per_px

    def _frame_cost_estimate(self, index: ClipIndex) -> float:
        """Wall s to decode one frame of ``index``'s camera.

        This tile's measure, else the player's (per pixel, from every tile), else
        :data:`ASSUMED_DECODE_PIXELS_PER_S`.
        """
        if self.samples:
            return self.frame_cost
        pixels = index.stream.width * index.stream.height
        per_px = self.group.frame_cost_px or 1.0 / ASSUMED_DECODE_PIXELS_PER_S
        return per_px * pixels

    def _maybe_keyframes_only(self, index: ClipIndex, speed: float, step: int) -> None:
        """Fall back to keyframes when decoding cannot keep up with the clock (see the module docstring).

        Forward: when decoding every frame in turn takes longer than the clock
        gives (cost per decoded frame x frame rate x speed > 1, from three
        measured reads), frames can only be skipped without decoding them by
        going from keyframe to keyframe; above 1x, an estimate past
        :data:`KEYFRAMES_ONLY_MARGIN` decides before anything is measured
        (:meth:`_frame_cost_estimate`).  Reverse, past -1x: when decoding
        every frame would take more than :data:`REVERSE_MAX_NEED` of the time.
        """
        if self.keyframes_only or index.timing != "pts" or index.gop_frames <= 1:
            return
        # decoding seconds needed per second of wall time to decode every frame in turn
        need = self._frame_cost_estimate(index) * index.fps * abs(speed)
        if speed > 0:
            # before play has measured three reads, only fast shuttle at a clear margin decides
            # (from the frames decoded on the seek, or the other tiles'): at 16x a 1080p camera
            # needs 400 frames/s decoded, far past any margin; at 1x a slow start must not give
            # up decoding every frame
            at_once = speed > 1.0 and need > KEYFRAMES_ONLY_MARGIN
            behind = at_once or (self.samples >= 3 and self.frame_cost * index.fps * speed > 1.0)
        else:
            # each GOP is decoded once and read ahead only while the GOP after it is shown, so
            # decoding must take well under the time it is shown for (at -1x, never given up)
            behind = abs(speed) > 1.0 and need > REVERSE_MAX_NEED
        if behind:
            self.keyframes_only = True
            self.stats.keyframe_fallbacks += 1

    def _after_file(self, track: CameraTrack, clip: TrackClip, forward: bool) -> float | None:
        """Past the end (or start) of the file being shown: wait for the track's next frame."""
        last = self.last
        if last is None:
            return None
        nxt = track.frame_after(last) if forward else track.frame_before(last)
        if nxt is None:
            return math.inf if forward else -math.inf
        return nxt.at_ms


class SyncPlayer:
    """One recorded-time clock and 1 to 9 tiles, each showing a camera track (see the module docstring).

    Every method is safe to call from any thread and returns at once.
    ``threads``: decoder threads per tile (default: FFmpeg's automatic
    threading with as many threads as cores, up to 8).  ``time_fn``: the clock's wall time.
    """

    def __init__(
        self,
        *,
        on_frame: Callable[[int, ShownFrame], None] | None = None,
        on_message: Callable[[int, str], None] | None = None,
        on_notice: Callable[[str], None] | None = None,
        on_state: Callable[[bool], None] | None = None,
        on_error: Callable[[int, Exception], None] | None = None,
        prepare: Callable[[Frame], Any] | None = None,
        alloc: Callable[[int, int], tuple[Any, Any]] | None = None,
        threads: int | None = None,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_frame = on_frame
        self.on_message = on_message
        self.on_notice = on_notice
        self.on_state = on_state
        self.on_error = on_error
        self.prepare = prepare
        self.alloc = alloc
        self.threads = threads
        self.clock = RecordedClock(time_fn)
        self._cv = threading.Condition()
        self._gen = 0
        self._tiles: list[_Tile] = []
        self._main = 0
        self._closed = False
        self._notice_gap: tuple[float, float] | None = None
        self._known: dict[str, CameraTrack] | None = None
        self._primed: set[int] = set()  # tiles with their first frame since the last pre-roll
        #: Wall s to decode one pixel's share of a frame, measured by every tile (a hint, unlocked).
        self.frame_cost_px = 0.0
        self._conductor = threading.Thread(target=self._conduct, name="sync-conductor", daemon=True)
        self._conductor.start()

    # -- tiles -----------------------------------------------------------------
    def set_tiles(self, tracks: Sequence[CameraTrack | None], main: int | None = None) -> None:
        """Show these tracks (1 to 9; None = an empty tile); the clock is kept.

        When the first tracks arrive and the clock is at 0, it is set to the
        main track's first recording.
        """
        if not 1 <= len(tracks) <= MAX_TILES:
            raise ValueError(f"a view holds 1 to {MAX_TILES} tiles, not {len(tracks)}")
        with self._cv:
            while len(self._tiles) < len(tracks):
                tile = _Tile(self, len(self._tiles))
                self._tiles.append(tile)
                tile.thread.start()
            for tile in self._tiles[len(tracks) :]:
                tile.stop = True
            self._tiles = self._tiles[: len(tracks)]
            for tile, track in zip(self._tiles, tracks, strict=True):
                tile.track = track
            if main is not None:
                self._main = max(0, min(len(tracks) - 1, int(main)))
            self._main = min(self._main, len(tracks) - 1)
            if self.clock.position_ms() == 0:
                first = self._main_track() or next((t for t in tracks if t is not None), None)
                if first is not None and first.start_ms is not None:
                    self.clock.seek(first.start_ms)
            self._touch()

    def set_tile(self, tile: int, track: CameraTrack | None) -> None:
        """Put ``track`` in tile ``tile`` (the clock is kept: the same recorded moment)."""
        with self._cv:
            tracks: list[CameraTrack | None] = [t.track for t in self._tiles]
            tracks[tile] = track
        self.set_tiles(tracks)

    @property
    def tile_count(self) -> int:
        return len(self._tiles)

    @property
    def main(self) -> int:
        """Index of the main tile (stepping, findings and stills act on it)."""
        return self._main

    def set_main(self, tile: int) -> None:
        """Make ``tile`` the main view; the clock (recorded moment) is kept."""
        with self._cv:
            if 0 <= tile < len(self._tiles):
                self._main = tile

    def tracks(self) -> list[CameraTrack | None]:
        with self._cv:
            return [t.track for t in self._tiles]

    def _main_track(self) -> CameraTrack | None:
        if not self._tiles:
            return None
        return self._tiles[min(self._main, len(self._tiles) - 1)].track

    def set_display_size(self, tile: int, width: int | None, height: int | None = None) -> None:
        """The picture area of ``tile`` in device pixels (frames are converted at half/quarter size when small)."""
        with self._cv:
            if 0 <= tile < len(self._tiles):
                self._tiles[tile].display = (int(width or 0), int(height or 0)) if width else None

    def shown(self, tile: int) -> ShownFrame | None:
        """What ``tile`` shows now (None: nothing, or no recording)."""
        with self._cv:
            return self._tiles[tile].shown if 0 <= tile < len(self._tiles) else None

    def message(self, tile: int) -> str:
        with self._cv:
            return self._tiles[tile].message if 0 <= tile < len(self._tiles) else ""

    def stats(self, tile: int) -> TileStats:
        tile_ = self._tiles[tile]
        stats = TileStats(**tile_.stats.__dict__)
        reader = tile_.reader
        if reader is not None:
            stats.decoded += reader.decoded_frames
            stats.seeks += reader.seeks
        return stats

    # -- clock -------------------------------------------------------------------
    @property
    def position_ms(self) -> float:
        """The clock: epoch ms of recorded time."""
        with self._cv:
            return self.clock.position_ms()

    def position(self, tz: tzinfo | None = None) -> datetime:
        """The clock as an aware datetime (in ``tz``, else the main track's zone)."""
        track = self._main_track()
        return from_epoch_ms(self.position_ms, tz or (track.tz if track else UTC))

    @property
    def playing(self) -> bool:
        return self.clock.running

    @property
    def speed(self) -> float:
        """Signed speed (negative: reverse shuttle)."""
        return self.clock.speed

    def _touch(self) -> None:
        """Every tile shows the exact frame for the clock again (after a seek, step, pause...)."""
        self._gen += 1
        self._notice_gap = None
        self._preroll()
        self._cv.notify_all()

    def _preroll(self) -> None:
        """Playing from a new place: hold the clock until every tile has its first frame (caller holds the lock).

        The clock stays at its moment for up to :data:`PREROLL_MAX_S` while
        each tile with a camera decodes the first frame it will show (in
        reverse, a whole GOP), so no tile starts behind the others.
        """
        self._primed.clear()
        if self.clock.running:
            self.clock.hold(PREROLL_MAX_S)

    def _tile_primed(self, tile: int, gen: int) -> None:
        """Tile ``tile`` has its first frame of generation ``gen``: the clock goes once every tile has."""
        with self._cv:
            if gen != self._gen or not self.clock.held:
                return
            self._primed.add(tile)
            waiting = [t.number for t in self._tiles if t.track is not None and t.number not in self._primed]
            if not waiting:
                self.clock.release()
                self._cv.notify_all()

    @property
    def starting(self) -> bool:
        """True while the clock is held for the tiles' first frames (see :meth:`_preroll`)."""
        with self._cv:
            return self.clock.held

    def play(self) -> None:
        with self._cv:
            if self.clock.running or not any(t.track for t in self._tiles):
                return
            self.clock.start()
            self._touch()
        self._emit(self.on_state, True)

    def pause(self) -> None:
        with self._cv:
            if not self.clock.running:
                return
            self.clock.pause()
            self._touch()
        self._emit(self.on_state, False)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, speed: float) -> None:
        """0.25x to 16x; negative for reverse shuttle (-0.25 to -16)."""
        mag = min(MAX_SPEED, max(MIN_SPEED, abs(float(speed))))
        speed = math.copysign(mag, speed)
        with self._cv:
            changed_direction = (speed > 0) != (self.clock.speed > 0)
            self.clock.set_speed(speed)
            if changed_direction or self.clock.running:
                self._touch()

    def seek(self, t: float) -> None:
        """Set the clock to ``t`` (epoch ms of recorded time); every tile shows its frame for it."""
        with self._cv:
            self.clock.seek(float(t))
            self._touch()

    def seek_time(self, when: datetime) -> None:
        """Set the clock to the recorded moment ``when`` (aware)."""
        self.seek(epoch_ms(when))

    def seek_recorded(self, camera_key: str, when: datetime) -> None:
        """Go to ``when`` on camera ``camera_key`` (the timeline's ``seek_requested``).

        A camera shown in a tile becomes the main view; another camera
        replaces the main tile's.  Unknown keys only move the clock.
        """
        with self._cv:
            found = next((t for t in self._tiles if t.track is not None and t.track.key == camera_key), None)
            if found is not None:
                self._main = found.number
        if found is None and self._known is not None and camera_key in self._known:
            self.set_tile(self._main, self._known[camera_key])
        self.seek_time(when)

    def set_known_tracks(self, tracks: Iterable[CameraTrack]) -> None:
        """Every track of the case, so :meth:`seek_recorded` can bring in a camera not shown."""
        self._known = {t.key: t for t in tracks}

    def jump(self, seconds: float) -> None:
        """Move the clock by ``seconds``; forward into a moment with no recording anywhere goes on to the next."""
        with self._cv:
            t = self.clock.position_ms() + seconds * 1000.0
            tracks = [x.track for x in self._tiles if x.track is not None]
            if seconds > 0 and tracks and not any(tr.recording_at(t) for tr in tracks):
                nxt = [n for n in (tr.next_recording(t) for tr in tracks) if n is not None]
                if nxt:
                    gap_start = max(
                        (p for p in (tr.previous_recording_end(t) for tr in tracks) if p is not None),
                        default=t,
                    )
                    t = min(nxt)
                    self._emit(self.on_notice, gap_notice(gap_start, t, self._zone()))
            self.clock.seek(t)
            self._touch()

    def _zone(self) -> tzinfo | None:
        track = self._main_track()
        if track is None:
            return UTC
        return track.tz if track.recorded else None

    def step(self, delta: int = 1) -> None:
        """Pause and step the main tile's camera ``delta`` frames (±); the other tiles follow.

        Steps run across file boundaries; stepping over a stretch with no
        recording says so (``on_notice``).
        """
        was = False
        with self._cv:
            if self.clock.running:
                self.clock.pause()
                was = True
            track = self._main_track()
            if track is None:
                return
            t = self.clock.position_ms()
            place = track.frame_at(t)
            if place is None:  # in a gap: the first step lands on the recording beyond it
                edge = track.next_recording(t) if delta > 0 else track.previous_recording_end(t)
                if edge is None:
                    self._touch()
                    return
                place = track.frame_at(edge if delta > 0 else edge - 2 * _EPS_MS)
                delta -= 1 if delta > 0 else -1
                if place is None:
                    return
            for _ in range(abs(int(delta))):
                nxt = track.frame_after(place) if delta > 0 else track.frame_before(place)
                if nxt is None:
                    break
                lo, hi = sorted((place.at_ms, nxt.at_ms))
                frame_ms = 1000.0 / track.clips[place.clip_id].index.fps
                if hi - lo > 2.5 * frame_ms:
                    gap = track.gap_around(lo + frame_ms * 1.5)
                    if gap is not None:
                        self._emit(self.on_notice, gap_notice(gap[0], gap[1], self._zone()))
                place = nxt
            self.clock.seek(place.at_ms)
            self._touch()
        if was:
            self._emit(self.on_state, False)

    def activity_step(
        self,
        forward: bool,
        activity_of: Callable[[int], tuple[int, Sequence[float]] | None],
        sensitivity: float | str = "normal",
    ) -> str:
        """N / P on the main view: go to the start of its camera's next (previous) activity event.

        Runs across the camera's files: ``activity_of(clip_id)`` gives a
        file's stored activity (``bin_ms``, one score a bin: the fraction of
        the picture that changed; see :mod:`cctv_review.video.activity`), or
        None if it has not been found yet.  Events are found at
        ``sensitivity`` as the workspace's N/P finds them.  Returns the line
        for the status bar ("Activity at 22:41:07 (Cell 4)", or that there is
        none that way).
        """
        from .activity import NAV_TOLERANCE_MS, find_events, score_threshold

        track = self._main_track()
        if track is None:
            return "No camera in the main view."
        t = self.position_ms
        starts: list[float] = []
        missing = 0
        for clip_id, clip in track.clips.items():
            found = activity_of(clip_id)
            if found is None:
                missing += 1
                continue
            bin_ms, scores = found
            for ev in find_events(list(scores), int(bin_ms), score_threshold(sensitivity)):
                at = clip.start_ms + ev.start_ms
                if track.recording_at(at):
                    starts.append(at)
        starts.sort()
        if forward:
            target = next((a for a in starts if a > t + NAV_TOLERANCE_MS), None)
        else:
            target = next((a for a in reversed(starts) if a < t - NAV_TOLERANCE_MS), None)
        if target is None:
            if missing:
                return f"Activity has not been found yet in {missing} file(s) of {track.name}."
            way = "after" if forward else "before"
            return f"No more activity {way} {track.describe(t)} ({track.name})."
        self.seek(target)
        return f"Activity at {track.describe(target)} ({track.name})."

    def close(self) -> None:
        """Stop every thread (joined with a timeout) and release the files."""
        with self._cv:
            self._closed = True
            for tile in self._tiles:
                tile.stop = True
            self._cv.notify_all()
            tiles = list(self._tiles)
        for tile in tiles:
            tile.thread.join(timeout=5)
        self._conductor.join(timeout=5)

    # -- conductor: over gaps, and stop at the ends --------------------------------
    def _conduct(self) -> None:
        while True:
            notice = None
            ended = False
            with self._cv:
                if self._closed:
                    return
                if not self.clock.running:
                    self._cv.wait(0.2)
                    continue
                tracks = [t.track for t in self._tiles if t.track is not None]
                main = self._main_track()
                if main is not None:
                    tracks = [t for t in tracks if t.recorded == main.recorded]
                t = self.clock.position_ms()
                forward = self.clock.speed > 0
                if tracks and not any(tr.recording_at(t) for tr in tracks):
                    if forward:
                        edges = [n for n in (tr.next_recording(t) for tr in tracks) if n is not None]
                        target = min(edges) if edges else None
                        others = [p for p in (tr.previous_recording_end(t) for tr in tracks) if p is not None]
                        gap = (max(others) if others else t, target)
                    else:
                        edges = [p for p in (tr.previous_recording_end(t) for tr in tracks) if p is not None]
                        target = max(edges) - 2 * _EPS_MS if edges else None
                        others = [n for n in (tr.next_recording(t) for tr in tracks) if n is not None]
                        gap = (max(edges) if edges else t, min(others) if others else t)
                    if target is None:
                        # the end (or start) of every recording: stop there
                        ends = [tr.end_ms if forward else tr.start_ms for tr in tracks]
                        stop_at = [e for e in ends if e is not None]
                        self.clock.pause()
                        if stop_at:
                            last = max(stop_at) - 2 * _EPS_MS if forward else min(stop_at)
                            self.clock.seek(last)
                        self._touch()
                        ended = True
                    else:
                        self.clock.seek(target)
                        self._gen += 1  # tiles re-show at the new clock, which waits for them
                        self._preroll()
                        self._cv.notify_all()
                        notice = gap_notice(gap[0], gap[1] if gap[1] is not None else t, self._zone())
                else:
                    self._cv.wait(0.02)
            if notice:
                self._emit(self.on_notice, notice)
            if ended:
                self._emit(self.on_state, False)

    def _emit(self, cb: Callable[..., Any] | None, *args: Any) -> None:
        if cb is None:
            return
        try:
            cb(*args)
        except Exception:  # a GUI callback must never kill the engine
            log.exception("track player callback %r failed", cb)


__all__ = [
    "CLIP_TIME_EPOCH",
    "CameraTrack",
    "FramePlace",
    "RecordedClock",
    "ShownFrame",
    "SyncPlayer",
    "TileStats",
    "TrackClip",
    "camera_tracks",
    "epoch_ms",
    "format_clock",
    "from_epoch_ms",
    "gap_notice",
    "info_from_index",
]
