"""One rule for recorded time: a finding's recorded time is the same string in the findings list, a
still's caption, the CSV, the workbook and the PDF, in winter, in summer, across both clock changes
(including the hour that happens twice), and after a clock correction."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cctv_review.domain import Case, Clip, Finding, FindingLevel
from cctv_review.export import export
from cctv_review.recorded_time import clip_recorded_at
from cctv_review.video.still import caption_lines

UTC = timezone.utc

#: name -> (clip's recorded start in UTC, positions of its findings in ms, what each must read)
SCENARIOS = {
    "winter": (datetime(2026, 1, 10, 14, 5, tzinfo=UTC), [65_250], ["2026-01-10 14:06:05 GMT"]),
    # The still said "Recorded 2026-07-11 23:59:47 UTC" where the rest said 00:59:47 BST.
    "summer": (datetime(2026, 7, 11, 23, 59, tzinfo=UTC), [47_000], ["2026-07-12 00:59:47 BST"]),
    # Clocks go forward at 01:00 GMT on 29 March 2026: 00:59 GMT is followed by 02:00 BST.
    "spring change": (
        datetime(2026, 3, 29, 0, 50, tzinfo=UTC),
        [5 * 60_000, 15 * 60_000],
        ["2026-03-29 00:55:00 GMT", "2026-03-29 02:05:00 BST"],
    ),
    # Clocks go back at 02:00 BST on 25 October 2026: 01:30 happens twice.
    "autumn change": (
        datetime(2026, 10, 25, 0, 15, tzinfo=UTC),
        [15 * 60_000, 75 * 60_000],
        ["2026-10-25 01:30:00 BST", "2026-10-25 01:30:00 GMT"],
    ),
}


def _store_with(store, start: datetime, positions: list[int], offset_ms: int = 0):
    case = store.add_case(Case(reference="CR-RT-1"))
    clip = store.add_clip(
        Clip(
            case_id=case.id,
            path="/footage/cell4.mp4",
            camera="Cell 4",
            recorded_start=start,
            duration_ms=7_200_000,
        )
    )
    for i, ms in enumerate(positions):
        store.add_finding(
            Finding(
                case_id=case.id,
                clip_id=clip.id,
                position_ms=ms,
                theme="welfare",
                level=FindingLevel.SOME,
                note=f"finding {i}",
                camera=clip.camera,
                recorded_at=clip_recorded_at(clip, ms),
            )
        )
    if offset_ms:
        clip = store.set_clock_offset(clip.id, offset_ms)
    return case, clip


def _everywhere(store, template, tmp_path, clip: Clip, positions: list[int], qtbot) -> dict[str, list[str]]:
    """Each finding's recorded time as the findings list, a still caption, CSV, XLSX and PDF write it."""
    from cctv_review.ui.findings import FindingsPanel
    from cctv_review.ui.services import ReviewSession

    session = ReviewSession(store, template)
    session.open_case(clip.case_id)
    panel = FindingsPanel(session)
    qtbot.addWidget(panel)
    column = FindingsPanel.COLUMNS.index("Recorded time")
    by_note = {
        panel.tree.topLevelItem(i).text(4): panel.tree.topLevelItem(i)
        for i in range(panel.tree.topLevelItemCount())
    }
    gui = [by_note[f"finding {i}"].text(column) for i in range(len(positions))]
    assert all(by_note[f"finding {i}"].text(1) == "Cell 4" for i in range(len(positions)))  # camera column

    caption = []
    for ms in positions:
        line = caption_lines(
            case_reference="CR-RT-1",
            camera=clip.camera,
            clip_ms=ms,
            recorded_at=session.recorded_at(session.clip(clip.id), ms),
            time_zone=session.zone(),
        )[1]
        caption.append(line.split("Recorded ", 1)[1])

    export(store, template, "csv", tmp_path / "csv")
    with open(tmp_path / "csv" / "findings.csv", encoding="utf-8-sig", newline="") as handle:
        rows = {r["note"]: r for r in csv.DictReader(handle)}
    csv_times = [rows[f"finding {i}"]["recorded_at"] for i in range(len(positions))]
    assert all(rows[f"finding {i}"]["camera"] == "Cell 4" for i in range(len(positions)))

    [xlsx] = export(store, template, "xlsx", tmp_path / "r.xlsx")
    ws = load_workbook(xlsx)["Findings"]
    header = [c.value for c in ws[1]]
    xrows = {r[header.index("Note")]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    xlsx_times = [
        xrows[f"finding {i}"][header.index("Recorded time (recorder clock)")] for i in range(len(positions))
    ]
    assert all(xrows[f"finding {i}"][header.index("Camera")] == "Cell 4" for i in range(len(positions)))

    [pdf] = export(store, template, "pdf", tmp_path / "r.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(str(pdf)).pages)
    return {"gui": gui, "caption": caption, "csv": csv_times, "xlsx": xlsx_times, "pdf_text": [text]}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_one_findings_recorded_time_is_the_same_string_everywhere(name, store, template, tmp_path, qtbot):
    start, positions, expected = SCENARIOS[name]
    _case, clip = _store_with(store, start, positions)
    seen = _everywhere(store, template, tmp_path, clip, positions, qtbot)
    for where in ("gui", "caption", "csv", "xlsx"):
        assert seen[where] == expected, where
    for text in expected:
        assert text in seen["pdf_text"][0], text
    if name == "autumn change":
        assert len(set(expected)) == 2  # the two 01:30s stay apart in every format


@pytest.mark.parametrize(
    ("start", "offset_ms", "expected"),
    [
        # The recorder was 20 minutes slow: 00:55 GMT on the recorder is 02:15 BST in truth.
        (datetime(2026, 3, 29, 0, 50, tzinfo=UTC), 20 * 60_000, "2026-03-29 02:15:00 BST"),
        # The recorder was an hour fast across the autumn change: BST 01:30 becomes GMT 01:30... earlier.
        (datetime(2026, 10, 25, 1, 25, tzinfo=UTC), -3_600_000, "2026-10-25 01:30:00 BST"),
    ],
)
def test_a_clock_correction_moves_the_recorded_time_in_every_format(
    start, offset_ms, expected, store, template, tmp_path, qtbot
):
    positions = [5 * 60_000]
    _case, clip = _store_with(store, start, positions, offset_ms=offset_ms)
    assert store.get_finding(store.list_findings()[0].id).recorded_at == start + timedelta(
        milliseconds=positions[0] + offset_ms
    )
    seen = _everywhere(store, template, tmp_path, clip, positions, qtbot)
    for where in ("gui", "caption", "csv", "xlsx"):
        assert seen[where] == [expected], where
    assert expected in seen["pdf_text"][0]
