"""Organization-defined roles beside ADMIN and MEMBER, over GraphQL (issue 16, seed 003)."""

from __future__ import annotations

from typing import Any

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import scim_peer
from tests.integration.test_partner_access import bearer, partner
from tests.integration.test_users import create

ROLE = "role { name builtIn retired } userErrors { field code message }"
CREATE_ROLE = f"mutation($input: CreateRoleInput!) {{ createRole(input: $input) {{ {ROLE} }} }}"
RENAME_ROLE = f"mutation($input: RenameRoleInput!) {{ renameRole(input: $input) {{ {ROLE} }} }}"
RETIRE_ROLE = f"mutation($input: RetireRoleInput!) {{ retireRole(input: $input) {{ {ROLE} }} }}"
ROLES = "{ organization { roles { name builtIn retired } } }"


async def _call(api: Api, client: Any, document: str, root: str, **fields: Any) -> Any:
    body = await api.gql(client, document, {"input": fields})
    assert body.get("errors") is None, body
    return body["data"][root]


async def test_an_organization_role_is_created_assigned_renamed_and_retired(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    unknown = await create(
        api, admin, email="u@acme.example", firstName="U", lastName="U", roles=["OneOffice"]
    )
    assert [e["code"] for e in unknown["userErrors"]] == ["INVALID"]

    made = await _call(api, admin, CREATE_ROLE, "createRole", name="OneOffice")
    assert made["role"] == {"name": "OneOffice", "builtIn": False, "retired": False}
    clash = await _call(api, admin, CREATE_ROLE, "createRole", name="admin")
    assert [e["code"] for e in clash["userErrors"]] == ["NAME_TAKEN"]
    await _call(api, admin, CREATE_ROLE, "createRole", name="OneOffice-legacy")

    user = await create(
        api, admin, email="o@acme.example", firstName="O", lastName="O",
        roles=["MEMBER", "OneOffice"],
    )  # fmt: skip
    assert user["user"]["roles"] == ["MEMBER", "OneOffice"]
    user_id = user["user"]["id"]
    await api.give_password(org_id, user_id, "member password 1")
    member = api.browser()
    await api.sign_in(member, "acme", "o@acme.example", "member password 1")
    me = await api.gql(member, "{ me { roles } }")
    assert me["data"]["me"]["roles"] == ["MEMBER", "OneOffice"]

    # Only admins give roles, even ones that grant no Roster rights.
    other = await create(api, admin, email="p@acme.example", firstName="P", lastName="P")
    by_member = await api.gql(
        member,
        doc.UPDATE_USER,
        {"input": {"userId": other["user"]["id"], "roles": ["MEMBER", "OneOffice"]}},
    )
    assert [e["code"] for e in by_member["data"]["updateUser"]["userErrors"]] == ["FORBIDDEN"]

    renamed = await _call(
        api, admin, RENAME_ROLE, "renameRole", name="OneOffice", newName="OneOffice 2"
    )
    assert renamed["role"]["name"] == "OneOffice 2"
    holder = await api.gql(admin, doc.USER, {"id": user_id})
    assert holder["data"]["user"]["roles"] == ["MEMBER", "OneOffice 2"]

    retired = await _call(api, admin, RETIRE_ROLE, "retireRole", name="OneOffice 2")
    assert retired["role"]["retired"] is True
    late = await create(
        api, admin, email="l@acme.example", firstName="L", lastName="L", roles=["OneOffice 2"]
    )
    assert [e["code"] for e in late["userErrors"]] == ["INVALID"]
    kept = await api.gql(
        admin, doc.UPDATE_USER, {"input": {"userId": user_id, "firstName": "Olga",
                                           "roles": ["MEMBER", "OneOffice 2"]}}
    )  # fmt: skip
    assert kept["data"]["updateUser"]["userErrors"] == []
    listed = (await api.gql(admin, ROLES))["data"]["organization"]["roles"]
    assert [(r["name"], r["builtIn"], r["retired"]) for r in listed] == [
        ("ADMIN", True, False),
        ("MEMBER", True, False),
        ("OneOffice 2", False, True),
        ("OneOffice-legacy", False, False),
    ]
    builtin = await _call(api, admin, RETIRE_ROLE, "retireRole", name="ADMIN")
    assert [e["code"] for e in builtin["userErrors"]] == ["INVALID"]


async def test_an_api_client_may_not_give_an_organization_role(api: Api) -> None:
    admin, _, token = await partner(api, ["users:read", "users:write"])
    await _call(api, admin, CREATE_ROLE, "createRole", name="OneOffice")
    fields = {"firstName": "Pat", "lastName": "Partner", "email": "pat@acme.example"}
    refused = await bearer(
        api, token, doc.CREATE_USER, {"input": {**fields, "roles": ["MEMBER", "OneOffice"]}}
    )
    errors = refused.json()["data"]["createUser"]["userErrors"]
    assert [e["code"] for e in errors] == ["FORBIDDEN"]
    plain = await bearer(api, token, doc.CREATE_USER, {"input": {**fields, "roles": ["MEMBER"]}})
    assert plain.json()["data"]["createUser"]["userErrors"] == []


async def test_scim_reads_a_users_roles(api: Api) -> None:
    peer = await scim_peer(api)
    await _call(api, peer.admin, CREATE_ROLE, "createRole", name="OneOffice")
    made = await create(
        api, peer.admin, email="s@acme.example", firstName="S", lastName="S",
        roles=["MEMBER", "OneOffice"],
    )  # fmt: skip
    read = await peer.get(f"/Users/{made['user']['id']}")
    assert read.status_code == 200
    assert [r["value"] for r in read.json()["roles"]] == ["MEMBER", "OneOffice"]
