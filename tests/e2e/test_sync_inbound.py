"""Directory sync end to end: a real scim2-server as the directory, Roster over GraphQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from config.settings import Settings
from provisioning.access.passwords import PasswordHasher
from provisioning.admins import create_admin
from store.users import UserFilter
from tests.e2e.scim_peers import ScimServer, scim_server
from tests.e2e.sync_graphql import (
    CONFIRM,
    INTEGRATION,
    RESET,
    RETRY,
    SYNC_COMPANY,
    data,
    directory_integration,
    error_codes,
    run_sync,
    serving,
    users_by_email,
)
from tests.integration.conftest import ADMIN_PASSWORD, Api
from tests.integration.test_partner_access import bearer, new_client, partner, token_for

pytestmark = pytest.mark.e2e

UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) {
  user { id firstName } userErrors { code message field } } }"""
PHONES = """query { users(first: 100) { edges { node { email phone department { id name } } } } }"""
SYNC_SETTINGS = """query($key: String!) { integration(key: $key) {
  syncSettings { syncPhone departmentAttribute companyAttribute } } }"""
COMPANIES = """query { organization { companies {
  name sync { integrationKey integrationName lastSyncedAt } } } }"""
DEPARTMENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"


@pytest.fixture
async def api(settings: Settings, fast_hasher: PasswordHasher) -> AsyncIterator[Api]:
    async with serving(settings, fast_hasher) as api:
        yield api


@pytest.fixture(scope="module")
def scim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    with scim_server(tmp_path_factory.mktemp("scim") / "scim.log") as server:
        yield server


