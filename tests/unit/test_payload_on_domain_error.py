"""@payload_on_domain_error: a mutation's DomainError becomes its payload's userErrors, and
strawberry sees the resolver as written (its arguments and type)."""

from __future__ import annotations

import pytest
import strawberry

from provisioning.errors import EmailTaken
from resolvers.edge import payload_on_domain_error
from schema.payloads import OkPayload


@strawberry.input
class RenameInput:
    name: str
    email: str | None = None


async def _rename(input: RenameInput) -> OkPayload:
    if input.email == "taken@example.com":
        raise EmailTaken()
    return OkPayload(ok=True)


@strawberry.type
class Query:
    @strawberry.field
    def ready(self) -> bool:
        return True


@strawberry.type
class Plain:
    @strawberry.mutation
    async def rename(self, info: strawberry.Info, input: RenameInput) -> OkPayload:
        return await _rename(input)


@strawberry.type
class Decorated:
    @strawberry.mutation
    @payload_on_domain_error
    async def rename(self, info: strawberry.Info, input: RenameInput) -> OkPayload:
        return await _rename(input)


def test_the_printed_schema_is_that_of_the_undecorated_resolver() -> None:
    plain = strawberry.Schema(query=Query, mutation=Plain).as_str()
    decorated = strawberry.Schema(query=Query, mutation=Decorated).as_str()
    # The same definitions (the printer orders them by name, so compare them as a set).
    assert set(decorated.replace("Decorated", "Plain").split("\n\n")) == set(plain.split("\n\n"))
    assert "rename(input: RenameInput!): OkPayload!" in plain


async def test_a_domain_error_is_answered_in_user_errors() -> None:
    schema = strawberry.Schema(query=Query, mutation=Decorated)
    mutation = """mutation($email: String) {
        rename(input: {name: "n", email: $email}) { ok userErrors { field code message } }
    }"""
    refused = await schema.execute(mutation, {"email": "taken@example.com"})
    assert refused.errors is None
    assert refused.data == {
        "rename": {
            "ok": False,
            "userErrors": [
                {
                    "field": ["input", "email"],
                    "code": "EMAIL_TAKEN",
                    "message": "Another user in this organization has that email.",
                }
            ],
        }
    }
    done = await schema.execute(mutation, {"email": "free@example.com"})
    assert done.data == {"rename": {"ok": True, "userErrors": []}}


def test_a_resolver_without_a_payload_is_refused_when_decorated() -> None:
    async def count() -> int:
        return 1

    with pytest.raises(TypeError, match="payload with user_errors"):
        payload_on_domain_error(count)
