"""The small service layer the widgets use: a review session over Store + Template.

Widgets never talk to SQLite; they call :class:`ReviewSession`, which wraps the
store, knows which case is open and announces changes with Qt signals so every
view (case list, form, findings, summary, timeline markers) stays in step.
The logic lives in plain methods so it can be tested without any widgets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from cctv_review.domain import Case, CaseStatus, Clip, Finding, FindingLevel, LearningLevel
from cctv_review.store import CaseLocked, CompletionRefused, Store, StoreError  # noqa: F401  (re-exported)
from cctv_review.summary import Summary, summarise
from cctv_review.template import Template

LAST_CASE_KEY = "last_case_id"


@dataclass(frozen=True)
class Progress:
    answered: int
    applicable: int
    missing_required: int

    @property
    def text(self) -> str:
        text = f"{self.answered} of {self.applicable} questions answered"
        if self.missing_required:
            text += f" · {self.missing_required} required still to answer"
        return text


class ReviewSession(QObject):
    """The open case and everything the reviewer does to it."""

    caseOpened = Signal(object)  # Case | None
    caseChanged = Signal(object)  # Case: details, status or outcome changed
    casesChanged = Signal()  # the list of cases changed (added, status, outcome)
    answersChanged = Signal()
    findingsChanged = Signal()
    clipsChanged = Signal()
    #: One :class:`cctv_review.changes.Changes` per write: the ids it touched.
    changed = Signal(object)

    def __init__(self, store: Store, template: Template, stills_dir: Path | None = None, parent=None):
        super().__init__(parent)
        self.store = store
        self.template = template
        self.stills_dir = stills_dir
        self._case: Case | None = None

    # -- cases -------------------------------------------------------------
    @property
    def case(self) -> Case | None:
        return self._case

    @property
    def case_id(self) -> int | None:
        return self._case.id if self._case else None

    @property
    def locked(self) -> bool:
        return bool(self._case and self._case.status == CaseStatus.COMPLETE)

    def list_cases(self) -> list[Case]:
        return self.store.list_cases()

    def suites(self) -> list[str]:
        return self.store.custody_suites()

    def reviewers(self) -> list[str]:
        return self.store.reviewers()

    def open_case(self, case_id: int | None) -> Case | None:
        if case_id is None:
            self._case = None
            self.caseOpened.emit(None)
            return None
        case = self.store.get_case(case_id)
        self._case = case
        self.store.record_case_opened(case_id)
        self.store.set_setting(LAST_CASE_KEY, case_id)
        self.caseOpened.emit(case)
        return case

    def last_case_id(self) -> int | None:
        case_id = self.store.setting(LAST_CASE_KEY)
        if case_id is None:
            return None
        try:
            self.store.get_case(int(case_id))
        except StoreError:
            return None
        return int(case_id)

    def add_case(
        self,
        reference: str,
        custody_suite: str = "",
        detention_date: date | None = None,
        reviewer: str = "",
        flags: Iterable[str] = (),
    ) -> Case:
        case = Case(
            reference=reference.strip(),
            custody_suite=custody_suite.strip(),
            detention_date=detention_date,
            reviewer=reviewer.strip() or self.store.user,
        )
        for flag in flags:
            setattr(case, flag, True)
        case = self.store.add_case(case)
        self.casesChanged.emit()
        return case

    def _reload_case(self) -> Case | None:
        if self._case is None:
            return None
        self._case = self.store.get_case(self._case.id)
        self.caseChanged.emit(self._case)
        self.casesChanged.emit()
        return self._case

    # -- answers -----------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        return self.store.answers(self.case_id) if self._case else {}

    def set_answer(self, question_id: str, value: Any) -> None:
        """Save one answer now (raises CaseLocked, ValueError or StoreError)."""
        if self._case is None:
            return
        before = self._case.status
        self.store.set_answer(self._case.id, question_id, value, self.template)
        self.answersChanged.emit()
        if before == CaseStatus.NOT_STARTED:
            self._reload_case()

    def progress(self, answers: dict[str, Any] | None = None) -> Progress:
        answers = self.answers() if answers is None else answers
        answered, applicable = self.template.progress(answers)
        return Progress(answered, applicable, len(self.template.missing_required(answers)))

    # -- outcome and completion -----------------------------------------------
    def set_outcome(self, level: LearningLevel | str | None, rationale: str) -> None:
        if self._case is None:
            return
        current = self._case
        level_value = LearningLevel(level) if level else None
        if current.outcome == level_value and current.outcome_rationale == rationale:
            return
        self._case = self.store.set_outcome(current.id, level_value, rationale)
        if current.status != self._case.status or current.outcome != self._case.outcome:
            self.caseChanged.emit(self._case)
            self.casesChanged.emit()

    def completion_problems(self) -> list[str]:
        return self.store.completion_problems(self.case_id, self.template) if self._case else []

    def complete(self) -> Case:
        """Complete the open case; raises CompletionRefused listing what is missing."""
        assert self._case is not None
        self.store.complete_case(self._case.id, self.template)
        return self._reload_case()

    def reopen(self, reason: str = "") -> Case:
        assert self._case is not None
        self.store.reopen_case(self._case.id, reason)
        return self._reload_case()

    # -- clips -------------------------------------------------------------
    def clips(self) -> list[Clip]:
        return self.store.list_clips(self.case_id) if self._case else []

    def clip(self, clip_id: int) -> Clip:
        return self.store.get_clip(clip_id)

    def add_clip_file(
        self,
        path: str | Path,
        camera: str,
        recorded_start: datetime | None = None,
        progress=None,
        cancel=None,
    ) -> Clip:
        """Probe, hash and add a clip (call from a worker thread; emit clipsChanged after)."""
        from cctv_review.clips import add_clip_file

        assert self._case is not None
        return add_clip_file(
            self.store, self._case.id, path, camera, recorded_start, progress=progress, cancel=cancel
        )

    def save_position(self, clip_id: int | None, position_ms: int) -> None:
        if self._case is not None:
            self.store.save_position(self._case.id, clip_id, position_ms)

    def last_position(self) -> tuple[int | None, int]:
        return self.store.last_position(self.case_id) if self._case else (None, 0)

    def record_clip_played(self, clip_id: int) -> None:
        self.store.record_clip_played(clip_id)

    def activity(self, clip_id: int):
        return self.store.activity(clip_id)

    def save_activity(self, clip_id: int, bin_ms: int, scores: list[float]) -> None:
        self.store.save_activity(clip_id, bin_ms, scores)

    # -- findings ------------------------------------------------------------
    def findings(self) -> list[Finding]:
        """The open case's findings in time order (wall-clock time when known)."""
        if self._case is None:
            return []
        clips = {c.id: (i, c) for i, c in enumerate(self.clips())}

        def key(f: Finding):
            index, clip = clips.get(f.clip_id, (len(clips), None))
            when = clip.recorded_at(f.position_ms) if clip else None
            return (when is None, when.timestamp() if when else 0.0, index, f.position_ms, f.id)

        return sorted(self.store.list_findings(self._case.id), key=key)

    def add_finding(
        self,
        theme: str,
        level: FindingLevel | str,
        note: str,
        clip_id: int | None,
        position_ms: int,
        still_path: str = "",
    ) -> Finding:
        assert self._case is not None
        finding = self.store.add_finding(
            Finding(
                case_id=self._case.id,
                theme=theme,
                level=FindingLevel(level),
                note=note,
                clip_id=clip_id,
                position_ms=int(position_ms),
                still_path=still_path,
            )
        )
        self.findingsChanged.emit()
        if self._case.status == CaseStatus.NOT_STARTED:
            self._reload_case()
        return finding

    def update_finding(self, finding_id: int, **changes: Any) -> Finding:
        finding = self.store.update_finding(finding_id, **changes)
        self.findingsChanged.emit()
        return finding

    def delete_finding(self, finding_id: int) -> None:
        """Delete a finding (the store records the deletion in the audit trail)."""
        self.store.delete_finding(finding_id)
        self.findingsChanged.emit()

    # -- summary ---------------------------------------------------------------
    def summary(self) -> Summary:
        return summarise(self.store, self.template)

    # -- the case list as a query (cctv_review.case_query) ------------------------------
    def case_ids(self, case_filter: Any, sort_column: int = 2, descending: bool = False) -> list[int]:
        """Ordered ids of the cases a :class:`~cctv_review.case_query.CaseFilter` shows (one query)."""
        from cctv_review.case_query import case_ids

        return case_ids(self.store.db.conn, case_filter, sort_column, descending)

    def cases_by_id(self, ids: Iterable[int]) -> dict[int, Case]:
        """The cases with these ids, read in one query (missing ids are left out)."""
        from cctv_review.case_query import cases_by_id

        return cases_by_id(self.store.db.conn, ids)

    def case_count(self) -> int:
        """How many cases the store holds (one query)."""
        from cctv_review.case_query import case_count

        return case_count(self.store.db.conn)
