"""Adding footage to a case: probe it, hash it, record it (never copy or change it).

A clip's exact frame index (:mod:`cctv_review.video.index`) is built when it
is added and kept in the store; :func:`clip_index` returns it for a stored
clip, building and saving it first if the clip predates the index (or the
file changed since), so every clip is demuxed only once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cctv_review.domain import Clip
from cctv_review.hashing import sha256_file

if TYPE_CHECKING:
    from cctv_review.video.index import ClipIndex


def read_clip_file(
    case_id: int,
    path: str | Path,
    camera: str,
    recorded_start: datetime | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[Clip, ClipIndex | None]:
    """Probe and hash ``path`` for the case: the clip to store (no id yet) and its frame index.

    Reads the file twice: the index pass (one demux, :mod:`cctv_review.video.index`)
    reports ``progress`` 0..0.5, hashing 0.5..1.  Stores nothing (a GUI job
    hands both to the GUI thread, which stores them; :func:`add_clip_file`
    stores them at once).  Raises :class:`cctv_review.video.VideoError` (with a
    plain-language message) when the file is missing or not playable video,
    ``IndexCancelled``/``HashCancelled`` when ``cancel()`` returned True.
    """
    from cctv_review.video import probe

    path = Path(path).resolve()
    if progress is not None:
        progress(0.0)
    half = (lambda f: progress(0.5 * f)) if progress is not None else None
    info = probe(str(path), progress=half, cancel=cancel)
    rest = (lambda f: progress(0.5 + 0.5 * f)) if progress is not None else None
    digest = sha256_file(path, progress=rest, cancel=cancel)
    clip = Clip(
        case_id=case_id,
        path=str(path),
        camera=camera.strip() or path.stem,
        recorded_start=recorded_start,
        duration_ms=info.duration_ms,
        fps=info.fps,
        frame_count=info.frame_count,
        width=info.width,
        height=info.height,
        codec=info.codec,
        sha256=digest,
        file_size=path.stat().st_size,
    )
    return clip, info.index


def add_clip_file(
    store,
    case_id: int,
    path: str | Path,
    camera: str,
    recorded_start: datetime | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Clip:
    """Probe ``path`` with the video engine, hash it and add it to the case, with its frame index.

    Raises :class:`cctv_review.video.VideoError` (with a plain-language message)
    when the file is missing or not playable video; nothing is stored then.
    """
    clip, index = read_clip_file(case_id, path, camera, recorded_start, progress=progress, cancel=cancel)
    added = store.add_clip(clip)
    if index is not None and added.id is not None:
        store.save_clip_index(added.id, index.to_record())
    return added


def stored_index(store: Any, clip: Clip) -> ClipIndex | None:
    """The clip's stored frame index if it still describes the file, else None.

    None when the clip has none (added before the index existed), when it is
    of an older layout, or when the file's size or modification time changed
    since it was indexed (:meth:`ClipIndex.matches_file`): the caller then
    builds it again.  One read of the store and one ``stat`` of the file;
    never reads the video.
    """
    from cctv_review.video.index import ClipIndex as _ClipIndex

    if clip.id is None:
        return None
    record = store.clip_index_record(clip.id)
    if record is None:
        return None
    index = _ClipIndex.from_record(record)
    if index is None or not index.matches_file(clip.path):
        return None
    return index


def clip_index(
    store: Any,
    clip: Clip,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ClipIndex:
    """The frame index of a stored clip: loaded, or built (one demux pass) and saved.

    Call it off the GUI thread (a worker with progress): building reads the
    whole file.  Raises :class:`cctv_review.video.VideoError` if the file is
    missing or unreadable, :class:`cctv_review.video.index.IndexCancelled`
    if ``cancel()`` returned True.
    """
    from cctv_review.video.index import build_index

    assert clip.id is not None
    index = stored_index(store, clip)
    if index is not None:
        return index
    index = build_index(clip.path, progress=progress, cancel=cancel)
    store.save_clip_index(clip.id, index.to_record())
    return index
