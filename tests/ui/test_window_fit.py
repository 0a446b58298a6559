"""The main window fits a 1366x768 screen (issue 11 item 5), with a 1080p clip open."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect

from cctv_review.ui.window_fit import default_client_size, fitted_geometry

HELPER = Path(__file__).with_name("window_fit_helper.py")


@pytest.fixture(scope="module")
def hd_clip(tmp_path_factory) -> Path:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make the 1080p clip")
    out = tmp_path_factory.mktemp("hd") / "desk-1080p.mp4"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-t", "3",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return out


def run_on_screen(tmp_path: Path, clip: Path, width: int, height: int) -> dict:
    config = tmp_path / "screen.json"
    config.write_text(
        json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
                                 "logicalDpi": 96, "dpr": 1}]})
    )  # fmt: skip
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run(
        [sys.executable, str(HELPER), str(tmp_path), str(clip)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1])


def test_window_frame_is_inside_a_1366x768_screen_with_a_1080p_clip_open(tmp_path, hd_clip):
    result = run_on_screen(tmp_path, hd_clip, 1366, 768)
    assert result["shown"] and result["scan_seen"], result  # the clip played and its scan notice came up
    x, y, w, h = result["frame"]
    assert result["inside"], result
    assert x >= 0 and y >= 0 and x + w <= 1366 and y + h <= 768, result
    assert result["minimum"][0] < 1366 - 200, result  # room to spare, not just fitting
    # The recorded time is shown in the player, not only in the status bar.
    assert result["recorded_whole"] and result["clip_time_whole"], result  # not squeezed away
    assert result["recorded_visible"] and result["recorded"] == "Recorded " + _local(
        "2026-03-14T22:00:00+00:00"
    )
    # 768 px high: the form and the findings share tabs.
    assert result["compact"], result


def _local(iso: str) -> str:
    """The one rule for recorded times: recorder wall clock in the store's zone (default Europe/London)."""
    from datetime import datetime

    from cctv_review.recorded_time import format_recorded, zone

    return format_recorded(datetime.fromisoformat(iso), zone("Europe/London"))


def test_fitted_geometry_moves_and_cuts_the_frame_into_the_screen():
    available = QRect(0, 0, 1366, 728)  # a task bar at the bottom
    # A frame 1474x772 at (40, 30) with a 2 px border and a 23 px title bar.
    client = fitted_geometry(QRect(40, 30, 1474, 772), (2, 23, 2, 2), available)
    frame = QRect(client.x() - 2, client.y() - 23, client.width() + 4, client.height() + 25)
    assert available.contains(frame) and frame.width() == 1366 and frame.height() == 728
    # A window already inside is left where it is.
    assert fitted_geometry(QRect(10, 10, 800, 600), (0, 0, 0, 0), available) == QRect(10, 10, 800, 600)
    assert default_client_size(QRect(0, 0, 1366, 768)) == (1350, 720)
    assert default_client_size(QRect(0, 0, 2560, 1440)) == (1560, 980)


def test_side_pane_puts_form_and_findings_in_tabs_and_back(qtbot, make_window, store, template):
    window = make_window(store, template, restore=False)
    pane = window.side_pane
    pane.set_compact(True)
    assert pane.tabs.count() == 2 and pane.form.parent() is not window.side_splitter
    pane.show_findings()
    assert pane.tabs.currentWidget() is window.findings
    pane.set_compact(False)
    assert pane.tabs.count() == 0
    assert window.side_splitter.widget(0) is window.form and window.side_splitter.widget(1) is window.findings
    assert window.form.isVisibleTo(window) and window.findings.isVisibleTo(window)


from ui_fixtures import make_window  # noqa: E402, F401  (fixture)
