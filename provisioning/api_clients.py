"""API clients: partner tools' credentials, created and revoked by admins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from provisioning.access.client_secrets import new_client_secret, secret_hash
from provisioning.access.principal import ADMIN_SCOPE, SCOPES
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import Forbidden, NotFound, ValidationFailed
from provisioning.users.rules import Checker
from store.api_clients import ApiClientRecord as ApiClientRecord
from store.ids import new_id


@dataclass(frozen=True)
class CreatedClient:
    client: ApiClientRecord
    secret: str  # shown once, never stored


async def create_api_client(
    deps: Dependencies, caller: Caller, name: str, scopes: list[str]
) -> CreatedClient:
    org_id = caller.require_admin()
    check = Checker()
    cleaned_name = check.name("name", name)
    wanted = tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        check.fail("scopes", "INVALID", f"Unknown scopes {unknown}; known: {list(SCOPES)}.")
    if not wanted:
        check.fail("scopes", "REQUIRED", "At least one scope is required.")
    if check.problems:
        raise ValidationFailed(*check.problems)
    principal = caller.principal
    if principal is not None and principal.client_id is not None:
        # A client may only hand out what it holds itself (it holds admin, or it got here).
        held = principal.scopes
        if ADMIN_SCOPE not in held and not set(wanted) <= held:
            raise Forbidden("A client cannot create a client with scopes it does not hold.")
    secret = new_client_secret()
    record = ApiClientRecord(
        id=new_id(),
        org_id=org_id,
        client_id=f"rc_{secrets.token_urlsafe(12)}",
        secret_hash=secret_hash(secret),
        name=cleaned_name,
        scopes=wanted,
        created_at=deps.clock(),
        created_by=caller.actor_id,
    )
    await deps.store.api_clients.insert(record)
    await record_event(
        deps,
        caller,
        "api_client.created",
        "ApiClient",
        record.id,
        {
            "name": {"before": None, "after": record.name},
            "client_id": {"before": None, "after": record.client_id},
            "scopes": {"before": None, "after": list(record.scopes)},
        },
    )
    return CreatedClient(client=record, secret=secret)


async def revoke_api_client(deps: Dependencies, caller: Caller, client_pk: str) -> ApiClientRecord:
    """Revoked at once: its live tokens stop working on their next request."""
    org_id = caller.require_admin()
    now = deps.clock()
    record = await deps.store.api_clients.revoke(org_id, client_pk, now)
    if record is None:
        raise NotFound("API client", ("input", "id"))
    if record.revoked_at == now:
        await record_event(
            deps,
            caller,
            "api_client.revoked",
            "ApiClient",
            record.id,
            {"revoked_at": {"before": None, "after": now.isoformat()}},
        )
    return record


async def rotate_api_client_secret(
    deps: Dependencies, caller: Caller, client_pk: str
) -> CreatedClient:
    """A new secret replaces the old one at once: the old one gets no more tokens (tokens it
    already got work until they expire)."""
    org_id = caller.require_admin()
    secret = new_client_secret()
    record = await deps.store.api_clients.replace_secret(org_id, client_pk, secret_hash(secret))
    if record is None:
        raise NotFound("Active API client", ("input", "id"))
    await record_event(deps, caller, "api_client.secret_rotated", "ApiClient", record.id, {})
    return CreatedClient(client=record, secret=secret)


async def list_api_clients(deps: Dependencies, caller: Caller) -> list[ApiClientRecord]:
    return await deps.store.api_clients.list(caller.require_admin())
