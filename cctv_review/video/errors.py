"""Plain-language errors raised by the video engine.

Every error names the file, says what is wrong and what the reviewer can do
about it.  ``str(error)`` is that full message; ``error.message`` is the same
text and ``error.path`` the file concerned.  The GUI can show ``str(e)``
directly.  All of them derive from :class:`VideoError`, so callers can catch
that one class.
"""

from __future__ import annotations

import os

from cctv_review.errors import UserFacingError


class VideoError(UserFacingError):
    """Base class: a video file could not be opened, read or decoded."""

    #: Short label of the problem, used by subclasses to build messages.
    problem = "could not be read as video"
    #: What the reviewer can do about it.
    advice = (
        "Check that the file is a complete CCTV export; if it came from an NVR, "
        "export it again or ask the force for a fresh copy."
    )

    def __init__(
        self, path: str | os.PathLike[str] | None, detail: str | None = None, *, advice: str | None = None
    ) -> None:
        self.path = "" if path is None else os.fspath(path)
        self.detail = detail or self.problem
        if advice is not None:
            self.advice = advice
        name = os.path.basename(self.path) or self.path or "(no file)"
        where = f' (in "{os.path.dirname(self.path)}")' if os.path.dirname(self.path) else ""
        self.message = f'The file "{name}"{where} {self.detail}. {self.advice}'
        super().__init__(self.message)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class VideoFileMissing(VideoError):
    problem = "cannot be found"
    advice = (
        "It may have been moved, renamed or deleted, or the drive it is on "
        "may not be connected. Locate the file and open it again."
    )


class NotAVideo(VideoError):
    problem = "is not a video file"
    advice = (
        "Check that you chose the right file; CCTV exports are usually .mp4, .avi, .mkv, .mov or .ts files."
    )


class CorruptVideo(VideoError):
    problem = "is damaged or incomplete"
    advice = (
        "It may have been cut short while copying or exporting. Copy it again "
        "from the original media or ask for a fresh export from the NVR."
    )


class UnsupportedCodec(VideoError):
    problem = "uses a video format this application cannot decode"
    advice = (
        "Export the footage again from the recorder's own player as MP4 "
        "(H.264), or convert it with the supplier's tool, then open the new file."
    )


class EmptyVideo(VideoError):
    problem = "contains no video pictures"
    advice = (
        "The export may have failed or covered an empty period. Export the "
        "footage again, checking the start and end times."
    )


class CutOff(CorruptVideo):
    """The export or copy was interrupted: the file ends before it is complete."""

    problem = "was cut off before the export or copy finished"
    advice = (
        "It cannot be repaired here. Ask the force for a complete export of this "
        "footage (or copy it again from the original media), then add the new file."
    )


class AudioOnly(EmptyVideo):
    """The file holds sound but no video stream."""

    problem = "has sound but no pictures"
    advice = (
        "It is an audio recording (for example an interview-room microphone). "
        "If pictures were expected, ask the force for the video export of this camera."
    )


__all__ = [
    "AudioOnly",
    "CorruptVideo",
    "CutOff",
    "EmptyVideo",
    "NotAVideo",
    "UnsupportedCodec",
    "VideoError",
    "VideoFileMissing",
]
