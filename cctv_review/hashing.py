"""SHA-256 of footage files, streamed, with progress and cancel."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

CHUNK = 4 * 1024 * 1024


class HashCancelled(Exception):
    pass


def sha256_file(
    path: str | Path,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> str:
    """Hash a file without loading it whole; reads only, never writes."""
    path = Path(path)
    size = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if cancel is not None and cancel():
                raise HashCancelled(str(path))
            if progress is not None and size:
                progress(done / size)
    return digest.hexdigest()
