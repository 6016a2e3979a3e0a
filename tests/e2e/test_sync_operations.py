"""Operating outbound provisioning (seed 004), through GraphQL against a real scim2-server
app: the cursor, the errors across runs, the app's email rule, adopting its accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from tests.e2e.scim_peers import ScimServer, scim_server
from tests.e2e.sync_graphql import RESET, RETRY, data, directory_integration, run_sync, serving
from tests.integration.conftest import Api
from tests.integration.test_bounded_input import member_of
from tests.integration.test_partner_access import bearer, new_client, token_for

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with serving(settings, fast_hasher) as api:
        yield api


@pytest.fixture(scope="module")
def scim_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    with scim_server(tmp_path_factory.mktemp("scim") / "scim.log") as server:
        yield server


CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
  user { id } userErrors { code message } } }"""
POOL = """mutation($input: ConfigureLicencePoolInput!) { configureLicencePool(input: $input) {
  userErrors { code message } } }"""
ASSIGN = """mutation($input: AssignLicenceInput!) { assignLicence(input: $input) {
  userErrors { code message } } }"""
SYNC_ERRORS = """query($key: String!, $unresolved: Boolean, $first: Int, $after: String) {
  integration(key: $key) { syncErrors(unresolved: $unresolved, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { id code resolvedAt user { email } } } } } }"""


async def _licensed_user(api: Api, admin: httpx.AsyncClient, email: str) -> str:
    created = await data(
        api,
        admin,
        CREATE_USER,
        {"input": {"firstName": "Olga", "lastName": "Smith", "email": email}},
    )
    user_id: str = created["createUser"]["user"]["id"]
    await data(api, admin, ASSIGN, {"input": {"userId": user_id, "productKey": "upvise"}})
    return user_id


