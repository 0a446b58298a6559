"""Write export files so that a failure never leaves a half-written file.

Every file is first written to a hidden temporary file *in the destination
folder* (so the final rename never crosses a file system), flushed and
``fsync``-ed, and only then moved into place with :func:`os.replace`, which
replaces an existing file in one step on Windows and POSIX alike.

A CSV export is several files.  :class:`AtomicFiles` writes all of them to
temporaries first and renames them only when every one has been written, so a
failure while writing (disk full, a bug, an interrupted export) leaves the
folder as it was.  The renames themselves come last and cannot run out of
space; if one is refused (for example a file held open by Excel on Windows)
the message says which.

Any failure removes the temporaries.  A process that is killed cannot, so each
temporary's name carries the writing process's id, and every folder an export
writes to is remembered (``export-folders.json`` in the user data folder):
:func:`sweep_known_folders` (run whenever a store is opened) and every new
export remove temporaries whose process is gone, so a killed export's
unredacted data does not stay behind past the next start.  Operating-system errors become an
:class:`ExportError` with a plain-language message (disk full, permission
refused, read-only drive); :func:`cctv_review.export.export` words any other
failure.  The original exception is chained for the log.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from cctv_review.export.errors import ExportError

TEMP_PREFIX = ".cctv-review-export-"
TEMP_SUFFIX = ".tmp"
#: ``.cctv-review-export-<name>.<pid>-<8 hex>.tmp``: the process id says whether its writer is alive.
_TEMP_PID = re.compile(r"\.(\d+)-[0-9a-f]{8}\.tmp$")
#: A temporary whose writer cannot be told (an older name, or a process id reused) counts as stale
#: after this long; no export takes a day.
STALE_AFTER_S = 24 * 3600
MAX_KNOWN_FOLDERS = 50


def describe_os_error(exc: OSError, path: Path) -> str:
    """A plain-language message for an error writing ``path``."""
    code = exc.errno
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", None):
        return f"Could not write {path}: the disk is full. Free some space or choose another place, then export again."
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"Could not write {path}: permission was refused. If the file is open in another program "
            "(such as Excel or a PDF viewer) close it, or choose a folder you can write to."
        )
    if code == errno.EROFS:
        return f"Could not write {path}: that drive is read-only. Choose another place."
    if code == errno.ENOENT:
        return f"Could not write {path}: the folder does not exist."
    reason = exc.strerror or str(exc)
    return f"Could not write {path}: {reason}."


class AtomicFiles:
    """Stage several files in their destination folders, then commit them together.

    Use as a context manager::

        with AtomicFiles() as files:
            tmp = files.stage(Path("out/cases.csv"))
            ...write tmp...
        # all renamed into place here; on an exception, all temporaries removed

    ``stage`` returns the temporary path to write to; :meth:`commit` (called on
    a clean exit) fsyncs and renames each temporary over its destination.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []  # (temporary, destination)
        self._last_destination: Path | None = None

    def stage(self, destination: Path) -> Path:
        """Make an empty temporary for ``destination`` (in its folder) and return its path."""
        destination = Path(destination)
        remember_folder(destination.parent)
        sweep_folder(destination.parent)
        # Not tempfile.mkstemp: it makes the file private (0600), and the renamed export should get
        # the usual permissions for a new file (0666 less the umask), like any file the user saves.
        for _ in range(100):
            temporary = (
                destination.parent
                / f"{TEMP_PREFIX}{destination.name}.{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}"
            )
            try:
                fd = os.open(
                    temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
                )
            except FileExistsError:
                continue
            except OSError as exc:
                raise ExportError(describe_os_error(exc, destination)) from exc
            os.close(fd)
            break
        else:  # pragma: no cover - 100 clashes of 32 random bits
            raise ExportError(f"Could not make a temporary file in {destination.parent}.")
        self._staged.append((temporary, destination))
        self._last_destination = destination
        return temporary

    def commit(self) -> list[Path]:
        """fsync every temporary, then rename each into place; returns the destinations."""
        done: list[Path] = []
        for temporary, destination in self._staged:
            try:
                _fsync_file(temporary)
            except OSError as exc:
                self.discard()
                raise ExportError(describe_os_error(exc, destination)) from exc
        for temporary, destination in self._staged:
            try:
                os.replace(temporary, destination)
            except OSError as exc:
                self.discard()
                message = describe_os_error(exc, destination)
                if done:
                    message += (
                        " These files were written before the problem: "
                        + ", ".join(p.name for p in done)
                        + "."
                    )
                raise ExportError(message) from exc
            done.append(destination)
        for folder in {d.parent for _, d in self._staged}:
            _fsync_dir(folder)
        self._staged = []
        return done

    def discard(self) -> None:
        """Remove every temporary that is still there."""
        for temporary, _ in self._staged:
            try:
                temporary.unlink()
            except FileNotFoundError:
                pass
            except OSError:  # pragma: no cover - nothing more can be done
                pass
        self._staged = []

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if exc_type is None:
            self.commit()
            return None
        self.discard()
        if isinstance(exc, ExportError):
            return None
        if isinstance(exc, OSError):
            destination = self._last_destination or Path(getattr(exc, "filename", None) or "the export")
            raise ExportError(describe_os_error(exc, destination)) from exc
        return None  # other errors pass through to export(), which words them; the temporaries are gone


