"""Recorded time: when a clip's first frame was recorded, on the recorder's clock.

One rule for the whole product.  A clip's *recorded start* is **recorder-local
wall-clock time** — what the recorder's own clock showed — in one time zone
for the whole store (a setting; default ``Europe/London``).  Times are kept
timezone-aware so that GMT/BST changes are handled, including the hour that
happens twice when the clocks go back (Python's ``fold``, PEP 495) and the
hour that never happens when they go forward.

Where a recorded start comes from, best first (:func:`propose_recorded_start`):

1. the recorder's own packets (Dahua DHAV carries a date-time in every frame
   header; the video engine reads it and passes it in);
2. the file name, matched against patterns kept as data in
   ``resources/patterns/recorder-file-names.json`` (Dahua, Canon, Brickcom,
   MDVR and the common ``ch01_YYYYMMDDhhmmss`` shapes; each pattern names its
   source and says whether its times are recorder-local or UTC);
3. container metadata (``creation_time`` in MP4/MOV/MKV, which FFmpeg reports
   in UTC; some recorders write the export time there instead, so it ranks last).

The reviewer confirms a proposal before it is stored.  Recorder clocks are
often minutes out: a :class:`ClockCorrection` records "the burned-in clock
shows T at this frame" as an offset in milliseconds that every recorded time
of the clip then follows.

Plain Python (``zoneinfo``; on Windows the ``tzdata`` package supplies the
zone database).  No Qt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cctv_review.errors import UserFacingError
from cctv_review.resources_path import resources_dir


class _ClipLike(Protocol):
    recorded_start: datetime | None
    clock_offset_ms: int


class _FindingLike(Protocol):
    position_ms: int
    recorded_at: datetime | None


#: The store-wide recorder time zone when none is set.
DEFAULT_ZONE = "Europe/London"

#: The ``settings`` key holding the store-wide zone (an IANA name); see ``Store.time_zone``.
ZONE_SETTING = "time_zone"

PATTERNS_FILE = "patterns/recorder-file-names.json"


class RecordedTimeError(UserFacingError, ValueError):
    """A time zone, pattern file or typed time that cannot be used; the message says why."""


def zone(name: str = DEFAULT_ZONE) -> tzinfo:
    """The ``ZoneInfo`` for an IANA zone name; raises :class:`RecordedTimeError` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecordedTimeError(
            f'"{name}" is not a time zone this computer knows. Use an IANA name such as Europe/London.'
        ) from None


# -- local wall-clock times across the clock changes ----------------------------------


def is_ambiguous(local: datetime, tz: tzinfo) -> bool:
    """True if the naive wall-clock time ``local`` happens twice in ``tz`` (clocks going back)."""
    a, b = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    return a.utcoffset() != b.utcoffset() and _exists(a) and _exists(b)


def _exists(aware: datetime) -> bool:
    back = aware.astimezone(timezone.utc).astimezone(aware.tzinfo)
    return back.replace(tzinfo=None, fold=0) == aware.replace(tzinfo=None, fold=0)


def is_missing(local: datetime, tz: tzinfo) -> bool:
    """True if the naive wall-clock time ``local`` never happens in ``tz`` (clocks going forward)."""
    return not _exists(local.replace(tzinfo=tz, fold=0))


def localize(local: datetime, tz: tzinfo, *, second_occurrence: bool = False) -> datetime:
    """Attach ``tz`` to a naive recorder-local time.

    In the repeated hour (clocks going back) the first occurrence (BST) is
    taken unless ``second_occurrence``; the caller asks the reviewer, or uses
    the order of a camera's files, to know.  A time in the hour that never
    happened (clocks going forward) raises :class:`RecordedTimeError`: a
    recorder that writes it is not following the zone, and the reviewer must
    set the time (or a clock correction) by hand.
    """
    if local.tzinfo is not None:
        return local.astimezone(tz)
    if is_missing(local, tz):
        raise RecordedTimeError(
            f"{local:%Y-%m-%d %H:%M:%S} never happened in {tz}: the clocks went forward then. "
            "The recorder may not follow summer time; set the recorded start by hand or add a clock correction."
        )
    return local.replace(tzinfo=tz, fold=1 if second_occurrence else 0)


