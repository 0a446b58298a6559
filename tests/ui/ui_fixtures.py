"""Fixtures for driving the real widgets offscreen: tiny clips, a case, the main window.

Not a conftest.py on purpose: tests/test_store.py imports `conftest` by name, and a second
conftest module would shadow the top-level one.  Test modules import these fixtures.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from cctv_review.clips import add_clip_file
from cctv_review.domain import Case

FPS = 10


def write_clip(path: Path, seconds: int = 14, moving: tuple[int, int] = (4, 7), size=(320, 240)) -> Path:
    """An MJPEG clip: a still scene with a square moving during ``moving`` seconds."""
    w, h = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (w, h))
    assert writer.isOpened()
    y, x = np.mgrid[0:h, 0:w]
    base = (80 + 40 * np.sin(x / 13.0) * np.cos(y / 17.0)).astype(np.uint8)
    background = cv2.merge([base, base, base])
    for i in range(seconds * FPS):
        img = background.copy()
        t = i / FPS
        if moving[0] <= t < moving[1]:
            cx = int((t - moving[0]) / (moving[1] - moving[0]) * (w - 60))
            cv2.rectangle(img, (cx, 80), (cx + 60, 140), (20, 200, 240), -1)
        cv2.putText(img, str(i), (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
        writer.write(img)
    writer.release()
    return path


@pytest.fixture(scope="session")
def clip_path(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("clips") / "cell.avi")


@pytest.fixture
def case_with_clip(store, clip_path):
    case = store.add_case(Case(reference="CR-001", custody_suite="Northgate", use_of_force=True))
    clip = add_clip_file(
        store, case.id, clip_path, "Cell 4", datetime(2026, 3, 14, 22, 0, 0, tzinfo=timezone.utc)
    )
    return case, clip


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Build real main windows on a store; they are shut down after the test."""
    from cctv_review.ui.app import make_app
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    make_app([])
    made = []

    def make(store, template, restore=True):
        session = ReviewSession(store, template, stills_dir=tmp_path / "stills")
        window = MainWindow(session, restore=restore)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.shutdown()
