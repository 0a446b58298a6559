"""Thin Qt adapter for the video engine (the only module that imports Qt).

:class:`QtPlayer` wraps :class:`~cctv_review.video.player.Player`.  Frames
are converted to ``QImage`` in the engine's decoder thread (``QImage`` is
safe to create off the GUI thread; ``QPixmap`` is not - make pixmaps in the
GUI) and delivered by signals, which Qt queues to the receiver's (GUI)
thread.  Nothing here decodes on the GUI thread.

Display images are written by the decoder straight into the memory of the
QImage that is shown (:func:`qimage_alloc`, the engine's ``alloc`` hook): no
copy after the colour conversion.  The format is ``Format_RGB32`` (bytes
B, G, R, 255 on little-endian machines, i.e. OpenCV's BGRA), which Qt paints
scaled without a per-paint format conversion; measured on 2 cores, painting a
1080p/540p image scaled into a 960x540 or 530x300 area costs 0.2-0.6 ms in
RGB32 against 0.6-1.7 ms in BGR888, and the YUV->BGRA conversion costs the
same as YUV->BGR.  ``QtPlayer.set_display_size`` tells the engine how big the
picture area is so that it converts at half/quarter size when the picture is
shown that small (see :mod:`cctv_review.video.player`).

The activity scan (:func:`~cctv_review.video.activity.scan_activity`) runs as
a background job of the GUI (``cctv_review.ui.footage_controller.activity_job``
through ``cctv_review.ui.tasks``), the one way the application runs long work.
"""

from __future__ import annotations

import sys

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from .errors import VideoError
from .index import ClipIndex
from .player import Player
from .probe import VideoInfo
from .reader import Frame


