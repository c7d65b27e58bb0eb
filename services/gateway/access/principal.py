"""Who is asking: a signed-in user or an API key, and how far they may go."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Literal
from uuid import UUID


class Level(IntEnum):
    """What a request needs, and what a principal holds: each level includes the ones below."""

    READ = 1
    WRITE = 2
    ADMIN = 3


class Role(StrEnum):
    """A person's role: viewers read, operators run the factory, admins also run Lotline."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def level(self) -> Level:
        return {Role.VIEWER: Level.READ, Role.OPERATOR: Level.WRITE, Role.ADMIN: Level.ADMIN}[self]


class Scope(StrEnum):
    """An API key's scope: the same ladder as the roles, for machines."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def level(self) -> Level:
        return {Scope.READ: Level.READ, Scope.WRITE: Level.WRITE, Scope.ADMIN: Level.ADMIN}[self]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request.

    ``via_cookie`` marks a browser session: only those writes need a CSRF token, since a
    bearer key is never sent by a browser on its own.
    """

    kind: Literal["user", "api_key"]
    id: UUID
    name: str
    level: Level
    locale: str | None = None
    via_cookie: bool = False
    session_id: UUID | None = None
    csrf_token: str | None = None

    def can(self, need: Level) -> bool:
        return self.level >= need

    @property
    def can_write(self) -> bool:
        return self.can(Level.WRITE)

    @property
    def is_admin(self) -> bool:
        return self.can(Level.ADMIN)

    @property
    def role_name(self) -> str:
        """The role a person holds (or the scope of a key), as shown on pages."""
        return {Level.READ: "viewer", Level.WRITE: "operator", Level.ADMIN: "admin"}[self.level]
