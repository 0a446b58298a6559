"""Child process for the kill test: the real window, typing, then blocked until killed.

Usage: python kill_helper.py DB_PATH GAPS_TEXT RATIONALE_TEXT SEEK_MS

Opens the main window offscreen on DB_PATH (its last case reopens), answers
"footage complete? no", types GAPS_TEXT into the gaps box and RATIONALE_TEXT
into the rationale with QTest (the focus stays in the rationale, so no
focus-out save happens), seeks the clip to SEEK_MS, waits until the autosave
has put the typing in the database, prints READY and then keeps running until
it is killed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest


def main() -> None:
    db_path, gaps_text, rationale_text, seek_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    from cctv_review.store import Store
    from cctv_review.ui.app import create_window, make_app

    app = make_app([])
    window = create_window(Path(db_path))
    window.show()
    check = Store(db_path)  # a second connection, as another process would see the file
    case_id = window.session.case_id
    form = window.form
    state = {"typed": False, "sought": False}

    def type_things() -> None:
        if window.player.surface.image is None:
            QTimer.singleShot(100, type_things)
            return
        QTest.mouseClick(form.rows["footage.complete"].buttons["no"], Qt.LeftButton)
        gaps = form.rows["footage.gaps"].edit
        gaps.setFocus()
        QTest.keyClicks(gaps, gaps_text)
        form.rationale.setFocus()
        QTest.keyClicks(form.rationale, rationale_text)
        window.player.seek(seek_ms)  # a seek is a save point for the position
        state["typed"] = True
        QTimer.singleShot(50, wait_saved)

    def wait_saved() -> None:
        answers = check.answers(case_id)
        case = check.get_case(case_id)
        if answers.get("footage.gaps") == gaps_text and case.outcome_rationale == rationale_text:
            print("READY", flush=True)
            return
        QTimer.singleShot(50, wait_saved)

    QTimer.singleShot(0, type_things)
    app.exec()


if __name__ == "__main__":
    main()
