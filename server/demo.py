"""`roster serve --demo`: a development OpenID provider on loopback and a demo organization.

A newcomer can sign in through SSO in a browser with nothing else running.
"""

from __future__ import annotations

import contextlib
import json
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from provisioning.admins import create_admin
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.integrations.accounts import ActivityEntry, record_activity
from provisioning.integrations.integrations import create_integration
from provisioning.sso.providers import ProviderDraft, configure_provider
from provisioning.users.write import FULL
from server.embedded import free_port

ORGANIZATION = "demo"
ADMIN_EMAIL = "admin@demo.example"
ADMIN_PASSWORD = "demo admin password"  # noqa: S105 - the demo's published credential
PROVIDER_NAME = "Demo SSO"
CLIENT_ID = "roster-demo"
CLIENT_SECRET = "roster-demo-secret"  # noqa: S105 - the mock provider accepts any secret
# "admin" is the demo's admin: the provider links a verified email to the user who has it,
# so signing in as "admin" lands in the console's admin pages as that admin.
DEMO_PEOPLE = {
    "admin": {
        "email": ADMIN_EMAIL,
        "email_verified": True,
        "given_name": "Demo",
        "family_name": "Admin",
    },
    "ada": {
        "email": "ada@demo.example",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
    },
    "grace": {
        "email": "grace@demo.example",
        "email_verified": True,
        "given_name": "Grace",
        "family_name": "Hopper",
    },
}


# A CRM whose accounts the demo's people are seen in, so that the Integrations screens and
# "Create users -> From unlinked integration accounts" have something to show: Ada's and
# Grace's accounts match the users their first SSO sign-in creates; the others match nobody.
DEMO_INTEGRATION = ("crm", "Demo CRM")
DEMO_ACCOUNTS = [
    ("crm-ada", "ada@demo.example", "Ada", "Lovelace"),
    ("crm-grace", "grace@demo.example", "Grace", "Hopper"),
    ("crm-katherine", "katherine.johnson@demo.example", "Katherine", "Johnson"),
    ("crm-dorothy", "dorothy.vaughan@demo.example", "Dorothy", "Vaughan"),
    ("crm-mary", "mary.jackson@partner.example", "Mary", "Jackson"),
    ("crm-alan", "alan.turing@demo.example", "Alan", "Turing"),
]


@dataclass(frozen=True)
class Demo:
    login_url: str


async def _seed_integration(deps: Dependencies, caller: Caller, org_id: str) -> None:
    key, name = DEMO_INTEGRATION
    if await deps.store.integrations.get_by_key(org_id, key) is not None:
        return  # started before: the admin's links and users stay as they left them
    await create_integration(deps, caller, key, name, "ACTIVITY")
    now = deps.clock()
    entries = [
        ActivityEntry(
            external_id=external_id,
            occurred_at=now,
            email=email,
            first_name=first,
            last_name=last,
        )
        for external_id, email, first, last in DEMO_ACCOUNTS
    ]
    await record_activity(deps, caller, key, entries)


PORT_FILE = "demo-provider.json"
# Where the printed SSO link lands after sign-in: the console's admin (a same-origin path,
# as /auth/{org}/login's return_to must be).
LANDING = "/admin/users"


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def demo_port(data_dir: Path) -> int:
    """The demo provider's port: the one this data directory used before while it is free,
    so that its issuer (and every identity keyed by it) stays the same across restarts."""
    remembered = data_dir / PORT_FILE
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        port = int(json.loads(remembered.read_text())["port"])
        if 1024 <= port <= 65535 and _port_is_free(port):
            return port
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    remembered.write_text(json.dumps({"port": port}))
    return port


@contextlib.contextmanager
def demo_provider(data_dir: Path) -> Iterator[str]:
    """oidc-provider-mock on loopback (the data directory's port, see demo_port); yields
    its issuer."""
    # The mock is written against an older Authlib; its deprecation notices are not ours.
    warnings.filterwarnings(
        "ignore", category=DeprecationWarning, module=r"(authlib|oidc_provider_mock)"
    )
    warnings.filterwarnings("ignore", message="authlib.jose module is deprecated")
    from oidc_provider_mock import User, run_server_in_thread

    people = [User(sub=sub, claims=claims) for sub, claims in DEMO_PEOPLE.items()]
    port = demo_port(data_dir)
    with run_server_in_thread(port=port, require_nonce=True, user_claims=people) as server:
        # The mock names its issuer after the Host it is reached by: always 127.0.0.1.
        yield f"http://127.0.0.1:{server.server_port}"


async def seed_demo(deps: Dependencies, issuer: str, public_url: str) -> Demo:
    """The demo organization, its admin, and its provider pointed at this run's issuer.
    If the provider had to move (its port was taken), the people who signed in through it
    keep their users: their identities move to the new issuer with it."""
    organization = await deps.store.organizations.get_by_slug(ORGANIZATION)
    if organization is None:
        created = await create_admin(
            deps,
            ORGANIZATION,
            ADMIN_EMAIL,
            ADMIN_PASSWORD,
            "Demo",
            "Admin",
            email_verified=True,
        )
        organization = created.organization
    caller = Caller.system(organization.id)
    existing = [
        p
        for p in await deps.store.identity_providers.list(organization.id)
        if p.name == PROVIDER_NAME
    ]
    if existing and existing[0].issuer != issuer:
        await deps.store.identities.move_issuer(organization.id, existing[0].issuer, issuer)
    provider = await configure_provider(
        deps,
        caller,
        ProviderDraft(
            name=PROVIDER_NAME,
            issuer=issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            email_domains=("demo.example",),
            default_seat=FULL,
            link_by_verified_email=True,
        ),
        provider_id=existing[0].id if existing else None,
    )
    await _seed_integration(deps, caller, organization.id)
    return Demo(
        login_url=(
            f"{public_url}/auth/{ORGANIZATION}/login?provider={provider.id}&return_to={LANDING}"
        )
    )
