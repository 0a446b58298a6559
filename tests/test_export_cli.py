"""`cctv-review export` on the command line."""

from __future__ import annotations

import csv

from openpyxl import load_workbook
from test_export_sample import REFERENCES, seeded  # noqa: F401

from cctv_review.cli import main
from cctv_review.summary import summarise


def test_cli_xlsx(seeded, template, tmp_path, capsys):
    store, _ = seeded
    out = tmp_path / "out.xlsx"
    assert main(["--db", str(store.path), "export", "--format", "xlsx", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb["Summary"]["A1"].value == summarise(store, template).headline
    assert [r[0].value for r in wb["Cases"].iter_rows(min_row=2)] == REFERENCES
    assert any(r["action"] == "exported" for r in store.audit_rows())


def test_cli_csv_with_range_and_redaction(seeded, template, tmp_path, capsys):
    store, _ = seeded
    out = tmp_path / "csv"
    code = main(
        [
            "--db",
            str(store.path),
            "export",
            "--format",
            "csv",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-31",
            "--redact",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    for name in ("cases.csv", "findings.csv", "answers.csv", "summary.csv"):
        assert f"Wrote {out / name}" in printed
    with open(out / "cases.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 and all(r["pseudonym"].startswith("CASE-") for r in rows)
    assert "CR/2026" not in (out / "cases.csv").read_text(encoding="utf-8-sig")


def test_cli_reports_an_export_error_plainly(seeded, tmp_path, capsys):
    store, _ = seeded
    code = main(
        ["--db", str(store.path), "export", "--format", "csv", "--from", "2031-01-01", str(tmp_path / "x")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("cctv-review: There are no cases to export") and "Traceback" not in err
