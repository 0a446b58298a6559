"""The picture area tells the engine its size; stills stay full resolution."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import pytest
from PySide6.QtCore import Qt
from ui_fixtures import make_window, write_clip  # noqa: F401  (fixtures)
from ui_helpers import add_finding_with_still, open_case_by_click, wait_for_frame

from cctv_review.clips import add_clip_file
from cctv_review.domain import Case

BIG = (1280, 960)


@pytest.fixture(scope="module")
def big_clip_path(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("big") / "big.avi", seconds=4, moving=(1, 3), size=BIG)


@pytest.fixture
def case_with_big_clip(store, big_clip_path):
    case = store.add_case(Case(reference="CR-BIG", custody_suite="Northgate"))
    clip = add_clip_file(
        store, case.id, big_clip_path, "Cell 9", datetime(2026, 3, 14, 22, 0, 0, tzinfo=timezone.utc)
    )
    return case, clip


def test_small_picture_area_gets_reduced_frames_but_full_resolution_stills(
    qtbot, make_window, store, template, case_with_big_clip
):
    case, clip = case_with_big_clip
    window = make_window(store, template)
    window.resize(900, 620)
    qtbot.wait(50)
    open_case_by_click(qtbot, window, "CR-BIG")
    wait_for_frame(qtbot, window, 0)
    surface = window.player.surface
    engine = window.player.player.player
    dw, dh = surface.device_size()
    assert engine.display_size == (dw, dh)
    assert min(dw / BIG[0], dh / BIG[1]) <= 0.5, (dw, dh)  # the window really is small
    window.player.seek(2000)
    wait_for_frame(qtbot, window, 2000)
    frame = window.player.player.last_frame
    assert frame.scale in (2, 4) and frame.image.shape[1] < BIG[0]
    shown = surface.image
    assert shown.width() == frame.image.shape[1]
    rect = surface.image_rect()  # aspect ratio kept (4:3)
    assert abs(rect.width() / rect.height() - 4 / 3) < 0.02

    # F, fill in, capture a still: the PNG is the full 1280x960 frame (+ caption band).
    add_finding_with_still(qtbot, window, "Still at full resolution", theme_key=Qt.Key_U)
    qtbot.waitUntil(lambda: len(store.list_findings(case.id)) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: store.list_findings(case.id)[0].still_path != "", timeout=15_000)
    (finding,) = store.list_findings(case.id)
    assert finding.position_ms == 2000
    png = cv2.imread(finding.still_path)
    assert png is not None and png.shape[1] == BIG[0] and png.shape[0] > BIG[1]
    # It is the frame on screen (frame 20 at 10 fps).
    cap = cv2.VideoCapture(str(clip.path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 19)
    refs = [cap.read()[1] for _ in range(3)]  # frames 19, 20, 21
    cap.release()
    mae = [abs(png[: BIG[1]].astype(int) - r.astype(int)).mean() for r in refs]
    assert mae[1] < 3.0 and mae[1] < mae[0] and mae[1] < mae[2], mae

    # Enlarging the picture area while paused shows the same frame at full size.
    window.resize(2600, 2000)
    qtbot.waitUntil(lambda: surface.image.width() == BIG[0], timeout=5_000)
    assert window.player.player.last_frame.index == 20 and window.player.position_ms == 2000
