"""Looking closely at the main view: zoom, pan, brightness/contrast, full screen.

:class:`ViewTools` attaches to the player's picture area (``VideoSurface``)
through its one drawing hook, ``surface.picture_painter``:

* **zoom and pan**: ``Ctrl`` + mouse wheel zooms about the pointer, ``Ctrl+=``
  / ``Ctrl+-`` / ``Ctrl+0`` (window keys, see :mod:`cctv_review.ui.shortcuts`)
  zoom about the centre and back to the whole picture; dragging with the left
  button pans while zoomed.  The view is a source rectangle of the frame
  (:func:`source_rect`: ``1/zoom`` of each side, centred on ``centre`` and kept
  inside the frame) drawn into the usual aspect-kept target.  While zoomed,
  the engine is told a picture area ``zoom`` times larger, so it stops
  converting frames at half or quarter size and the enlarged picture stays sharp.
* **brightness/contrast** for dark cell footage: display only.  Each frame is
  drawn through :class:`cctv_review.video.still.PictureAdjustment` (a
  256-entry table, ``cv2.LUT``), once per frame (cached by the image's
  ``cacheKey``), never written to the file; a still saved meanwhile is
  adjusted the same way and its caption says what was applied
  (``surface.picture_adjustment``, read by the findings controller).  The
  "Picture" button in the player's bar opens two sliders and a reset.

Full screen (``F11``, ``Esc`` leaves) is the main window's
(:class:`FullScreen`): it hides everything but the player and shows the window
full screen, then puts every part back as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QMouseEvent, QPainter, QShortcut, QWheelEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QMenu,
    QPushButton,
    QSlider,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from cctv_review.ui.transport import bar_of
from cctv_review.video.still import PictureAdjustment

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

MIN_ZOOM, MAX_ZOOM = 1.0, 8.0
#: Each zoom step (a key press or one wheel notch) multiplies the zoom by this.
ZOOM_STEP = 1.25


def source_rect(width: int, height: int, zoom: float, centre: tuple[float, float]) -> QRectF:
    """The part of a ``width`` x ``height`` frame shown at ``zoom`` around ``centre``.

    ``centre`` is in frame fractions (0..1, 0..1); the rectangle (frame pixels)
    is ``1/zoom`` of each side and is kept inside the frame.
    """
    zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
    w, h = width / zoom, height / zoom
    x = min(max(centre[0] * width - w / 2, 0.0), width - w)
    y = min(max(centre[1] * height - h / 2, 0.0), height - h)
    return QRectF(x, y, w, h)


def qimage_array(image: QImage) -> np.ndarray:
    """A read-only numpy view of a 32-bit (RGB32/ARGB32) or 24-bit (BGR888/RGB888) QImage's pixels."""
    channels = 4 if image.depth() == 32 else 3
    h, w, bpl = image.height(), image.width(), image.bytesPerLine()
    buf = np.frombuffer(image.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, : w * channels].reshape(h, w, channels)


