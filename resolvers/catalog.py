"""Catalog root fields: admins create, rename and retire departments, job profiles,
permission types and partner companies."""

from __future__ import annotations

from typing import Annotated

import strawberry

from provisioning import catalog
from resolvers.edge import payload_on_domain_error
from schema.catalog import (
    CatalogEntry,
    CatalogEntryPayload,
    CreateCatalogEntryInput,
    RenameCatalogEntryInput,
    RetireCatalogEntryInput,
)
from schema.context import context_of


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Admins only. NAME_TAKEN if the catalog has that name.")
    @payload_on_domain_error
    async def create_catalog_entry(
        self,
        info: strawberry.Info,
        input: Annotated[
            CreateCatalogEntryInput,
            strawberry.argument(description="The catalog and the new entry's name."),
        ],
    ) -> CatalogEntryPayload:
        context = context_of(info)
        record = await catalog.create_entry(
            context.deps, context.caller, catalog.Catalog(input.catalog.value), input.name
        )
        return CatalogEntryPayload(entry=CatalogEntry.of(input.catalog, record))

    @strawberry.mutation(description="Admins only. Users keep the entry under its new name.")
    @payload_on_domain_error
    async def rename_catalog_entry(
        self,
        info: strawberry.Info,
        input: Annotated[
            RenameCatalogEntryInput, strawberry.argument(description="The entry and its new name.")
        ],
    ) -> CatalogEntryPayload:
        context = context_of(info)
        record = await catalog.rename_entry(
            context.deps,
            context.caller,
            catalog.Catalog(input.catalog.value),
            str(input.id),
            input.name,
        )
        return CatalogEntryPayload(entry=CatalogEntry.of(input.catalog, record))

    @strawberry.mutation(
        description="Admins only. A retired entry stays readable but takes no new users"
        " (RETIRED). IN_USE with the count while users have it, unless replacementId moves them."
    )
    @payload_on_domain_error
    async def retire_catalog_entry(
        self,
        info: strawberry.Info,
        input: Annotated[
            RetireCatalogEntryInput, strawberry.argument(description="The entry to retire.")
        ],
    ) -> CatalogEntryPayload:
        context = context_of(info)
        replacement = str(input.replacement_id) if input.replacement_id is not None else None
        record = await catalog.retire_entry(
            context.deps,
            context.caller,
            catalog.Catalog(input.catalog.value),
            str(input.id),
            replacement,
        )
        return CatalogEntryPayload(entry=CatalogEntry.of(input.catalog, record))
