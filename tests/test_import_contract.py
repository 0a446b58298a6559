"""Qt stays out of the core: the layer rule of the developers' guide, checked at run time.

Each core module is imported in a fresh interpreter, which then reports whether
``PySide6`` (or any ``PySide6.*`` module) was loaded.  This catches an import at
module level anywhere in the chain, even where import-linter (``lint-imports``,
configured in pyproject.toml and run by .ci/run) is not installed; import-linter
also catches imports inside functions.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import cctv_review.export
import cctv_review.video

ROOT = Path(__file__).resolve().parent.parent

#: Top-level modules that must never load Qt.
CORE = [
    "cctv_review.domain",
    "cctv_review.store",
    "cctv_review.summary",
    "cctv_review.template",
    "cctv_review.importer",
    "cctv_review.audit",
    "cctv_review.migrations",
    "cctv_review.changes",
    "cctv_review.errors",
    "cctv_review.palette",
    "cctv_review.agreement",
    "cctv_review.sampling",
    "cctv_review.recorded_time",
    "cctv_review.tracks",
    "cctv_review.timeline_model",
    "cctv_review.question_figures",
    "cctv_review.summary_filter",
    "cctv_review.case_query",
    "cctv_review.case_figures",
    "cctv_review.storage",
    "cctv_review.textcheck",
    "cctv_review.audit_keys",
    "cctv_review.clips",
    "cctv_review.hashing",
    "cctv_review.paths",
    "cctv_review.resources_path",
    "cctv_review.package",
    "cctv_review.team",
]
#: The two Qt adapters, allowed to import PySide6.
ADAPTERS = {"cctv_review.video.qt", "cctv_review.export.pdf_report"}


def _submodules(package) -> list[str]:
    return sorted(
        f"{package.__name__}.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if f"{package.__name__}.{info.name}" not in ADAPTERS
    )


VIDEO = _submodules(cctv_review.video)
CHECKED = [*CORE, "cctv_review.video", *VIDEO, "cctv_review.export", *_submodules(cctv_review.export)]

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m == "PySide6" or m.startswith("PySide6."))))
"""


def qt_modules_loaded_by(module: str) -> list[str]:
    """Import ``module`` in a fresh interpreter; return the PySide6 modules that import loaded."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, module],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"importing {module} failed:\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", CHECKED)
def test_core_module_does_not_load_qt(module: str) -> None:
    loaded = qt_modules_loaded_by(module)
    assert loaded == [], f"{module} loads {loaded}: Qt belongs in cctv_review.ui and the two adapters only"


def test_the_probe_sees_qt_when_it_is_loaded() -> None:
    # The check above can fail: the adapter that does import Qt at module level is seen doing so.
    assert "PySide6.QtCore" in qt_modules_loaded_by("cctv_review.video.qt")


def test_import_linter_contract_lists_every_video_module() -> None:
    # import-linter ignores imports inside one source package, so the contract that keeps the video
    # engine from importing its own Qt adapter names each module: a new module must be added there.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        tomllib = pytest.importorskip("tomli")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    adapters = next(c for c in contracts if "cctv_review.video.qt" in c["forbidden_modules"])
    missing = [m for m in VIDEO if m not in adapters["source_modules"]]
    assert missing == [], f"add {missing} to the source_modules of {adapters['name']!r} in pyproject.toml"
    qt = next(c for c in contracts if c["forbidden_modules"] == ["PySide6"])
    assert set(CORE) <= set(qt["source_modules"])


def test_every_top_level_module_is_checked_or_named_as_allowed_qt() -> None:
    # A new plain module must join CORE (and the contracts in pyproject.toml); only these may reach Qt:
    # the command line starts the GUI, the demo builds a window's data, logsetup reports Qt's version.
    allowed_qt = {"cctv_review.cli", "cctv_review.demo", "cctv_review.logsetup", "cctv_review.__main__"}
    import cctv_review

    top = {
        f"cctv_review.{info.name}" for info in pkgutil.iter_modules(cctv_review.__path__) if not info.ispkg
    }
    assert top - allowed_qt == set(CORE)
