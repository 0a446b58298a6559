"""The case timeline's data: one lane per camera on a recorded-time axis, ticks, and "go to time".

A custody detention is recorded by several cameras, each as one or more
files.  The case timeline (:mod:`cctv_review.ui.case_timeline`, a thin Qt
widget over this module) shows every camera as a lane on one axis of
**recorded time** — recorder-local wall-clock time in the store's zone
(:mod:`cctv_review.recorded_time`), clock corrections applied — so the
reviewer sees the whole detention at once and follows the detainee from camera
to camera.  Everything here is plain Python (no Qt, no I/O) and is tested
without a display:

* :func:`build_model` turns the case's clips and findings (and, per clip, what
  the exact index and the activity finder found: :class:`ClipExtras`) into a
  :class:`TimelineModel`: :class:`Lane`\\ s, each with its files'
  coverage, the gaps between and inside files (from :class:`~cctv_review.tracks.Track`),
  overlaps, the activity strip in recorded time, whether a file has sound,
  and :class:`FindingMarker`\\ s coloured by level (:mod:`cctv_review.palette`).
  Clips whose recorded start is not set cannot be placed: they are listed in
  :attr:`TimelineModel.undated` so the widget can say so.
* :class:`Viewport` is the visible stretch of time: zooming about a point
  (mouse wheel, ``+``/``-``) from the whole detention down to
  :data:`MIN_SPAN_MS`, panning, and the mapping between time and pixels.
* :func:`ticks` chooses a tick step from :data:`TICK_STEPS_MS` so labels are
  at least ``min_spacing_px`` apart, aligned to the recorder-local wall clock
  (whole minutes, hours, midnight) also across a GMT/BST change, where the
  repeated hour's ticks carry their zone ("01:00 BST", "01:00 GMT").
* :func:`recorded_candidates` and :func:`parse_clip_time` read what the
  reviewer types in "Go to time" (``Ctrl+G``): a recorded clock time
  (``23:14:05``: the moment inside the detention's recorded range; two
  candidates when the detention crosses midnight or the clocks go back, for
  the reviewer to choose), a date and time (``2026-03-14 23:14:05``), or a
  time in the clip (``0:12:05``).  Bad input raises :class:`GotoError`, whose
  message says what to type.

Times are aware datetimes.  Arithmetic is done in UTC (Python subtracts aware
datetimes sharing one tzinfo as wall-clock times, which is wrong across a
clock change); positions in a file are integer milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import PurePath
from typing import NamedTuple

from cctv_review.domain import Clip, Finding, FindingLevel
from cctv_review.palette import FINDING_LEVELS
from cctv_review.recorded_time import (
    ClockCorrection,
    RecordedTimeError,
    format_recorded,
    is_ambiguous,
    is_missing,
)
from cctv_review.recorded_time import recorded_at as _recorded_at
from cctv_review.tracks import Span, Track, TrackFile, build_tracks, camera_key

#: The narrowest view: "down to seconds" (10 s across the widget).
MIN_SPAN_MS = 10_000
#: Tick steps, shortest first (a step is used when its ticks are far enough apart).
TICK_STEPS_MS: tuple[int, ...] = (
    1_000,
    2_000,
    5_000,
    10_000,
    15_000,
    30_000,
    60_000,
    2 * 60_000,
    5 * 60_000,
    10 * 60_000,
    15 * 60_000,
    30 * 60_000,
    3_600_000,
    2 * 3_600_000,
    3 * 3_600_000,
    6 * 3_600_000,
    12 * 3_600_000,
    24 * 3_600_000,
)


def utc(when: datetime) -> datetime:
    """``when`` in UTC (absolute time), for arithmetic and comparison."""
    return when.astimezone(timezone.utc)


def add_ms(when: datetime, ms: float) -> datetime:
    """``when`` + ``ms`` in absolute time, in ``when``'s zone."""
    return (utc(when) + timedelta(milliseconds=ms)).astimezone(when.tzinfo)


def ms_between(a: datetime, b: datetime) -> float:
    """Milliseconds from ``a`` to ``b`` in absolute time (negative when ``b`` is earlier)."""
    return (utc(b) - utc(a)).total_seconds() * 1000.0


