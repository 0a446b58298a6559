"""Review form templates: the form is data, defined in ``resources/forms``.

A template is a JSON document::

    {
      "id": "custody-cctv-review", "version": 1, "title": "...",
      "themes": [{"id": "use_of_force", "label": "Use of force", "key": "U"}, ...],
      "sections": [
        {"id": "arrival", "title": "...", "theme": "arrival",
         "questions": [
           {"id": "arrival.risk_assessment", "text": "...", "type": "yes_no",
            "required": true, "help": "...",
            "show_if": {"question": "...", "in": ["yes"]}}
         ]}
      ],
      "roles": {"force_used": "uof.force_used", ...}
    }

Question types: ``yes_no`` (yes / no / not seen), ``single_choice``,
``multiple_choice`` (both with ``options``), ``text`` and ``time`` (a clip
position or clock time, stored as text ``H:MM:SS``, optionally followed by the camera in
brackets: ``23:14:05 (Cell 4)``).  ``show_if`` makes a
question apply only when an earlier question has one of the given answers; a
required question that does not apply is not required.  ``roles`` tell the
summary which questions carry the use-of-force judgement.

Loading validates everything and raises :class:`TemplateError` with a message
that says which file and which part is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cctv_review.errors import UserFacingError
from cctv_review.resources_path import resources_dir

QUESTION_TYPES = ("yes_no", "single_choice", "multiple_choice", "text", "time")
YES_NO_OPTIONS = (("yes", "Yes"), ("no", "No"), ("not_seen", "Not seen"))
DEFAULT_TEMPLATE_ID = "custody-cctv-review"
ROLE_NAMES = ("force_used", "force_justified", "force_proportionate", "force_necessary")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
#: A ``time`` answer: ``H:MM[:SS[.mmm]]``, optionally followed by where it was seen in brackets
#: (``23:14:05 (Cell 4)``, as the form's "Use video time" fills it).
_TIME_RE = re.compile(r"^\d{1,3}:[0-5]\d(:[0-5]\d(\.\d{1,3})?)?( \([^()\n]{1,80}\))?$")


class TemplateError(UserFacingError, ValueError):
    """A review template is missing, unreadable or not valid."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    question: str
    values: tuple[str, ...]

    def holds(self, answers: Mapping[str, Any]) -> bool:
        answer = answers.get(self.question)
        if isinstance(answer, (list, tuple)):
            return any(a in self.values for a in answer)
        return answer in self.values


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str
    required: bool = False
    help: str = ""
    options: tuple[Option, ...] = ()
    show_if: Condition | None = None
    section_id: str = ""

    def option_label(self, value: str) -> str:
        for option in self.options:
            if option.value == value:
                return option.label
        return str(value)

    def is_answered(self, value: Any) -> bool:
        if value is None:
            return False
        if isinstance(value, str):
            return value.strip() != ""
        if isinstance(value, (list, tuple)):
            return len(value) > 0
        return True

    def validate_value(self, value: Any) -> Any:
        """Check an answer's shape; returns it normalised or raises ValueError."""
        if value is None:
            return None
        allowed = {o.value for o in self.options}
        if self.type in ("yes_no", "single_choice"):
            if not isinstance(value, str) or (value and value not in allowed):
                raise ValueError(f"{value!r} is not one of the choices for '{self.text}'")
            return value
        if self.type == "multiple_choice":
            if isinstance(value, str):
                value = [value]
            values = list(value)
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"{bad!r} are not choices for '{self.text}'")
            return [o.value for o in self.options if o.value in values]
        if self.type == "time":
            text = str(value).strip()
            if text and not _TIME_RE.match(text):
                raise ValueError(f"'{text}' is not a time like 1:05:30 for '{self.text}'")
            return text
        return str(value)

    def display(self, value: Any) -> str:
        """An answer as a reader would want to see it."""
        if not self.is_answered(value):
            return ""
        if self.type in ("yes_no", "single_choice"):
            return self.option_label(value)
        if self.type == "multiple_choice":
            return "; ".join(self.option_label(v) for v in value)
        return str(value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    questions: tuple[Question, ...]
    description: str = ""
    theme: str = ""


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    key: str = ""
    description: str = ""


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    title: str
    sections: tuple[Section, ...]
    themes: tuple[Theme, ...]
    roles: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    source: str = ""

    # -- lookups ---------------------------------------------------------
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, question_id: str) -> Question:
        """The question with this id; raises ``KeyError``.  (A dict made on first use: exports ask
        once per answer.)"""
        index = self.__dict__.get("_question_index")
        if index is None:
            index = {q.id: q for q in self.questions()}
            object.__setattr__(self, "_question_index", index)  # a frozen dataclass: a cache, not state
        return index[question_id]

    def theme(self, theme_id: str) -> Theme:
        """The theme with this id; raises ``KeyError``."""
        index = self.__dict__.get("_theme_index")
        if index is None:
            index = {t.id: t for t in self.themes}
            object.__setattr__(self, "_theme_index", index)
        return index[theme_id]

    def theme_label(self, theme_id: str) -> str:
        try:
            return self.theme(theme_id).label
        except KeyError:
            return theme_id

    # -- rules -----------------------------------------------------------
    def applies(self, question: Question, answers: Mapping[str, Any]) -> bool:
        """Whether a question applies given the answers so far."""
        if question.show_if is None:
            return True
        parent = self.question(question.show_if.question)
        return self.applies(parent, answers) and question.show_if.holds(answers)

    def missing_required(self, answers: Mapping[str, Any]) -> list[Question]:
        """Required questions that apply and have no answer, in form order."""
        return [
            q
            for q in self.questions()
            if q.required and self.applies(q, answers) and not q.is_answered(answers.get(q.id))
        ]

    def progress(self, answers: Mapping[str, Any]) -> tuple[int, int]:
        """(answered, applicable) counts over the questions that apply."""
        applicable = [q for q in self.questions() if self.applies(q, answers)]
        answered = sum(1 for q in applicable if q.is_answered(answers.get(q.id)))
        return answered, len(applicable)


