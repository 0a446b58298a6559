"""Review packages (issue 14 item 1): export, checks, merge, re-import, conflicts, audit entries."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from cctv_review import package as pkg
from cctv_review import store as store_module
from cctv_review.cli import main
from cctv_review.domain import Case, Clip, Finding, FindingLevel, LearningLevel
from cctv_review.store import Store
from cctv_review.summary import summarise
from tests.conftest import answer_everything, answer_everything_second


def _review(
    store: Store,
    template,
    reference: str,
    outcome: str,
    *,
    suite: str = "North",
    clip_file: Path | None = None,
    still: Path | None = None,
    flags: tuple[str, ...] = (),
    findings=(("risk_assessment", "significant"),),
):
    """A completed case in ``store``: answers, one clip record (when a file is given), findings, outcome."""
    case = Case(reference=reference, custody_suite=suite, reviewer=store.user)
    for flag in flags:
        setattr(case, flag, True)
    case = store.add_case(case)
    clip_id = None
    if clip_file is not None:
        data = clip_file.read_bytes()
        clip = store.add_clip(
            Clip(
                case_id=case.id,
                path=str(clip_file),
                camera="Booking-in desk",
                sha256=hashlib.sha256(data).hexdigest(),
                file_size=len(data),
            )
        )
        clip_id = clip.id
    answer_everything(store, template, case.id)
    for theme, level in findings:
        store.add_finding(
            Finding(
                case_id=case.id,
                theme=theme,
                level=FindingLevel(level),
                position_ms=1500,
                clip_id=clip_id,
                note=f"{theme} in {reference}",
                still_path=str(still) if still else "",
            )
        )
    store.set_outcome(case.id, LearningLevel(outcome), f"Rationale for {reference}.")
    return store.complete_case(case.id, template)


def _themes(template) -> list[str]:
    return [t.id for t in template.themes]


def _dump(path: Path) -> dict[str, list]:
    """Every row of every table (the whole database's content), to compare before and after."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ]
        return {n: conn.execute(f"SELECT * FROM [{n}] ORDER BY rowid").fetchall() for n in names}
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def separate_computers(tmp_path, monkeypatch):
    """Each reviewer's store keeps its audit key on its own computer (a key folder per user), so the
    lead does not hold alice's key unless given it."""
    real = Store.__init__

    def init(self, path, user=None):
        who = user or store_module.current_user()
        monkeypatch.setenv("CCTV_REVIEW_KEY_DIR", str(tmp_path / "keys" / who))
        real(self, path, user)

    monkeypatch.setattr(Store, "__init__", init)


@pytest.fixture
def footage(tmp_path):
    path = tmp_path / "cell4.mp4"
    path.write_bytes(b"not really video, only hashed" * 100)
    return path


@pytest.fixture
def still(tmp_path):
    path = tmp_path / "still.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"pixels" * 50)
    return path


def test_two_reviewers_merged_into_a_third_store_sum_to_every_figure(tmp_path, template, footage, still):
    themes = _themes(template)
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "significant", clip_file=footage, still=still, flags=("child",))
        _review(a, template, "A-2", "none", suite="South", findings=((themes[1], "good_practice"),))
        _review(a, template, "A-3", "some", findings=((themes[0], "some"), (themes[2], "significant")))
        a.add_case(Case(reference="A-4"))  # not started: counted as waiting
        pa = pkg.export_package(a, ["A-1", "A-2", "A-3", "A-4"], tmp_path / "alice.cctvpkg")
        sa = summarise(a, template)
    with Store(tmp_path / "b.sqlite", user="bob") as b:
        _review(
            b, template, "B-1", "significant", flags=("use_of_force",), findings=((themes[0], "significant"),)
        )
        _review(b, template, "B-2", "some", suite="South", flags=("child",))
        pb = pkg.export_package(b, ["B-1", "B-2"], tmp_path / "bob.cctvpkg")
        sb = summarise(b, template)
    assert pa.stills == 1 and pa.audit_entries > 0 and pa.signed

    with Store(tmp_path / "lead.sqlite", user="lead") as lead:
        ra = pkg.import_package(lead, pkg.read_package(pa.path))
        rb = pkg.import_package(lead, pkg.read_package(pb.path))
        assert ra.added == ["A-1", "A-2", "A-3", "A-4"] and rb.added == ["B-1", "B-2"]
        merged = summarise(lead, template)
        # every finding and answer keeps its reviewer
        reviewers = {f.reviewer for f in lead.list_findings()}
        assert reviewers == {"alice", "bob"}
        assert {a.reviewer for a in lead.answer_records()} == {"alice", "bob"}
        # the lead's own trail records every row the import wrote
        assert lead.verify_audit().ok, str(lead.verify_audit())
        # the still came with the package, under its SHA-256
        stills = [f.still_path for f in lead.list_findings() if f.still_path]
        assert len(stills) == 1 and Path(stills[0]).read_bytes() == still.read_bytes()
        assert Path(stills[0]).parent != still.parent

    def add(x, y):
        if isinstance(x, dict):
            return {k: add(x[k], y[k]) for k in x}
        if isinstance(x, list):
            return [add(i, j) for i, j in zip(x, y, strict=True)]
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            return x + y
        assert x == y
        return x

    da, db_, dm = sa.to_dict(), sb.to_dict(), merged.to_dict()
    for name in (
        "total_cases",
        "completed",
        "in_progress",
        "not_started",
        "findings",
        "good_practice_findings",
    ):
        assert dm[name] == da[name] + db_[name], name
    for level in LearningLevel:
        assert (
            dm["by_level"][level.value]["cases"]
            == da["by_level"][level.value]["cases"] + db_["by_level"][level.value]["cases"]
        )
    for group in ("by_theme", "by_flag"):
        keep = (
            "cases",
            "significant_cases",
            "some_cases",
            "good_practice_cases",
            "findings",
            "significant",
            "some",
            "none",
        )
        for rm, ra_, rb_ in zip(dm[group], da[group], db_[group], strict=True):
            for k in keep:
                if k in rm:
                    assert rm[k] == ra_[k] + rb_[k], (group, rm.get("label"), k)
    suites = {r["key"]: r for r in dm["by_suite"]}
    for s in (da, db_):
        for r in s["by_suite"]:
            assert suites[r["key"]]["cases"] >= r["cases"]
    assert sum(r["cases"] for r in dm["by_suite"]) == sum(
        r["cases"] for r in da["by_suite"] + db_["by_suite"]
    )
    for k in ("cases", "justified_proportionate_necessary", "not_jpn", "undetermined"):
        assert dm["use_of_force"][k] == da["use_of_force"][k] + db_["use_of_force"][k]
    assert add(1, 2) == 3


