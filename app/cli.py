"""The `reckon` command: database, demo data, users, import/export, serving."""

from __future__ import annotations

import argparse
import gc
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from app.cli_base import CliError, log_audit, session_scope
from app.cli_progress import ImportProgress
from app.cli_users import add_user_commands
from app.config import PROJECT_DIR, ConfigError, ensure_development_secret, get_settings
from app.db import (
    alembic_config,
    make_engine,
    migration_head,
    serving_role_of,
)
from app.domain.actor import Actor
from app.domain.dates import utc_today
from app.domain.errors import DomainError, ValidationFailed
from app.services import (
    accounts,
    backup,
    candidates,
    capture,
    capture_runs,
    chain,
    transfer,
    users,
)

DEMO_FILE = PROJECT_DIR / "demo" / "north-korean-troops-in-russia.json"


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from alembic import command
    from sqlalchemy.exc import SQLAlchemyError

    settings = get_settings()
    # Migrations run as the owner (RECKON_MIGRATION_DATABASE_URL); the serving role (the user of
    # RECKON_DATABASE_URL, when another) gets its grants again after every upgrade.
    role = serving_role_of(settings.database_url, settings.migration_database_url)
    config = alembic_config(settings.migration_database_url)
    config.attributes.update(serving_role=role, apply_grants=True)
    try:
        command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise CliError(f"cannot migrate the database: {getattr(exc, 'orig', None) or exc}"
                       ) from None
    for problem in config.attributes.get("serving_role_warnings", []):
        print(f"reckon: warning: {problem}", file=sys.stderr)
    if settings.environment == "development":
        ensure_development_secret(settings)
    print("Database is at the latest schema." + (
        f' The app serves as "{role}": it may add to the history, not change it.'
        if role else ""))


def _importer(session: Session, email: str | None, *, approved: bool) -> Actor | None:
    """Who imports: the user named by --user (an active account), who must be an admin to
    mark the rows approved."""
    if email is None:
        if approved:
            raise CliError("--approved needs --user EMAIL, an admin's account: an import "
                           "published without review is an admin's decision")
        return None
    user = users.get_user_by_email(session, email)
    if not user.active:
        raise CliError(f"{user.email} is disabled")
    actor = users.actor_of(user)
    if approved and not actor.is_admin:
        raise CliError(f"only an admin may import with --approved; {user.email} is an "
                       f"{user.role}")
    return actor


def _import(path: Path, *, dry_run: bool, comment: str,
            ignore_unknown_columns: bool = False, user: str | None = None,
            approved: bool = True) -> transfer.Report:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    # Reading and writing each get a bar on a terminal; elsewhere one final line. The
    # collector is off meanwhile: the checked rows are many long-lived objects without
    # cycles, and every full collection walks all of them again (a sixth of the reading
    # time at 100,000 rows).
    with ImportProgress(text.count("\n")) as shown, _collector_paused():
        document = transfer.read_file(path.name, text, progress=shown.reading,
                                      ignore_unknown_columns=ignore_unknown_columns)
        del text  # the rows are read: the file's text need not stay in memory
        if document.ignored_columns:
            print(f"reckon: ignored unknown column(s): {', '.join(document.ignored_columns)}",
                  file=sys.stderr)
        with session_scope(commit=not dry_run) as session:
            actor = _importer(session, user, approved=approved and user is not None)
            # With review required (RECKON_REVIEW), what an import adds or changes waits for
            # a second editor unless an admin marked it --approved.
            review_required = get_settings().review_required and not approved
            report = transfer.apply(session, document, actor, comment=comment,
                                    progress=shown.writing, review_required=review_required)
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


STALE_EXIT = 3  # some rows were not applied; the others were


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if args.approved and args.user is None:
        raise CliError("--approved needs --user EMAIL, an admin's account: an import "
                       "published without review is an admin's decision")
    report = _import(path, dry_run=args.dry_run, comment=f"import from {path.name}",
                     ignore_unknown_columns=args.ignore_unknown_columns, user=args.user,
                     approved=args.approved)
    prefix = "Dry run, nothing written: " if args.dry_run else ""
    print(prefix + report.summary())
    if not report.stale:
        return 0
    # Stale rows would undo someone's later change: name each one where scripts look.
    print(f"reckon: {len(report.stale)} stale row(s) not applied (changed in the database "
          "since the file was exported):", file=sys.stderr)
    for stale in report.stale:
        print(f"  {stale}", file=sys.stderr)
    return STALE_EXIT


