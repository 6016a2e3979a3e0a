"""DataLoaders, new for every request (a shared one would leak data across tenants)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, partial

from strawberry.dataloader import DataLoader

from provisioning.api_clients import list_api_clients
from provisioning.caller import Caller
from provisioning.catalog import Catalog, load_catalog
from provisioning.dependencies import Dependencies
from provisioning.integrations.accounts import get_accounts
from provisioning.integrations.integrations import get_integrations, integrations_in_use
from provisioning.integrations.linking import linked_accounts
from provisioning.licences import HeldLicence, licences_of_users
from provisioning.sso.identities import identities_of_users, providers_by_id
from provisioning.users.queries import get_users_by_email
from provisioning.users.write import get_users
from store.api_clients import ApiClientRecord
from store.identities import IdentityRecord
from store.identity_providers import IdentityProviderRecord
from store.integration_accounts import AccountRecord
from store.integrations import IntegrationRecord
from store.reference import ReferenceRecord
from store.users import UserRecord


class Loaders:
    """Each loader is made when a request first uses it: most requests use one or two."""

    def __init__(self, deps: Dependencies, caller: Caller) -> None:
        # The batch functions live apart from the loaders that call them: a loader holding
        # a method of this object would make a reference cycle, and every request's
        # loaders, context and request would wait for the garbage collector.
        self._batches = Batches(deps, caller)

    @cached_property
    def departments(self) -> DataLoader[str, ReferenceRecord | None]:
        return self._batches.catalog_loader(Catalog.DEPARTMENTS)

    @cached_property
    def job_profiles(self) -> DataLoader[str, ReferenceRecord | None]:
        return self._batches.catalog_loader(Catalog.JOB_PROFILES)

    @cached_property
    def permission_types(self) -> DataLoader[str, ReferenceRecord | None]:
        return self._batches.catalog_loader(Catalog.PERMISSION_TYPES)

    @cached_property
    def companies(self) -> DataLoader[str, ReferenceRecord | None]:
        return self._batches.catalog_loader(Catalog.COMPANIES)

    @cached_property
    def users(self) -> DataLoader[str, UserRecord | None]:
        return DataLoader(load_fn=self._batches.users)

    @cached_property
    def users_by_email(self) -> DataLoader[str, UserRecord | None]:
        return DataLoader(load_fn=self._batches.users_by_email)

    @cached_property
    def integrations(self) -> DataLoader[str, IntegrationRecord | None]:
        return DataLoader(load_fn=self._batches.integrations)

    @cached_property
    def integration_accounts(self) -> DataLoader[str, AccountRecord | None]:
        return DataLoader(load_fn=self._batches.integration_accounts)

    @cached_property
    def linked_accounts(self) -> DataLoader[str, list[AccountRecord]]:
        return DataLoader(load_fn=self._batches.linked_accounts)

    @cached_property
    def licences(self) -> DataLoader[str, list[HeldLicence]]:
        return DataLoader(load_fn=self._batches.licences)

    @cached_property
    def integrations_in_use(self) -> DataLoader[str, list[IntegrationRecord]]:
        """One key: the organization's integrations in use, read once per request."""
        return DataLoader(load_fn=self._batches.integrations_in_use)

    @cached_property
    def identities(self) -> DataLoader[str, list[IdentityRecord]]:
        return DataLoader(load_fn=self._batches.identities)

    @cached_property
    def api_clients(self) -> DataLoader[str, ApiClientRecord | None]:
        """By OAuth client_id (as audit events name their actor); admins only."""
        return DataLoader(load_fn=self._batches.api_clients)

    @cached_property
    def identity_providers(self) -> DataLoader[str, IdentityProviderRecord | None]:
        return DataLoader(load_fn=self._batches.identity_providers)


class Batches:
    """One read per loader batch, answering in key order (a $in query returns documents
    in any order; a loader must answer in the order of its keys)."""

    def __init__(self, deps: Dependencies, caller: Caller) -> None:
        self._deps = deps
        self._caller = caller

    def catalog_loader(self, catalog: Catalog) -> DataLoader[str, ReferenceRecord | None]:
        return DataLoader(load_fn=partial(self.catalog, catalog))

    async def catalog(self, catalog: Catalog, ids: Sequence[str]) -> list[ReferenceRecord | None]:
        found = await load_catalog(self._deps, self._caller, catalog, ids)
        return [found.get(i) for i in ids]

    async def users(self, ids: Sequence[str]) -> list[UserRecord | None]:
        found = await get_users(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def users_by_email(self, emails: Sequence[str]) -> list[UserRecord | None]:
        found = await get_users_by_email(self._deps, self._caller, list(emails))
        return [found.get(e) for e in emails]

    async def integrations(self, ids: Sequence[str]) -> list[IntegrationRecord | None]:
        found = await get_integrations(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def integration_accounts(self, ids: Sequence[str]) -> list[AccountRecord | None]:
        found = await get_accounts(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def linked_accounts(self, user_ids: Sequence[str]) -> list[list[AccountRecord]]:
        found = await linked_accounts(self._deps, self._caller, list(user_ids))
        return [found.get(i, []) for i in user_ids]

    async def licences(self, user_ids: Sequence[str]) -> list[list[HeldLicence]]:
        found = await licences_of_users(self._deps, self._caller, list(user_ids))
        return [found.get(i, []) for i in user_ids]

    async def integrations_in_use(self, keys: Sequence[str]) -> list[list[IntegrationRecord]]:
        in_use = await integrations_in_use(self._deps, self._caller)
        return [in_use for _ in keys]

    async def identities(self, user_ids: Sequence[str]) -> list[list[IdentityRecord]]:
        found = await identities_of_users(self._deps, self._caller, list(user_ids))
        return [found.get(i, []) for i in user_ids]

    async def identity_providers(self, ids: Sequence[str]) -> list[IdentityProviderRecord | None]:
        found = await providers_by_id(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def api_clients(self, client_ids: Sequence[str]) -> list[ApiClientRecord | None]:
        # An organization has a handful of clients: one read of them all answers every key.
        found = {c.client_id: c for c in await list_api_clients(self._deps, self._caller)}
        return [found.get(i) for i in client_ids]