async def _errors(api: Api, admin: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    answer = await data(api, admin, SYNC_ERRORS, {"key": "upvise", **variables})
    page: dict[str, Any] = answer["integration"]["syncErrors"]
    return page


async def test_sync_errors_across_runs_newest_first_keeping_their_user(
    api: Api, scim_process: ScimServer
) -> None:
    app = scim_process.tenant()
    first_remote = app.add_person("olga-there", email="olga@acme.example")
    app.add_person("oona-there", email="oona@acme.example")
    admin, _ = await api.admin_of("acme")
    await data(api, admin, POOL, {"input": {"productKey": "upvise", "name": "Upvise", "seats": 9}})
    upvise = await directory_integration(
        api, admin, app.base_url, key="upvise", kind="PROVISIONING", productKey="upvise"
    )
    await _licensed_user(api, admin, "olga@acme.example")
    assert (await run_sync(api, admin, upvise))["failed"] == 1
    await _licensed_user(api, admin, "oona@acme.example")
    assert (await run_sync(api, admin, upvise))["failed"] == 1

    every = await _errors(api, admin)
    assert every["totalCount"] == 2
    emails = [e["node"]["user"]["email"] for e in every["edges"]]
    assert emails == ["oona@acme.example", "olga@acme.example"]  # newest first
    paged = await _errors(api, admin, first=1)
    assert paged["pageInfo"]["hasNextPage"] is True
    rest = await _errors(api, admin, first=1, after=paged["pageInfo"]["endCursor"])
    assert [e["node"]["user"]["email"] for e in rest["edges"]] == ["olga@acme.example"]
    assert rest["pageInfo"]["hasNextPage"] is False

    # Olga's is resolved: it leaves the unresolved list and keeps its user.
    app.delete(first_remote)
    olga_error = every["edges"][1]["node"]["id"]
    retried = await data(api, admin, RETRY, {"input": {"errorId": olga_error}})
    assert retried["retrySyncError"]["syncError"]["resolvedAt"] is not None, retried
    open_ones = await _errors(api, admin, unresolved=True)
    assert [e["node"]["user"]["email"] for e in open_ones["edges"]] == ["oona@acme.example"]
    closed = await _errors(api, admin, unresolved=False)
    assert [e["node"]["user"]["email"] for e in closed["edges"]] == ["olga@acme.example"]
    assert closed["edges"][0]["node"]["resolvedAt"] is not None


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


async def test_an_app_that_requires_an_email_is_not_sent_users_without_one(
    api: Api, scim_process: ScimServer
) -> None:
    app = scim_process.tenant()
    admin, _ = await api.admin_of("acme")
    await data(api, admin, POOL, {"input": {"productKey": "upvise", "name": "Upvise", "seats": 9}})
    upvise = await directory_integration(
        api,
        admin,
        app.base_url,
        key="upvise",
        kind="PROVISIONING",
        productKey="upvise",
        requiresEmail=True,
    )
    created = await data(
        api,
        admin,
        CREATE_USER,
        {
            "input": {
                "firstName": "Nomail",
                "lastName": "Smith",
                "phone": "+14155550123",
                "username": "nomail",
            }
        },
    )
    assert created["createUser"]["userErrors"] == [], created
    nomail = created["createUser"]["user"]["id"]
    await data(api, admin, ASSIGN, {"input": {"userId": nomail, "productKey": "upvise"}})
    await _licensed_user(api, admin, "olga@acme.example")

    run = await run_sync(api, admin, upvise)
    assert (run["created"], run["failed"]) == (1, 1), run
    error = run["errors"]["edges"][0]["node"]
    assert (error["code"], error["user"]["id"]) == ("MISSING_EMAIL", nomail)
    assert [u["userName"] for u in app.users()] == ["olga@acme.example"]
    # Only a REMOTE_EMAIL_EXISTS error names an account of the app to adopt.
    refused = await data(api, admin, ADOPT, {"input": {"errorId": error["id"]}})
    problems = refused["adoptRemoteAccount"]["userErrors"]
    assert [(e["code"], e["field"]) for e in problems] == [("INVALID", ["input", "errorId"])]


ADOPT = """mutation($input: AdoptRemoteAccountInput!) { adoptRemoteAccount(input: $input) {
  syncError { id code resolvedAt remoteId } userErrors { code message field } } }"""
UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  userErrors { code message } } }"""
ORG_ID = "{ organization { id } }"
AUDIT = """query($targetId: ID) { auditEvents(targetId: $targetId) {
  edges { node { action changes { field after } } } } }"""


async def test_an_admin_adopts_the_apps_existing_account(
    api: Api, scim_process: ScimServer
) -> None:
    app = scim_process.tenant()
    # One account of the app that both Olga (by userName) and Oona (by email) run into.
    remote = app.add_person("olga@acme.example", email="oona@acme.example", first="O.")
    admin, _ = await api.admin_of("acme")
    await data(api, admin, POOL, {"input": {"productKey": "upvise", "name": "Upvise", "seats": 9}})
    upvise = await directory_integration(
        api, admin, app.base_url, key="upvise", kind="PROVISIONING", productKey="upvise"
    )
    olga = await _licensed_user(api, admin, "olga@acme.example")
    await _licensed_user(api, admin, "oona@acme.example")
    assert (await run_sync(api, admin, upvise))["failed"] == 2
    errors = {e["node"]["user"]["email"]: e["node"] for e in (await _errors(api, admin))["edges"]}
    assert {e["code"] for e in errors.values()} == {"REMOTE_EMAIL_EXISTS"}

    # Adopting gives a user an account of another system: admins only, not a member, not a
    # partner token that may run syncs; their attempts change nothing.
    olgas_error = {"input": {"errorId": errors["olga@acme.example"]["id"]}}
    member = await member_of(api, admin, (await data(api, admin, ORG_ID, {}))["organization"]["id"])
    refused = (await api.gql(member, ADOPT, olgas_error))["data"]["adoptRemoteAccount"]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    partner = await new_client(api, admin, ["sync:run", "users:write"])
    token = (
        await token_for(api.browser(), partner["apiClient"]["clientId"], partner["clientSecret"])
    ).json()
    by_token = (await bearer(api, token["access_token"], ADOPT, olgas_error)).json()
    assert [e["code"] for e in by_token["data"]["adoptRemoteAccount"]["userErrors"]] == [
        "FORBIDDEN"
    ]
    assert (await _errors(api, admin))["edges"][0]["node"]["resolvedAt"] is None
    assert [u["id"] for u in app.users()] == [remote]

    adopted = (await data(api, admin, ADOPT, olgas_error))["adoptRemoteAccount"]
    assert adopted["userErrors"] == [], adopted
    assert adopted["syncError"]["resolvedAt"] is not None
    assert adopted["syncError"]["remoteId"] == remote
    # Pushed at once: the app's account now has Roster's values, and no second account.
    there = app.get(remote)
    assert (there["name"]["givenName"], there["name"]["familyName"]) == ("Olga", "Smith")
    assert [u["id"] for u in app.users()] == [remote]
    trail = await data(api, admin, AUDIT, {"targetId": olga})
    adoptions = [
        e["node"]["changes"]
        for e in trail["auditEvents"]["edges"]
        if e["node"]["action"] == "user.remote_account_adopted"
    ]
    assert adoptions == [[{"field": "remoteId", "after": f'"{remote}"'}]], trail
    again = await data(api, admin, ADOPT, {"input": {"errorId": errors["olga@acme.example"]["id"]}})
    assert again["adoptRemoteAccount"]["userErrors"] == [], again

    # The account is Olga's now: Oona cannot adopt it too.
    taken = await data(api, admin, ADOPT, {"input": {"errorId": errors["oona@acme.example"]["id"]}})
    assert [e["code"] for e in taken["adoptRemoteAccount"]["userErrors"]] == ["ALREADY_LINKED"]
    assert taken["adoptRemoteAccount"]["syncError"] is None
    still_open = await _errors(api, admin, unresolved=True)
    assert [e["node"]["user"]["email"] for e in still_open["edges"]] == ["oona@acme.example"]

    # Later changes to Olga go to the adopted account, never to a second one.
    renamed = await data(
        api, admin, UPDATE_USER, {"input": {"userId": olga, "firstName": "Olgica"}}
    )
    assert renamed["updateUser"]["userErrors"] == [], renamed
    later = await run_sync(api, admin, upvise)
    assert (later["created"], later["updated"]) == (0, 1), later
    assert app.get(remote)["name"]["givenName"] == "Olgica"
    assert [u["id"] for u in app.users()] == [remote]
