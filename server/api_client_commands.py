"""`roster api-client create|list|revoke`: partner tools' credentials from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from config.settings import Settings
from provisioning.access.principal import SCOPES
from provisioning.api_clients import create_api_client, list_api_clients, revoke_api_client
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from server.interruptible import run_interruptible
from server.runtime import add_org_arguments, database_uri, opened_dependencies, org_command


def register(commands: Any) -> None:
    group = commands.add_parser("api-client", help="manage partner tools' OAuth clients")
    actions = group.add_subparsers(dest="api_client_command", required=True)

    create = actions.add_parser("create", help="create a client; its secret is printed once")
    add_org_arguments(create)
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope",
        action="append",
        dest="scopes",
        required=True,
        choices=SCOPES,
        help="repeat for each scope",
    )
    create.set_defaults(handler=org_command(_create))

    listing = actions.add_parser("list", help="list clients (never their secrets)")
    add_org_arguments(listing)
    listing.set_defaults(handler=org_command(_list))

    revoke = actions.add_parser("revoke", help="revoke a client; its tokens stop at once")
    add_org_arguments(revoke)
    revoke.add_argument("--id", required=True, help="the client's id (not its client_id)")
    revoke.set_defaults(handler=org_command(_revoke))

    keys = commands.add_parser("signing-key", help="the access-token signing keys")
    key_actions = keys.add_subparsers(dest="signing_key_command", required=True)
    rotate = key_actions.add_parser(
        "rotate", help="sign new tokens with a new key; tokens in flight stay valid"
    )
    rotate.add_argument("--data-dir", type=Path, help="embedded database data (./.roster-data)")
    rotate.set_defaults(handler=_rotate_command)


def _rotate_command(args: argparse.Namespace, settings: Settings) -> int:
    with database_uri(settings) as uri:
        kid: str = run_interruptible(_rotate(settings, uri))
    print(f"new signing key {kid}; older keys stay published until their tokens expire")
    return 0


async def _rotate(settings: Settings, uri: str) -> str:
    from server.app import access_tokens_for

    async with opened_dependencies(settings, uri) as deps:
        return await access_tokens_for(settings, deps).key_ring.rotate()


async def _create(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    created = await create_api_client(deps, caller, args.name, args.scopes)
    client = created.client
    print(f"api client {client.name} created (id {client.id})")
    print(f"client_id:     {client.client_id}")
    print(f"client_secret: {created.secret}   (shown once: store it now)")
    print(f"token endpoint: {settings.public_url}/oauth/token")
    return 0


async def _list(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    for client in await list_api_clients(deps, caller):
        state = f"revoked {client.revoked_at.isoformat()}" if client.revoked_at else "active"
        print(f"{client.id}  {client.client_id}  {client.name}  {' '.join(client.scopes)}  {state}")
    return 0


async def _revoke(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    client = await revoke_api_client(deps, caller, args.id)
    print(f"api client {client.client_id} revoked")
    return 0