# -- loading -------------------------------------------------------------------


def forms_dir() -> Path:
    return resources_dir() / "forms"


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> Template:
    return parse_template(_read_json(Path(path)), source=path)


def load_template(path: str | Path | None = None) -> Template:
    """Load and validate a template file (the default custody template if no path)."""
    if path is None:
        path = forms_dir() / f"{DEFAULT_TEMPLATE_ID}.json"
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise TemplateError(f"Review template {path} was not found.") from None
    return _load_cached(str(path), mtime)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"Review template {path} could not be read: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise TemplateError(f"Review template {path} is not UTF-8 text.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"Review template {path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None


def parse_template(data: Any, source: str = "<template>") -> Template:
    """Build a Template from parsed JSON, validating every part."""

    def fail(where: str, what: str) -> TemplateError:
        return TemplateError(f"Review template {source}: {where}: {what}")

    def need(obj: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
        if key not in obj:
            raise fail(where, f"'{key}' is missing")
        value = obj[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise fail(where, f"'{key}' must be {_kind_name(kind)}")
        if isinstance(value, str) and not value.strip():
            raise fail(where, f"'{key}' must not be empty")
        return value

    def check_id(value: str, where: str) -> str:
        if not _ID_RE.match(value):
            raise fail(where, f"id '{value}' may use only lower-case letters, digits, '.', '_' and '-'")
        return value

    if not isinstance(data, dict):
        raise fail("top level", "must be a JSON object")
    template_id = check_id(need(data, "id", str, "top level"), "top level")
    version = need(data, "version", int, "top level")
    if version < 1:
        raise fail("top level", "'version' must be 1 or more")
    title = need(data, "title", str, "top level")

    themes: list[Theme] = []
    raw_themes = need(data, "themes", list, "top level")
    if not raw_themes:
        raise fail("themes", "at least one finding theme is needed")
    keys: set[str] = set()
    for i, raw in enumerate(raw_themes):
        where = f"theme {i + 1}"
        if not isinstance(raw, dict):
            raise fail(where, "must be an object")
        theme_id = check_id(need(raw, "id", str, where), where)
        if any(t.id == theme_id for t in themes):
            raise fail(where, f"theme id '{theme_id}' is used twice")
        key = str(raw.get("key", "")).upper()
        if key:
            if len(key) != 1 or key in keys:
                raise fail(where, f"key '{key}' must be a single character used by one theme only")
            keys.add(key)
        themes.append(Theme(theme_id, need(raw, "label", str, where), key, str(raw.get("description", ""))))
    theme_ids = {t.id for t in themes}

    sections: list[Section] = []
    seen_questions: dict[str, Question] = {}
    raw_sections = need(data, "sections", list, "top level")
    if not raw_sections:
        raise fail("sections", "at least one section is needed")
    for si, raw_section in enumerate(raw_sections):
        where = f"section {si + 1}"
        if not isinstance(raw_section, dict):
            raise fail(where, "must be an object")
        section_id = check_id(need(raw_section, "id", str, where), where)
        where = f"section '{section_id}'"
        if any(s.id == section_id for s in sections):
            raise fail(where, "section id is used twice")
        section_theme = str(raw_section.get("theme", ""))
        if section_theme and section_theme not in theme_ids:
            raise fail(where, f"theme '{section_theme}' is not one of the template's themes")
        questions: list[Question] = []
        raw_questions = need(raw_section, "questions", list, where)
        if not raw_questions:
            raise fail(where, "has no questions")
        for qi, raw_q in enumerate(raw_questions):
            q_where = f"{where}, question {qi + 1}"
            if not isinstance(raw_q, dict):
                raise fail(q_where, "must be an object")
            qid = check_id(need(raw_q, "id", str, q_where), q_where)
            q_where = f"question '{qid}'"
            if qid in seen_questions or any(q.id == qid for q in questions):
                raise fail(q_where, "question id is used twice")
            qtype = need(raw_q, "type", str, q_where)
            if qtype not in QUESTION_TYPES:
                raise fail(q_where, f"type '{qtype}' is not one of {', '.join(QUESTION_TYPES)}")
            options: tuple[Option, ...] = ()
            if qtype == "yes_no":
                options = tuple(Option(v, label) for v, label in YES_NO_OPTIONS)
            elif qtype in ("single_choice", "multiple_choice"):
                raw_options = need(raw_q, "options", list, q_where)
                if len(raw_options) < 2:
                    raise fail(q_where, "a choice question needs at least two options")
                parsed = []
                for raw_o in raw_options:
                    if isinstance(raw_o, str):
                        value = re.sub(r"[^a-z0-9]+", "_", raw_o.lower()).strip("_")
                        parsed.append(Option(value, raw_o))
                    elif isinstance(raw_o, dict):
                        parsed.append(
                            Option(need(raw_o, "value", str, q_where), need(raw_o, "label", str, q_where))
                        )
                    else:
                        raise fail(q_where, "options must be strings or {value, label} objects")
                option_values = [o.value for o in parsed]
                if len(set(option_values)) != len(option_values):
                    raise fail(q_where, "two options have the same value")
                options = tuple(parsed)
            elif "options" in raw_q:
                raise fail(q_where, f"a '{qtype}' question takes no options")
            condition = None
            if "show_if" in raw_q:
                raw_c = raw_q["show_if"]
                if not isinstance(raw_c, dict):
                    raise fail(q_where, "'show_if' must be an object")
                parent_id = need(raw_c, "question", str, q_where + " show_if")
                parent = seen_questions.get(parent_id) or next(
                    (q for q in questions if q.id == parent_id), None
                )
                if parent is None:
                    raise fail(q_where, f"show_if refers to '{parent_id}', which is not an earlier question")
                shown_for = raw_c.get("in")
                if not isinstance(shown_for, list) or not shown_for:
                    raise fail(q_where, "show_if needs 'in': a list of answers")
                allowed = {o.value for o in parent.options}
                if allowed and any(v not in allowed for v in shown_for):
                    raise fail(q_where, f"show_if lists an answer that '{parent_id}' does not offer")
                condition = Condition(parent_id, tuple(str(v) for v in shown_for))
            required = raw_q.get("required", False)
            if not isinstance(required, bool):
                raise fail(q_where, "'required' must be true or false")
            question = Question(
                id=qid,
                text=need(raw_q, "text", str, q_where),
                type=qtype,
                required=required,
                help=str(raw_q.get("help", "")),
                options=options,
                show_if=condition,
                section_id=section_id,
            )
            questions.append(question)
        for q in questions:
            seen_questions[q.id] = q
        sections.append(
            Section(
                section_id,
                need(raw_section, "title", str, where),
                tuple(questions),
                str(raw_section.get("description", "")),
                section_theme,
            )
        )

    roles = data.get("roles", {})
    if not isinstance(roles, dict):
        raise fail("roles", "must be an object")
    for role, qid in roles.items():
        if role not in ROLE_NAMES:
            raise fail("roles", f"unknown role '{role}' (known: {', '.join(ROLE_NAMES)})")
        if qid not in seen_questions:
            raise fail("roles", f"role '{role}' names question '{qid}', which is not in the template")
        if seen_questions[qid].type != "yes_no":
            raise fail("roles", f"role '{role}' must name a yes/no question")

    return Template(
        id=template_id,
        version=version,
        title=title,
        sections=tuple(sections),
        themes=tuple(themes),
        roles=dict(roles),
        description=str(data.get("description", "")),
        source=source,
    )


def _kind_name(kind: type) -> str:
    return {str: "text", int: "a whole number", list: "a list", dict: "an object", bool: "true or false"}.get(
        kind, kind.__name__
    )