# -- the lanes ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipExtras:
    """What a clip's lane shows beyond the clip's row: found by the index, the probe and the activity finder.

    ``inner_gaps``: stretches inside the file with no frames, ``(position_ms,
    length_ms)`` (``ClipIndex.gaps()``); ``has_audio``: the file has an audio
    stream; ``activity_bin_ms`` / ``activity_scores``: the stored activity
    scores (one a bin, the fraction of the picture that changed), already
    filtered to the reviewer's sensitivity if wanted; ``duration_ms``: the
    index's exact duration (0: use the clip's stored one).
    """

    inner_gaps: tuple[tuple[int, int], ...] = ()
    has_audio: bool = False
    activity_bin_ms: int = 0
    activity_scores: tuple[float, ...] = ()
    duration_ms: int = 0


@dataclass(frozen=True)
class FileBar:
    """One file's coverage in its lane: recorded start and end (aware, corrected), file name, sound."""

    clip_id: int
    name: str
    start: datetime
    end: datetime
    has_audio: bool = False


class ActivityBin(NamedTuple):
    """One activity bin in recorded time; ``level`` is the score over the lane's highest score (0..1].

    Kept as POSIX seconds (``start_s``/``end_s``, absolute time): an hour of
    footage has 3,600 bins a camera, too many to build as aware datetimes
    each time a finding is added (a named tuple: cheap to make).  :attr:`start`/:attr:`end`
    give datetimes (UTC).
    """

    start_s: float
    end_s: float
    level: float

    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self.start_s, timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.fromtimestamp(self.end_s, timezone.utc)


@dataclass(frozen=True)
class FindingMarker:
    """A finding on the timeline: its lane, recorded time, level colour (``"#rrggbb"``) and tooltip."""

    finding_id: int
    camera_key: str
    when: datetime
    level: str
    colour: str
    tooltip: str
    clip_id: int | None = None
    position_ms: int = 0


@dataclass(frozen=True)
class Lane:
    """One camera track on the axis.

    ``key`` is the camera key (:func:`cctv_review.tracks.camera_key`: how
    cameras are matched); ``camera`` the name as first spelled; ``files`` each
    file's coverage; ``gaps`` the stretches without recording between the
    lane's first and last frame (between files and inside them), as
    :class:`~cctv_review.tracks.Span` with no clip; ``overlaps`` stretches
    two files both cover, ``(start, end)``.
    """

    key: str
    camera: str
    track: Track
    files: tuple[FileBar, ...] = ()
    gaps: tuple[Span, ...] = ()
    overlaps: tuple[tuple[datetime, datetime], ...] = ()
    activity: tuple[ActivityBin, ...] = ()
    markers: tuple[FindingMarker, ...] = ()

    @property
    def has_audio(self) -> bool:
        return any(f.has_audio for f in self.files)

    def locate(self, when: datetime) -> tuple[int, int] | None:
        """(clip_id, position_ms) showing ``when`` on this camera, or None (gap, or outside the lane)."""
        return self.track.locate(when)

    def gap_at(self, when: datetime) -> Span | None:
        """The gap containing ``when``, or None."""
        t = utc(when)
        return next((g for g in self.gaps if utc(g.start) <= t < utc(g.end)), None)


@dataclass(frozen=True)
class TimelineModel:
    """The case on one axis: lanes (one per camera, ordered by first recording), range, undated clips.

    ``start``/``end`` are the earliest and latest recorded moment of any lane
    (None when no clip has a recorded start); ``tz`` is the store's zone, in
    which every time is shown; ``undated`` the clips that could not be placed
    (recorded start not set).
    """

    lanes: tuple[Lane, ...]
    tz: tzinfo
    start: datetime | None = None
    end: datetime | None = None
    undated: tuple[Clip, ...] = ()
    clip_starts: Mapping[int, datetime] = field(default_factory=dict)

    def lane(self, key: str) -> Lane | None:
        """The lane of camera ``key`` (any spelling of the camera's name works)."""
        wanted = camera_key(key)
        return next((lane for lane in self.lanes if lane.key == wanted), None)

    def lane_of_clip(self, clip_id: int) -> Lane | None:
        return next((lane for lane in self.lanes if any(f.clip_id == clip_id for f in lane.files)), None)

    def recorded_time(self, clip_id: int, position_ms: int) -> datetime | None:
        """Recorded time of ``position_ms`` into clip ``clip_id`` (correction applied), None if not placed."""
        start = self.clip_starts.get(clip_id)
        return add_ms(start, position_ms) if start is not None else None

    def locate(self, key: str, when: datetime) -> tuple[int, int] | None:
        """(clip_id, position_ms) of camera ``key`` at ``when``, or None."""
        lane = self.lane(key)
        return lane.locate(when) if lane is not None else None


