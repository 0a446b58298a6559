"""Qt-free playback engine.

Threads
-------
``Player`` runs two worker threads per open clip; the calling (GUI) thread
never decodes:

* the **decoder** thread owns the :class:`~cctv_review.video.reader.FrameReader`.
  It probes the file, executes commands (seek, step) and, while playing,
  decodes the frames that will be shown into a small bounded queue
  (``queue_frames``, default 4).  It asks the clock where playback will be by
  the time the next frame is ready and decodes *that* frame: at high speed,
  or when decoding cannot keep up, frames in between are skipped with
  ``grab()`` (decoded, never converted) or, when far enough ahead, by an exact
  seek.  So frames are dropped evenly and lag never grows.
* the **presenter** thread takes frames from the queue and hands each to
  ``on_frame(frame)`` when the :class:`~cctv_review.video.clock.PlaybackClock`
  says it is due, dropping frames that are too late.  The clock follows wall
  time (speed x elapsed), never the frames, so playback cannot drift.

Callbacks (all called from worker threads; keep them short and thread-safe):

* ``on_frame(frame)`` - a :class:`Frame` to display (``frame.prepared`` holds
  the result of the optional ``prepare(frame)`` hook, run in the decoder
  thread, e.g. to build a QImage off the GUI thread);
* ``on_opened(info)`` - the clip was probed and is ready;
* ``on_state(playing)`` - play/pause changed (also at end of clip);
* ``on_end()`` - playback reached the last frame;
* ``on_error(error)`` - a :class:`~cctv_review.video.errors.VideoError`
  (opening failed, or the rest of the clip cannot be decoded);
* ``on_warning(text)`` - non-fatal, e.g. a damaged section was skipped.

Display size
------------
``set_display_size(width, height)`` (device pixels of the picture area; 0 or
None = full size) lets the decoder thread produce shown frames at half or
quarter size when the picture will be shown at no more than 1/2 or 1/4 of the
frame's size (see :mod:`cctv_review.video._display`): index and time are
unchanged, only ``frame.image`` is smaller (``frame.scale`` says by how much).
The optional ``alloc(height, width) -> (view, owner)`` hook lets the caller
supply the memory the converted pixels are written into (the Qt adapter
passes a QImage's buffer, so the display image needs no further copy).  For
full-resolution pixels (stills, analysis) use a
:class:`~cctv_review.video.reader.FrameReader`, not the shown frames.

Frame stepping keeps recently decoded frames in a cache bounded both in
frames and bytes (``cache_frames``, ``cache_bytes``).  Stepping back to a
frame not in the cache decodes the stretch before it once (seek + forward
decode) and caches it, so successive back-steps are served from memory
instead of re-decoding a GOP every press.

``open(path)`` is asynchronous: it returns at once; ``info`` is ``None``
until the clip has been probed (``wait_opened()`` blocks for scripts/tests).
Every method is safe to call from any thread.  ``close()`` stops and joins
both threads (with a timeout) and releases the file.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from . import _display
from ._pyav import DECODE_THREADS
from .clock import PlaybackClock, display_step, late_tolerance, next_target
from .errors import CorruptVideo, VideoError
from .index import ClipIndex
from .probe import VideoInfo, probe
from .reader import Frame, FrameReader

log = logging.getLogger(__name__)

_END = "end"
_STILL = "still"
_PLAY = "play"


@dataclasses.dataclass(frozen=True, eq=False)
class PlayerFrame(Frame):
    """A :class:`Frame` plus whatever ``prepare`` made of it."""

    prepared: Any = None


class FrameCache:
    """Recently decoded frames by index, bounded in count and bytes (LRU)."""

    def __init__(self, max_frames: int, max_bytes: int) -> None:
        self.max_frames = max(1, int(max_frames))
        self.max_bytes = max(1, int(max_bytes))
        self._frames: collections.OrderedDict[int, Frame] = collections.OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def capacity_for(self, frame_bytes: int) -> int:
        return max(1, min(self.max_frames, self.max_bytes // max(1, frame_bytes)))

    def get(self, index: int) -> Frame | None:
        f = self._frames.get(index)
        if f is None:
            self.misses += 1
            return None
        self._frames.move_to_end(index)
        self.hits += 1
        return f

    def put(self, frame: Frame) -> None:
        old = self._frames.pop(frame.index, None)
        if old is not None:
            self._bytes -= old.nbytes
        self._frames[frame.index] = frame
        self._bytes += frame.nbytes
        while self._frames and (len(self._frames) > self.max_frames or self._bytes > self.max_bytes):
            _, f = self._frames.popitem(last=False)
            self._bytes -= f.nbytes

    def clear(self) -> None:
        self._frames.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._frames)

    def __contains__(self, index: int) -> bool:
        return index in self._frames

    @property
    def nbytes(self) -> int:
        return self._bytes


class _Session:
    """One opened clip: its threads and decoder-side state."""

    def __init__(self, path: str, info: VideoInfo | None) -> None:
        self.path = path
        self.info = info
        self.stop = False
        self.queue: queue.Queue = queue.Queue()
        self.decoder: threading.Thread | None = None
        self.presenter: threading.Thread | None = None
        self.last_target: int | None = None
        self.eof_sent = False
        self.opened = threading.Event()
        self.cost_ema = 0.0  # wall seconds to produce one shown frame
        self.index: ClipIndex | None = None  # stored frame index, if the caller had one


class Player:
    """Playback engine for one clip at a time (see module docstring)."""

    def __init__(
        self,
        *,
        on_frame: Callable[[Frame], None] | None = None,
        on_error: Callable[[VideoError], None] | None = None,
        on_end: Callable[[], None] | None = None,
        on_state: Callable[[bool], None] | None = None,
        on_opened: Callable[[VideoInfo], None] | None = None,
        on_warning: Callable[[str], None] | None = None,
        prepare: Callable[[Frame], Any] | None = None,
        alloc: Callable[[int, int], tuple[Any, Any]] | None = None,
        paced: bool = True,
        queue_frames: int = 4,
        cache_frames: int = 64,
        cache_bytes: int = 192 * 1024 * 1024,
        threads: int | None = None,
        time_fn: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_frame = on_frame
        self.on_error = on_error
        self.on_end = on_end
        self.on_state = on_state
        self.on_opened = on_opened
        self.on_warning = on_warning
        self.prepare = prepare
        self.alloc = alloc
        self._display: tuple[int, int] | None = None
        self.paced = paced
        self.queue_frames = max(1, int(queue_frames))
        self.threads = threads or DECODE_THREADS
        self._cv = threading.Condition()
        self._clock = PlaybackClock(time_fn)
        self._cache = FrameCache(cache_frames, cache_bytes)
        self._session: _Session | None = None
        self._cmds: collections.deque = collections.deque()
        self._gen = 0
        self._playing = False
        self._shown: Frame | None = None
        self._cursor: int | None = None
        self.stats = {"shown": 0, "dropped": 0, "decoded": 0, "seeks": 0}

    # ------------------------------------------------------------------
    # public API
    # ------------------------------------------------------------------
    def open(self, path: str, info: VideoInfo | None = None, *, index: ClipIndex | None = None) -> None:
        """Start opening ``path`` (asynchronous; see ``on_opened``/``on_error``).

        ``index``: the clip's stored frame index (from the store), so the
        decoder thread need not demux the whole file again; without it (or if
        the file changed) the index is built in the decoder thread and is
        available as ``info.index`` in ``on_opened`` for the caller to store.
        """
        self.close()
        sess = _Session(str(path), info)
        sess.index = index
        with self._cv:
            self._session = sess
            self._cmds.clear()
            self._gen += 1
            self._playing = False
            self._shown = None
            self._cursor = 0
            self._cache.clear()
            self._clock.pause()
            self._clock.seek(0)
            self.stats = {"shown": 0, "dropped": 0, "decoded": 0, "seeks": 0}
        sess.queue = queue.Queue(maxsize=self.queue_frames)
        sess.decoder = threading.Thread(
            target=self._decode_main, args=(sess,), name="video-decoder", daemon=True
        )
        sess.presenter = threading.Thread(
            target=self._present_main, args=(sess,), name="video-presenter", daemon=True
        )
        sess.decoder.start()
        sess.presenter.start()

    def wait_opened(self, timeout: float = 10.0) -> VideoInfo | None:
        """Block until the clip is open (or failed); return its info or None."""
        sess = self._session
        if sess is None:
            return None
        sess.opened.wait(timeout)
        return sess.info if sess.opened.is_set() else None

    def close(self, timeout: float = 3.0) -> None:
        """Stop the worker threads and release the file."""
        with self._cv:
            sess, self._session = self._session, None
            if sess is None:
                return
            sess.stop = True
            self._gen += 1
            self._playing = False
            self._cv.notify_all()
        self._flush(sess)
        try:
            sess.queue.put_nowait(None)
        except queue.Full:
            pass
        me = threading.current_thread()
        for t in (sess.decoder, sess.presenter):
            if t is not None and t is not me and t.is_alive():
                t.join(timeout)
                if t.is_alive():  # pragma: no cover - a decoder stuck in FFmpeg
                    log.warning("video thread %s did not stop within %.1fs", t.name, timeout)
        self._cache.clear()

    def set_display_size(self, width: int | None, height: int | None = None) -> None:
        """The picture area's size in device pixels (0/None: show full size).

        Frames decoded from now on are produced at half or quarter size when
        they will be shown that small.  When paused, the frame on screen is
        decoded again if the reduction changes (e.g. the window was enlarged).
        """
        disp = None
        if width and height and int(width) > 0 and int(height) > 0:
            disp = (int(width), int(height))
        with self._cv:
            self._display = disp
            sess = self._session
            info = sess.info if sess is not None and sess.opened.is_set() else None
            shown = self._shown
            if sess is None or info is None or shown is None or self._playing or self._cmds or sess.stop:
                return
            if _display.scale_for(info.display_width, info.height, disp) != getattr(shown, "scale", 1):
                self._cmds.append(("seek", shown.index, self._gen, None))
                self._cv.notify_all()

    @property
    def display_size(self) -> tuple[int, int] | None:
        return self._display

    def display_scale(self, info: VideoInfo | None = None) -> int:
        """The reduction (1, 2 or 4) frames of the open clip are produced at now."""
        info = info if info is not None else self.info
        if info is None:
            return 1
        return _display.scale_for(info.display_width, info.height, self._display)

    @property
    def info(self) -> VideoInfo | None:
        sess = self._session
        return sess.info if sess is not None and sess.opened.is_set() else None

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._clock.speed

    @property
    def position_ms(self) -> int:
        """Current position: the clock while playing, else the frame on screen."""
        with self._cv:
            info = self.info
            if self._playing:
                pos = self._clock.position_ms()
                if info is not None:
                    pos = min(pos, info.duration_ms)
                return int(pos)
            if self._cursor is not None and info is not None:
                return info.ms_of_frame(self._cursor)
            return self._shown.position_ms if self._shown is not None else 0

    @property
    def current_frame(self) -> Frame | None:
        """The frame most recently handed to ``on_frame``."""
        return self._shown

    def play(self) -> None:
        with self._cv:
            sess = self._session
            if sess is None or self._playing:
                return
            info = sess.info
            if (
                info is not None
                and self._shown is not None
                and self._cursor is None
                and self._shown.index >= info.frame_count - 1
            ):
                self._seek_locked(0)  # at the end: play again from the start
            self._playing = True
            pos = self._shown.position_ms if self._shown is not None else 0
            if self._cursor is not None and info is not None:
                pos = info.ms_of_frame(self._cursor)
            self._clock.start(at_ms=pos)
            self._cv.notify_all()
        self._emit(self.on_state, True)

    def pause(self) -> None:
        with self._cv:
            if not self._playing:
                return
            self._pause_locked()
        self._emit(self.on_state, False)

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, speed: float) -> None:
        with self._cv:
            self._clock.set_speed(speed)
            self._cv.notify_all()

    def seek_frame(self, index: int) -> None:
        with self._cv:
            self._seek_locked(int(index))

    def seek_ms(self, ms: float) -> None:
        with self._cv:
            info = self._session.info if self._session else None
            if info is None:
                self._seek_locked(None, ms=ms)
            else:
                self._seek_locked(info.frame_at_ms(ms))

    def jump(self, seconds: float) -> None:
        """Move by ``seconds`` (e.g. +/-1, 10, 60) from the current position."""
        self.seek_ms(max(0, self.position_ms + seconds * 1000.0))

    def step(self, delta: int = 1) -> None:
        """Pause and show the frame ``delta`` frames away (+1 / -1)."""
        was_playing = False
        with self._cv:
            sess = self._session
            if sess is None:
                return
            if self._playing:
                self._pause_locked()
                was_playing = True
            base = self._cursor
            if base is None:
                base = self._shown.index if self._shown is not None else 0
            target = base + int(delta)
            if sess.info is not None:
                target = max(0, min(sess.info.frame_count - 1, target))
            target = max(0, target)
            self._cursor = target
            self._gen += 1
            self._cmds.append(("step", target, self._gen))
            self._cv.notify_all()
        self._flush(sess)
        if was_playing:
            self._emit(self.on_state, False)

    # ------------------------------------------------------------------
    # helpers (caller side)
    # ------------------------------------------------------------------
    def _pause_locked(self) -> None:
        self._playing = False
        self._clock.pause()
        if self._shown is not None:
            self._clock.seek(self._shown.position_ms)
        self._cv.notify_all()

    def _seek_locked(self, index: int | None, ms: float | None = None) -> None:
        sess = self._session
        if sess is None:
            return
        self._gen += 1
        # Coalesce: a new seek replaces pending seeks/steps (scrubbing).
        self._cmds = collections.deque(c for c in self._cmds if c[0] not in ("seek", "step"))
        self._cmds.append(("seek", index, self._gen, ms))
        if index is not None:
            self._cursor = index
            if sess.info is not None:
                self._clock.seek(sess.info.ms_of_frame(index))
        self._cv.notify_all()
        self._flush(sess)

    @staticmethod
    def _flush(sess: _Session) -> None:
        try:
            while True:
                sess.queue.get_nowait()
        except queue.Empty:
            pass

    def _emit(self, cb: Callable | None, *args: Any) -> None:
        if cb is None:
            return
        try:
            cb(*args)
        except Exception:  # a GUI callback must never kill the engine
            log.exception("video callback %r failed", cb)

    def _error(self, err: Exception) -> None:
        if not isinstance(err, VideoError):
            path = self._session.path if self._session else None
            err = CorruptVideo(path, f"could not be decoded ({err})")
        self._emit(self.on_error, err)

    # ------------------------------------------------------------------
    # decoder thread
    # ------------------------------------------------------------------
    def _decode_main(self, sess: _Session) -> None:
        reader: FrameReader | None = None
        try:
            info = sess.info if sess.info is not None else probe(sess.path, index=sess.index)
            reader = FrameReader(sess.path, info, threads=self.threads)
            sess.info = info
            sess.opened.set()
            self._emit(self.on_opened, info)
            for w in info.warnings:
                self._emit(self.on_warning, w)
            with self._cv:
                # Resolve seeks requested before the clip was probed.
                self._cmds = collections.deque(
                    ("seek", info.frame_at_ms(c[3]) if c[1] is None else c[1], c[2], c[3])
                    if c[0] == "seek"
                    else c
                    for c in self._cmds
                )
                if not any(c[0] in ("seek", "step") for c in self._cmds):
                    self._cmds.appendleft(("seek", 0, self._gen, None))
                # The cursor and the clock follow the last seek, so position_ms and
                # play() start where a seek made during opening asked for.
                last_seek = next((c for c in reversed(self._cmds) if c[0] == "seek"), None)
                if last_seek is not None:
                    self._cursor = max(0, min(info.frame_count - 1, int(last_seek[1])))
                    self._clock.seek(info.ms_of_frame(self._cursor))
            self._decode_loop(sess, reader)
        except VideoError as exc:
            sess.opened.set()
            self._error(exc)
        except Exception as exc:  # pragma: no cover - defensive
            log.exception("video decoder failed")
            sess.opened.set()
            self._error(exc)
        finally:
            if reader is not None:
                reader.close()
            with self._cv:
                self._playing = False if self._session is sess else self._playing

    def _decode_loop(self, sess: _Session, reader: FrameReader) -> None:
        info = reader.info
        while True:
            with self._cv:
                while not sess.stop and not self._cmds and not (self._playing and not sess.eof_sent):
                    self._cv.wait(0.5)
                if sess.stop:
                    return
                cmd = self._cmds.popleft() if self._cmds else None
                gen = self._gen
                speed = self._clock.speed
            if cmd is not None:
                self._run_command(sess, reader, cmd)
                continue
            # -- playing: produce the next frame to show ----------------
            step = display_step(info.fps, speed) if self.paced else 1
            if self.paced:
                lead_ms = sess.cost_ema * 1000.0 * speed
                with self._cv:
                    ahead = self._clock.position_ms() + lead_ms
                clock_idx = info.frame_at_ms(ahead)  # the index: exact with gaps and variable rate
            else:
                clock_idx = 0
            target = next_target(sess.last_target, step, clock_idx)
            if target > info.frame_count - 1:
                if sess.last_target is not None and sess.last_target >= info.frame_count - 1:
                    sess.eof_sent = True
                    self._put(sess, gen, _END, None)
                    continue
                target = info.frame_count - 1
            t0 = time.monotonic()
            frame = self._read(sess, reader, target, forward_limit=max(2 * int(info.fps), 3 * step))
            cost = time.monotonic() - t0
            sess.cost_ema = cost if sess.cost_ema == 0 else 0.8 * sess.cost_ema + 0.2 * cost
            if frame is None:
                sess.eof_sent = True
                self._put(sess, gen, _END, None)
                continue
            sess.last_target = frame.index
            self._cache.put(frame)
            self._put(sess, gen, _PLAY, frame)

    def _run_command(self, sess: _Session, reader: FrameReader, cmd: tuple) -> None:
        kind, target, gen = cmd[0], cmd[1], cmd[2]
        info = reader.info
        target = max(0, min(info.frame_count - 1, int(target)))
        sess.eof_sent = False
        frame = self._cache.get(target)
        if frame is not None and getattr(frame, "scale", 1) != self.display_scale(info):
            frame = None  # cached at another display size (the window was resized)
        if frame is None:
            if kind == "step" and (reader.position_index is None or target <= reader.position_index):
                frame = self._refill_back(sess, reader, target)
            else:
                frame = self._read(sess, reader, target)
            if frame is None:
                self._put(sess, gen, _END, None)
                return
            self._cache.put(frame)
        sess.last_target = frame.index
        self._update_stats(reader)
        self._put(sess, gen, _STILL, frame)

    def _refill_back(self, sess: _Session, reader: FrameReader, target: int) -> Frame | None:
        """Decode the stretch ending at ``target`` once and cache it all."""
        sample = self._shown
        frame_bytes = sample.nbytes if sample is not None else reader.info.width * reader.info.height * 3
        span = self._cache.capacity_for(frame_bytes)
        start = max(0, target - span + 1)
        frame = self._read(sess, reader, start)
        while frame is not None and frame.index < target:
            self._cache.put(frame)
            frame = reader.read_next()
        return frame

    def _read(
        self, sess: _Session, reader: FrameReader, target: int, forward_limit: int | None = None
    ) -> Frame | None:
        """Read ``target`` exactly; skip forward past damage; None at the end."""
        info = reader.info
        reader.set_output(self.display_scale(info), self.alloc)
        try:
            try:
                return reader.read_at_frame(target, forward_limit=forward_limit)
            except CorruptVideo:
                pass
            for skip_s in (0.2, 1, 2, 5, 10, 30, 60):
                t = target + max(1, int(skip_s * info.fps))
                if t > info.frame_count - 1:
                    break
                try:
                    frame = reader.read_at_frame(t)
                except CorruptVideo:
                    continue
                self._emit(
                    self.on_warning,
                    f"Part of the file is damaged; skipped from frame {target} to {frame.index}.",
                )
                return frame
            return None
        finally:
            self._update_stats(reader)

    def _update_stats(self, reader: FrameReader) -> None:
        self.stats["decoded"] = reader.decoded_frames
        self.stats["seeks"] = reader.seeks
        self.stats["cache_hits"] = self._cache.hits

    def _put(self, sess: _Session, gen: int, kind: str, frame: Frame | None) -> None:
        if frame is not None:
            prepared = None
            if self.prepare is not None:
                try:
                    prepared = self.prepare(frame)
                except Exception:
                    log.exception("prepare hook failed")
            frame = PlayerFrame(
                frame.index,
                frame.position_ms,
                frame.image,
                scale=frame.scale,
                owner=frame.owner,
                prepared=prepared,
            )
        item = (gen, kind, frame)
        while True:
            if sess.stop or gen != self._gen:
                return
            try:
                sess.queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    # ------------------------------------------------------------------
    # presenter thread
    # ------------------------------------------------------------------
    def _present_main(self, sess: _Session) -> None:
        try:
            self._present_loop(sess)
        except Exception:  # pragma: no cover - defensive
            log.exception("video presenter failed")

    def _show(self, frame: Frame, *, still: bool) -> None:
        with self._cv:
            self._shown = frame
            if not still:
                self._cursor = None
            self.stats["shown"] += 1
        self._emit(self.on_frame, frame)

    def _present_loop(self, sess: _Session) -> None:
        while not sess.stop:
            try:
                item = sess.queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None or sess.stop:
                return
            gen, kind, frame = item
            if gen != self._gen:
                continue
            if kind == _STILL:
                with self._cv:
                    if gen != self._gen:
                        continue
                    self._clock.seek(frame.position_ms)
                self._show(frame, still=True)
                continue
            if kind == _END:
                self._finish(sess, gen)
                continue
            if not self.paced:
                self._show(frame, still=False)
                continue
            info = sess.info
            assert info is not None  # frames are only queued once the clip is open
            while not sess.stop:
                with self._cv:
                    if gen != self._gen:
                        break
                    if not self._playing:
                        self._cv.wait(0.1)
                        continue
                    step = display_step(info.fps, self._clock.speed)
                    action, dt = self._clock.decide(
                        frame.position_ms, late_tolerance(info.fps, self._clock.speed, step)
                    )
                    if action == "wait":
                        self._cv.wait(min(dt, 0.05))
                        continue
                # The last frame, and the last before a gap in the recording (it stays on
                # screen for the gap's length), are always shown, even late.
                before_gap = info.ms_of_frame(frame.index + 1) - frame.position_ms > 2 * info.frame_ms
                if action == "show" or before_gap or frame.index >= info.frame_count - 1:
                    self._show(frame, still=False)
                else:
                    self.stats["dropped"] += 1
                break

    def _finish(self, sess: _Session, gen: int) -> None:
        """End of clip: let the clock reach the end, then stop."""
        info = sess.info
        while not sess.stop and self.paced:
            with self._cv:
                if gen != self._gen or not self._playing:
                    return
                last = self._shown.position_ms if self._shown is not None else 0
                dt = self._clock.wall_until(last + (info.frame_ms if info else 40))
                if dt <= 0:
                    break
                self._cv.wait(min(dt, 0.05))
        with self._cv:
            if gen != self._gen or sess.stop:
                return
            was = self._playing
            self._playing = False
            self._clock.pause()
            if self._shown is not None:
                self._clock.seek(self._shown.position_ms)
        if was:
            self._emit(self.on_state, False)
        self._emit(self.on_end)
