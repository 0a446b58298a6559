"""Start the desktop application (placeholder until the workspace lands)."""

from __future__ import annotations

import sys
from pathlib import Path


def run_gui(db_path: Path | None = None, demo: bool = False) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv)
    label = QLabel("cctv-review: the review workspace is not built yet.")
    label.setWindowTitle("cctv-review")
    label.resize(480, 120)
    label.show()
    return app.exec()
