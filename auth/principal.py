"""The caller of a request, as the business rules see it. Free of HTTP."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "ADMIN"
MEMBER = "MEMBER"
ROLES = (ADMIN, MEMBER)


@dataclass(frozen=True)
class Principal:
    """A signed-in user (session) or, from the partner-access issue on, an API client.

    `org_id` always comes from the session or token, never from a request argument.
    """

    org_id: str
    user_id: str | None
    roles: frozenset[str]
    session_hash: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def actor_type(self) -> str:
        return "client" if self.client_id else "user"

    @property
    def actor_id(self) -> str | None:
        return self.client_id or self.user_id


SYSTEM_ACTOR = "system"
