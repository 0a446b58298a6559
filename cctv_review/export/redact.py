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
  custody numbers); the camera name is kept.
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
