"""Editors and admins, their passwords (and how strong they are) and their API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload
from zxcvbn import zxcvbn

from app.db import best_effort
from app.domain.actor import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.domain.vocabulary import Role
from app.i18n import DEFAULT_LOCALE, get_locale, gettext
from app.logs import audit
from app.models import ApiToken, LoginSession, User, utcnow
from app.schemas.common import MAX_ID

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1000
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable" (about 10^8 guesses and more)
STRENGTH_CHECKED = 72  # zxcvbn refuses longer input; the rest only adds strength
# zxcvbn keeps the user inputs of a call in a module-level dictionary: one call at a time.
_zxcvbn_lock = threading.Lock()
# Digits and symbols around a word: the classic way to satisfy composition rules
# ("Summer2024!!"), which zxcvbn scores as random characters.
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLES = frozenset(r.value for r in Role)
TOKEN_NAME_LENGTH = 100
MAX_TOKEN_DAYS = 3650
# Writing last_used_at on every API call would turn every read into a write.
TOKEN_TOUCH_EVERY = dt.timedelta(minutes=1)


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, name=user.display_name, role=Role(user.role))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_hash(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(user: User, password: str) -> bool:
    """Check the password; upgrade the stored hash when the parameters have changed."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def _user_inputs(email: str, name: str) -> list[str]:
    """Words of the user's own that a password should not lean on."""
    words = [email, email.replace("@", "."), name, "".join(name.split()), "reckon",
             *re.split(r"[@._+\-\s]+", f"{email} {name}")]
    return [w.lower() for w in words if len(w) >= 3]


def _strength(password: str, inputs: list[str]) -> tuple[int, str]:
    with _zxcvbn_lock:
        result = zxcvbn(password[:STRENGTH_CHECKED], user_inputs=inputs)
    feedback = result["feedback"]
    own = any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"])
    # zxcvbn's own advice is in English only: other languages get Reckon's sentences.
    advice = ([feedback["warning"], *feedback["suggestions"]]
              if get_locale() == DEFAULT_LOCALE else [])
    reason = " ".join(part for part in (
        gettext("It is built on the account's name or e-mail address (or on “Reckon”).")
        if own else "", *advice) if part)
    return int(result["score"]), reason


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a password is too weak to accept (zxcvbn, with the user's e-mail and name as words
    to avoid), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return gettext("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return gettext("Use at most %(num)s characters.", num=MAX_PASSWORD_LENGTH)
    inputs = _user_inputs(email, name)
    score, reason = _strength(password, inputs)
    if score < MIN_SCORE:
        return reason or gettext("It is too easy to guess; add another word or two.")
    core = _PADDING.sub("", password)
    if core and core != password and _strength(core, inputs)[0] < MIN_SCORE:
        return gettext("A word with digits or symbols added around it is easy to guess. "
                       "Add another word or two; uncommon words are better.")
    return None


def weak_password_message(password: str, email: str = "", name: str = "") -> str | None:
    problem = password_problem(password, email, name)
    return gettext("This password is too weak. %(problem)s", problem=problem) if problem else None


def create_user(
    session: Session, email: str, password: str, *, role: str = "editor",
    display_name: str = "",
) -> User:
    email = email.strip().lower()
    errors = {}
    if not EMAIL_RE.match(email):
        errors["email"] = gettext("'%(email)s' is not an e-mail address.", email=email)
    elif session.scalars(select(User).where(User.email == email)).first():
        errors["email"] = gettext("There is already a user %(email)s.", email=email)
    if role not in _ROLES:
        errors["role"] = gettext("The role must be editor or admin.")
    display_name = display_name.strip() or email.split("@")[0]
    weak = weak_password_message(password, email, display_name)
    if weak:
        errors["password"] = weak
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        active=True,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit("user_created", target_user_id=user.id, role=role)
    return user


def set_password(session: Session, user: User, new_password: str, *,
                 field: str = "password") -> None:
    """Store a new password after checking its strength (the message under `field`)."""
    weak = weak_password_message(new_password, user.email, user.display_name)
    if weak:
        raise ValidationFailed({field: weak})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    session.flush()


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"No user {email}.")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just created: `secret` is shown once and never stored."""

    token: ApiToken
    secret: str


def issue_api_token(session: Session, user: User, *, name: str,
                    expires_in_days: int | None = None) -> NewToken:
    """A new named bearer token, optionally expiring; only its hash is kept."""
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = gettext("Give the token a name, such as the script or desk that will "
                                 "use it.")
    elif len(name) > TOKEN_NAME_LENGTH:
        errors["name"] = gettext("Use at most %(num)s characters.", num=TOKEN_NAME_LENGTH)
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors["expires_in_days"] = gettext("Give a number of days from 1 to %(num)s, or none "
                                            "for a token that does not expire.",
                                            num=MAX_TOKEN_DAYS)
    if errors:
        raise ValidationFailed(errors)
    secret = "rk_" + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id, token_hash=_token_hash(secret), name=name, created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    audit("token_created", token_id=token.id, name=name, target_user_id=user.id,
          expires_at=token.expires_at.isoformat() if token.expires_at else None)
    return NewToken(token, secret)


def create_api_token(session: Session, user: User, *, name: str = "API token",
                     expires_in_days: int | None = None) -> str:
    """A new bearer token's secret (see issue_api_token)."""
    return issue_api_token(session, user, name=name, expires_in_days=expires_in_days).secret


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first (expired ones until they are purged)."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_api_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's tokens; another user's token is not found."""
    token = session.get(ApiToken, token_id) if 1 <= token_id <= MAX_ID else None
    if token is None or token.user_id != user.id:
        raise NotFound(f"{user.email} has no API token {token_id}.")
    session.delete(token)
    session.flush()
    audit("token_revoked", token_id=token_id, target_user_id=user.id)


def token_expired(token: ApiToken, now: dt.datetime | None = None) -> bool:
    return token.expires_at is not None and token.expires_at <= (now or utcnow())


def actor_for_token(session: Session, token: str) -> Actor | None:
    """Who a bearer token belongs to: None when it is unknown, revoked or expired, or its
    user is disabled. Its last use is recorded (to the minute)."""
    found = session.scalars(
        select(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token))
        .options(joinedload(ApiToken.user))
    ).first()
    now = utcnow()
    if found is None or not found.user.active or token_expired(found, now):
        return None
    if found.last_used_at is None or now - found.last_used_at > TOKEN_TOUCH_EVERY:
        best_effort(session, lambda: setattr(found, "last_used_at", now))
    return actor_of(found.user)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if 1 <= user_id <= MAX_ID else None
    if user is None:
        raise NotFound(gettext("No user %(id)s.", id=user_id))
    return user


def update_user(session: Session, user: User, acting: Actor, *, role: str | None = None,
                active: bool | None = None) -> User:
    """Change a user's role or disable them; disabling ends their sessions at once."""
    if user.id == acting.id and (active is False or role == "editor"):
        raise ValidationFailed({"user": gettext("You cannot disable or demote yourself.")})
    if role is not None:
        if role not in _ROLES:
            raise ValidationFailed({"role": gettext("The role must be editor or admin.")})
        user.role = role
    if active is not None:
        user.active = active
        if not active:
            session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
    audit("user_changed", target_user_id=user.id, role=role, active=active)
    return user
