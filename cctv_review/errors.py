"""The one base class for errors whose message is written for the user.

A :class:`UserFacingError` says what happened, where, and what the user can
do about it; ``str(error)`` is that whole message and can be shown as it is.
Every other exception is a bug: it goes to the log with its traceback and to
the crash dialog (``cctv_review.ui.errors.report_unexpected``).
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error the user can act on; ``str(error)`` is the plain-language message."""
