"""The export package's error (kept apart so every module can import it)."""

from __future__ import annotations

from cctv_review.errors import UserFacingError


class ExportError(UserFacingError):
    """An export could not be written; the message says why in plain words."""
