"""The installable package must carry every subpackage and the resources."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def test_every_subpackage_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "cctv_review").rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert "cctv_review.resources" in listed
    assert config["tool"]["setuptools"]["package-dir"]["cctv_review.resources"] == "resources"


def test_resources_are_found():
    from cctv_review.resources_path import resources_dir

    assert (resources_dir() / "forms" / "custody-cctv-review.json").is_file()
