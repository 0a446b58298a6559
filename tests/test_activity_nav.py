"""N/P through activity events with status-bar messages, the sensitivity control, and stored masks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from cctv_review.store import Store
from cctv_review.ui import activity_nav
from cctv_review.ui.activity_nav import SensitivityBox, load_masks, save_masks, step, strip_scores
from cctv_review.video.activity import MaskRect, score_threshold

# Seconds 4-7 and 20-22 move; second 12 is a weak one-second blip (dropped).
HIGH = 0.05
SCORES = [0.0] * 30
for i in (4, 5, 6, 7, 20, 21, 22):
    SCORES[i] = HIGH
SCORES[12] = score_threshold("normal") * 1.2


def test_n_steps_through_events_and_says_when_there_are_no_more():
    s = step(SCORES, 1000, 0, True)
    assert s.target_ms == 4000 and s.message == "Activity 1 of 2: 0:00:04 to 0:00:08."
    s = step(SCORES, 1000, 4000, True)
    assert s.target_ms == 20000 and s.message.startswith("Activity 2 of 2")
    s = step(SCORES, 1000, 20000, True)
    assert s.target_ms is None and s.message == "No more activity after 0:00:20."
    s = step(SCORES, 1000, 750_000, True)
    assert s.message == "No more activity after 0:12:30."


def test_p_goes_to_the_start_then_back_and_says_when_there_is_none():
    assert step(SCORES, 1000, 21500, False).target_ms == 20000
    assert step(SCORES, 1000, 20000, False).target_ms == 4000
    s = step(SCORES, 1000, 4000, False)
    assert s.target_ms is None and s.message == "No activity before 0:00:04."


def test_sensitivity_changes_the_events_without_a_new_scan():
    faint = [0.0] * 10
    faint[3] = faint[4] = score_threshold("normal") * 0.5  # small movement
    assert step(faint, 1000, 0, True, "normal").target_ms is None
    assert step(faint, 1000, 0, True, "high").target_ms == 3000
    assert "No activity found" in step(faint, 1000, 0, True, "normal").message


def test_no_scores_yet():
    s = step([], 1000, 0, True)
    assert s.target_ms is None and "not been found" in s.message
    assert activity_nav.target_ms([], 1000, 0, True) is None


def test_strip_shows_events_only():
    strip = strip_scores(SCORES, 1000)
    assert [i for i, v in enumerate(strip) if v] == [4, 5, 6, 7, 20, 21, 22]  # the blip at 12 is gone


def test_sensitivity_box(qtbot):
    box = SensitivityBox()
    qtbot.addWidget(box)
    assert box.value() == 0.5 and box.currentText() == "Activity: Normal"
    with qtbot.waitSignal(box.sensitivityChanged) as sig:
        box.setCurrentIndex(2)
    assert sig.args == [0.75]
    box.set_value(0.2)
    assert box.currentText() == "Activity: Low"


def test_masks_and_sensitivity_are_kept_in_the_store(tmp_path):
    with Store(tmp_path / "s.sqlite", user="t") as store:
        assert load_masks(store, 7) == []
        masks = [MaskRect(0.0, 0.9, 1.0, 1.0), MaskRect(0.7, 0.1, 0.95, 0.4)]
        save_masks(store, 7, masks)
        store.set_setting("activity_mask:8", [[0, 0, 1], "junk"])  # damaged entries are skipped
        assert load_masks(store, 8) == []
        assert activity_nav.load_sensitivity(store) == 0.5
        activity_nav.save_sensitivity(store, 0.75)
    with Store(tmp_path / "s.sqlite", user="t") as store:
        assert load_masks(store, 7) == masks
        assert activity_nav.load_sensitivity(store) == 0.75


def test_mask_dialog_drag_adds_and_right_click_removes(qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QColor, QImage

    from cctv_review.ui.activity_nav import MaskDialog

    image = QImage(640, 360, QImage.Format.Format_RGB32)
    image.fill(QColor("grey"))
    dialog = MaskDialog(image, [MaskRect(0.0, 0.0, 0.1, 0.1)])
    qtbot.addWidget(dialog)
    dialog.show()
    canvas = dialog.canvas
    canvas.resize(640, 360)
    qtbot.waitUntil(lambda: canvas.picture_rect().width() == 640)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(320, 180))
    qtbot.mouseMove(canvas, QPoint(480, 270))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(480, 270))
    assert len(dialog.masks()) == 2
    added = dialog.masks()[1]
    assert (added.x0, added.y0, added.x1, added.y1) == (0.5, 0.5, 0.75, 0.75)
    qtbot.mouseClick(canvas, Qt.MouseButton.RightButton, pos=QPoint(20, 20))  # the first one
    assert dialog.masks() == [added]
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))  # a click adds nothing
    assert dialog.masks() == [added]


def test_player_n_p_announce_and_strip_follows_sensitivity(qtbot):
    from cctv_review.ui.player_widget import PlayerWidget

    widget = PlayerWidget()
    qtbot.addWidget(widget)
    widget.set_activity(1000, SCORES)
    assert [i for i, v in enumerate(widget.timeline.scores) if v] == [4, 5, 6, 7, 20, 21, 22]
    with qtbot.waitSignal(widget.warning) as sig:
        widget.next_activity()
    assert sig.args == ["Activity 1 of 2: 0:00:04 to 0:00:08."]
    widget.position_ms = 25_000
    with qtbot.waitSignal(widget.warning) as sig:
        widget.next_activity()
    assert sig.args == ["No more activity after 0:00:25."]
    widget.sensitivity_box.set_value(1.0)  # High: the weak second at 12 s is now an event too
    assert widget.timeline.scores[12] > 0
    widget.close()


def test_scores_of_the_old_scale_are_dropped_by_the_migration(tmp_path):
    import sqlite_utils

    from cctv_review.migrations import MIGRATIONS, migrate

    db = sqlite_utils.Database(tmp_path / "old.sqlite")
    index = next(i for i, m in enumerate(MIGRATIONS) if m.__name__ == "_v_activity_pictures")
    migrate(db, index)  # a store from before: scores in the old scale
    db.execute("INSERT INTO clip_activity (clip_id, bin_ms, scores) VALUES (1, 1000, '[0.4, 0.5]')")
    db.conn.commit()
    migrate(db)
    assert db.execute("SELECT COUNT(*) FROM clip_activity").fetchone()[0] == 0
