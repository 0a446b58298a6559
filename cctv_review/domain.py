"""The review domain: cases, clips, findings, answers and outcomes.

Plain Python (no Qt, no SQLite): these are the values the store persists and
the user interface shows.  Times are timezone-aware UTC ``datetime`` objects;
positions in a clip are integer milliseconds.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any


def utc_now() -> datetime:
    """The current time in UTC, to the millisecond."""
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


class LearningLevel(str, enum.Enum):
    """The overall judgement on a case, in the inspectorates' words."""

    SIGNIFICANT = "significant"
    SOME = "some"
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            LearningLevel.SIGNIFICANT: "Significant learning",
            LearningLevel.SOME: "Some learning",
            LearningLevel.NONE: "No learning",
        }[self]


class FindingLevel(str, enum.Enum):
    """What a single timestamped finding records.

    Learning findings carry a level; inspectors also record good practice.
    """

    SIGNIFICANT = "significant"
    SOME = "some"
    NONE = "none"
    GOOD_PRACTICE = "good_practice"

    @property
    def label(self) -> str:
        return _FINDING_LABELS[self.value]


#: Words for each finding level (looked up a million times by an export: one dict, made once).
_FINDING_LABELS = {
    "significant": "Significant learning",
    "some": "Some learning",
    "none": "No learning (observation)",
    "good_practice": "Good practice",
}


class CaseStatus(str, enum.Enum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return {
            CaseStatus.NOT_STARTED: "Not started",
            CaseStatus.IN_PROGRESS: "In progress",
            CaseStatus.COMPLETE: "Complete",
        }[self]


#: Breakdown flags a case can carry, with their labels.
CASE_FLAGS: dict[str, str] = {
    "child": "Child",
    "vulnerable_adult": "Vulnerable adult",
    "mental_health": "Mental health",
    "use_of_force": "Use of force",
    "strip_search": "Strip search",
}


@dataclass
class Case:
    """One detainee's time in custody, under review."""

    reference: str  # e.g. the custody record number
    custody_suite: str = ""
    detention_date: date | None = None
    child: bool = False
    vulnerable_adult: bool = False
    mental_health: bool = False
    use_of_force: bool = False
    strip_search: bool = False
    status: CaseStatus = CaseStatus.NOT_STARTED
    reviewer: str = ""
    outcome: LearningLevel | None = None
    outcome_rationale: str = ""
    completed_at: datetime | None = None
    completed_by: str = ""
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    id: int | None = None

    def flags(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in CASE_FLAGS}


@dataclass
class Clip:
    """A CCTV file belonging to a case.  Referenced by path and hash, never copied."""

    case_id: int
    path: str
    camera: str
    recorded_start: datetime | None = None
    duration_ms: int = 0
    fps: float = 0.0
    frame_count: int = 0
    width: int = 0
    height: int = 0
    codec: str = ""
    sha256: str = ""
    file_size: int = 0
    added_at: datetime = field(default_factory=utc_now)
    #: Clock correction: ms to add to the recorder's time to get true time (0 = none).
    clock_offset_ms: int = 0
    #: Where ``recorded_start`` came from: "metadata", "dhav", "file name", "typed" or "".
    recorded_start_source: str = ""
    id: int | None = None

    def recorded_at(self, position_ms: int) -> datetime | None:
        """The recorded time of a position in the clip (clock correction applied), when the start is known.

        Aware; computed on absolute time (see
        :func:`cctv_review.recorded_time.clip_recorded_at`, which this is).
        """
        from cctv_review.recorded_time import clip_recorded_at

        return clip_recorded_at(self, position_ms)


@dataclass
class Finding:
    """Something the footage teaches (or shows done well) at a moment in a clip."""

    case_id: int
    theme: str
    level: FindingLevel
    position_ms: int = 0
    clip_id: int | None = None
    note: str = ""
    reviewer: str = ""
    still_path: str = ""
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)
    #: Camera name of the clip the finding points at, when it was made.
    camera: str = ""
    #: Display index (0-based) of the frame in its clip, when known.
    frame: int | None = None
    #: Recorded time of the moment (clock correction applied), when the clip's start is known.
    recorded_at: datetime | None = None
    #: 1 = first review, 2 = blind second review.
    review_round: int = 1
    id: int | None = None


@dataclass
class Answer:
    """A reviewer's answer to one template question for one case."""

    case_id: int
    question_id: str
    value: Any
    template_id: str
    template_version: int
    reviewer: str = ""
    updated_at: datetime = field(default_factory=utc_now)


def format_ms(ms: int, with_millis: bool = True) -> str:
    """Format a clip position as H:MM:SS.mmm (or H:MM:SS)."""
    ms = max(0, int(ms))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    text = f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{millis:03d}" if with_millis else text


def percent(part: int, whole: int) -> float:
    """A percentage rounded to one decimal place; 0 when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else 0.0


def format_percent(value: float) -> str:
    """'0%', '12.5%': no trailing '.0'."""
    return f"{value:.1f}".rstrip("0").rstrip(".") + "%"
