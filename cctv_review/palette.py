"""One palette for learning levels and finding levels: the app, its charts and the PDF read it.

Before this module the colours were defined three times and disagreed (no
learning was grey in the app and green in the PDF).  Every view now takes its
colour from here, and ``tests/test_palette.py`` fails if one defines its own.

How the colours were chosen:

- **Significant learning** is the darkest and reddest, **some learning** a
  lighter orange-brown: they differ in lightness, not only in hue, so they stay
  apart for red-green colour-blind readers (deuteranopia, protanopia) and in
  greyscale print.
- **No learning** is a neutral grey: it is not a good result to celebrate,
  only the absence of learning, so it must not look like good practice (it was
  green in the PDF).
- **Good practice** is blue (Okabe & Ito's blue, #0072B2, from their
  "Color Universal Design" palette, 2008), the hue every kind of colour vision
  tells apart from red and orange; green was avoided because it is the colour
  red-green colour-blind readers confuse with red and orange.
- Each is dark enough to be read as text on white (contrast ratio at least
  4.5:1, WCAG 2.1 AA), because the PDF prints level names in their colour.

Colour is never the only signal: every swatch carries the words shown with it
(:attr:`Swatch.label`, the domain's own labels), and views print those words.

Plain Python: colours are ``"#rrggbb"`` sRGB strings; Qt code wraps them in
``QColor``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cctv_review.domain import FindingLevel, LearningLevel


@dataclass(frozen=True)
class Swatch:
    """A level's colour (``"#rrggbb"``, sRGB) and the words shown with it."""

    colour: str
    label: str


SIGNIFICANT = "#a50f15"  # dark red; contrast on white 7.8:1
SOME = "#b35c00"  # dark orange; 4.7:1
NONE = "#6e6e6e"  # neutral grey; 5.1:1
GOOD_PRACTICE = "#0072b2"  # Okabe-Ito blue; 5.2:1

#: A case's overall outcome.
LEARNING_LEVELS: dict[LearningLevel, Swatch] = {
    LearningLevel.SIGNIFICANT: Swatch(SIGNIFICANT, LearningLevel.SIGNIFICANT.label),
    LearningLevel.SOME: Swatch(SOME, LearningLevel.SOME.label),
    LearningLevel.NONE: Swatch(NONE, LearningLevel.NONE.label),
}

#: A timestamped finding: the three learning levels and good practice.
FINDING_LEVELS: dict[FindingLevel, Swatch] = {
    FindingLevel.SIGNIFICANT: Swatch(SIGNIFICANT, FindingLevel.SIGNIFICANT.label),
    FindingLevel.SOME: Swatch(SOME, FindingLevel.SOME.label),
    FindingLevel.NONE: Swatch(NONE, FindingLevel.NONE.label),
    FindingLevel.GOOD_PRACTICE: Swatch(GOOD_PRACTICE, FindingLevel.GOOD_PRACTICE.label),
}

#: Colour by stored value ("significant", "some", "none", "good_practice"): both enums share
#: their values, and the stored rows and the exports carry values.
COLOUR_BY_VALUE: dict[str, str] = {level.value: swatch.colour for level, swatch in FINDING_LEVELS.items()}


def learning_colour(level: LearningLevel | str) -> str:
    """The colour of a case outcome (a LearningLevel or its value). Raises ValueError for others."""
    return LEARNING_LEVELS[LearningLevel(level)].colour


def finding_colour(level: FindingLevel | str) -> str:
    """The colour of a finding level (a FindingLevel or its value). Raises ValueError for others."""
    return FINDING_LEVELS[FindingLevel(level)].colour
