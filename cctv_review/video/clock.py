"""Playback clock and frame pacing decisions (pure logic, injectable time).

The clock maps wall time to clip time: while running,
``position = anchor_position + (now - anchor_wall) * speed``.  It is never
advanced by frames, so playback cannot drift from wall time: when decoding
cannot keep up, frames are *dropped* (see :meth:`PlaybackClock.decide`) and
the decoder is told where the clock will be (:meth:`PlaybackClock.target_index`)
so it skips ahead evenly instead of falling behind.

All methods take an optional ``now`` (seconds) so tests can drive the clock
deterministically with a fake time source.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

#: The speeds offered to reviewers.
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
#: Upper bound on how many frames per second are shown; above it, frames are
#: thinned evenly (e.g. 16x of 25 fps shows every 14th frame, ~29 fps).
MAX_DISPLAY_FPS = 30.0


class PlaybackClock:
    """Wall-time based playback clock in clip milliseconds."""

    def __init__(self, time_fn: Callable[[], float] = time.monotonic) -> None:
        self._time = time_fn
        self._anchor_pos = 0.0
        self._anchor_wall = self._time()
        self._speed = 1.0
        self._running = False

    # -- state ---------------------------------------------------------
    @property
    def speed(self) -> float:
        return self._speed

    @property
    def running(self) -> bool:
        return self._running

    def now(self) -> float:
        return self._time()

    def position_ms(self, now: float | None = None) -> float:
        if not self._running:
            return self._anchor_pos
        now = self._time() if now is None else now
        return self._anchor_pos + (now - self._anchor_wall) * 1000.0 * self._speed

    # -- control ---------------------------------------------------------
    def start(self, at_ms: float | None = None, now: float | None = None) -> None:
        now = self._time() if now is None else now
        self._anchor_pos = self.position_ms(now) if at_ms is None else float(at_ms)
        self._anchor_wall = now
        self._running = True

    def pause(self, now: float | None = None) -> None:
        now = self._time() if now is None else now
        self._anchor_pos = self.position_ms(now)
        self._anchor_wall = now
        self._running = False

    def seek(self, ms: float, now: float | None = None) -> None:
        self._anchor_pos = float(ms)
        self._anchor_wall = self._time() if now is None else now

    def set_speed(self, speed: float, now: float | None = None) -> None:
        if not (speed > 0 and math.isfinite(speed)):
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        now = self._time() if now is None else now
        self._anchor_pos = self.position_ms(now)
        self._anchor_wall = now
        self._speed = float(speed)

    # -- pacing ----------------------------------------------------------
    def wall_until(self, pts_ms: float, now: float | None = None) -> float:
        """Seconds of wall time until ``pts_ms`` is due (negative: late)."""
        return (pts_ms - self.position_ms(now)) / (1000.0 * self._speed)

    def decide(self, pts_ms: float, tolerance_s: float, now: float | None = None) -> tuple[str, float]:
        """What to do with a frame stamped ``pts_ms``.

        Returns ``("wait", seconds)`` if it is not yet due, ``("show", late)``
        if it is due (late by at most ``tolerance_s`` of wall time), or
        ``("drop", late)`` if it is too late to be worth showing.
        """
        dt = self.wall_until(pts_ms, now)
        if dt > 0:
            return "wait", dt
        late = -dt
        return ("show", late) if late <= tolerance_s else ("drop", late)


def display_step(fps: float, speed: float, max_display_fps: float = MAX_DISPLAY_FPS) -> int:
    """Show every ``n``-th frame so at most ``max_display_fps`` are shown."""
    return max(1, math.ceil(fps * speed / max_display_fps - 1e-9))


def late_tolerance(fps: float, speed: float, step: int) -> float:
    """How late (wall seconds) a frame may be and still be shown."""
    interval = step / (fps * speed)
    return max(0.05, 2.0 * interval)


def next_target(last_target: int | None, step: int, clock_index_at_ready: int) -> int:
    """The next frame the decoder should produce.

    Normally ``last_target + step``; if the clock will already be past that
    when the frame is ready (decoding is too slow), jump to where the clock
    will be, so frames are dropped evenly and the lag cannot grow.
    """
    if last_target is None:
        return max(0, clock_index_at_ready)
    return max(last_target + step, clock_index_at_ready)
