"""Make docs/case-timeline.png: the player with the case timeline under it, three cameras.

Builds a throw-away store with one case: a booking-in desk camera with sound,
a corridor camera in two files (a gap between them and one inside the second,
as a motion-triggered recorder leaves), and a cell camera; small clips made
with the ffmpeg CLI, activity found for each, two findings.  Opens the main
window, goes to 23:00:12 on the cell camera and grabs the player area.  Run
it on a display, e.g. ``xvfb-run -s "-screen 0 1600x1000x24"
.venv/bin/python docs/case_timeline_screenshot.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from cctv_review.clips import add_clip_file
from cctv_review.domain import Case, Finding, FindingLevel
from cctv_review.recorded_time import zone
from cctv_review.store import Store
from cctv_review.template import load_template

ROOT = Path(__file__).resolve().parents[1]
LONDON = zone("Europe/London")


def clip(path: Path, seconds: int, *, sound: bool = False, gap_after_s: int | None = None) -> Path:
    """A 320x240 5 fps H.264 clip of FFmpeg's moving test pattern (sound: a tone; gap: 10 s without frames)."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=5:duration={seconds}"]
    if sound:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-shortest"]
    if gap_after_s is not None:
        args += [
            "-vf",
            f"settb=1/1000,setpts='N*200+gte(N\\,{gap_after_s * 5})*10000'",
            "-fps_mode",
            "passthrough",
        ]
        args += ["-video_track_timescale", "1000"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)
    return path


def main(out: Path = ROOT / "docs" / "case-timeline.png") -> None:
    from cctv_review.video.activity import scan_activity

    folder = Path(tempfile.mkdtemp(prefix="case-timeline-"))
    os.environ["CCTV_REVIEW_KEY_DIR"] = str(folder / "keys")  # never the real keyring
    os.environ["CCTV_REVIEW_LOG_DIR"] = str(folder / "logs")
    store = Store(folder / "review.sqlite", user="reviewer1")
    case = store.add_case(Case(reference="CR-2026-0142", custody_suite="Northgate", reviewer="reviewer1"))
    assert case.id is not None

    def at(*args: int) -> datetime:
        return datetime(2026, 3, 14, *args, tzinfo=LONDON)

    files = [
        ("Booking-in desk", clip(folder / "desk.mp4", 90, sound=True), at(22, 58, 30)),
        ("Corridor", clip(folder / "corridor-1.mp4", 40), at(22, 59, 0)),
        ("Corridor", clip(folder / "corridor-2.mp4", 40, gap_after_s=15), at(23, 0, 0)),
        ("Cell 4", clip(folder / "cell-4.mp4", 100), at(22, 59, 30)),
    ]
    clips = []
    for camera, path, start in files:
        added = add_clip_file(store, case.id, path, camera, start)
        assert added.id is not None
        found = scan_activity(str(path))
        store.save_activity(added.id, found.bin_ms, found.scores)
        clips.append(added)
    store.add_finding(Finding(case_id=case.id, theme="Use of force", level=FindingLevel.SIGNIFICANT,
                              position_ms=42_000, clip_id=clips[3].id, note="Held on the bench"))  # fmt: skip
    store.add_finding(Finding(case_id=case.id, theme="Rousing", level=FindingLevel.GOOD_PRACTICE,
                              position_ms=5_000, clip_id=clips[2].id, note="Roused and spoken to"))  # fmt: skip

    from PySide6.QtWidgets import QApplication

    from cctv_review.ui.app import make_app
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    app = make_app([])
    window = MainWindow(ReviewSession(store, load_template()), restore=False)
    window.resize(1366, 768)
    window.show()
    window.open_case(case.id)

    def wait(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the window did not get there")
            QApplication.processEvents()
            time.sleep(0.02)

    ctl = window.case_timeline
    wait(lambda: len(ctl.extras) == len(clips))
    ctl.go_to("Cell 4", at(23, 0, 12))
    player = window.player
    wait(lambda: player.clip is not None and player.clip.id == clips[3].id and player.position_ms == 42_000)
    wait(lambda: player.surface.image is not None)
    for _ in range(20):
        QApplication.processEvents()
        time.sleep(0.02)
    player.grab().save(str(out))
    window.shutdown()
    app.quit()
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main())