def bgr_to_qimage(image_bgr: np.ndarray) -> QImage:
    """A QImage owning its pixels, from a BGR (or grey) array.

    Qt displays BGR as it is (``Format_BGR888``), so this is one plain copy:
    no colour conversion on top of the one OpenCV's decoder already did.
    """
    h, w = image_bgr.shape[:2]
    if image_bgr.ndim == 2:
        image_bgr = cv2.cvtColor(image_bgr, cv2.COLOR_GRAY2BGR)
    qimg = QImage(w, h, QImage.Format.Format_BGR888)
    bpl = qimg.bytesPerLine()
    buf = np.frombuffer(qimg.bits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    np.copyto(buf[:, : w * 3].reshape(h, w, 3), image_bgr)
    return qimg


#: Display QImage format: RGB32 is BGRA in memory on little-endian machines.
DISPLAY_FORMAT = QImage.Format.Format_RGB32 if sys.byteorder == "little" else QImage.Format.Format_BGR888


def qimage_alloc(height: int, width: int):
    """The engine's ``alloc`` hook: a new QImage and a writable view of its pixels.

    ``bits()`` is called here, while this is the only reference to the image
    (on a shared QImage it would detach, i.e. copy); afterwards the image is
    only read.
    """
    qimg = QImage(int(width), int(height), DISPLAY_FORMAT)
    channels = 4 if QImage.Format.Format_RGB32 == DISPLAY_FORMAT else 3
    bpl = qimg.bytesPerLine()
    buf = np.frombuffer(qimg.bits(), dtype=np.uint8, count=bpl * height).reshape(height, bpl)
    view = buf[:, : width * channels].reshape(height, width, channels)
    return view, qimg


def display_qimage(frame: Frame) -> QImage:
    """The QImage to show for ``frame`` (the engine's ``prepare`` hook)."""
    owner = getattr(frame, "owner", None)
    if isinstance(owner, QImage):
        return owner
    image = frame.image
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return bgr_to_qimage(image)


class QtPlayer(QObject):
    """Signals-based facade over :class:`Player` for the GUI."""

    frameReady = Signal(QImage, int)  # image, position_ms
    positionChanged = Signal(int)  # position_ms of the frame shown
    stateChanged = Signal(bool)  # playing
    errorOccurred = Signal(str)  # plain-language message
    warningOccurred = Signal(str)  # non-fatal notice (e.g. damage skipped)
    endReached = Signal()
    opened = Signal(object)  # VideoInfo

    def __init__(self, parent: QObject | None = None, **player_kwargs) -> None:
        super().__init__(parent)
        self._player = Player(
            on_frame=self._on_frame,
            on_error=self._on_error,
            on_end=self.endReached.emit,
            on_state=self.stateChanged.emit,
            on_opened=self.opened.emit,
            on_warning=self.warningOccurred.emit,
            prepare=display_qimage,
            alloc=qimage_alloc,
            **player_kwargs,
        )
        self.last_frame: Frame | None = None

    # worker-thread callbacks -> queued signals
    def _on_frame(self, frame: Frame) -> None:
        self.last_frame = frame
        qimg = getattr(frame, "prepared", None)
        if qimg is None:
            qimg = display_qimage(frame)
        self.frameReady.emit(qimg, int(frame.position_ms))
        self.positionChanged.emit(int(frame.position_ms))

    def _on_error(self, err: VideoError) -> None:
        self.errorOccurred.emit(str(err))

    # -- pass-through API ----------------------------------------------
    @property
    def player(self) -> Player:
        return self._player

    @property
    def info(self) -> VideoInfo | None:
        return self._player.info

    @property
    def position_ms(self) -> int:
        return self._player.position_ms

    @property
    def playing(self) -> bool:
        return self._player.playing

    @property
    def speed(self) -> float:
        return self._player.speed

    def open(self, path: str, index: ClipIndex | None = None) -> None:
        """Open ``path``; ``index``: the clip's stored frame index, if any (see Player.open).

        ``opened`` then carries a VideoInfo whose ``index`` the caller can store
        (``Store.save_clip_index(clip_id, info.index.to_record())``, in a worker).
        """
        self._player.open(path, index=index)

    def set_display_size(self, width: int | None, height: int | None = None) -> None:
        """The picture area in device pixels (0/None: full size); see Player."""
        self._player.set_display_size(width, height)

    def play(self) -> None:
        self._player.play()

    def pause(self) -> None:
        self._player.pause()

    def toggle(self) -> None:
        self._player.toggle()

    def set_speed(self, speed: float) -> None:
        self._player.set_speed(speed)

    def seek_ms(self, ms: int) -> None:
        self._player.seek_ms(ms)

    def seek_frame(self, index: int) -> None:
        self._player.seek_frame(index)

    def step(self, delta: int = 1) -> None:
        self._player.step(delta)

    def jump(self, seconds: float) -> None:
        self._player.jump(seconds)

    def close(self) -> None:
        self._player.close()


class QtSyncPlayer(QObject):
    """Signals-based facade over :class:`~cctv_review.video.track_player.SyncPlayer` (side-by-side tiles).

    Frames are converted to QImages in the tiles' worker threads (the same
    ``alloc``/``prepare`` hooks as :class:`QtPlayer`) and delivered by queued
    signals.  ``clockChanged`` carries the clock's recorded time (an aware
    ``datetime`` in the main track's zone) whenever the main tile shows a frame
    and after every seek, step or pause: the case timeline's playhead.
    """

    frameReady = Signal(int, QImage, object)  # tile, image, ShownFrame
    messageChanged = Signal(int, str)  # tile, "No recording — next at 01:25:00" ("" clears)
    notice = Signal(str)  # "No recording 01:10:00–01:25:00" (a gap stepped over)
    stateChanged = Signal(bool)  # playing
    errorOccurred = Signal(int, str)  # tile, plain-language message
    clockChanged = Signal(object)  # datetime: the clock's recorded time

    def __init__(self, parent: QObject | None = None, **kwargs) -> None:
        from .track_player import SyncPlayer

        super().__init__(parent)
        self._player = SyncPlayer(
            on_frame=self._on_frame,
            on_message=self.messageChanged.emit,
            on_notice=self.notice.emit,
            on_state=self._on_state,
            on_error=lambda tile, err: self.errorOccurred.emit(tile, str(err)),
            prepare=display_qimage,
            alloc=qimage_alloc,
            **kwargs,
        )

    def _on_frame(self, tile: int, shown) -> None:
        qimg = shown.prepared
        if qimg is None:
            qimg = display_qimage(shown)
        self.frameReady.emit(tile, qimg, shown)
        if tile == self._player.main:
            self.clockChanged.emit(self._player.position())

    def _on_state(self, playing: bool) -> None:
        self.stateChanged.emit(playing)
        self.clockChanged.emit(self._player.position())

    @property
    def engine(self):
        """The :class:`~cctv_review.video.track_player.SyncPlayer` itself."""
        return self._player

    def __getattr__(self, name: str):
        # play, pause, toggle, set_speed, seek, seek_time, seek_recorded, jump, step, set_tiles,
        # set_tile, set_main, set_display_size, shown, message, position... are the engine's.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._player, name)

    def seek_recorded(self, camera_key: str, when) -> None:
        """Go to ``when`` on ``camera_key`` (see :meth:`SyncPlayer.seek_recorded`), then say the clock moved."""
        self._player.seek_recorded(camera_key, when)
        self.clockChanged.emit(self._player.position())
