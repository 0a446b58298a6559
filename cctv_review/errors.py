"""Errors whose message is written for the user (what, where, what to do)."""

from __future__ import annotations


def user_facing_errors() -> tuple[type[BaseException], ...]:
    """The exception types whose message can be shown to the user as it is."""
    from cctv_review.importer import CaseImportError
    from cctv_review.migrations import SchemaTooNew
    from cctv_review.store import StoreError
    from cctv_review.template import TemplateError

    kinds: list[type[BaseException]] = [StoreError, CaseImportError, TemplateError, SchemaTooNew]
    try:
        from cctv_review.video.errors import VideoError

        kinds.append(VideoError)
    except ImportError:  # pragma: no cover - the video engine is part of the package
        pass
    try:
        from cctv_review.export import ExportError

        kinds.append(ExportError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(kinds)
