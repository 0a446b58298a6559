"""The export's content, built once and rendered by every format.

:func:`build` reads the store once and returns an :class:`ExportData`: the
selected cases with their findings and answers (for the PDF report), the
:class:`~cctv_review.summary.Summary` over the same selection, and the rows of
the Cases, Findings and Answers tables plus the summary tables.  The CSV and
XLSX writers only decide how a typed cell is written; they never compute a
value.  Redaction is applied here, so no writer can leak what it left out.

Cells are typed Python values; each :class:`Column` has a ``kind``:

``text``       str (notes, labels).  Formula-looking text is neutralised by the
               writers (see :func:`neutralise`).
``int``        int (counts).
``percent``    float, a percentage such as 12.5 (CSV ``12.5``; XLSX 0.125
               formatted ``0.0%``).
``bool``       bool (case flags; CSV ``Yes``/``No``).
``date``       :class:`datetime.date` (ISO 8601 ``2026-03-31``).
``datetime``   aware :class:`datetime.datetime`, shown in this computer's local
               time zone (CSV ISO 8601 with the offset, e.g.
               ``2026-03-31T15:05:00+01:00``; XLSX has no time zones, so the
               cell holds the local time and the header says so).
``datetime_ms`` the same to the millisecond.
``duration``   :class:`datetime.timedelta`, a clip position (CSV
               ``H:MM:SS.mmm``; XLSX a real time value ``[h]:mm:ss.000``).

Recorded time (when something happened on the footage) follows the one rule
of :mod:`cctv_review.recorded_time`: the recorder's wall-clock time in the
store's zone, clock correction applied, written by
:func:`~cctv_review.recorded_time.format_recorded` as text
(``2026-07-12 00:59:47 BST``), the same string in every format, on screen and
in a still's caption.  Text, not a spreadsheet date-time: Excel has no time
zones, and the zone's abbreviation is what tells apart the two 01:30s of the
night the clocks go back.  The times the reviewer did things (completed,
answered) are this computer's local time, as the headers say.

Only cases in the selection are exported: the date range (on detention date)
and/or the given case ids, exactly as :func:`~cctv_review.summary.summarise`
selects them.  All selected cases are listed whatever their status; the
summary figures count completed cases only, as the summary always does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from cctv_review.domain import (
    CASE_FLAGS,
    Answer,
    Case,
    Clip,
    Finding,
    FindingLevel,
    LearningLevel,
    percent,
    utc_now,
)
from cctv_review.recorded_time import DEFAULT_ZONE, finding_recorded_at, format_recorded, zone
from cctv_review.summary import Summary, summarise
from cctv_review.template import Template

#: First characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection"), and
#: their full-width twins (U+FF1D, U+FF0B, U+FF0D, U+FF20), which Excel and LibreOffice read as the
#: ASCII ones when a CSV is opened with East Asian input settings.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(text: str) -> str:
    """Prefix a single quote to text a spreadsheet would take as a formula.

    Excel and LibreOffice show such a cell as the text after the quote, so
    ``=HYPERLINK(...)`` typed into a note stays a note.  Applied to text cells
    only: numbers (including negative ones) are written as numbers.
    """
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_TRIGGERS


@dataclass(frozen=True)
class Column:
    key: str  # machine name: the CSV header
    title: str  # human title: the XLSX header and PDF tables
    kind: str = "text"
    width: int = 0  # preferred XLSX width in characters (0: fit the contents)
    wrap: bool = False  # long free text: wrap in the workbook


@dataclass
class Table:
    name: str  # cases, findings, answers, or a summary table's id
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class FindingDetail:
    finding: Finding
    theme_label: str
    camera: str
    clip_file: str
    recorded_at: datetime | None  # aware, clock correction applied
    still: Path | None  # resolved path of the still, when one was captured and exists
    still_missing: str = ""  # the recorded still path when the file is not there
    #: ``recorded_at`` as :func:`~cctv_review.recorded_time.format_recorded` writes it ("" if unknown).
    recorded_text: str = ""


@dataclass
class AnswerDetail:
    answer: Answer
    section: str
    question: str
    display: str


@dataclass
class CaseDetail:
    case: Case
    label: str  # the reference, or its pseudonym when redacted
    findings: list[FindingDetail]
    answers: list[AnswerDetail]


@dataclass
class ExportData:
    summary: Summary
    cases: list[CaseDetail]
    tables: dict[str, Table]  # "cases", "findings", "answers"
    summary_tables: list[Table]
    redacted: bool
    generated_at: datetime
    template: Template
    date_from: date | None = None
    date_to: date | None = None
    #: The store's recorder time zone (IANA name) the recorded times are written in.
    time_zone: str = DEFAULT_ZONE
    #: The supervisor's figures (``cctv_review.export.figures.TeamFigures``): per-question figures,
    #: agreement, areas for improvement; set by ``export()``, None when built without them.
    figures: Any = None

    @property
    def statements(self) -> list[tuple[str, str]]:
        """The summary's sentences, as (label, text) pairs."""
        rows = [
            ("Headline", self.summary.headline),
            ("Progress", self.summary.progress_note),
            ("Scope", self.scope_text),
            ("Generated", local(self.generated_at).isoformat(timespec="seconds")),
            ("Recorded times", recorded_times_note(self.time_zone)),
        ]
        if self.redacted:
            from cctv_review.export.redact import REDACTION_NOTE

            rows.append(("Redaction", REDACTION_NOTE))
        return rows

    @property
    def scope_text(self) -> str:
        scope = self.summary.scope
        return (
            scope[0].upper() + scope[1:] + f" ({len(self.cases)} case{'s' if len(self.cases) != 1 else ''})"
        )


