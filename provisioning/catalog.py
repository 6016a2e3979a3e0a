"""An organization's reference data: departments, job profiles, permission types, companies."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from store.reference import ReferenceData, ReferenceRecord


class Catalog(Enum):
    DEPARTMENTS = "departments"
    JOB_PROFILES = "job_profiles"
    PERMISSION_TYPES = "permission_types"
    COMPANIES = "companies"


def _collection(deps: Dependencies, catalog: Catalog) -> ReferenceData:
    collection: ReferenceData = getattr(deps.store, catalog.value)
    return collection


async def list_catalog(
    deps: Dependencies, caller: Caller, catalog: Catalog
) -> list[ReferenceRecord]:
    return await _collection(deps, catalog).list(caller.require_signed_in())


async def load_catalog(
    deps: Dependencies, caller: Caller, catalog: Catalog, ids: Sequence[str]
) -> dict[str, ReferenceRecord]:
    return await _collection(deps, catalog).get_many(caller.require_signed_in(), ids)
