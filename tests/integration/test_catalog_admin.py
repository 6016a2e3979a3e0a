"""Roles and the catalog managed over GraphQL (issue 16, seeds 002 and 003)."""

from __future__ import annotations

from typing import Any

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import scim_peer, user_body
from tests.integration.test_users import create, organization


async def test_seat_limit_cannot_go_below_the_full_seats_in_use(api: Api) -> None:
    admin, _ = await api.admin_of("acme")  # the admin holds one full seat
    made = await create(
        api, admin, email="a@acme.example", firstName="A", lastName="A", seat="FULL"
    )
    assert made["userErrors"] == []
    below = await api.gql(admin, doc.ORG_SETTINGS, {"input": {"seatLimit": 1}})
    errors = below["data"]["updateOrganizationSettings"]["userErrors"]
    assert [e["code"] for e in errors] == ["SEATS_IN_USE"]
    assert "2" in errors[0]["message"]
    assert (await organization(api, admin))["settings"]["seatLimit"] is None
    at_use = await api.gql(admin, doc.ORG_SETTINGS, {"input": {"seatLimit": 2}})
    assert at_use["data"]["updateOrganizationSettings"]["userErrors"] == []
    assert (await organization(api, admin))["seats"]["limit"] == 2


ENTRY = "entry { id catalog name retired } userErrors { field code message }"
CREATE = f"""mutation($input: CreateCatalogEntryInput!) {{
  createCatalogEntry(input: $input) {{ {ENTRY} }} }}"""
RENAME = f"""mutation($input: RenameCatalogEntryInput!) {{
  renameCatalogEntry(input: $input) {{ {ENTRY} }} }}"""
RETIRE = f"""mutation($input: RetireCatalogEntryInput!) {{
  retireCatalogEntry(input: $input) {{ {ENTRY} }} }}"""


async def _entry(api: Api, client: Any, document: str, root: str, **fields: Any) -> Any:
    body = await api.gql(client, document, {"input": fields})
    assert body.get("errors") is None, body
    return body["data"][root]


async def test_departments_are_created_renamed_and_retired_with_their_users_moved(
    api: Api,
) -> None:
    admin, _ = await api.admin_of("acme")
    ops = (
        await _entry(api, admin, CREATE, "createCatalogEntry", catalog="DEPARTMENT", name="Ops")
    )["entry"]
    assert ops["name"] == "Ops" and ops["retired"] is False
    taken = await _entry(
        api, admin, CREATE, "createCatalogEntry", catalog="DEPARTMENT", name=" ops "
    )
    assert [e["code"] for e in taken["userErrors"]] == ["NAME_TAKEN"]
    renamed = await _entry(
        api, admin, RENAME, "renameCatalogEntry", catalog="DEPARTMENT", id=ops["id"], name="Ops EU"
    )
    assert renamed["entry"]["name"] == "Ops EU"
    user = await create(
        api, admin, email="o@acme.example", firstName="O", lastName="O", departmentId=ops["id"]
    )
    assert user["user"]["department"]["name"] == "Ops EU"

    refused = await _entry(
        api, admin, RETIRE, "retireCatalogEntry", catalog="DEPARTMENT", id=ops["id"]
    )
    assert [e["code"] for e in refused["userErrors"]] == ["IN_USE"]
    assert refused["userErrors"][0]["message"].startswith("1 users")

    target = (
        await _entry(
            api, admin, CREATE, "createCatalogEntry", catalog="DEPARTMENT", name="Ops Global"
        )
    )["entry"]
    retired = await _entry(
        api, admin, RETIRE, "retireCatalogEntry",
        catalog="DEPARTMENT", id=ops["id"], replacementId=target["id"],
    )  # fmt: skip
    assert retired["userErrors"] == [] and retired["entry"]["retired"] is True
    moved = await api.gql(admin, doc.USER, {"id": user["user"]["id"]})
    assert moved["data"]["user"]["department"]["id"] == target["id"]
    audit = await api.gql(admin, doc.AUDIT, {"targetId": user["user"]["id"]})
    actions = [e["node"]["action"] for e in audit["data"]["auditEvents"]["edges"]]
    assert "user.updated" in actions

    # Retired: still listed and readable, but no new user may have it.
    listed = {d["id"]: d for d in (await organization(api, admin))["departments"]}
    assert ops["id"] in listed
    late = await create(
        api, admin, email="l@acme.example", firstName="L", lastName="L", departmentId=ops["id"]
    )
    assert [e["code"] for e in late["userErrors"]] == ["RETIRED"]