def cmd_export(args: argparse.Namespace) -> None:
    path = Path(args.file)
    if path.suffix.lower() not in (".csv", ".json"):
        raise CliError("give a file name ending in .csv or .json")
    with session_scope(commit=False) as session:
        content = transfer.export_file(session, path.name)
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc}") from None
    print(f"Exported to {path}.")


def cmd_backup(args: argparse.Namespace) -> None:
    log_audit()
    settings = get_settings()
    try:
        done = backup.backup(settings.migration_database_url, Path(args.file),
                             overwrite=args.force)
    except backup.BackupError as exc:
        raise CliError(str(exc)) from None
    print(f"Backed up the {done.backend} database {done.database} to {done.path} "
          f"({done.size:,} bytes).")


def cmd_restore(args: argparse.Namespace) -> None:
    log_audit()
    settings = get_settings()
    try:
        done = backup.restore(
            settings.migration_database_url, Path(args.file), force=args.force,
            serving_role=serving_role_of(settings.database_url, settings.migration_database_url))
    except backup.BackupError as exc:
        raise CliError(str(exc)) from None
    for problem in done.warnings:
        print(f"reckon: warning: {problem}", file=sys.stderr)
    print(f"Restored {done.path} ({done.size:,} bytes) into the {done.backend} database "
          f"{done.database}, at schema revision {done.revision}.")
    if done.revision != migration_head():
        print("Run `reckon db upgrade` to bring it to the latest schema.")


def cmd_verify(args: argparse.Namespace) -> int:
    """Walk the history's hash chain; exit 1 at the first broken link or a missing trigger."""
    with session_scope(commit=False) as session:
        verdict = chain.verify(session)
    if verdict.broken is not None:
        print(verdict.broken.describe())
    else:
        print(f"chain intact: {verdict.length} revisions, head {verdict.head}")
    if verdict.missing_triggers:
        print("reckon: the history is not protected from changes: missing trigger(s) "
              f"{', '.join(verdict.missing_triggers)} (README, History)",
              file=sys.stderr)
    return 0 if verdict.intact and not verdict.missing_triggers else 1


def cmd_capture(args: argparse.Namespace) -> int:
    """Run the capture queue now: the due captures (--pending, the default), a new capture of
    every cited URL (--all), or a new capture of one URL or of the URL of capture ID."""
    log_audit()
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        transaction = capture_runs.transactions(engine)
        capturer = capture_runs.Capturer.of(settings, transaction)
        if args.target:
            with transaction() as session:
                url = (capture.url_of(session, int(args.target)) if args.target.isdigit()
                       else args.target)
                (queued,) = capture.recapture(session, [url], None)
                capture_id = queued.id
            outcome = capturer.run_one(capture_id)
            if outcome is None:
                print(f"Capture #{capture_id} of {url} is being fetched by another worker.")
                return 0
            print(outcome.describe())
            return 0 if outcome.state == "captured" else 1
        if args.all:
            with transaction() as session:
                every = capture.recapture(session, capture.cited_urls(session), None)
            print(f"Queued {len(every)} cited URL(s) for a new capture.")
        outcomes = capturer.run_due()
    finally:
        engine.dispose()
    for outcome in outcomes:
        print(outcome.describe())
    done = sum(o.state == "captured" for o in outcomes)
    print(f"{done} captured, {len(outcomes) - done} failed." if outcomes
          else "No capture is due.")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    """Print the candidate estimates in the article in FILE ("-": stdin) as a JSON list."""
    text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    published = args.published or utc_today().isoformat()
    with session_scope(commit=False) as session:
        found = candidates.read_article(session, candidates.Article(
            topic=args.topic or "", text=text, lang=args.lang, published=published))
        rows = [candidates.candidate_json(c) for c in found.candidates]
    print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


def cmd_demo(args: argparse.Namespace) -> None:
    report = _import(DEMO_FILE, dry_run=False, comment="demo data")
    print("Demo data: " + report.summary())


def cmd_db_purge(args: argparse.Namespace) -> None:
    log_audit()
    with session_scope() as session:
        purged = accounts.purge_expired(session)
    print(f"Purged {purged.sessions} expired session(s), {purged.throttles} old failed "
          f"sign-in count(s) and {purged.tokens} expired API token(s).")


