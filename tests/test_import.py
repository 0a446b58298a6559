from datetime import date

import pytest

from cctv_review.cli import main
from cctv_review.domain import Case
from cctv_review.importer import CaseImportError, import_cases_csv
from cctv_review.store import Store

GOOD = (
    "Custody record number,Custody suite,Date,Child,Use of force,Strip search,Reviewer,Officer notes\r\n"
    "NG/00123/26,Northgate,05/03/2026,yes,N,,Amy,ignored\r\n"
    "NG/00124/26,Northgate,2026-03-06,no,Y,x,,\r\n"
    "\r\n"
    "SB/00001/26,Southbank – Café St,7 Mar 2026,,,,Bob,\r\n"
)


def test_good_file_with_bom_from_excel(store, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode("utf-8"))
    parsed = import_cases_csv(store, path)
    assert parsed.warnings == ["Column 'Officer notes' is not used."]
    cases = {c.reference: c for c in store.list_cases()}
    assert set(cases) == {"NG/00123/26", "NG/00124/26", "SB/00001/26"}
    first = cases["NG/00123/26"]
    assert first.detention_date == date(2026, 3, 5)  # day first, as UK spreadsheets write it
    assert first.child and not first.use_of_force and first.reviewer == "Amy"
    assert cases["NG/00124/26"].use_of_force and cases["NG/00124/26"].strip_search
    assert cases["SB/00001/26"].custody_suite == "Southbank – Café St"
    assert store.audit_rows()[-1]["action"] == "cases.imported"


def test_windows_1252_and_semicolons(store, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes("reference;suite;date\nA1;Caf\xe9 Road;01.02.2026\n".encode("cp1252"))
    import_cases_csv(store, path)
    case = store.case_by_reference("A1")
    assert case.custody_suite == "Café Road" and case.detention_date == date(2026, 2, 1)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(store, tmp_path):
    store.add_case(Case(reference="OLD-1"))
    path = tmp_path / "bad.csv"
    path.write_text(
        "reference,date,child\n"
        "OK-1,2026-01-01,no\n"  # line 2: fine
        "OK-2,31/02/2026,no\n"  # line 3: no such date
        ",2026-01-01,no\n"  # line 4: no reference
        "OK-1,2026-01-02,no\n"  # line 5: duplicate of line 2
        "OK-3,01/02/26,maybe\n"  # line 6: two-digit year and a bad flag
        "OLD-1,,\n"  # line 7: already in the store
        "OK-4,2026-01-03,no,extra\n",  # line 8: too many values
        encoding="utf-8",
    )
    with pytest.raises(CaseImportError) as info:
        import_cases_csv(store, path)
    problems = info.value.problems
    assert problems[0].startswith("line 3: detention date '31/02/2026' is not a date")
    assert problems[1] == "line 4: the case reference is empty."
    assert problems[2] == "line 5: reference OK-1 is also on line 2."
    assert problems[3].startswith("line 6: detention date '01/02/26' has a two-digit year")
    assert problems[4] == "line 6: child 'maybe' is not yes or no."
    assert problems[5] == "line 7: a case with reference OLD-1 is already in the store."
    assert problems[6].startswith("line 8: has 4 values")
    assert len(problems) == 7
    assert "Nothing was imported" in str(info.value)
    assert [c.reference for c in store.list_cases()] == ["OLD-1"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty."),
        (b"suite,date\nNorth,2026-01-01\n", "no case reference column"),
        (b"reference\n", "header but no cases"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
    ],
)
def test_unusable_files(store, tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CaseImportError, match=message):
        import_cases_csv(store, path)


def test_cli_import(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["--db", str(db), "import-cases", str(good)]) == 0
    assert "Imported 3 cases" in capsys.readouterr().out
    assert main(["--db", str(db), "import-cases", str(good)]) == 2
    err = capsys.readouterr().err
    assert "line 2: a case with reference NG/00123/26 is already in the store" in err
    assert main(["--db", str(db), "import-cases", str(tmp_path / "missing.csv")]) == 2
    assert "was not found" in capsys.readouterr().err
    with Store(db) as s:
        assert len(s.list_cases()) == 3


# -- strict parsing: what a spreadsheet can smuggle in ------------------------------------


def _problems(store, tmp_path, raw: bytes) -> list[str]:
    path = tmp_path / "strict.csv"
    path.write_bytes(raw)
    with pytest.raises(CaseImportError) as info:
        import_cases_csv(store, path)
    assert store.list_cases() == []
    return info.value.problems


def test_an_unbalanced_quote_is_an_error_with_its_line(store, tmp_path):
    problems = _problems(store, tmp_path, b'reference,suite\nA-1,North\nA-2,"South\nA-3,West\nA-4,East\n')
    assert any(p.startswith("line 3:") and "quote" in p for p in problems), problems


def test_nul_anywhere_is_refused_with_its_line(store, tmp_path):
    body = "".join(f"R-{i:05},Northgate\n" for i in range(400)).encode()
    assert len(body) > 4096
    problems = _problems(store, tmp_path, b"reference,suite\n" + body + b"R-X,No\x00rth\n")
    assert any(p.startswith("line 402:") and "NUL" in p for p in problems), problems


@pytest.mark.parametrize(
    "cell, words",
    [
        ("North\x1b[31mgate", "control character"),
        ("CR\u200b-1", "invisible"),
        ("CR\u202e-1", "invisible"),
    ],
)
def test_control_and_invisible_characters_are_refused_with_their_line(store, tmp_path, cell, words):
    problems = _problems(store, tmp_path, f"reference,suite\nOK-1,North\nX-2,{cell}\n".encode())
    assert any(p.startswith("line 3:") and words in p for p in problems), problems
    problems = _problems(store, tmp_path, f"reference,suite\n{cell},North\n".encode())
    assert any(p.startswith("line 2:") and words in p for p in problems), problems


def test_text_is_nfc_normalised(store, tmp_path):
    path = tmp_path / "nfc.csv"
    path.write_bytes("reference,suite\nCAFE\u0301-1,Cafe\u0301 Road\n".encode())
    import_cases_csv(store, path)
    case = store.list_cases()[0]
    assert case.reference == "CAF\u00c9-1" and case.custody_suite == "Caf\u00e9 Road"


def test_references_differing_only_by_invisible_characters_cannot_both_exist(store):
    from cctv_review.store import StoreError

    store.add_case(Case(reference="CR-1"))
    with pytest.raises(StoreError, match="invisible"):
        store.add_case(Case(reference="CR\u200b-1"))
    with pytest.raises(StoreError, match="already in the store"):
        store.add_case(Case(reference="CR-1\u00a0"))
    assert [c.reference for c in store.list_cases()] == ["CR-1"]