async def test_sync_creates_reports_refuses_puts_back_disables_and_reapplies(
    api: Api, scim: ScimServer
) -> None:
    directory = scim.tenant()
    alice = directory.add_person("alice", email="alice@bidder.example", first="Alice")
    bob = directory.add_person("bob", email="bob@bidder.example", company="Bidder Ltd")
    directory.add_person("nomail")
    nocompany = directory.add_person("nc", email="nc@bidder.example", company=None)
    directory.add_person("taken", email="admin@acme.example")
    admin, org_id = await api.admin_of("acme")
    integration_id = await directory_integration(
        api, admin, directory.base_url, disableThreshold=0.5
    )

    dry = await run_sync(api, admin, integration_id, dry_run=True)
    assert (dry["status"], dry["dryRun"], dry["created"]) == ("SUCCEEDED", True, 2)
    assert len(await users_by_email(api, admin)) == 1  # the admin only: nothing applied

    first = await run_sync(api, admin, integration_id)
    assert first["status"] == "SUCCEEDED", first
    assert (first["read"], first["created"], first["failed"]) == (5, 2, 3)
    assert error_codes(first) == ["EMAIL_TAKEN", "MISSING_COMPANY", "MISSING_EMAIL"]
    taken = next(e["node"] for e in first["errors"]["edges"] if e["node"]["code"] == "EMAIL_TAKEN")
    assert taken["user"]["email"] == "admin@acme.example"
    assert '"userName": "taken"' in taken["record"]
    users = await users_by_email(api, admin)
    assert users["alice@bidder.example"]["managedBy"] == "connex"
    assert users["alice@bidder.example"]["source"] == "DIRECTORY"
    assert users["bob@bidder.example"]["company"]["name"] == "Bidder Ltd"
    integration = await data(api, admin, INTEGRATION, {"key": "connex"})
    assert integration["integration"]["cursor"] == first["cursorTo"] is not None
    # The Sync list: the companies the directory manages say so, and how far it read.
    companies = {
        c["name"]: c["sync"]
        for c in (await data(api, admin, COMPANIES, {}))["organization"]["companies"]
    }
    assert companies["Bidder Ltd"] == {
        "integrationKey": "connex",
        "integrationName": "ConneX",
        "lastSyncedAt": first["cursorTo"],
    }

    # A directory-owned field is the directory's: an edit here is refused, naming it.
    alice_id = users["alice@bidder.example"]["id"]
    refused = await data(
        api, admin, UPDATE_USER, {"input": {"userId": alice_id, "firstName": "Alicia"}}
    )
    problem = refused["updateUser"]["userErrors"][0]
    assert problem["code"] == "MANAGED_EXTERNALLY" and "ConneX" in problem["message"]
    assert problem["field"] == ["input", "firstName"]

    # Changed behind its back: put back by the next run that reads the person.
    assert await api.deps.store.users.update(org_id, alice_id, {"last_name": "Hacked"})
    directory.patch(alice, "name.givenName", "Alicia")
    directory.patch(bob, "active", False)
    second = await run_sync(api, admin, integration_id)
    assert (second["status"], second["updated"], second["disabled"]) == ("SUCCEEDED", 1, 1)
    assert second["cursorFrom"] == first["cursorTo"]
    users = await users_by_email(api, admin)
    assert users["alice@bidder.example"]["firstName"] == "Alicia"
    assert users["alice@bidder.example"]["lastName"] == "Doe"
    assert users["bob@bidder.example"]["status"] == "DISABLED"

    # Nothing changed at the source: a run changes nothing (it re-reads at most the
    # records of the cursor's millisecond, as the cursor is kept to the millisecond).
    quiet = await run_sync(api, admin, integration_id)
    assert quiet["read"] <= 1
    assert (quiet["created"], quiet["updated"], quiet["failed"]) == (0, 0, 0)

    # Moving the cursor back re-applies: the hacked name is put back.
    assert await api.deps.store.users.update(org_id, alice_id, {"last_name": "Hacked"})
    reset = await data(
        api, admin, RESET, {"input": {"integrationId": integration_id, "to": first["cursorFrom"]}}
    )
    assert reset["resetSyncCursor"]["integration"]["cursor"] is None
    again = await run_sync(api, admin, integration_id)
    assert again["read"] == 5 and again["updated"] == 1
    users = await users_by_email(api, admin)
    assert users["alice@bidder.example"]["lastName"] == "Doe"

    # One failed record, fixed at the source, is retried alone.
    missing = next(
        e["node"] for e in again["errors"]["edges"] if e["node"]["code"] == "MISSING_COMPANY"
    )
    assert missing["externalId"] == nocompany
    directory.patch(
        nocompany,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
        "Bidder Ltd",
    )
    retried = await data(api, admin, RETRY, {"input": {"errorId": missing["id"]}})
    assert retried["retrySyncError"]["syncError"]["resolvedAt"] is not None, retried
    users = await users_by_email(api, admin)
    assert users["nc@bidder.example"]["company"] == users["bob@bidder.example"]["company"]

    # One company re-synced on demand.
    company_id = users["alice@bidder.example"]["company"]["id"]
    assert await api.deps.store.users.update(org_id, alice_id, {"first_name": "Changed"})
    one = await data(api, admin, SYNC_COMPANY, {"input": {"companyId": company_id}})
    run = one["syncCompany"]["syncRun"]
    # Acme Partners: Alice, and the two people whose records still fail.
    counts = (run["status"], run["trigger"], run["read"], run["updated"], run["failed"])
    assert counts == ("SUCCEEDED", "company", 3, 1, 2), one
    users = await users_by_email(api, admin)
    assert users["alice@bidder.example"]["firstName"] == "Alicia"

    # Active at the source again: the user the directory disabled is enabled again.
    directory.patch(bob, "active", True)
    back = await run_sync(api, admin, integration_id)
    assert back["updated"] == 1, back
    users = await users_by_email(api, admin)
    assert users["bob@bidder.example"]["status"] == "PENDING"


