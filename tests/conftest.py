"""Shared test set-up: headless Qt, a fresh store, the real template."""

from __future__ import annotations

import os

# Qt must never look for a display in the tests.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from cctv_review.store import Store  # noqa: E402
from cctv_review.template import load_template  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """Keep tests away from the real user's database and settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CCTV_REVIEW_DB", str(home / "default.sqlite"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))


@pytest.fixture
def template():
    return load_template()


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "review.sqlite", user="reviewer1") as s:
        yield s
