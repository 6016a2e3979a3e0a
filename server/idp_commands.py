"""`roster idp add|list|remove`: identity providers from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from config.settings import Settings
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.sso.providers import (
    ProviderDraft,
    configure_provider,
    list_providers,
    remove_provider,
)
from server.runtime import add_org_arguments, org_command
from store.identity_providers import ClaimMapping


def register(commands: Any) -> None:
    idp = commands.add_parser("idp", help="manage an organization's OIDC identity providers")
    actions = idp.add_subparsers(dest="idp_command", required=True)

    add = actions.add_parser("add", help="add an identity provider")
    add_org_arguments(add)
    add.add_argument("--name", required=True)
    add.add_argument("--issuer", required=True, help="the provider's issuer URL")
    add.add_argument("--client-id", required=True)
    add.add_argument("--client-secret", required=True)
    add.add_argument(
        "--scope", action="append", dest="scopes", help="repeat; default: openid email profile"
    )
    add.add_argument(
        "--domain", action="append", dest="domains", help="allowed email domain; repeat"
    )
    add.add_argument("--no-jit", action="store_true", help="do not create users at first login")
    add.add_argument("--link-by-verified-email", action="store_true")
    add.add_argument("--owns-profile", action="store_true", help="refresh names at every login")
    add.add_argument("--default-seat", choices=["FULL", "OBSERVER"], default="OBSERVER")
    add.add_argument("--default-language")
    add.add_argument("--department-claim", help="a claim naming the user's department")
    add.set_defaults(handler=org_command(_add))

    listing = actions.add_parser("list", help="list identity providers")
    add_org_arguments(listing)
    listing.set_defaults(handler=org_command(_list))

    remove = actions.add_parser("remove", help="remove an identity provider")
    add_org_arguments(remove)
    remove.add_argument("--id", required=True)
    remove.set_defaults(handler=org_command(_remove))


async def _add(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    record = await configure_provider(
        deps,
        caller,
        ProviderDraft(
            name=args.name,
            issuer=args.issuer,
            client_id=args.client_id,
            client_secret=args.client_secret,
            scopes=tuple(args.scopes) if args.scopes else None,
            email_domains=tuple(args.domains or ()),
            jit=not args.no_jit,
            link_by_verified_email=args.link_by_verified_email,
            owns_profile=args.owns_profile,
            default_seat=args.default_seat,
            default_language=args.default_language,
            claims=ClaimMapping(department=args.department_claim),
        ),
    )
    print(f"identity provider {record.name} added (id {record.id})")
    slug = args.org.strip().lower()
    print(f"sign in at {settings.public_url}/auth/{slug}/login?provider={record.id}")
    return 0


async def _list(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    for record in await list_providers(deps, caller):
        domains = ",".join(record.email_domains) or "-"
        print(f"{record.id}  {record.name}  {record.issuer}  domains={domains}  jit={record.jit}")
    return 0


async def _remove(
    deps: Dependencies, caller: Caller, settings: Settings, args: argparse.Namespace
) -> int:
    await remove_provider(deps, caller, args.id)
    print(f"identity provider {args.id} removed")
    return 0