def local(value: datetime) -> datetime:
    """An aware datetime in this computer's local time zone (for when the reviewer did something;
    recorded times use :func:`~cctv_review.recorded_time.format_recorded` instead)."""
    return value.astimezone()


def recorded_times_note(zone_name: str) -> str:
    """The sentence saying how recorded times are written, for the Summary sheet and the PDF."""
    return (
        f"Recorded times are the recorders' wall-clock time in {zone_name}, with any clock correction "
        "applied; GMT/BST (or the zone's own abbreviation) follows each time."
    )


def store_zone(store: Any) -> tuple[str, tzinfo]:
    """The store's recorder time zone (name, tzinfo), read once per export; the default for a store
    without the setting (or an object that is not a :class:`~cctv_review.store.Store`)."""
    getter = getattr(store, "time_zone", None)
    name = getter() if callable(getter) else DEFAULT_ZONE
    try:
        return name, zone(name)
    except ValueError:
        return DEFAULT_ZONE, zone(DEFAULT_ZONE)


def resolve_still(store, still_path: str) -> Path | None:
    """Where a finding's still is: absolute, or relative to the database's folder or its stills folder."""
    if not still_path:
        return None
    from cctv_review.paths import stills_dir

    path = Path(still_path)
    candidates = [path] if path.is_absolute() else [store.path.parent / path, stills_dir(store.path) / path]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def build(
    store,
    template: Template,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
    redact: bool = False,
) -> ExportData:
    """Read the selection from the store and build everything the writers need."""
    case_ids = list(case_ids) if case_ids is not None else None
    cases = store.list_cases(date_from=date_from, date_to=date_to, case_ids=case_ids)
    summary = summarise(store, template, date_from=date_from, date_to=date_to, case_ids=case_ids)

    if redact:
        from cctv_review.export.redact import Pseudonymiser

        label_of: Callable[[str], str] = Pseudonymiser(store)
    else:
        label_of = str

    zone_name, tz = store_zone(store)
    wanted = {c.id for c in cases}
    clips: dict[int, Clip] = {c.id: c for c in store.list_clips()}
    findings_by_case: dict[int, list[Finding]] = {}
    for f in store.list_findings():
        if f.case_id in wanted:
            findings_by_case.setdefault(f.case_id, []).append(f)
    answers_by_case: dict[int, list[Answer]] = {}
    for a in store.answer_records():
        if a.case_id in wanted:
            answers_by_case.setdefault(a.case_id, []).append(a)

    order = {q.id: i for i, q in enumerate(template.questions())}
    sections = {s.id: s.title for s in template.sections}
    details = [
        case_detail(
            store,
            template,
            case,
            label_of(case.reference),
            clips,
            findings_by_case.get(case.id, []),
            answers_by_case.get(case.id, []),
            order,
            sections,
            tz,
            redact=redact,
        )
        for case in cases
    ]

    data = ExportData(
        summary=summary,
        cases=details,
        tables={},
        summary_tables=summary_tables(summary),
        redacted=redact,
        generated_at=utc_now(),
        template=template,
        date_from=date_from,
        date_to=date_to,
        time_zone=zone_name,
    )
    data.tables = {
        "cases": _cases_table(details, redact),
        "findings": _findings_table(details, redact),
        "answers": _answers_table(details, redact),
    }
    return data


