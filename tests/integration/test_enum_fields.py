"""Fields with a fixed set of values answer GraphQL enums (issue 17): the console's codegen
types them, and each value's meaning is in the schema. The values are the strings the
fields answered as String before, so clients that compared strings keep working."""

from __future__ import annotations

from tests.integration import documents as doc
from tests.integration.conftest import Api

FIELD_TYPE = """query($name: String!) { __type(name: $name) {
  fields { name type { kind ofType { kind name enumValues { name description } } } } } }"""

EXPECTED = {
    ("ImportJob", "status"): {"QUEUED", "RUNNING", "DONE", "FAILED"},
    ("SyncRun", "status"): {
        "RUNNING",
        "SUCCEEDED",
        "FAILED",
        "AWAITING_CONFIRMATION",
        "DISCARDED",
    },
    ("SyncRun", "direction"): {"INBOUND", "OUTBOUND"},
    ("SyncRun", "trigger"): {"manual", "schedule", "company", "retry", "cli"},
    ("OutboxMessage", "channel"): {"email", "sms"},
    ("OutboxMessage", "status"): {"queued", "sending", "sent", "failed", "logged"},
    ("AuditEvent", "actorType"): {"user", "client", "system"},
    ("Company", "kind"): {"OWN", "PARTNER"},
    ("Integration", "kind"): {"ACTIVITY", "DIRECTORY", "PROVISIONING"},
}


async def test_each_fixed_set_field_answers_a_described_enum(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    for (type_name, field_name), values in EXPECTED.items():
        body = await api.gql(admin, FIELD_TYPE, {"name": type_name})
        assert body.get("errors") is None, body
        fields = {f["name"]: f["type"] for f in body["data"]["__type"]["fields"]}
        field_type = fields[field_name]
        assert field_type["kind"] == "NON_NULL", (type_name, field_name, field_type)
        enum = field_type["ofType"]
        assert enum["kind"] == "ENUM", (type_name, field_name, enum)
        assert {v["name"] for v in enum["enumValues"]} == values, (type_name, field_name)
        assert all(v["description"] for v in enum["enumValues"]), (type_name, field_name)


async def test_an_audit_event_answers_its_actor_type_as_before(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    created = await api.gql(
        admin,
        doc.CREATE_USER,
        {"input": {"firstName": "Ann", "lastName": "Lee", "email": "ann@acme.example"}},
    )
    user_id = created["data"]["createUser"]["user"]["id"]
    body = await api.gql(admin, doc.AUDIT, {"targetId": user_id})
    assert body.get("errors") is None, body
    assert [e["node"]["actorType"] for e in body["data"]["auditEvents"]["edges"]] == ["user"]


async def test_an_unknown_enum_value_in_a_query_is_a_graphql_error_not_a_500(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    for payload in (
        {"query": "{ users(status: SLEEPING) { totalCount } }"},
        {
            "query": "query($s: UserStatus) { users(status: $s) { totalCount } }",
            "variables": {"s": "SLEEPING"},
        },
    ):
        response = await admin.post("/graphql", json=payload, headers={"X-Roster-Request": "1"})
        assert response.status_code < 500, response.text
        errors = response.json()["errors"]
        assert "SLEEPING" in errors[0]["message"], errors


async def test_kinds_answer_as_before_and_a_bad_stored_one_is_a_masked_error(api: Api) -> None:
    admin, org_id = await api.admin_of("acme")
    made = await api.gql(
        admin,
        """mutation($input: CreateIntegrationInput!) { createIntegration(input: $input) {
          integration { kind } userErrors { code } } }""",
        {"input": {"key": "connex", "name": "ConneX", "kind": "directory"}},
    )
    assert made["data"]["createIntegration"]["integration"] == {"kind": "DIRECTORY"}, made
    companies = await api.gql(admin, "{ organization { companies { kind } } }")
    assert companies["data"]["organization"]["companies"] == [{"kind": "OWN"}]
    # A value outside the set in the database (an old or hand-made document) is a masked
    # GraphQL error with the request id, not a 500 and not the raw value.
    await api.deps.store.db["integrations"].update_one(
        {"org_id": org_id, "key": "connex"}, {"$set": {"kind": "LEGACY"}}
    )
    response = await admin.post(
        "/graphql",
        json={"query": "{ organization { integrations { key kind } } }"},
        headers={"X-Roster-Request": "1"},
    )
    assert response.status_code == 200, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL" and "LEGACY" not in response.text