def clip_start(clip: Clip, tz: tzinfo) -> datetime | None:
    """The recorded time of a clip's first frame in ``tz``, its clock correction applied; None if not set.

    A naive stored start (older stores) is taken as UTC, as the store keeps times.
    """
    if clip.recorded_start is None:
        return None
    start = clip.recorded_start
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return _recorded_at(start.astimezone(tz), 0, ClockCorrection(int(clip.clock_offset_ms or 0)))


def file_name(path: str) -> str:
    """The last part of a path written with either slash (a Windows path read on Linux, say)."""
    return PurePath(path.replace("\\", "/")).name or path


def _activity(extras: Iterable[tuple[datetime, ClipExtras]]) -> tuple[ActivityBin, ...]:
    raw: list[tuple[float, float, float]] = []
    for start, ex in extras:
        if ex.activity_bin_ms <= 0:
            continue
        t0, step = start.timestamp(), ex.activity_bin_ms / 1000.0
        raw += [(t0 + i * step, t0 + (i + 1) * step, s) for i, s in enumerate(ex.activity_scores) if s > 0]
    top = max((s for _, _, s in raw), default=0.0) or 1.0
    return tuple(ActivityBin(a, b, s / top) for a, b, s in raw)


def marker_tooltip(finding: Finding, when: datetime, tz: tzinfo) -> str:
    """``2026-03-14 23:14:05 GMT — Use of force (Significant learning): the note``."""
    level = FindingLevel(finding.level)
    text = f"{format_recorded(when, tz)} — {finding.theme} ({level.label})"
    note = " ".join(finding.note.split())
    if note:
        text += f": {note[:200]}{'…' if len(note) > 200 else ''}"
    return text


def build_model(
    clips: Sequence[Clip],
    findings: Sequence[Finding] = (),
    extras: Mapping[int, ClipExtras] | None = None,
    tz: tzinfo = timezone.utc,
) -> TimelineModel:
    """The case timeline of ``clips`` (one case's) and its ``findings``.

    ``extras`` maps clip id to what its index, probe and activity scan found
    (missing: no inner gaps, no sound, no activity yet).  Files are placed at
    their recorded start with the clip's clock correction; a file's length is
    the index's exact duration when given, else the clip's stored one.  A
    finding is placed at its clip's recorded time at its position; a finding
    whose clip is not placed falls back to its own ``recorded_at`` and
    ``camera``; otherwise it is left out.
    """
    extras = extras or {}
    placed: list[tuple[str, TrackFile]] = []
    starts: dict[int, datetime] = {}
    undated: list[Clip] = []
    by_id: dict[int, Clip] = {}
    for clip in clips:
        if clip.id is None:
            continue
        by_id[clip.id] = clip
        start = clip_start(clip, tz)
        if start is None:
            undated.append(clip)
            continue
        ex = extras.get(clip.id, ClipExtras())
        duration = ex.duration_ms or clip.duration_ms
        starts[clip.id] = start
        placed.append((clip.camera or "Camera", TrackFile(clip.id, start, duration, tuple(ex.inner_gaps))))

    markers = _markers(findings, by_id, starts, tz)

    lanes = []
    for track in build_tracks(placed):
        key = camera_key(track.camera)
        files = tuple(
            FileBar(
                tf.clip_id,
                file_name(by_id[tf.clip_id].path),
                tf.start,
                tf.end,
                extras.get(tf.clip_id, ClipExtras()).has_audio,
            )
            for tf in track.files
        )
        lanes.append(
            Lane(
                key=key,
                camera=track.camera,
                track=track,
                files=files,
                gaps=tuple(track.gaps()),
                overlaps=tuple((a, b) for _, _, a, b in track.overlaps()),
                activity=_activity(
                    (tf.start, extras[tf.clip_id]) for tf in track.files if tf.clip_id in extras
                ),
                markers=tuple(sorted(markers.pop(key, []), key=lambda m: utc(m.when))),
            )
        )
    return _finish(lanes, markers, by_id, tz, tuple(undated), starts)


