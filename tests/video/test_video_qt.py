"""The Qt adapter, headless (QT_QPA_PLATFORM=offscreen)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QThread
from PySide6.QtGui import QImage

from cctv_review.video.qt import QtPlayer, bgr_to_qimage


def test_bgr_to_qimage_colours_and_padding():
    a = np.zeros((11, 13, 3), np.uint8)  # odd width: padded scan lines
    a[..., 0] = 255  # pure blue in BGR
    a[0, 0] = (0, 0, 255)  # one red pixel
    q = bgr_to_qimage(a)
    assert (q.width(), q.height()) == (13, 11)
    assert q.pixelColor(5, 5).blue() == 255 and q.pixelColor(5, 5).red() == 0
    assert q.pixelColor(0, 0).red() == 255


def test_qtplayer_delivers_frames_on_gui_thread(qtbot, numbered, frame_number):
    qp = QtPlayer()
    got = []
    threads = []

    def on_frame(img, pos):
        threads.append(QThread.currentThread())
        got.append((img, pos))

    qp.frameReady.connect(on_frame)
    try:
        with qtbot.waitSignal(qp.frameReady, timeout=10_000):
            qp.open(str(numbered("h264_gop50")))
        img, pos = got[0]
        assert isinstance(img, QImage) and img.width() == 320 and pos == 0
        assert all(t is QThread.currentThread() for t in threads)  # queued to this thread
        with qtbot.waitSignal(qp.positionChanged, timeout=10_000, check_params_cb=lambda p: p == 4000):
            qp.seek_ms(4000)
        with qtbot.waitSignal(qp.stateChanged, timeout=5000, check_params_cb=lambda s: s):
            qp.play()
        qtbot.waitUntil(lambda: got[-1][1] > 4200, timeout=10_000)
        with qtbot.waitSignal(qp.stateChanged, timeout=5000, check_params_cb=lambda s: not s):
            qp.pause()
        # The image really is the frame it says it is (barcode survives RGB conversion).
        img = got[-1][0].convertToFormat(QImage.Format.Format_RGB888)
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3)
        assert frame_number(rgb[..., ::-1].copy()) == round(got[-1][1] / 40)
    finally:
        qp.close()
        qp.deleteLater()
        qtbot.wait(20)


def test_qtplayer_error_signal(qtbot, tmp_path):
    qp = QtPlayer()
    try:
        with qtbot.waitSignal(qp.errorOccurred, timeout=5000) as blocker:
            qp.open(str(tmp_path / "gone.mp4"))
        assert "gone.mp4" in blocker.args[0] and "cannot be found" in blocker.args[0]
    finally:
        qp.close()
        qp.deleteLater()
        qtbot.wait(20)


def test_qtplayer_writes_display_frames_into_the_qimage_at_display_size(qtbot, numbered, frame_number):
    from cctv_review.video.qt import DISPLAY_FORMAT, qimage_alloc

    view, owner = qimage_alloc(7, 5)
    assert isinstance(owner, QImage) and view.shape[:2] == (7, 5)
    view[...] = 200
    assert owner.pixelColor(4, 6).green() == 200  # the view is the image's memory

    qp = QtPlayer()
    got = []
    qp.frameReady.connect(lambda img, pos: got.append((img, pos)))
    try:
        qp.set_display_size(160, 120)  # 320x240 clip shown at half size
        with qtbot.waitSignal(qp.frameReady, timeout=10_000):
            qp.open(str(numbered("h264_gop50")))
        img, _pos = got[-1]
        frame = qp.last_frame
        assert (img.width(), img.height()) == (160, 120) and img.format() == DISPLAY_FORMAT
        assert frame.scale == 2 and frame.owner.cacheKey() == img.cacheKey()  # no copy
        qp.set_display_size(0, 0)  # paused: redrawn at full size
        qtbot.waitUntil(lambda: got[-1][0].width() == 320, timeout=10_000)
        img = got[-1][0].convertToFormat(QImage.Format.Format_RGB888)
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        rgb = arr[:, : img.width() * 3].reshape(img.height(), img.width(), 3)
        assert frame_number(rgb[..., ::-1].copy()) == 0 and got[-1][1] == 0
    finally:
        qp.close()
        qp.deleteLater()
        qtbot.wait(20)
