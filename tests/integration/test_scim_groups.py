"""SCIM Groups are departments: list, read, create, rename, membership, delete."""

from __future__ import annotations

from typing import Any

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import ENTERPRISE, ScimPeer, enterprise, scim_peer, user_body

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
DEPARTMENTS = "{ organization { departments { id name } } }"


async def user_id(peer: ScimPeer, email: str) -> str:
    response = await peer.post("/Users", user_body(email))
    assert response.status_code == 201, response.text
    made: str = response.json()["id"]
    return made


async def department_of(peer: ScimPeer, user: str) -> Any:
    return (await peer.get(f"/Users/{user}")).json().get(ENTERPRISE, {}).get("department")


async def test_departments_are_groups(api: Api) -> None:
    peer = await scim_peer(api)
    listed = (await peer.get("/Groups", sortBy="displayName", sortOrder="descending")).json()
    names = [g["displayName"] for g in listed["Resources"]]
    assert names == ["Support", "Sales", "Operations", "Finance", "Engineering", "Administration"]
    assert listed["totalResults"] == 6
    starts = (await peer.get("/Groups", filter='displayName sw "s"', sortBy="displayName")).json()
    assert [g["displayName"] for g in starts["Resources"]] == ["Sales", "Support"]
    page = (await peer.get("/Groups", sortBy="displayName", startIndex=2, count=2)).json()
    assert [g["displayName"] for g in page["Resources"]] == ["Engineering", "Finance"]
    assert (page["startIndex"], page["itemsPerPage"], page["totalResults"]) == (2, 2, 6)
    bad = await peer.get("/Groups", filter='displayName zz "x"')
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"


async def test_create_rename_members_and_delete(api: Api) -> None:
    peer = await scim_peer(api)
    ann, bob = await user_id(peer, "ann@acme.example"), await user_id(peer, "bob@acme.example")
    created = await peer.post(
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": " Research ",
            "externalId": "g-1",
            "members": [{"value": ann}],
        },
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert created.headers["location"].endswith(f"/Groups/{group['id']}")
    assert group["displayName"] == "Research" and group["externalId"] == "g-1"
    assert [m["value"] for m in group["members"]] == [ann]
    assert group["members"][0]["type"] == "User"
    assert await department_of(peer, ann) == "Research"

    duplicate = await peer.post("/Groups", {"schemas": [GROUP], "displayName": "research"})
    assert duplicate.status_code == 409 and duplicate.json()["scimType"] == "uniqueness"
    nameless = await peer.post("/Groups", {"schemas": [GROUP], "displayName": "  "})
    assert nameless.status_code == 400

    path, version = f"/Groups/{group['id']}", group["meta"]["version"]
    assert (
        await peer.http.get(f"/scim/v2{path}", headers={"If-None-Match": version})
    ).status_code == 304
    stale = await peer.put(
        path, {"schemas": [GROUP], "displayName": "R&D"}, **{"If-Match": 'W/"x"'}
    )
    assert stale.status_code == 412

    # PUT sets the membership to exactly the list given: Bob joins, Ann leaves.
    replaced = await peer.put(
        path,
        {"schemas": [GROUP], "displayName": "R&D", "members": [{"value": bob}]},
        **{"If-Match": version},
    )
    assert replaced.status_code == 200, replaced.text
    assert [m["value"] for m in replaced.json()["members"]] == [bob]
    assert "externalId" not in replaced.json()
    assert (await department_of(peer, ann), await department_of(peer, bob)) == (None, "R&D")

    # Adding a user to another group moves them: a user has one department.
    sales = next(
        g for g in (await peer.get("/Groups")).json()["Resources"] if g["displayName"] == "Sales"
    )
    moved = await peer.patch(
        f"/Groups/{sales['id']}", [{"op": "add", "path": "members", "value": [{"value": bob}]}]
    )
    assert moved.status_code == 200
    assert "members" not in (await peer.get(path)).json()
    assert await department_of(peer, bob) == "Sales"
    members = await peer.get("/Groups", filter=f'members[value eq "{bob}"]')
    assert [g["displayName"] for g in members.json()["Resources"]] == ["Sales"]

    assert (await peer.delete(f"/Groups/{sales['id']}")).status_code == 204
    assert await department_of(peer, bob) is None
    departments = (await api.gql(peer.admin, DEPARTMENTS))["data"]["organization"]["departments"]
    assert "Sales" not in [d["name"] for d in departments] and "R&D" in [
        d["name"] for d in departments
    ]
    trail = await api.gql(peer.admin, doc.AUDIT, {"targetId": sales["id"]})
    assert trail["data"]["auditEvents"]["edges"][0]["node"]["action"] == "department.deleted"


async def test_a_users_department_text_finds_or_makes_the_group(api: Api) -> None:
    peer = await scim_peer(api)
    made = await peer.post(
        "/Users", user_body("cy@acme.example", **enterprise(department="engineering"))
    )
    assert made.json()[ENTERPRISE]["department"] == "Engineering"  # the existing one
    other = await peer.post(
        "/Users", user_body("di@acme.example", **enterprise(department="Legal"))
    )
    assert other.json()[ENTERPRISE]["department"] == "Legal"
    legal = (await peer.get("/Groups", filter='displayName eq "legal"')).json()["Resources"]
    assert [m["value"] for m in legal[0]["members"]] == [other.json()["id"]]


CONFIGURE = """mutation($input: IdentityProviderInput!) {
  configureIdentityProvider(input: $input) {
    identityProvider { id } userErrors { code message } } }"""


async def test_a_department_another_setting_needs_is_not_deleted(api: Api) -> None:
    peer = await scim_peer(api)
    groups = (await peer.get("/Groups", filter='displayName eq "Engineering"')).json()
    engineering = groups["Resources"][0]["id"]
    configured = await api.gql(
        peer.admin,
        CONFIGURE,
        {
            "input": {
                "name": "Okta",
                "issuer": "https://idp.example",
                "clientId": "roster",
                "clientSecret": "s3cret",
                "defaultDepartmentId": engineering,
            }
        },
    )
    assert configured["data"]["configureIdentityProvider"]["userErrors"] == []
    refused = await peer.delete(f"/Groups/{engineering}")
    assert refused.status_code == 409
    assert "SSO provider" in refused.json()["detail"]
    assert (await peer.get(f"/Groups/{engineering}")).status_code == 200


async def test_a_refused_user_leaves_no_new_department(api: Api) -> None:
    peer = await scim_peer(api)
    refused = await peer.post(
        "/Users",
        user_body(
            "ok@acme.example",
            phoneNumbers=[{"value": "123"}],
            **enterprise(department="Brand New"),
        ),
    )
    assert refused.status_code == 400
    found = (await peer.get("/Groups", filter='displayName eq "Brand New"')).json()
    assert found["totalResults"] == 0