def _markers(
    findings: Sequence[Finding], by_id: Mapping[int, Clip], starts: Mapping[int, datetime], tz: tzinfo
) -> dict[str, list[FindingMarker]]:
    """The findings' markers by camera key (see :func:`build_model` for where each goes)."""
    markers: dict[str, list[FindingMarker]] = {}
    for f in findings:
        if f.id is None:
            continue
        clip_id = f.clip_id
        fclip = by_id.get(clip_id) if clip_id is not None else None
        when: datetime | None = None
        key = ""
        if fclip is not None and clip_id is not None and clip_id in starts:
            when, key = add_ms(starts[clip_id], f.position_ms), camera_key(fclip.camera or "Camera")
        elif f.recorded_at is not None and (f.camera or fclip is not None):
            when = f.recorded_at.astimezone(tz)
            key = camera_key(f.camera or (fclip.camera if fclip else ""))
        if when is None:
            continue
        colour = FINDING_LEVELS[FindingLevel(f.level)].colour
        markers.setdefault(key, []).append(
            FindingMarker(
                f.id,
                key,
                when,
                FindingLevel(f.level).value,
                colour,
                marker_tooltip(f, when, tz),
                f.clip_id,
                f.position_ms,
            )
        )
    return markers


def _finish(
    lanes: list[Lane],
    markers: dict[str, list[FindingMarker]],
    by_id: Mapping[int, Clip],
    tz: tzinfo,
    undated: tuple[Clip, ...],
    starts: Mapping[int, datetime],
) -> TimelineModel:
    # Findings on a camera that has no placed clip (its clip was removed, say) keep a lane of their own.
    for key, found in markers.items():
        name = (
            next((by_id[c].camera for m in found if (c := m.clip_id) is not None and c in by_id), "") or key
        )
        lanes.append(Lane(key=key, camera=name, track=Track(name), markers=tuple(found)))

    moments = [utc(f.start) for lane in lanes for f in lane.files]
    ends = [utc(f.end) for lane in lanes for f in lane.files]
    moments += [utc(m.when) for lane in lanes for m in lane.markers]
    ends += [utc(m.when) for lane in lanes for m in lane.markers]
    start = min(moments).astimezone(tz) if moments else None
    end = max(ends).astimezone(tz) if ends else None
    return TimelineModel(tuple(lanes), tz, start, end, undated, dict(starts))


def with_findings(model: TimelineModel, clips: Sequence[Clip], findings: Sequence[Finding]) -> TimelineModel:
    """``model`` with the markers of ``findings`` instead of its own; files, gaps and activity are kept.

    For a finding added, changed or deleted: much cheaper than :func:`build_model`
    (the activity strips of hours of footage are not made again).
    """
    by_id = {c.id: c for c in clips if c.id is not None}
    markers = _markers(findings, by_id, model.clip_starts, model.tz)
    lanes = [
        replace(lane, markers=tuple(sorted(markers.pop(lane.key, []), key=lambda m: utc(m.when))))
        for lane in model.lanes
        if lane.files
    ]
    return _finish(lanes, markers, by_id, model.tz, model.undated, model.clip_starts)


# -- the visible stretch of time -----------------------------------------------------------


