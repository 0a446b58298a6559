"""The benchmark's clip makers (``benchmarks/activity_bench.py``), loaded for the activity tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_bench() -> ModuleType:
    """Import ``benchmarks/activity_bench.py`` (not a package) as the module ``activity_bench``."""
    if "activity_bench" in sys.modules:
        return sys.modules["activity_bench"]
    spec = importlib.util.spec_from_file_location("activity_bench", ROOT / "benchmarks" / "activity_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["activity_bench"] = module
    spec.loader.exec_module(module)
    return module
