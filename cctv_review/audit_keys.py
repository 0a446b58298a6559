"""The audit trail's key and checkpoints, kept outside the review database.

**The key.**  Each review database has an identity (a random id in its
``audit_meta`` table) and one secret key of 32 random bytes that signs its
audit trail (HMAC-SHA256, see :mod:`cctv_review.audit`).  The key is never
stored in the database: whoever can edit the database file should not be
able to re-sign an edited trail.  It is kept, in this order of preference:

1. the operating system's credential store through the ``keyring`` library
   (Windows Credential Manager, macOS Keychain, the Secret Service on a Linux
   desktop), service ``cctv-review audit key``, user name the store's id;
2. otherwise (no usable keyring backend, e.g. a headless Linux machine), a
   file ``<store id>.key`` in the user's config folder
   (``platformdirs.user_config_dir("cctv-review")/audit``: e.g.
   ``%APPDATA%\\cctv-review\\audit`` on Windows, ``~/.config/cctv-review/audit``
   on Linux), readable by the user only (mode 0600 on POSIX; on Windows the
   folder is in the user's profile, which only the user can read).

``CCTV_REVIEW_KEY_DIR`` overrides the folder and forces the file (the tests
use it, so they never touch the real keyring or config folder).

A key record also says from which audit entry the keyed chain starts
(``keyed_from``): entries before it were written by an earlier version with a
plain SHA-256 chain.  ``cctv-review audit export-key FILE`` writes the record
to a file so the database can be verified on another PC after
``cctv-review audit import-key FILE``.  Treat that file like a password.

**Checkpoints (anchors).**  A chain cannot show that entries were cut off its
end.  So every export, every ``cctv-review audit checkpoint`` and every close
of a store that wrote something records the trail's head (number of entries
and the last entry's hash, signed with the key) in ``<store id>.anchors.json``
beside the key, and ``audit verify`` checks the trail still holds every
checkpoint it knows (the latest :data:`MAX_ANCHORS`).

Plain Python; no Qt.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import platformdirs

from cctv_review.errors import UserFacingError

ENV_KEY_DIR = "CCTV_REVIEW_KEY_DIR"
KEYRING_SERVICE = "cctv-review audit key"
KEY_FORMAT = "cctv-review audit key 1"
MAX_ANCHORS = 200


class AuditKeyError(UserFacingError, RuntimeError):
    """The audit key could not be read, saved, exported or imported; the message says why."""


@dataclass(frozen=True)
class AuditKey:
    """One store's signing key.

    ``store_id`` is the database's identity (hex), ``secret`` 32 bytes,
    ``keyed_from`` the number of the first audit entry signed with it.
    """

    store_id: str
    secret: bytes
    keyed_from: int

    @classmethod
    def new(cls, store_id: str, keyed_from: int) -> AuditKey:
        return cls(store_id, secrets.token_bytes(32), keyed_from)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": KEY_FORMAT,
                "store_id": self.store_id,
                "key": self.secret.hex(),
                "keyed_from": self.keyed_from,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> AuditKey:
        """Parse a key record; raises ValueError when it is not one."""
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
            raise ValueError("not a cctv-review audit key")
        secret = bytes.fromhex(str(data["key"]))
        if len(secret) != 32:
            raise ValueError("the key has the wrong length")
        return cls(str(data["store_id"]), secret, int(data["keyed_from"]))

    def sign(self, payload: bytes) -> str:
        """HMAC-SHA256 (RFC 2104) of ``payload`` with this key, as hex."""
        return hmac.new(self.secret, payload, hashlib.sha256).hexdigest()


def key_dir() -> Path:
    """The folder for key files and checkpoints (``$CCTV_REVIEW_KEY_DIR`` if set)."""
    override = os.environ.get(ENV_KEY_DIR)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("cctv-review", appauthor=False)) / "audit"


def _keyring() -> Any | None:
    """The keyring backend to use, or None for the file (no usable backend, or the folder is forced)."""
    if os.environ.get(ENV_KEY_DIR):
        return None
    try:
        import keyring

        backend = keyring.get_keyring()
        if float(getattr(backend, "priority", 0)) <= 0:
            return None  # keyring's "fail" and "null" backends: nothing usable here
        return backend
    except Exception:  # any keyring trouble means: use the file
        return None


def backend_name() -> str:
    """``"keyring"`` or ``"file"``: where new keys are saved on this computer."""
    return "keyring" if _keyring() is not None else "file"


def _key_file(store_id: str) -> Path:
    return key_dir() / f"{store_id}.key"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the user only, replacing it in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def load_key(store_id: str) -> AuditKey | None:
    """This computer's key for the store ``store_id``, or None when it has none."""
    texts: list[str] = []
    backend = _keyring()
    if backend is not None:
        with contextlib.suppress(Exception):
            text = backend.get_password(KEYRING_SERVICE, store_id)
            if text:
                texts.append(text)
    with contextlib.suppress(OSError):
        texts.append(_key_file(store_id).read_text(encoding="utf-8"))
    for text in texts:
        try:
            key = AuditKey.from_json(text)
        except (ValueError, KeyError, TypeError):
            continue
        if key.store_id == store_id:
            return key
    return None


