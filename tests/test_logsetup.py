"""The log file, its start line, and `cctv-review --version`."""

from __future__ import annotations

import logging
import sys
import threading

import pytest

from cctv_review import __version__, logsetup
from cctv_review.cli import main

NAMES = ("cctv-review", "Python", "OS", "Qt", "PySide6", "FFmpeg", "PyAV", "OpenCV", "SQLite")


@pytest.fixture
def restore_logging(monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(logsetup, "_reporter", None)
    yield
    for handler in [h for h in logging.getLogger().handlers if isinstance(h, logsetup._OurHandler)]:
        logging.getLogger().removeHandler(handler)
        handler.close()


def test_version_prints_every_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert list(lines)[: len(NAMES)] == list(NAMES)
    assert lines["cctv-review"] == __version__
    assert all("not available" not in lines[name] for name in NAMES)
    assert "libavcodec" in lines["FFmpeg"]
    assert lines["Log file"].endswith("cctv-review.log")


def test_log_file_gets_a_start_line_and_uncaught_exceptions(tmp_path, monkeypatch, restore_logging, capsys):
    monkeypatch.setenv("CCTV_REVIEW_LOG_DIR", str(tmp_path))
    path = logsetup.setup_logging("cli test", include_qt=False)
    assert path == tmp_path / "cctv-review.log"
    try:
        raise OSError("the disk went away")
    except OSError:
        sys.excepthook(*sys.exc_info())
    thread = threading.Thread(target=lambda: 1 / 0, name="hasher")
    thread.start()
    thread.join()
    text = path.read_text(encoding="utf-8")
    assert f"cctv-review {__version__} starting (cli test" in text
    assert "SQLite" in text and "FFmpeg" in text
    assert "OSError: the disk went away" in text
    assert "ZeroDivisionError" in text and "'hasher'" in text
    assert "OSError: the disk went away" in capsys.readouterr().err  # the CLI still prints it


def test_a_second_setup_replaces_the_handler(tmp_path, monkeypatch, restore_logging):
    monkeypatch.setenv("CCTV_REVIEW_LOG_DIR", str(tmp_path))
    logsetup.setup_logging("one", include_qt=False)
    logsetup.setup_logging("two", include_qt=False)
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logsetup._OurHandler)]
    assert len(ours) == 1


def test_an_unwritable_log_folder_is_not_fatal(tmp_path, monkeypatch, restore_logging, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CCTV_REVIEW_LOG_DIR", str(blocker / "logs"))
    assert logsetup.setup_logging("x", include_qt=False) is None
    assert "running without one" in capsys.readouterr().err


def test_the_default_folder_is_the_platforms_user_log_folder(monkeypatch):
    import platformdirs

    monkeypatch.delenv("CCTV_REVIEW_LOG_DIR", raising=False)
    expected = platformdirs.user_log_dir("cctv-review", appauthor=False)
    assert str(logsetup.log_path().parent) == expected
