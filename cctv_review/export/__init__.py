"""Exports: CSV files, an Excel workbook and a printable PDF report.

Plain Python (the PDF uses Qt's painting classes but no widgets)::

    from cctv_review.export import export, ExportError
    paths = export(store, template, "xlsx", "review.xlsx", date_from=date(2026, 1, 1), redact=True)

``fmt`` is ``"csv"``, ``"xlsx"`` or ``"pdf"``:

* **csv**: ``out`` is a folder (created if missing) that receives
  ``cases.csv``, ``findings.csv``, ``answers.csv``, ``summary.csv`` and
  ``questions.csv``
  (see :mod:`cctv_review.export.csv_export` for the BOM, CRLF and formula
  rules).
* **xlsx**: ``out`` is the workbook file; ``.xlsx`` is added when missing
  (:mod:`cctv_review.export.xlsx_export`).
* **pdf**: ``out`` is the report file; ``.pdf`` is added when missing
  (:mod:`cctv_review.export.pdf_report`).  Works without a display.

The CSV export reads the selection into memory (:func:`cctv_review.export.tabular.build`);
the workbook and the report read it a chunk of cases at a time
(:mod:`cctv_review.export.stream`) and write as they go, so their memory stays
bounded at any number of cases.

The selection is the date range (on detention date, both ends included)
and/or ``case_ids``, the same as :func:`cctv_review.summary.summarise`, so the
exported figures are the summary's.  An empty selection is refused with a
plain message rather than writing a report that says "no cases".
``redact=True`` leaves out personal identifiers
(:mod:`cctv_review.export.redact`).  ``progress``, when given, is called as
``progress(fraction, message)`` with ``fraction`` from 0 to 1.

Every file is written to a temporary file beside it and renamed into place
(:mod:`cctv_review.export.atomic`), so a failure never leaves a half-written
file.  Each successful export is recorded in the audit trail as
``exported`` / ``export`` with the format, path, number of cases, whether it
was redacted and the date range; if that record cannot be written, the export
is removed again and :class:`ExportError` is raised, so there is never an
export the audit trail does not know about.

All failures the user can do something about raise :class:`ExportError` with a
plain-language message.  Returns the paths written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from cctv_review.export.errors import ExportError

log = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "pdf")
FORMAT_LABELS = {"csv": "CSV files", "xlsx": "Excel workbook", "pdf": "PDF report"}

ProgressCallback = Callable[[float, str], None]

__all__ = ["FORMATS", "FORMAT_LABELS", "ExportError", "destination", "export"]


def destination(fmt: str, out: str | Path) -> Path:
    """Where an export in ``fmt`` will go: the folder for CSV, the file (with extension) otherwise."""
    out = Path(out).expanduser()
    if fmt == "csv":
        return out
    suffix = "." + fmt
    if out.suffix.lower() != suffix:
        out = out.with_name(out.name + suffix)
    return out


def _prepare_folder(folder: Path) -> list[Path]:
    """Create ``folder`` (and missing parents); returns those created, deepest first."""
    created = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        created.append(probe)
        probe = probe.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ExportError(f"{folder} is a file, not a folder. Choose a folder for the export.") from None
    except OSError as exc:
        from cctv_review.export.atomic import describe_os_error

        raise ExportError(describe_os_error(exc, folder)) from exc
    return created


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


def export(
    store,
    template,
    fmt: str,
    out: str | Path,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    case_ids: Iterable[int] | None = None,
    redact: bool = False,
    progress: ProgressCallback | None = None,
    notices: list[str] | None = None,
    areas_for_improvement: bool = False,
    exclude_case_ids: Iterable[int] = (),
) -> list[Path]:
    """Export the selected cases in ``fmt`` to ``out``; returns the paths written.

    ``exclude_case_ids``: cases left out whatever the selection, with a notice
    saying how many: a blind second reviewer's unfinished cases
    (:func:`cctv_review.team.blind_case_ids`), whose first review must not leave
    the database through them.

    Every format also carries the supervisor's figures over the selection
    (:mod:`cctv_review.export.figures`: how each question was answered, the
    agreement between first and second reviews); ``areas_for_improvement``
    adds the report's "areas for improvement" page (PDF only).

    ``notices``, when given, receives plain sentences about anything the
    format made the export change, with where (an XLSX cell's characters
    replaced, a long note continued in the next rows); they are also written
    into the export itself and counted in the audit entry.
    """
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError(f"'{fmt}' is not an export format. Choose one of: {', '.join(FORMATS)}.")
    if date_from and date_to and date_from > date_to:
        raise ExportError(
            f"The date range is back to front: {date_from.isoformat()} is after {date_to.isoformat()}."
        )
    report: ProgressCallback = progress or (lambda fraction, message: None)
    target = destination(fmt, out)
    if fmt == "csv":
        if target.is_file():
            raise ExportError(f"{target} is a file. A CSV export is a folder of files: choose a folder.")
        folder = target
    else:
        if target.is_dir():
            raise ExportError(
                f"{target} is a folder. Choose a file name for the {FORMAT_LABELS[fmt].lower()}."
            )
        folder = target.parent

    report(0.0, "Reading the cases")
    case_ids = list(case_ids) if case_ids is not None else None
    excluded = set(exclude_case_ids)
    if excluded:
        from cctv_review.export.stream import selected_ids

        chosen = selected_ids(store, date_from, date_to, case_ids)
        case_ids = [i for i in chosen if i not in excluded]
        left_out = len(chosen) - len(case_ids)
        if left_out and notices is not None:
            notices.append(
                f"{left_out} case{'s' if left_out != 1 else ''} under your blind second review "
                f"{'were' if left_out != 1 else 'was'} left out: the first review stays hidden until you complete yours."
            )
    if fmt == "csv":
        from cctv_review.export.tabular import build

        data = build(store, template, date_from=date_from, date_to=date_to, case_ids=case_ids, redact=redact)
    else:  # the workbook and the report read the cases a chunk at a time (bounded memory)
        from cctv_review.export.stream import build_streaming

        data = build_streaming(
            store, template, date_from=date_from, date_to=date_to, case_ids=case_ids, redact=redact
        )
    found: list[str] = []
    if not data.cases:
        raise ExportError(f"There are no cases to export ({data.summary.scope}). Nothing was written.")
    from cctv_review.export.figures import agreement_tables, team_figures

    data.figures = team_figures(
        store, template, date_from=date_from, date_to=date_to, case_ids=case_ids, areas=areas_for_improvement
    )
    if data.figures.agreement.double_reviewed:
        data.summary_tables += agreement_tables(data.figures.agreement)

    created = _prepare_folder(folder)
    try:
        if fmt == "csv":
            from cctv_review.export.csv_export import write_csv_folder

            written = write_csv_folder(data, target, report)
        elif fmt == "xlsx":
            from cctv_review.export.xlsx_export import write_xlsx

            written = write_xlsx(data, target, report, found)
        else:
            from cctv_review.export.pdf_report import write_pdf

            written = write_pdf(data, target, report)
    except ExportError:
        _remove_empty(created)
        raise
    except Exception as exc:  # a bug or an unexpected library error: no half export, a plain message
        _remove_empty(created)
        raise ExportError(
            f"The export could not be finished ({type(exc).__name__}: {exc}). Nothing was written."
        ) from exc
    except BaseException:  # KeyboardInterrupt: the temporaries are already gone
        _remove_empty(created)
        raise

    detail = {
        "format": fmt,
        "path": str(target.resolve()),
        "files": [p.name for p in written],
        "cases": len(data.cases),
        "completed": data.summary.completed,
        "redacted": bool(redact),
        "from": date_from.isoformat() if date_from else None,
        "to": date_to.isoformat() if date_to else None,
        "selected_cases": len(case_ids) if case_ids is not None else None,
    }
    if areas_for_improvement:
        detail["areas_for_improvement"] = True
    if found:
        detail["notes"] = len(found)
    try:
        store.audit("exported", "export", "", detail)
    except Exception as exc:
        for path in written:
            try:
                path.unlink()
            except OSError:
                pass
        _remove_empty(created)
        raise ExportError(
            f"The export could not be recorded in the audit trail ({exc}), so it has been removed. "
            "Try again; if it keeps happening, check the review database."
        ) from exc
    try:  # the trail's head, recorded outside the store so that truncation is caught (audit_keys)
        store.checkpoint(f"export ({fmt})")
    except Exception as exc:  # a checkpoint is extra evidence; the export stands without it
        log.warning("Export to %s: the audit checkpoint could not be recorded: %s", target, exc)
    if notices is not None:
        notices.extend(found)
    if found:
        log.warning("Export to %s: %d notes, the first: %s", target, len(found), found[0])
    report(1.0, "Done")
    return written
