"""The ``cctv-review`` command.

With no subcommand it opens the desktop application; with one it runs
headless and prints plain text (or JSON where asked).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from cctv_review.domain import CASE_FLAGS
from cctv_review.paths import default_db_path

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-03-31") from None


def _iso_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date-time like 2026-03-31T14:05:00") from None
    # A time without a zone is the recorder's wall clock: `add-clip` reads it in the store's zone.
    return value


def _flag_list(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in CASE_FLAGS]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown flag {', '.join(unknown)}: choose from {', '.join(CASE_FLAGS)}"
        )
    return names


class _VersionAction(argparse.Action):
    """``--version``: every version that matters when reporting a problem (see logsetup), then exit."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from cctv_review.logsetup import format_versions, log_path

        print(format_versions())
        print(f"Log file: {log_path()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"review database to use (default: {default_db_path()})",
    )

    parser = argparse.ArgumentParser(
        prog="cctv-review",
        description="Review police custody CCTV and record what it teaches. "
        "Run with no command to open the application.",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        nargs=0,
        help="print the versions of cctv-review, Python, the OS, Qt, FFmpeg, OpenCV and SQLite, and exit",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="use a throw-away store with two sample cases (with no command: open the application on it)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "summary", parents=[common], help="how many cases had significant learning, and breakdowns"
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--from", dest="date_from", type=_iso_date, help="first detention date to include (YYYY-MM-DD)"
    )
    p.add_argument("--to", dest="date_to", type=_iso_date, help="last detention date to include (YYYY-MM-DD)")
    # Issue 14: the Summary tab's filters, agreement and per-question figures.
    p.add_argument("--suite", default="", help="only cases of this custody suite")
    p.add_argument("--reviewer", default="", help="only cases reviewed by this reviewer")
    p.add_argument(
        "--flags",
        type=_flag_list,
        default=(),
        help="only cases with all these flags: " + ",".join(CASE_FLAGS),
    )
    p.add_argument(
        "--agreement",
        action="store_true",
        help="also the agreement between first and second reviews (percentage, Cohen's kappa, weighted kappa)",
    )
    p.add_argument(
        "--questions",
        action="store_true",
        help="also how completed cases answered each yes/no and choice question of the form",
    )

    p = sub.add_parser("cases", parents=[common], help="list the cases")
    p.add_argument("--status", choices=["not_started", "in_progress", "complete"])

    p = sub.add_parser(
        "sample",
        parents=[common],
        help="draw a reproducible stratified sample of cases (recorded in the audit trail)",
    )
    p.add_argument("--size", type=int, required=True, help="how many cases to draw")
    p.add_argument(
        "--stratify",
        type=_flag_list,
        default=(),
        help="flags to stratify by, comma-separated: " + ",".join(CASE_FLAGS),
    )
    p.add_argument(
        "--seed", type=int, help="the seed (default: a new one, printed so the draw can be repeated)"
    )
    p.add_argument(
        "--status",
        choices=["not_started", "in_progress", "complete"],
        help="draw only from cases in this state",
    )
    p.add_argument("--json", action="store_true", help="print the draw as JSON")

    p = sub.add_parser("import-cases", parents=[common], help="add cases from a spreadsheet saved as CSV")
    p.add_argument("file", type=Path)

    p = sub.add_parser(
        "add-clip", parents=[common], help="add a CCTV file to a case (probed and hashed, never copied)"
    )
    p.add_argument("case", help="the case reference")
    p.add_argument("file", type=Path)
    p.add_argument("--camera", required=True, help="camera name, e.g. 'Booking-in desk'")
    p.add_argument(
        "--recorded-start",
        type=_iso_datetime,
        help="when the clip starts, on the recorder's clock in the database's time zone "
        "(e.g. 2026-03-31T14:05:00; see 'settings time-zone')",
    )

    p = sub.add_parser("settings", parents=[common], help="the review database's settings")
    settings_sub = p.add_subparsers(dest="settings_command", metavar="SETTING", required=True)
    p_zone = settings_sub.add_parser(
        "time-zone",
        parents=[common],
        help="the recorders' time zone recorded times are shown in (default Europe/London); "
        "with ZONE, set it (audited)",
    )
    p_zone.add_argument("zone", nargs="?", help="an IANA time zone name, e.g. Europe/London")

    p = sub.add_parser(
        "add-footage",
        parents=[common],
        help="add files or folders of CCTV to a case: every video in them is probed and hashed, "
        "camera and recorded start proposed; stored only with --yes (or after y at the prompt)",
    )
    p.add_argument("case", help="the case reference")
    p.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="video files or folders")
    p.add_argument("--yes", action="store_true", help="store the proposed list without asking")

    p = sub.add_parser(
        "clip", parents=[common], help="a case's clips: list, edit, correct the clock, relink, remove"
    )
    clip_sub = p.add_subparsers(dest="clip_command", required=True, metavar="ACTION")
    q = clip_sub.add_parser("list", parents=[common], help="the case's clips, with their ids")
    q.add_argument("case", help="the case reference")
    q = clip_sub.add_parser(
        "edit", parents=[common], help="change a clip's camera or recorded start (audited)"
    )
    q.add_argument("case", help="the case reference")
    q.add_argument("clip", type=int, help="the clip's id ('clip list CASE')")
    q.add_argument("--camera", help="the camera's name")
    q.add_argument(
        "--start",
        help="recorded start as the recorder shows it, '2026-03-14 22:40:00' in the store's time zone; "
        "'none' to clear it",
    )
    q.add_argument(
        "--second",
        action="store_true",
        help="the start is in the hour that happens twice when clocks go back: take the second (GMT)",
    )
    q = clip_sub.add_parser(
        "clock", parents=[common], help="set a clip's clock correction: ms to add to the recorder's time"
    )
    q.add_argument("case", help="the case reference")
    q.add_argument("clip", type=int, help="the clip's id")
    q.add_argument(
        "offset_ms", type=int, help="milliseconds to add (negative: the recorder ran fast); 0 = none"
    )
    q = clip_sub.add_parser(
        "relink", parents=[common], help="point a clip at its moved file (refused unless the SHA-256 matches)"
    )
    q.add_argument("case", help="the case reference")
    q.add_argument("clip", type=int, help="the clip's id")
    q.add_argument("path", type=Path, help="the file's new place")
    q = clip_sub.add_parser(
        "remove", parents=[common], help="remove a clip from its case (the file is not touched)"
    )
    q.add_argument("case", help="the case reference")
    q.add_argument("clip", type=int, help="the clip's id")
    q.add_argument(
        "--move-findings-to", type=int, metavar="CLIP", help="move its findings to this clip first"
    )
    q.add_argument("--delete-findings", action="store_true", help="delete its findings with it")

    p = sub.add_parser(
        "verify", parents=[common], help="re-hash clips and report any that changed or went missing"
    )
    p.add_argument("case", nargs="?", help="only this case (reference)")

    p = sub.add_parser("audit", parents=[common], help="the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_sub.add_parser(
        "verify",
        parents=[common],
        help="check the audit trail's keyed chain, its checkpoints and the data it recorded",
    )
    audit_sub.add_parser(
        "checkpoint",
        parents=[common],
        help="record the trail's head outside the database, so cutting entries off its end is detected",
    )
    p_key = audit_sub.add_parser(
        "export-key", parents=[common], help="write this database's audit key to FILE, to verify it elsewhere"
    )
    p_key.add_argument("file", type=Path)
    p_key = audit_sub.add_parser(
        "import-key", parents=[common], help="keep the audit key in FILE (from export-key) on this computer"
    )
    p_key.add_argument("file", type=Path)
    p_list = audit_sub.add_parser("list", parents=[common], help="print the audit trail")
    p_list.add_argument("--last", type=int, default=50, help="how many of the latest entries (default 50)")

    p = sub.add_parser("export", parents=[common], help="export cases, findings and answers")
    p.add_argument("--format", choices=["csv", "xlsx", "pdf"], required=True)
    p.add_argument("--from", dest="date_from", type=_iso_date, help="first detention date to include")
    p.add_argument("--to", dest="date_to", type=_iso_date, help="last detention date to include")
    p.add_argument(
        "--redact",
        action="store_true",
        help="for sharing beyond the force: case references become stable pseudonyms; reviewer "
        "names, file paths and stills are left out (notes are kept)",
    )
    p.add_argument(
        "out",
        type=Path,
        nargs="?",
        help="where to write (csv: a folder; xlsx/pdf: a file). Default: in the current folder",
    )
    _add_team_commands(sub, common)
    return parser


