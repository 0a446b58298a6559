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


def add_clip_file(
    store,
    case_id: int,
    path: str | Path,
    camera: str,
    recorded_start: datetime | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Clip:
    """Probe ``path`` with the video engine, hash it and add it to the case.

    Raises :class:`cctv_review.video.VideoError` (with a plain-language message)
    when the file is missing or not playable video; nothing is stored then.
    """
    from cctv_review.video import probe

    path = Path(path).resolve()
    info = probe(str(path))
    if progress is not None:
        progress(0.0)
    digest = sha256_file(path, progress=progress, cancel=cancel)
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
    added = store.add_clip(clip)
    if info.index is not None and added.id is not None:
        store.save_clip_index(added.id, info.index.to_record())
    return added


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
    from cctv_review.video.index import ClipIndex as _ClipIndex
    from cctv_review.video.index import build_index

    assert clip.id is not None
    record = store.clip_index_record(clip.id)
    if record is not None:
        index = _ClipIndex.from_record(record)
        if index is not None and index.matches_file(clip.path):
            return index
    index = build_index(clip.path, progress=progress, cancel=cancel)
    store.save_clip_index(clip.id, index.to_record())
    return index
