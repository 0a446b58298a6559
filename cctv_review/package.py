"""Review packages: one reviewer's cases, carried to another store (issue 14).

A review package (``.cctvpkg``) is a zip file (ZIP as in PKWARE's APPNOTE,
written by Python's :mod:`zipfile`, deflated) holding:

* ``manifest.json``: the format (:data:`FORMAT`), a package id, who made it and
  when (UTC), the exporting store's identity (``origin_store_id``), the case
  references, and the SHA-256 and size in bytes of every other member; plus
  ``signature``: HMAC-SHA256 of the manifest (canonical JSON without the
  signature) with the exporting store's audit key (:mod:`cctv_review.audit_keys`);
* ``data.json``: for each case its row, its clips' records (path, SHA-256, size,
  probe results, clock correction; the exact frame index as base64, never the
  footage), findings, answers, second review, second answers, moderation, and the
  case's content digest (:func:`case_digest`);
* ``audit.json``: every entry of the exporting store's audit trail that wrote one of
  those rows or names one of those cases, exactly as stored (fields, ``state``,
  ``prev_hash``, ``hash``);
* ``stills/<sha256>.<ext>``: the still images the findings point at.

**Import** (:func:`read_package`, :func:`plan_import`, :func:`import_package`)
checks the manifest first and refuses the whole package when anything does not
match (a member missing, added, or with another digest; a bad signature when the
exporting store's key is on this computer).  Cases are matched by reference,
clips by SHA-256: a clip this store already has (in any case) lends its path, so
footage already here is relinked; findings and answers keep their reviewer.  Each
case's content digest is compared with the digests this store has shared before
(``shared_states``: every state a case went out or came in with): unchanged here
since shared -> theirs is taken; theirs is one we already know -> ours is kept;
both changed -> a **conflict**, which is never settled silently: the lead chooses
``mine`` or ``theirs`` per case and the choice is audited
(``package.conflict_resolved``).  Importing the same package twice writes nothing.

**Their audit entries.**  The entries in ``audit.json`` are kept in
``imported_audit`` under the exporting store's id, never mixed into this store's
chain (an HMAC chain only its own key can extend).  What "verifiably theirs" means
here, honestly: *without* the exporting store's key, the import checks that each
row in the package is exactly what the package's own entries last recorded for it
(the row-state digests of :mod:`cctv_review.audit`): a package edited in one place
but not the other is refused, but someone who rewrites both consistently and
recomputes the manifest is not caught.  *With* the key (the lead's own store, or a
key imported with ``--key FILE`` from ``cctv-review audit export-key`` on the
reviewer's computer) the manifest's signature and every keyed entry's HMAC are
checked too, so nothing in the package can have been changed after export by
anyone without that key.

Plain Python; no Qt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cctv_review import audit as audit_chain
from cctv_review.domain import utc_now
from cctv_review.errors import UserFacingError

if TYPE_CHECKING:
    from cctv_review.audit_keys import AuditKey
    from cctv_review.store import Store

FORMAT = "cctv-review review package 1"
SUFFIX = ".cctvpkg"
MANIFEST, DATA, AUDIT = "manifest.json", "data.json", "audit.json"
_STILL_NAME = re.compile(r"^stills/[0-9a-f]{64}\.[a-z0-9]{1,5}$")
#: Largest member read from a package (a zip's sizes can lie; a still or data.json never needs more).
MAX_MEMBER_BYTES = 512 * 1024 * 1024

Progress = Callable[[float, str], None]


class PackageError(UserFacingError, RuntimeError):
    """A package could not be written or read; the message says why and what to do."""


class PackageRefused(PackageError):
    """The package failed its checks and nothing of it was imported."""


class ConflictsUnresolved(PackageError):
    """Cases edited in both stores since they were shared; the lead must choose for each."""

    def __init__(self, conflicts: list[CasePlan]):
        self.conflicts = conflicts
        refs = ", ".join(c.reference for c in conflicts)
        super().__init__(
            f"{len(conflicts)} case{'s' if len(conflicts) != 1 else ''} changed both here and in the package "
            f"since they were shared: {refs}. Nothing was imported. Choose for each whether to keep this "
            "store's version (mine) or take the package's (theirs)."
        )


# -- digests -------------------------------------------------------------------------------


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_CASE_CONTENT = (
    "reference",
    "custody_suite",
    "detention_date",
    "child",
    "vulnerable_adult",
    "mental_health",
    "use_of_force",
    "strip_search",
    "status",
    "reviewer",
    "outcome",
    "outcome_rationale",
    "completed_at",
    "completed_by",
    "created_at",
)
_FINDING_CONTENT = (
    "position_ms",
    "theme",
    "level",
    "note",
    "reviewer",
    "created_at",
    "camera",
    "frame",
    "recorded_at",
    "review_round",
)
_ANSWER_CONTENT = ("question_id", "value", "template_id", "template_version", "reviewer")
_SECOND_CONTENT = (
    "reviewer",
    "assigned_by",
    "assigned_at",
    "status",
    "outcome",
    "outcome_rationale",
    "completed_at",
)
_MODERATION_CONTENT = ("final_outcome", "reason", "moderator", "at")


#: The parts of a case that merge on their own: the first review (the case's details, outcome,
#: answers and round-1 findings), the blind second review (its record, answers and round-2
#: findings) and the moderation.  Clips are not a part: they are merged by SHA-256 (a union).
PARTS = ("first", "second", "moderation")


def part_digests(bundle: dict[str, Any]) -> dict[str, str]:
    """SHA-256 (hex) of each part of a case's review content (:data:`PARTS`), the same in any store.

    ``bundle`` is one case as in ``data.json``.  Ids, paths and ``updated_at``
    are left out (they differ between stores); findings point at their clip's
    SHA-256 and their still's SHA-256.
    """
    clip_sha = {c["id"]: c["sha256"] for c in bundle["clips"]}

    def findings(review_round: int) -> list[dict[str, Any]]:
        return sorted(
            (
                {k: f.get(k) for k in _FINDING_CONTENT}
                | {"clip": clip_sha.get(f["clip_id"]), "still": f.get("still_sha256", "")}
                for f in bundle["findings"]
                if (f.get("review_round") or 1) == review_round
            ),
            key=_canonical,
        )

    def answers(rows: list[dict[str, Any]]) -> list[list[Any]]:
        return sorted(([a.get(k) for k in _ANSWER_CONTENT] for a in rows), key=_canonical)

    second, moderation = bundle["second_review"], bundle["moderation"]
    content = {
        "first": {
            "case": {k: bundle["case"].get(k) for k in _CASE_CONTENT},
            "findings": findings(1),
            "answers": answers(bundle["answers"]),
        },
        "second": {
            "review": {k: second.get(k) for k in _SECOND_CONTENT} if second else None,
            "findings": findings(2),
            "answers": answers(bundle["second_answers"]),
        },
        "moderation": {k: moderation.get(k) for k in _MODERATION_CONTENT} if moderation else None,
    }
    return {part: _sha256(_canonical(value)) for part, value in content.items()}


def case_digest(bundle: dict[str, Any]) -> str:
    """SHA-256 (hex) of a case's whole review content: of its :func:`part_digests`."""
    return _sha256(_canonical(part_digests(bundle)))


