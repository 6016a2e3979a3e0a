"""/scim/v2/Schemas publishes canonicalValues only for real enumerations: identity
providers (Okta's attribute editor) offer canonical values as a fixed pick list, so free
values (phone numbers, languages, departments, companies) carry their format in their
description instead, whatever departments and companies the organization has."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Api
from tests.integration.scim_support import enterprise, scim_peer, user_body


def attributes(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every attribute of a schema by its dotted path."""
    found: dict[str, dict[str, Any]] = {}

    def walk(items: list[dict[str, Any]], prefix: str) -> None:
        for item in items:
            path = prefix + item["name"]
            found[path] = item
            walk(item.get("subAttributes") or [], path + ".")

    walk(schema["attributes"], "")
    return found


async def test_only_enumerations_have_canonical_values(api: Api) -> None:
    peer = await scim_peer(api)
    # The organization has departments and a partner company: still no pick list of them.
    made = await peer.post(
        "/Users",
        user_body("bjensen@acme.example", **enterprise(department="Sales", organization="Initech")),
    )
    assert made.status_code == 201, made.text

    response = await peer.get("/Schemas")
    assert response.status_code == 200, response.text
    by_id = {s["id"]: attributes(s) for s in response.json()["Resources"]}
    canonical = {
        (schema_id.removeprefix("urn:ietf:params:scim:schemas:"), path): item["canonicalValues"]
        for schema_id, items in by_id.items()
        for path, item in items.items()
        if item.get("canonicalValues")
    }
    assert canonical == {
        ("core:2.0:User", "emails.type"): ["work"],
        ("core:2.0:User", "phoneNumbers.type"): ["mobile"],
        ("core:2.0:Group", "members.type"): ["User"],
    }, canonical

    user = by_id["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert "+14155550123" in user["phoneNumbers.value"]["description"]
    assert "BCP 47" in user["preferredLanguage"]["description"]
    company = by_id["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
    assert "partner company" in company["organization"]["description"]
    one = await peer.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User")
    assert one.status_code == 200 and attributes(one.json()) == user
