import copy
import json

import pytest

from cctv_review.template import TemplateError, load_template, parse_template


def minimal():
    return {
        "id": "t",
        "version": 2,
        "title": "T",
        "themes": [{"id": "force", "label": "Use of force", "key": "U"}],
        "sections": [
            {
                "id": "s",
                "title": "S",
                "questions": [
                    {"id": "used", "text": "Force used?", "type": "yes_no", "required": True},
                    {
                        "id": "why",
                        "text": "Why?",
                        "type": "text",
                        "required": True,
                        "show_if": {"question": "used", "in": ["yes"]},
                    },
                    {
                        "id": "kinds",
                        "text": "Kinds",
                        "type": "multiple_choice",
                        "options": ["Holds", "Cuffs"],
                    },
                    {"id": "when", "text": "When", "type": "time"},
                ],
            }
        ],
        "roles": {"force_used": "used"},
    }


def test_real_template_covers_the_custody_journey():
    t = load_template()
    assert t.id == "custody-cctv-review" and t.version >= 1
    section_ids = [s.id for s in t.sections]
    for needed in ("arrival", "searching", "use_of_force", "cell", "welfare", "vulnerability", "release"):
        assert needed in section_ids
    ids = {q.id for q in t.questions()}
    for needed in (
        "arrival.risk_assessment",
        "arrival.rights",
        "arrival.staff_demeanour",
        "arrival.desk_privacy",
        "search.strip_dignity",
        "uof.justified",
        "uof.proportionate",
        "uof.necessary",
        "uof.recorded",
        "uof.injuries",
        "uof.bwv",
        "cell.observation_level",
        "cell.rousing_properly",
        "welfare.food_drink",
        "welfare.mental_health",
        "vuln.appropriate_adult",
        "vuln.diversion",
        "release.pre_release_ra",
        "release.pre_release_ra_detail",
        "release.safe_plan",
    ):
        assert needed in ids
    assert set(t.roles) == {"force_used", "force_justified", "force_proportionate", "force_necessary"}
    assert len({th.key for th in t.themes}) == len(t.themes)
    assert {q.type for q in t.questions()} == {"yes_no", "single_choice", "multiple_choice", "text", "time"}


def test_conditional_questions_are_required_only_when_they_apply():
    t = load_template()
    missing = {q.id for q in t.missing_required({})}
    assert "uof.force_used" in missing and "uof.justified" not in missing
    missing = {q.id for q in t.missing_required({"uof.force_used": "yes"})}
    assert {"uof.justified", "uof.proportionate", "uof.necessary"} <= missing
    # A strip search makes the dignity questions apply, through a multiple choice.
    answers = {"search.searched": "yes", "search.type": ["pat_down", "strip_search"]}
    assert "search.strip_dignity" in {q.id for q in t.missing_required(answers)}
    # ... and hiding the parent hides the grandchild.
    answers["search.searched"] = "no"
    assert "search.strip_dignity" not in {q.id for q in t.missing_required(answers)}


def test_progress_counts_only_questions_that_apply():
    t = parse_template(minimal())
    assert t.progress({}) == (0, 3)
    assert t.progress({"used": "yes"}) == (1, 4)
    assert t.progress({"used": "no", "when": "0:01:02"}) == (2, 3)


def test_answer_values_are_checked():
    t = parse_template(minimal())
    assert t.question("kinds").validate_value(["cuffs", "holds"]) == ["holds", "cuffs"]
    with pytest.raises(ValueError):
        t.question("used").validate_value("maybe")
    with pytest.raises(ValueError):
        t.question("kinds").validate_value(["spray"])
    with pytest.raises(ValueError):
        t.question("when").validate_value("half past two")
    assert t.question("when").validate_value("1:02:03.5") == "1:02:03.5"
    assert t.question("kinds").display(["holds", "cuffs"]) == "Holds; Cuffs"
    assert t.question("used").display("not_seen") == "Not seen"


def breaks(mutate, expected):
    data = copy.deepcopy(minimal())
    mutate(data)
    with pytest.raises(TemplateError) as info:
        parse_template(data, source="broken.json")
    assert "broken.json" in str(info.value)
    assert expected in str(info.value)


def test_broken_templates_give_clear_errors():
    breaks(lambda d: d.pop("id"), "'id' is missing")
    breaks(lambda d: d.update(version="1"), "'version' must be a whole number")
    breaks(lambda d: d.update(themes=[]), "at least one finding theme")
    breaks(lambda d: d["sections"][0]["questions"][0].update(type="slider"), "type 'slider' is not one of")
    breaks(
        lambda d: d["sections"][0]["questions"].append(dict(d["sections"][0]["questions"][0])),
        "question id is used twice",
    )
    breaks(
        lambda d: d["sections"][0]["questions"][1]["show_if"].update(question="nope"),
        "refers to 'nope', which is not an earlier question",
    )
    breaks(
        lambda d: d["sections"][0]["questions"][1]["show_if"].update({"in": ["perhaps"]}), "does not offer"
    )
    breaks(lambda d: d["sections"][0]["questions"][2].update(options=["Only one"]), "at least two options")
    breaks(lambda d: d["sections"][0]["questions"][3].update(options=["a", "b"]), "takes no options")
    breaks(lambda d: d["roles"].update(force_used="ghost"), "not in the template")
    breaks(lambda d: d["roles"].update(force_used="why"), "must name a yes/no question")
    breaks(lambda d: d["roles"].update(mystery="used"), "unknown role")
    breaks(lambda d: d["themes"].append({"id": "x", "label": "X", "key": "U"}), "key 'U'")
    breaks(lambda d: d["sections"][0].update(theme="nowhere"), "not one of the template's themes")
    breaks(lambda d: d["sections"][0]["questions"][0].update(id="Bad Id"), "may use only")


def test_unreadable_template_files(tmp_path):
    with pytest.raises(TemplateError, match="was not found"):
        load_template(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "t",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"not valid JSON: .* line 2"):
        load_template(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(minimal()), encoding="utf-8")
    assert load_template(good).version == 2
