"""Camera tracks: one camera's files, laid end to end in recorded time.

Recorders export one camera as several files (10–60 minute chunks, or a new
file after each motion-triggered stretch).  A reviewer follows the camera, not
the files: in a case, the clips of one camera ordered by recorded start form a
:class:`Track`.  The track answers the questions playback and the timeline
ask, all in recorded time (aware datetimes, clock corrections already
applied by the caller):

* which file, and where in it, shows the moment T (:meth:`Track.locate`);
* where the recording stops and starts again — between files and inside a
  file (a motion-triggered gap the exact index found) — as :class:`Span`\\ s
  with no clip (:meth:`Track.gaps`), so the player can step over them with a
  visible "no recording 01:10:00–01:25:00" notice;
* where two files overlap (:meth:`Track.overlaps`): the earlier file keeps
  playing until it ends, then the later one takes over, so time never runs
  backwards.

Plain Python, no Qt, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


def _ms(delta: timedelta) -> int:
    return round(delta.total_seconds() * 1000)


def _utc(when: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo subtract as wall-clock times in Python; compare in UTC.
    return when.astimezone(timezone.utc)


def _add(when: datetime, ms: int) -> datetime:
    """``when`` + ``ms`` in absolute time (right across a GMT/BST change), in ``when``'s zone."""
    return (_utc(when) + timedelta(milliseconds=ms)).astimezone(when.tzinfo)


@dataclass(frozen=True)
class TrackFile:
    """One file of a track: where it starts in recorded time and what it covers.

    ``start``: recorded time of its first frame (aware, corrected);
    ``duration_ms``: length (from the exact index); ``inner_gaps``: stretches
    inside the file with no frames, as (position_ms, length_ms) pairs.
    """

    clip_id: int
    start: datetime
    duration_ms: int
    inner_gaps: tuple[tuple[int, int], ...] = ()

    @property
    def end(self) -> datetime:
        return _add(self.start, self.duration_ms)


@dataclass(frozen=True)
class Span:
    """A stretch of recorded time: shown by ``clip_id`` from ``position_ms``, or no recording (None)."""

    start: datetime
    end: datetime
    clip_id: int | None
    position_ms: int = 0

    @property
    def length_ms(self) -> int:
        return _ms(_utc(self.end) - _utc(self.start))


@dataclass(frozen=True)
class Track:
    """One camera across its files, in recorded-start order."""

    camera: str
    files: tuple[TrackFile, ...] = field(default_factory=tuple)

    @property
    def start(self) -> datetime | None:
        return self.files[0].start if self.files else None

    @property
    def end(self) -> datetime | None:
        return max((f.end for f in self.files), key=_utc) if self.files else None

    def spans(self) -> list[Span]:
        """The whole track as consecutive spans: recording (with its clip) and gaps (clip None).

        Where files overlap, the earlier file is shown until its end and the
        later one from there on (at the matching position in it).
        """
        spans: list[Span] = []
        covered_until: datetime | None = None
        for f in self.files:
            begin = f.start
            if covered_until is not None and _utc(covered_until) > _utc(begin):
                begin = covered_until  # overlap: the earlier file keeps playing
            elif covered_until is not None and _utc(covered_until) < _utc(begin):
                spans.append(Span(covered_until, begin, None))
            if _utc(f.end) <= _utc(begin):
                continue  # wholly inside an earlier file
            offset = _ms(_utc(begin) - _utc(f.start))
            cursor = offset
            for gap_at, gap_len in sorted(f.inner_gaps):
                if gap_at + gap_len <= cursor:
                    continue
                gap_at = max(gap_at, cursor)
                if gap_at > cursor:
                    spans.append(Span(_add(f.start, cursor), _add(f.start, gap_at), f.clip_id, cursor))
                end_at = min(gap_at + gap_len, f.duration_ms)
                spans.append(Span(_add(f.start, gap_at), _add(f.start, end_at), None))
                cursor = end_at
            if cursor < f.duration_ms:
                spans.append(Span(_add(f.start, cursor), f.end, f.clip_id, cursor))
            covered_until = f.end
        return spans

    def gaps(self, min_ms: int = 0) -> list[Span]:
        """Stretches with no recording (between or inside files) of at least ``min_ms``."""
        return [s for s in self.spans() if s.clip_id is None and s.length_ms >= min_ms]

    def overlaps(self) -> list[tuple[int, int, datetime, datetime]]:
        """(earlier clip, later clip, overlap start, overlap end) for files that overlap in time."""
        found = []
        for i, a in enumerate(self.files):
            for b in self.files[i + 1 :]:
                if _utc(b.start) >= _utc(a.end):
                    break
                end = min(a.end, b.end, key=_utc)
                found.append((a.clip_id, b.clip_id, b.start, end))
        return found

    def locate(self, when: datetime) -> tuple[int, int] | None:
        """(clip_id, position_ms) showing recorded time ``when``, or None in a gap or outside the track."""
        t = _utc(when)
        for span in self.spans():
            if span.clip_id is not None and _utc(span.start) <= t < _utc(span.end):
                return span.clip_id, span.position_ms + _ms(t - _utc(span.start))
        return None

    def next_recording(self, when: datetime) -> datetime | None:
        """Start of the first recording after ``when`` (for "No recording — next at 01:25:00"), or None."""
        t = _utc(when)
        for span in self.spans():
            if span.clip_id is not None and _utc(span.start) > t:
                return span.start
        return None

    def previous_recording_end(self, when: datetime) -> datetime | None:
        """End of the last recording before ``when`` (stepping backwards over a gap), or None."""
        t = _utc(when)
        best = None
        for span in self.spans():
            if span.clip_id is not None and _utc(span.end) <= t:
                best = span.end
        return best


def camera_key(camera: str) -> str:
    """Cameras are matched by name, ignoring case and surrounding/double spaces."""
    return " ".join(camera.split()).casefold()


def build_tracks(files: Iterable[tuple[str, TrackFile]]) -> list[Track]:
    """Group (camera name, file) pairs into tracks, one per camera, files in recorded-start order.

    The track's name is the first spelling met; tracks are ordered by their
    first recorded start, then name.
    """
    groups: dict[str, tuple[str, list[TrackFile]]] = {}
    for camera, f in files:
        groups.setdefault(camera_key(camera), (camera.strip(), []))[1].append(f)
    tracks = [
        Track(camera=name, files=tuple(sorted(fs, key=lambda f: (_utc(f.start), f.clip_id))))
        for name, fs in groups.values()
    ]
    return sorted(
        tracks,
        key=lambda t: (_utc(t.start) if t.start else datetime.max.replace(tzinfo=timezone.utc), t.camera),
    )


def describe_gap(span: Span, fmt: str = "%H:%M:%S") -> str:
    """``no recording 01:10:00–01:25:00`` for a gap span."""
    return f"no recording {span.start:{fmt}}–{span.end:{fmt}}"


def step_over_gaps(track: Track, when: datetime, forward: bool = True) -> tuple[datetime, Span | None]:
    """Where playback or a jump that reached ``when`` goes on, and the gap it stepped over (or None).

    Forward, a moment in a gap moves to the next recording's start; backward,
    to the end of the previous recording.  A moment with recording is kept.
    """
    if track.locate(when) is not None:
        return when, None
    t = _utc(when)
    gap = next((s for s in track.gaps() if _utc(s.start) <= t < _utc(s.end)), None)
    target = track.next_recording(when) if forward else track.previous_recording_end(when)
    return (target or when), gap


def files_of(track: Track) -> Sequence[int]:
    """The track's clip ids in recorded-start order."""
    return [f.clip_id for f in track.files]