def _file_sha256(path: str) -> str:
    if not path:
        return ""
    try:
        return _sha256(Path(path).read_bytes())
    except OSError:
        return ""


def _rows(store: Store, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return store._query(sql, params)


def case_bundle(
    store: Store, case_id: int, *, with_index: bool = False, withhold_first: bool = False
) -> dict[str, Any]:
    """One case of this store as it goes into ``data.json`` (rows as stored, still digests added).

    ``withhold_first``: for a blind second reviewer, the first review is left out
    (outcome, rationale, completion, answers, round-1 findings; the case shows as
    not started) and ``withheld`` says so, so an import never takes it as a change.
    """
    case = _rows(store, "SELECT * FROM cases WHERE id = ?", [case_id])[0]
    clips = _rows(store, "SELECT * FROM clips WHERE case_id = ? ORDER BY id", [case_id])
    if with_index:
        for clip in clips:
            found = _rows(store, "SELECT * FROM clip_index WHERE clip_id = ?", [clip["id"]])
            clip["index"] = (
                {
                    k: {"base64": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes) else v
                    for k, v in found[0].items()
                    if k != "clip_id"
                }
                if found
                else None
            )
    findings = _rows(store, "SELECT * FROM findings WHERE case_id = ? ORDER BY id", [case_id])
    for finding in findings:
        finding["still_sha256"] = _file_sha256(finding["still_path"] or "")
    second = _rows(store, "SELECT * FROM second_reviews WHERE case_id = ?", [case_id])
    moderation = _rows(store, "SELECT * FROM moderations WHERE case_id = ?", [case_id])
    bundle: dict[str, Any] = {
        "case": case,
        "clips": clips,
        "findings": findings,
        "answers": _rows(store, "SELECT * FROM answers WHERE case_id = ? ORDER BY question_id", [case_id]),
        "second_review": second[0] if second else None,
        "second_answers": _rows(
            store, "SELECT * FROM second_answers WHERE case_id = ? ORDER BY question_id", [case_id]
        ),
        "moderation": moderation[0] if moderation else None,
        "withheld": [],
    }
    if withhold_first:
        bundle["case"] = case | {
            "status": "not_started",
            "outcome": None,
            "outcome_rationale": "",
            "completed_at": None,
            "completed_by": "",
        }
        bundle["answers"] = []
        bundle["findings"] = [f for f in findings if (f.get("review_round") or 1) == 2]
        bundle["moderation"] = None
        bundle["withheld"] = ["first", "moderation"]
    bundle["parts"] = part_digests(bundle)
    bundle["digest"] = case_digest(bundle)
    return bundle


# -- export --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_package` wrote: the file, its package id, the cases, stills and audit entries."""

    path: Path
    package_id: str
    references: list[str]
    stills: int
    audit_entries: int
    signed: bool


def _audit_entries(store: Store, bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries of the store's trail that wrote one of the bundles' rows or name one of their cases."""
    names: set[str] = set()
    case_ids: set[str] = set()
    ids: dict[str, set[str]] = {"clip": set(), "finding": set()}
    for b in bundles:
        case_id = b["case"]["id"]
        case_ids.add(str(case_id))
        names.add(audit_chain.object_key("cases", case_id))
        for clip in b["clips"]:
            names.add(audit_chain.object_key("clips", clip["id"]))
            ids["clip"].add(str(clip["id"]))
        for finding in b["findings"]:
            names.add(audit_chain.object_key("findings", finding["id"]))
            ids["finding"].add(str(finding["id"]))
        for answer in b["answers"]:
            names.add(audit_chain.object_key("answers", (case_id, answer["question_id"])))
    chosen = []
    for row in store._query("SELECT * FROM audit ORDER BY id"):
        kind, object_id = row["object_type"] or "", row["object_id"] or ""
        wanted = (kind == "case" and object_id in case_ids) or object_id in ids.get(kind, ())
        if not wanted and row["state"]:
            try:
                wanted = bool(names.intersection(json.loads(row["state"])))
            except ValueError:
                wanted = False
        if wanted:
            chosen.append(row)
    return chosen


def _sign(key: AuditKey | None, manifest: dict[str, Any]) -> str:
    if key is None:
        return ""
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return key.sign(_canonical(["cctv-review package manifest", body]))


def export_package(
    store: Store,
    references: Iterable[str],
    destination: Path,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    blind_for: str = "",
) -> ExportReport:
    """Write the cases ``references`` (case references) of ``store`` to a package at ``destination``.

    The file is written whole or not at all (a temporary moved into place).
    Each case's state is remembered as shared (``shared_states``) and the export
    is audited (``package.exported``).

    ``blind_for``: a package for a blind second reviewer (their login name):
    every case must be assigned to them for a second review not yet completed,
    and its first review is withheld (see :func:`case_bundle`), with the audit
    entries of those cases (which would tell it).  Raises :class:`PackageError` for an
    unknown reference or a file that cannot be written; ``store`` must be this
    thread's connection (a background job opens its own).
    """
    from cctv_review.export.atomic import write_atomically

    def report(fraction: float, message: str = "") -> None:
        if progress is not None:
            progress(fraction, message)

    wanted = [r.strip() for r in references if r.strip()]
    if not wanted:
        raise PackageError("Choose at least one case to put in the review package.")
    case_ids = []
    for reference in wanted:
        case = store.case_by_reference(reference)
        if case is None or case.id is None:
            raise PackageError(
                f"There is no case with reference {reference}. 'cctv-review cases' lists them."
            )
        case_ids.append(case.id)
    bundles = []
    for i, case_id in enumerate(case_ids):
        if cancel and cancel():
            raise PackageError("The review package was not written: cancelled.")
        withhold = False
        if blind_for:
            review = store._query("SELECT reviewer, status FROM second_reviews WHERE case_id = ?", [case_id])
            if not review or review[0]["reviewer"] != blind_for or review[0]["status"] == "completed":
                reference = store.get_case(case_id).reference
                raise PackageError(
                    f"Case {reference} is not waiting for a second review by {blind_for}. Assign it to them "
                    "first (Case > Assign second review), or leave it out of this package."
                )
            withhold = True
        bundles.append(case_bundle(store, case_id, with_index=True, withhold_first=withhold))
        report(0.6 * (i + 1) / len(case_ids), f"Reading case {i + 1} of {len(case_ids)}")
    stills: dict[str, bytes] = {}
    for bundle in bundles:
        for finding in bundle["findings"]:
            digest = finding["still_sha256"]
            if digest and finding["still_path"]:
                suffix = (Path(finding["still_path"]).suffix.lower().lstrip(".") or "png")[:5]
                name = f"stills/{digest}.{suffix}"
                if name not in stills:
                    stills[name] = Path(finding["still_path"]).read_bytes()
                finding["still_member"] = name
    entries = _audit_entries(store, [b for b in bundles if not b["withheld"]])
    package_id = secrets.token_hex(16)
    members: dict[str, bytes] = {
        DATA: _canonical({"cases": bundles}),
        AUDIT: _canonical({"origin_store_id": store.store_id, "entries": entries}),
        **stills,
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "package_id": package_id,
        "created_at": utc_now().isoformat(timespec="milliseconds"),
        "created_by": store.user,
        "origin_store_id": store.store_id,
        "schema_version": store.schema_version,
        "cases": [b["case"]["reference"] for b in bundles],
        "blind_for": blind_for,
        "members": {
            name: {"sha256": _sha256(data), "size_bytes": len(data)} for name, data in members.items()
        },
    }
    manifest["signature"] = _sign(store._key, manifest)

    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
            for name, data in members.items():
                archive.writestr(name, data)

    report(0.8, "Writing the package")
    try:
        write_atomically(Path(destination), write)
    except OSError as exc:
        raise PackageError(
            f"The review package could not be written to {destination}: {exc.strerror or exc}."
        ) from exc
    now = manifest["created_at"]
    done = ExportReport(
        Path(destination),
        package_id,
        manifest["cases"],
        len(stills),
        len(entries),
        bool(manifest["signature"]),
    )
    if store.read_only:  # the file is written; a read-only store cannot remember it was shared
        report(1.0, "Done")
        return done
    with store.transaction():
        store.db.execute(
            "INSERT INTO packages (package_id, direction, at, user, origin_store_id, detail) VALUES (?, 'export', ?, ?, ?, ?)",
            [
                package_id,
                now,
                store.user,
                store.store_id,
                json.dumps({"file": str(destination), "cases": manifest["cases"]}),
            ],
        )
        for bundle in bundles:
            for part, digest in bundle["parts"].items():
                _remember(store, bundle["case"]["reference"], f"{part}:{digest}", package_id, "export", now)
        store._record(
            "package.exported",
            "package",
            package_id,
            {
                "file": str(destination),
                "blind_for": blind_for,
                "cases": manifest["cases"],
                "audit_entries": len(entries),
                "stills": len(stills),
            },
        )
    report(1.0, "Done")
    return done


def _remember(store: Store, reference: str, digest: str, package_id: str, direction: str, at: str) -> None:
    store.db.execute(
        "INSERT OR IGNORE INTO shared_states (reference, digest, package_id, direction, at) VALUES (?, ?, ?, ?, ?)",
        [reference.casefold(), digest, package_id, direction, at],
    )


# -- reading and checking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    """A package read and checked against its manifest: ``manifest``, ``cases`` (bundles),
    ``entries`` (their audit entries), ``stills`` (member name -> bytes), and what was verified."""

    path: Path
    manifest: dict[str, Any]
    cases: list[dict[str, Any]]
    entries: list[dict[str, Any]]
    stills: dict[str, bytes]
    signature_checked: bool
    notes: tuple[str, ...] = ()

    @property
    def package_id(self) -> str:
        return str(self.manifest["package_id"])

    @property
    def origin_store_id(self) -> str:
        return str(self.manifest["origin_store_id"])


def _refuse(path: Path, why: str) -> PackageRefused:
    return PackageRefused(
        f"The review package {path.name} was refused and nothing of it was imported: {why} "
        "Ask for the package to be exported again and sent afresh."
    )


def read_package(path: Path, key: AuditKey | None = None) -> Package:
    """Read ``path`` and check it before anything is imported; raises :class:`PackageRefused`.

    Checks, in order: it is a zip with a manifest of :data:`FORMAT`; the members
    are exactly those the manifest lists, each with its SHA-256 and size; with the
    exporting store's key (``key``, or one kept on this computer for that store)
    the manifest's signature and every keyed audit entry's HMAC; and, key or not,
    that each row in the package is what its own audit entries last recorded.
    """
    from cctv_review import audit_keys

    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _refuse(path, f"it is not a review package (not a readable zip file: {exc}).") from None
    with archive:
        names = archive.namelist()
        if MANIFEST not in names:
            raise _refuse(path, "it has no manifest.")

        def read(name: str) -> bytes:
            info = archive.getinfo(name)
            if info.file_size > MAX_MEMBER_BYTES:
                raise _refuse(path, f"{name} is larger than any package member can be.")
            try:
                return archive.read(name)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC error, damaged data
                raise _refuse(path, f"{name} could not be read ({exc}).") from None

        try:
            manifest = json.loads(read(MANIFEST))
            listed = manifest["members"]
            ok_format = manifest.get("format") == FORMAT and isinstance(listed, dict)
        except (ValueError, KeyError, TypeError):
            raise _refuse(path, "its manifest is not readable.") from None
        if not ok_format:
            raise _refuse(path, "its manifest is not one this version of cctv-review understands.")
        present = set(names) - {MANIFEST}
        if len(names) != len(set(names)):
            raise _refuse(path, "it holds the same file twice.")
        if present != set(listed):
            extra, missing = sorted(present - set(listed)), sorted(set(listed) - present)
            raise _refuse(
                path,
                "its files are not those its manifest lists"
                + (f" (not listed: {', '.join(extra)})" if extra else "")
                + (f" (missing: {', '.join(missing)})" if missing else "")
                + ".",
            )
        data: dict[str, bytes] = {}
        for name in sorted(listed):
            if name not in (DATA, AUDIT) and not _STILL_NAME.match(name):
                raise _refuse(path, f"it holds a file cctv-review does not put in packages ({name}).")
            content = read(name)
            if _sha256(content) != listed[name].get("sha256") or len(content) != listed[name].get(
                "size_bytes"
            ):
                raise _refuse(
                    path, f"{name} does not match the SHA-256 its manifest records (changed or damaged)."
                )
            data[name] = content
    if DATA not in data or AUDIT not in data:
        raise _refuse(path, "it lacks its data or its audit entries.")
    try:
        cases = json.loads(data[DATA])["cases"]
        entries = json.loads(data[AUDIT])["entries"]
    except (ValueError, KeyError, TypeError):
        raise _refuse(path, "its data is not readable.") from None

    origin = str(manifest.get("origin_store_id", ""))
    if key is not None and key.store_id != origin:
        raise PackageRefused(
            f"The key given is for another review database (identity {key.store_id}); this package came from "
            f"{origin}. Nothing was imported."
        )
    key = key or (audit_keys.load_key(origin) if origin else None)
    notes: list[str] = []
    signature_checked = False
    if key is not None:
        if not hmac.compare_digest(str(manifest.get("signature", "")), _sign(key, manifest)):
            raise _refuse(path, "its manifest is not signed with the key of the store it says it came from.")
        for entry in entries:
            if entry["id"] < key.keyed_from:
                continue
            expected = audit_chain.keyed_hash(
                key,
                entry["prev_hash"],
                entry["id"],
                entry["at"],
                entry["user"] or "",
                entry["action"],
                entry["object_type"] or "",
                entry["object_id"] or "",
                entry["detail"] or "",
                entry["state"] or "",
            )
            if not hmac.compare_digest(expected, str(entry["hash"])):
                raise _refuse(path, f"its audit entry {entry['id']} is not signed with that store's key.")
        signature_checked = True
        notes.append(f"Signature and {len(entries)} audit entries checked with the key of store {origin}.")
    else:
        notes.append(
            f"The key of store {origin} is not on this computer, so the package's signature could not be "
            "checked; its rows were checked against its own audit entries."
        )
    problem = _rows_match_entries(cases, entries)
    if problem:
        raise _refuse(path, problem)
    for bundle in cases:
        if not set(bundle.get("withheld", [])) <= {"first", "moderation"} or bundle.get(
            "parts"
        ) != part_digests(bundle):
            raise _refuse(path, f"case {bundle['case'].get('reference')} does not match its own digest.")
        if case_digest(bundle) != bundle.get("digest"):
            raise _refuse(path, f"case {bundle['case'].get('reference')} does not match its own digest.")
    stills = {name: content for name, content in data.items() if name.startswith("stills/")}
    return Package(path, manifest, cases, entries, stills, signature_checked, tuple(notes))


def _rows_match_entries(cases: list[dict[str, Any]], entries: list[dict[str, Any]]) -> str:
    """ "" when every row of the package is as its audit entries last recorded it, else the problem."""
    latest: dict[str, str | None] = {}
    for entry in sorted(entries, key=lambda e: e["id"]):
        if entry.get("state"):
            try:
                latest.update(json.loads(entry["state"]))
            except ValueError:
                return f"its audit entry {entry['id']} is not readable."
    for bundle in cases:
        case_id = bundle["case"]["id"]
        rows: list[tuple[str, dict[str, Any], Any]] = [("cases", bundle["case"], case_id)]
        rows += [("clips", c, c["id"]) for c in bundle["clips"]]
        rows += [("findings", f, f["id"]) for f in bundle["findings"]]
        rows += [("answers", a, (case_id, a["question_id"])) for a in bundle["answers"]]
        for table, row, ident in rows:
            name = audit_chain.object_key(table, ident)
            recorded = latest.get(name, "")
            if name in latest and (recorded is None or not audit_chain.digest_matches(table, row, recorded)):
                return (
                    f"{audit_chain.describe(name)} of case {bundle['case'].get('reference')} is not as the "
                    "package's own audit trail recorded it."
                )
    return ""


# -- planning and importing ---------------------------------------------------------------------------

NEW, SAME, THEIRS, MINE, CONFLICT = "new", "same", "theirs", "mine", "conflict"


@dataclass(frozen=True)
class CasePlan:
    """What importing does to one case: ``action`` new | same | theirs | mine | conflict, and for an
    existing case ``parts``: the same word for each part (:data:`PARTS`).

    A part is ``same`` when both stores have it alike (or the package withholds
    it), ``theirs`` when this store has not changed it since it was shared (the
    package's is taken), ``mine`` when the package's is one this store already
    knows (this store's is kept), ``conflict`` when both changed it.  The case's
    ``action``: ``conflict`` if any part is, else ``theirs`` if any part is taken,
    else ``mine`` if any is kept, else ``same``.  ``mine`` / ``theirs`` are the
    two versions (bundles) shown side by side (``mine`` None for a new case).
    """

    reference: str
    action: str
    theirs: dict[str, Any]
    mine: dict[str, Any] | None
    local_id: int | None
    parts: dict[str, str] = field(default_factory=dict)


def _known(store: Store, reference: str) -> set[str]:
    """The ``part:digest`` states this store has shared the case in."""
    return {
        r["digest"]
        for r in store._query("SELECT digest FROM shared_states WHERE reference = ?", [reference.casefold()])
    }


def _untouched(bundle: dict[str, Any], part: str) -> bool:
    """True when nobody has reviewed anything in this part of the case yet (a case added from the
    same case list in two stores, before either reviewed it)."""
    if part == "first":
        case = bundle["case"]
        return (
            case.get("status") == "not_started"
            and not case.get("outcome")
            and not case.get("outcome_rationale")
            and not bundle["answers"]
            and not any((f.get("review_round") or 1) == 1 for f in bundle["findings"])
        )
    if part == "second":
        return (
            bundle["second_review"] is None
            and not bundle["second_answers"]
            and not any((f.get("review_round") or 1) == 2 for f in bundle["findings"])
        )
    return bundle["moderation"] is None


def plan_import(store: Store, package: Package) -> list[CasePlan]:
    """For each case of ``package``, what importing it into ``store`` would do (reads only)."""
    plans = []
    for bundle in package.cases:
        reference = bundle["case"]["reference"]
        local = store.case_by_reference(reference)
        if local is None or local.id is None:
            plans.append(CasePlan(reference, NEW, bundle, None, None))
            continue
        mine = case_bundle(store, local.id)
        known = _known(store, reference)
        parts: dict[str, str] = {}
        for part in PARTS:
            theirs_digest, mine_digest = bundle["parts"][part], mine["parts"][part]
            if part in bundle.get("withheld", []) or theirs_digest == mine_digest:
                parts[part] = SAME
            elif f"{part}:{theirs_digest}" in known:
                parts[part] = MINE  # theirs is a state shared before: only this store changed since
            elif f"{part}:{mine_digest}" in known:
                parts[part] = THEIRS  # unchanged here since shared: take theirs
            elif _untouched(mine, part):
                parts[part] = THEIRS  # nothing done here yet (e.g. the same case list imported in both)
            elif _untouched(bundle, part):
                parts[part] = MINE  # nothing done there: an empty part never replaces work
            else:
                parts[part] = CONFLICT
        actions = set(parts.values())
        action = next((a for a in (CONFLICT, THEIRS, MINE) if a in actions), SAME)
        plans.append(CasePlan(reference, action, bundle, mine, local.id, parts))
    return plans


@dataclass(frozen=True)
class ImportReport:
    """What :func:`import_package` did: references by what happened to them; ``changed`` False when
    the import wrote nothing at all (the package was imported before and nothing differs)."""

    package_id: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_mine: list[str] = field(default_factory=list)
    relinked_clips: int = 0
    changed: bool = False
    notes: tuple[str, ...] = ()

    def text(self) -> str:
        parts = []
        for label, refs in (
            ("added", self.added),
            ("updated from the package", self.updated),
            ("already the same", self.unchanged),
            ("kept as this store has them", self.kept_mine),
        ):
            if refs:
                parts.append(f"{len(refs)} {label} ({', '.join(refs)})")
        lines = ["Imported review package: " + ("; ".join(parts) or "no cases") + "."]
        if self.relinked_clips:
            lines.append(
                f"{self.relinked_clips} clips linked to footage this store already has (same SHA-256)."
            )
        if not self.changed:
            lines.append("Nothing changed: this package had been imported already.")
        lines += list(self.notes)
        return "\n".join(lines)


def import_package(
    store: Store,
    package: Package,
    take: dict[str, str] | None = None,
    stills_folder: Path | None = None,
) -> ImportReport:
    """Merge ``package`` into ``store`` in one transaction, with one audit entry (``package.imported``)
    recording every row written, and one ``package.conflict_resolved`` per conflict settled.

    ``take`` maps a case reference (any case) to ``"mine"`` or ``"theirs"``; a
    conflict without a choice raises :class:`ConflictsUnresolved` and nothing is
    imported.  Stills are written to ``stills_folder`` (default: beside the
    database, :func:`cctv_review.paths.stills_dir`) under their SHA-256.
    """
    from cctv_review.paths import stills_dir

    choices = {k.casefold(): v for k, v in (take or {}).items()}
    for reference, choice in choices.items():
        if choice not in (MINE, THEIRS):
            raise PackageError(f"Choose mine or theirs for case {reference}, not {choice!r}.")
    plans = plan_import(store, package)
    unresolved = [p for p in plans if p.action == CONFLICT and p.reference.casefold() not in choices]
    if unresolved:
        raise ConflictsUnresolved(unresolved)
    already = bool(store._query("SELECT 1 FROM packages WHERE package_id = ?", [package.package_id]))
    work: list[tuple[CasePlan, list[str]]] = []
    for plan in plans:
        chosen = choices.get(plan.reference.casefold())
        parts = (
            list(PARTS)
            if plan.action == NEW
            else [p for p, a in plan.parts.items() if a == THEIRS or (a == CONFLICT and chosen == THEIRS)]
        )
        if parts or _new_clips(plan):
            work.append((plan, parts))
    resolved_mine = [p for p in plans if p.action == CONFLICT and choices[p.reference.casefold()] == MINE]
    if already and not work and not resolved_mine:
        return ImportReport(
            package.package_id,
            unchanged=[p.reference for p in plans if p.action == SAME],
            kept_mine=[p.reference for p in plans if p.action == MINE],
            changed=False,
            notes=package.notes,
        )
    folder = Path(stills_folder) if stills_folder else stills_dir(Path(store.path))
    now = utc_now().isoformat(timespec="milliseconds")
    state: dict[str, str | None] = {}
    relinked = 0
    with store.transaction():
        for plan, parts in work:
            written, n = _write_case(store, plan, parts, package, folder)
            state.update(written)
            relinked += n
        for plan in plans:
            for part in PARTS:
                if plan.action == NEW or part not in plan.theirs.get("withheld", []):
                    digest = f"{part}:{plan.theirs['parts'][part]}"
                    _remember(store, plan.reference, digest, package.package_id, "import", now)
        for plan in plans:
            if plan.action == CONFLICT:
                choice = choices[plan.reference.casefold()]
                store._record(
                    "package.conflict_resolved",
                    "case",
                    plan.local_id or "",
                    {
                        "reference": plan.reference,
                        "choice": choice,
                        "package_id": package.package_id,
                        "mine_digest": plan.mine["digest"] if plan.mine else None,
                        "theirs_digest": plan.theirs["digest"],
                    },
                )
        for entry in package.entries:
            store.db.execute(
                "INSERT OR IGNORE INTO imported_audit (origin_store_id, id, at, user, action, object_type, "
                "object_id, detail, state, prev_hash, hash, package_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    package.origin_store_id,
                    entry["id"],
                    entry["at"],
                    entry["user"],
                    entry["action"],
                    entry["object_type"],
                    entry["object_id"],
                    entry["detail"],
                    entry["state"],
                    entry["prev_hash"],
                    entry["hash"],
                    package.package_id,
                ],
            )
        store.db.execute(
            "INSERT OR IGNORE INTO packages (package_id, direction, at, user, origin_store_id, detail) "
            "VALUES (?, 'import', ?, ?, ?, ?)",
            [
                package.package_id,
                now,
                store.user,
                package.origin_store_id,
                json.dumps({"file": str(package.path), "cases": package.manifest.get("cases", [])}),
            ],
        )
        if work:  # the summary's kept figures of the cases written follow them (cctv_review.case_figures)
            from cctv_review import case_figures
            from cctv_review.template import load_template

            references = [plan.reference for plan, _parts in work]
            ids = [
                row["id"]
                for row in store._query(
                    "SELECT id FROM cases WHERE reference COLLATE NOCASE IN (SELECT value FROM json_each(?))",
                    [json.dumps(references)],
                )
            ]
            case_figures.refresh(store.db.conn, load_template(), ids)
        actions = {
            p.reference: (choices.get(p.reference.casefold(), CONFLICT) if p.action == CONFLICT else p.action)
            for p in plans
        }
        store._record(
            "package.imported",
            "package",
            package.package_id,
            {
                "file": str(package.path),
                "origin_store_id": package.origin_store_id,
                "created_by": package.manifest.get("created_by"),
                "created_at": package.manifest.get("created_at"),
                "signature_checked": package.signature_checked,
                "cases": actions,
                "audit_entries": len(package.entries),
            },
            state=state,
        )
    return ImportReport(
        package.package_id,
        added=[p.reference for p in plans if p.action == NEW],
        updated=[p.reference for p, parts in work if p.action != NEW and parts],
        unchanged=[p.reference for p in plans if p.action == SAME],
        kept_mine=[p.reference for p in plans if p.action == MINE] + [p.reference for p in resolved_mine],
        relinked_clips=relinked,
        changed=True,
        notes=package.notes,
    )


def _without(row: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in names}


def _new_clips(plan: CasePlan) -> list[str]:
    """SHA-256 of the package's clips of this case that this store's version lacks."""
    have = {c["sha256"] for c in plan.mine["clips"]} if plan.mine else set()
    return [c["sha256"] for c in plan.theirs["clips"] if c["sha256"] not in have]


def _write_case(
    store: Store, plan: CasePlan, parts: list[str], package: Package, folder: Path
) -> tuple[dict[str, str | None], int]:
    """Write the ``parts`` of one case that come from the package (all of them for a new case) and
    any clips it lacks; returns the audit state of the rows written and how many clips were linked
    to footage already here.  A part taken from the package replaces this store's version of it."""
    bundle = plan.theirs
    state: dict[str, str | None] = {}
    team_rows: list[audit_chain.Target] = []  # the team's rows deleted or written: recorded at the end
    if plan.local_id is None:
        written = store._insert("cases", _without(bundle["case"], "id"))
        state.update(store._state(("cases", written)))
        case_id = int(written["id"])
    else:
        case_id = plan.local_id
        if "first" in parts:
            case_row = {k: bundle["case"][k] for k in _CASE_CONTENT if k != "reference"}
            assignments = ", ".join(f"[{c}] = ?" for c in case_row)
            written = store._query(
                f"UPDATE cases SET {assignments}, updated_at = ? WHERE id = ? RETURNING *",
                [*case_row.values(), utc_now().isoformat(timespec="milliseconds"), case_id],
            )[0]
            state.update(store._state(("cases", written)))
            for row in store._query(
                "DELETE FROM findings WHERE case_id = ? AND review_round != 2 RETURNING id", [case_id]
            ):
                state[audit_chain.object_key("findings", row["id"])] = None
            for row in store._query("DELETE FROM answers WHERE case_id = ? RETURNING question_id", [case_id]):
                state[audit_chain.object_key("answers", (case_id, row["question_id"]))] = None
        if "second" in parts:
            for row in store._query(
                "DELETE FROM findings WHERE case_id = ? AND review_round = 2 RETURNING id", [case_id]
            ):
                state[audit_chain.object_key("findings", row["id"])] = None
            for row in store._query(
                "DELETE FROM second_answers WHERE case_id = ? RETURNING question_id", [case_id]
            ):
                team_rows.append(("second_answers", (case_id, row["question_id"])))
            store.db.execute("DELETE FROM second_reviews WHERE case_id = ?", [case_id])
            team_rows.append(("second_reviews", case_id))
        if "moderation" in parts:
            store.db.execute("DELETE FROM moderations WHERE case_id = ?", [case_id])
            team_rows.append(("moderations", case_id))

    clip_ids, relinked = _merge_clips(store, case_id, bundle, state)
    rounds = ({1} if "first" in parts else set()) | ({2} if "second" in parts else set())
    for finding in bundle["findings"]:
        if (finding.get("review_round") or 1) not in rounds:
            continue
        row = _without(finding, "id", "still_sha256", "still_member")
        row["case_id"] = case_id
        row["clip_id"] = clip_ids.get(finding["clip_id"]) if finding["clip_id"] is not None else None
        member = finding.get("still_member")
        if member and member in package.stills:
            target = folder / Path(member).name
            if not target.exists():
                folder.mkdir(parents=True, exist_ok=True)
                target.write_bytes(package.stills[member])
            row["still_path"] = str(target)
        stored = store._insert("findings", row)
        state.update(store._state(("findings", stored)))
    if "first" in parts:
        for answer in bundle["answers"]:
            stored = store._insert("answers", answer | {"case_id": case_id})
            state.update(store._state(("answers", stored)))
    if "second" in parts:
        if bundle["second_review"]:
            store._insert("second_reviews", bundle["second_review"] | {"case_id": case_id})
            team_rows.append(("second_reviews", case_id))
        for answer in bundle["second_answers"]:
            store._insert("second_answers", answer | {"case_id": case_id})
            team_rows.append(("second_answers", (case_id, answer["question_id"])))
    if "moderation" in parts and bundle["moderation"]:
        store._insert("moderations", bundle["moderation"] | {"case_id": case_id})
        team_rows.append(("moderations", case_id))
    state.update(audit_chain.state_of(store.db, dict.fromkeys(team_rows)))  # as they are now
    return state, relinked


def _merge_clips(
    store: Store, case_id: int, bundle: dict[str, Any], state: dict[str, str | None]
) -> tuple[dict[int, int], int]:
    """Add the package's clips this case lacks (matched by SHA-256; a file this store already has,
    in any case, lends its path); returns (package clip id -> local clip id, clips relinked)."""
    local_clips = {
        r["sha256"]: r["id"]
        for r in store._query("SELECT id, sha256 FROM clips WHERE case_id = ?", [case_id])
    }
    clip_ids: dict[int, int] = {}
    relinked = 0
    for clip in bundle["clips"]:
        if clip["sha256"] in local_clips:
            clip_ids[clip["id"]] = local_clips[clip["sha256"]]
            continue
        row = _without(clip, "id", "index")
        row["case_id"] = case_id
        here = store._query(
            "SELECT path FROM clips WHERE sha256 = ? AND sha256 != '' ORDER BY id LIMIT 1", [clip["sha256"]]
        )
        if here:
            row["path"] = here[0]["path"]
            relinked += 1
        stored = store._insert("clips", row)
        clip_ids[clip["id"]] = stored["id"]
        local_clips[clip["sha256"]] = stored["id"]
        state.update(store._state(("clips", stored)))
        index = clip.get("index")
        if index:
            values = {
                k: base64.b64decode(v["base64"]) if isinstance(v, dict) and "base64" in v else v
                for k, v in index.items()
            }
            values["clip_id"] = stored["id"]
            store._insert("clip_index", values)
    return clip_ids, relinked


@dataclass(frozen=True)
class ImportedTrail:
    """The audit entries kept from one other store: how many, whether its key is on this computer,
    how many keyed entries were checked with it, and any problems found."""

    origin_store_id: str
    entries: int
    key_here: bool
    checked: int
    problems: tuple[str, ...]

    def text(self) -> str:
        if not self.key_here:
            how = "its key is not on this computer, so their signatures cannot be checked here"
        elif self.problems:
            how = f"{len(self.problems)} problem(s): " + "; ".join(self.problems[:5])
        else:
            how = f"all {self.checked} keyed entries verified with its key"
        return f"Store {self.origin_store_id}: {self.entries} audit entries kept; {how}."


def verify_imported_audit(store: Store) -> list[ImportedTrail]:
    """Check the audit entries kept from other stores' packages (``imported_audit``), each with its
    store's key where this computer has it (:func:`cctv_review.audit_keys.load_key`): every keyed
    entry's HMAC, and that consecutive entries link (``prev_hash`` = the hash before it)."""
    from cctv_review import audit_keys

    trails = []
    origins = [
        r["origin_store_id"] for r in store._query("SELECT DISTINCT origin_store_id FROM imported_audit")
    ]
    for origin in sorted(origins):
        rows = store._query("SELECT * FROM imported_audit WHERE origin_store_id = ? ORDER BY id", [origin])
        key = audit_keys.load_key(origin)
        problems: list[str] = []
        checked = 0
        previous: dict[str, Any] | None = None
        for row in rows:
            if (
                previous is not None
                and previous["id"] + 1 == row["id"]
                and row["prev_hash"] != previous["hash"]
            ):
                problems.append(f"entry {row['id']} does not link to entry {previous['id']}")
            previous = row
            if key is None or row["id"] < key.keyed_from:
                continue
            expected = audit_chain.keyed_hash(
                key,
                row["prev_hash"],
                row["id"],
                row["at"],
                row["user"] or "",
                row["action"],
                row["object_type"] or "",
                row["object_id"] or "",
                row["detail"] or "",
                row["state"] or "",
            )
            checked += 1
            if not hmac.compare_digest(expected, str(row["hash"])):
                problems.append(f"entry {row['id']} is not signed with that store's key")
        trails.append(ImportedTrail(origin, len(rows), key is not None, checked, tuple(problems)))
    return trails


def read_key(path: Path) -> AuditKey:
    """An audit key file (from ``cctv-review audit export-key``), to check a package signed with it."""
    from cctv_review.audit_keys import read_key_file

    return read_key_file(Path(path))


def describe_bundle(bundle: dict[str, Any] | None) -> str:
    """A case version as people read it, for the side-by-side conflict view and the CLI."""
    if bundle is None:
        return "(not in this store)"
    case = bundle["case"]
    lines = [
        f"Case {case['reference']}: {case['status']}",
        f"Reviewer: {case['reviewer'] or '-'}",
        f"Outcome: {case['outcome'] or '-'}",
        f"Rationale: {case['outcome_rationale'] or '-'}",
        f"Clips: {len(bundle['clips'])}",
        f"Findings: {len(bundle['findings'])}",
    ]
    for f in bundle["findings"]:
        lines.append(f"  - {f['theme']} ({f['level']}) by {f['reviewer'] or '-'}: {f['note']}")
    lines.append(f"Answers: {len(bundle['answers'])}")
    for a in bundle["answers"]:
        lines.append(f"  - {a['question_id']}: {a['value']}")
    if bundle["second_review"]:
        s = bundle["second_review"]
        lines.append(f"Second review: {s['reviewer']}, {s['status']}, outcome {s['outcome'] or '-'}")
    if bundle["moderation"]:
        lines.append(f"Moderated: {bundle['moderation']['final_outcome']} ({bundle['moderation']['reason']})")
    return "\n".join(lines)


__all__ = [
    "FORMAT",
    "ConflictsUnresolved",
    "ExportReport",
    "ImportReport",
    "Package",
    "PackageError",
    "PackageRefused",
    "case_digest",
    "export_package",
    "import_package",
    "plan_import",
    "read_package",
    "verify_imported_audit",
]