def adjusted_qimage(image: QImage, adjustment: PictureAdjustment) -> QImage:
    """A new QImage: ``image`` through ``adjustment`` (colour channels only; same format)."""
    if image.depth() not in (24, 32):
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    out = QImage(image.width(), image.height(), image.format())
    h, bpl = out.height(), out.bytesPerLine()
    channels = 4 if out.depth() == 32 else 3
    dst = np.frombuffer(out.bits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    view = dst[:, : out.width() * channels].reshape(h, out.width(), channels)
    adjustment.apply(qimage_array(image), out=view)
    return out


class ViewTools(QObject):
    """Zoom, pan and brightness/contrast for one player's picture (see the module docstring).

    ``player``: the :class:`~cctv_review.ui.player_widget.PlayerWidget`
    (``surface``, ``player`` (the engine), the control bar).  ``changed`` is
    emitted when the zoom, the pan or the adjustment changes.
    """

    changed = Signal()

    def __init__(self, player: QWidget) -> None:
        super().__init__(player)
        self.player = player
        self.surface: QWidget = player.surface  # type: ignore[attr-defined]
        self.zoom = 1.0
        self.centre = (0.5, 0.5)
        self.adjustment = PictureAdjustment()
        self._cache: tuple[int, PictureAdjustment, QImage] | None = None
        self._drag: tuple[QPointF, tuple[float, float]] | None = None
        # The surface's hooks (ui/player_widget.py VideoSurface; the findings controller reads the adjustment).
        setattr(self.surface, "picture_painter", self.paint)  # noqa: B010
        setattr(self.surface, "picture_adjustment", None)  # noqa: B010
        self.surface.installEventFilter(self)
        resized = getattr(self.surface, "resized", None)
        if resized is not None:
            resized.connect(self._tell_display_size)  # after the player's own: the zoomed size wins
        clip_changed = getattr(player, "clipChanged", None)
        if clip_changed is not None:  # another camera: the whole picture again (brightness stays)
            clip_changed.connect(lambda _clip: self.zoom_reset() if self.zoom != MIN_ZOOM else None)
        self.picture_button = self._picture_button()
        bar = bar_of(player, getattr(player, "play_button", player))
        if bar is not None:
            bar.addWidget(self.picture_button)

    # -- zoom and pan ---------------------------------------------------------------------
    def set_zoom(self, zoom: float, about: QPointF | None = None) -> None:
        """Zoom to ``zoom`` (1..8), keeping the frame point under ``about`` (widget px) in place."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, float(zoom)))
        image = getattr(self.surface, "image", None)
        target = self.surface.image_rect()  # type: ignore[attr-defined]
        if about is not None and image is not None and not target.isEmpty():
            # The frame point under the pointer now, in frame fractions ...
            src = source_rect(image.width(), image.height(), self.zoom, self.centre)
            fx = (src.x() + (about.x() - target.x()) / target.width() * src.width()) / image.width()
            fy = (src.y() + (about.y() - target.y()) / target.height() * src.height()) / image.height()
            # ... stays under the pointer: the new centre is that far from it at the new zoom.
            ox = (about.x() - target.center().x()) / target.width() / zoom
            oy = (about.y() - target.center().y()) / target.height() / zoom
            self.centre = (fx - ox, fy - oy)
        self.zoom = zoom
        if zoom == MIN_ZOOM:
            self.centre = (0.5, 0.5)
        self._clamp_centre()
        self._tell_display_size()
        self.surface.update()
        self.changed.emit()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def zoom_reset(self) -> None:
        self.set_zoom(1.0)

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        """Move the view by a drag of (dx, dy) widget pixels (the picture follows the pointer)."""
        target = self.surface.image_rect()  # type: ignore[attr-defined]
        if target.isEmpty() or self.zoom <= MIN_ZOOM:
            return
        self.centre = (
            self.centre[0] - dx_px / target.width() / self.zoom,
            self.centre[1] - dy_px / target.height() / self.zoom,
        )
        self._clamp_centre()
        self.surface.update()
        self.changed.emit()

    def _clamp_centre(self) -> None:
        half = 0.5 / self.zoom
        self.centre = (min(max(self.centre[0], half), 1 - half), min(max(self.centre[1], half), 1 - half))

    def _tell_display_size(self) -> None:
        """While zoomed, ask the engine for frames as big as the enlarged picture."""
        engine = getattr(self.player, "player", None)
        setter = getattr(engine, "set_display_size", None)
        device_size = getattr(self.surface, "device_size", None)
        if setter is None or device_size is None:
            return
        w, h = device_size()
        setter(round(w * self.zoom), round(h * self.zoom))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.surface:
            return False
        kind = event.type()
        if kind == QEvent.Type.Wheel and isinstance(event, QWheelEvent):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                notches = event.angleDelta().y() / 120.0
                if notches:
                    self.set_zoom(self.zoom * ZOOM_STEP**notches, event.position())
                return True
        elif kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            if event.button() == Qt.MouseButton.LeftButton and self.zoom > MIN_ZOOM:
                self._drag = (event.position(), self.centre)
                self.surface.setCursor(Qt.CursorShape.ClosedHandCursor)
            return False  # the surface still takes the focus
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent) and self._drag is not None:
            start, centre = self._drag
            self.centre = centre
            delta = event.position() - start
            self.pan_by(delta.x(), delta.y())
            return True
        elif kind == QEvent.Type.MouseButtonRelease and self._drag is not None:
            self._drag = None
            self.surface.unsetCursor()
        return False

    # -- brightness / contrast ---------------------------------------------------------------
    def set_adjustment(self, brightness: int, contrast: float) -> None:
        """Brightness -100..100 and contrast 0.5..3.0 for the display (and stills) from now on."""
        adjustment = PictureAdjustment(
            int(max(-100, min(100, brightness))), float(max(0.5, min(3.0, contrast)))
        )
        self.adjustment = adjustment
        setattr(self.surface, "picture_adjustment", None if adjustment.identity else adjustment)  # noqa: B010
        self._cache = None
        for slider, value in (
            (self.brightness_slider, adjustment.brightness),
            (self.contrast_slider, round(adjustment.contrast * 100)),
        ):
            if slider.value() != value:
                slider.blockSignals(True)
                slider.setValue(value)
                slider.blockSignals(False)
        text = adjustment.describe()
        self.picture_button.setText("Picture*" if text else "Picture")
        self.picture_button.setToolTip(
            f"Picture adjusted for viewing: {text} (display only)"
            if text
            else "Brightness and contrast (display only)"
        )
        self.surface.update()
        self.changed.emit()

    def reset_adjustment(self) -> None:
        self.set_adjustment(0, 1.0)

    def _picture_button(self) -> QToolButton:
        button = QToolButton()
        button.setObjectName("pictureButton")
        button.setText("Picture")
        button.setToolTip("Brightness and contrast (display only)")
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        panel = QWidget()
        form = QFormLayout(panel)
        self.brightness_slider = QSlider(Qt.Orientation.Horizontal)
        self.brightness_slider.setObjectName("brightnessSlider")
        self.brightness_slider.setRange(-100, 100)
        self.contrast_slider = QSlider(Qt.Orientation.Horizontal)
        self.contrast_slider.setObjectName("contrastSlider")
        self.contrast_slider.setRange(50, 300)
        self.contrast_slider.setValue(100)
        for slider in (self.brightness_slider, self.contrast_slider):
            slider.setMinimumWidth(180)
        form.addRow("Brightness", self.brightness_slider)
        form.addRow("Contrast", self.contrast_slider)
        reset = QPushButton("Reset")
        reset.clicked.connect(self.reset_adjustment)
        form.addRow("", reset)
        note = QWidgetAction(menu)
        note.setDefaultWidget(panel)
        menu.addAction(note)
        button.setMenu(menu)
        self.brightness_slider.valueChanged.connect(
            lambda value: self.set_adjustment(value, self.contrast_slider.value() / 100.0)
        )
        self.contrast_slider.valueChanged.connect(
            lambda value: self.set_adjustment(self.brightness_slider.value(), value / 100.0)
        )
        return button

    # -- drawing (the surface's hook) ---------------------------------------------------------
    def shown_image(self, image: QImage) -> QImage:
        """``image`` as shown: through the adjustment (cached per frame)."""
        if self.adjustment.identity:
            return image
        key = image.cacheKey()
        if self._cache is not None and self._cache[0] == key and self._cache[1] == self.adjustment:
            return self._cache[2]
        shown = adjusted_qimage(image, self.adjustment)
        self._cache = (key, self.adjustment, shown)
        return shown

    def paint(self, painter: QPainter, image: QImage, target: QRectF) -> None:
        """Draw ``image`` into ``target``: the zoomed part, adjusted."""
        shown = self.shown_image(image)
        if self.zoom <= MIN_ZOOM:
            painter.drawImage(target, shown)
            return
        painter.drawImage(target, shown, source_rect(shown.width(), shown.height(), self.zoom, self.centre))


class FullScreen(QObject):
    """F11: the player alone, full screen; F11 or Esc puts the window back as it was.

    ``hidden``: the widgets hidden while full screen (each is shown again only
    if it was visible before).
    """

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, hidden: list[QWidget]) -> None:
        super().__init__(window)
        self.window = window
        self.hidden = hidden
        self.active = False
        self._was_visible: list[bool] = []
        self._was_maximised = False
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape.setEnabled(False)  # only while full screen: Esc keeps its meaning elsewhere
        self.escape.activated.connect(self.leave)

    def toggle(self) -> None:
        if self.active:
            self.leave()
        else:
            self.enter()

    def enter(self) -> None:
        if self.active:
            return
        self.active = True
        self._was_maximised = self.window.isMaximized()
        self._was_visible = [w.isVisible() for w in self.hidden]
        for widget in self.hidden:
            widget.hide()
        self.escape.setEnabled(True)
        self.window.showFullScreen()
        self.toggled.emit(True)

    def leave(self) -> None:
        if not self.active:
            return
        self.active = False
        self.escape.setEnabled(False)
        for widget, visible in zip(self.hidden, self._was_visible, strict=True):
            widget.setVisible(visible)
        if self._was_maximised:
            self.window.showMaximized()
        else:
            self.window.showNormal()
        self.toggled.emit(False)


__all__ = ["FullScreen", "ViewTools", "adjusted_qimage", "qimage_array", "source_rect"]
