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


def _readme_command(marker: str) -> str:
    """The command on the line after ``<!-- marker -->`` (as .ci/run reads it)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"<!-- {marker} -->") + 1
    return next(line for line in lines[start:] if line.strip() and not line.startswith("```"))


def _venvs(command: str) -> set[str]:
    import re

    return set(re.findall(r"-m venv (\S+)", command))


def test_run_and_test_commands_use_separate_virtual_environments():
    # Running the tests must never reinstall the package under an open application (issue 13).
    run, test = _readme_command("run-command"), _readme_command("test-command")
    (run_venv,), (test_venv,) = _venvs(run), _venvs(test)
    assert run_venv != test_venv
    assert f"{run_venv}/bin/" in run and f"{run_venv}/bin/" not in test
    assert f"{test_venv}/bin/" in test and f"{test_venv}/bin/" not in run
    # .gitignore keeps both out of the repository.
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for venv in (run_venv, test_venv):
        assert f"{venv}/" in ignored or (venv.startswith(".venv-") and ".venv-*/" in ignored)


def test_ci_runs_the_checks_from_the_test_commands_environment():
    test = _readme_command("test-command")
    (test_venv,) = _venvs(test)
    assert '".[test,dev]"' in test, "the test command installs the tools .ci/run uses"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"VENV={test_venv}\n" in ci
    for check in ('ruff" check .', 'ruff" format --check .', 'mypy"', 'lint-imports"', "smoke_test.py"):
        assert check in ci
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    dev = " ".join(config["project"]["optional-dependencies"]["dev"])
    for tool in ("ruff>=", "mypy>=", "import-linter>=", "pyinstaller>="):
        assert tool in dev


def test_smoke_test_passes_on_the_installed_package(tmp_path):
    # The same script .ci/run and the Windows workflow run on the frozen programs, here on
    # `python -m cctv_review`: --version, --demo summary, and the GUI opening the demo case and exiting.
    import subprocess

    python = f'"{sys.executable}" -m cctv_review'
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "smoke_test.py"), "--cli", python, "--gui", python],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "smoke test passed: window shown with case CR-2026-0117 open" in result.stdout
