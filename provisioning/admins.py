"""The first admin of an organization, made from the command line."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from provisioning.access.principal import ADMIN
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import Problem, ValidationFailed
from provisioning.organizations import create_organization
from provisioning.users.password_policy import password_problems
from provisioning.users.write import ACTIVE, FULL, UserDraft, create_user
from store.organizations import OrganizationRecord
from store.users import UserRecord


@dataclass(frozen=True)
class AdminCreated:
    organization: OrganizationRecord
    organization_created: bool
    user: UserRecord


async def create_admin(
    deps: Dependencies,
    slug: str,
    email: str,
    password: str,
    first_name: str = "Admin",
    last_name: str = "User",
    *,
    email_verified: bool = False,
) -> AdminCreated:
    problems = password_problems(password, email)
    if problems:
        # The command line names its option, not a GraphQL input field.
        raise ValidationFailed(*(Problem(p.code, p.message, ("password",)) for p in problems))
    organization = await deps.store.organizations.get_by_slug(slug.strip().lower())
    created = organization is None
    if organization is None:
        organization = await create_organization(deps, slug, slug)
    password_hash = await anyio.to_thread.run_sync(deps.hasher.hash, password)
    user = await create_user(
        deps,
        Caller.system(organization.id),
        UserDraft(
            first_name=first_name,
            last_name=last_name,
            email=email,
            roles=(ADMIN,),
            seat=FULL,
            status=ACTIVE,
            password_hash=password_hash,
            email_verified=email_verified,
        ),
    )
    return AdminCreated(organization=organization, organization_created=created, user=user)
