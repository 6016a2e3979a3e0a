"""`roster integration add|list`: an organization's integrations from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.integrations.integrations import KINDS, create_integration, list_integrations
from server.runtime import add_org_arguments, org_command


def register(commands: Any) -> None:
    integration = commands.add_parser(
        "integration", help="manage an organization's integrations (CRM, telephony, ...)"
    )
    actions = integration.add_subparsers(dest="integration_command", required=True)

    add = actions.add_parser("add", help="add an integration")
    add_org_arguments(add)
    add.add_argument("--key", required=True, help="lower-case, unique in the organization")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", choices=KINDS, default="ACTIVITY")
    add.add_argument("--disconnected", action="store_true", help="refuse its activity for now")
    add.set_defaults(handler=org_command(_add))

    listing = actions.add_parser("list", help="list integrations")
    add_org_arguments(listing)
    listing.set_defaults(handler=org_command(_list))


async def _add(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    record = await create_integration(
        deps, caller, args.key, args.name, args.kind, connected=not args.disconnected
    )
    state = "connected" if record.connected else "disconnected"
    print(f"integration {record.key} added ({record.kind}, {state}, id {record.id})")
    return 0


async def _list(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    records = await list_integrations(deps, caller)
    for record in records:
        state = "connected" if record.connected else "disconnected"
        print(f"{record.id}  {record.key}  {record.kind}  {state}  {record.name}")
    if not records:
        print("no integrations", file=sys.stderr)
    return 0
