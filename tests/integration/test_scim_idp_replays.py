"""The request sequences Okta and Microsoft Entra ID send when they provision, update,
deactivate and reactivate a user, replayed against /scim/v2.

The bodies follow the vendors' documented shapes: Okta's SCIM 2.0 reference (its
"Create the user", "Update a specific user (PUT)" and "Update a specific user (PATCH)"
requests) and Microsoft's "Develop and plan provisioning for a SCIM endpoint" (its
request/response examples, including capitalised op names, value paths like
emails[type eq "work"].value, "active" as the string "False", and member removal with a
value).
"""

from __future__ import annotations

from typing import Any

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import ENTERPRISE, PATCH_SCHEMA, USER_SCHEMA, scim_peer

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
STATUS = "query($id: ID!) { user(id: $id) { status source email lastName department { name } } }"


async def graphql_user(api: Api, admin: Any, user_id: str) -> dict[str, Any]:
    body = await api.gql(admin, STATUS, {"id": user_id})
    user: dict[str, Any] = body["data"]["user"]
    return user


async def test_okta_provision_update_deactivate_reactivate(api: Api) -> None:
    peer = await scim_peer(api)
    # Okta's example uses okta.local; a .local address is refused as an email, as everywhere.
    user_name = "test.user@okta.example"

    # Okta first looks the user up by userName.
    lookup = await peer.get("/Users", filter=f'userName eq "{user_name}"', startIndex=1, count=100)
    assert lookup.status_code == 200
    assert lookup.json()["totalResults"] == 0 and lookup.json()["Resources"] == []

    created = await peer.post(
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": user_name,
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": True, "value": user_name, "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq",
            "active": True,
        },
    )
    assert created.status_code == 201, created.text
    user = created.json()
    user_id = user["id"]
    assert "password" not in user and user["active"] is True
    assert (await graphql_user(api, peer.admin, user_id))["source"] == "SCIM"

    found = await peer.get("/Users", filter=f'userName eq "{user_name}"', startIndex=1, count=100)
    assert [r["id"] for r in found.json()["Resources"]] == [user_id]
    assert (await peer.get(f"/Users/{user_id}")).json()["externalId"] == "00ujl29u0le5T6Aj10h7"

    # A profile update: Okta PUTs the whole user.
    replaced = await peer.put(
        f"/Users/{user_id}",
        {
            "schemas": [USER_SCHEMA],
            "id": user_id,
            "userName": user_name,
            "name": {"givenName": "Another", "familyName": "User"},
            "emails": [{"primary": True, "value": user_name, "type": "work"}],
            "displayName": "Another User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "active": True,
            "meta": {"resourceType": "User"},
        },
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"] == {"givenName": "Another", "familyName": "User"}

    # Deactivation and reactivation are PATCHes without a path.
    deactivated = await peer.patch(
        f"/Users/{user_id}", [{"op": "replace", "value": {"active": False}}]
    )
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    assert (await graphql_user(api, peer.admin, user_id))["status"] == "DISABLED"

    # A password push is accepted and not stored (users sign in with SSO).
    password = await peer.patch(
        f"/Users/{user_id}", [{"op": "replace", "value": {"password": "x1"}}]
    )
    assert password.status_code == 200, password.text

    reactivated = await peer.patch(
        f"/Users/{user_id}", [{"op": "replace", "value": {"active": True}}]
    )
    assert reactivated.status_code == 200 and reactivated.json()["active"] is True
    # Back to where it was: PENDING until activated (an invitation or a first SSO sign-in).
    assert (await graphql_user(api, peer.admin, user_id))["status"] == "PENDING"

    trail = await api.gql(peer.admin, doc.AUDIT, {"targetId": user_id})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    assert actions == ["user.enabled", "user.disabled", "user.updated", "user.created"]


async def test_entra_provision_update_disable_enable_delete(api: Api) -> None:
    peer = await scim_peer(api)
    user_name = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"

    lookup = await peer.get("/Users", filter=f'userName eq "{user_name}"')
    assert lookup.json()["totalResults"] == 0

    created = await peer.post(
        "/Users",
        {
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
            "userName": user_name,
            "active": True,
            "emails": [
                {
                    "primary": True,
                    "type": "work",
                    "value": "Test_User_fd0ea13b-3bc5-4d9c-a0c3-14ca6e4ceae6@testuser.com",
                }
            ],
            "meta": {"resourceType": "User"},
            "name": {
                "formatted": "givenName familyName",
                "familyName": "familyName",
                "givenName": "givenName",
            },
            "roles": [],
            ENTERPRISE: {"department": "Engineering"},
        },
    )
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    assert created.json()["userName"] == user_name

    # Entra checks for the user by its matching attribute before updating.
    by_external = await peer.get(
        "/Users", filter='externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"'
    )
    assert [r["id"] for r in by_external.json()["Resources"]] == [user_id]
    email = "test_user_fd0ea13b-3bc5-4d9c-a0c3-14ca6e4ceae6@testuser.com"
    email_filter = f'emails[type eq "work"].value eq "{email}"'
    assert (await peer.get("/Users", filter=email_filter)).json()["totalResults"] == 1

    updated = await peer.patch(
        f"/Users/{user_id}",
        [
            {
                "op": "Replace",
                "path": 'emails[type eq "work"].value',
                "value": "updatedEmail@microsoft.com",
            },
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
            {"op": "Add", "path": "nickName", "value": "Babs"},
            {"op": "Add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+14155550123"},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Sales"},
            # The manager is accepted and not stored.
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "2819c223-7f76-453a"},
        ],
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["emails"] == [{"value": "updatedemail@microsoft.com", "type": "work"}]
    assert body["name"]["familyName"] == "updatedFamilyName"
    assert body["phoneNumbers"] == [{"value": "+14155550123", "type": "mobile"}]
    assert body[ENTERPRISE]["department"] == "Sales"
    user = await graphql_user(api, peer.admin, user_id)
    assert (user["email"], user["lastName"]) == ("updatedemail@microsoft.com", "updatedFamilyName")
    assert user["department"] == {"name": "Sales"}

    renamed = await peer.patch(
        f"/Users/{user_id}",
        [
            {
                "op": "Replace",
                "path": "userName",
                "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com",
            }
        ],
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"

    # Older Entra versions send booleans as strings.
    disabled = await peer.patch(
        f"/Users/{user_id}", [{"op": "Replace", "path": "active", "value": "False"}]
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert (await graphql_user(api, peer.admin, user_id))["status"] == "DISABLED"
    enabled = await peer.patch(
        f"/Users/{user_id}", [{"op": "Replace", "path": "active", "value": True}]
    )
    assert enabled.json()["active"] is True
    # Back to where it was: PENDING until activated (an invitation or a first SSO sign-in).
    assert (await graphql_user(api, peer.admin, user_id))["status"] == "PENDING"

    removed = await peer.patch(
        f"/Users/{user_id}", [{"op": "Remove", "path": 'phoneNumbers[type eq "mobile"]'}]
    )
    assert removed.status_code == 200 and "phoneNumbers" not in removed.json()

    deleted = await peer.delete(f"/Users/{user_id}")
    assert deleted.status_code == 204
    assert (await graphql_user(api, peer.admin, user_id))["status"] == "DISABLED"


async def test_entra_groups(api: Api) -> None:
    peer = await scim_peer(api)
    member = (
        await peer.post(
            "/Users",
            {
                "schemas": [USER_SCHEMA],
                "userName": "member@acme.example",
                "name": {"givenName": "Mem", "familyName": "Ber"},
                "active": True,
            },
        )
    ).json()["id"]

    lookup = await peer.get(
        "/Groups", excludedAttributes="members", filter='displayName eq "displayName"'
    )
    assert lookup.status_code == 200 and lookup.json()["totalResults"] == 0
    created = await peer.post(
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"},
        },
    )
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    assert created.json()["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"

    added = await peer.patch(
        f"/Groups/{group_id}",
        [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": member}]}],
    )
    assert added.status_code == 200, added.text
    assert [m["value"] for m in added.json()["members"]] == [member]
    user = await graphql_user(api, peer.admin, member)
    assert user["department"] == {"name": "displayName"}

    found = await peer.get(
        "/Groups", excludedAttributes="members", filter='displayName eq "displayName"'
    )
    assert [g["id"] for g in found.json()["Resources"]] == [group_id]
    assert "members" not in found.json()["Resources"][0]

    renamed = await peer.patch(
        f"/Groups/{group_id}", [{"op": "Replace", "path": "displayName", "value": "1879db59"}]
    )
    assert renamed.status_code == 200 and renamed.json()["displayName"] == "1879db59"

    removed = await peer.patch(
        f"/Groups/{group_id}",
        [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": member}]}],
    )
    assert removed.status_code == 200, removed.text
    assert "members" not in removed.json()
    assert (await graphql_user(api, peer.admin, member))["department"] is None

    # Okta removes a member by a value path.
    await peer.patch(
        f"/Groups/{group_id}", [{"op": "add", "path": "members", "value": [{"value": member}]}]
    )
    okta_removed = await peer.patch(
        f"/Groups/{group_id}", [{"op": "remove", "path": f'members[value eq "{member}"]'}]
    )
    assert okta_removed.status_code == 200 and "members" not in okta_removed.json()

    assert (await peer.delete(f"/Groups/{group_id}")).status_code == 204
    assert (await peer.get(f"/Groups/{group_id}")).status_code == 404


async def test_patch_without_operations_is_refused(api: Api) -> None:
    peer = await scim_peer(api)
    made = await peer.post(
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "x@acme.example",
            "name": {"givenName": "X", "familyName": "Y"},
        },
    )
    user_id = made.json()["id"]
    empty = await peer.http.patch(
        f"/scim/v2/Users/{user_id}", json={"schemas": [PATCH_SCHEMA], "Operations": []}
    )
    assert empty.status_code == 400 and empty.json()["scimType"] == "invalidValue"
    no_target = await peer.patch(f"/Users/{user_id}", [{"op": "remove"}])
    assert no_target.status_code == 400 and no_target.json()["scimType"] == "noTarget"
    bad_op = await peer.patch(f"/Users/{user_id}", [{"op": "move", "path": "userName"}])
    assert bad_op.status_code == 400


async def test_okta_group_push(api: Api) -> None:
    peer = await scim_peer(api)
    member = (
        await peer.post(
            "/Users",
            {
                "schemas": [USER_SCHEMA],
                "userName": "pushed@acme.example",
                "name": {"givenName": "Pu", "familyName": "Shed"},
                "active": True,
            },
        )
    ).json()["id"]
    created = await peer.post(
        "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Test SCIMv2", "members": []}
    )
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    # Okta renames with a path-less replace that repeats the group's id.
    renamed = await peer.patch(
        f"/Groups/{group_id}",
        [{"op": "replace", "value": {"id": group_id, "displayName": "Test SCIMv2 renamed"}}],
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["displayName"] == "Test SCIMv2 renamed"
    added = await peer.patch(
        f"/Groups/{group_id}",
        [
            {
                "op": "add",
                "path": "members",
                "value": [{"value": member, "display": "pushed@acme.example"}],
            }
        ],
    )
    assert added.status_code == 200, added.text
    assert (await graphql_user(api, peer.admin, member))["department"] == {
        "name": "Test SCIMv2 renamed"
    }
    removed = await peer.patch(
        f"/Groups/{group_id}", [{"op": "remove", "path": f'members[value eq "{member}"]'}]
    )
    assert removed.status_code == 200 and "members" not in removed.json()
    assert (await peer.delete(f"/Groups/{group_id}")).status_code == 204
