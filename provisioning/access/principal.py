"""The caller of a request, as the business rules see it. Free of HTTP."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "ADMIN"
MEMBER = "MEMBER"
ROLES = (ADMIN, MEMBER)

# What a partner tool's token may carry. "admin" includes every other scope.
USERS_READ = "users:read"
USERS_WRITE = "users:write"
INTEGRATIONS_WRITE = "integrations:write"
IMPORTS_WRITE = "imports:write"
SYNC_RUN = "sync:run"
SCIM = "scim"
ADMIN_SCOPE = "admin"
SCOPES = (USERS_READ, USERS_WRITE, INTEGRATIONS_WRITE, IMPORTS_WRITE, SYNC_RUN, SCIM, ADMIN_SCOPE)


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
        """A person with the ADMIN role, or a client holding the admin scope."""
        if self.client_id is not None:
            return ADMIN_SCOPE in self.scopes
        return ADMIN in self.roles

    def allows(self, scope: str) -> bool:
        """People act by role (an admin may do everything); clients by their token's scopes."""
        if self.client_id is not None:
            return scope in self.scopes or ADMIN_SCOPE in self.scopes
        return ADMIN in self.roles

    @property
    def actor_type(self) -> str:
        return "client" if self.client_id else "user"

    @property
    def actor_id(self) -> str | None:
        return self.client_id or self.user_id
