"""The export's content read in chunks of cases, for the XLSX and PDF writers.

:func:`cctv_review.export.tabular.build` reads the whole selection into
memory, which at 100,000 cases and a million findings takes gigabytes.  For
the workbook and the report, :func:`build_streaming` returns the same
:class:`~cctv_review.export.tabular.ExportData` (the summary and the summary
tables computed in SQL, the table columns), except that ``cases`` is a
:class:`LazyCases`: its length is known at once, and iterating it (or
:meth:`LazyCases.chunks`) reads :data:`CHUNK` cases at a time with their
clips, findings and answers (four queries per chunk), so memory stays bounded
whatever the selection.  The table rows of a chunk come from the very
functions ``tabular`` uses (:func:`chunk_rows`), so every format shows the
same values, redaction included.  Plain Python, no Qt.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, overload

from cctv_review.case_query import cases_by_id
from cctv_review.domain import Answer, Case, Clip, Finding
from cctv_review.export import tabular
from cctv_review.export.tabular import CaseDetail, ExportData, case_detail
from cctv_review.store import _clip_from_row, _dt, _finding_from_row
from cctv_review.summary import selection_sql, summarise
from cctv_review.template import Template

CHUNK = 500  # cases read (with their findings and answers) per step


def _rows(conn: Any, sql: str, params: list[Any]) -> Iterator[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


class LazyCases(Sequence[CaseDetail]):
    """The selected cases, in the store's order, read :data:`CHUNK` at a time.

    ``len()`` is free (the ordered ids are read once, one query); iteration
    and :meth:`chunks` read each chunk's cases, clips, findings and answers in
    four queries.  Indexing reads the chunk holding that case (for tests and
    small selections; the writers iterate).
    """

    def __init__(
        self,
        store: Any,
        template: Template,
        ids: list[int],
        label_of: Callable[[str], str],
        chunk: int = CHUNK,
        redact: bool = False,
    ) -> None:
        self.redact = redact
        self.store = store
        self.template = template
        self.ids = ids
        self.label_of = label_of
        self.chunk = chunk
        self._order = {q.id: i for i, q in enumerate(template.questions())}
        self._sections = {s.id: s.title for s in template.sections}
        self.time_zone, self._tz = tabular.store_zone(store)  # recorded times are written in it

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> CaseDetail: ...
    @overload
    def __getitem__(self, index: slice) -> list[CaseDetail]: ...
    def __getitem__(self, index: int | slice) -> CaseDetail | list[CaseDetail]:
        if isinstance(index, slice):
            return self.details(self.ids[index])
        return self.details([self.ids[index]])[0]

    def __iter__(self) -> Iterator[CaseDetail]:
        for chunk in self.chunks():
            yield from chunk

    def chunks(self) -> Iterator[list[CaseDetail]]:
        """The selection as lists of at most ``chunk`` cases, in order."""
        for start in range(0, len(self.ids), self.chunk):
            yield self.details(self.ids[start : start + self.chunk])

    def details(self, ids: list[int]) -> list[CaseDetail]:
        """These cases with their findings and answers, as :func:`tabular.build` makes them."""
        conn = self.store.db.conn
        cases: dict[int, Case] = cases_by_id(conn, ids)
        wanted = json.dumps(ids)
        clips: dict[int, Clip] = {
            clip.id: clip
            for clip in map(
                _clip_from_row,
                _rows(
                    conn, "SELECT * FROM clips WHERE case_id IN (SELECT value FROM json_each(?))", [wanted]
                ),
            )
            if clip.id is not None
        }
        findings: dict[int, list[Finding]] = {}
        for f in map(
            _finding_from_row,
            _rows(
                conn,
                "SELECT * FROM findings WHERE case_id IN (SELECT value FROM json_each(?)) "
                "ORDER BY case_id, clip_id IS NULL, clip_id, position_ms, id",
                [wanted],
            ),
        ):
            findings.setdefault(f.case_id, []).append(f)
        answers: dict[int, list[Answer]] = {}
        for r in _rows(
            conn,
            "SELECT * FROM answers WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY case_id, rowid",
            [wanted],
        ):
            answers.setdefault(r["case_id"], []).append(
                Answer(
                    case_id=r["case_id"],
                    question_id=r["question_id"],
                    value=json.loads(r["value"]),
                    template_id=r["template_id"],
                    template_version=r["template_version"],
                    reviewer=r["reviewer"] or "",
                    updated_at=_dt(r["updated_at"]),  # type: ignore[arg-type]  # as Store.answer_records
                )
            )
        return [
            self._detail(cases[i], clips, findings.get(i, []), answers.get(i, [])) for i in ids if i in cases
        ]

    def _detail(
        self, case: Case, clips: dict[int, Clip], findings: list[Finding], answers: list[Answer]
    ) -> CaseDetail:
        return case_detail(
            self.store,
            self.template,
            case,
            self.label_of(case.reference),
            clips,
            findings,
            answers,
            self._order,
            self._sections,
            self._tz,
            redact=self.redact,
        )


def selected_ids(
    store: Any, date_from: date | None, date_to: date | None, case_ids: Iterable[int] | None
) -> list[int]:
    """The selection's case ids in the store's order (as ``Store.list_cases``), one query."""
    where, params = selection_sql(date_from, date_to, case_ids)
    return [
        row[0]
        for row in store.db.conn.execute(
            f"SELECT c.id FROM cases c WHERE {where} "
            "ORDER BY c.detention_date IS NULL, c.detention_date, c.reference",
            params,
        )
    ]


def build_streaming(
    store: Any,
    template: Template,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
    redact: bool = False,
    chunk: int = CHUNK,
) -> ExportData:
    """Like :func:`tabular.build`, with ``cases`` a :class:`LazyCases` and the tables' rows left empty.

    The tables carry their columns only: writers take each chunk's rows from
    :func:`chunk_rows`.
    """
    case_ids = list(case_ids) if case_ids is not None else None
    summary = summarise(store, template, date_from=date_from, date_to=date_to, case_ids=case_ids)
    if redact:
        from cctv_review.export.redact import Pseudonymiser

        label_of: Callable[[str], str] = Pseudonymiser(store)
    else:
        label_of = str
    ids = selected_ids(store, date_from, date_to, case_ids)
    cases = LazyCases(store, template, ids, label_of, chunk, redact=redact)
    data = ExportData(
        summary=summary,
        cases=cases,  # type: ignore[arg-type]  # a lazy list
        tables={},
        summary_tables=tabular.summary_tables(summary),
        redacted=redact,
        generated_at=tabular.utc_now(),
        template=template,
        date_from=date_from,
        date_to=date_to,
        time_zone=cases.time_zone,
    )
    data.tables = {name: table for name, table in chunk_tables([], redact).items()}
    return data


def chunk_tables(details: list[CaseDetail], redact: bool) -> dict[str, tabular.Table]:
    """The Cases, Findings and Answers tables of some cases (columns and rows), as ``tabular`` makes them."""
    return {
        "cases": tabular._cases_table(details, redact),
        "findings": tabular._findings_table(details, redact),
        "answers": tabular._answers_table(details, redact),
    }


def chunks(data: ExportData) -> Iterator[list[CaseDetail]]:
    """The cases of ``data`` chunk by chunk, whether read lazily or already in memory."""
    if isinstance(data.cases, LazyCases):
        yield from data.cases.chunks()
    else:
        for start in range(0, len(data.cases), CHUNK):
            yield list(data.cases[start : start + CHUNK])


def chunk_rows(data: ExportData, prefetch: bool = False) -> Iterator[dict[str, list[list[Any]]]]:
    """Each chunk's table rows: ``{"cases": rows, "findings": rows, "answers": rows}``.

    ``prefetch``: read the chunks in a thread of their own, on its own
    read-only connection to the store (:func:`prefetched`), up to
    :data:`PREFETCH` chunks ahead of the caller, so the reading's SQLite work
    and the caller's deflating and disk writes (all of which release Python's
    GIL) overlap.  The rows are the same either way.
    """
    if prefetch and isinstance(data.cases, LazyCases):
        reading = data.cases
        path = getattr(reading.store, "path", None)
        if path is not None:
            if len(reading.ids) >= process_from():
                yield from read_in_process(reading, Path(path))
            else:
                yield from prefetched(lambda: _rows_on_own_connection(*_reading_args(reading, Path(path))))
            return
    for details in chunks(data):
        yield {name: table.rows for name, table in chunk_tables(details, data.redacted).items()}


#: Chunks a prefetching reader may be ahead of its consumer (bounds memory: 2 x CHUNK cases).
PREFETCH = 2


class _ReadOnlyStore:
    """What :class:`LazyCases` and ``tabular.case_detail`` use of a store (``db.conn``, ``path``), on a
    read-only connection of the reading thread's own (a connection is never shared across threads)."""

    def __init__(self, path: Path) -> None:
        from cctv_review.store import _read_uri

        self.path = path
        self.db = SimpleNamespace(conn=sqlite3.connect(_read_uri(path), uri=True, timeout=10))

    def close(self) -> None:
        self.db.conn.close()