@dataclass(frozen=True)
class Viewport:
    """The stretch of recorded time the widget shows: from ``start`` for ``span_ms`` milliseconds.

    ``x_of``/``at`` map between time and a pixel column of a ``width``-pixel
    axis (column 0 is ``start``).
    """

    start: datetime
    span_ms: float

    @property
    def end(self) -> datetime:
        return add_ms(self.start, self.span_ms)

    def x_of(self, when: datetime, width: float) -> float:
        return ms_between(self.start, when) / self.span_ms * width if self.span_ms > 0 else 0.0

    def at(self, x: float, width: float) -> datetime:
        return add_ms(self.start, self.span_ms * x / width if width > 0 else 0.0)

    def zoomed(
        self,
        factor: float,
        anchor: datetime | None = None,
        bounds: tuple[datetime, datetime] | None = None,
    ) -> Viewport:
        """Zoomed in (``factor`` < 1) or out (> 1) keeping ``anchor`` (default: the middle) where it is.

        The span stays between :data:`MIN_SPAN_MS` and the whole of ``bounds``
        (the detention, with a margin); the view stays inside ``bounds``.
        """
        anchor = anchor if anchor is not None else add_ms(self.start, self.span_ms / 2)
        span = max(float(MIN_SPAN_MS), self.span_ms * factor)
        if bounds is not None:
            span = min(span, max(float(MIN_SPAN_MS), ms_between(*bounds)))
        frac = ms_between(self.start, anchor) / self.span_ms if self.span_ms > 0 else 0.5
        view = Viewport(add_ms(anchor, -frac * span), span)
        return view.clamped(bounds) if bounds is not None else view

    def panned(self, ms: float, bounds: tuple[datetime, datetime] | None = None) -> Viewport:
        """Moved by ``ms`` (later when positive), kept inside ``bounds``."""
        view = Viewport(add_ms(self.start, ms), self.span_ms)
        return view.clamped(bounds) if bounds is not None else view

    def clamped(self, bounds: tuple[datetime, datetime]) -> Viewport:
        lo, hi = bounds
        whole = ms_between(lo, hi)
        if self.span_ms >= whole:
            return Viewport(add_ms(lo, -(self.span_ms - whole) / 2), self.span_ms)
        if utc(self.start) < utc(lo):
            return Viewport(lo, self.span_ms)
        if utc(self.end) > utc(hi):
            return Viewport(add_ms(hi, -self.span_ms), self.span_ms)
        return self

    def centred_on(self, when: datetime, bounds: tuple[datetime, datetime] | None = None) -> Viewport:
        view = Viewport(add_ms(when, -self.span_ms / 2), self.span_ms)
        return view.clamped(bounds) if bounds is not None else view


def bounds_of(model: TimelineModel, margin: float = 0.02) -> tuple[datetime, datetime] | None:
    """The detention's recorded range with a small margin each side (a fraction of it, at least 5 s)."""
    if model.start is None or model.end is None:
        return None
    pad = max(5_000.0, ms_between(model.start, model.end) * margin)
    return add_ms(model.start, -pad), add_ms(model.end, pad)


def whole_view(model: TimelineModel) -> Viewport | None:
    """The whole detention in view, or None when nothing is placed."""
    bounds = bounds_of(model)
    if bounds is None:
        return None
    return Viewport(bounds[0], max(float(MIN_SPAN_MS), ms_between(*bounds)))


# -- ticks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """A tick on the axis: where (aware), its label, and whether it is a major one (a new day)."""

    when: datetime
    label: str
    major: bool = False


