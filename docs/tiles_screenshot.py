"""Make docs/side-by-side.png: four cameras of a case in a 2x2 view, in sync.

Builds a throw-away store with one case and four cameras (generated with the
ffmpeg CLI: the tests' still "cell" scene, tinted per camera, with a moving
figure and the frame-number barcode on top): Cell 4 in two files with a 15 s
gap between them, the Desk and Corridor in one file each, the Van dock
stopping early.  Opens the main window, then View > Cameras side by side >
2 × 2 (the tiles take the player's place in the workspace, the case
timeline under them), plays at 1x from inside Cell 4's gap, pauses and grabs
the whole window at 1366x768, the smallest screen the window is made for.
Run it on a display, e.g. ``xvfb-run -s "-screen 0 1366x768x24"
.venv/bin/python docs/tiles_screenshot.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "video"))

import video_clipmaker as vc  # type: ignore[import-not-found]  # noqa: E402  (on the path set above)

from cctv_review.clips import add_clip_file  # noqa: E402
from cctv_review.domain import Case  # noqa: E402
from cctv_review.store import Store  # noqa: E402
from cctv_review.template import load_template  # noqa: E402

W, H, FPS = 640, 360, 25
T0 = datetime(2026, 3, 14, 22, 40, 0, tzinfo=timezone.utc)
#: camera, tint (BGR multipliers), [(start s after T0, length s)]
CAMERAS = [
    ("Cell 4", (1.0, 1.0, 1.0), [(0, 20), (35, 25)]),
    ("Booking-in desk", (0.8, 1.0, 1.25), [(0, 60)]),
    ("Corridor", (1.2, 1.0, 0.8), [(5, 55)]),
    ("Van dock", (0.9, 1.15, 0.9), [(0, 15)]),
]


def make(path: Path, tint: tuple[float, float, float], first: int, seconds: int) -> Path:
    bg = (vc._background(W, H).astype(np.float32) * np.array(tint, dtype=np.float32)).clip(0, 255)
    bg = bg.astype(np.uint8)
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{W}x{H}"]
    cmd += [
        "-r",
        str(FPS),
        "-i",
        "-",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "50",
        "-pix_fmt",
        "yuv420p",
    ]
    proc = subprocess.Popen([*cmd, str(path)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for i in range(seconds * FPS):
        t = (first + i) / FPS
        proc.stdin.write(vc.draw_frame(first + i, W, H, moving=True, t=t, background=bg).tobytes())
    proc.stdin.close()
    assert proc.wait() == 0
    return path


def main(out: Path = ROOT / "docs" / "side-by-side.png") -> None:
    folder = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    os.environ["CCTV_REVIEW_KEY_DIR"] = str(folder / "keys")  # never the real keyring
    os.environ["CCTV_REVIEW_LOG_DIR"] = str(folder / "logs")
    store = Store(folder / "review.sqlite", user="reviewer1")
    case = store.add_case(Case(reference="CR-2026-0142", custody_suite="Northgate", reviewer="reviewer1"))
    assert case.id is not None
    for n, (camera, tint, files) in enumerate(CAMERAS):
        for start, length in files:
            path = make(folder / f"cam{n}_{start}.mp4", tint, start * FPS, length)
            add_clip_file(store, case.id, path, camera, T0 + timedelta(seconds=start))

    from PySide6.QtWidgets import QApplication

    from cctv_review.ui.app import make_app
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    make_app([])
    session = ReviewSession(store, load_template(), stills_dir=folder / "stills")
    window = MainWindow(session, restore=False)
    window.resize(1366, 768 - 24)  # a 1366x768 screen less a task bar (Xvfb has no window frame)
    window.show()
    window.open_case(case.id)

    def wait(condition: Callable[[], bool], seconds: float = 30.0) -> None:
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the window did not get there")
            QApplication.processEvents()
            time.sleep(0.01)

    wait(lambda: window.player.clip is not None)
    window.side_by_side.actions["2x2"].trigger()
    wait(lambda: window.side_by_side.showing)
    tiles = window.side_by_side.tiles
    assert tiles is not None
    view = tiles.view
    view.make_main(0)
    view.seek_time(T0 + timedelta(seconds=24))
    view.play()
    wait(lambda: view.player.engine.position_ms >= (T0 + timedelta(seconds=26.3)).timestamp() * 1000)
    view.pause()
    wait(lambda: all(view.shown(i) is not None or view.tiles[i].surface.message for i in range(4)))
    for _ in range(30):
        QApplication.processEvents()
        time.sleep(0.02)
    window.grab().save(str(out))
    print(f"{out}: " + "; ".join(view.tiles[i].surface.message or "picture" for i in range(4)))
    window.shutdown()


if __name__ == "__main__":
    main()
