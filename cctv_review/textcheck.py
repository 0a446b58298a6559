"""Text that cannot be trusted as it looks: control characters and invisible characters.

A case reference or custody suite copied from another system can carry
characters nobody sees: terminal escape sequences (``ESC [ 2 J`` clears a
screen), NULs, zero-width spaces and joiners, bidirectional overrides
(U+202E shows text backwards).  Two references that differ only by one of
them look identical on screen and in every export.  :func:`unsafe_characters`
finds them; imported text is refused when it holds any.  Text is also
normalised to Unicode NFC (a composed "é", as keyboards type it), so the same
visible text is the same stored text.

The categories are Unicode's: ``Cc`` (control characters, except tab, line
feed and carriage return, which only separate) and ``Cf`` (format characters:
zero-width space U+200B, joiners U+200C/U+200D, word joiner U+2060, the
byte-order mark U+FEFF inside text, soft hyphen U+00AD, bidirectional
controls U+202A-U+202E and U+2066-U+2069...).  No Qt.
"""

from __future__ import annotations

import unicodedata

ALLOWED_CONTROLS = frozenset("\t\n\r")


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C."""
    return unicodedata.normalize("NFC", text)


def describe_character(char: str) -> str:
    """``U+200B ZERO WIDTH SPACE`` (or the code point alone when Unicode has no name)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def unsafe_characters(text: str) -> list[tuple[str, str]]:
    """The control and invisible characters in ``text``: (``"control character"`` or ``"invisible
    character"``, its description), each distinct character once, in order of appearance."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for char in text:
        if char in seen or char in ALLOWED_CONTROLS:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            kind = "NUL character" if char == "\x00" else "control character"
        elif category == "Cf":
            kind = "invisible character"
        else:
            continue
        seen.add(char)
        found.append((kind, describe_character(char)))
    return found


def unsafe_summary(text: str) -> str:
    """One phrase naming what :func:`unsafe_characters` found ("" when none)."""
    return ", ".join(
        f"{'an' if kind[0] in 'aeiou' else 'a'} {kind} ({what})" for kind, what in unsafe_characters(text)
    )


def visible(text: str) -> str:
    """``text`` with control and invisible characters written as escapes (``\\x1b``, ``\\u200b``)."""
    return "".join(
        char.encode("unicode_escape").decode("ascii") if unicodedata.category(char) in ("Cc", "Cf") else char
        for char in text
    )