def test_importing_the_same_package_twice_changes_nothing(tmp_path, template, footage, still):
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "significant", clip_file=footage, still=still)
        out = pkg.export_package(a, ["A-1"], tmp_path / "a.cctvpkg").path
    lead_path = tmp_path / "lead.sqlite"
    with Store(lead_path, user="lead") as lead:
        first = pkg.import_package(lead, pkg.read_package(out))
        assert first.changed and first.added == ["A-1"]
    before = _dump(lead_path)
    with Store(lead_path, user="lead") as lead:
        again = pkg.import_package(lead, pkg.read_package(out))
    assert not again.changed and again.unchanged == ["A-1"]
    assert _dump(lead_path) == before


def test_clips_are_merged_by_sha256_and_relinked_to_footage_already_here(tmp_path, template, footage):
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "some", clip_file=footage)
        out = pkg.export_package(a, ["A-1"], tmp_path / "a.cctvpkg").path
    local_copy = tmp_path / "lead-footage" / "same-file-other-name.mp4"
    local_copy.parent.mkdir()
    local_copy.write_bytes(footage.read_bytes())
    with Store(tmp_path / "lead.sqlite", user="lead") as lead:
        other = lead.add_case(Case(reference="L-9"))
        lead.add_clip(
            Clip(
                case_id=other.id,
                path=str(local_copy),
                camera="Cell 4",
                sha256=hashlib.sha256(local_copy.read_bytes()).hexdigest(),
            )
        )
        report = pkg.import_package(lead, pkg.read_package(out))
        assert report.relinked_clips == 1
        imported = lead.case_by_reference("A-1")
        (clip,) = lead.list_clips(imported.id)
        assert clip.path == str(local_copy)
        (finding,) = lead.list_findings(imported.id)
        assert finding.clip_id == clip.id