def write_atomically(destination: Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(temporary_path)`` and move the result to ``destination``."""
    with AtomicFiles() as files:
        writer(files.stage(destination))
    return destination


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable where the platform allows it (not on Windows)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def leftover_temporaries(folder: Path) -> Iterator[Path]:
    """Temporaries an export left behind (none, unless the process was killed)."""
    return (p for p in Path(folder).glob(TEMP_PREFIX + "*" + TEMP_SUFFIX))


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` is running (True when it cannot be told)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, someone else's
        return True
    return True


def is_stale(temporary: Path, now: float | None = None) -> bool:
    """Whether an export temporary was left by a process that is gone (or is older than a day)."""
    try:
        age = (now or time.time()) - temporary.stat().st_mtime
    except OSError:
        return False
    if age > STALE_AFTER_S:
        return True
    found = _TEMP_PID.search(temporary.name)
    return found is not None and not _process_alive(int(found.group(1)))


def sweep_folder(folder: Path) -> list[Path]:
    """Remove stale export temporaries in ``folder``; returns those removed (never raises)."""
    removed: list[Path] = []
    try:
        candidates = list(leftover_temporaries(folder))
    except OSError:
        return removed
    for temporary in candidates:
        if temporary.is_file() and is_stale(temporary):
            with contextlib.suppress(OSError):
                temporary.unlink()
                removed.append(temporary)
    return removed


def _known_folders_file() -> Path:
    from cctv_review.paths import data_dir

    return data_dir() / "export-folders.json"


def known_folders() -> list[Path]:
    """The folders exports were last written to (most recent last)."""
    try:
        data = json.loads(_known_folders_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Path(p) for p in data if isinstance(p, str)] if isinstance(data, list) else []


def remember_folder(folder: Path) -> None:
    """Add ``folder`` to :func:`known_folders` (best effort: an export never fails for this)."""
    folder = Path(os.path.abspath(folder))
    folders = [*[f for f in known_folders() if f != folder][-(MAX_KNOWN_FOLDERS - 1) :], folder]
    path = _known_folders_file()
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps([str(f) for f in folders], indent=1), encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def sweep_known_folders() -> list[Path]:
    """Remove stale export temporaries in every known export folder; returns those removed.

    Folders on network shares are left to the next export there (:meth:`AtomicFiles.stage` sweeps
    its folder): a disconnected share can take many seconds to answer, and this runs on opening.
    """
    from cctv_review.storage import network_filesystem

    removed: list[Path] = []
    for folder in known_folders():
        if not network_filesystem(folder):
            removed += sweep_folder(folder)
    return removed