def cmd_parse(args: argparse.Namespace) -> int:
    """Print how the figure reader reads TEXT, as JSON; the refusal goes to stderr (exit 1)."""
    from app.domain.figures import FigureError, read_figure

    try:
        reading = read_figure(args.text, args.lang)
    except FigureError as exc:
        print(f"reckon: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(reading.as_json(), ensure_ascii=False, indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    # The app itself decides which proxies' X-Forwarded-* headers to believe
    # (RECKON_FORWARDED_ALLOW_IPS); uvicorn must not rewrite the client before it does.
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port,
                reload=args.reload, proxy_headers=False)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reckon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="migrate to the latest schema").set_defaults(func=cmd_db_upgrade)
    db.add_parser("purge", help="delete expired sessions, old failed sign-in counts and "
                  "expired API tokens").set_defaults(func=cmd_db_purge)

    sub.add_parser("demo", help="load the demo data (twice changes nothing)").set_defaults(
        func=cmd_demo)
    sub.add_parser("verify", help="check the history's hash chain, revision by revision "
                   "(exit 1 at the first broken link)").set_defaults(func=cmd_verify)

    cap = sub.add_parser("capture", help="capture cited pages now: the due ones (default), "
                         "every cited URL again (--all), or one URL or capture ID again")
    which = cap.add_mutually_exclusive_group()
    which.add_argument("--pending", action="store_true",
                       help="the captures that are due (the default)")
    which.add_argument("--all", action="store_true",
                       help="a new capture of every URL that a citation cites")
    which.add_argument("target", nargs="?", metavar="ID|URL",
                       help="a new capture of this URL, or of the URL of capture ID")
    cap.set_defaults(func=cmd_capture)

    ext = sub.add_parser("extract", help="print the candidate estimates in an article (a "
                         "text FILE, '-' for stdin) as JSON")
    ext.add_argument("file", metavar="FILE")
    ext.add_argument("--lang", default="de", choices=("en", "de", "ru", "uk"),
                     help="the article's language (default de)")
    ext.add_argument("--published", metavar="YYYY-MM-DD",
                     help="its publication date (YYYY-MM or YYYY when only that is known; "
                          "default today): 'last year', 'im Januar' are read from it")
    ext.add_argument("--topic", metavar="SLUG",
                     help="look for this topic's measures (default: the default measures)")
    ext.set_defaults(func=cmd_extract)
    parse = sub.add_parser("parse", help="print how a figure as news write it ('nearly "
                           "600,000', 'от 10 до 12 тысяч') is read, as JSON (exit 1 if refused)")
    parse.add_argument("text", metavar="TEXT")
    parse.add_argument("--lang", choices=("en", "de", "ru", "uk"),
                       help="the text's language (default: from its words)")
    parse.set_defaults(func=cmd_parse)
    serve = sub.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true")
    serve.set_defaults(func=cmd_serve)

    add_user_commands(sub)

    imp = sub.add_parser("import", help="import estimates from CSV or JSON")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument("--ignore-unknown-columns", action="store_true",
                     help="skip columns (JSON: estimate keys) this version does not know, "
                          "instead of refusing the file")
    imp.add_argument("--user", metavar="EMAIL",
                     help="who imports (an editor's or admin's account): the revisions name "
                          "them, and they cannot approve what they imported")
    imp.add_argument("--approved", action="store_true",
                     help="publish at once, without review (with --user EMAIL of an admin); "
                          "otherwise, with RECKON_REVIEW=required, new and changed figures "
                          "wait in the review queue")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export all estimates to CSV or JSON")
    exp.add_argument("file")
    exp.set_defaults(func=cmd_export)

    dump = sub.add_parser("backup", help="write a backup of the whole database to FILE")
    dump.add_argument("file")
    dump.add_argument("--force", action="store_true", help="replace FILE if it exists")
    dump.set_defaults(func=cmd_backup)
    load = sub.add_parser("restore", help="replace the database with the backup in FILE")
    load.add_argument("file")
    load.add_argument("--force", action="store_true",
                      help="replace a database that holds data")
    load.set_defaults(func=cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
    except transfer.ImportRejected as exc:
        print(f"reckon: import refused, nothing written ({len(exc.errors)} problem(s)):",
              file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except ValidationFailed as exc:
        print("reckon: " + " ".join(exc.fields.values()), file=sys.stderr)
        return 1
    except (CliError, DomainError, ConfigError) as exc:
        print(f"reckon: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
