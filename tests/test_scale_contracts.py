"""Issue 12's scale rules that a small store can check (no timing is asserted: see benchmarks/store_bench.py).

* the summary is a fixed number of SQL statements whatever the number of cases;
* the exports read the cases a chunk at a time (bounded memory), the XLSX one in a reading thread of
  its own that is never more than two chunks ahead, gives the same rows, hands its errors to the
  writer and stops when the writer stops;
* the case list's usual order is read from an index, not sorted afresh;
* full-width formula characters are neutralised in the workbook as in the CSV files.
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Iterator

import pytest

from cctv_review import case_query
from cctv_review.case_query import CaseFilter
from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.export import export, stream
from cctv_review.export.stream import build_streaming, chunk_rows, prefetched
from cctv_review.summary import summarise


def _statements(store, fn) -> list[str]:
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        store.db.conn.set_trace_callback(None)
    return seen


def _fill(store, template, complete_case, cases: int, start: int = 0) -> None:
    for i in range(start, start + cases):
        complete_case(
            f"S-{i:04d}",
            "some",
            findings=[("welfare", "some"), ("cell_observations", "significant")],
            answers={"uof.force_used": "yes", "uof.justified": "yes"},
        )


def test_the_summary_costs_the_same_statements_at_3_and_40_completed_cases(store, template, complete_case):
    _fill(store, template, complete_case, 3)
    few = _statements(store, lambda: summarise(store, template))
    _fill(store, template, complete_case, 37, start=3)
    many = _statements(store, lambda: summarise(store, template))
    assert len(few) == len(many) == 2, many  # the cases grouped, the kept figures: nothing per case
    assert summarise(store, template).completed == 40


def test_the_summary_reads_no_finding_of_a_case_whose_figures_are_kept(store, template, complete_case):
    _fill(store, template, complete_case, 5)
    seen = _statements(store, lambda: summarise(store, template))
    reads_findings = [s for s in seen if "FROM findings" in s or "JOIN findings" in s]
    assert not reads_findings, reads_findings  # one row per completed case, not its findings


@pytest.fixture
def many_cases(store, template):
    for i in range(23):
        case = store.add_case(Case(reference=f"M-{i:03d}", custody_suite="Northgate"))
        for k in range(i % 4):
            store.add_finding(
                Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note=f"n{k} of M-{i:03d}")
            )
    return store


def _rows(data) -> list[dict[str, list[list]]]:
    return [{name: rows for name, rows in chunk.items()} for chunk in data]


@pytest.mark.parametrize("redact", [False, True])
def test_prefetched_rows_are_the_rows_read_in_place(many_cases, template, redact):
    """The reading thread's rows are the same, redaction and the store's recorder zone included
    (both were once lost on its own connection: a camera named after the custody number and
    recorded times in the default zone leaked into the workbook)."""
    from datetime import datetime, timezone

    from cctv_review.domain import Clip

    store = many_cases
    store.set_time_zone("America/New_York")
    case = store.list_cases()[0]
    clip = store.add_clip(
        Clip(
            case_id=case.id,
            path="/footage/M-000/M-000_cell.mp4",
            camera="M-000_cell",  # as older versions named a camera after its file
            recorded_start=datetime(2026, 3, 14, 22, 0, tzinfo=timezone.utc),
            duration_ms=60_000,
        )
    )
    store.add_finding(
        Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, clip_id=clip.id, position_ms=5000)
    )
    data = build_streaming(store, template, chunk=5, redact=redact)
    in_place = _rows(chunk_rows(data))
    ahead = _rows(chunk_rows(data, prefetch=True))
    assert len(in_place) == 5 and ahead == in_place
    # Large exports read in a process of their own: the same rows, pickled across.
    assert _rows(stream.read_in_process(data.cases, store.path)) == in_place
    assert sum(len(c["findings"]) for c in ahead) == sum(i % 4 for i in range(23)) + 1
    text = str(ahead)
    assert "EDT" in text  # 22:00 UTC on 14 March 2026 is 18:00 EDT in New York
    assert ("M-000_cell" in text) is not redact


def test_the_exports_read_a_chunk_at_a_time_and_the_reader_stays_two_chunks_ahead(
    many_cases, template, tmp_path, monkeypatch
):
    asked: list[int] = []
    original = stream.LazyCases.details

    def details(self, ids):
        asked.append(len(ids))
        return original(self, ids)

    monkeypatch.setattr(stream.LazyCases, "details", details)
    monkeypatch.setattr(
        stream.build_streaming, "__kwdefaults__", {**stream.build_streaming.__kwdefaults__, "chunk": 4}
    )
    data = build_streaming(many_cases, template)
    reader = chunk_rows(data, prefetch=True)
    assert next(reader)["cases"]
    # The reader may hold the chunk handed over, two queued and one waiting to be queued: 4 of 6.
    deadline = threading.Event()
    for _ in range(100):
        if len(asked) >= 1 + stream.PREFETCH + 1:
            break
        deadline.wait(0.01)
    deadline.wait(0.2)  # time to run further ahead, were it not bounded
    assert len(asked) == 1 + stream.PREFETCH + 1 < 6, asked
    reader.close()
    asked.clear()
    export(many_cases, template, "xlsx", tmp_path / "all.xlsx")
    export(many_cases, template, "pdf", tmp_path / "all.pdf")
    assert len(asked) == 6 + 2 * 6 and max(asked) == 4  # 6 chunks of at most 4; the PDF reads them twice


def test_a_reading_process_that_fails_stops_the_export_with_a_message(many_cases, template, tmp_path):
    from cctv_review.export.errors import ExportError

    data = build_streaming(many_cases, template, chunk=5)
    with pytest.raises(ExportError, match="reading the cases"):
        list(stream.read_in_process(data.cases, tmp_path / "no-such-store.sqlite"))


def test_an_error_while_reading_ahead_reaches_the_writer():
    def failing() -> Iterator[int]:
        yield 1
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for item in prefetched(failing):
            got.append(item)
    assert got == [1]


def test_the_reading_thread_stops_when_the_writer_stops():
    produced: list[int] = []

    def endless() -> Iterator[int]:
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    items = prefetched(endless, depth=2)
    assert next(items) == 0
    items.close()  # the writer gave up (an error, a cancelled export)
    assert threading.active_count() == before
    count = len(produced)
    assert count <= 5  # never ran far ahead
    assert len(produced) == count  # and stopped


def test_the_usual_case_list_order_is_read_from_an_index(store):
    store.import_cases([Case(reference=f"I-{i:03d}") for i in range(30)])
    conn = store.db.conn
    for column, status in ((2, None), (3, "complete"), (2, "in_progress")):
        seen: list[str] = []
        conn.set_trace_callback(seen.append)
        case_query.case_ids(conn, CaseFilter(status=status), column)
        conn.set_trace_callback(None)
        plan = conn.execute("EXPLAIN QUERY PLAN " + seen[-1]).fetchall()
        assert not any("TEMP B-TREE" in row[-1] for row in plan), (seen[-1], plan)


def test_full_width_formula_characters_are_quoted_in_the_workbook(store, template, tmp_path):
    case = store.add_case(Case(reference="FW-1"))
    for note in ("＝1+1", "＋1", "－1", "＠SUM(A1)"):
        store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note=note))
    [path] = export(store, template, "xlsx", tmp_path / "fw.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(path)["Findings"]
    header = [c.value for c in ws[1]]
    column = ws.iter_cols(min_col=header.index("Note") + 1, max_col=header.index("Note") + 1)
    notes = {c.value: c for c in next(column)[1:]}
    assert set(notes) == {"＝1+1", "＋1", "－1", "＠SUM(A1)"}
    assert all(cell.quotePrefix for cell in notes.values())  # shown and kept as text, never a formula
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and all("<f>" not in z.read(n).decode() for n in sheets)


def test_an_export_records_the_trails_head_outside_the_store(store, template, tmp_path):
    """Issue 12: every export records the trail's head (count and hash) outside the store, as an
    anchor that ``audit verify`` checks (here before the store is closed, which records one too)."""
    from cctv_review import audit as audit_chain
    from cctv_review import audit_keys

    store.add_case(Case(reference="A-1"))
    before = len(audit_keys.load_anchors(store._key))
    export(store, template, "xlsx", tmp_path / "a.xlsx")
    anchors = audit_keys.load_anchors(store._key)
    assert len(anchors) == before + 1
    assert anchors[-1].reason == "export (xlsx)"
    assert anchors[-1].count == audit_chain.head(store.db)[0]  # the export's own entry included
