"""A burst over a partner client's limit: exactly the limit is served, the rest get 429."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

import pytest

from config.settings import Settings
from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.test_partner_access import bearer, partner


@pytest.fixture
def settings(mongodb_uri: str) -> Settings:
    return replace(
        Settings(),
        mongodb_uri=mongodb_uri,
        database_name=f"t_{uuid.uuid4().hex[:16]}",
        rate_limit_per_client=5,
        rate_limit_per_organization=7,
        rate_limit_window_seconds=3600,
    )


async def test_a_burst_over_the_client_limit_gets_429(api: Api) -> None:
    _, _, token = await partner(api, ["users:read"])
    responses = await asyncio.gather(*(bearer(api, token, doc.USERS) for _ in range(9)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 5 and statuses.count(429) == 4
    limited = next(r for r in responses if r.status_code == 429)
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert "client" in limited.json()["errors"][0]["message"]


async def test_the_organization_limit_spans_its_clients(api: Api) -> None:
    admin, _, first = await partner(api, ["users:read"])
    from tests.integration.test_partner_access import new_client, token_for

    second_client = await new_client(api, admin, ["users:read"], name="Telephony")
    second = (
        await token_for(
            api.browser(), second_client["apiClient"]["clientId"], second_client["clientSecret"]
        )
    ).json()["access_token"]
    statuses = [(await bearer(api, t, doc.USERS)).status_code for t in [first] * 4 + [second] * 4]
    assert statuses.count(200) == 7 and statuses[-1] == 429
    # People using the SPA are not counted against partner limits.
    assert (await api.gql(admin, doc.USERS, {})).get("errors") is None


async def test_repeated_failed_client_logins_are_slowed_down(api: Api) -> None:
    from tests.integration.test_partner_access import new_client, token_for

    admin, _ = await api.admin_of("acme")
    created = await new_client(api, admin, ["users:read"])
    client_id = created["apiClient"]["clientId"]
    limit = api.deps.limits.login_failures_per_address
    attacker = api.browser(address="198.51.100.9")
    statuses = [
        (await token_for(attacker, client_id, "guess")).status_code for _ in range(limit + 2)
    ]
    assert statuses[:limit] == [401] * limit and statuses[limit:] == [429, 429]
    # The right secret still works, and other addresses are not affected.
    assert (await token_for(attacker, client_id, created["clientSecret"])).status_code == 200
    assert (await token_for(api.browser(), client_id, "guess")).status_code == 401
