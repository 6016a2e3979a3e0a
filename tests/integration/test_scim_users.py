"""SCIM Users over HTTP: create, read, replace, patch, delete, list with filters; ETags."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration import documents as doc
from tests.integration.conftest import Api
from tests.integration.scim_support import (
    ENTERPRISE,
    ERROR_SCHEMA,
    USER_SCHEMA,
    ScimPeer,
    enterprise,
    scim_peer,
    user_body,
)

USER = "query($id: ID!) { user(id: $id) { id email username firstName lastName status source } }"


async def created(peer: ScimPeer, body: dict[str, Any]) -> dict[str, Any]:
    response = await peer.post("/Users", body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_create_read_and_graphql_source(api: Api) -> None:
    peer = await scim_peer(api)
    response = await peer.post(
        "/Users",
        user_body(
            "bjensen@acme.example",
            external_id="00u1",
            phoneNumbers=[{"value": "+14155550123", "type": "mobile"}],
            preferredLanguage="fr",
            **enterprise(department="Sales", employeeNumber="7"),
        ),
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    user = response.json()
    assert response.headers["location"] == f"http://127.0.0.1:8000/scim/v2/Users/{user['id']}"
    assert response.headers["etag"] == user["meta"]["version"]
    assert user["userName"] == "bjensen@acme.example"
    assert user["emails"] == [{"value": "bjensen@acme.example", "type": "work"}]
    assert user["phoneNumbers"] == [{"value": "+14155550123", "type": "mobile"}]
    assert user["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert (user["active"], user["externalId"], user["preferredLanguage"]) == (True, "00u1", "fr")
    assert user[ENTERPRISE] == {"department": "Sales"}
    assert set(user["schemas"]) == {USER_SCHEMA, ENTERPRISE}

    read = await peer.get(f"/Users/{user['id']}")
    assert read.status_code == 200 and read.json() == user
    unchanged = await peer.http.get(
        f"/scim/v2/Users/{user['id']}", headers={"If-None-Match": user["meta"]["version"]}
    )
    assert unchanged.status_code == 304

    graphql = await api.gql(peer.admin, USER, {"id": user["id"]})
    assert graphql["data"]["user"] == {
        "id": user["id"],
        "email": "bjensen@acme.example",
        "username": None,
        "firstName": "Barbara",
        "lastName": "Jensen",
        "status": "PENDING",  # active at the provider; here, until activated
        "source": "SCIM",
    }
    trail = await api.gql(peer.admin, doc.AUDIT, {"targetId": user["id"]})
    event = trail["data"]["auditEvents"]["edges"][0]["node"]
    assert event["actorType"] == "client"


async def test_user_name_without_at_is_the_username(api: Api) -> None:
    peer = await scim_peer(api)
    user = await created(peer, user_body("bjensen", email="Barbara@Acme.example"))
    assert user["userName"] == "bjensen"
    assert user["emails"] == [{"value": "barbara@acme.example", "type": "work"}]
    stored = await api.deps.store.users.get(peer.org_id, user["id"])
    assert stored is not None
    assert (stored.username, stored.email, stored.source) == (
        "bjensen",
        "barbara@acme.example",
        "SCIM",
    )


async def test_conflicts_are_409_uniqueness(api: Api) -> None:
    peer = await scim_peer(api)
    await created(peer, user_body("bjensen@acme.example"))
    again = await peer.post("/Users", user_body("BJensen@acme.example", given="Other"))
    assert again.status_code == 409
    error = again.json()
    assert error["schemas"] == [ERROR_SCHEMA]
    assert (error["status"], error["scimType"]) == ("409", "uniqueness")
    # The admin signed in with SSO or was created by hand: still a conflict, so the IdP links.
    admin = await peer.post("/Users", user_body("admin@acme.example"))
    assert admin.status_code == 409 and admin.json()["scimType"] == "uniqueness"


async def test_bad_requests_are_scim_errors(api: Api) -> None:
    peer = await scim_peer(api)
    cases = [
        (await peer.post("/Users", {"schemas": [USER_SCHEMA], "name": {"givenName": "X"}}), 400),
        (await peer.post("/Users", user_body("bad@")), 400),
        (
            await peer.post("/Users", user_body("ok@acme.example", phoneNumbers=[{"value": "12"}])),
            400,
        ),
        (await peer.post("/Users", [1, 2]), 400),
        (
            await peer.http.post(
                "/scim/v2/Users",
                content=b"{nope",
                headers={"content-type": "application/scim+json"},
            ),
            400,
        ),
        (await peer.get("/Users/000000000000000000000000"), 404),
        (await peer.get("/Users/not-an-id"), 404),
        (await peer.get("/Users", filter='nickName eq "x"'), 400),
        (await peer.get("/Users", filter="userName eq"), 400),
        (await peer.get("/Users", sortBy="title"), 400),
        (await peer.get("/Nope"), 404),
        (await peer.get("/Users/x/y"), 404),
        (await peer.put("/Users", user_body("x@acme.example")), 405),
        (await peer.post("/ServiceProviderConfig", {}), 405),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.status_code, response.text)
        assert response.json()["schemas"] == [ERROR_SCHEMA], response.text
        assert response.json()["status"] == str(status)
    assert cases[7][0].json()["scimType"] == "invalidFilter"
    assert cases[8][0].json()["scimType"] == "invalidFilter"
    users = await peer.get("/Users")
    assert users.json()["totalResults"] == 1  # only the admin: nothing was half-written


SETTINGS = """mutation($input: UpdateScimSettingsInput!) { updateScimSettings(input: $input) {
  scimSettings { deprovision adoptExistingUsers } userErrors { field code message } } }"""
READ_SETTINGS = "{ organization { scimSettings { deprovision adoptExistingUsers } } }"


async def set_settings(api: Api, peer: ScimPeer, **values: Any) -> dict[str, Any]:
    body = await api.gql(peer.admin, SETTINGS, {"input": values})
    payload: dict[str, Any] = body["data"]["updateScimSettings"]
    return payload


async def test_settings_adopt_and_deprovision(api: Api) -> None:
    peer = await scim_peer(api)
    read = await api.gql(peer.admin, READ_SETTINGS)
    assert read["data"]["organization"]["scimSettings"] == {
        "deprovision": "DISABLE",
        "adoptExistingUsers": False,
    }
    manual = await api.gql(
        peer.admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Grace", "lastName": "Hopper", "email": "grace@acme.example"}},
    )
    grace_id = manual["data"]["createUser"]["user"]["id"]
    conflict = await peer.post("/Users", user_body("grace@acme.example", "Grace", "Hopper"))
    assert conflict.status_code == 409

    changed = await set_settings(api, peer, adoptExistingUsers=True)
    assert changed == {
        "scimSettings": {"deprovision": "DISABLE", "adoptExistingUsers": True},
        "userErrors": [],
    }
    adopted = await peer.post(
        "/Users", user_body("grace@acme.example", "Grace", "Hopper", external_id="okta-7")
    )
    assert adopted.status_code == 201, adopted.text
    assert adopted.json()["id"] == grace_id and adopted.json()["externalId"] == "okta-7"
    stored = await api.deps.store.users.get(peer.org_id, grace_id)
    assert stored is not None and (stored.source, stored.external_id) == ("MANUAL", "okta-7")
    # A user who came from SCIM is never adopted: the identity provider must match it.
    again = await peer.post("/Users", user_body("grace@acme.example", "Grace", "Hopper"))
    assert again.status_code == 201 and again.json()["id"] == grace_id
    scim_made = await created(peer, user_body("ada@acme.example", "Ada", "Lovelace"))
    duplicate = await peer.post("/Users", user_body("ada@acme.example", "Ada", "Lovelace"))
    assert duplicate.status_code == 409

    # Deprovisioning: disable by default, delete when the organization says so.
    disabled = await peer.delete(f"/Users/{scim_made['id']}")
    assert disabled.status_code == 204
    # Gone for SCIM (RFC 7644 §3.6), kept and disabled in Roster.
    assert (await peer.get(f"/Users/{scim_made['id']}")).status_code == 404
    assert (await peer.delete(f"/Users/{scim_made['id']}")).status_code == 404
    listed = await peer.get("/Users", filter='userName eq "ada@acme.example"')
    assert listed.json()["totalResults"] == 0
    kept = await api.deps.store.users.get(peer.org_id, scim_made["id"])
    assert kept is not None and kept.status == "DISABLED"
    # Provisioned again, the same user comes back, enabled.
    back = await peer.post("/Users", user_body("ada@acme.example", "Ada", "Byron"))
    assert back.status_code == 201, back.text
    assert (back.json()["id"], back.json()["active"]) == (scim_made["id"], True)
    assert back.json()["name"]["familyName"] == "Byron"
    assert (await set_settings(api, peer, deprovision="DELETE"))["userErrors"] == []
    deleted = await peer.delete(f"/Users/{scim_made['id']}")
    assert deleted.status_code == 204
    assert (await peer.get(f"/Users/{scim_made['id']}")).status_code == 404
    assert await api.deps.store.users.get(peer.org_id, scim_made["id"]) is None

    trail = await api.gql(peer.admin, doc.AUDIT, {"targetId": peer.org_id})
    actions = [e["node"]["action"] for e in trail["data"]["auditEvents"]["edges"]]
    assert actions.count("organization.scim_settings_updated") == 2

    refused = await set_settings(api, peer, deprovision=None)
    assert refused["userErrors"][0]["code"] == "REQUIRED"


async def test_settings_need_an_admin(api: Api) -> None:
    peer = await scim_peer(api, scopes=("scim",))
    response = await peer.http.post(
        "/graphql",
        json={"query": SETTINGS, "variables": {"input": {"adoptExistingUsers": True}}},
    )
    payload = response.json()["data"]["updateScimSettings"]
    assert payload["userErrors"][0]["code"] == "FORBIDDEN"
    assert (await api.deps.store.scim.settings(peer.org_id)).adopt_existing_users is False


async def test_filters_sorting_and_pages(api: Api) -> None:
    peer = await scim_peer(api)
    people = [
        ("alice@acme.example", "Alice", "Archer", "ext-a"),
        ("bob@acme.example", "Bob", "Baker", "ext-b"),
        ("carol", "Carol", "Cooper", "EXT-c"),
        ("dave@other.example", "Dave", "Dunn", None),
    ]
    ids = {}
    for user_name, given, family, external_id in people:
        email = None if "@" in user_name else f"{user_name}@acme.example"
        made = await created(
            peer, user_body(user_name, given, family, email=email, external_id=external_id)
        )
        ids[given] = made["id"]

    async def names(**params: Any) -> list[str]:
        response = await peer.get("/Users", **params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["totalResults"] >= len(body["Resources"])
        return [r["name"]["givenName"] for r in body["Resources"]]

    assert await names(filter='userName eq "ALICE@acme.example"') == ["Alice"]
    assert await names(filter='userName eq "Carol"') == ["Carol"]
    assert await names(filter='userName sw "car"') == ["Carol"]
    work_at_acme = 'emails[type eq "work" and value co "acme"]'
    assert await names(filter=work_at_acme, sortBy="userName") == ["Ada", "Alice", "Bob", "Carol"]
    assert await names(filter='emails.value ew "@other.example"') == ["Dave"]
    assert await names(filter='externalId eq "EXT-c"') == ["Carol"]
    assert await names(filter='externalId eq "ext-c"') == []  # externalId is case-exact
    assert sorted(await names(filter="externalId pr")) == ["Alice", "Bob", "Carol"]
    assert await names(filter='name.familyName co "OOP"') == ["Carol"]
    assert sorted(await names(filter='name.givenName eq "alice" or name.givenName eq "bob"')) == [
        "Alice",
        "Bob",
    ]
    not_a = 'emails co "acme" and not (userName sw "a")'
    assert await names(filter=not_a, sortBy="name.givenName") == ["Bob", "Carol"]
    assert await names(filter=f'id eq "{ids["Bob"]}"') == ["Bob"]
    assert await names(filter="active eq false") == []

    ordered = await names(sortBy="name.familyName", sortOrder="descending")
    assert ordered == ["Dave", "Carol", "Bob", "Alice", "Ada"]
    first = await peer.get("/Users", sortBy="name.givenName", startIndex=2, count=2)
    page = first.json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (5, 2, 2)
    assert [r["name"]["givenName"] for r in page["Resources"]] == ["Alice", "Bob"]
    counted = (await peer.get("/Users", count=0)).json()
    assert (counted["totalResults"], counted["Resources"]) == (5, [])
    only = (await peer.get("/Users", filter='userName eq "carol"', attributes="userName")).json()
    assert only["Resources"] == [
        {"schemas": [USER_SCHEMA], "id": ids["Carol"], "userName": "carol"}
    ]
    searched = await peer.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName sw "b"',
            "excludedAttributes": ["emails"],
        },
    )
    assert searched.status_code == 200, searched.text
    assert [r["userName"] for r in searched.json()["Resources"]] == ["bob@acme.example"]
    assert "emails" not in searched.json()["Resources"][0]


async def test_replace_and_patch_honour_if_match(api: Api) -> None:
    peer = await scim_peer(api)
    user = await created(
        peer,
        user_body(
            "bjensen",
            email="bjensen@acme.example",
            external_id="e1",
            phoneNumbers=[{"value": "tel:+1-415-555-0123", "type": "work"}],
            **enterprise(department="Sales"),
        ),
    )
    assert user["phoneNumbers"] == [{"value": "+14155550123", "type": "mobile"}]
    path, version = f"/Users/{user['id']}", user["meta"]["version"]
    stale = 'W/"1"'
    body = user_body("bjensen", "Babs", "Jensen", email="babs@acme.example")
    assert (await peer.put(path, body, **{"If-Match": stale})).status_code == 412
    assert (
        await peer.patch(
            path, [{"op": "replace", "path": "title", "value": "x"}], **{"If-Match": stale}
        )
    ).status_code == 412
    assert (await peer.delete(path, **{"If-Match": stale})).status_code == 412
    assert (await peer.get(path)).json()["meta"]["version"] == version

    replaced = await peer.put(path, body, **{"If-Match": version})
    assert replaced.status_code == 200, replaced.text
    after = replaced.json()
    # PUT replaces: what the body leaves out is cleared (phone, department, externalId).
    assert after["name"] == {"givenName": "Babs", "familyName": "Jensen"}
    assert after["emails"] == [{"value": "babs@acme.example", "type": "work"}]
    assert "phoneNumbers" not in after and ENTERPRISE not in after and "externalId" not in after
    assert (
        after["meta"]["version"] != version and replaced.headers["etag"] == after["meta"]["version"]
    )

    patched = await peer.patch(
        path,
        [
            {"op": "add", "path": "externalId", "value": "e2"},
            {"op": "replace", "path": "name.givenName", "value": "Barbara"},
            # An unknown company would be created; one this long is refused.
            {"op": "add", "path": f"{ENTERPRISE}:organization", "value": "N" * 101},
        ],
        **{"If-Match": after["meta"]["version"]},
    )
    assert patched.status_code == 400 and patched.json()["scimType"] == "invalidValue"
    assert "organization is longer than 100" in patched.json()["detail"]
    unchanged = (await peer.get(path)).json()
    assert unchanged["name"]["givenName"] == "Babs" and "externalId" not in unchanged

    taken = await created(peer, user_body("taken@acme.example", "Ta", "Ken"))
    clash = await peer.patch(
        path, [{"op": "replace", "path": "userName", "value": "taken@acme.example"}]
    )
    assert clash.status_code == 409 and clash.json()["scimType"] == "uniqueness"
    invalid = await peer.patch(
        path, [{"op": "replace", "path": "preferredLanguage", "value": "not a tag!"}]
    )
    assert invalid.status_code == 400 and invalid.json()["scimType"] == "invalidValue"
    wildcard = await peer.patch(
        path, [{"op": "replace", "path": "preferredLanguage", "value": "de"}], **{"If-Match": "*"}
    )
    assert wildcard.status_code == 200 and wildcard.json()["preferredLanguage"] == "de"
    assert taken["id"] != user["id"]


async def test_concurrent_creates_of_one_user_make_one(api: Api) -> None:
    peer = await scim_peer(api)
    body = user_body("race@acme.example", external_id="r1")
    responses = await asyncio.gather(*(peer.post("/Users", body) for _ in range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409], [r.text for r in responses]
    listed = await peer.get("/Users", filter='externalId eq "r1"')
    assert listed.json()["totalResults"] == 1


async def test_path_less_replace_with_string_booleans(api: Api) -> None:
    peer = await scim_peer(api)
    user = await created(peer, user_body("str@acme.example"))
    off = await peer.patch(
        f"/Users/{user['id']}", [{"op": "Replace", "value": {"active": "False"}}]
    )
    assert off.status_code == 200 and off.json()["active"] is False
    on = await peer.patch(f"/Users/{user['id']}", [{"op": "Replace", "value": {"active": "True"}}])
    assert on.status_code == 200 and on.json()["active"] is True


async def test_concurrent_changes_from_one_version_one_wins(api: Api) -> None:
    """If-Match is checked in the write itself: of many changes based on one version, one
    is applied and the others are 412, never a silent lost update."""
    peer = await scim_peer(api)
    user = await created(peer, user_body("racer", email="racer@acme.example"))
    path, version = f"/Users/{user['id']}", user["meta"]["version"]
    names = [f"Name{n}" for n in range(6)]
    answers = await asyncio.gather(
        *(
            peer.patch(
                path,
                [{"op": "replace", "path": "name.givenName", "value": name}],
                **{"If-Match": version},
            )
            for name in names
        )
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [412] * 5, [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()["name"]["givenName"]
    assert (await peer.get(path)).json()["name"]["givenName"] == winner
