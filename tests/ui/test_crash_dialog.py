"""An unexpected error in a background job reaches the log file and the crash dialog's details."""

from __future__ import annotations

import logging
import sys
import threading
import uuid
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from cctv_review import logsetup
from cctv_review.ui import tasks
from cctv_review.ui.errors import DIALOG_OBJECT_NAME, CrashDialog


@pytest.fixture
def log_file(monkeypatch, tmp_path):
    """setup_logging into a fresh folder; the hooks and the handler are put back afterwards."""
    monkeypatch.setenv("CCTV_REVIEW_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setattr(logsetup, "_reporter", None)
    path = logsetup.setup_logging("test")
    assert path == tmp_path / "logs" / "cctv-review.log"
    yield path
    for handler in [h for h in logging.getLogger().handlers if isinstance(h, logsetup._OurHandler)]:
        logging.getLogger().removeHandler(handler)
        handler.close()


def crash_dialogs() -> list[CrashDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.objectName() == DIALOG_OBJECT_NAME and w.isVisible() and isinstance(w, CrashDialog)
    ]


@pytest.fixture
def no_dialog_left(qtbot):
    for dialog in crash_dialogs():
        dialog.close()
    yield
    for dialog in crash_dialogs():
        dialog.close()


def raise_in_job(marker: str):
    def work(progress, cancel):
        progress(0.5)
        return {"a": 1}[marker]  # KeyError: a bug, not a UserFacingError

    return work


def test_exception_in_a_background_job_reaches_the_log_and_the_dialog(qtbot, log_file, no_dialog_left):
    marker = f"marker-{uuid.uuid4().hex}"
    task = tasks.Task(raise_in_job(marker), context="running a background job")
    with qtbot.waitSignal(task.signals.failed, timeout=10_000):
        tasks.start(task)
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1, timeout=10_000)

    logged = log_file.read_text(encoding="utf-8")
    assert "Unexpected error while running a background job" in logged
    assert f"KeyError: '{marker}'" in logged
    assert "in raise_in_job" not in logged and "in work" in logged  # the job's own frame, with its traceback
    assert "cctv-review 0.1.0 starting (test" in logged  # the start line with the versions

    dialog = crash_dialogs()[0]
    assert not dialog.isModal()
    details = dialog.details.toPlainText()
    assert f"KeyError: '{marker}'" in details and "Traceback (most recent call last)" in details
    for name in ("cctv-review:", "Python:", "OS:", "Qt:", "FFmpeg:", "OpenCV:", "SQLite:"):
        assert name in details
    assert "while running a background job" in dialog.message.text()
    assert str(log_file.name) in dialog.where.text()

    dialog.copy_button.click()
    assert QApplication.clipboard().text() == details


def test_exception_in_a_plain_thread_is_shown_on_the_gui_thread(qtbot, log_file, no_dialog_left):
    from cctv_review.ui.app import install_exception_hook

    install_exception_hook(lambda: None)
    marker = f"marker-{uuid.uuid4().hex}"

    def crash() -> None:
        raise ValueError(marker)

    thread = threading.Thread(target=crash, name="still-writer")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: len(crash_dialogs()) == 1, timeout=10_000)
    assert marker in crash_dialogs()[0].details.toPlainText()
    assert f"ValueError: {marker}" in log_file.read_text(encoding="utf-8")
    assert "running the background thread 'still-writer'" in log_file.read_text(encoding="utf-8")


def test_a_second_error_joins_the_open_dialog(qtbot, log_file, no_dialog_left):
    from cctv_review.ui.errors import report_unexpected

    for n in range(3):
        try:
            raise RuntimeError(f"error {n}")
        except RuntimeError as exc:
            report_unexpected(exc, "drawing the timeline")
    (dialog,) = crash_dialogs()
    assert dialog.count == 3 and "3 unexpected errors" in dialog.message.text()
    assert all(f"RuntimeError: error {n}" in dialog.details.toPlainText() for n in range(3))


def test_details_show_the_home_folder_as_tilde(qtbot, log_file, no_dialog_left):
    from cctv_review.ui.errors import crash_details

    secret = Path.home() / "Documents" / "custody" / "clip.mp4"
    try:
        raise FileNotFoundError(f"cannot read {secret}")
    except FileNotFoundError as exc:
        details = crash_details(exc, "adding footage")
    assert str(Path.home()) not in details
    assert str(Path("~") / "Documents" / "custody" / "clip.mp4") in details
