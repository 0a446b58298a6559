"""Exports are all-or-nothing, say what went wrong in plain words, and are audited."""

from __future__ import annotations

import errno
import json
from datetime import date

import pytest
from test_export_sample import seeded  # noqa: F401

from cctv_review.export import ExportError, export
from cctv_review.export.atomic import leftover_temporaries


def exports_in_audit(store):
    return [r for r in store.audit_rows() if r["action"] == "exported"]


def test_success_is_audited(seeded, template, tmp_path):
    store, _ = seeded
    before = len(exports_in_audit(store))
    [path] = export(store, template, "xlsx", tmp_path / "r.xlsx", date_from=date(2026, 1, 1), redact=True)
    rows = exports_in_audit(store)
    assert len(rows) == before + 1
    row = rows[-1]
    assert row["object_type"] == "export" and row["user"] == "reviewer1"
    detail = json.loads(row["detail"])
    assert detail["format"] == "xlsx" and detail["path"] == str(path.resolve())
    assert detail["cases"] == 4 and detail["redacted"] is True
    assert detail["from"] == "2026-01-01" and detail["to"] is None
    assert store.verify_audit().ok


@pytest.mark.parametrize(
    "fmt,module,function",
    [
        ("xlsx", "cctv_review.export.xlsx_export", "write_summary_sheet"),
        ("pdf", "cctv_review.export.pdf_report", "_load_still"),  # while painting the cases
    ],
)
def test_failure_mid_write_leaves_nothing(
    fmt, module, function, seeded, template, tmp_path, monkeypatch, qapp
):
    import importlib

    store, _ = seeded
    target = tmp_path / f"r.{fmt}"
    mod = importlib.import_module(module)

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(mod, function, boom)
    with pytest.raises(ExportError, match="could not be finished"):
        export(store, template, fmt, target)
    assert not target.exists()
    assert not list(leftover_temporaries(tmp_path))
    assert exports_in_audit(store) == []


def test_pdf_failure_while_writing_leaves_nothing(seeded, template, tmp_path, monkeypatch, qapp):
    """The disk fills while the PDF's temporary file is being written."""
    from cctv_review.export import pdf_report

    store, _ = seeded
    target = tmp_path / "r.pdf"
    real_save = pdf_report.write_atomically
    partial = []

    def fill_disk(out, save):
        def failing(temporary):
            with open(temporary, "wb") as handle:
                handle.write(b"%PDF-1.4 partial")
            partial.append(temporary)
            raise OSError(errno.ENOSPC, "No space left on device")

        return real_save(out, failing)

    monkeypatch.setattr(pdf_report, "write_atomically", fill_disk)
    with pytest.raises(ExportError, match="disk is full"):
        export(store, template, "pdf", target)
    assert partial and not partial[0].exists()
    assert not target.exists() and not list(leftover_temporaries(tmp_path))


def test_failure_while_saving_keeps_the_previous_file(seeded, template, tmp_path, monkeypatch):
    """The temporary is half-written when the save fails; the earlier export stays intact."""
    from cctv_review.export import xlsx_package

    store, _ = seeded
    target = tmp_path / "r.xlsx"
    export(store, template, "xlsx", target)
    good = target.read_bytes()

    def half_save(self):  # the sheets are in the temporary; the workbook's last parts are not
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsx_package.Package, "close", half_save)
    with pytest.raises(ExportError, match="disk is full"):
        export(store, template, "xlsx", target)
    assert target.read_bytes() == good
    assert not list(leftover_temporaries(tmp_path))
    assert len(exports_in_audit(store)) == 1


def test_csv_failure_on_a_later_file_writes_none(seeded, template, tmp_path, monkeypatch):
    from cctv_review.export import csv_export

    store, _ = seeded
    out = tmp_path / "csv"
    real = csv_export.write_table
    calls = []

    def third_fails(path, table):
        calls.append(path)
        real(path, table)
        if len(calls) == 3:
            raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(csv_export, "write_table", third_fails)
    with pytest.raises(ExportError, match="permission was refused"):
        export(store, template, "csv", out)
    assert len(calls) == 3
    assert not out.exists()  # the folder it made is removed again, with no files left in it


def test_audit_failure_removes_the_export(seeded, template, tmp_path, monkeypatch):
    from cctv_review.store import StoreError

    store, _ = seeded

    def refuse(*args, **kwargs):
        raise StoreError("the database is locked")

    monkeypatch.setattr(store, "audit", refuse)
    with pytest.raises(ExportError, match="audit trail"):
        export(store, template, "xlsx", tmp_path / "r.xlsx")
    assert not (tmp_path / "r.xlsx").exists()


def test_plain_messages_for_bad_requests(seeded, template, tmp_path):
    store, _ = seeded
    with pytest.raises(ExportError, match="not an export format"):
        export(store, template, "docx", tmp_path / "x")
    with pytest.raises(ExportError, match="back to front"):
        export(store, template, "csv", tmp_path / "x", date_from=date(2026, 3, 1), date_to=date(2026, 1, 1))
    with pytest.raises(ExportError, match="no cases to export"):
        export(store, template, "csv", tmp_path / "x", date_from=date(2030, 1, 1))
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ExportError, match="is a file"):
        export(store, template, "csv", tmp_path / "afile")
    (tmp_path / "adir.xlsx").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        export(store, template, "xlsx", tmp_path / "adir.xlsx")
    assert not (tmp_path / "x").exists()
    assert exports_in_audit(store) == []


def test_export_error_is_user_facing():
    from cctv_review.errors import UserFacingError

    assert issubclass(ExportError, UserFacingError)


def test_progress_is_reported(seeded, template, tmp_path):
    store, _ = seeded
    seen = []
    export(store, template, "csv", tmp_path, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert all(isinstance(m, str) and m for _, m in seen)
