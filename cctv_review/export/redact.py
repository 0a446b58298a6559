"""Redaction for sharing exports beyond the force.

A redacted export leaves out personal identifiers and keeps the findings:

* **Case references** (custody record numbers) are replaced by a stable
  pseudonym, ``CASE-`` followed by the first 10 hex digits (40 bits) of
  HMAC-SHA256(secret, reference).  The reference is normalised first (spaces
  trimmed, upper case) because the store treats references case-insensitively.
* The **secret** is 32 random bytes made once with :mod:`secrets` and kept in
  the database's settings (``export.pseudonym_secret``).  So the same case gets
  the same pseudonym in every export from the same database (a recipient can
  follow a case across monthly exports), a different database gives different
  pseudonyms, and nobody without the database can recover a reference by
  hashing every plausible custody number.  Anyone who holds the database
  already holds the references, so keeping the secret there gives nothing away.
  40 bits keeps accidental collisions negligible (about 1 in 20,000 for 10,000
  cases) while staying short enough to read out.
* **Reviewer names** (reviewer, completed by, finding and answer authors) are
  left out: the columns are dropped, not blanked.
* **File paths** of clips and stills are left out (they can contain names or
  custody numbers); the camera name is kept, unless it could carry the custody
  number (:func:`redact_camera`): a name that is the clip's file name (older
  versions named a camera after its file when none was typed), or that holds
  the case reference (compared on letters and digits only, so ``CR20260042``
  is found for ``CR/2026/0042``), becomes "Camera N", numbered per case.
* **Stills** are left out of redacted PDF reports, because a frame from
  custody CCTV can show a detainee's face; the report says so.
* **Kept**: notes, rationales and free-text answers (as the issue asks: the
  learning is the point of sharing), custody suite, detention date, flags,
  outcomes, themes, clip positions and recorded times.  Reviewers should keep
  names out of notes; the report's cover says that free text is not redacted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from cctv_review.domain import Clip

SECRET_SETTING = "export.pseudonym_secret"
PSEUDONYM_PREFIX = "CASE-"
PSEUDONYM_HEX_DIGITS = 10

REDACTION_NOTE = (
    "Redacted for sharing: case references are replaced by pseudonyms, and reviewer names, "
    "file paths and still images are left out. Notes and free-text answers are kept as written."
)


def pseudonym_secret(store) -> bytes:
    """The database's pseudonym secret, made and saved on first use."""
    value = store.setting(SECRET_SETTING)
    if not value and getattr(store, "read_only", False):
        from cctv_review.export.errors import ExportError

        raise ExportError(
            "A redacted export needs this review database's pseudonym secret, which has not been made yet "
            "and cannot be saved while the database is read-only. Export without redaction, or make the "
            "database writable and export again."
        )
    if not value:
        value = secrets.token_hex(32)
        store.set_setting(SECRET_SETTING, value)
        # Another export may have saved one at the same moment: use whichever won.
        value = store.setting(SECRET_SETTING, value)
    return bytes.fromhex(value)


def make_pseudonym(secret: bytes, reference: str) -> str:
    normalised = reference.strip().upper().encode("utf-8")
    digest = hmac.new(secret, normalised, hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX_DIGITS].upper()


class Pseudonymiser:
    """Maps case references to pseudonyms for one database."""

    def __init__(self, store):
        self._secret = pseudonym_secret(store)

    def __call__(self, reference: str) -> str:
        return make_pseudonym(self._secret, reference)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def camera_leaks(camera: str, reference: str, clip_path: str = "") -> bool:
    """Whether a camera name could carry the custody number into a redacted export.

    True when it holds the case reference (letters and digits compared, case
    ignored; references shorter than 3 such characters are not looked for)
    or is the clip's file name, with or without its extension.
    """
    name = _alnum(camera)
    if not name:
        return False
    ref = _alnum(reference)
    if len(ref) >= 3 and ref in name:
        return True
    if clip_path:
        file = clip_path.replace("\\", "/").rsplit("/", 1)[-1]
        stem = file.rsplit(".", 1)[0] if "." in file else file
        if name in (_alnum(file), _alnum(stem)):
            return True
    return False


def redact_cameras(reference: str, clips: Iterable[Clip]) -> dict[int, str]:
    """The camera name each clip of one case shows in a redacted export (clip id -> name).

    Names that :func:`camera_leaks` flags become "Camera N" (one number per
    distinct name, in the order given, after the case's own "Camera N"
    names); the others are kept.
    """
    clips = list(clips)
    taken = {c.camera for c in clips}
    shown: dict[int, str] = {}
    numbers: dict[str, str] = {}
    n = 1
    for clip in clips:
        if clip.id is None:
            continue
        if not camera_leaks(clip.camera, reference, clip.path):
            shown[clip.id] = clip.camera
            continue
        if clip.camera not in numbers:
            while f"Camera {n}" in taken:
                n += 1
            numbers[clip.camera] = f"Camera {n}"
            taken.add(numbers[clip.camera])
        shown[clip.id] = numbers[clip.camera]
    return shown