async def test_catalog_is_admin_only_and_the_own_company_is_kept(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    made = await create(
        api, admin, email="m@acme.example", firstName="M", lastName="M", roles=["MEMBER"]
    )
    await api.give_password(org_id, made["user"]["id"], "member password 1")
    member = api.browser()
    await api.sign_in(member, "acme", "m@acme.example", "member password 1")
    forbidden = await _entry(
        api, member, CREATE, "createCatalogEntry", catalog="JOB_PROFILE", name="Clerk"
    )
    assert [e["code"] for e in forbidden["userErrors"]] == ["FORBIDDEN"]
    own = [c for c in (await organization(api, admin))["companies"] if c["kind"] == "OWN"]
    kept = await _entry(
        api, admin, RETIRE, "retireCatalogEntry", catalog="COMPANY", id=own[0]["id"]
    )
    assert [e["code"] for e in kept["userErrors"]] == ["INVALID"]
    partner = await _entry(
        api, admin, CREATE, "createCatalogEntry", catalog="COMPANY", name="Globex"
    )
    gone = await _entry(
        api, admin, RETIRE, "retireCatalogEntry", catalog="COMPANY", id=partner["entry"]["id"]
    )
    assert gone["userErrors"] == [] and gone["entry"]["retired"] is True


COMPANIES = """{ organization { companies { id name
  sync { integrationKey integrationId integrationName lastSyncedAt } } } }"""


async def test_a_directory_company_is_the_directorys(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    # What an inbound run does when the directory names a company the organization lacks.
    created = await api.deps.store.directory.insert_companies(
        org_id, ["Initech"], "hr-directory", api.deps.clock()
    )
    initech = created["Initech"]
    partner = await _entry(
        api, admin, CREATE, "createCatalogEntry", catalog="COMPANY", name="Globex"
    )
    listed = await api.gql(admin, COMPANIES)
    sync = {c["name"]: c["sync"] for c in listed["data"]["organization"]["companies"]}
    assert sync["Initech"] == {
        "integrationKey": "hr-directory",
        "integrationId": None,
        "integrationName": None,
        "lastSyncedAt": None,
    }
    assert sync["Globex"] is None

    manual = await create(
        api, admin, email="i@acme.example", firstName="I", lastName="I", companyId=initech
    )
    assert [e["code"] for e in manual["userErrors"]] == ["MANAGED_EXTERNALLY"]
    assert "hr-directory" in manual["userErrors"][0]["message"]
    ok = await create(
        api, admin, email="g@acme.example", firstName="G", lastName="G",
        companyId=partner["entry"]["id"],
    )  # fmt: skip
    assert ok["userErrors"] == []
    moved = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": ok["user"]["id"], "companyId": initech}}
    )
    codes = [e["code"] for e in moved["data"]["updateUser"]["userErrors"]]
    assert codes == ["MANAGED_EXTERNALLY"]


REQUIRE = """mutation($input: OrganizationSettingsInput!) {
  updateOrganizationSettings(input: $input) {
  organization { settings { requiredFields } } userErrors { field code message } } }"""


async def test_required_fields_are_supplied_or_defaulted_or_refused(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    set_ = await api.gql(
        admin, REQUIRE, {"input": {"requiredFields": ["DEPARTMENT", "LANGUAGE", "JOB_PROFILE"]}}
    )
    payload = set_["data"]["updateOrganizationSettings"]
    assert payload["userErrors"] == []
    assert payload["organization"]["settings"]["requiredFields"] == [
        "DEPARTMENT", "JOB_PROFILE", "LANGUAGE",
    ]  # fmt: skip
    org = await organization(api, admin)
    department, job = org["departments"][0]["id"], org["jobProfiles"][0]["id"]
    missing = await create(api, admin, email="r@acme.example", firstName="R", lastName="R")
    codes = sorted(e["code"] for e in missing["userErrors"])
    assert codes == ["MISSING_DEFAULT_DEPARTMENT", "MISSING_DEFAULT_JOB_PROFILE"]
    assert missing["user"] is None
    users = await api.gql(admin, doc.USERS, {"search": "r@acme"})
    assert users["data"]["users"]["totalCount"] == 0
    # The language comes from the organization's default; the rest from the request.
    made = await create(
        api, admin, email="r@acme.example", firstName="R", lastName="R",
        departmentId=department, jobProfileId=job,
    )  # fmt: skip
    assert made["userErrors"] == [] and made["user"]["language"] == "en"


DEFAULTS = """mutation($input: OrganizationSettingsInput!) {
  updateOrganizationSettings(input: $input) {
  organization { settings { defaultDepartmentId defaultJobProfileId defaultPermissionTypeId } }
  userErrors { field code message } } }"""
USER_REFERENCES = """query($id: ID!) { user(id: $id) {
  department { id } jobProfile { id } permissionType { id } } }"""


async def test_the_organizations_defaults_complete_what_a_source_leaves_out(api: Api) -> None:
    """Required fields a source does not supply are taken from the organization's defaults
    (createUser and SCIM here); a default must be the organization's own."""
    peer = await scim_peer(api)
    admin = peer.admin
    org = await organization(api, admin)
    department, job = org["departments"][0]["id"], org["jobProfiles"][0]["id"]
    required = await api.gql(
        admin, REQUIRE, {"input": {"requiredFields": ["DEPARTMENT", "JOB_PROFILE"]}}
    )
    assert required["data"]["updateOrganizationSettings"]["userErrors"] == []

    wrong = await api.gql(admin, DEFAULTS, {"input": {"defaultDepartmentId": "f" * 24}})
    [error] = wrong["data"]["updateOrganizationSettings"]["userErrors"]
    assert (error["code"], error["field"]) == ("NOT_FOUND", ["input", "defaultDepartmentId"])

    set_ = await api.gql(
        admin, DEFAULTS, {"input": {"defaultDepartmentId": department, "defaultJobProfileId": job}}
    )
    payload = set_["data"]["updateOrganizationSettings"]
    assert payload["userErrors"] == []
    assert payload["organization"]["settings"] == {
        "defaultDepartmentId": department,
        "defaultJobProfileId": job,
        "defaultPermissionTypeId": None,
    }

    made = await create(api, admin, email="d@acme.example", firstName="D", lastName="D")
    assert made["userErrors"] == [], made
    scim = await peer.post("/Users", user_body("s@acme.example", email="s@acme.example"))
    assert scim.status_code == 201, scim.text
    for user_id in (made["user"]["id"], scim.json()["id"]):
        found = (await api.gql(admin, USER_REFERENCES, {"id": user_id}))["data"]["user"]
        assert found == {
            "department": {"id": department},
            "jobProfile": {"id": job},
            "permissionType": None,
        }

    cleared = await api.gql(admin, DEFAULTS, {"input": {"defaultJobProfileId": None}})
    assert cleared["data"]["updateOrganizationSettings"]["userErrors"] == []
    refused = await create(api, admin, email="e@acme.example", firstName="E", lastName="E")
    assert [e["code"] for e in refused["userErrors"]] == ["MISSING_DEFAULT_JOB_PROFILE"]
