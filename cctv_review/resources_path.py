"""Where the application's resources (form templates, icons, styles) live.

In a source checkout (and an editable install) they are in ``resources/`` at
the top of the repository; an installed wheel carries them as the package
``cctv_review.resources``; the Windows build puts them next to the executable.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    candidates = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        candidates.append(Path(frozen) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    candidates.append(Path(__file__).resolve().parent / "resources")
    for candidate in candidates:
        if (candidate / "forms").is_dir():
            return candidate
    raise FileNotFoundError(
        "cctv-review's resources folder (form templates) was not found; reinstall the application."
    )
