"""Frames converted at display size (half/quarter), straight into a caller's buffer."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from cctv_review.video._display import from_bgr, reduced_size, scale_for
from cctv_review.video.player import Player
from cctv_review.video.reader import FrameReader

W, H = 640, 360


@pytest.fixture(scope="session")
def wide_h264(make_clip):
    """A numbered 640x360 H.264 clip (yuv420p: PyAV's reduced-I420 path)."""
    return make_clip("display_h264", "h264_gop50", 4, width=W, height=H)


@pytest.fixture(scope="session")
def wide_mjpeg(make_clip):
    """A numbered 640x360 MJPEG clip (yuvj420p: convert in full, then reduce)."""
    return make_clip("display_mjpeg", "mjpeg", 2, width=W, height=H)


def number_of(img, frame_number):
    """Frame number of a (possibly reduced, possibly BGRA) frame: scale it back up first."""
    img = img[..., :3] if img.shape[2] == 4 else img
    return frame_number(cv2.resize(np.ascontiguousarray(img), (W, H), interpolation=cv2.INTER_LINEAR))


def bgra_alloc(h, w):
    """A generic alloc hook: a padded BGRA buffer (like a QImage's), and its owner."""
    owner = np.zeros((h, w + 3, 4), np.uint8)
    return owner[:, :w], owner


def test_scale_for_follows_the_shown_size():
    assert scale_for(1920, 1080, None) == 1
    assert scale_for(1920, 1080, (0, 0)) == 1
    assert scale_for(1920, 1080, (1920, 1080)) == 1
    assert scale_for(1920, 1080, (1000, 540)) == 2  # fitted: shown 960x540, half size
    assert scale_for(1920, 1080, (1000, 541)) == 1
    assert scale_for(1920, 1080, (961, 541)) == 1
    assert scale_for(1920, 1080, (960, 540)) == 2
    assert scale_for(1920, 1080, (960, 2000)) == 2  # shown fitted: 960 wide
    assert scale_for(1920, 1080, (530, 300)) == 2
    assert scale_for(1920, 1080, (480, 270)) == 4
    assert scale_for(1920, 1080, (1900, 250)) == 4  # a wide, short area shows it small
    assert reduced_size(1920, 1080, 2) == (960, 540)
    assert reduced_size(1920, 1080, 4) == (480, 270)
    assert reduced_size(13, 11, 1) == (13, 11)
    assert reduced_size(13, 11, 2) == (6, 4)  # reduced sizes are even


@pytest.mark.parametrize("codec", ["h264", "mjpeg"])
def test_reduced_frames_match_resize_of_the_full_frame(
    codec, wide_h264, wide_mjpeg, decoder_backend, frame_number
):
    """Colour and geometry: reduced == cv2.resize(full, INTER_AREA) within a small tolerance."""
    path = wide_h264 if codec == "h264" else wide_mjpeg
    with FrameReader(path) as full_r, FrameReader(path) as small_r:
        for target in (0, 37, 12):
            full = full_r.read_at_frame(target)
            for scale in (2, 4):
                for alloc in (None, bgra_alloc):
                    small_r.set_output(scale, alloc)
                    f = small_r.read_at_frame(target)
                    ow, oh = reduced_size(W, H, scale)
                    assert (f.index, f.position_ms, f.scale) == (full.index, full.position_ms, scale)
                    assert f.image.shape == (oh, ow, 3 if alloc is None else 4)
                    if alloc is not None:
                        assert np.shares_memory(f.image, f.owner)  # written in place
                        assert (f.image[..., 3] == 255).all()
                    want = cv2.resize(full.image, (ow, oh), interpolation=cv2.INTER_AREA).astype(np.int16)
                    got = f.image[..., :3].astype(np.int16)
                    mae = np.abs(got - want).mean()
                    assert mae < 3.0, (codec, target, scale, mae)
                    assert number_of(f.image, frame_number) == target
            small_r.set_output(1, bgra_alloc)
            f = small_r.read_at_frame(target)
            assert f.image.shape == (H, W, 4) and f.scale == 1
            assert np.abs(f.image[..., :3].astype(np.int16) - full.image).mean() < 1.0


def test_from_bgr_odd_sizes_and_padded_bgr_buffers():
    img = np.random.default_rng(1).integers(0, 255, (11, 13, 3), dtype=np.uint8)

    def padded_bgr(h, w):
        owner = np.zeros((h, (w * 3 + 3) // 4 * 4), np.uint8)  # QImage-style 4-byte rows
        return owner[:, : w * 3].reshape(h, w, 3), owner

    out, owner = from_bgr(img, 1, padded_bgr)
    assert np.array_equal(out, img) and np.shares_memory(out, owner)
    out, owner = from_bgr(img, 2, padded_bgr)
    assert out.shape == (4, 6, 3) and np.shares_memory(out, owner)
    same, none = from_bgr(img, 1, None)
    assert same is img and none is None


class Shown:
    def __init__(self):
        self.frames = []
        self.cond = threading.Condition()

    def __call__(self, f):
        with self.cond:
            self.frames.append(f)
            self.cond.notify_all()

    def wait(self, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not (self.frames and pred(self.frames[-1])):
                left = deadline - time.monotonic()
                assert left > 0, f"timed out; last {self.frames[-1:]}"
                self.cond.wait(min(left, 0.05))
            return self.frames[-1]


@pytest.fixture
def small_player(decoder_backend):
    shown = Shown()
    p = Player(on_frame=shown, alloc=bgra_alloc, cache_frames=40)
    yield p, shown
    p.close()


def test_player_display_size_switching_keeps_the_index(wide_h264, small_player, frame_number):
    p, shown = small_player
    p.set_display_size(W // 4, H // 4)  # quarter, before opening
    p.open(str(wide_h264))
    p.wait_opened()
    f = shown.wait(lambda f: f.index == 0)
    assert f.image.shape[:2] == (90, 160) and f.scale == 4
    p.seek_frame(30)
    f = shown.wait(lambda f: f.index == 30)
    assert f.scale == 4 and number_of(f.image, frame_number) == 30 and f.position_ms == 1200

    # Paused: a new display size re-decodes the frame on screen at the new size.
    p.set_display_size(W // 2, H // 2)
    f = shown.wait(lambda f: f.index == 30 and f.scale == 2)
    assert f.image.shape[:2] == (180, 320) and number_of(f.image, frame_number) == 30
    p.set_display_size(0, 0)
    f = shown.wait(lambda f: f.index == 30 and f.scale == 1)
    assert f.image.shape[:2] == (H, W) and frame_number(f.image[..., :3].copy()) == 30
    p.set_display_size(W, H)  # full size: nothing to redo
    time.sleep(0.2)
    assert shown.frames[-1] is f

    # Back-steps come from the (display-size) cache and show the exact frame.
    p.set_display_size(W // 2, H // 2)
    shown.wait(lambda f: f.scale == 2)
    for expect in (29, 28, 27):
        p.step(-1)
        f = shown.wait(lambda f, e=expect: f.index == e)
        assert f.scale == 2 and number_of(f.image, frame_number) == expect
    assert p.stats["cache_hits"] >= 2

    # Playing: the new size applies to the next frames decoded.
    p.set_speed(4)
    p.play()
    shown.wait(lambda f: f.index > 40)
    p.set_display_size(W // 4, H // 4)
    f = shown.wait(lambda f: f.scale == 4)
    p.pause()
    assert f.image.shape[:2] == (90, 160) and number_of(f.image, frame_number) == f.index


@pytest.mark.parametrize("width", [640, 1000, 322])
def test_full_size_yuv420p_conversion_is_exactly_opencvs_i420(width):
    """The full-size PyAV path (Y view + interleaved UV, cvtColorTwoPlane) gives the
    same pixels as cv2's I420 conversion of the planes, whatever the line padding."""
    av = pytest.importorskip("av")
    from cctv_review.video._pyav import to_bgr, to_display

    height = 180
    rng = np.random.default_rng(width)
    i420 = rng.integers(16, 236, size=(height * 3 // 2, width), dtype=np.uint8)
    frame = av.VideoFrame.from_ndarray(i420, format="yuv420p")
    assert frame.format.name == "yuv420p"
    np.testing.assert_array_equal(to_bgr(frame), cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))
    img, owner = to_display(frame, 1, bgra_alloc)
    assert np.shares_memory(img, owner)
    np.testing.assert_array_equal(img, cv2.cvtColor(i420, cv2.COLOR_YUV2BGRA_I420))
    img, _ = to_display(frame, 1, None)
    np.testing.assert_array_equal(img, cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))
