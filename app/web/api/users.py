"""Users, for admins: list, add (the password's strength is checked), change role or
status, unlock after failed sign-ins."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.schemas.users import UserCreate, UserOut, UserPatch
from app.services import accounts, users
from app.web.api.params import Id
from app.web.deps import CurrentAdmin, SessionDep

router = APIRouter()


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, admin: CurrentAdmin) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in users.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(data: UserCreate, session: SessionDep, admin: CurrentAdmin) -> UserOut:
    user = users.create_user(session, data.email, data.password, role=data.role,
                             display_name=data.display_name)
    return UserOut.model_validate(user)


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: Id, data: UserPatch, session: SessionDep,
                admin: CurrentAdmin) -> UserOut:
    user = users.get_user(session, user_id)
    return UserOut.model_validate(
        users.update_user(session, user, admin, role=data.role, active=data.active)
    )


@router.post("/users/{user_id}/unlock", response_model=UserOut)
def unlock_user(user_id: Id, session: SessionDep, admin: CurrentAdmin) -> UserOut:
    """Forget the user's failed sign-ins from every client, so they may sign in at once."""
    user = users.get_user(session, user_id)
    accounts.unlock(session, user)
    return UserOut.model_validate(user)
