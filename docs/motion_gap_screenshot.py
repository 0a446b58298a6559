"""Make docs/motion-gap.png: the workspace playing a motion-triggered clip across its gap.

Builds a throw-away store with one case and the motion-gap clip of the tests
(10 s recorded at 25 fps, 50 s with no frames, 10 s recorded; made with the
ffmpeg CLI by tests/video/video_clipmaker.py), opens the main window, plays
from 0:00:08 at 8x across the gap and grabs the window just after it, with
the gap drawn on the timeline and the status bar's notice.  Run it on a
display, e.g. ``xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python
docs/motion_gap_screenshot.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "video"))

import video_clipmaker  # type: ignore[import-not-found]  # noqa: E402  (on the path set above)

from cctv_review.clips import add_clip_file  # noqa: E402
from cctv_review.domain import Case  # noqa: E402
from cctv_review.store import Store  # noqa: E402
from cctv_review.template import load_template  # noqa: E402


def main(out: Path = ROOT / "docs" / "motion-gap.png") -> None:
    folder = Path(tempfile.mkdtemp(prefix="motion-gap-"))
    os.environ["CCTV_REVIEW_KEY_DIR"] = str(folder / "keys")  # never the real keyring
    os.environ["CCTV_REVIEW_LOG_DIR"] = str(folder / "logs")
    clip_path = video_clipmaker.make_kind(folder, "motion_gaps")
    store = Store(folder / "review.sqlite", user="reviewer1")
    case = store.add_case(Case(reference="CR-2026-0142", custody_suite="Northgate", reviewer="reviewer1"))
    assert case.id is not None
    add_clip_file(
        store,
        case.id,
        clip_path,
        "Cell 2 (motion-triggered)",
        datetime(2026, 3, 14, 22, 41, 5, tzinfo=timezone.utc),
    )

    from PySide6.QtWidgets import QApplication

    from cctv_review.ui.app import make_app
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    make_app([])
    session = ReviewSession(store, load_template(), stills_dir=folder / "stills")
    window = MainWindow(session, restore=False)
    window.resize(1400, 860)
    window.show()
    window.open_case(case.id)

    def wait(condition: Callable[[], bool], seconds: float = 30.0) -> None:
        end = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the window did not get there")
            QApplication.processEvents()
            time.sleep(0.01)

    player = window.player
    wait(lambda: player.opened and player.surface.image is not None)
    wait(lambda: not window.footage.scans and bool(player.scores))  # the activity strip
    player.seek(8_000)
    wait(lambda: player.position_ms == 8_000 and player.player.last_frame is not None)
    player.set_speed(8.0)
    player.play()
    wait(lambda: player.position_ms >= 61_000)
    wait(lambda: player.position_ms >= 61_500 or not player.playing, 5.0)
    window.grab().save(str(out))
    print(f"{out}: status bar says {window.statusBar().currentMessage()!r}")
    window.shutdown()
    store.close()


if __name__ == "__main__":
    main()
