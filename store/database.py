"""The Store: every collection's access object, built from one database handle."""

from __future__ import annotations

from dataclasses import dataclass

from pymongo.asynchronous.database import AsyncDatabase

from store.api_clients import ApiClients
from store.audit import AuditEvents
from store.backfill_requests import BackfillRequests
from store.directory import DirectoryRecords
from store.idempotency import IdempotencyKeys
from store.identities import Identities
from store.identity_providers import IdentityProviders
from store.import_files import ImportFiles
from store.import_jobs import ImportJobs
from store.import_row_errors import ImportRowErrors
from store.integration_accounts import IntegrationAccounts
from store.integrations import Integrations
from store.invitation_tokens import InvitationTokens
from store.licences import Licences
from store.login_failures import LoginFailures
from store.login_transactions import LoginTransactions
from store.organizations import Organizations
from store.outbox import Outbox
from store.rate_counters import RateCounters
from store.reference import ReferenceData
from store.scim import ScimStore
from store.sessions import Sessions
from store.setting_sections import SettingSections
from store.signing_keys import SigningKeys
from store.signup_links import SignupLinks
from store.sync_configs import SyncConfigs
from store.sync_runs import SyncRuns
from store.types import Document
from store.users import Users


@dataclass(frozen=True)
class Store:
    db: AsyncDatabase[Document]
    organizations: Organizations
    users: Users
    departments: ReferenceData
    job_profiles: ReferenceData
    permission_types: ReferenceData
    companies: ReferenceData
    sessions: Sessions
    audit: AuditEvents
    login_failures: LoginFailures
    identity_providers: IdentityProviders
    identities: Identities
    login_transactions: LoginTransactions
    api_clients: ApiClients
    signing_keys: SigningKeys
    rate_counters: RateCounters
    idempotency_keys: IdempotencyKeys
    integrations: Integrations
    integration_accounts: IntegrationAccounts
    backfill_requests: BackfillRequests
    invitation_tokens: InvitationTokens
    outbox: Outbox
    licences: Licences
    sync_configs: SyncConfigs
    sync_runs: SyncRuns
    directory: DirectoryRecords
    scim: ScimStore
    import_jobs: ImportJobs
    import_row_errors: ImportRowErrors
    import_files: ImportFiles
    setting_sections: SettingSections
    signup_links: SignupLinks

    @classmethod
    def on(cls, db: AsyncDatabase[Document]) -> Store:
        return cls(
            db=db,
            organizations=Organizations(db),
            users=Users(db),
            departments=ReferenceData(db, "departments"),
            job_profiles=ReferenceData(db, "job_profiles"),
            permission_types=ReferenceData(db, "permission_types"),
            companies=ReferenceData(db, "companies"),
            sessions=Sessions(db),
            audit=AuditEvents(db),
            login_failures=LoginFailures(db),
            identity_providers=IdentityProviders(db),
            identities=Identities(db),
            login_transactions=LoginTransactions(db),
            api_clients=ApiClients(db),
            signing_keys=SigningKeys(db),
            rate_counters=RateCounters(db),
            idempotency_keys=IdempotencyKeys(db),
            integrations=Integrations(db),
            integration_accounts=IntegrationAccounts(db),
            backfill_requests=BackfillRequests(db),
            invitation_tokens=InvitationTokens(db),
            outbox=Outbox(db),
            licences=Licences(db),
            sync_configs=SyncConfigs(db),
            sync_runs=SyncRuns(db),
            directory=DirectoryRecords(db),
            scim=ScimStore(db),
            import_jobs=ImportJobs(db),
            import_row_errors=ImportRowErrors(db),
            import_files=ImportFiles(db),
            setting_sections=SettingSections(db),
            signup_links=SignupLinks(db),
        )

    async def ping(self) -> None:
        await self.db.command("ping")
