"""The Windows workflow and installer script: valid, and doing what packaging/windows/README.md says.

They can only run on Windows (GitHub's windows-latest); here we check they parse and hold the
steps, so a broken edit fails on Linux first.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"
ISS = ROOT / "packaging" / "windows" / "cctv-review.iss"


@pytest.fixture(scope="module")
def job() -> dict:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert set(workflow[True]) >= {"push", "pull_request"}  # YAML 1.1 reads the key `on` as True
    return workflow["jobs"]["windows"]


def _step(job: dict, pattern: str) -> dict:
    found = [s for s in job["steps"] if re.search(pattern, s.get("run", "") + " " + s.get("uses", ""))]
    assert found, f"no step matching {pattern!r}"
    return found[0]


def test_workflow_runs_on_windows_with_python_311(job):
    assert job["runs-on"] == "windows-latest"
    assert job["env"]["QT_QPA_PLATFORM"] == "offscreen"
    assert _step(job, r"actions/setup-python@")["with"]["python-version"] == "3.11"


def test_workflow_installs_tests_builds_packages_installs_and_smoke_tests(job):
    steps = job["steps"]
    order = [
        r'pip install -e "\.\[test,dev\]"',
        r"python -m pytest",
        r"pyinstaller .*packaging/windows/cctv-review\.spec",
        r"ISCC.*packaging\\windows\\cctv-review\.iss",
        r"/VERYSILENT.*/SUPPRESSMSGBOXES.*/CURRENTUSER",
        r"smoke_test\.py --cli .*LOCALAPPDATA.*Programs\\cctv-review\\cctv-review-cli\.exe.*--gui",
        r'unins000\.exe" -ArgumentList "/VERYSILENT"',
        r"actions/upload-artifact@",
    ]
    positions = [steps.index(_step(job, pattern)) for pattern in order]
    assert positions == sorted(positions), "the steps are out of order"
    artifact = _step(job, r"actions/upload-artifact@")
    assert "setup.exe" in artifact["with"]["path"]


def test_installer_is_per_user_upgrades_in_place_and_leaves_the_store_alone():
    text = ISS.read_text(encoding="utf-8")
    setup = dict(
        line.split("=", 1) for line in text.split("[Setup]")[1].split("\n[")[0].splitlines() if "=" in line
    )
    assert setup["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in setup  # no way to turn it into an admin install
    assert setup["DefaultDirName"] == r"{localappdata}\Programs\cctv-review"
    assert re.fullmatch(r"\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", setup["AppId"])
    assert "{group}\\cctv-review" in text and "{uninstallexe}" in text
    # The store and logs (%LOCALAPPDATA%\cctv-review) are never deleted by install or uninstall.
    assert "[UninstallDelete]" not in text
    for line in text.splitlines():
        if line.startswith("Type:"):
            assert "{app}" in line and "{localappdata}" not in line