def case_detail(
    store: Any,
    template: Template,
    case: Case,
    reference_label: str,
    clips: dict[int, Clip],
    findings: list[Finding],
    answers: list[Answer],
    order: dict[str, int],
    sections: dict[str, str],
    tz: tzinfo | None = None,
    redact: bool = False,
) -> CaseDetail:
    """One case as the writers need it: findings with their camera, clip, recorded time and still,
    answers in form order with their section and question text.

    ``order`` maps question id → position in the form and ``sections`` section
    id → title (made once per export); an answer to a question the form no
    longer has keeps its id as its text.  Used by :func:`build` and by the
    streaming reader (``export/stream.py``).  ``tz`` is the store's recorder
    zone (:func:`store_zone`; read from ``store`` when not given): recorded
    times are written in it.
    """
    if tz is None:
        tz = store_zone(store)[1]
    finding_details = []
    cameras: dict[int, str] = {}
    if redact:  # a camera named after its file (or holding the reference) would leak the custody number
        from cctv_review.export.redact import redact_cameras

        cameras = redact_cameras(case.reference, (c for c in clips.values() if c.case_id == case.id))
    for f in findings:
        clip = clips.get(f.clip_id) if f.clip_id is not None else None
        still = resolve_still(store, f.still_path)
        when = finding_recorded_at(f, clip)
        finding_details.append(
            FindingDetail(
                finding=f,
                theme_label=template.theme_label(f.theme),
                camera=(cameras.get(clip.id or 0, clip.camera) if redact else clip.camera)
                if clip
                else ("" if redact else f.camera),
                clip_file=clip.path if clip else "",
                recorded_at=when,
                still=still,
                still_missing=f.still_path if f.still_path and still is None else "",
                recorded_text=format_recorded(when, tz) if when is not None else "",
            )
        )
    answer_details = []
    for a in sorted(answers, key=lambda a: (order.get(a.question_id, len(order)), a.question_id)):
        try:
            q = template.question(a.question_id)
            section, text, shown = sections.get(q.section_id, q.section_id), q.text, q.display(a.value)
        except KeyError:  # answered on an older form that had this question
            section, text = "", a.question_id
            shown = "; ".join(map(str, a.value)) if isinstance(a.value, list) else str(a.value)
        answer_details.append(AnswerDetail(a, section, text, shown))
    return CaseDetail(case, reference_label, finding_details, answer_details)


def _case_column(redact: bool) -> Column:
    if redact:
        return Column("pseudonym", "Case (pseudonym)", width=18)
    return Column("reference", "Case reference", width=18)


def _cases_table(details: list[CaseDetail], redact: bool) -> Table:
    columns = [
        _case_column(redact),
        Column("custody_suite", "Custody suite", width=18),
        Column("detention_date", "Detention date", "date", width=14),
        Column("status", "Status", width=12),
        Column("outcome", "Outcome", width=20),
        Column("outcome_rationale", "Rationale", width=60, wrap=True),
        *[Column(flag, label, "bool", width=max(10, len(label) + 2)) for flag, label in CASE_FLAGS.items()],
        Column("findings", "Findings", "int", width=10),
        Column("significant_findings", "Significant learning findings", "int", width=14),
        Column("some_findings", "Some learning findings", "int", width=14),
        Column("good_practice_findings", "Good practice findings", "int", width=14),
        Column("answers", "Questions answered", "int", width=12),
    ]
    if not redact:
        columns.append(Column("reviewer", "Reviewer", width=14))
    columns.append(Column("completed_at", "Completed (local time)", "datetime", width=20))
    if not redact:
        columns.append(Column("completed_by", "Completed by", width=14))
    table = Table("cases", "Cases", columns)
    for d in details:
        c = d.case
        levels = [f.finding.level for f in d.findings]
        row: list[Any] = [
            d.label,
            c.custody_suite,
            c.detention_date,
            c.status.label,
            c.outcome.label if c.outcome else "",
            c.outcome_rationale,
            *[bool(getattr(c, flag)) for flag in CASE_FLAGS],
            len(levels),
            levels.count(FindingLevel.SIGNIFICANT),
            levels.count(FindingLevel.SOME),
            levels.count(FindingLevel.GOOD_PRACTICE),
            len(d.answers),
        ]
        if not redact:
            row.append(c.reviewer)
        row.append(c.completed_at)
        if not redact:
            row.append(c.completed_by)
        table.rows.append(row)
    return table


