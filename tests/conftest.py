"""Shared test set-up: headless Qt, a fresh store, the real template."""

from __future__ import annotations

import os

# Qt must never look for a display in the tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from cctv_review.store import Store
from cctv_review.template import load_template


@pytest.fixture(autouse=True, scope="session")
def _one_qapplication(qapp):
    """Make the session's QApplication before any test runs.

    A PDF export run first would otherwise make a bare QGuiApplication (the
    exporter's own, for the CLI), and every widget made after it aborts the
    process; in a full run some GUI test happens to come first, but a subset
    must not depend on the order.
    """
    return qapp


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Keep tests away from the real user's database and settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CCTV_REVIEW_DB", str(home / "default.sqlite"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    # Audit keys and checkpoints go to a file here: never the real OS keyring or config folder.
    monkeypatch.setenv("CCTV_REVIEW_KEY_DIR", str(home / "keys"))
    monkeypatch.setenv("CCTV_REVIEW_LOG_DIR", str(home / "logs"))


@pytest.fixture
def template():
    return load_template()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "review.sqlite", user="reviewer1") as s:
        yield s


def answer_everything(store, template, case_id, overrides=None):
    """Answer every required question that applies (the overrides first), as a reviewer would."""
    for question_id, value in (overrides or {}).items():
        store.set_answer(case_id, question_id, value, template)
    for _ in range(10):
        missing = template.missing_required(store.answers(case_id))
        if not missing:
            return
        for q in missing:
            value = {"yes_no": "no", "text": "Seen on the desk camera.", "time": "0:00:00"}.get(q.type)
            if q.type == "single_choice":
                value = q.options[0].value
            elif q.type == "multiple_choice":
                value = [q.options[0].value]
            store.set_answer(case_id, q.id, value, template)
    raise AssertionError("could not answer the template")


def answer_everything_second(store, template, case_id):
    """Answer every required question of a blind second review (``cctv_review.team``), as a second reviewer would."""
    from cctv_review import team

    for _ in range(10):
        missing = template.missing_required(team.second_answers(store, case_id))
        if not missing:
            return
        for q in missing:
            value = {"yes_no": "yes", "text": "Second look.", "time": "0:00:00"}.get(q.type)
            if q.type == "single_choice":
                value = q.options[0].value
            elif q.type == "multiple_choice":
                value = [q.options[0].value]
            team.set_second_answer(store, case_id, q.id, value, template)
    raise AssertionError("could not answer the template")


@pytest.fixture
def answer_all():
    """The answer_everything helper, as a fixture (test folders have conftests of their own)."""
    return answer_everything


@pytest.fixture
def complete_case(store, template):
    """Factory: a case answered, judged and completed."""
    from cctv_review.domain import Case, Finding, FindingLevel, LearningLevel

    def make(reference, outcome, *, answers=None, findings=(), **case_fields):
        case = store.add_case(Case(reference=reference, **case_fields))
        answer_everything(store, template, case.id, answers)
        for theme, level in findings:
            store.add_finding(
                Finding(case_id=case.id, theme=theme, level=FindingLevel(level), position_ms=1000)
            )
        store.set_outcome(case.id, LearningLevel(outcome), f"Rationale for {reference}.")
        return store.complete_case(case.id, template)

    return make