def parse_typed(text: str, tz: tzinfo, *, second_occurrence: bool = False) -> datetime:
    """A date-time typed by the reviewer (``2026-03-20 01:00:30`` or ``2026-03-20T01:00:30``), to the second.

    What is typed is what is stored: no milliseconds are added, nothing is
    rounded.  Raises :class:`RecordedTimeError` for text that is not such a
    date-time or for a time that never happened in ``tz``.
    """
    return localize(typed_local(text), tz, second_occurrence=second_occurrence)


_TYPED = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def typed_local(text: str) -> datetime:
    """The naive wall-clock date-time in typed text (``2026-03-20 01:00:30``, ``T`` allowed), to the second.

    Every field has its full width (``01:00:3`` is not yet a time), so a box
    checked as the reviewer types never takes a half-typed value.

    Raises :class:`RecordedTimeError` for anything else.  The zone is not
    applied: use :func:`localize` (or :func:`parse_typed`), after asking the
    reviewer which of the two when :func:`is_ambiguous` says it happens twice.
    """
    cleaned = " ".join(text.strip().replace("T", " ").split())
    try:
        if not _TYPED.fullmatch(cleaned):  # strptime alone would take "01:00:3" for 01:00:03
            raise ValueError(cleaned)
        return datetime.strptime(cleaned, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise RecordedTimeError(
            f'"{text.strip()}" is not a date and time like 2026-03-20 01:00:30 (year-month-day hours:minutes:seconds).'
        ) from None


def clock_near(text: str, around: datetime, tz: tzinfo, *, second_occurrence: bool | None = None) -> datetime:
    """A clock time read off the picture (``23:14:05``), or a full date-time, as an aware datetime in ``tz``.

    A bare ``H:MM:SS`` takes the date that puts it nearest ``around`` (aware),
    so a clock read just after midnight on footage recorded just before it
    lands on the next day.  In the repeated hour the occurrence nearest
    ``around`` is taken unless ``second_occurrence`` says which.  Raises
    :class:`RecordedTimeError` for text that is neither, or a time that never
    happened in ``tz``.
    """
    stripped = text.strip()
    try:
        clock = datetime.strptime(stripped, "%H:%M:%S").time()
    except ValueError:
        local = typed_local(stripped)
        if second_occurrence is None and is_ambiguous(local, tz):
            second_occurrence = _nearer_is_second(local, around, tz)
        return localize(local, tz, second_occurrence=bool(second_occurrence))
    centre = around.astimezone(tz)
    best: datetime | None = None
    for days in (-1, 0, 1):
        local = datetime.combine(centre.date() + timedelta(days=days), clock)
        if is_missing(local, tz):
            continue
        folds = (second_occurrence,) if second_occurrence is not None else (False, True)
        for fold in folds:
            candidate = local.replace(tzinfo=tz, fold=1 if fold else 0)
            if best is None or abs(_utc(candidate) - _utc(around)) < abs(_utc(best) - _utc(around)):
                best = candidate
    if best is None:
        raise RecordedTimeError(
            f"{stripped} never happened around {format_recorded(around, tz)}: the clocks went forward then."
        )
    return best


def _utc(when: datetime) -> datetime:
    return when.astimezone(timezone.utc)


def _nearer_is_second(local: datetime, around: datetime, tz: tzinfo) -> bool:
    first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    return abs(_utc(second) - _utc(around)) < abs(_utc(first) - _utc(around))


def format_recorded(when: datetime, tz: tzinfo, *, with_zone: bool = True) -> str:
    """``2026-07-12 00:59:47 BST``: the one way recorded times are written (GUI, stills, exports).

    ``when`` is aware (any zone; a naive value is taken as UTC, as the store
    keeps times); it is shown as wall-clock time in ``tz`` to the second
    (milliseconds are dropped, never rounded up), followed by the zone's
    abbreviation, which tells the two 01:30s of the night the clocks go back
    apart (``01:30:00 BST`` then ``01:30:00 GMT``).
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone(tz)
    # As strftime("%Y-%m-%d %H:%M:%S"), three times quicker (an export writes a million of them).
    text = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )
    return f"{text} {local.tzname()}" if with_zone else text


def format_clock(when: datetime, tz: tzinfo) -> str:
    """``00:59:47``: the recorded clock time alone (what a burned-in clock shows), in ``tz``."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(tz).strftime("%H:%M:%S")


def zone_label(name: str) -> str:
    """``Europe/London (GMT/BST)``: a zone name with its abbreviations this year, for settings and headers."""
    tz = zone(name)
    year = datetime.now(timezone.utc).year
    names: list[str] = []
    for month in (1, 7):
        abbreviation = datetime(year, month, 1, 12, tzinfo=tz).tzname() or ""
        if abbreviation and abbreviation not in names:
            names.append(abbreviation)
    return f"{name} ({'/'.join(names)})" if names else name


# -- proposals from file names, metadata and recorder packets ---------------------------


@dataclass(frozen=True)
class NamePattern:
    """One recorder file-name pattern from the resources file."""

    name: str
    regex: re.Pattern[str]
    clock: str  # "recorder" or "utc"
    source: str
    example: str
    #: "name": matched against the file name alone; "path": against the end of its path (folders
    #: joined with "/"), for recorders that keep the date in a folder (Dahua's ``2026-03-14/001/dav/22/``).
    target: str = "name"

    def match(self, file_name: str) -> re.Match[str] | None:
        """The regex matched against the name (whole) or the end of the path, as ``target`` says."""
        path = file_name.replace("\\", "/")  # a Windows path read anywhere
        if self.target == "path":
            return self.regex.search(path)
        return self.regex.fullmatch(path.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class NameMatch:
    """What a file name says: recorded start (and end), camera, and which pattern said it.

    ``start``/``end`` are aware datetimes (the pattern's clock resolved in the
    store's zone); ``camera`` is a camera name only when the pattern recognised
    one ("Channel 2" for a channel number), else None.
    """

    pattern: str
    start: datetime
    end: datetime | None
    camera: str | None


def _compile(entry: Mapping[str, object], where: Path) -> NamePattern:
    try:
        name = str(entry["name"])
        regex = re.compile(str(entry["regex"]), re.IGNORECASE)
        clock = str(entry.get("clock", "recorder"))
        target = str(entry.get("match", "name"))
    except (KeyError, re.error) as exc:
        raise RecordedTimeError(f"The file-name pattern file {where} has a broken pattern: {exc}.") from None
    if clock not in ("recorder", "utc"):
        raise RecordedTimeError(
            f'Pattern "{name}" in {where}: clock must be "recorder" or "utc", not "{clock}".'
        )
    if target not in ("name", "path"):
        raise RecordedTimeError(
            f'Pattern "{name}" in {where}: match must be "name" or "path", not "{target}".'
        )
    if target == "path" and not regex.pattern.endswith("$"):
        raise RecordedTimeError(f'Pattern "{name}" in {where} matches a path, so it must end with $.')
    missing = {"Y", "M", "D", "h", "m", "s"} - set(regex.groupindex)
    if missing:
        raise RecordedTimeError(f'Pattern "{name}" in {where} lacks the groups {", ".join(sorted(missing))}.')
    return NamePattern(
        name, regex, clock, str(entry.get("source", "")), str(entry.get("example", "")), target
    )


@lru_cache(maxsize=4)
def load_name_patterns(path: Path | None = None) -> tuple[NamePattern, ...]:
    """The recorder file-name patterns, most specific first.

    Raises :class:`RecordedTimeError` naming the file and the pattern if the
    file is broken, and checks every pattern matches its own example.
    """
    where = path or resources_dir() / PATTERNS_FILE
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
        entries = data["patterns"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RecordedTimeError(f"The file-name pattern file {where} cannot be read: {exc}.") from None
    patterns = tuple(_compile(e, where) for e in entries)
    for p in patterns:
        if p.example and not p.match(p.example):
            raise RecordedTimeError(
                f'Pattern "{p.name}" in {where} does not match its own example "{p.example}".'
            )
    return patterns


def _datetime(groups: Mapping[str, str | None], prefix: str, base: datetime | None) -> datetime | None:
    def g(key: str) -> str | None:
        return groups.get(prefix + key)

    if g("h") is None:
        return None
    year = int(g("Y") or (base.year if base else 0))
    month = int(g("M") or (base.month if base else 0))
    day = int(g("D") or (base.day if base else 0))
    try:
        value = datetime(year, month, day, int(g("h") or 0), int(g("m") or 0), int(g("s") or 0))
    except ValueError:
        return None
    if base is not None and value < base:  # an end past midnight with only a time given
        value += timedelta(days=1)
    return value


def match_file_name(
    file_name: str, tz: tzinfo, patterns: tuple[NamePattern, ...] | None = None
) -> NameMatch | None:
    """The recorded start (and end, camera) a recorder's file name holds, or None.

    ``file_name`` may include folders: most patterns match the last part only;
    a ``"match": "path"`` pattern matches the end of the whole path (the date
    in a folder, as Dahua recorders keep it).  Times
    on a ``recorder`` clock are taken as wall-clock time in ``tz``; ``utc``
    ones are converted.  A name whose digits are not a real date is no match.
    """
    for p in patterns or load_name_patterns():
        m = p.match(file_name)
        if not m:
            continue
        groups = m.groupdict()
        start = _datetime(groups, "", None)
        if start is None:
            continue
        end = _datetime(groups, "e", start)
        try:
            if p.clock == "utc":
                start_aware = start.replace(tzinfo=timezone.utc).astimezone(tz)
                end_aware = end.replace(tzinfo=timezone.utc).astimezone(tz) if end else None
            else:
                start_aware = localize(start, tz)
                end_aware = localize(end, tz) if end else None
        except RecordedTimeError:
            continue
        camera = groups.get("camera")
        if groups.get("channel"):
            camera = f"Channel {int(groups['channel'])}"
        return NameMatch(p.name, start_aware, end_aware, camera.strip() if camera else None)
    return None


def metadata_time(metadata: Mapping[str, str]) -> datetime | None:
    """``creation_time`` (or a similar tag) from container metadata, as an aware UTC datetime.

    FFmpeg reports MP4/MOV ``creation_time`` as ISO 8601 in UTC
    (``2026-03-14T22:41:05.000000Z``); the Unix epoch and 1904-01-01 (unset
    MP4 times) are treated as absent.
    """
    for key in ("creation_time", "date", "DATE_RECORDED", "com.apple.quicktime.creationdate"):
        text = metadata.get(key)
        if not text:
            continue
        try:
            value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        if value.year > 1970:
            return value
    return None


@dataclass(frozen=True)
class Proposal:
    """A recorded start for the reviewer to confirm: the time, where it came from, and any disagreement.

    ``start`` is aware (store zone); ``source`` says where it came from in
    words; ``camera`` is a camera name a file-name pattern recognised (never
    the bare file name); ``conflicts`` lists other sources that disagree by
    more than 2 seconds, in words.
    """

    start: datetime
    source: str
    camera: str | None = None
    conflicts: tuple[str, ...] = ()


def propose_recorded_start(
    file_name: str,
    tz: tzinfo,
    *,
    metadata: Mapping[str, str] | None = None,
    recorder_packets_start: datetime | None = None,
) -> Proposal | None:
    """The best recorded start for a file, or None when nothing in it says.

    ``recorder_packets_start`` is the date-time in the recorder's own packets
    (Dahua DHAV), naive recorder-local or aware; ``metadata`` the container's
    tags as FFmpeg reports them.  Ranks recorder packets, then the file name,
    then container metadata (see the module docstring), and lists the others
    where they disagree.
    """
    candidates: list[tuple[str, datetime, str | None]] = []
    if recorder_packets_start is not None:
        with_zone = (
            recorder_packets_start.astimezone(tz)
            if recorder_packets_start.tzinfo
            else localize(recorder_packets_start, tz)
        )
        candidates.append(("the recorder's own time stamps in the file", with_zone, None))
    named = match_file_name(file_name, tz)
    if named is not None:
        candidates.append((f'the file name (pattern "{named.pattern}")', named.start, named.camera))
    meta = metadata_time(metadata or {})
    if meta is not None:
        candidates.append(("the file's creation_time metadata", meta.astimezone(tz), None))
    if not candidates:
        return None
    source, start, camera = candidates[0]
    camera = camera or next((c for _, _, c in candidates if c), None)
    conflicts = tuple(
        f"{other} says {format_recorded(when, tz)}"
        for other, when, _ in candidates[1:]
        if abs((when.astimezone(timezone.utc) - start.astimezone(timezone.utc)).total_seconds()) > 2
    )
    local = start.replace(tzinfo=None)
    if is_ambiguous(local, tz):
        conflicts += (
            f"{local:%H:%M:%S} happens twice that night (the clocks went back): {start.tzname()} was taken; check it",
        )
    return Proposal(start=start, source=source, camera=camera, conflicts=conflicts)


# -- clock correction -------------------------------------------------------------------


@dataclass(frozen=True)
class ClockCorrection:
    """How far the recorder's clock was out: add ``offset_ms`` to every recorded time of the clip.

    Positive when the recorder was slow (the true time is later than the
    recorder's).  Made by :meth:`from_burned_in_clock`.
    """

    offset_ms: int = 0

    @classmethod
    def from_burned_in_clock(
        cls, recorded_start: datetime, position_ms: int, shown: datetime
    ) -> ClockCorrection:
        """The reviewer says "at ``position_ms`` into the clip the burned-in clock shows ``shown``".

        ``recorded_start`` is the clip's recorded start without correction;
        both datetimes aware.  The offset is rounded to the millisecond.
        """
        # Arithmetic on aware datetimes sharing one tzinfo is wall-clock arithmetic in Python;
        # absolute (UTC) time is what must be compared across a GMT/BST change.
        uncorrected = recorded_start.astimezone(timezone.utc) + timedelta(milliseconds=position_ms)
        return cls(offset_ms=round((shown.astimezone(timezone.utc) - uncorrected).total_seconds() * 1000))

    def apply(self, recorded: datetime) -> datetime:
        """``recorded`` moved by the correction (aware in, aware out, in absolute time)."""
        moved = recorded.astimezone(timezone.utc) + timedelta(milliseconds=self.offset_ms)
        return moved.astimezone(recorded.tzinfo)


def recorded_at(
    recorded_start: datetime, position_ms: int, correction: ClockCorrection | None = None
) -> datetime:
    """Recorded time of the moment ``position_ms`` into a clip, with its clock correction applied.

    Arithmetic is done on absolute time (UTC), so a clip running across a
    GMT/BST change gives the right wall-clock time on either side.
    """
    when = recorded_start.astimezone(timezone.utc) + timedelta(milliseconds=position_ms)
    if correction is not None:
        when = correction.apply(when)
    return when.astimezone(recorded_start.tzinfo)


def clip_recorded_at(clip: _ClipLike, position_ms: int) -> datetime | None:
    """Recorded time (clock correction applied) of ``position_ms`` into ``clip``; None when its start is unknown.

    ``clip`` is a :class:`cctv_review.domain.Clip` (anything with
    ``recorded_start``, an aware datetime or None, and ``clock_offset_ms``, int
    ms to add).  The result is aware; format it with :func:`format_recorded`.
    """
    if clip.recorded_start is None:
        return None
    offset = int(clip.clock_offset_ms or 0)
    return recorded_at(clip.recorded_start, int(position_ms), ClockCorrection(offset) if offset else None)


def finding_recorded_at(finding: _FindingLike, clip: _ClipLike | None) -> datetime | None:
    """A finding's recorded time: from its clip when the clip's start is known, else the stored one.

    Computing from the clip (start + position + clock correction) keeps the
    shown time right even for a finding written before its clip had a start;
    ``finding.recorded_at`` (stored when it was made, and recomputed when the
    clip's clock changes) covers a finding whose clip is gone or unknown.
    """
    if clip is not None and clip.recorded_start is not None:
        return clip_recorded_at(clip, finding.position_ms)
    return finding.recorded_at