def _add_team_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Review packages, blind second review and moderation (issue 14)."""
    p = sub.add_parser("package", parents=[common], help="carry reviews between stores (review packages)")
    package_sub = p.add_subparsers(dest="package_command", metavar="ACTION", required=True)
    p_export = package_sub.add_parser(
        "export", parents=[common], help="write chosen cases (no footage) to a review package"
    )
    p_export.add_argument(
        "--cases", required=True, help="case references, comma-separated (e.g. 24-0001,24-0002)"
    )
    p_export.add_argument(
        "--blind-for",
        default="",
        metavar="REVIEWER",
        help="a package for this blind second reviewer: the first review of each case is left out",
    )
    p_export.add_argument("out", type=Path, help="the package to write (e.g. alice.cctvpkg)")
    p_import = package_sub.add_parser(
        "import", parents=[common], help="check a review package and merge it into this store"
    )
    p_import.add_argument("file", type=Path)
    p_import.add_argument(
        "--take",
        action="append",
        default=[],
        metavar="REF=mine|theirs",
        help="for a case changed in both stores since it was shared: keep this store's version (mine) "
        "or take the package's (theirs); repeat for each",
    )
    p_import.add_argument(
        "--key",
        type=Path,
        help="the exporting store's audit key (from 'audit export-key' there), to check the package's "
        "signature and audit entries",
    )

    package_sub.add_parser(
        "audit",
        parents=[common],
        help="check the audit entries kept from other stores' packages (with their keys where present)",
    )

    p = sub.add_parser("second-review", parents=[common], help="blind second review of cases")
    second_sub = p.add_subparsers(dest="second_command", metavar="ACTION", required=True)
    p_assign = second_sub.add_parser(
        "assign", parents=[common], help="mark a case for blind second review by REVIEWER (a login name)"
    )
    p_assign.add_argument("case", help="the case reference")
    p_assign.add_argument("reviewer", help="the second reviewer's login name")
    second_sub.add_parser("list", parents=[common], help="cases marked for second review and their state")

    p = sub.add_parser(
        "moderate",
        parents=[common],
        help="record the final outcome of a case whose two reviews disagree (no case: list them)",
    )
    p.add_argument("case", nargs="?", help="the case reference (leave out to list disagreements)")
    p.add_argument("--outcome", choices=["significant", "some", "none"])
    p.add_argument("--reason", help="why this is the final outcome (recorded in the audit trail)")


def _parse_takes(items: list[str]) -> dict[str, str]:
    from cctv_review.errors import UserFacingError

    takes: dict[str, str] = {}
    for item in items:
        reference, sep, choice = item.rpartition("=")
        if not sep or choice not in ("mine", "theirs") or not reference.strip():
            raise UserFacingError(f"--take {item}: write it as REFERENCE=mine or REFERENCE=theirs.")
        takes[reference.strip()] = choice
    return takes


def _run_team(args: argparse.Namespace, store: Any, template: Any) -> int | None:
    """The issue-14 commands (package, second-review, moderate); None for any other command."""
    from cctv_review import team

    if args.command == "package":
        from cctv_review import package as pkg

        if args.package_command == "export":
            refs = [r for r in args.cases.split(",") if r.strip()]
            report = pkg.export_package(store, refs, args.out, blind_for=args.blind_for.strip())
            print(
                f"Wrote {report.path}: {len(report.references)} case{'s' if len(report.references) != 1 else ''}, "
                f"{report.stills} still{'s' if report.stills != 1 else ''}, {report.audit_entries} audit entries"
                + ("; signed with this store's audit key." if report.signed else ".")
            )
            return EXIT_OK
        if args.package_command == "audit":
            trails = pkg.verify_imported_audit(store)
            if not trails:
                print("No audit entries from other stores have been imported.")
            for trail in trails:
                print(trail.text())
            return EXIT_PROBLEMS if any(t.problems for t in trails) else EXIT_OK
        key = pkg.read_key(args.key) if args.key else None
        package = pkg.read_package(args.file, key=key)
        if key is not None:
            from cctv_review import audit_keys

            audit_keys.save_key(key)  # so the imported entries can be checked again later
        try:
            result = pkg.import_package(store, package, take=_parse_takes(args.take))
        except pkg.ConflictsUnresolved as exc:
            print(str(exc))
            for plan in exc.conflicts:
                print("")
                print(f"=== {plan.reference}: this store (mine) ===")
                print(pkg.describe_bundle(plan.mine))
                print(f"=== {plan.reference}: the package (theirs) ===")
                print(pkg.describe_bundle(plan.theirs))
            print("")
            print(
                "Run the import again with, for each, --take "
                + " ".join(f"{p.reference}=mine|theirs" for p in exc.conflicts)
                + f" (e.g. --take {exc.conflicts[0].reference}=mine)."
            )
            return EXIT_PROBLEMS
        print(result.text())
        return EXIT_OK

    if args.command == "second-review":
        if args.second_command == "assign":
            case = _case(store, args.case)
            review = team.assign_second_review(store, case.id, args.reviewer)
            print(
                f"Case {case.reference} is marked for blind second review by {review.reviewer}: they will not "
                "see the first review until they complete their own."
            )
            return EXIT_OK
        rows = store._query(
            "SELECT c.reference, s.reviewer, s.status, s.assigned_by FROM second_reviews s "
            "JOIN cases c ON c.id = s.case_id ORDER BY c.reference COLLATE NOCASE"
        )
        if not rows:
            print("No case is marked for second review.")
        for row in rows:
            print(
                f"{row['reference']}\t{row['reviewer']}\t{row['status']}\t(assigned by {row['assigned_by'] or '-'})"
            )
        return EXIT_OK

    if args.command == "moderate":
        if not args.case:
            found = team.disagreements(store)
            if not found:
                print("No case has two completed reviews that disagree.")
            for d in found:
                first = d.first.label if d.first else "-"
                second = d.second.label if d.second else "-"
                settled = (
                    f"moderated: {d.moderation.final_outcome.label} ({d.moderation.reason})"
                    if d.moderation
                    else "not moderated yet"
                )
                print(f"{d.reference}\tfirst: {first}\tsecond: {second}\t{settled}")
            return EXIT_PROBLEMS if any(d.moderation is None for d in found) else EXIT_OK
        if not args.outcome or not args.reason:
            from cctv_review.errors import UserFacingError

            raise UserFacingError("Give the final outcome with --outcome and the reason with --reason.")
        case = _case(store, args.case)
        moderation = team.moderate(store, case.id, args.outcome, args.reason)
        print(
            f"Case {case.reference}: final outcome {moderation.final_outcome.label} (recorded in the audit trail)."
        )
        return EXIT_OK
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    db_path: Path = getattr(args, "db", None) or default_db_path()

    if args.command is None:
        from cctv_review.ui.app import run_gui

        return run_gui(db_path=getattr(args, "db", None), demo=args.demo)

    import sqlite3

    from cctv_review.errors import UserFacingError
    from cctv_review.logsetup import setup_logging

    # The CLI logs too (start line, uncaught exceptions), but leaves Qt unloaded for speed.
    setup_logging(f"cli {args.command}", include_qt=False)
    with _escaped_output():
        try:
            if args.demo:
                with tempfile.TemporaryDirectory(
                    prefix="cctv-review-demo-", ignore_cleanup_errors=True
                ) as folder:
                    from cctv_review.demo import build_demo

                    code = _run(args, build_demo(Path(folder)))
            else:
                code = _run(args, db_path)
            sys.stdout.flush()  # inside the try: a closed pipe is reported here, not at exit
            return code
        except UserFacingError as exc:
            print(f"cctv-review: {exc}", file=sys.stderr)
            return EXIT_ERROR
        except sqlite3.DatabaseError as exc:  # damage found while reading, past the check on opening
            print(
                f"cctv-review: The review database {db_path} is damaged ({exc}). Nothing more was written "
                "to it. Restore it from a backup, or choose another review database with --db.",
                file=sys.stderr,
            )
            return EXIT_ERROR
        except KeyboardInterrupt:
            print("cctv-review: interrupted", file=sys.stderr)
            return EXIT_ERROR
        except BrokenPipeError:
            # The reader went away (e.g. `cctv-review summary | head`): stop quietly.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_PROBLEMS


def _run(args: argparse.Namespace, db_path: Path) -> int:
    from cctv_review.store import Store
    from cctv_review.template import load_template

    template = load_template()
    with Store(db_path) as store:
        if store.notice:
            print(f"cctv-review: Note: {store.notice}", file=sys.stderr)
        command = args.command
        team_code = _run_team(args, store, template)
        if team_code is not None:
            return team_code
        if command == "summary":
            from cctv_review.summary import format_summary, summarise

            blind = _blind(store)
            if args.suite or args.reviewer or args.flags or args.agreement or args.questions or blind:
                return _summary_figures(store, template, args, blind)
            summary = summarise(store, template, date_from=args.date_from, date_to=args.date_to)
            if args.json:
                print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
            else:
                print(format_summary(summary))
            return EXIT_OK

        if command == "cases":
            cases = store.list_cases(status=args.status)
            blind = _blind(store)
            if blind:  # the user's unfinished blind second reviews: their own state, not the first review's
                from cctv_review import team

                cases = [
                    team.blind_view(c, r) if c.id in blind and (r := team.second_review(store, c.id)) else c
                    for c in cases
                ]
            if not cases:
                print("No cases.")
            for case in cases:
                flags = ", ".join(name for name, on in case.flags().items() if on)
                when = case.detention_date.isoformat() if case.detention_date else "date not known"
                outcome = f" - {case.outcome.label}" if case.outcome else ""
                print(
                    f"{case.reference}\t{case.custody_suite or '-'}\t{when}\t{case.status.label}{outcome}"
                    + (f"\t[{flags}]" if flags else "")
                )
            return EXIT_OK

        if command == "sample":
            import secrets

            from cctv_review.sampling import draw_sample

            seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
            draw = draw_sample(store.list_cases(status=args.status), args.size, args.stratify, seed)
            store.audit("sample.drawn", "sample", str(seed), draw.audit_detail())
            references = {c.id: c.reference for c in store.list_cases(case_ids=list(draw.case_ids))}
            if args.json:
                detail = draw.audit_detail() | {"references": [references[i] for i in draw.case_ids]}
                print(json.dumps(detail, indent=2, ensure_ascii=False))
            else:
                print(draw.explain())
                for drawn_id in draw.case_ids:
                    print(references[drawn_id])
            return EXIT_OK

        if command == "import-cases":
            from cctv_review.importer import import_cases_csv

            parsed = import_cases_csv(store, args.file)
            for warning in parsed.warnings:
                print(f"Note: {warning}")
            print(
                f"Imported {len(parsed.cases)} case{'s' if len(parsed.cases) != 1 else ''} from {args.file}."
            )
            return EXIT_OK

        if command == "add-clip":
            from cctv_review.clips import add_clip_file

            case = _case(store, args.case)
            start = args.recorded_start
            if start is not None and start.tzinfo is None:
                from cctv_review.recorded_time import localize

                # To the second, as typed; in the repeated hour the first (summer time) one.
                start = localize(start.replace(microsecond=0), store.zone())
            clip = add_clip_file(store, case.id, args.file, args.camera, start)
            print(
                f"Added {clip.camera} to case {case.reference}: {clip.width}x{clip.height}, "
                f"{clip.fps:g} fps, {clip.frame_count} frames, {clip.duration_ms / 1000:.1f} s, {clip.codec}; "
                f"SHA-256 {clip.sha256}"
            )
            return EXIT_OK

        if command == "add-footage":
            return _add_footage(store, args)
        if command == "clip":
            return _clip(store, args)
        if command == "settings":
            from cctv_review.recorded_time import zone_label

            if args.zone:
                before = store.time_zone()
                now = store.set_time_zone(args.zone)
                print(
                    f"Time zone: {zone_label(now)}"
                    + (
                        f" (was {before}); recorded times are now shown in it."
                        if now != before
                        else " (unchanged)."
                    )
                )
            else:
                print(f"Time zone: {zone_label(store.time_zone())}")
            return EXIT_OK

        if command == "verify":
            case_id = _case(store, args.case).id if args.case else None
            checks = store.check_clips(case_id)
            if not checks:
                print("There are no clips to check.")
                return EXIT_OK
            bad = [c for c in checks if c.status != "ok"]
            for check in checks:
                label = {
                    "ok": "OK",
                    "changed": "CHANGED",
                    "missing": "MISSING",
                    "unreadable": "UNREADABLE",
                    "not_a_file": "NOT A FILE",
                }.get(check.status, check.status.upper())
                print(f"{label:10} {check.clip.path}" + (f"  ({check.detail})" if check.detail else ""))
            print(
                f"{len(checks)} clip{'s' if len(checks) != 1 else ''} checked; "
                + (f"{len(bad)} problem{'s' if len(bad) != 1 else ''}." if bad else "all unchanged.")
            )
            return EXIT_PROBLEMS if bad else EXIT_OK

        if command == "audit":
            if args.audit_command == "verify":
                chain = store.verify_audit()
                print(chain)
                return EXIT_OK if chain.ok else EXIT_PROBLEMS
            if args.audit_command == "checkpoint":
                anchor = store.checkpoint("cctv-review audit checkpoint")
                print(
                    f"Checkpoint recorded: the audit trail holds {anchor.count} entries "
                    f"(last hash {anchor.head_hash[:16]}...), kept outside the database."
                )
                return EXIT_OK
            if args.audit_command == "export-key":
                store.export_key(args.file)
                print(
                    f"Wrote the audit key of {db_path} to {args.file}. Keep it like a password: with it "
                    "and the database, the trail can be re-signed. On the other computer run "
                    f"'cctv-review audit import-key {args.file.name}'."
                )
                return EXIT_OK
            if args.audit_command == "import-key":
                where = store.import_key(args.file)
                print(f"Imported the audit key for {db_path}; it is kept in {where}.")
                return EXIT_OK
            rows = store.audit_rows()[-args.last :] if args.last > 0 else []
            for row in rows:
                print(
                    f"{row['id']:6} {row['at']} {row['user']:12} {row['action']:18} "
                    f"{row['object_type']} {row['object_id']} {row['detail']}"
                )
            return EXIT_OK

        if command == "export":
            from cctv_review.export import export

            out = args.out or Path.cwd() / _default_export_name(args.format)
            notices: list[str] = []
            written = export(
                store,
                template,
                args.format,
                out,
                date_from=args.date_from,
                date_to=args.date_to,
                redact=args.redact,
                notices=notices,
                exclude_case_ids=_blind(store),
            )
            for path in written:
                print(f"Wrote {path}")
            for notice in notices:  # e.g. characters Excel cannot hold, a note continued below
                print(f"Note: {notice}")
            return EXIT_OK
    raise AssertionError(f"unhandled command {args.command}")


def _blind(store: Any) -> set[int]:
    """The cases the user running this is blind second reviewer of and has not completed.

    The CLI shows them as the GUI does: their first review (outcome, answers,
    findings) is left out of ``cases``, ``summary`` and ``export`` until the
    second review is completed.
    """
    from cctv_review import team

    return team.blind_case_ids(store, store.user)


def _summary_figures(store: Any, template: Any, args: argparse.Namespace, blind: set[int]) -> int:
    """``summary`` with a filter (suite, reviewer, flags), ``--agreement`` and/or ``--questions`` (issue 14);
    ``blind``: the cases left out (:func:`_blind`)."""
    from cctv_review.errors import UserFacingError
    from cctv_review.export.figures import format_agreement, format_questions
    from cctv_review.summary import format_summary
    from cctv_review.summary_filter import SummaryFilter, summarise_filtered

    summary_filter = SummaryFilter(
        date_from=args.date_from,
        date_to=args.date_to,
        suite=args.suite,
        reviewer=args.reviewer,
        flags=frozenset(args.flags),
        exclude=frozenset(blind),
    )
    try:
        summary = summarise_filtered(store, template, summary_filter)
    except ValueError as exc:
        raise UserFacingError(str(exc)) from None
    selection, params = summary_filter.completed_sql()
    agreement = questions = None
    if args.agreement:
        from cctv_review.agreement import review_agreement

        agreement = review_agreement(store.db.conn, template, selection, params)
    if args.questions:
        from cctv_review.question_figures import question_figures

        questions = question_figures(store.db.conn, template, selection, params)
    if args.json:
        import dataclasses

        data = summary.to_dict()
        if agreement is not None:
            data["agreement"] = dataclasses.asdict(agreement)
        if questions is not None:
            data["questions"] = [dataclasses.asdict(q) for q in questions]
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    print(format_summary(summary))
    if agreement is not None:
        print()
        print(format_agreement(agreement))
    if questions is not None:
        print()
        print(format_questions(questions))
    return EXIT_OK


def _clip(store: Any, args: argparse.Namespace) -> int:
    """``clip list|edit|clock|relink|remove CASE [CLIP] ...``: what File > clip dialogs do, audited alike."""
    from cctv_review.clips import recorder_zone
    from cctv_review.recorded_time import format_recorded, parse_typed
    from cctv_review.store import NotFound

    case = _case(store, args.case)
    tz = recorder_zone(store)
    clips = {c.id: c for c in store.list_clips(case.id)}
    if args.clip_command == "list":
        if not clips:
            print(f"Case {case.reference} has no clips.")
        for c in clips.values():
            start = format_recorded(c.recorded_start, tz) if c.recorded_start else "recorded start not set"
            offset = f"\tclock {c.clock_offset_ms:+d} ms" if c.clock_offset_ms else ""
            print(f"{c.id}\t{c.camera}\t{start}{offset}\t{c.sha256[:12]}\t{c.path}")
        return EXIT_OK
    clip = clips.get(args.clip)
    if clip is None:
        raise NotFound(
            f"Case {case.reference} has no clip {args.clip}. 'cctv-review clip list {case.reference}' lists them."
        )
    name = f"clip {clip.id} ({clip.camera})"
    if args.clip_command == "edit":
        changes: dict[str, Any] = {}
        if args.camera is not None:
            changes["camera"] = args.camera.strip()
        if args.start is not None:
            if args.start.strip().lower() == "none":
                changes["recorded_start"], changes["recorded_start_source"] = None, ""
            else:
                changes["recorded_start"] = parse_typed(args.start, tz, second_occurrence=args.second)
                changes["recorded_start_source"] = "typed"
        if not changes:
            print("Nothing to change: give --camera and/or --start.")
            return EXIT_PROBLEMS
        updated = store.update_clip(clip.id, **changes)
        start = format_recorded(updated.recorded_start, tz) if updated.recorded_start else "not set"
        print(f"Changed {name}: camera {updated.camera}, recorded start {start}.")
        return EXIT_OK
    if args.clip_command == "clock":
        store.set_clock_offset(clip.id, args.offset_ms, {"via": "cli"})
        print(f"Clock correction of {name}: {args.offset_ms:+d} ms; its findings' recorded times follow.")
        return EXIT_OK
    if args.clip_command == "relink":
        from cctv_review.hashing import sha256_file

        if not args.path.is_file():
            raise NotFound(f"{args.path} is not a file.")
        store.relink_clip(clip.id, args.path, sha256_file(args.path))
        print(f"Relinked {name} to {args.path.resolve()} (same SHA-256).")
        return EXIT_OK
    if args.move_findings_to is not None and args.delete_findings:
        print("Choose one: --move-findings-to or --delete-findings.")
        return EXIT_PROBLEMS
    touched = store.remove_clip(
        clip.id, move_findings_to=args.move_findings_to, delete_findings=args.delete_findings
    )
    what = "moved" if args.move_findings_to is not None else "deleted"
    print(
        f"Removed {name} from case {case.reference}"
        + (f"; {len(touched)} finding(s) {what}." if touched else ".")
    )
    return EXIT_OK


def _add_footage(store: Any, args: argparse.Namespace) -> int:
    """``add-footage CASE PATH... [--yes]``: find, probe and hash, print the list, store on --yes (or y)."""
    from cctv_review.clips import find_footage, format_found, recorder_zone, scan_footage

    case = _case(store, args.case)
    tz = recorder_zone(store)
    files, skipped = find_footage(args.paths)
    if not files:
        print(f"No files to add in {', '.join(map(str, args.paths))}.")
        for s in skipped:
            print(f"  left out {s.path}: {s.reason}")
        return EXIT_PROBLEMS
    interactive = sys.stderr.isatty()
    last = [-1]

    def progress(fraction: float, name: str) -> None:
        percent = int(fraction * 100)
        if interactive and percent != last[0]:
            last[0] = percent
            print(
                f"\rProbing and fingerprinting {len(files)} file(s)… {percent:3d}% {name[:40]:40}",
                end="",
                file=sys.stderr,
            )

    scan = scan_footage(
        case.id,
        files,
        tz,
        reference=case.reference,
        known_hashes=store.clip_hashes(case.id),
        progress=progress,
    )
    if interactive:
        print(file=sys.stderr)
    print(f"Footage for case {case.reference} (recorded times in {tz}):")
    for found in scan.files:
        print(format_found(found, tz))
    for s in skipped:
        print(f"  left out {Path(s.path).name}: {s.reason}")
    if not scan.to_add:
        print("Nothing to add.")
        return EXIT_PROBLEMS
    if not args.yes:
        if not sys.stdin.isatty():
            print(f"Nothing stored. Run again with --yes to add these {len(scan.to_add)} clip(s).")
            return EXIT_OK
        answer = input(f"Add these {len(scan.to_add)} clip(s) to case {case.reference}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing stored.")
            return EXIT_OK
    added, refused = store.add_clips(
        (f.clip, f.index.to_record() if f.index is not None else None) for f in scan.to_add if f.clip
    )
    for _clip, reason in refused:
        print(f"Not added: {reason}")
    print(f"Added {len(added)} clip{'s' if len(added) != 1 else ''} to case {case.reference}.")
    return EXIT_PROBLEMS if refused or scan.refused else EXIT_OK


def _case(store, reference: str):
    from cctv_review.store import NotFound

    case = store.case_by_reference(reference)
    if case is None:
        raise NotFound(f"There is no case with reference {reference}. 'cctv-review cases' lists them.")
    return case


def _default_export_name(fmt: str) -> str:
    stamp = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d-%H%M")
    return f"cctv-review-export-{stamp}" + ("" if fmt == "csv" else f".{fmt}")


def escape_for_terminal(text: str) -> str:
    """``text`` with control and invisible characters written as visible escapes (``\\x1b``).

    Line feeds and tabs stay as they are (they lay out the output); every
    other control character (Unicode ``Cc``: ESC, BEL, carriage return...) and
    format character (``Cf``: bidirectional overrides, zero-width spaces) is
    shown as Python writes it, so a reference or note holding an escape
    sequence cannot clear the screen, retitle the window or hide text.
    """
    import unicodedata

    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cf")
        else char
        for char in text
    )


class _EscapingStream:
    """A text stream that escapes control characters in everything written to it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_for_terminal(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _escaped_output() -> Iterator[None]:
    """Escape control characters in everything the command prints (stdout and stderr)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _EscapingStream(sys.stdout)
    sys.stderr = _EscapingStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
