"""The service layer the widgets use: a review session over Store + Template.

Widgets never talk to SQLite; they call :class:`ReviewSession`, which wraps the
GUI thread's store connection, knows which case is open and says what every
write changed.  Each write returns a :class:`~cctv_review.changes.Changes` (the
ids it touched, as Anki's operations return ``OpChanges``) and emits it on
:attr:`ReviewSession.changed`; each view looks at the ids it shows and
refreshes only those.  The older coarse signals (``casesChanged``,
``caseChanged``, ...) still fire as before for the views that have not moved
to ``changed`` yet.

The open case's clips and findings are kept in memory (read once when the case
opens, then updated from what each write returns), so refreshing the findings
list, the timeline markers or the clip list costs no SQL on the GUI thread.

Threads: the session and its store are used on the GUI thread only.  A
background job (see :mod:`cctv_review.ui.tasks`) that needs the database opens
its own connection with :meth:`ReviewSession.worker_store` (the export does).
The long jobs of the workspace (probing and hashing a clip, the activity scan,
a still) need no database: they compute, and the GUI thread stores their
result with one short write (:meth:`ReviewSession.add_clip`,
:meth:`ReviewSession.save_activity`, :meth:`ReviewSession.update_finding`).
Why not write from the job: the store's write transactions begin with a
deferred ``BEGIN`` and read first, so a commit from another connection
between that read and the write fails the GUI's write at once ("database is
locked", SQLITE_BUSY_SNAPSHOT) instead of waiting; with ``BEGIN IMMEDIATE``
(issue 12) the jobs could write on their own connections.  The logic lives in
plain methods so it can be tested without any widgets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from cctv_review.changes import Changes
from cctv_review.domain import Case, CaseStatus, Clip, Finding, FindingLevel, LearningLevel
from cctv_review.store import (  # noqa: F401  (re-exported)
    Activity,
    CaseLocked,
    CompletionRefused,
    Store,
    StoreError,
)
from cctv_review.summary import Summary, summarise
from cctv_review.template import Template

if TYPE_CHECKING:
    from cctv_review.video.index import ClipIndex

LAST_CASE_KEY = "last_case_id"
LAST_CLIP_FOLDER_KEY = "last_clip_folder"


@dataclass(frozen=True)
class Progress:
    """How far the open case's form is: answered of applicable questions, required still missing."""

    answered: int
    applicable: int
    missing_required: int

    @property
    def text(self) -> str:
        text = f"{self.answered} of {self.applicable} questions answered"
        if self.missing_required:
            text += f" · {self.missing_required} required still to answer"
        return text


@dataclass(frozen=True, eq=False)
class NewClip:
    """What the add-clip job found: the clip to store (no id yet) and its exact frame index.

    ``index`` is None only if the engine gave none; :meth:`ReviewSession.add_clip`
    stores both.
    """

    clip: Clip
    index: ClipIndex | None = None


def _one(ids: frozenset[int]) -> int:
    """The single id of a one-item set (a write that created one thing)."""
    (only,) = ids
    return only


