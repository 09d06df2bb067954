"""Who acts: a plain value, so nothing that outlives a database transaction holds ORM state."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.vocabulary import Role


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN
