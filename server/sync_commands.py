"""`roster sync KEY [--dry-run]`: run a directory sync or an outbound provisioning now."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound
from provisioning.sync.runs import run_sync
from server.outbound_http import outbound_client
from server.runtime import add_org_arguments, org_command
from server.scim_peer import HttpScimPeers
from store.sync_runs import SUCCEEDED


def register(commands: Any) -> None:
    sync = commands.add_parser(
        "sync", help="run an integration's directory sync or outbound provisioning now"
    )
    sync.add_argument("key", help="the integration's key")
    add_org_arguments(sync)
    sync.add_argument(
        "--dry-run", action="store_true", help="report what it would change; change nothing"
    )
    sync.set_defaults(handler=org_command(_sync))


def _progress(message: str) -> None:
    print(f"sync: {message}", file=sys.stderr, flush=True)


async def _sync(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    integration = await deps.store.integrations.get_by_key(caller.org_id, args.key.strip().lower())
    if integration is None:
        raise NotFound(f"Integration {args.key!r}", ("key",))
    async with outbound_client(deps.outbound, timeout=30.0) as http:
        run = await run_sync(
            dataclasses.replace(deps, scim_peers=HttpScimPeers(http)),
            caller,
            integration.id,
            dry_run=args.dry_run,
            trigger="cli",
            progress=_progress,
        )
    print(f"run {run.id} {run.status}{' (dry run)' if run.dry_run else ''}")
    errors = await deps.store.sync_runs.errors_page(caller.org_id, run.id, None, 20)
    for error in errors:
        print(f"error: {error.code} {error.external_id or '-'}: {error.message}", file=sys.stderr)
    if run.failed > len(errors):
        print(f"... and {run.failed - len(errors)} more errors", file=sys.stderr)
    return 0 if run.status == SUCCEEDED else 1
