from __future__ import annotations

from tests.integration.conftest import Api

ME = "{ me { id email firstName lastName roles status seat source company { name kind } } }"


async def test_admin_signs_in_and_reads_themselves(api: Api) -> None:
    client, _ = await api.admin_of("acme")
    body = await api.gql(client, ME)
    assert body.get("errors") is None, body
    me = body["data"]["me"]
    assert me["email"] == "admin@acme.example"
    assert me["roles"] == ["ADMIN"]
    assert me["company"] == {"name": "acme", "kind": "OWN"}
