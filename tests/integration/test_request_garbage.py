"""A GraphQL request frees what it made when it ends, without the garbage collector.

A reference cycle anywhere in a request's objects keeps all of them (the context, its
loaders, the HTTP request) alive until a collection finds them: on a busy server those
collections cost more than the rest of the GraphQL layer's work per request."""

from __future__ import annotations

import gc

from starlette.requests import Request
from strawberry.dataloader import DataLoader

from schema.context import Context
from schema.loaders import Loaders
from tests.integration.conftest import Api

# A user and the references the loaders fetch for it, as the console's lists do.
QUERY = (
    "query($id: ID!) { user(id: $id) { id email department { name } jobProfile { name }"
    " permissionType { name } } }"
)
CREATE = """mutation($input: CreateUserInput!) {
  createUser(input: $input) { user { id } userErrors { code } } }"""
REQUEST_OBJECTS = (Context, Loaders, DataLoader, Request)


async def test_a_graphql_request_leaves_no_cycle_behind(api: Api) -> None:
    admin, _ = await api.admin_of("acme")
    catalog = await api.gql(admin, "{ organization { departments { id } jobProfiles { id } } }")
    org = catalog["data"]["organization"]
    draft = {
        "email": "grace@acme.example",
        "firstName": "Grace",
        "lastName": "Hopper",
        "departmentId": org["departments"][0]["id"],
        "jobProfileId": org["jobProfiles"][0]["id"],
    }
    created = await api.gql(admin, CREATE, {"input": draft})
    user_id = created["data"]["createUser"]["user"]["id"]
    warm = await api.gql(admin, QUERY, {"id": user_id})
    assert warm["data"]["user"]["department"]["name"], warm
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            body = await api.gql(admin, QUERY, {"id": user_id})
            assert body["data"]["user"]["email"] == "grace@acme.example", body
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if isinstance(o, REQUEST_OBJECTS)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
