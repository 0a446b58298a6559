"""Full screen, zoom and pan, brightness/contrast of the main view (issue 11 item 5)."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QImage
from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import add_finding_with_still, open_case_by_click, wait_for_frame

from cctv_review.ui.video_view_tools import adjusted_qimage, qimage_array, source_rect
from cctv_review.video.still import PictureAdjustment, save_still


def test_source_rect_is_the_zoomed_part_kept_inside_the_frame():
    assert source_rect(320, 240, 1.0, (0.5, 0.5)) == QRectF(0, 0, 320, 240)
    assert source_rect(320, 240, 2.0, (0.5, 0.5)) == QRectF(80, 60, 160, 120)
    assert source_rect(320, 240, 2.0, (0.0, 1.0)) == QRectF(0, 120, 160, 120)  # clamped to the corner
    assert source_rect(320, 240, 100.0, (0.5, 0.5)).width() == 40  # at most 8x


def test_picture_adjustment_formula_keeps_the_fourth_channel():
    adj = PictureAdjustment(brightness=20, contrast=1.5)
    lut = adj.lut()
    assert lut[128] == 148 and lut[0] == 0 and lut[255] == 255 and lut[100] == 106  # (100-128)*1.5+148
    bgra = np.full((2, 2, 4), (100, 128, 200, 255), np.uint8)
    out = adj.apply(bgra)
    assert out[0, 0].tolist() == [106, 148, 255, 255] and bgra[0, 0, 0] == 100  # the input is untouched
    assert adj.describe() == "brightness +20, contrast 1.5x"
    assert PictureAdjustment().identity and PictureAdjustment().caption() == ""
    image = QImage(4, 3, QImage.Format.Format_RGB32)
    image.fill(0xFF646464)  # grey 100
    assert qimage_array(adjusted_qimage(image, adj))[1, 1].tolist() == [106, 106, 106, 255]


def test_still_is_adjusted_and_its_caption_says_so(tmp_path, monkeypatch):
    from cctv_review.video import still

    captions: list[list[str]] = []
    real_add_caption = still.add_caption
    monkeypatch.setattr(
        still, "add_caption", lambda image, lines: captions.append(lines) or real_add_caption(image, lines)
    )
    frame = np.full((120, 160, 3), 40, np.uint8)
    adj = PictureAdjustment(brightness=60, contrast=2.0)
    where = {"case_reference": "CR", "camera": "Cell", "clip_ms": 0, "recorded_at": None}
    plain = cv2.imread(str(save_still(frame, tmp_path / "a.png", **where)))
    adjusted = cv2.imread(str(save_still(frame, tmp_path / "b.png", adjustment=adj, **where)))
    assert plain[:120].mean() == 40 and abs(adjusted[:120].mean() - adj.lut()[40]) < 1
    assert len(captions[0]) == 2 and captions[1][:2] == captions[0]
    assert (
        captions[1][2]
        == "Picture adjusted for viewing: brightness +60, contrast 2x (the footage file is unchanged)"
    )


def _grab(surface) -> np.ndarray:
    image = surface.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    return qimage_array(image)[:, :, :3].copy()


def test_zoom_pan_brightness_and_full_screen(qtbot, make_window, store, template, case_with_clip, tmp_path):
    case, _clip = case_with_clip
    window = make_window(store, template)
    open_case_by_click(qtbot, window, "CR-001")
    window.player.seek(2000)
    wait_for_frame(qtbot, window, 2000)
    surface, tools = window.player.surface, window.view_tools
    surface.setFocus()
    target = surface.image_rect()
    frame = qimage_array(surface.image.convertToFormat(QImage.Format.Format_RGB32))[:, :, :3]

    def shown_at(fx: float, fy: float) -> np.ndarray:
        """The colour drawn at frame fraction (fx, fy) of the target rectangle."""
        grab = _grab(surface)
        x = int(target.x() + fx * target.width())
        y = int(target.y() + fy * target.height())
        return grab[y - 1 : y + 2, x - 1 : x + 2].reshape(-1, 3).mean(axis=0)

    def mae_to(part: np.ndarray) -> float:
        """Mean difference between the picture area as drawn and ``part`` of the frame scaled to it."""
        grab = _grab(surface)
        x, y, tw, th = (round(v) for v in (target.x(), target.y(), target.width(), target.height()))
        drawn = grab[y + 2 : y + th - 2, x + 2 : x + tw - 2].astype(int)
        expected = cv2.resize(part, (tw, th), interpolation=cv2.INTER_LINEAR)[2:-2, 2:-2].astype(int)
        return float(np.abs(drawn - expected).mean())

    # Ctrl+= twice and Ctrl+0: 1.25, 1.5625, back to 1.
    qtbot.keyClick(surface, Qt.Key_Equal, Qt.ControlModifier)
    qtbot.keyClick(surface, Qt.Key_Equal, Qt.ControlModifier)
    assert abs(tools.zoom - 1.5625) < 1e-9
    qtbot.keyClick(surface, Qt.Key_0, Qt.ControlModifier)
    assert tools.zoom == 1.0
    # Zoom 2x about the centre: the picture area shows the middle half of the frame, enlarged.
    tools.set_zoom(2.0)
    h, w = frame.shape[:2]
    assert mae_to(frame[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4]) < 8 < mae_to(frame)
    tools.set_zoom(1.0)
    assert mae_to(frame) < 8 < mae_to(frame[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4])
    tools.set_zoom(2.0)
    # Drag to pan: 40 px right moves the view 40 px left in frame terms (the picture follows the pointer).
    centre = tools.centre
    start = target.center().toPoint()
    qtbot.mousePress(surface, Qt.LeftButton, pos=start)
    qtbot.mouseMove(surface, start + QPoint(40, 0))
    qtbot.mouseRelease(surface, Qt.LeftButton, pos=start + QPoint(40, 0))
    assert tools.centre[0] < centre[0] and abs(tools.centre[1] - centre[1]) < 1e-9
    # Ctrl+wheel zooms about the pointer.
    tools.set_zoom(1.0)
    about = QPointF(target.x() + 0.75 * target.width(), target.y() + 0.5 * target.height())
    tools.set_zoom(2.0, about=about)
    # The frame point under the pointer (0.75, 0.5) stays there: a quarter of the view right of the centre.
    assert abs(tools.centre[0] - 0.625) < 1e-6 and abs(tools.centre[1] - 0.5) < 1e-6
    tools.zoom_reset()

    # Brightness/contrast: display only.
    before = shown_at(0.5, 0.5)
    tools.set_adjustment(60, 1.5)
    qtbot.waitUntil(lambda: shown_at(0.5, 0.5).mean() > before.mean() + 30, timeout=5_000)
    assert (
        qimage_array(surface.image.convertToFormat(QImage.Format.Format_RGB32))[:, :, :3].mean()
        == frame.mean()
    )
    assert window.player.player.last_frame.index == 20  # the same frame: nothing decoded again
    # A still taken now is adjusted the same way (and its caption says so).
    add_finding_with_still(qtbot, window, "Dark cell: adjusted still")
    qtbot.waitUntil(lambda: len(store.list_findings(case.id)) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: store.list_findings(case.id)[0].still_path != "", timeout=15_000)
    png = cv2.imread(store.list_findings(case.id)[0].still_path)
    cap = cv2.VideoCapture(str(case_with_clip[1].path))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 20)
    original = cap.read()[1]
    cap.release()
    expected = PictureAdjustment(60, 1.5).apply(original)
    assert np.abs(png[:240].astype(int) - expected.astype(int)).mean() < 3.0
    tools.reset_adjustment()
    assert getattr(surface, "picture_adjustment", "x") is None

    # F11: the video alone, full screen; Esc puts everything back.
    assert window.case_list.isVisible()
    window.activateWindow()  # the finding editor had the keyboard
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    surface.setFocus()
    qtbot.keyClick(surface, Qt.Key_F11)
    qtbot.waitUntil(lambda: window.full_screen.active and not window.case_list.isVisible(), timeout=5_000)
    assert not window.side_pane.isVisible() and not window.statusBar().isVisible() and surface.isVisible()
    qtbot.keyClick(surface, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.full_screen.active and window.case_list.isVisible(), timeout=5_000)
    assert window.side_pane.isVisible() and window.statusBar().isVisible() and not window.isFullScreen()
