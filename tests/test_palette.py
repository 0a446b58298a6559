"""One palette: the app, its charts and the PDF show each level in the same colour.

Three checks, each able to fail on its own: the colours the app's modules hold
are palette's; the colours painted into a rendered PDF are palette's; and no
module outside palette.py spells a level colour itself.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_export_sample import seeded  # noqa: F401

from cctv_review import palette
from cctv_review.domain import FindingLevel, LearningLevel

PACKAGE = Path(palette.__file__).resolve().parent


def test_palette_covers_every_level_with_words_and_distinct_colours():
    assert set(palette.LEARNING_LEVELS) == set(LearningLevel)
    assert set(palette.FINDING_LEVELS) == set(FindingLevel)
    colours = [s.colour for s in palette.FINDING_LEVELS.values()]
    assert len(set(colours)) == len(colours)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert all(s.label for s in [*palette.LEARNING_LEVELS.values(), *palette.FINDING_LEVELS.values()])
    # No learning is not good practice: they must never share a colour (they did in the PDF).
    assert palette.learning_colour(LearningLevel.NONE) != palette.finding_colour(FindingLevel.GOOD_PRACTICE)
    for level in LearningLevel:  # an outcome and a finding of the same level look the same
        assert palette.learning_colour(level) == palette.finding_colour(level.value)


def _contrast_on_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio of ``colour`` against white."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


def test_every_level_colour_is_readable_as_text_on_white():
    for swatch in palette.FINDING_LEVELS.values():
        assert _contrast_on_white(swatch.colour) >= 4.5, swatch


def test_the_app_takes_its_colours_from_the_palette(qapp):
    from cctv_review.ui import findings, summary_view

    for level in FindingLevel:
        assert findings.level_colour(level).name() == palette.finding_colour(level)
    for level in LearningLevel:
        assert summary_view.OUTCOME_COLOURS[level.value].name() == palette.learning_colour(level)


def _pdf_fill_colours(path: Path) -> set[str]:
    """Every fill colour set in the PDF's page content (Qt writes ``r g b scn``), as #rrggbb."""
    found = set()
    for page in PdfReader(str(path)).pages:
        content = page.get_contents()
        data = content.get_data().decode("latin-1") if content is not None else ""
        for r, g, b in re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (?:scn|rg)\b", data):
            found.add("#" + "".join(f"{round(float(v) * 255):02x}" for v in (r, g, b)))
    return found


def test_the_pdf_paints_the_palettes_colours(seeded, template, tmp_path, qapp):
    from cctv_review.export import export
    from cctv_review.export.pdf_report import LEVEL_COLOURS

    assert LEVEL_COLOURS == palette.COLOUR_BY_VALUE
    store, _ = seeded  # one completed case of each outcome; findings of every level
    [path] = export(store, template, "pdf", tmp_path / "report")
    painted = _pdf_fill_colours(path)
    for level in FindingLevel:  # outcome bars on the cover, level names on the case pages
        assert palette.finding_colour(level) in painted, level


#: A level (enum member or its value) mapped to a spelled-out colour: what palette.py replaced.
_LOCAL_LEVEL_COLOUR = re.compile(
    r"""(?:(?:Learning|Finding)Level\.[A-Z_]+(?:\.value)?|["'](?:significant|some|none|good_practice)["'])"""
    r"""\s*:\s*(?:QColor\()?\s*["']#[0-9a-fA-F]{3,8}""",
)


@pytest.mark.parametrize(
    "path", sorted(p for p in PACKAGE.rglob("*.py") if p.name != "palette.py"), ids=lambda p: p.name
)
def test_no_module_defines_a_level_colour_of_its_own(path: Path):
    text = path.read_text(encoding="utf-8")
    local = _LOCAL_LEVEL_COLOUR.findall(text)
    assert local == [], f"{path.name} defines level colours itself: {local}; use cctv_review.palette"
    spelled = [c for c in palette.COLOUR_BY_VALUE.values() if c.lower() in text.lower()]
    assert spelled == [], (
        f"{path.name} spells palette colours {spelled}; import them from cctv_review.palette"
    )


def test_the_source_check_can_fail():
    assert _LOCAL_LEVEL_COLOUR.search('LEVEL_COLOURS = {\n    LearningLevel.NONE.value: "#2e7d32",')
    assert _LOCAL_LEVEL_COLOUR.search('    FindingLevel.GOOD_PRACTICE: QColor("#188038"),')
    assert _LOCAL_LEVEL_COLOUR.search('{"significant": "#c5221f"}')
