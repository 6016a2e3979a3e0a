"""Operating outbound provisioning (seed 004), through GraphQL against a real scim2-server
app: the cursor, the errors across runs, the app's email rule, adopting its accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.e2e.sync_graphql import RESET, data, directory_integration, serving
from tests.integration.conftest import Api

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with serving(settings, fast_hasher) as api:
        yield api


async def test_the_cursor_cannot_be_moved_into_the_future(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    integration_id = await directory_integration(api, admin, "http://127.0.0.1:9/v2")

    future = await data(
        api,
        admin,
        RESET,
        {"input": {"integrationId": integration_id, "to": "2030-01-01T00:00:00Z"}},
    )
    errors = future["resetSyncCursor"]["userErrors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", ["input", "to"])], future
    assert future["resetSyncCursor"]["integration"] is None
    naive = await data(
        api, admin, RESET, {"input": {"integrationId": integration_id, "to": "2030-01-01T00:00:00"}}
    )
    assert [e["code"] for e in naive["resetSyncCursor"]["userErrors"]] == ["INVALID"], naive

    # A little ahead of Roster's clock (a peer's clock skew) is still taken.
    soon = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    taken = await data(api, admin, RESET, {"input": {"integrationId": integration_id, "to": soon}})
    assert taken["resetSyncCursor"]["userErrors"] == [], taken
    back = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    taken = await data(api, admin, RESET, {"input": {"integrationId": integration_id, "to": back}})
    assert taken["resetSyncCursor"]["userErrors"] == [], taken
