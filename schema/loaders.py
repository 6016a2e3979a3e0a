"""DataLoaders, new for every request (a shared one would leak data across tenants)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from strawberry.dataloader import DataLoader

from provisioning.caller import Caller
from provisioning.catalog import Catalog, load_catalog
from provisioning.dependencies import Dependencies
from provisioning.integrations.accounts import get_accounts
from provisioning.integrations.integrations import get_integrations, integrations_in_use
from provisioning.integrations.linking import linked_accounts
from provisioning.licences import HeldLicence, licences_of_users
from provisioning.users.queries import get_users_by_email
from provisioning.users.write import get_users
from store.integration_accounts import AccountRecord
from store.integrations import IntegrationRecord
from store.reference import ReferenceRecord
from store.users import UserRecord


class Loaders:
    def __init__(self, deps: Dependencies, caller: Caller) -> None:
        self._deps = deps
        self._caller = caller
        self.departments = self._catalog_loader(Catalog.DEPARTMENTS)
        self.job_profiles = self._catalog_loader(Catalog.JOB_PROFILES)
        self.permission_types = self._catalog_loader(Catalog.PERMISSION_TYPES)
        self.companies = self._catalog_loader(Catalog.COMPANIES)
        self.users: DataLoader[str, UserRecord | None] = DataLoader(load_fn=self._load_users)
        self.users_by_email: DataLoader[str, UserRecord | None] = DataLoader(
            load_fn=self._load_users_by_email
        )
        self.integrations: DataLoader[str, IntegrationRecord | None] = DataLoader(
            load_fn=self._load_integrations
        )
        self.integration_accounts: DataLoader[str, AccountRecord | None] = DataLoader(
            load_fn=self._load_integration_accounts
        )
        self.linked_accounts: DataLoader[str, list[AccountRecord]] = DataLoader(
            load_fn=self._load_linked_accounts
        )
        self.licences: DataLoader[str, list[HeldLicence]] = DataLoader(load_fn=self._load_licences)
        # One key: the organization's integrations in use, read once per request.
        self.integrations_in_use: DataLoader[str, list[IntegrationRecord]] = DataLoader(
            load_fn=self._load_integrations_in_use
        )

    def _catalog_loader(self, catalog: Catalog) -> DataLoader[str, ReferenceRecord | None]:
        return DataLoader(load_fn=partial(self._load_catalog, catalog))

    async def _load_catalog(
        self, catalog: Catalog, ids: Sequence[str]
    ) -> list[ReferenceRecord | None]:
        found = await load_catalog(self._deps, self._caller, catalog, ids)
        # A $in query returns documents in any order; a loader must answer in key order.
        return [found.get(i) for i in ids]

    async def _load_users(self, ids: Sequence[str]) -> list[UserRecord | None]:
        found = await get_users(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def _load_users_by_email(self, emails: Sequence[str]) -> list[UserRecord | None]:
        found = await get_users_by_email(self._deps, self._caller, list(emails))
        return [found.get(e) for e in emails]

    async def _load_integrations(self, ids: Sequence[str]) -> list[IntegrationRecord | None]:
        found = await get_integrations(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def _load_integration_accounts(self, ids: Sequence[str]) -> list[AccountRecord | None]:
        found = await get_accounts(self._deps, self._caller, list(ids))
        return [found.get(i) for i in ids]

    async def _load_linked_accounts(self, user_ids: Sequence[str]) -> list[list[AccountRecord]]:
        found = await linked_accounts(self._deps, self._caller, list(user_ids))
        return [found.get(i, []) for i in user_ids]

    async def _load_licences(self, user_ids: Sequence[str]) -> list[list[HeldLicence]]:
        found = await licences_of_users(self._deps, self._caller, list(user_ids))
        return [found.get(i, []) for i in user_ids]

    async def _load_integrations_in_use(self, keys: Sequence[str]) -> list[list[IntegrationRecord]]:
        in_use = await integrations_in_use(self._deps, self._caller)
        return [in_use for _ in keys]
