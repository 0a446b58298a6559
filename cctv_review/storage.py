"""Where a review database sits: network shares, read-only files and folders.

SQLite's WAL mode needs shared memory between the processes using the file,
which network file systems do not provide: "WAL does not work over a network
filesystem" (https://www.sqlite.org/wal.html, "Disadvantages"; and
https://www.sqlite.org/useovernet.html).  Force PCs often keep home drives on
SMB shares, so :func:`network_filesystem` detects one and the store then uses
the rollback journal (``journal_mode=DELETE``), which SQLite supports there as
long as the share's file locking works.

Detection:

* **Windows**: a UNC path (``\\\\server\\share\\...``) is a share; for a drive
  letter, ``GetDriveTypeW`` on the drive's root says ``DRIVE_REMOTE`` (4) for a
  mapped network drive.
* **Linux**: the mount point holding the path (the longest matching prefix in
  ``/proc/mounts``) and its file-system type: nfs, nfs4, cifs, smb3, smbfs,
  ncpfs, afs, 9p, ceph, glusterfs, lustre, and FUSE network file systems
  (``fuse.sshfs``, ``fuse.rclone``...).
* **macOS and others**: not detected (None); such stores keep WAL.

Plain Python; no Qt.
"""

from __future__ import annotations

import ctypes
import os
import platform
import stat
from collections.abc import Callable
from pathlib import Path, PureWindowsPath

#: Linux file-system types that live on another machine.
NETWORK_FS_TYPES = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "ceph",
        "glusterfs",
        "lustre",
        "davfs",
        "coda",
    }
)
#: FUSE file systems that are network ones (the type is ``fuse.<name>``).
NETWORK_FUSE = frozenset({"sshfs", "rclone", "s3fs", "gcsfuse", "davfs2", "smbnetfs", "curlftpfs"})
DRIVE_REMOTE = 4  # GetDriveTypeW: "The drive is a remote (network) drive."


def _unescape_mount(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash in octal (``\\040``)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def linux_filesystem_type(path: str, mounts: str) -> str:
    """The type of the file system holding absolute ``path``, from /proc/mounts text ("" if unknown)."""
    best, best_type = "", ""
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point, fs_type = _unescape_mount(parts[1]), parts[2]
        prefix = point.rstrip("/") + "/"
        if (path == point or path.startswith(prefix) or point == "/") and len(point) >= len(best):
            best, best_type = point, fs_type
    return best_type


def _windows_drive_type(root: str) -> int:  # pragma: no cover - Windows only
    windll = getattr(ctypes, "windll", None)
    if windll is None:
        return 0
    return int(windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def network_filesystem(
    path: str | os.PathLike[str],
    *,
    system: str | None = None,
    mounts: str | None = None,
    drive_type: Callable[[str], int] | None = None,
) -> str | None:
    """Say whether ``path`` is on a network file system: its kind (e.g. ``"cifs"``), or None.

    ``system`` (``platform.system()``), ``mounts`` (the text of /proc/mounts)
    and ``drive_type`` (``GetDriveTypeW``) can be given to test the decision
    without a network.  Never raises: anything that cannot be read counts as
    a local disk.
    """
    system = system or platform.system()
    text = os.fspath(path)
    if system == "Windows":
        win = PureWindowsPath(text)
        if text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")):
            return "network share (UNC path)"
        if text.startswith("\\\\?\\UNC\\"):
            return "network share (UNC path)"
        if win.drive:
            try:
                kind = (drive_type or _windows_drive_type)(win.drive + "\\")
            except Exception:  # detection must never stop the store opening
                return None
            if kind == DRIVE_REMOTE:
                return f"network drive {win.drive}"
        return None
    if system == "Linux":
        if mounts is None:
            try:
                mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
        absolute = os.path.abspath(text)
        fs_type = linux_filesystem_type(absolute, mounts)
        if fs_type in NETWORK_FS_TYPES or (
            fs_type.startswith("fuse.") and fs_type.split(".", 1)[1] in NETWORK_FUSE
        ):
            return fs_type
    return None


def read_only_reason(path: Path) -> str:
    """Why ``path`` (an existing database) can only be read, or "" when it can be written.

    The file or its folder is read-only when the user may not write it
    (``os.access``) or when it has no write permission bits at all; the second
    test also catches a read-only file for an administrator (root), whom
    ``os.access`` always allows.  SQLite needs the folder too, for the
    ``-wal``/``-shm`` or ``-journal`` files beside the database.
    """
    folder = path.parent
    try:
        mode = path.stat().st_mode
        folder_mode = folder.stat().st_mode
    except OSError:
        return ""
    if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "the file is read-only"
    if not os.access(folder, os.W_OK) or (
        os.name == "posix" and not folder_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    ):
        return "its folder is read-only"
    return ""
