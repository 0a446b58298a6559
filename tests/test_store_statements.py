"""SQL statements per Store write, counted with a sqlite3 trace callback: few, and the same at any size.

BEGIN IMMEDIATE, the one write (returning the rows it wrote), the audit entry (one INSERT, whose
append-only trigger the trace reports as a statement of its own) and COMMIT: five.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel
from cctv_review.store import CaseLocked, NotFound, Store


def _count(store: Store, write: Callable[[], Any]) -> int:
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    try:
        write()
    finally:
        store.db.conn.set_trace_callback(None)
    return len(statements)


def _costs(tmp_path, template, answer_all, cases: int) -> dict[str, int]:
    with Store(tmp_path / f"s{cases}.sqlite", user="reviewer1") as store:
        store.import_cases([Case(reference=f"CR-{i:05d}") for i in range(cases)])
        case = store.case_by_reference("CR-00000")
        assert case is not None and case.id is not None
        cid = case.id
        costs = {
            "first change to a not-started case": _count(
                store, lambda: store.set_answer(cid, "footage.complete", "yes", template)
            ),
            "add finding": _count(
                store, lambda: store.add_finding(Finding(case_id=cid, theme="uof", level=FindingLevel.SOME))
            ),
            "save answer": _count(store, lambda: store.set_answer(cid, "footage.complete", "no", template)),
            "clear answer": _count(store, lambda: store.set_answer(cid, "footage.complete", None, template)),
        }
        answer_all(store, template, cid)
        costs["set outcome"] = _count(
            store, lambda: store.set_outcome(cid, LearningLevel.SOME, "Late checks.")
        )
        costs["complete case"] = _count(store, lambda: store.complete_case(cid, template))
        costs["reopen case"] = _count(store, lambda: store.reopen_case(cid, "typo"))
        finding = store.list_findings(cid)[0]
        assert finding.id is not None
        costs["attach still"] = _count(store, lambda: store.update_finding(finding.id, still_path="s.png"))
        costs["unchanged field"] = _count(store, lambda: store.update_finding(finding.id, still_path="s.png"))
        costs["delete finding"] = _count(store, lambda: store.delete_finding(finding.id))
        assert store.verify_audit().ok, store.verify_audit()
    return costs


def test_each_write_costs_five_statements_at_10_and_1000_cases(tmp_path, template, answer_all):
    small = _costs(tmp_path, template, answer_all, 10)
    large = _costs(tmp_path, template, answer_all, 1000)
    assert small == large, (small, large)
    assert small.pop("first change to a not-started case") == 6  # it also moves the case to in progress
    assert small.pop("unchanged field") == 4  # BEGIN, the UPDATE (no row), the read, COMMIT
    assert small.pop("complete case") == 6  # it also writes the case's summary figures (case_figures)
    assert set(small.values()) == {5}, small


def test_the_cheap_writes_still_refuse_a_completed_case_and_a_missing_row(store, template, answer_all):
    case = store.add_case(Case(reference="CR-1"))
    finding = store.add_finding(Finding(case_id=case.id, theme="uof", level=FindingLevel.SOME))
    answer_all(store, template, case.id)
    store.set_outcome(case.id, LearningLevel.SOME, "Late checks.")
    store.complete_case(case.id, template)
    entries = len(store.audit_rows())
    for write in (
        lambda: store.update_finding(finding.id, still_path="s.png"),
        lambda: store.update_finding(finding.id, note="n", theme="t"),
        lambda: store.delete_finding(finding.id),
        lambda: store.add_finding(Finding(case_id=case.id, theme="uof", level=FindingLevel.SOME)),
        lambda: store.set_answer(case.id, "footage.complete", "no", template),
        lambda: store.set_answer(case.id, "footage.complete", None, template),
        lambda: store.set_outcome(case.id, LearningLevel.NONE, "x"),
    ):
        with pytest.raises(CaseLocked):
            write()
    with pytest.raises(NotFound):
        store.update_finding(finding.id + 99, still_path="s.png")
    with pytest.raises(NotFound):
        store.add_finding(Finding(case_id=case.id + 99, theme="uof", level=FindingLevel.SOME))
    assert len(store.audit_rows()) == entries and store.verify_audit().ok
