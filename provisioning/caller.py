"""Who asks for a change, and the permission checks made on them."""

from __future__ import annotations

from dataclasses import dataclass

from provisioning.access.principal import ADMIN_SCOPE, USERS_READ, Principal
from provisioning.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    """The principal of a request (None for the command line) and its request id."""

    principal: Principal | None
    request_id: str | None = None
    org_id_override: str | None = None

    @classmethod
    def system(cls, org_id: str) -> Caller:
        """The operator at the command line: acts within one organization with full rights."""
        return cls(principal=None, org_id_override=org_id)

    @property
    def org_id(self) -> str:
        if self.principal is not None:
            return self.principal.org_id
        if self.org_id_override is None:
            raise Forbidden("Sign in first.")
        return self.org_id_override

    @property
    def user_id(self) -> str | None:
        return self.principal.user_id if self.principal else None

    @property
    def is_admin(self) -> bool:
        if self.principal is None:
            return self.org_id_override is not None  # the command line, not an anonymous call
        return self.principal.is_admin

    def require_signed_in(self) -> str:
        """The caller's organization; Forbidden for an anonymous request."""
        return self.org_id

    def require_admin(self) -> str:
        """Organization administration: the ADMIN role, or a client's admin scope."""
        return self.require(ADMIN_SCOPE)

    def may(self, scope: str) -> bool:
        return self.principal is None or self.principal.allows(scope)

    def readable_users(self, user_ids: list[str]) -> list[str]:
        """Of these users, those the caller may read: all with users:read, else only self."""
        if self.may(USERS_READ):
            return user_ids
        return [i for i in user_ids if i == self.user_id]

    def require_any(self, *scopes: str) -> str:
        """The caller's organization, if they may act with one of `scopes`."""
        for scope in scopes[:-1]:
            if self.may(scope):
                return self.require(scope)
        return self.require(scopes[-1])

    def require(self, scope: str) -> str:
        """The caller's organization, if they may act with `scope` (admins may do all)."""
        org_id = self.require_signed_in()
        if self.principal is None:
            return org_id  # the command line
        if not self.principal.allows(scope):
            if self.principal.client_id is not None:
                raise Forbidden(f"This needs the scope {scope}.")
            raise Forbidden("Only an organization admin may do this.")
        return org_id

    @property
    def actor_type(self) -> str:
        return self.principal.actor_type if self.principal else "system"

    @property
    def actor_id(self) -> str | None:
        return self.principal.actor_id if self.principal else None
