"""Editors and admins, their passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, joinedload

from app.domain.actor import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.domain.vocabulary import Role
from app.models import ApiToken, LoginSession, User, utcnow
from app.schemas.common import MAX_ID

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 12
_COMMON = {
    "password", "passwort", "123456789012", "qwertyuiopas", "letmein", "welcome", "admin",
    "changeme", "iloveyou", "trustno1", "reckon",
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLES = frozenset(r.value for r in Role)


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


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak to accept, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    lowered = password.lower()
    local = email.split("@")[0].lower()
    if any(word in lowered for word in _COMMON) or (len(local) >= 4 and local in lowered):
        return "Avoid common words and your e-mail address."
    if len(set(password)) < 6:
        return "Use more different characters."
    return None


def create_user(
    session: Session, email: str, password: str, *, role: str = "editor",
    display_name: str = "",
) -> User:
    email = email.strip().lower()
    errors = {}
    if not EMAIL_RE.match(email):
        errors["email"] = f"'{email}' is not an e-mail address."
    elif session.scalars(select(User).where(User.email == email)).first():
        errors["email"] = f"There is already a user {email}."
    if role not in _ROLES:
        errors["role"] = "The role must be editor or admin."
    problem = password_problem(password, email)
    if problem:
        errors["password"] = f"This password is too weak. {problem}"
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=hash_password(password),
        role=role,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def get_user_by_email(session: Session, email: str) -> User:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"No user {email}.")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User) -> str:
    """A new bearer token; only its hash is kept, so it is shown once."""
    token = "rk_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def actor_for_token(session: Session, token: str) -> Actor | None:
    found = session.scalars(
        select(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token))
        .options(joinedload(ApiToken.user))
    ).first()
    if found is None or not found.user.active:
        return None
    found.last_used_at = utcnow()
    return actor_of(found.user)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if 1 <= user_id <= MAX_ID else None
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def update_user(session: Session, user: User, acting: Actor, *, role: str | None = None,
                active: bool | None = None) -> User:
    """Change a user's role or disable them; disabling ends their sessions at once."""
    if user.id == acting.id and (active is False or role == "editor"):
        raise ValidationFailed({"user": "You cannot disable or demote yourself."})
    if role is not None:
        if role not in _ROLES:
            raise ValidationFailed({"role": "The role must be editor or admin."})
        user.role = role
    if active is not None:
        user.active = active
        if not active:
            session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    session.flush()
    return user
