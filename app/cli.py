"""The `reckon` command: database, demo data, users, import/export, serving."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from app.config import PROJECT_DIR, ConfigError, ensure_development_secret, get_settings
from app.db import alembic_config, make_engine, make_sessionmaker
from app.domain.errors import DomainError, ValidationFailed
from app.services import transfer, users

DEMO_FILE = PROJECT_DIR / "demo" / "north-korean-troops-in-russia.json"
PROGRESS_FROM = 100  # rows; smaller imports finish before a bar would be read


class CliError(Exception):
    """A failure reported as one line on stderr with exit code 1."""


@contextmanager
def _session(*, commit: bool = True) -> Iterator[Session]:
    engine = make_engine(get_settings().database_url)
    try:
        with make_sessionmaker(engine)() as session:
            try:
                yield session
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise
    finally:
        engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from alembic import command

    settings = get_settings()
    command.upgrade(alembic_config(settings.database_url), "head")
    if settings.environment == "development":
        ensure_development_secret(settings)
    print("Database is at the latest schema.")


def _progress_bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // total
    end = "\n" if done == total else ""
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows", end=end,
          file=sys.stderr, flush=True)


def _import(path: Path, *, dry_run: bool, comment: str,
            ignore_unknown_columns: bool = False) -> transfer.Report:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    document = transfer.read_file(path.name, text,
                                  ignore_unknown_columns=ignore_unknown_columns)
    if document.ignored_columns:
        print(f"reckon: ignored unknown column(s): {', '.join(document.ignored_columns)}",
              file=sys.stderr)
    progress: Callable[[int, int], None] | None = (
        _progress_bar if len(document.records) >= PROGRESS_FROM else None
    )
    with _session(commit=not dry_run) as session:
        return transfer.apply(session, document, comment=comment, progress=progress)


STALE_EXIT = 3  # some rows were not applied; the others were


def cmd_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    report = _import(path, dry_run=args.dry_run, comment=f"import from {path.name}",
                     ignore_unknown_columns=args.ignore_unknown_columns)
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
    with _session(commit=False) as session:
        content = transfer.export_file(session, path.name)
    try:
        path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc}") from None
    print(f"Exported to {path}.")


def cmd_demo(args: argparse.Namespace) -> None:
    report = _import(DEMO_FILE, dry_run=False, comment="demo data")
    print("Demo data: " + report.summary())


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise CliError("the passwords differ")
    return first


def cmd_user_add(args: argparse.Namespace) -> None:
    password = _read_password(args)
    with _session() as session:
        user = users.create_user(session, args.email, password, role=args.role,
                                 display_name=args.name or "")
        print(f"Created {user.role} {user.email}.")


def cmd_user_token(args: argparse.Namespace) -> None:
    with _session() as session:
        token = users.create_api_token(session, users.get_user_by_email(session, args.email))
    print(token)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port,
                reload=args.reload, proxy_headers=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reckon", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="migrate to the latest schema").set_defaults(func=cmd_db_upgrade)

    sub.add_parser("demo", help="load the demo data (twice changes nothing)").set_defaults(
        func=cmd_demo)

    serve = sub.add_parser("serve", help="serve the web app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--reload", action="store_true")
    serve.set_defaults(func=cmd_serve)

    user = sub.add_parser("user", help="editors and admins").add_subparsers(
        dest="user", required=True)
    add = user.add_parser("add", help="create a user (asks for the password)")
    add.add_argument("email")
    add.add_argument("--role", choices=("editor", "admin"), default="editor")
    add.add_argument("--name", help="display name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input")
    add.set_defaults(func=cmd_user_add)
    token = user.add_parser("token", help="create an API token for a user")
    token.add_argument("email")
    token.set_defaults(func=cmd_user_token)

    imp = sub.add_parser("import", help="import estimates from CSV or JSON")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument("--ignore-unknown-columns", action="store_true",
                     help="skip columns (JSON: estimate keys) this version does not know, "
                          "instead of refusing the file")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export all estimates to CSV or JSON")
    exp.add_argument("file")
    exp.set_defaults(func=cmd_export)
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
