"""Where the review database lives by default."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "cctv-review"
DB_FILENAME = "cctv-review.sqlite"


def data_dir() -> Path:
    """The per-user data folder (e.g. %LOCALAPPDATA%\\cctv-review on Windows)."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """``$CCTV_REVIEW_DB`` if set, else cctv-review.sqlite in the user data folder."""
    override = os.environ.get("CCTV_REVIEW_DB")
    return Path(override) if override else data_dir() / DB_FILENAME


def stills_dir(db_path: Path) -> Path:
    """Stills captured with findings sit beside the database they belong to."""
    return db_path.parent / (db_path.stem + "-stills")
