"""Adding footage to a case: probe it, hash it, record it (never copy or change it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cctv_review.domain import Clip
from cctv_review.hashing import sha256_file


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
    return store.add_clip(clip)