def _findings_table(details: list[CaseDetail], redact: bool) -> Table:
    columns = [
        _case_column(redact),
        Column("camera", "Camera", width=18),
        Column("clip_time", "Clip time", "duration", width=13),
        Column("recorded_at", "Recorded time (recorder clock)", width=24),
        Column("frame", "Frame", "int", width=9),
        Column("theme", "Theme", width=24),
        Column("level", "Level", width=22),
        Column("note", "Note", width=60, wrap=True),
    ]
    if not redact:
        columns += [
            Column("reviewer", "Reviewer", width=14),
            Column("clip_file", "Clip file", width=30),
            Column("still_file", "Still", width=30),
        ]
    columns.append(Column("created_at", "Recorded by reviewer (local time)", "datetime", width=20))
    table = Table("findings", "Findings", columns)
    for d in details:
        for fd in d.findings:
            f = fd.finding
            row: list[Any] = [
                d.label,
                fd.camera,
                timedelta(milliseconds=f.position_ms) if f.clip_id is not None else None,
                fd.recorded_text,
                f.frame if f.clip_id is not None else None,
                fd.theme_label,
                f.level.label,
                f.note,
            ]
            if not redact:
                row += [f.reviewer, fd.clip_file, f.still_path]
            row.append(f.created_at)
            table.rows.append(row)
    return table


def _answers_table(details: list[CaseDetail], redact: bool) -> Table:
    columns = [
        _case_column(redact),
        Column("section", "Section", width=22),
        Column("question_id", "Question id", width=24),
        Column("question", "Question", width=50, wrap=True),
        Column("answer", "Answer", width=40, wrap=True),
    ]
    if not redact:
        columns.append(Column("reviewer", "Reviewer", width=14))
    columns += [
        Column("updated_at", "Answered (local time)", "datetime", width=20),
        Column("template", "Form", width=24),
    ]
    table = Table("answers", "Answers", columns)
    for d in details:
        for ad in d.answers:
            a = ad.answer
            row: list[Any] = [d.label, ad.section, a.question_id, ad.question, ad.display]
            if not redact:
                row.append(a.reviewer)
            row += [a.updated_at, f"{a.template_id}@{a.template_version}"]
            table.rows.append(row)
    return table


def summary_tables(summary: Summary) -> list[Table]:
    """The summary's figures as tables (used by the Summary sheet, summary.csv and the PDF cover)."""
    tables = []
    t = Table(
        "by_outcome",
        "Outcome of completed cases",
        [
            Column("outcome", "Outcome", width=28),
            Column("cases", "Cases", "int"),
            Column("percent", "% of completed", "percent"),
        ],
    )
    for level in LearningLevel:
        t.rows.append([level.label, summary.by_level[level.value], summary.level_percent(level)])
    t.rows.append(["Completed cases", summary.completed, 100.0 if summary.completed else 0.0])
    tables.append(t)

    t = Table(
        "by_theme",
        "Findings by theme (completed cases)",
        [
            Column("theme", "Theme", width=28),
            Column("cases", "Cases with findings", "int"),
            Column("significant_cases", "With significant learning", "int"),
            Column("significant_percent", "% of completed", "percent"),
            Column("some_cases", "With some learning", "int"),
            Column("good_practice_cases", "With good practice", "int"),
            Column("findings", "Findings", "int"),
        ],
    )
    for row in summary.by_theme:
        t.rows.append(
            [
                row.label,
                row.cases,
                row.significant_cases,
                summary.theme_percent(row),
                row.some_cases,
                row.good_practice_cases,
                row.findings,
            ]
        )
    tables.append(t)

    for name, title, first, rows in (
        ("by_suite", "By custody suite", "Custody suite", summary.by_suite),
        ("by_month", "By month of detention", "Month", summary.by_month),
        ("by_flag", "By case flag", "Cases involving", summary.by_flag),
    ):
        t = Table(
            name,
            title,
            [
                Column("group", first, width=28),
                Column("cases", "Completed cases", "int"),
                Column("significant", "Significant learning", "int"),
                Column("significant_percent", "% significant", "percent"),
                Column("some", "Some learning", "int"),
                Column("none", "No learning", "int"),
            ],
        )
        for b in rows:
            t.rows.append([b.label, b.cases, b.significant, b.significant_percent, b.some, b.none])
        tables.append(t)

    uof = summary.use_of_force
    t = Table(
        "use_of_force",
        "Use of force (completed cases where force was used)",
        [
            Column("measure", "Measure", width=28),
            Column("cases", "Cases", "int"),
            Column("percent", "% of cases with force", "percent"),
        ],
    )
    t.rows += [
        ["Force used", uof.cases, 100.0 if uof.cases else 0.0],
        ["Justified, proportionate and necessary", uof.justified_proportionate_necessary, uof.jpn_percent],
        ["Not justified, proportionate or necessary", uof.not_jpn, percent(uof.not_jpn, uof.cases)],
        ["Could not be judged", uof.undetermined, percent(uof.undetermined, uof.cases)],
    ]
    tables.append(t)
    return tables