def where_kept(store_id: str) -> str:
    """Where this computer keeps the key of ``store_id`` (words for people), or "" when nowhere."""
    backend = _keyring()
    if backend is not None:
        with contextlib.suppress(Exception):
            if backend.get_password(KEYRING_SERVICE, store_id):
                return f"the operating system's credential store ('{KEYRING_SERVICE}', {store_id})"
    path = _key_file(store_id)
    return str(path) if path.exists() else ""


def save_key(key: AuditKey) -> str:
    """Keep ``key`` on this computer; returns where ("the keyring" or the file's path).

    Raises :class:`AuditKeyError` when it can be kept nowhere.
    """
    backend = _keyring()
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, key.store_id, key.to_json())
            return "the operating system's credential store"
        except Exception:  # the keyring refused: fall back to the file
            pass
    path = _key_file(key.store_id)
    try:
        _write_private(path, key.to_json())
    except OSError as exc:
        raise AuditKeyError(
            f"The audit key could not be saved in {path.parent} ({exc.strerror or exc}). Nothing was "
            f"changed. Make that folder writable, or set {ENV_KEY_DIR} to a private folder, and try again."
        ) from exc
    return str(path)


def export_key(key: AuditKey, destination: Path) -> None:
    """Write ``key`` to ``destination`` (mode 0600) for another computer; raises AuditKeyError."""
    try:
        _write_private(Path(destination), key.to_json() + "\n")
    except OSError as exc:
        raise AuditKeyError(
            f"Could not write the key to {destination}: {exc.strerror or exc}. Choose a folder you can write to."
        ) from exc


def read_key_file(source: Path) -> AuditKey:
    """Read a file written by :func:`export_key`; raises AuditKeyError when it is not one."""
    try:
        text = Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise AuditKeyError(f"Could not read {source}: {exc.strerror or exc}.") from exc
    try:
        return AuditKey.from_json(text)
    except (ValueError, KeyError, TypeError):
        raise AuditKeyError(
            f"{source} is not a cctv-review audit key. Export one with 'cctv-review audit export-key FILE' "
            "on the computer where the review database was made."
        ) from None


# -- checkpoints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The trail's head at one moment: ``count`` entries, the last one's ``head_hash``; ``at`` UTC ISO."""

    count: int
    head_hash: str
    at: str
    reason: str
    valid: bool = True  # False when its signature does not match (the anchor file was edited)


def _anchor_file(store_id: str) -> Path:
    return key_dir() / f"{store_id}.anchors.json"


def _anchor_payload(key: AuditKey, count: int, head_hash: str, at: str, reason: str) -> bytes:
    return json.dumps(["anchor", key.store_id, count, head_hash, at, reason], separators=(",", ":")).encode()


def load_anchors(key: AuditKey) -> list[Anchor]:
    """The checkpoints known for ``key``'s store, oldest first (an unreadable file gives none)."""
    try:
        data = json.loads(_anchor_file(key.store_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    anchors = []
    for item in data if isinstance(data, list) else []:
        try:
            count, head, at, reason = (
                int(item["count"]),
                str(item["hash"]),
                str(item["at"]),
                str(item["reason"]),
            )
            valid = hmac.compare_digest(
                str(item["mac"]), key.sign(_anchor_payload(key, count, head, at, reason))
            )
        except (KeyError, TypeError, ValueError):
            continue
        anchors.append(Anchor(count, head, at, reason, valid))
    return anchors


def record_anchor(key: AuditKey, count: int, head_hash: str, reason: str) -> Anchor:
    """Add a checkpoint for ``key``'s store; raises AuditKeyError when the file cannot be written."""
    at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    anchors = [a for a in load_anchors(key) if a.valid]
    if anchors and anchors[-1].count == count and anchors[-1].head_hash == head_hash:
        return anchors[-1]
    anchor = Anchor(count, head_hash, at, reason)
    anchors = [*anchors, anchor][-MAX_ANCHORS:]
    items = [
        {
            "count": a.count,
            "hash": a.head_hash,
            "at": a.at,
            "reason": a.reason,
            "mac": key.sign(_anchor_payload(key, a.count, a.head_hash, a.at, a.reason)),
        }
        for a in anchors
    ]
    path = _anchor_file(key.store_id)
    try:
        _write_private(path, json.dumps(items, indent=1))
    except OSError as exc:
        raise AuditKeyError(
            f"The audit checkpoint could not be saved in {path.parent}: {exc.strerror or exc}."
        ) from exc
    return anchor


# -- which database was where ------------------------------------------------------------------


def _places_file() -> Path:
    return key_dir() / "stores.json"


def known_store_id(path: Path) -> str | None:
    """The identity last seen for the database at ``path`` on this computer, if any."""
    try:
        data = json.loads(_places_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get(str(path)) if isinstance(data, dict) else None
    return str(value) if value else None


def remember_store(path: Path, store_id: str) -> None:
    """Note that the database at ``path`` has identity ``store_id`` (best effort)."""
    if known_store_id(path) == store_id:
        return
    try:
        data = json.loads(_places_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data[str(path)] = store_id
    with contextlib.suppress(OSError):
        _write_private(_places_file(), json.dumps(data, indent=1))