class ReviewSession(QObject):
    """The open case and everything the reviewer does to it (GUI thread only)."""

    caseOpened = Signal(object)  # Case | None
    caseChanged = Signal(object)  # Case: details, status or outcome changed
    casesChanged = Signal()  # the list of cases changed (added, status, outcome)
    answersChanged = Signal()
    findingsChanged = Signal()
    clipsChanged = Signal()
    #: One :class:`cctv_review.changes.Changes` per write that changed something: the ids it touched.
    changed = Signal(object)

    def __init__(
        self,
        store: Store,
        template: Template,
        stills_dir: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.template = template
        self.stills_dir = stills_dir
        self._case: Case | None = None
        self._clips: list[Clip] = []
        self._findings: dict[int, Finding] = {}
        self._answers: dict[str, Any] | None = None  # the open case's, read once (answers())
        #: The open case's blind second review when this user is its second reviewer and has not
        #: completed it (issue 14): the session then shows and writes the second review only.
        self._blind: Any = None

    # -- the store, for other threads ------------------------------------------------
    @property
    def store_path(self) -> Path:
        """The database file (a background job opens its own connection to it)."""
        return Path(self.store.path)

    @property
    def user(self) -> str:
        """Who is reviewing (recorded as the reviewer and in the audit trail)."""
        return self.store.user

    def worker_store(self) -> Store:
        """A new connection for a background job: use it in that thread only, and close it.

        ``with session.worker_store() as store: ...``.  Raises
        :class:`~cctv_review.store.StoreError` when the database cannot be opened.
        """
        return Store(self.store_path, user=self.store.user)

    def stills_folder(self) -> Path:
        """Where stills captured with findings are saved (beside the database by default)."""
        from cctv_review.paths import stills_dir

        return Path(self.stills_dir) if self.stills_dir else stills_dir(self.store_path)

    def _emit(self, changes: Changes) -> Changes:
        if changes:
            self.changed.emit(changes)
        return changes

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

    def get_case(self, case_id: int) -> Case:
        """One case (raises :class:`~cctv_review.store.NotFound`); a case under this user's blind second
        review is given as :func:`cctv_review.team.blind_view` shows it."""
        return self._blinded(self.store.get_case(case_id))

    def suites(self) -> list[str]:
        return self.store.custody_suites()

    def reviewers(self) -> list[str]:
        return self.store.reviewers()

    def open_case(self, case_id: int | None) -> Case | None:
        """Open a case (None: none), remember it and load its clips and findings."""
        if case_id is None:
            self._case, self._clips, self._findings, self._answers = None, [], {}, None
            self._blind = None
            self.caseOpened.emit(None)
            return None
        case = self.store.get_case(case_id)
        self._case, self._answers = case, None
        self._clips = self.store.list_clips(case_id)
        self._findings = {f.id: f for f in self.store.list_findings(case_id) if f.id is not None}
        self._open_blind(case)
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
    ) -> Changes:
        """Add a case; ``Changes.cases_added`` holds its id (raises StoreError)."""
        case = Case(
            reference=reference.strip(),
            custody_suite=custody_suite.strip(),
            detention_date=detention_date,
            reviewer=reviewer.strip() or self.store.user,
        )
        for flag in flags:
            setattr(case, flag, True)
        case = self.store.add_case(case)
        assert case.id is not None
        self.casesChanged.emit()
        return self._emit(Changes(cases_added=frozenset({case.id})))

    @staticmethod
    def added_id(ids: frozenset[int]) -> int:
        """The id a creating write returned in its Changes (``session.added_id(changes.cases_added)``)."""
        return _one(ids)

    def _case_changed(self, case: Case) -> Changes:
        """The open case's row changed: keep it, tell the old listeners, return the Changes."""
        self._case = case
        self.caseChanged.emit(case)
        self.casesChanged.emit()
        assert case.id is not None
        return Changes(cases=frozenset({case.id}))

    def _started(self) -> Changes:
        """A write to a not-started case moved it to in progress (the store's rule, ``Store._started``)."""
        if self._case is None or self._case.status != CaseStatus.NOT_STARTED:
            return Changes()
        return self._case_changed(dataclasses.replace(self._case, status=CaseStatus.IN_PROGRESS))

    # -- answers -----------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """The open case's answers (question id -> value): read once, then kept as they are saved."""
        if not self._case or not self._case.id:
            return {}
        if self._answers is None:
            self._answers = self.store.answers(self._case.id)
        return dict(self._answers)

    def set_answer(self, question_id: str, value: Any) -> Changes:
        """Save one answer now (raises CaseLocked, ValueError or StoreError); in a blind second review,
        to the second review's answers."""
        if self._case is None or self._case.id is None:
            return Changes()
        if self._blind is not None:
            from cctv_review import team

            saved = team.set_second_answer(self.store, self._case.id, question_id, value, self.template)
            self._blind_started()
        else:
            saved = self.store.set_answer(self._case.id, question_id, value, self.template)
        if self._answers is not None:
            if saved is None:
                self._answers.pop(question_id, None)
            else:
                self._answers[question_id] = saved
        self.answersChanged.emit()
        return self._emit(Changes(answers=frozenset({self._case.id})) | self._started())

    def progress(self, answers: dict[str, Any] | None = None) -> Progress:
        answers = self.answers() if answers is None else answers
        answered, applicable = self.template.progress(answers)
        return Progress(answered, applicable, len(self.template.missing_required(answers)))

    # -- outcome and completion -----------------------------------------------
    def set_outcome(self, level: LearningLevel | str | None, rationale: str) -> Changes:
        """Save the overall outcome and its rationale (raises CaseLocked or StoreError)."""
        if self._case is None or self._case.id is None:
            return Changes()
        current, case_id = self._case, self._case.id
        level_value = LearningLevel(level) if level else None
        if current.outcome == level_value and current.outcome_rationale == rationale:
            return Changes()
        if self._blind is not None:
            return self._emit(self._blind_outcome(level_value, rationale))
        case = self.store.set_outcome(case_id, level_value, rationale)
        if current.status != case.status or current.outcome != case.outcome:
            return self._emit(self._case_changed(case))
        self._case = case
        return self._emit(Changes(cases=frozenset({case_id})))

    def completion_problems(self) -> list[str]:
        if self._case is None or self._case.id is None:
            return []
        if self._blind is not None:
            from cctv_review import team

            return team.second_review_problems(self.store, self._case.id, self.template)
        return self.store.completion_problems(self._case.id, self.template)

    def complete(self) -> Changes:
        """Complete the open case; raises CompletionRefused listing what is missing."""
        assert self._case is not None and self._case.id is not None
        if self._blind is not None:
            return self._emit(self._complete_blind())
        case = self.store.complete_case(self._case.id, self.template)
        return self._emit(self._case_changed(case))

    def reopen(self, reason: str = "") -> Changes:
        """Reopen the open (completed) case; the reason goes to the audit trail."""
        assert self._case is not None and self._case.id is not None
        if self._blind is not None:
            from cctv_review.team import TeamError

            raise TeamError("A second review is reopened by the lead assigning it again, not from here.")
        case = self.store.reopen_case(self._case.id, reason)
        return self._emit(self._case_changed(case))

    # -- clips -------------------------------------------------------------
    def clips(self) -> list[Clip]:
        """The open case's clips, in recorded order (kept in memory: no SQL)."""
        return list(self._clips)

    def clip(self, clip_id: int) -> Clip:
        known = next((c for c in self._clips if c.id == clip_id), None)
        return known if known is not None else self.store.get_clip(clip_id)

    def clip_job(
        self, path: str | Path, camera: str, recorded_start: datetime | None = None
    ) -> Callable[[Callable[[float], None], Callable[[], bool]], NewClip]:
        """A background job that indexes, probes and hashes a file for the open case; it stores nothing.

        Run it with :func:`cctv_review.ui.tasks.run_task` and hand its result
        (a :class:`NewClip`: the clip without an id, and its frame index) to
        :meth:`add_clip` on the GUI thread.  Raises (in the worker)
        :class:`~cctv_review.video.VideoError` for a file that is missing or
        not video, ``HashCancelled``/``IndexCancelled`` when cancelled.
        """
        from cctv_review.clips import read_clip_file

        assert self._case is not None and self._case.id is not None
        case_id = self._case.id

        def work(progress: Callable[[float], None], cancel: Callable[[], bool]) -> NewClip:
            clip, index = read_clip_file(
                case_id, path, camera, recorded_start, progress=progress, cancel=cancel
            )
            return NewClip(clip, index)

        return work

    def add_clip(self, clip: Clip | NewClip, index: ClipIndex | None = None) -> Changes:
        """Store a clip a background job probed and hashed, with its frame index if it has one.

        ``clip`` is a :class:`Clip` or the add-clip job's :class:`NewClip`;
        ``Changes.clips`` holds the new clip's id.
        """
        if isinstance(clip, NewClip):
            index = clip.index if index is None else index
            clip = clip.clip
        clip = self.store.add_clip(clip)
        assert clip.id is not None
        if index is not None:
            self.store.save_clip_index(clip.id, index.to_record())
        if self._case is not None and clip.case_id == self._case.id:
            # The store's order: recorded start (unknown last), camera, id.
            self._clips = sorted(
                [c for c in self._clips if c.id != clip.id] + [clip],
                key=lambda c: (
                    c.recorded_start is None,
                    c.recorded_start.timestamp() if c.recorded_start else 0.0,
                    c.camera,
                    c.id or 0,
                ),
            )
        self.clipsChanged.emit()
        return self._emit(Changes(clips=frozenset({clip.id})))

    # -- footage in bulk, and fixing clips afterwards (issue 10) ----------------------------
    def recorder_zone(self) -> Any:
        """The store's recorder time zone (setting ``time_zone``, default Europe/London)."""
        from cctv_review.clips import recorder_zone

        return recorder_zone(self.store)

    def footage_job(
        self, paths: Iterable[str | Path]
    ) -> Callable[[Callable[..., None], Callable[[], bool]], Any]:
        """A background job that finds, probes and hashes footage for the open case; it stores nothing.

        Returns a :class:`~cctv_review.clips.FootageScan` (skipped paths
        included); hand its ``to_add`` (after the reviewer confirmed them) to
        :meth:`add_found_clips`.  Raises (in the worker)
        :class:`~cctv_review.clips.FootageCancelled` when cancelled.
        """
        from cctv_review.clips import find_footage, scan_footage

        assert self._case is not None and self._case.id is not None
        case_id, reference = self._case.id, self._case.reference
        known = {c.sha256: c.camera for c in self._clips if c.sha256}
        tz = self.recorder_zone()
        given = [str(p) for p in paths]

        def work(progress: Callable[..., None], cancel: Callable[[], bool]) -> Any:
            files, skipped = find_footage(given)
            scan = scan_footage(
                case_id,
                files,
                tz,
                reference=reference,
                known_hashes=known,
                progress=lambda fraction, name: progress(fraction, f"Indexing and fingerprinting {name}"),
                cancel=cancel,
            )
            scan.skipped = skipped
            return scan

        return work

    def add_found_clips(self, found: Iterable[Any]) -> tuple[Changes, list[str]]:
        """Store the confirmed clips of a footage scan in one transaction, with their frame indexes.

        ``found`` are :class:`~cctv_review.clips.FoundClip` (their ``clip`` as
        the reviewer left it).  Returns the Changes (``clips``: the new ids)
        and the messages for files refused as already in the case.
        """
        pairs = [(f.clip, f.index.to_record() if f.index is not None else None) for f in found if f.clip]
        return self.found_clips_stored(*self.store.add_clips(pairs))

    def store_footage_job(
        self, found: Iterable[Any]
    ) -> Callable[[Callable[..., None], Callable[[], bool]], Any]:
        """A background job that stores confirmed clips (and their frame indexes) on its own connection.

        The frame indexes of many long files are megabytes (about 41 bytes a
        frame), too much to write on the GUI thread.  One transaction
        (``BEGIN IMMEDIATE``, so it waits for the GUI's short writes rather than
        failing).  Returns ``(added, refused)`` of
        :meth:`~cctv_review.store.Store.add_clips`; hand them to
        :meth:`found_clips_stored` on the GUI thread.  Not cancellable: it
        stores all of them or none.
        """
        chosen = [f for f in found if f.clip is not None]
        path, user = self.store_path, self.store.user

        def work(_progress: Callable[..., None], _cancel: Callable[[], bool]) -> Any:
            pairs = [(f.clip, f.index.to_record() if f.index is not None else None) for f in chosen]
            with Store(path, user=user) as store:
                return store.add_clips(pairs)

        return work

    def found_clips_stored(
        self, added: list[Clip], refused: list[tuple[Clip, str]]
    ) -> tuple[Changes, list[str]]:
        """Clips a footage job stored: keep them in the open case's list; returns Changes and refusals."""
        self._clips_replaced(added)
        return self._emit(Changes(clips=frozenset(c.id for c in added if c.id is not None))), [
            reason for _clip, reason in refused
        ]

    def _clips_replaced(self, clips: Iterable[Clip], removed: Iterable[int] = ()) -> None:
        """Keep the open case's clips in memory in the store's order after a write."""
        if self._case is None:
            return
        changed = {c.id: c for c in clips if c.case_id == self._case.id}
        gone = set(removed) | set(changed)
        self._clips = sorted(
            [c for c in self._clips if c.id not in gone] + list(changed.values()),
            key=lambda c: (
                c.recorded_start is None,
                c.recorded_start.timestamp() if c.recorded_start else 0.0,
                c.camera,
                c.id or 0,
            ),
        )
        self.clipsChanged.emit()

    def update_clip(self, clip_id: int, **changes: Any) -> Changes:
        """Change a clip's camera or recorded start (audited; raises StoreError or ValueError)."""
        clip = self.store.update_clip(clip_id, **changes)
        self._clips_replaced([clip])
        return self._emit(Changes(clips=frozenset({clip_id})))

    @staticmethod
    def hash_job(path: str | Path) -> Callable[[Callable[..., None], Callable[[], bool]], str]:
        """A background job that hashes a file (SHA-256 hex), for relinking a clip; stores nothing."""
        from cctv_review.hashing import sha256_file

        def work(progress: Callable[..., None], cancel: Callable[[], bool]) -> str:
            return sha256_file(path, progress=lambda f: progress(f, ""), cancel=cancel)

        return work

    def relink_clip(self, clip_id: int, path: str | Path, sha256: str) -> Changes:
        """Point a clip at its moved file (refused with StoreError unless the SHA-256 matches; audited)."""
        clip = self.store.relink_clip(clip_id, path, sha256)
        self._clips_replaced([clip])
        return self._emit(Changes(clips=frozenset({clip_id})))

    def findings_on_clip(self, clip_id: int) -> list[Finding]:
        """The open case's findings that point at a clip (no SQL)."""
        return [f for f in self.findings() if f.clip_id == clip_id]

    def remove_clip(
        self, clip_id: int, *, move_findings_to: int | None = None, delete_findings: bool = False
    ) -> Changes:
        """Remove a clip (refused while findings point at it unless moved or deleted; audited)."""
        touched = self.store.remove_clip(
            clip_id, move_findings_to=move_findings_to, delete_findings=delete_findings
        )
        for finding_id in touched:
            if move_findings_to is not None:
                self._findings[finding_id] = self.store.get_finding(finding_id)
            else:
                self._findings.pop(finding_id, None)
        self._clips_replaced([], removed=[clip_id])
        if touched:
            self.findingsChanged.emit()
        return self._emit(Changes(clips=frozenset({clip_id}), findings=frozenset(touched)))

    def update_case(self, **changes: Any) -> Changes:
        """Change the open case's details (reference, suite, date, reviewer, flags); audited as ``case.changed``.

        Raises StoreError (e.g. a reference another case has).  An empty
        ``changes`` changes nothing.
        """
        if self._case is None or self._case.id is None or not changes:
            return Changes()
        reference = changes.get("reference")
        if reference is not None:
            other = self.store.case_by_reference(str(reference))
            if other is not None and other.id != self._case.id:
                raise StoreError(f"Another case already has the reference {str(reference).strip()}.")
        case = self.store.update_case(self._case.id, **changes)
        return self._emit(self._case_changed(case))

    # -- the clips' frame indexes ------------------------------------------------------
    def clip_index(self, clip: Clip) -> ClipIndex | None:
        """The clip's stored frame index if it still matches the file, else None (build it with :meth:`index_job`).

        One read of the store and a ``stat`` of the file (no video is read):
        short enough for the GUI thread (about 41 bytes a frame: 3.7 MB for an
        hour at 25 fps).  A store that cannot be read counts as no index.
        """
        from cctv_review.clips import stored_index

        try:
            return stored_index(self.store, clip)
        except StoreError:
            return None

    @staticmethod
    def index_job(clip: Clip) -> Callable[[Callable[[float], None], Callable[[], bool]], ClipIndex]:
        """A background job that builds the clip's frame index (one demux pass); it stores nothing.

        Returns the :class:`~cctv_review.video.index.ClipIndex`; hand it to
        :meth:`save_clip_index` on the GUI thread.  Raises (in the worker) a
        :class:`~cctv_review.video.VideoError` for a file that is missing or
        unreadable, ``IndexCancelled`` when cancelled.
        """
        path = clip.path

        def work(progress: Callable[[float], None], cancel: Callable[[], bool]) -> ClipIndex:
            from cctv_review.video import index as video_index

            return video_index.build_index(path, progress=progress, cancel=cancel)

        return work

    def save_clip_index(self, clip_id: int, index: ClipIndex) -> Changes:
        """Keep a clip's frame index (built by :meth:`index_job`) so the file is demuxed only once.

        Nothing on screen shows it: empty Changes.  Raises StoreError.
        """
        self.store.save_clip_index(clip_id, index.to_record())
        return Changes()

    def last_clip_folder(self) -> str:
        """The folder the last clip was added from ("" if none yet)."""
        return str(self.store.setting(LAST_CLIP_FOLDER_KEY, "") or "")

    def remember_clip_folder(self, folder: str | Path) -> None:
        self.store.set_setting(LAST_CLIP_FOLDER_KEY, str(folder))

    def save_position(self, clip_id: int | None, position_ms: int) -> Changes:
        """Remember where the reviewer is (nothing on screen shows it: empty Changes)."""
        if self._case is not None and self._case.id is not None:
            self.store.save_position(self._case.id, clip_id, position_ms)
        return Changes()

    def last_position(self) -> tuple[int | None, int]:
        if self._case is None or self._case.id is None:
            return (None, 0)
        return self.store.last_position(self._case.id)

    def record_clip_played(self, clip_id: int) -> Changes:
        """Audit the first play of a clip in this session (empty Changes)."""
        self.store.record_clip_played(clip_id)
        return Changes()

    def setting(self, key: str, default: Any = None) -> Any:
        """A store-wide setting (activity sensitivity, masks, ...): reads the GUI's connection."""
        return self.store.setting(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        """Keep a store-wide setting (not audited: preferences, not review data)."""
        self.store.set_setting(key, value)

    def activity(self, clip_id: int) -> Activity | None:
        return self.store.activity(clip_id)

    def save_activity(self, clip_id: int, bin_ms: int, scores: list[float]) -> Changes:
        """Store a clip's activity scores (bins of ``bin_ms``), found once by a background job.

        The player's activity strip takes the scores from the job itself, so
        nothing else needs telling: empty Changes.
        """
        self.store.save_activity(clip_id, bin_ms, scores)
        return Changes()

    # -- findings ------------------------------------------------------------
    def findings(self) -> list[Finding]:
        """The open case's findings in time order (recorded time when known); no SQL."""
        if self._case is None:
            return []
        clips = {c.id: (i, c) for i, c in enumerate(self._clips)}

        def key(f: Finding) -> tuple[bool, float, int, int, int]:
            index, clip = clips.get(f.clip_id, (len(clips), None))
            when = self.recorded_at(clip, f.position_ms)
            return (when is None, when.timestamp() if when else 0.0, index, f.position_ms, f.id or 0)

        return sorted(self._findings.values(), key=key)

    def finding(self, finding_id: int) -> Finding | None:
        """One of the open case's findings (None if it is not one of them)."""
        return self._findings.get(finding_id)

    def add_finding(
        self,
        theme: str,
        level: FindingLevel | str,
        note: str,
        clip_id: int | None,
        position_ms: int,
        still_path: str = "",
        frame: int | None = None,
    ) -> Changes:
        """Add a finding to the open case; ``Changes.findings`` holds its id.

        The finding also stores its camera, ``frame`` (display index in the
        clip, when the player knows it) and recorded time (clock correction
        applied) from the clip, as :meth:`_moment` works them out.
        """
        assert self._case is not None and self._case.id is not None
        new = Finding(
            case_id=self._case.id,
            theme=theme,
            level=FindingLevel(level),
            note=note,
            clip_id=clip_id,
            position_ms=int(position_ms),
            still_path=still_path,
            **self._moment(clip_id, int(position_ms), frame),
        )
        if self._blind is not None:
            from cctv_review import team

            finding = team.add_second_finding(self.store, new)
            self._blind_started()
        else:
            finding = self.store.add_finding(new)
        assert finding.id is not None
        self._findings[finding.id] = finding
        self.findingsChanged.emit()
        return self._emit(Changes(findings=frozenset({finding.id})) | self._started())

    def update_finding(self, finding_id: int, **changes: Any) -> Changes:
        """Change a finding (theme, level, note, position_ms, clip_id, still_path; frame with a move).

        Moving it (a new ``position_ms`` or ``clip_id``) also stores its new
        camera and recorded time (and ``frame`` when given, else none).
        """
        if "position_ms" in changes or "clip_id" in changes:
            current = self._findings.get(finding_id) or self.store.get_finding(finding_id)
            clip_id = changes.get("clip_id", current.clip_id)
            position = int(changes.get("position_ms", current.position_ms))
            changes = {**changes, **self._moment(clip_id, position, changes.get("frame"))}
        if self._blind is not None:
            from cctv_review import team

            finding = team.update_second_finding(self.store, finding_id, **changes)
        else:
            finding = self.store.update_finding(finding_id, **changes)
        assert finding.id is not None
        if self._case is not None and finding.case_id == self._case.id:
            self._findings[finding.id] = finding
        self.findingsChanged.emit()
        return self._emit(Changes(findings=frozenset({finding.id})))

    def still_attached(self, finding: Finding) -> Changes:
        """A background job attached a still to ``finding`` on its own connection: take it (no SQL)."""
        assert finding.id is not None
        if self._case is not None and finding.case_id == self._case.id:
            self._findings[finding.id] = finding
        self.findingsChanged.emit()
        return self._emit(Changes(findings=frozenset({finding.id})))

    def delete_finding(self, finding_id: int) -> Changes:
        """Delete a finding (the store records the deletion in the audit trail)."""
        if self._blind is not None:
            from cctv_review import team

            team.delete_second_finding(self.store, finding_id)
        else:
            self.store.delete_finding(finding_id)
        self._findings.pop(finding_id, None)
        self.findingsChanged.emit()
        return self._emit(Changes(findings=frozenset({finding_id})))

    # -- recorded time (issue 10 item 1, issue 11 item 4) ------------------------------
    _zone: tzinfo | None = None

    def time_zone(self) -> str:
        """The store-wide recorder time zone's IANA name (``Europe/London`` unless set)."""
        return self.store.time_zone()

    def zone(self) -> tzinfo:
        """The store-wide recorder time zone, read once and kept until :meth:`set_time_zone`."""
        if self._zone is None:
            self._zone = self.store.zone()
        return self._zone

    def set_time_zone(self, name: str) -> Changes:
        """Set the store-wide zone (audited); every recorded time on screen is shown in it.

        Returns (and emits) the open case's clips as changed, so the views
        showing recorded times redraw.  Raises
        :class:`~cctv_review.recorded_time.RecordedTimeError` (unknown zone) or
        :class:`~cctv_review.store.StoreError`.
        """
        before = self.time_zone()
        self.store.set_time_zone(name)
        self._zone = None
        if before == self.time_zone():
            return Changes()
        self.clipsChanged.emit()
        return self._emit(Changes(clips=frozenset(c.id for c in self._clips if c.id is not None)))

    def recorded_at(self, clip: Clip | None, position_ms: int) -> datetime | None:
        """Recorded time of ``position_ms`` into ``clip`` (clock correction applied), or None."""
        from cctv_review.recorded_time import clip_recorded_at

        return clip_recorded_at(clip, position_ms) if clip is not None else None

    def format_recorded(self, when: datetime | None, *, with_zone: bool = True) -> str:
        """The one written form of a recorded time (``2026-07-12 00:59:47 BST``) in the store's zone; "" for None."""
        from cctv_review.recorded_time import format_recorded

        return format_recorded(when, self.zone(), with_zone=with_zone) if when is not None else ""

    def _moment(self, clip_id: int | None, position_ms: int, frame: int | None) -> dict[str, Any]:
        """A finding's ``camera``, ``frame`` and ``recorded_at`` at ``position_ms`` into clip ``clip_id``."""
        if clip_id is None:
            return {"camera": "", "frame": None, "recorded_at": None}
        clip = self.clip(clip_id)
        return {
            "camera": clip.camera,
            "frame": None if frame is None else int(frame),
            "recorded_at": self.recorded_at(clip, position_ms),
        }

    def correct_clock(
        self, clip_id: int, position_ms: int, shown: datetime, frame: int | None = None
    ) -> Changes:
        """The reviewer read ``shown`` (aware) on the burned-in clock at ``position_ms`` into the clip.

        Stores the clip's clock correction (audited, with the frame and the
        time read) and the recorded time of each of its findings, in one
        transaction; returns the clip and those findings as changed.  Raises
        :class:`~cctv_review.recorded_time.RecordedTimeError` when the clip has
        no recorded start (there is nothing to correct), CaseLocked or StoreError.
        """
        from cctv_review.recorded_time import ClockCorrection, RecordedTimeError

        clip = self.clip(clip_id)
        if clip.recorded_start is None:
            raise RecordedTimeError(
                f"{clip.camera or 'This clip'} has no recorded start yet, so its clock cannot be corrected. "
                "Set its recorded start first (edit the clip), then correct the clock."
            )
        offset = ClockCorrection.from_burned_in_clock(clip.recorded_start, position_ms, shown).offset_ms
        detail = {
            "position_ms": int(position_ms),
            "frame": frame,
            "burned_in_clock": shown.isoformat(),
            "time_zone": self.time_zone(),
        }
        return self.set_clock_offset(clip_id, offset, detail)

    def set_clock_offset(self, clip_id: int, offset_ms: int, detail: dict[str, Any] | None = None) -> Changes:
        """Store a clip's clock correction directly (0 removes it); see :meth:`correct_clock`."""
        updated = self.store.set_clock_offset(clip_id, offset_ms, detail)
        assert updated.id is not None
        self._clips = [updated if c.id == updated.id else c for c in self._clips]
        touched = frozenset(
            f.id for f in self._findings.values() if f.clip_id == clip_id and f.id is not None
        )
        if touched and self._case is not None and self._case.id is not None:
            for f in self.store.list_findings(self._case.id):
                if f.id in touched:
                    self._findings[f.id] = f
        self.clipsChanged.emit()
        return self._emit(Changes(clips=frozenset({updated.id}), findings=touched))

    # -- summary ---------------------------------------------------------------
    def summary(self) -> Summary:
        """The summary; without the cases under this user's unfinished blind second review (their
        first review's outcome would show in the figures)."""
        hidden = self.blind_case_ids()
        if hidden:
            from cctv_review.case_query import CaseFilter

            ids = [i for i in self.case_ids(CaseFilter()) if i not in hidden]
            return summarise(self.store, self.template, case_ids=ids)
        return summarise(self.store, self.template)

    # -- the case list as a query (cctv_review.case_query) ------------------------------
    def case_ids(self, case_filter: Any, sort_column: int = 2, descending: bool = False) -> list[int]:
        """Ordered ids of the cases a :class:`~cctv_review.case_query.CaseFilter` shows (one query)."""
        from cctv_review.case_query import case_ids

        return case_ids(self.store.db.conn, case_filter, sort_column, descending)

    def cases_by_id(self, ids: Iterable[int]) -> dict[int, Case]:
        """The cases with these ids, read in one query (missing ids are left out)."""
        from cctv_review.case_query import cases_by_id

        found = cases_by_id(self.store.db.conn, ids)
        hidden = self.blind_case_ids() & set(found)
        for case_id in hidden:  # the case list shows nothing of a first review this user may not see
            found[case_id] = self._blinded(found[case_id])
        return found

    def case_count(self) -> int:
        """How many cases the store holds (one query)."""
        from cctv_review.case_query import case_count

        return case_count(self.store.db.conn)

    # -- the supervisor's figures, agreement, samples, reasons for viewing (issue 14) ---------
    def visible(self, summary_filter: Any) -> Any:
        """``summary_filter`` less the cases under this user's unfinished blind second review."""
        hidden = self.blind_case_ids()
        if not hidden:
            return summary_filter
        return dataclasses.replace(summary_filter, exclude=frozenset(summary_filter.exclude) | hidden)

    def filtered_summary(self, summary_filter: Any) -> Summary:
        """The summary over the cases a :class:`~cctv_review.summary_filter.SummaryFilter` selects
        (never a case under this user's unfinished blind second review)."""
        from cctv_review.summary_filter import summarise_filtered

        return summarise_filtered(self.store, self.template, self.visible(summary_filter))

    def question_figures(self, summary_filter: Any) -> list[Any]:
        """Per-question figures (:class:`~cctv_review.question_figures.QuestionFigure`) over the filter's
        completed cases: one grouped query per counted question of the form."""
        from cctv_review.question_figures import question_figures

        sql, params = self.visible(summary_filter).completed_sql()
        return question_figures(self.store.db.conn, self.template, sql, params)

    def review_agreement(self, summary_filter: Any) -> Any:
        """First against blind second review over the filter's completed cases
        (:class:`~cctv_review.agreement.ReviewAgreement`; three queries)."""
        from cctv_review.agreement import review_agreement

        sql, params = self.visible(summary_filter).completed_sql()
        return review_agreement(self.store.db.conn, self.template, sql, params)

    def team_figures_job(
        self, summary_filter: Any
    ) -> Callable[[Any, Callable[[], bool]], tuple[Any, list[Any]]]:
        """A background job computing the agreement and the per-question figures over the filter.

        Run it with :func:`cctv_review.ui.tasks.run_task`; it opens a read-only
        SQLite connection of its own (it only reads, so none of ``Store``'s
        opening checks, key loading or migrations are repeated for every
        recompute) and returns ``(ReviewAgreement, [QuestionFigure, ...])``.
        At 100,000 cases the questions take seconds (one grouped query each,
        see :mod:`cctv_review.question_figures`), hence off the GUI thread; it
        checks ``cancel()`` between questions and stops with ``RuntimeError``.
        """
        path, template = self.store_path, self.template
        sql, params = self.visible(summary_filter).completed_sql()

        def work(progress: Any, cancel: Callable[[], bool]) -> tuple[Any, list[Any]]:
            import contextlib
            import sqlite3

            from cctv_review.agreement import review_agreement
            from cctv_review.question_figures import COUNTED_TYPES, question_figure

            figures: list[Any] = []
            try:
                with contextlib.closing(
                    sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
                ) as conn:
                    agreement = review_agreement(conn, template, sql, params)
                    questions = [q for q in template.questions() if q.type in COUNTED_TYPES]
                    for done, question in enumerate(questions, 1):
                        if cancel():
                            raise RuntimeError("cancelled")
                        figures.append(question_figure(conn, template, question, sql, params))
                        progress(done / len(questions), "Counting the answers to each question")
            except sqlite3.Error as exc:
                raise StoreError(f"The review database could not be read for these figures ({exc}).") from exc
            return agreement, figures

        return work

    def draw_sample(
        self, size: int, stratify: Iterable[str], seed: int, purpose: str = "review"
    ) -> tuple[Any, dict[int, str]]:
        """Draw a stratified sample (:func:`cctv_review.sampling.draw_sample`) and audit it as the CLI does.

        ``purpose`` is ``"review"`` (every case) or ``"second_review"`` (the
        share of completed cases to review a second time: only completed cases
        are drawn from).  Records ``sample.drawn`` with the seed, the rule, the
        stratum counts, the ids and the purpose.  Returns the
        :class:`~cctv_review.sampling.SampleDraw` and the drawn cases'
        references by id.  Raises ``ValueError`` for a bad size or flag.
        """
        from cctv_review.sampling import draw_sample

        status = CaseStatus.COMPLETE if purpose == "second_review" else None
        draw = draw_sample(self.store.list_cases(status=status), size, tuple(stratify), seed)
        self.store.audit("sample.drawn", "sample", str(seed), draw.audit_detail() | {"purpose": purpose})
        references = {c.id: c.reference for c in self.store.list_cases(case_ids=list(draw.case_ids))}
        return draw, {i: references[i] for i in draw.case_ids if i in references}

    def viewing_reason_required(self) -> bool:
        """Whether the store asks for a reason before a case's footage is shown (off by default)."""
        from cctv_review.ui.viewing_reason import SETTING_KEY

        return bool(self.store.setting(SETTING_KEY, False))

    def set_viewing_reason_required(self, required: bool) -> None:
        """Turn the reason-for-viewing rule on or off for this store; the change is audited."""
        from cctv_review.ui.viewing_reason import SETTING_KEY

        if bool(required) == self.viewing_reason_required():
            return
        self.store.set_setting(SETTING_KEY, bool(required))
        self.store.audit("setting.changed", "setting", SETTING_KEY, {"value": bool(required)})

    def record_viewing_reason(self, case_id: int, reason: str) -> Changes:
        """Audit why the footage of case ``case_id`` is being viewed (``footage.viewing_reason``).

        Nothing on screen shows it: empty Changes.  Raises ``ValueError`` for
        an empty reason, StoreError when it cannot be recorded.
        """
        reason = reason.strip()
        if not reason:
            raise ValueError("a reason for viewing cannot be empty")
        case = self.store.get_case(case_id)
        self.store.audit(
            "footage.viewing_reason", "case", case_id, {"reference": case.reference, "reason": reason}
        )
        return Changes()

    # -- blind second review and moderation (issue 14; cctv_review.team) ------------------------
    def blind_case_ids(self) -> set[int]:
        """Ids of the cases this user is blind second reviewer of and has not completed (one query)."""
        from cctv_review import team

        return team.blind_case_ids(self.store, self.user)

    @property
    def blind(self) -> bool:
        """True while the open case is under this user's blind second review."""
        return self._blind is not None

    def _blinded(self, case: Case) -> Case:
        from cctv_review import team

        if case.id is None:
            return case
        review = team.second_review(self.store, case.id)
        if review is None or review.reviewer != self.user or review.completed:
            return case
        return team.blind_view(case, review)

    def _open_blind(self, case: Case) -> None:
        """Set the open case up for this user: the second review only when blind, else the first's findings."""
        from cctv_review import team

        assert case.id is not None
        review = team.second_review(self.store, case.id)
        if review is not None and review.reviewer == self.user and not review.completed:
            self._blind = review
            self._case = team.blind_view(case, review)
            self._findings = {i: f for i, f in self._findings.items() if f.review_round == 2}
            self._answers = team.second_answers(self.store, case.id)
        else:
            self._blind = None
            self._findings = {i: f for i, f in self._findings.items() if f.review_round != 2}

    def _blind_started(self) -> None:
        if self._case is not None and self._case.status == CaseStatus.NOT_STARTED:
            self._case_changed(dataclasses.replace(self._case, status=CaseStatus.IN_PROGRESS))

    def _blind_outcome(self, level: LearningLevel | None, rationale: str) -> Changes:
        from cctv_review import team

        assert self._case is not None and self._case.id is not None
        self._blind = team.set_second_outcome(self.store, self._case.id, level, rationale)
        return self._case_changed(team.blind_view(self.store.get_case(self._case.id), self._blind))

    def _complete_blind(self) -> Changes:
        """Complete the blind second review.  The open case goes on showing it, now complete and
        locked; opened again, it shows the first review (the reviewer may see it now)."""
        from cctv_review import team

        assert self._case is not None and self._case.id is not None
        case_id = self._case.id
        review = team.complete_second_review(self.store, case_id, self.template)
        self._blind = None
        return self._case_changed(team.blind_view(self.store.get_case(case_id), review))

    def second_review(self, case_id: int) -> Any:
        """The case's :class:`~cctv_review.team.SecondReview` (None when not marked for one)."""
        from cctv_review import team

        return team.second_review(self.store, case_id)

    def first_review(self, case_id: int) -> tuple[Case, dict[str, Any], list[Finding]]:
        """The first review (case, answers, findings); raises :class:`~cctv_review.team.BlindReview`
        for the case's second reviewer until they complete theirs."""
        from cctv_review import team

        return team.first_review(self.store, case_id, self.user)

    def second_review_record(self, case_id: int) -> tuple[Any, dict[str, Any], list[Finding]]:
        """The second review (record, answers, findings) of a case, for the lead and both reviewers."""
        from cctv_review import team

        return (
            team.second_review(self.store, case_id),
            team.second_answers(self.store, case_id),
            team.second_findings(self.store, case_id),
        )

    def assign_second_review(self, case_id: int, reviewer: str) -> Changes:
        """Mark a case for blind second review by ``reviewer`` (a login name); raises TeamError."""
        from cctv_review import team

        team.assign_second_review(self.store, case_id, reviewer)
        self.casesChanged.emit()
        return self._emit(Changes(cases=frozenset({case_id})))

    def disagreements(self) -> list[Any]:
        """Cases whose two completed reviews differ (:class:`~cctv_review.team.Disagreement`)."""
        from cctv_review import team

        return team.disagreements(self.store)

    def moderate(self, case_id: int, final_outcome: LearningLevel | str, reason: str) -> Changes:
        """Record the lead's final outcome and reason for a disagreement (audited); raises TeamError."""
        from cctv_review import team

        team.moderate(self.store, case_id, final_outcome, reason)
        self.casesChanged.emit()
        return self._emit(Changes(cases=frozenset({case_id})))

    def packages_imported(self) -> Changes:
        """A review package was imported on another connection: every view reloads its cases."""
        from cctv_review.case_query import CaseFilter

        changes = self._emit(Changes(cases=frozenset(self.case_ids(CaseFilter()))))
        self.casesChanged.emit()
        if self._case is not None and self._case.id is not None:
            self.open_case(self._case.id)  # its findings and answers may have come from the package
        return changes