def _rows_on_own_connection(
    path: Path,
    template: Template,
    ids: list[int],
    label_of: Callable[[str], str],
    chunk: int,
    redact: bool,
    time_zone: str,
) -> Iterator[dict[str, list[list[Any]]]]:
    """:func:`chunk_rows` of these cases, read on a connection opened (and closed) here: the reading
    thread's and the reading process's (``time_zone``: the store's recorder zone, never the default)."""
    store = _ReadOnlyStore(path)
    try:
        own = LazyCases(store, template, ids, label_of, chunk, redact=redact)
        own.time_zone, own._tz = time_zone, tabular.zone(time_zone)
        for details in own.chunks():
            yield {name: table.rows for name, table in chunk_tables(details, redact).items()}
    finally:
        store.close()


def _reading_args(reading: LazyCases, path: Path) -> tuple[Any, ...]:
    """:func:`_rows_on_own_connection`'s arguments for ``reading``'s cases (picklable)."""
    return (
        path,
        reading.template,
        reading.ids,
        reading.label_of,
        reading.chunk,
        reading.redact,
        reading.time_zone,
    )


def _put(items: Any, item: Any, stop: Any) -> bool:
    """Put ``item`` on a bounded queue (``queue.Queue`` or a multiprocessing one), waiting while it is
    full; False, without putting it, once ``stop`` (a threading or multiprocessing Event) is set."""
    while not stop.is_set():
        try:
            items.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


