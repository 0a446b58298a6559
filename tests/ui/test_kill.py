"""Killing the application mid-review loses nothing typed; reopening returns to the same place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ui_fixtures import case_with_clip, clip_path, make_window  # noqa: F401  (fixtures)
from ui_helpers import wait_for_frame

from cctv_review.domain import Case
from cctv_review.store import Store

HELPER = Path(__file__).with_name("kill_helper.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_mid_edit_loses_nothing_and_reopens_in_place(qtbot, make_window, template, tmp_path, clip_path):
    from cctv_review.clips import add_clip_file

    db = tmp_path / "kill.sqlite"
    with Store(db, user="reviewer1") as store:
        case = store.add_case(Case(reference="CR-KILL"))
        clip = add_clip_file(store, case.id, clip_path, "Cell 4")
        store.add_case(Case(reference="CR-OTHER"))
        store.set_setting("last_case_id", case.id)

    gaps = "Corridor camera not working 22:40-22:55"
    rationale = "Checks were late and the detainee was not roused"
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    child = subprocess.Popen(
        [sys.executable, str(HELPER), str(db), gaps, rationale, "5300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if line.strip() == "READY" or not line:
                break
        assert line.strip() == "READY", child.stderr.read() if child.poll() is not None else "no READY"
        time.sleep(0.2)  # still typing-idle, still open: now kill it without any chance to save
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
    assert child.returncode == -signal.SIGKILL

    with Store(db) as store:
        assert store.answers(case.id)["footage.gaps"] == gaps
        assert store.answers(case.id)["footage.complete"] == "no"
        assert store.get_case(case.id).outcome_rationale == rationale
        assert store.last_position(case.id) == (clip.id, 5300)

        # A fresh window reopens the same case, the same clip, at the same position, with the typing.
        window = make_window(store, template)
        assert window.session.case_id == case.id
        wait_for_frame(qtbot, window, 5300)
        assert window.player.clip.id == clip.id
        assert window.form.rows["footage.gaps"].edit.toPlainText() == gaps
        assert window.form.rationale.toPlainText() == rationale
        assert window.case_list.view.selectionModel().selectedRows()[0].data() == "CR-KILL"
        window.shutdown()  # before this store closes
