"""Run by tests/ui/test_window_fit.py in a fresh interpreter on an offscreen screen of a chosen size.

Usage: ``python window_fit_helper.py STORE_DIR CLIP`` with ``QT_QPA_PLATFORM=offscreen:configfile=…``
(the configuration gives the screen its size).  Opens the main window on a new store with one case
holding ``CLIP``, opens the case, waits until a frame is shown and the activity scan has started
(its notice once widened the window), then prints one JSON line with the window's frame geometry,
the screen's available geometry and what the player shows.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QTimer


def main() -> int:
    from cctv_review.clips import add_clip_file
    from cctv_review.domain import Case
    from cctv_review.store import Store
    from cctv_review.template import load_template
    from cctv_review.ui.app import make_app
    from cctv_review.ui.main_window import MainWindow
    from cctv_review.ui.services import ReviewSession

    folder, clip_path = Path(sys.argv[1]), Path(sys.argv[2])
    app = make_app([])
    store = Store(folder / "review.sqlite", user="reviewer1")
    case = store.add_case(Case(reference="CR-HD", custody_suite="Northgate"))
    add_clip_file(
        store, case.id, clip_path, "Booking-in desk", datetime(2026, 3, 14, 22, 0, tzinfo=timezone.utc)
    )
    window = MainWindow(ReviewSession(store, load_template(), stills_dir=folder / "stills"), restore=False)
    window.show()
    window.open_case(case.id)
    started = time.monotonic()
    saw = {"scan": False}

    def poll() -> None:
        player = window.player
        saw["scan"] = saw["scan"] or player.scan_label.isVisible()
        shown = player.surface.image is not None
        if (shown and saw["scan"] and time.monotonic() - started > 1.0) or time.monotonic() - started > 20:
            timer.stop()
            QTimer.singleShot(300, finish)  # let any resize the scan notice asks for happen

    def finish() -> None:
        frame, available = window.frameGeometry(), window.screen().availableGeometry()
        print(
            json.dumps(
                {
                    "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                    "available": [available.x(), available.y(), available.width(), available.height()],
                    "inside": available.contains(frame),
                    "shown": window.player.surface.image is not None,
                    "scan_seen": saw["scan"],
                    "compact": window.side_pane.compact,
                    "recorded": window.transport_status.recorded_label.text(),
                    "recorded_visible": window.transport_status.recorded_label.isVisible(),
                    "recorded_whole": window.transport_status.recorded_label.width()
                    >= window.transport_status.recorded_label.sizeHint().width(),
                    "clip_time_whole": window.player.time_label.width()
                    >= window.player.time_label.sizeHint().width(),
                    "minimum": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
                }
            ),
            flush=True,
        )
        window.shutdown()
        app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    app.exec()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