@pytest.mark.parametrize("damage", ["data", "still", "extra", "missing", "manifest", "audit_entry"])
def test_a_tampered_package_is_refused_whole(tmp_path, template, footage, still, damage):
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "significant", clip_file=footage, still=still)
        _review(a, template, "A-2", "none")
        out = pkg.export_package(a, ["A-1", "A-2"], tmp_path / "a.cctvpkg").path
    with zipfile.ZipFile(out) as z:
        members = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(members["manifest.json"])
    if damage == "data":  # an outcome changed, the manifest left as it was
        members["data.json"] = members["data.json"].replace(b'"outcome":"none"', b'"outcome":"some"')
    elif damage == "still":
        name = next(n for n in members if n.startswith("stills/"))
        members[name] = members[name] + b"x"
    elif damage == "extra":
        members["stills/" + "0" * 64 + ".png"] = b"smuggled"
    elif damage == "missing":
        del members[next(n for n in members if n.startswith("stills/"))]
    elif damage in ("manifest", "audit_entry"):
        # Rewritten consistently (outcome, digests and manifest recomputed) by someone without the key.
        data = json.loads(members["data.json"])
        bundle = data["cases"][1]
        bundle["case"]["outcome"] = "significant"
        bundle["parts"] = pkg.part_digests(bundle)
        bundle["digest"] = pkg.case_digest(bundle)
        members["data.json"] = json.dumps(data).encode()
        if damage == "audit_entry":  # ... and the entries' state made to match
            from cctv_review import audit

            audit_data = json.loads(members["audit.json"])
            name = audit.object_key("cases", bundle["case"]["id"])
            for entry in audit_data["entries"]:
                state = json.loads(entry["state"] or "{}")
                if name in state:
                    state[name] = audit.row_digest("cases", bundle["case"])
                    entry["state"] = json.dumps(state, sort_keys=True, separators=(",", ":"))
            members["audit.json"] = json.dumps(audit_data).encode()
        for n in ("data.json", "audit.json"):
            manifest["members"][n] = {
                "sha256": hashlib.sha256(members[n]).hexdigest(),
                "size_bytes": len(members[n]),
            }
        members["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.cctvpkg"
    with zipfile.ZipFile(bad, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    lead_path = tmp_path / "lead.sqlite"
    with Store(lead_path, user="lead") as lead:
        lead.add_case(Case(reference="L-1"))
    before = _dump(lead_path)
    # The lead holds alice's key only for the signed cases (a copy of her export-key file).
    key = pkg.read_key(_export_key(tmp_path / "a.sqlite", tmp_path / "alice.key"))
    with pytest.raises(pkg.PackageRefused) as refused:
        pkg.read_package(bad, key=key if damage in ("manifest", "audit_entry") else None)
    assert "nothing of it was imported" in str(refused.value)
    assert _dump(lead_path) == before


def _export_key(db: Path, out: Path, user: str = "alice") -> Path:
    with Store(db, user=user) as s:
        s.export_key(out)
    return out


def test_consistent_rewrite_without_the_key_is_caught_by_the_rows_check(tmp_path, template):
    """Without the key: data changed and digests recomputed, but the audit entries left: refused."""
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "none")
        out = pkg.export_package(a, ["A-1"], tmp_path / "a.cctvpkg").path
    with zipfile.ZipFile(out) as z:
        members = {n: z.read(n) for n in z.namelist()}
    data = json.loads(members["data.json"])
    data["cases"][0]["case"]["outcome"] = "significant"
    data["cases"][0]["parts"] = pkg.part_digests(data["cases"][0])
    data["cases"][0]["digest"] = pkg.case_digest(data["cases"][0])
    members["data.json"] = json.dumps(data).encode()
    manifest = json.loads(members["manifest.json"])
    manifest["members"]["data.json"] = {
        "sha256": hashlib.sha256(members["data.json"]).hexdigest(),
        "size_bytes": len(members["data.json"]),
    }
    manifest["origin_store_id"] = "f" * 32  # so the key on this computer is not found
    members["manifest.json"] = json.dumps(manifest).encode()
    bad = tmp_path / "bad.cctvpkg"
    with zipfile.ZipFile(bad, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
    with pytest.raises(pkg.PackageRefused, match="own audit trail"):
        pkg.read_package(bad)


def _shared(tmp_path, template):
    """Alice reviews A-1 and sends it to the lead; returns the two store paths."""
    a_path, lead_path = tmp_path / "a.sqlite", tmp_path / "lead.sqlite"
    with Store(a_path, user="alice") as a:
        _review(a, template, "A-1", "some")
        first = pkg.export_package(a, ["A-1"], tmp_path / "first.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        pkg.import_package(lead, pkg.read_package(first))
    return a_path, lead_path


def test_a_case_edited_in_both_stores_is_surfaced_not_overwritten(tmp_path, template):
    a_path, lead_path = _shared(tmp_path, template)
    with Store(a_path, user="alice") as a:
        case = a.case_by_reference("A-1")
        a.reopen_case(case.id, "second thoughts")
        a.set_outcome(case.id, LearningLevel.SIGNIFICANT, "Alice: the risk assessment was missed.")
        a.complete_case(case.id, template)
        second = pkg.export_package(a, ["A-1"], tmp_path / "second.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        case = lead.case_by_reference("A-1")
        lead.reopen_case(case.id, "lead's check")
        lead.set_outcome(case.id, LearningLevel.NONE, "Lead: nothing to learn.")
        lead.complete_case(case.id, template)
        before = _dump(lead_path)
        package = pkg.read_package(second)
        (plan,) = pkg.plan_import(lead, package)
        assert plan.action == pkg.CONFLICT
        assert "Lead: nothing to learn." in pkg.describe_bundle(plan.mine)
        assert "Alice: the risk assessment was missed." in pkg.describe_bundle(plan.theirs)
        with pytest.raises(pkg.ConflictsUnresolved) as conflict:
            pkg.import_package(lead, package)
        assert [c.reference for c in conflict.value.conflicts] == ["A-1"]
    assert _dump(lead_path) == before  # nothing written
    with Store(lead_path, user="lead") as lead:
        report = pkg.import_package(lead, pkg.read_package(second), take={"A-1": "theirs"})
        assert report.updated == ["A-1"]
        case = lead.case_by_reference("A-1")
        assert case.outcome == LearningLevel.SIGNIFICANT
        (entry,) = [r for r in lead.audit_rows() if r["action"] == "package.conflict_resolved"]
        assert json.loads(entry["detail"])["choice"] == "theirs" and entry["user"] == "lead"
        assert lead.verify_audit().ok, str(lead.verify_audit())


def test_keeping_mine_is_audited_and_sticks(tmp_path, template):
    a_path, lead_path = _shared(tmp_path, template)
    with Store(a_path, user="alice") as a:
        case = a.case_by_reference("A-1")
        a.reopen_case(case.id, "x")
        a.set_outcome(case.id, LearningLevel.SIGNIFICANT, "Alice's view.")
        second = pkg.export_package(a, ["A-1"], tmp_path / "second.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        case = lead.case_by_reference("A-1")
        lead.reopen_case(case.id, "y")
        lead.set_outcome(case.id, LearningLevel.NONE, "Lead's view.")
        pkg.import_package(lead, pkg.read_package(second), take={"A-1": "mine"})
        assert lead.case_by_reference("A-1").outcome == LearningLevel.NONE
        assert json.loads(lead.audit_rows()[-2]["detail"])["choice"] == "mine"
        # the same package again: its version is known now, so this store's stands without asking
        assert not pkg.import_package(lead, pkg.read_package(second)).changed


def test_only_the_reviewer_changed_it_then_theirs_is_taken_and_only_the_lead_then_mine_is_kept(
    tmp_path, template
):
    a_path, lead_path = _shared(tmp_path, template)
    with Store(a_path, user="alice") as a:
        case = a.case_by_reference("A-1")
        a.reopen_case(case.id, "x")
        a.set_outcome(case.id, LearningLevel.SIGNIFICANT, "Alice's second view.")
        again = pkg.export_package(a, ["A-1"], tmp_path / "again.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        assert pkg.plan_import(lead, pkg.read_package(again))[0].action == pkg.THEIRS
        pkg.import_package(lead, pkg.read_package(again))
        assert lead.case_by_reference("A-1").outcome == LearningLevel.SIGNIFICANT
        case = lead.case_by_reference("A-1")
        lead.set_outcome(case.id, LearningLevel.NONE, "Lead's edit.")
        assert pkg.plan_import(lead, pkg.read_package(again))[0].action == pkg.MINE


def test_their_audit_entries_are_kept_under_their_store_id(tmp_path, template):
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "some")
        alice_id = a.store_id
        exported = pkg.export_package(a, ["A-1"], tmp_path / "a.cctvpkg")
        alice_entries = {r["id"]: r for r in a.audit_rows()}
    with Store(tmp_path / "lead.sqlite", user="lead") as lead:
        package = pkg.read_package(exported.path)
        assert not package.signature_checked  # the lead has no key of alice's store yet
        pkg.import_package(lead, package)
        kept = lead._query("SELECT * FROM imported_audit ORDER BY id")
        assert len(kept) == exported.audit_entries
        assert {r["origin_store_id"] for r in kept} == {alice_id}
        for row in kept:
            assert row["hash"] == alice_entries[row["id"]]["hash"] and row["user"] == "alice"
    # with alice's key the signature and every entry's HMAC are checked
    key = pkg.read_key(_export_key(tmp_path / "a.sqlite", tmp_path / "alice.key"))
    assert pkg.read_package(exported.path, key=key).signature_checked


def test_cli_package_export_and_import_with_conflicts(tmp_path, template, capsys, monkeypatch):
    a_path, lead_path = _shared(tmp_path, template)
    with Store(a_path, user="alice") as a:
        case = a.case_by_reference("A-1")
        a.reopen_case(case.id, "x")
        a.set_outcome(case.id, LearningLevel.SIGNIFICANT, "Alice's view.")
    out = tmp_path / "cli.cctvpkg"
    monkeypatch.setattr(store_module, "current_user", lambda: "alice")
    assert main(["package", "export", "--db", str(a_path), "--cases", "A-1", str(out)]) == 0
    assert out.exists()
    with Store(lead_path, user="lead") as lead:
        case = lead.case_by_reference("A-1")
        lead.reopen_case(case.id, "y")
        lead.set_outcome(case.id, LearningLevel.NONE, "Lead's view.")
    monkeypatch.setattr(store_module, "current_user", lambda: "lead")
    capsys.readouterr()
    assert main(["package", "import", "--db", str(lead_path), str(out)]) == 1
    printed = capsys.readouterr()
    assert "A-1" in printed.out and "Lead's view." in printed.out and "Alice's view." in printed.out
    assert "--take A-1=mine" in printed.out
    assert main(["package", "import", "--db", str(lead_path), str(out), "--take", "A-1=theirs"]) == 0
    with Store(lead_path, user="lead") as lead:
        assert lead.case_by_reference("A-1").outcome == LearningLevel.SIGNIFICANT
    out.write_bytes(out.read_bytes()[:-10])
    assert main(["package", "import", "--db", str(lead_path), str(out)]) == 2


def test_blind_second_review_across_stores_round_trip(tmp_path, template, still):
    """The lead sends bob a blind package (no first review in it), bob reviews on his own laptop and
    sends it back: the lead keeps the first review, takes bob's second, and moderates."""
    from cctv_review import team

    a_path, lead_path, bob_path = tmp_path / "a.sqlite", tmp_path / "lead.sqlite", tmp_path / "bob.sqlite"
    with Store(a_path, user="alice") as a:
        _review(a, template, "A-1", "significant", still=still)
        out = pkg.export_package(a, ["A-1"], tmp_path / "alice.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        pkg.import_package(lead, pkg.read_package(out))
        case_id = lead.case_by_reference("A-1").id
        with pytest.raises(pkg.PackageError, match="not waiting for a second review by bob"):
            pkg.export_package(lead, ["A-1"], tmp_path / "no.cctvpkg", blind_for="bob")
        team.assign_second_review(lead, case_id, "bob")
        blind = pkg.export_package(lead, ["A-1"], tmp_path / "for-bob.cctvpkg", blind_for="bob")
    with zipfile.ZipFile(blind.path) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    assert b"Rationale for A-1" not in everything and b"risk_assessment in A-1" not in everything
    assert b"significant" not in everything and blind.stills == 0 and blind.audit_entries == 0

    with Store(bob_path, user="bob") as bob:
        pkg.import_package(bob, pkg.read_package(blind.path))
        bob_case = bob.case_by_reference("A-1")
        assert bob_case.outcome is None and bob.answers(bob_case.id) == {} and bob.list_findings() == []
        assert team.blind_for(bob, "bob", bob_case.id)
        answer_everything_second(bob, template, bob_case.id)
        team.add_second_finding(
            bob, Finding(case_id=bob_case.id, theme="welfare", level=FindingLevel.SOME, note="Bob's finding")
        )
        team.set_second_outcome(bob, bob_case.id, "none", "Bob: nothing to learn.")
        team.complete_second_review(bob, bob_case.id, template)
        back = pkg.export_package(bob, ["A-1"], tmp_path / "from-bob.cctvpkg").path
        assert bob.verify_audit().ok

    with Store(lead_path, user="lead") as lead:
        (plan,) = pkg.plan_import(lead, pkg.read_package(back))
        assert plan.parts == {"first": pkg.MINE, "second": pkg.THEIRS, "moderation": pkg.SAME}
        pkg.import_package(lead, pkg.read_package(back))
        case = lead.get_case(case_id)
        assert case.outcome == LearningLevel.SIGNIFICANT and case.outcome_rationale == "Rationale for A-1."
        assert [f.note for f in lead.list_findings(case_id) if f.review_round == 1] == [
            "risk_assessment in A-1"
        ]
        assert [f.note for f in team.second_findings(lead, case_id)] == ["Bob's finding"]
        assert team.second_review(lead, case_id).outcome == LearningLevel.NONE
        (d,) = team.disagreements(lead)
        team.moderate(lead, d.case_id, "some", "Agreed at moderation.")
        assert summarise(lead, template).moderated == 1
        assert lead.verify_audit().ok, str(lead.verify_audit())
        assert not pkg.import_package(lead, pkg.read_package(back)).changed
        # the second review's answers that came in are in the lead's trail: edited outside, caught
        lead.db.execute("UPDATE second_answers SET value = '\"changed\"' WHERE case_id = ?", [case_id])
        check = lead.verify_audit()
        assert not check.ok and "the second review's answer to" in check.problem, check.problem


def test_the_same_case_list_in_both_stores_merges_without_conflict(tmp_path, template):
    """The lead and alice each imported the case list; alice reviewed A-1 and the lead did nothing
    to it: her review is taken.  The lead reviewed L-2 and alice did nothing: the lead's stands."""
    a_path, lead_path = tmp_path / "a.sqlite", tmp_path / "lead.sqlite"
    with Store(lead_path, user="lead") as lead:
        lead.add_case(Case(reference="A-1", custody_suite="North"))
        _review(lead, template, "L-2", "some")
    with Store(a_path, user="alice") as a:
        a.add_case(Case(reference="L-2", custody_suite="North"))
        _review(a, template, "A-1", "significant")
        out = pkg.export_package(a, ["A-1", "L-2"], tmp_path / "a.cctvpkg").path
    with Store(lead_path, user="lead") as lead:
        plans = {p.reference: p for p in pkg.plan_import(lead, pkg.read_package(out))}
        assert plans["A-1"].parts["first"] == pkg.THEIRS and plans["L-2"].parts["first"] == pkg.MINE
        pkg.import_package(lead, pkg.read_package(out))
        assert lead.case_by_reference("A-1").outcome == LearningLevel.SIGNIFICANT
        assert lead.case_by_reference("L-2").outcome == LearningLevel.SOME
        assert lead.verify_audit().ok


def test_kept_entries_are_checked_later_with_the_other_stores_key(tmp_path, template, capsys, monkeypatch):
    with Store(tmp_path / "a.sqlite", user="alice") as a:
        _review(a, template, "A-1", "some")
        out = pkg.export_package(a, ["A-1"], tmp_path / "a.cctvpkg").path
    key_file = _export_key(tmp_path / "a.sqlite", tmp_path / "alice.key")
    lead_path = tmp_path / "lead.sqlite"
    with Store(lead_path, user="lead") as lead:
        pkg.import_package(lead, pkg.read_package(out))
        (trail,) = pkg.verify_imported_audit(lead)
        assert not trail.key_here and trail.entries > 0 and not trail.problems
    monkeypatch.setattr(store_module, "current_user", lambda: "lead")
    assert main(["package", "import", "--db", str(lead_path), str(out), "--key", str(key_file)]) == 0
    assert main(["package", "audit", "--db", str(lead_path)]) == 0
    assert "keyed entries verified with its key" in capsys.readouterr().out
    with Store(lead_path, user="lead") as lead:
        # an entry kept from alice's store edited in the lead's database: found
        lead.db.execute(
            "UPDATE imported_audit SET detail = '{}' WHERE id = (SELECT max(id) FROM imported_audit)"
        )
        lead.db.conn.commit()
        (trail,) = pkg.verify_imported_audit(lead)
        assert trail.key_here and trail.problems and "not signed" in trail.problems[0]