async def test_phone_and_department_come_from_the_directory_and_are_its_own(
    api: Api, scim: ScimServer
) -> None:
    directory = scim.tenant()
    alice = directory.add_person(
        "alice",
        email="alice@bidder.example",
        department="sales",
        phones=[{"value": "+44 20 7946 0958", "type": "work"}],
    )
    bad = directory.add_person(
        "bad", email="bad@bidder.example", phones=[{"value": "12345", "primary": True}]
    )
    admin, _ = await api.admin_of("acme")
    integration_id = await directory_integration(
        api, admin, directory.base_url, syncPhone=True, departmentAttribute=DEPARTMENT
    )
    settings = await data(api, admin, SYNC_SETTINGS, {"key": "connex"})
    assert settings["integration"]["syncSettings"] == {
        "syncPhone": True,
        "departmentAttribute": DEPARTMENT,
        "companyAttribute": None,
    }

    first = await run_sync(api, admin, integration_id)
    assert (first["created"], first["failed"]) == (1, 1), first
    (error,) = [e["node"] for e in first["errors"]["edges"]]
    assert (error["code"], error["externalId"]) == ("PHONE_INVALID", bad)
    users = {
        e["node"]["email"]: e["node"]
        for e in (await data(api, admin, PHONES, {}))["users"]["edges"]
    }
    assert "bad@bidder.example" not in users
    assert users["alice@bidder.example"]["phone"] == "+442079460958"
    assert users["alice@bidder.example"]["department"]["name"] == "Sales"  # the org's own

    alice_id = (await users_by_email(api, admin))["alice@bidder.example"]["id"]
    refused = await data(
        api,
        admin,
        UPDATE_USER,
        {"input": {"userId": alice_id, "phone": "+44 20 7946 0000", "departmentId": None}},
    )
    problems = refused["updateUser"]["userErrors"]
    assert {(p["code"], tuple(p["field"])) for p in problems} == {
        ("MANAGED_EXTERNALLY", ("input", "phone")),
        ("MANAGED_EXTERNALLY", ("input", "departmentId")),
    }

    directory.patch(alice, DEPARTMENT, "Field Ops")
    directory.patch(bad, "phoneNumbers", [{"value": "+1 201 555 0123", "primary": True}])
    second = await run_sync(api, admin, integration_id)
    assert (second["created"], second["updated"], second["failed"]) == (1, 1, 0), second
    users = {
        e["node"]["email"]: e["node"]
        for e in (await data(api, admin, PHONES, {}))["users"]["edges"]
    }
    assert users["alice@bidder.example"]["department"]["name"] == "Field Ops"  # created
    assert users["bad@bidder.example"]["phone"] == "+12015550123"


async def test_mass_disable_waits_for_an_admin(api: Api, scim: ScimServer) -> None:
    directory = scim.tenant()
    people = [directory.add_person(f"p{i}", email=f"p{i}@bidder.example") for i in range(5)]
    admin, org_id = await api.admin_of("acme")
    integration_id = await directory_integration(api, admin, directory.base_url)
    assert (await run_sync(api, admin, integration_id))["created"] == 5

    directory.patch(people[0], "active", False)  # 1 of 5: within the 20% default
    assert (await run_sync(api, admin, integration_id))["disabled"] == 1
    for person in people[1:3]:  # 2 of the 4 left: 50%
        directory.delete(person)
    directory.patch(people[3], "active", False)
    await data(
        api, admin, RESET, {"input": {"integrationId": integration_id, "to": None}}
    )  # a full run: the deleted ones are "gone at the source"
    held = await run_sync(api, admin, integration_id)
    assert held["status"] == "AWAITING_CONFIRMATION", held
    assert held["disabled"] == 3 and "3 of the 4" in held["message"]
    active = await api.deps.store.users.count(org_id, UserFilter(status="PENDING"))
    assert active == 4  # nothing applied
    integration = await data(api, admin, INTEGRATION, {"key": "connex"})
    assert integration["integration"]["cursor"] is None

    confirmed = await data(api, admin, CONFIRM, {"input": {"runId": held["id"]}})
    run = confirmed["confirmSyncRun"]["syncRun"]
    assert (run["id"], run["status"], run["disabled"]) == (held["id"], "SUCCEEDED", 3), confirmed
    assert await api.deps.store.users.count(org_id, UserFilter(status="PENDING")) == 1
    twice = await data(api, admin, CONFIRM, {"input": {"runId": held["id"]}})
    assert twice["confirmSyncRun"]["userErrors"][0]["code"] == "INVALID"


