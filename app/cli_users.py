"""`reckon user …`: editors and admins, their passwords and API tokens."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys

from app.cli_base import CliError, log_audit, session_scope
from app.services import accounts, users


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat the password: "):
        raise CliError("the passwords differ")
    return first


def cmd_user_add(args: argparse.Namespace) -> None:
    log_audit()
    password = _read_password(args)
    with session_scope() as session:
        user = users.create_user(session, args.email, password, role=args.role,
                                 display_name=args.name or "")
        print(f"Created {user.role} {user.email}.")


def cmd_user_password(args: argparse.Namespace) -> None:
    log_audit()
    password = _read_password(args)
    with session_scope() as session:
        user = users.get_user_by_email(session, args.email)
        ended = accounts.reset_password(session, user, password)
        print(f"New password set for {user.email}; {ended} session(s) ended.")


def cmd_user_unlock(args: argparse.Namespace) -> None:
    log_audit()
    with session_scope() as session:
        user = users.get_user_by_email(session, args.email)
        removed = accounts.unlock(session, user)
        print(f"Unlocked {user.email}: {removed} failed sign-in count(s) forgotten.")


def cmd_user_token(args: argparse.Namespace) -> None:
    log_audit()
    with session_scope() as session:
        user = users.get_user_by_email(session, args.email)
        new = users.issue_api_token(session, user, name=args.name,
                                    expires_in_days=args.expires_in_days)
        about = f"token {new.token.id} “{new.token.name}” for {user.email}" + (
            f", expires {new.token.expires_at:%Y-%m-%d %H:%M} UTC" if new.token.expires_at
            else "")
    print(f"Created {about}. It is shown only now:", file=sys.stderr)
    print(new.secret)


def _when(value: dt.datetime | None, empty: str) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else empty


def cmd_user_tokens(args: argparse.Namespace) -> None:
    with session_scope(commit=False) as session:
        user = users.get_user_by_email(session, args.email)
        tokens = users.list_api_tokens(session, user)
        if not tokens:
            print(f"{user.email} has no API tokens.")
            return
        print(f"{'id':>6}  {'created (UTC)':16}  {'last used':16}  {'expires':16}  name")
        for t in tokens:
            expires = _when(t.expires_at, "never") + (
                " (expired)" if users.token_expired(t) else "")
            print(f"{t.id:>6}  {_when(t.created_at, '')}  {_when(t.last_used_at, 'never'):16}  "
                  f"{expires:16}  {t.name}")


def cmd_user_revoke_token(args: argparse.Namespace) -> None:
    log_audit()
    with session_scope() as session:
        user = users.get_user_by_email(session, args.email)
        users.revoke_api_token(session, user, args.token_id)
    print(f"Revoked token {args.token_id} of {user.email}.")


def add_user_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`reckon user …`, on the command's subparsers."""
    user = sub.add_parser("user", help="editors and admins").add_subparsers(
        dest="user", required=True)
    add = user.add_parser("add", help="create a user (asks for the password)")
    add.add_argument("email")
    add.add_argument("--role", choices=("editor", "admin"), default="editor")
    add.add_argument("--name", help="display name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from standard input")
    add.set_defaults(func=cmd_user_add)
    token = user.add_parser("token", help="create a named API token for a user (printed once)")
    token.add_argument("email")
    token.add_argument("--name", default="command line",
                       help="what will use it (default: %(default)s)")
    token.add_argument("--expires-in-days", type=int, metavar="N",
                       help="the token stops working after N days (default: never)")
    token.set_defaults(func=cmd_user_token)
    tokens = user.add_parser("tokens", help="list a user's API tokens (never the tokens)")
    tokens.add_argument("email")
    tokens.set_defaults(func=cmd_user_tokens)
    revoke = user.add_parser("revoke-token", help="revoke one of a user's API tokens")
    revoke.add_argument("email")
    revoke.add_argument("token_id", type=int, help="the id `reckon user tokens` shows")
    revoke.set_defaults(func=cmd_user_revoke_token)
    password = user.add_parser(
        "password", help="set a new password for a user (asks for it); ends their sessions")
    password.add_argument("email")
    password.add_argument("--password-stdin", action="store_true",
                          help="read the password from standard input")
    password.set_defaults(func=cmd_user_password)
    unlock = user.add_parser("unlock", help="let a user sign in at once after failed sign-ins")
    unlock.add_argument("email")
    unlock.set_defaults(func=cmd_user_unlock)
