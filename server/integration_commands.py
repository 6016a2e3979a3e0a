"""`roster integration add|list`: an organization's integrations from the command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import DomainError
from provisioning.integrations import KINDS, create_integration, list_integrations
from server.runtime import database_uri, opened_dependencies, print_problems
from server.settings import Settings

Action = Callable[[Dependencies, Caller, argparse.Namespace], Awaitable[int]]


def register(commands: Any) -> None:
    integration = commands.add_parser(
        "integration", help="manage an organization's integrations (CRM, telephony, ...)"
    )
    actions = integration.add_subparsers(dest="integration_command", required=True)

    add = actions.add_parser("add", help="add an integration")
    _common(add)
    add.add_argument("--key", required=True, help="lower-case, unique in the organization")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=KINDS, default="ACTIVITY")
    add.add_argument("--disconnected", action="store_true", help="refuse its activity for now")
    add.set_defaults(handler=_run(_add))

    listing = actions.add_parser("list", help="list integrations")
    _common(listing)
    listing.set_defaults(handler=_run(_list))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--org", required=True, help="the organization's slug")
    parser.add_argument("--data-dir", type=Path, help="embedded database data (./.roster-data)")


def _run(action: Action) -> Callable[[argparse.Namespace, Settings], int]:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        with database_uri(settings) as uri:
            return asyncio.run(_with_org(action, settings, uri, args))

    return handler


async def _with_org(action: Action, settings: Settings, uri: str, args: argparse.Namespace) -> int:
    async with opened_dependencies(settings, uri) as deps:
        organization = await deps.store.organizations.get_by_slug(args.org.strip().lower())
        if organization is None:
            print(f"error: no organization {args.org!r}", file=sys.stderr)
            return 1
        try:
            return await action(deps, Caller.system(organization.id), args)
        except DomainError as error:
            print_problems(error)
            return 1


async def _add(deps: Dependencies, caller: Caller, args: argparse.Namespace) -> int:
    record = await create_integration(
        deps, caller, args.key, args.name, args.kind, connected=not args.disconnected
    )
    state = "connected" if record.connected else "disconnected"
    print(f"integration {record.key} added ({record.kind}, {state}, id {record.id})")
    return 0


async def _list(deps: Dependencies, caller: Caller, args: argparse.Namespace) -> int:
    records = await list_integrations(deps, caller)
    for record in records:
        state = "connected" if record.connected else "disconnected"
        print(f"{record.id}  {record.key}  {record.kind}  {state}  {record.name}")
    if not records:
        print("no integrations", file=sys.stderr)
    return 0
