"""A redacted export of a case whose file names hold the custody number contains no custody number.

Every format is searched as a recipient could: CSV as text, XLSX by unzipping
it and reading every part, PDF through ``pdftotext`` (poppler) or, where that
is missing, pypdf's text and the document information.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import datetime, timezone

import pytest
from footage_helpers import make_avi

from cctv_review.clips import find_footage, scan_footage
from cctv_review.domain import Case, Clip, Finding, FindingLevel
from cctv_review.export import export
from cctv_review.export.redact import camera_leaks, redact_cameras
from cctv_review.recorded_time import zone

CUSTODY_NUMBER = "CR/2026/004217"
#: Every form the number takes in names: the digits, with and without separators.
FORMS = ["004217", "2026004217", "CR2026004217", "CR-2026-004217", CUSTODY_NUMBER]


def _text(fmt: str, written) -> str:
    if fmt == "csv":
        return "\n".join(p.read_text(encoding="utf-8-sig") for p in written)
    if fmt == "xlsx":
        with zipfile.ZipFile(written[0]) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(written[0]), "-"], check=True, capture_output=True, text=True
        ).stdout
        info = subprocess.run(["pdfinfo", str(written[0])], capture_output=True, text=True).stdout
        return text + info
    from pypdf import PdfReader

    reader = PdfReader(str(written[0]))
    return "\n".join(p.extract_text() for p in reader.pages) + str(reader.metadata)


@pytest.fixture
def leaky_case(store, tmp_path):
    """A case whose footage is named after the custody number, one clip from an older version."""
    case = store.add_case(Case(reference=CUSTODY_NUMBER, custody_suite="Northtown"))
    # Older versions named a camera after its file when none was typed:
    legacy = store.add_clip(
        Clip(
            case_id=case.id,
            path="/footage/CR-2026-004217/CR2026004217_booking.mp4",
            camera="CR2026004217_booking",
            recorded_start=datetime(2026, 3, 14, 22, 0, tzinfo=timezone.utc),
            duration_ms=60_000,
            fps=25.0,
        )
    )
    typed = store.add_clip(
        Clip(case_id=case.id, path="/footage/cell.mp4", camera="Cell 2 (CR-2026-004217)", duration_ms=60_000)
    )
    folder = tmp_path / "CR-2026-004217"
    make_avi(folder / "CR2026004217_cell.avi")
    files, _ = find_footage([folder])
    scan = scan_footage(case.id, files, zone("Europe/London"), reference=case.reference)
    (added,), _ = store.add_clips((f.clip, None) for f in scan.to_add)
    for clip in (legacy, typed, added):
        store.add_finding(
            Finding(
                case_id=case.id,
                theme="rousing",
                level=FindingLevel.SOME,
                clip_id=clip.id,
                position_ms=2000,
                note="Rousing checks were late.",
            )
        )
    return case, legacy, typed, added


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_redacted_export_holds_no_custody_number(fmt, store, template, leaky_case, tmp_path, qapp):
    _case, _legacy, _typed, added = leaky_case
    assert added.camera == "Camera 1"  # add-footage never named it after the file or its folder
    out = tmp_path / ("out" if fmt == "csv" else f"out.{fmt}")
    text = _text(fmt, export(store, template, fmt, out, redact=True))
    assert "Rousing checks were late." in text  # the learning is kept
    joined = "".join(text.split())  # the PDF wraps long words across lines
    for form in FORMS:
        assert form not in joined, f"{form!r} leaked into the redacted {fmt} export"
    assert "Camera 2" in text and "Camera 3" in text  # the leaking names, renamed per case

    plain = _text(fmt, export(store, template, fmt, tmp_path / ("plain" if fmt == "csv" else f"plain.{fmt}")))
    assert "CR2026004217_booking" in "".join(
        plain.split()
    )  # unredacted keeps what was typed (so the search can fail)


def test_which_camera_names_leak():
    assert camera_leaks("CR2026004217_booking", CUSTODY_NUMBER)
    assert camera_leaks("desk", "CR-9", "/x/desk.mp4")  # the file name itself
    assert not camera_leaks("Booking-in desk", CUSTODY_NUMBER, "/x/CR2026004217.mp4")
    assert not camera_leaks("", CUSTODY_NUMBER)
    clips = [
        Clip(case_id=1, path="/a/CR2026004217.mp4", camera="CR2026004217", id=1),
        Clip(case_id=1, path="/a/b.mp4", camera="Camera 1", id=2),
        Clip(case_id=1, path="/a/CR2026004217-2.mp4", camera="CR2026004217", id=3),
        Clip(case_id=1, path="/a/c.mp4", camera="Cell 4", id=4),
    ]
    assert redact_cameras(CUSTODY_NUMBER, clips) == {1: "Camera 2", 2: "Camera 1", 3: "Camera 2", 4: "Cell 4"}
