"""The log file a force's IT can read, and the versions it starts with.

The Windows application has no console, so anything worth knowing after the
fact goes to a log file: Python :mod:`logging`, one rotating file
``cctv-review.log`` (1 MB, the three previous files kept as ``.1`` … ``.3``) in
the platform's per-user log folder (platformdirs' ``user_log_dir``):

========  ==========================================================
Windows   ``%LOCALAPPDATA%\\cctv-review\\Logs\\cctv-review.log``
Linux     ``~/.local/state/cctv-review/log/cctv-review.log``
macOS     ``~/Library/Logs/cctv-review/cctv-review.log``
========  ==========================================================

``CCTV_REVIEW_LOG_DIR`` puts it elsewhere (the tests use it).  The first line
of each run names the program, and the versions of cctv-review, Python, the
operating system, Qt/PySide6, FFmpeg's libraries (as bundled in PyAV), OpenCV
and SQLite: the same text ``cctv-review --version`` prints and the crash
dialog's "Copy details" carries.

Uncaught exceptions, in the main thread (``sys.excepthook``) and in any other
thread (``threading.excepthook``), are written to the log with their
traceback; the GUI adds a dialog on top (:mod:`cctv_review.ui.errors`).

Plain Python: Qt is only asked for its version, when the caller wants it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import platformdirs

from cctv_review import __version__

APP_NAME = "cctv-review"
LOG_FILENAME = "cctv-review.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

log = logging.getLogger("cctv_review")

#: Called with (exception, context) for every uncaught exception, after it is logged.
ExceptionReporter = Callable[[BaseException, str], None]


def log_dir() -> Path:
    """``$CCTV_REVIEW_LOG_DIR`` if set, else the per-user log folder (see the module docstring).

    Same author-less layout as :func:`cctv_review.paths.data_dir`, so on Windows
    the data and the logs share ``%LOCALAPPDATA%\\cctv-review``.
    """
    override = os.environ.get("CCTV_REVIEW_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_path() -> Path:
    """The current log file (it may not exist yet)."""
    return log_dir() / LOG_FILENAME


def _qt_versions() -> tuple[str, str]:
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        return qVersion(), PySide6.__version__
    except Exception as exc:  # a broken Qt install must not stop --version or the CLI
        return f"not available ({type(exc).__name__})", "not available"


def _ffmpeg_versions() -> tuple[str, str]:
    """(FFmpeg build and library versions, PyAV version), from PyAV's bundled FFmpeg."""
    try:
        import av

        libraries = ", ".join(
            f"{name} {'.'.join(str(part) for part in version)}"
            for name, version in sorted(av.library_versions.items())
        )
        build = getattr(av, "ffmpeg_version_info", "") or "version unknown"
        return f"{build} ({libraries})", av.__version__
    except Exception as exc:
        return f"not available ({type(exc).__name__})", "not available"


def _opencv_version() -> str:
    try:
        import cv2

        return str(cv2.__version__)
    except Exception as exc:
        return f"not available ({type(exc).__name__})"


def version_info(*, include_qt: bool = True) -> dict[str, str]:
    """The versions that matter when something goes wrong, as ``{name: version}`` (display order).

    ``include_qt=False`` leaves Qt out, for callers that must not load it; with
    ``True`` PySide6.QtCore is imported (about 0.1 s) to ask it.
    """
    frozen = " (frozen build)" if getattr(sys, "frozen", False) else ""
    info = {
        "cctv-review": __version__ + frozen,
        "Python": f"{platform.python_version()} ({platform.python_implementation()}, {sys.platform})",
        "OS": platform.platform(),
    }
    if include_qt:
        info["Qt"], info["PySide6"] = _qt_versions()
    info["FFmpeg"], info["PyAV"] = _ffmpeg_versions()
    info["OpenCV"] = _opencv_version()
    info["SQLite"] = sqlite3.sqlite_version
    return info


def format_versions(info: dict[str, str] | None = None) -> str:
    """``version_info()`` as lines of ``name: version``."""
    info = version_info() if info is None else info
    return "\n".join(f"{name}: {value}" for name, value in info.items())


class _OurHandler(logging.handlers.RotatingFileHandler):
    """Marks the handler setup_logging installed, so a second call replaces it rather than doubling it."""


def setup_logging(program: str, *, level: int = logging.INFO, include_qt: bool = True) -> Path | None:
    """Log to the rotating file, write the start line, and log uncaught exceptions.

    ``program`` names what is starting ("gui", "cli summary"...).  Returns the
    log file's path, or None if the folder cannot be written (a read-only
    profile): the program then runs without a log file and says so on stderr.
    Calling it again (tests, a second window) replaces the handler; never
    raises.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
        handler.close()
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _OurHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
    except OSError as exc:
        print(f"cctv-review: cannot write the log file {path} ({exc}); running without one", file=sys.stderr)
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    versions = version_info(include_qt=include_qt)
    log.info(
        "cctv-review %s starting (%s, pid %d): %s",
        __version__,
        program,
        os.getpid(),
        "; ".join(f"{name} {value}" for name, value in versions.items()),
    )
    install_exception_hooks()
    return path


_reporter: ExceptionReporter | None = None


def install_exception_hooks(reporter: ExceptionReporter | None = None) -> None:
    """Route uncaught exceptions, in any thread, to the log, then to ``reporter`` if given.

    ``reporter`` (the GUI passes :func:`cctv_review.ui.errors.report_unexpected`)
    is called with (exception, context) and must be safe to call from any
    thread.  Without one, the traceback also goes to stderr as Python would
    print it.  KeyboardInterrupt keeps Python's own handling.
    """
    global _reporter
    if reporter is not None:
        _reporter = reporter
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


def _report(exc: BaseException, context: str) -> None:
    if _reporter is not None:
        _reporter(exc, context)  # it logs, then shows the dialog
    else:
        log.error("Unexpected error%s", f" while {context}" if context else "", exc_info=exc)
        sys.__excepthook__(type(exc), exc, exc.__traceback__)


def _excepthook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, tb)
        return
    if value.__traceback__ is None:
        value = value.with_traceback(tb)
    try:
        _report(value, "")
    except Exception:  # pragma: no cover - the hook must never raise
        sys.__excepthook__(kind, value, tb)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "a background thread"
    try:
        _report(args.exc_value, f"running the background thread {name!r}")
    except Exception:  # pragma: no cover
        threading.__excepthook__(args)