#: From this many cases an export reads them in a process of its own (:func:`read_in_process`): below
#: it, starting the process (about half a second) costs more than the overlap saves.
PROCESS_FROM = 2000


def process_from() -> int:
    """:data:`PROCESS_FROM`, or ``CCTV_REVIEW_EXPORT_PROCESS_FROM`` when set (the packaging smoke test
    sets 1, so the frozen programs' reading process is tried on the two-case demo)."""
    try:
        return int(os.environ.get("CCTV_REVIEW_EXPORT_PROCESS_FROM", PROCESS_FROM))
    except ValueError:
        return PROCESS_FROM


def _process_reader(args: tuple[Any, ...], out: Any, stop: Any) -> None:
    """The reading process: each chunk's rows onto ``out`` (("rows", rows) ... ("end", None)), or
    ("error", message); stops early when ``stop`` is set."""
    try:
        for rows in _rows_on_own_connection(*args):
            if not _put(out, ("rows", rows), stop):
                return
        out.put(("end", None))
    except BaseException as exc:  # told to the exporting process, which raises it as an ExportError
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def read_in_process(
    reading: LazyCases, path: Path, depth: int = PREFETCH
) -> Iterator[dict[str, list[list[Any]]]]:
    """:func:`chunk_rows` of ``reading``'s cases, read and turned into rows by a process of its own.

    A thread (:func:`prefetched`) shares Python's lock with the writer, so the
    two add up; a process runs beside it on the other core.  The rows are the
    same (pickled across, up to ``depth`` chunks ahead).  The process is
    started with ``spawn`` (safe beside Qt's threads) and stopped, and waited
    for, when the consumer stops early.  Raises :class:`ExportError` when the
    process fails or dies.  The frozen programs call
    ``multiprocessing.freeze_support()`` first thing, so the process is the
    program itself (``packaging/windows/launch_*.py``).
    """
    import multiprocessing

    from cctv_review.export.errors import ExportError

    context = multiprocessing.get_context("spawn")
    out = context.Queue(maxsize=depth)
    stop = context.Event()
    process = context.Process(
        target=_process_reader,
        args=(_reading_args(reading, path), out, stop),
        name="export-reader",
        daemon=True,
    )
    process.start()
    try:
        while True:
            try:
                kind, value = out.get(timeout=1.0)
            except queue.Empty:
                if not process.is_alive():
                    raise ExportError(
                        "The export stopped: the process reading the cases ended unexpectedly "
                        f"(exit code {process.exitcode}). Try again; the log has details."
                    ) from None
                continue
            if kind == "end":
                return
            if kind == "error":
                raise ExportError(f"The export stopped while reading the cases: {value}")
            yield value
    finally:
        stop.set()
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)


T = TypeVar("T")


def prefetched(make: Callable[[], Iterable[T]], depth: int = PREFETCH) -> Iterator[T]:
    """The items of ``make()``, produced in a thread of their own up to ``depth`` items ahead.

    ``make`` is called in that thread (so what it opens belongs to it).  An
    exception there is raised here, at the item where it happened; when the
    consumer stops early (an error, a cancelled export), the thread is told to
    stop and is waited for, so nothing keeps reading after the export ends.
    """
    items: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        return _put(items, (kind, value), stop)

    def run() -> None:
        try:
            for item in make():
                if not put("item", item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            put("error", exc)
            return
        put("end", None)

    thread = threading.Thread(target=run, name="export-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = items.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()