def tick_step_ms(span_ms: float, width_px: float, min_spacing_px: float = 70.0) -> int:
    """The shortest step of :data:`TICK_STEPS_MS` whose ticks are ``min_spacing_px`` apart or more."""
    if width_px <= 0 or span_ms <= 0:
        return TICK_STEPS_MS[-1]
    for step in TICK_STEPS_MS:
        if step / span_ms * width_px >= min_spacing_px:
            return step
    # Longer than a day a tick: whole days.
    days = int(span_ms / width_px * min_spacing_px // 86_400_000) + 1
    return days * 86_400_000


_EPOCH = datetime(1970, 1, 1)


def _floor_local(when: datetime, step_ms: int, tz: tzinfo) -> datetime:
    """The latest wall-clock multiple of ``step_ms`` (since local midnight 1970) at or before ``when``."""
    local = utc(when).astimezone(tz)
    wall = local.replace(tzinfo=None)
    wall_ms = (wall - _EPOCH) // timedelta(milliseconds=1)
    naive = _EPOCH + timedelta(milliseconds=wall_ms - wall_ms % step_ms)
    while is_missing(naive, tz):  # the hour the clocks skip: its first real moment
        naive += timedelta(minutes=15)
    fold = local.fold if is_ambiguous(naive, tz) else 0
    aware = naive.replace(tzinfo=tz, fold=fold)
    if utc(aware) > utc(when):  # the other occurrence was meant
        aware = naive.replace(tzinfo=tz, fold=0)
    return aware


def _label(local: datetime, step_ms: int, tz: tzinfo) -> str:
    if step_ms >= 86_400_000:
        text = local.strftime("%a %d %b")
    elif step_ms >= 60_000:
        text = local.strftime("%H:%M")
    else:
        text = local.strftime("%H:%M:%S")
    if step_ms < 86_400_000 and is_ambiguous(local.replace(tzinfo=None), tz):
        text += f" {local.tzname()}"
    return text


def ticks(view: Viewport, width_px: float, tz: tzinfo, min_spacing_px: float = 70.0) -> list[Tick]:
    """The ticks of the axis for ``view`` drawn ``width_px`` wide, labelled in recorder-local time.

    The step is :func:`tick_step_ms`; ticks sit on whole steps of the local
    wall clock (10:15:00, 10:30:00; midnight for days), also after a GMT/BST
    change.  A tick at local midnight is major and labelled with the date.
    """
    step = tick_step_ms(view.span_ms, width_px, min_spacing_px)
    end = utc(view.end)
    t = _floor_local(view.start, step, tz)
    out: list[Tick] = []
    for _ in range(10_000):  # a bound, never reached for a sensible width
        if utc(t) > end:
            break
        local = utc(t).astimezone(tz)
        if utc(t) >= utc(view.start):
            midnight = local.hour == 0 and local.minute == 0 and local.second == 0
            label = local.strftime("%a %d %b") if midnight and step < 86_400_000 else _label(local, step, tz)
            out.append(Tick(local, label, midnight))
        nxt = _floor_local(add_ms(t, step + 1), step, tz)
        if ms_between(t, nxt) < step / 2:  # a clock change pulled the wall clock back: keep moving
            nxt = add_ms(t, step)
        t = nxt
    return out


def format_clock(when: datetime, tz: tzinfo, with_date: bool = False) -> str:
    """``23:14:05`` (or ``2026-03-14 23:14:05 GMT``) in recorder-local time."""
    return format_recorded(when, tz) if with_date else utc(when).astimezone(tz).strftime("%H:%M:%S")


# -- go to time ----------------------------------------------------------------------------


class GotoError(RecordedTimeError):
    """What was typed in "Go to time" cannot be used; the message says what to type."""


_CLOCK = re.compile(r"^\s*(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*$")
_DATE_TIME = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4}))[ T]+"
    r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*$"
)
_CLIP_TIME = re.compile(r"^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d+)(?:\.(\d{1,3}))?\s*$")

CLOCK_HELP = "a recorded time like 23:14:05, or a date and time like 2026-03-14 23:14:05"
CLIP_HELP = "a time in the clip like 0:12:05 (hours:minutes:seconds) or 12:05 (minutes:seconds)"


def parse_clip_time(text: str, duration_ms: int | None = None) -> int:
    """A time in the clip typed as ``0:12:05``, ``12:05``, ``725`` or ``0:12:05.400``: milliseconds.

    Raises :class:`GotoError` for other text, minutes or seconds over 59, or a
    time past the clip's end (``duration_ms``, when given).
    """
    m = _CLIP_TIME.match(text)
    if not m or not text.strip():
        raise GotoError(f'"{text.strip()}" is not {CLIP_HELP}.')
    hours, minutes, seconds, frac = m.groups()
    h, mi, s = int(hours or 0), int(minutes or 0), int(seconds)
    if (minutes is not None and s > 59) or (hours is not None and mi > 59):
        raise GotoError(f'"{text.strip()}" has more than 59 minutes or seconds. Type {CLIP_HELP}.')
    ms = ((h * 60 + mi) * 60 + s) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)
    if duration_ms is not None and ms > duration_ms:
        from cctv_review.domain import format_ms

        raise GotoError(
            f"{text.strip()} is past the end of this clip ({format_ms(duration_ms, False)}). "
            "Type a time inside the clip, or choose Recorded time to go by the clock."
        )
    return ms


