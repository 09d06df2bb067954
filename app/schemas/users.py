"""Editors and admins as the admin API sees them."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from app.domain.vocabulary import Role
from app.schemas.common import OrmModel, Short, StrictModel


class UserOut(OrmModel):
    id: int
    email: str
    display_name: str
    role: str
    active: bool


class UserCreate(StrictModel):
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)]
    display_name: Short = ""
    role: Role = Role.EDITOR
    password: Annotated[str, StringConstraints(max_length=1000)]


class UserPatch(StrictModel):
    role: Role | None = None
    active: bool | None = None