async def test_sync_needs_the_sync_scope_and_an_admin_to_configure(
    api: Api, scim: ScimServer
) -> None:
    directory = scim.tenant()
    admin, _ = await api.admin_of("acme")
    integration_id = await directory_integration(api, admin, directory.base_url)
    await create_admin(api.deps, "other", "admin@other.example", ADMIN_PASSWORD, "O", "A")
    outsider = api.browser()
    await api.sign_in(outsider, "other", "admin@other.example", ADMIN_PASSWORD)
    answer = await api.gql(
        outsider,
        "mutation($i: RunSyncInput!) { runSync(input: $i) { userErrors { code } } }",
        {"i": {"integrationId": integration_id}},
    )
    assert answer["data"]["runSync"]["userErrors"][0]["code"] == "NOT_FOUND"
    bad = await api.gql(
        admin,
        """mutation($i: ConfigureSyncInput!) { configureSync(input: $i) {
             userErrors { code field } } }""",
        {"i": {"integrationId": integration_id, "baseUrl": "ftp://nope", "disableThreshold": 2}},
    )
    codes = {tuple(e["field"]): e["code"] for e in bad["data"]["configureSync"]["userErrors"]}
    assert codes == {("input", "baseUrl"): "INVALID", ("input", "disableThreshold"): "INVALID"}


async def test_a_partner_tool_runs_a_sync_with_the_sync_scope_only(
    api: Api, scim: ScimServer
) -> None:
    directory = scim.tenant()
    directory.add_person("p1", email="p1@bidder.example")
    admin, _, token = await partner(api, ["sync:run"])
    integration_id = await directory_integration(api, admin, directory.base_url)
    mutation = """mutation($i: RunSyncInput!) { runSync(input: $i) {
      syncRun { status created } userErrors { code message } } }"""
    answer = await bearer(api, token, mutation, {"i": {"integrationId": integration_id}})
    assert answer.json()["data"]["runSync"]["syncRun"] == {"status": "SUCCEEDED", "created": 1}

    reader = await new_client(api, admin, ["users:read"], name="Reader")
    response = await token_for(
        api.browser(), reader["apiClient"]["clientId"], reader["clientSecret"]
    )
    refused = await bearer(
        api, response.json()["access_token"], mutation, {"i": {"integrationId": integration_id}}
    )
    problem = refused.json()["data"]["runSync"]["userErrors"][0]
    assert problem["code"] == "FORBIDDEN" and "sync:run" in problem["message"]


REQUIRE = """mutation($input: OrganizationSettingsInput!) {
  updateOrganizationSettings(input: $input) { userErrors { field code message } } }"""


async def test_a_field_the_organization_requires_and_the_directory_lacks_is_a_sync_error(
    api: Api, scim: ScimServer
) -> None:
    """Required fields hold for the directory too: a person it cannot give a job profile
    (the directory maps none, the organization has no default) is MISSING_DEFAULT_JOB_PROFILE,
    never a half-made user; once the requirement goes, the same person is created."""
    directory = scim.tenant()
    person = directory.add_person("carol", email="carol@bidder.example")
    admin, _ = await api.admin_of("acme")
    required = await data(api, admin, REQUIRE, {"input": {"requiredFields": ["JOB_PROFILE"]}})
    assert required["updateOrganizationSettings"]["userErrors"] == []
    integration_id = await directory_integration(api, admin, directory.base_url)

    first = await run_sync(api, admin, integration_id)
    assert (first["created"], first["failed"]) == (0, 1), first
    (error,) = [e["node"] for e in first["errors"]["edges"]]
    assert (error["code"], error["externalId"]) == ("MISSING_DEFAULT_JOB_PROFILE", person)
    assert "carol@bidder.example" not in await users_by_email(api, admin)

    relaxed = await data(api, admin, REQUIRE, {"input": {"requiredFields": []}})
    assert relaxed["updateOrganizationSettings"]["userErrors"] == []
    second = await run_sync(api, admin, integration_id)
    assert second["created"] == 1, second
    assert "carol@bidder.example" in await users_by_email(api, admin)