def _local_options(naive: datetime, tz: tzinfo) -> list[datetime]:
    """Every real moment a naive wall-clock time names in ``tz``: none (skipped hour), one, or two."""
    if is_missing(naive, tz):
        return []
    if is_ambiguous(naive, tz):
        return [naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)]
    return [naive.replace(tzinfo=tz)]


def _range_text(start: datetime, end: datetime, tz: tzinfo) -> str:
    return f"{format_recorded(start, tz)} to {format_recorded(end, tz)}"


def recorded_candidates(
    text: str, tz: tzinfo, start: datetime | None = None, end: datetime | None = None
) -> list[datetime]:
    """The moments a typed recorded time may mean, earliest first (aware, in ``tz``).

    * ``2026-03-14 23:14:05`` (or ``14/03/2026 23:14:05``; seconds optional):
      that wall-clock time; two moments if it falls in the hour the clocks go
      back (BST, then GMT).
    * ``23:14:05`` (or ``23:14``): that clock time on every day of the
      recorded range ``start``..``end`` (the detention), kept where it falls
      inside the range: one moment usually, two when the detention crosses
      midnight twice past it or the clocks go back — the caller asks which.

    Raises :class:`GotoError` (saying what to type) for text that is neither,
    for a clock time with no recorded range or outside it, and for a time the
    clocks skipped.
    """
    typed = text.strip()
    m = _DATE_TIME.match(typed)
    if m:
        y, mo, d, d2, mo2, y2, h, mi, s = m.groups()
        try:
            naive = datetime(int(y or y2), int(mo or mo2), int(d or d2), int(h), int(mi), int(s or 0))
        except ValueError:
            raise GotoError(f'"{typed}" is not a real date and time. Type {CLOCK_HELP}.') from None
        options = _local_options(naive, tz)
        if not options:
            raise GotoError(
                f"{naive:%Y-%m-%d %H:%M:%S} never happened in {tz}: the clocks went forward then. "
                f"Type a time before or after the change."
            )
        return options
    m = _CLOCK.match(typed)
    if not m:
        raise GotoError(f'"{typed}" is not {CLOCK_HELP}.')
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h > 23 or mi > 59 or s > 59:
        raise GotoError(
            f'"{typed}" is not a clock time (hours 0–23, minutes and seconds 0–59). Type {CLOCK_HELP}.'
        )
    if start is None or end is None:
        raise GotoError(
            "This case has no footage with a recorded start yet, so a clock time cannot be placed. "
            "Set the clips' recorded start, or type a time in the clip like 0:12:05."
        )
    lo, hi = utc(start), utc(end)
    first: date = lo.astimezone(tz).date() - timedelta(days=1)
    last: date = hi.astimezone(tz).date() + timedelta(days=1)
    found: list[datetime] = []
    skipped = False
    day = first
    while day <= last:
        naive = datetime(day.year, day.month, day.day, h, mi, s)
        options = _local_options(naive, tz)
        skipped = skipped or not options
        found += [o for o in options if lo <= utc(o) <= hi]
        day += timedelta(days=1)
    if not found:
        if skipped:
            raise GotoError(
                f"{h:02d}:{mi:02d}:{s:02d} never happened that night in {tz}: the clocks went forward. "
                f"The footage runs {_range_text(start, end, tz)}."
            )
        raise GotoError(
            f"{h:02d}:{mi:02d}:{s:02d} is not inside the recorded footage "
            f"({_range_text(start, end, tz)}). Type a time in that range, or a date and time."
        )
    return sorted(found, key=utc)


def describe_candidate(when: datetime, tz: tzinfo) -> str:
    """How a candidate moment is offered to the reviewer: ``Sat 14 Mar 2026 23:14:05 GMT``."""
    local = utc(when).astimezone(tz)
    return f"{local:%a %d %b %Y %H:%M:%S} {local.tzname()}"
