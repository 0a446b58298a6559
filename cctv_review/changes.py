"""What a write changed: the ids it touched, so each view refreshes only that.

Modelled on Anki's ``OpChanges``: every write made through the review session
returns (and the session emits, as ``ReviewSession.changed``) one
:class:`Changes`.  A view looks at the ids it shows and redraws only those; a
hidden view marks itself stale and recomputes when it is shown again.
Plain Python, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class Changes:
    """Ids touched by one write (or several, merged with ``|``).

    ``cases``: cases whose row changed (details, status, outcome);
    ``cases_added`` / ``cases_removed``: cases that appeared or went;
    ``clips``: clips added, edited or removed (ids);
    ``findings``: findings added, edited or deleted (ids);
    ``answers``: ids of the cases whose answers changed.
    """

    cases: frozenset[int] = field(default_factory=frozenset)
    cases_added: frozenset[int] = field(default_factory=frozenset)
    cases_removed: frozenset[int] = field(default_factory=frozenset)
    clips: frozenset[int] = field(default_factory=frozenset)
    findings: frozenset[int] = field(default_factory=frozenset)
    answers: frozenset[int] = field(default_factory=frozenset)

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) | getattr(other, f.name) for f in fields(self)})

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def case_list(self) -> bool:
        """True when the set of cases, or a case's row, changed (the case list must look)."""
        return bool(self.cases or self.cases_added or self.cases_removed)
