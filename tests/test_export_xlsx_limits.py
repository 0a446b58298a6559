"""XLSX export: characters Excel cannot hold and text over its cell limit (issue 12, Faults)."""

from __future__ import annotations

from openpyxl import load_workbook

from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.export import export
from cctv_review.export.xlsx_export import MAX_CELL_CHARS


def rows(ws):
    header = [c.value for c in ws[1]]
    return header, [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_control_characters_are_replaced_and_reported_by_cell_and_case(store, template, tmp_path):
    case = store.add_case(Case(reference="CR-CTRL", outcome_rationale=""))
    store.add_finding(
        Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note="bell\x01rang\x1f twice")
    )
    notices: list[str] = []
    [path] = export(store, template, "xlsx", tmp_path / "ctrl.xlsx", notices=notices)
    wb = load_workbook(path)
    header, findings = rows(wb["Findings"])
    note = findings[0][header.index("Note")]
    assert note == "bell\ufffdrang\ufffd twice"
    letter = "ABCDEFGHIJ"[header.index("Note")]
    assert len(notices) == 1
    assert f"Findings sheet, cell {letter}2" in notices[0] and "CR-CTRL" in notices[0]
    assert "U+0001" in notices[0] and "U+001F" in notices[0]
    summary = [r[0] for r in wb["Summary"].iter_rows(values_only=True)]
    assert "Notes on this workbook" in summary and notices[0] in summary


def test_a_note_over_the_cell_limit_continues_in_the_next_rows(store, template, tmp_path):
    case = store.add_case(Case(reference="CR-LONG"))
    other = store.add_case(Case(reference="CR-NEXT"))
    text = "".join(f"{i:06d} " for i in range(11_000))  # 77,000 characters: three cells
    store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note=text))
    store.add_finding(Finding(case_id=other.id, theme="release", level=FindingLevel.NONE, note="short"))
    notices: list[str] = []
    [path] = export(store, template, "xlsx", tmp_path / "long.xlsx", notices=notices)
    header, findings = rows(load_workbook(path)["Findings"])
    col = header.index("Note")
    letter = "ABCDEFGHIJ"[col]
    pieces = [r[col] for r in findings[:3]]
    assert all(len(p) <= MAX_CELL_CHARS for p in pieces)
    assert pieces[0].endswith(f"continued in {letter}3]") and "32,767" in pieces[0]
    assert pieces[1].startswith(f"[…continued from {letter}2] ") and pieces[1].endswith(
        f"continued in {letter}4]"
    )
    assert pieces[2].startswith(f"[…continued from {letter}3] ")
    # The pieces, without the markers, are the whole note: nothing is lost.
    joined = pieces[0][: pieces[0].rindex(" [")]
    joined += pieces[1][pieces[1].index("] ") + 2 : pieces[1].rindex(" [")]
    joined += pieces[2][pieces[2].index("] ") + 2 :]
    assert joined == text
    assert [r[0] for r in findings] == ["CR-LONG", "CR-LONG", "CR-LONG", "CR-NEXT"]  # rows keep their case
    assert findings[3][col] == "short"
    assert (
        len(notices) == 1 and "CR-LONG" in notices[0] and f"continued in {letter}3 to {letter}4" in notices[0]
    )


def test_the_command_line_prints_where_characters_were_replaced(tmp_path, template, capsys):
    from cctv_review.cli import main
    from cctv_review.store import Store

    db = tmp_path / "cli.sqlite"
    with Store(db) as store:
        case = store.add_case(Case(reference="CR-CLI"))
        store.add_finding(Finding(case_id=case.id, theme="welfare", level=FindingLevel.SOME, note="a\x02b"))
    assert main(["export", "--db", str(db), "--format", "xlsx", str(tmp_path / "out.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "Wrote " in out
    [note] = [line for line in out.splitlines() if line.startswith("Note: ")]
    assert "Findings sheet, cell" in note and "CR-CLI" in note and "U+0002" in note
