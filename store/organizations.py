"""The organizations collection: tenants, their settings and their full-seat counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.ids import object_id
from store.types import Document


class SeatsInUse(Exception):
    """A seat limit below the full seats the organization uses now."""

    def __init__(self, used: int) -> None:
        super().__init__(used)
        self.used = used


@dataclass(frozen=True)
class OrganizationRecord:
    id: str
    slug: str
    name: str
    default_language: str
    own_company_id: str | None
    seat_limit: int | None
    full_seats_used: int
    created_at: datetime
    # Organization-defined roles beside the built-in ones: name -> retired.
    roles: tuple[tuple[str, bool], ...] = ()
    # The fields every new user must have: department, job_profile, permission_type, language.
    required_fields: tuple[str, ...] = ()
    # What a new user whose source names none is given.
    default_department_id: str | None = None
    default_job_profile_id: str | None = None
    default_permission_type_id: str | None = None


# Tries of reserve_full_seats: each further one follows a seat limit changed meanwhile.
_SEAT_ATTEMPTS = 3


class SlugTaken(Exception):
    pass


def _record(doc: Document) -> OrganizationRecord:
    return OrganizationRecord(
        id=str(doc["_id"]),
        slug=doc["slug"],
        name=doc["name"],
        default_language=doc.get("default_language", "en"),
        own_company_id=doc.get("own_company_id"),
        seat_limit=doc.get("seat_limit"),
        full_seats_used=doc.get("full_seats_used", 0),
        created_at=doc["created_at"],
        required_fields=tuple(doc.get("required_fields", [])),
        default_department_id=doc.get("default_department_id"),
        default_job_profile_id=doc.get("default_job_profile_id"),
        default_permission_type_id=doc.get("default_permission_type_id"),
        roles=tuple((r["name"], bool(r.get("retired", False))) for r in doc.get("roles", [])),
    )


class Organizations:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["organizations"]

    async def get(self, org_id: str) -> OrganizationRecord | None:
        oid = object_id(org_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid})
        return _record(doc) if doc else None

    async def get_by_slug(self, slug: str) -> OrganizationRecord | None:
        doc = await self._collection.find_one({"slug": slug})
        return _record(doc) if doc else None

    async def insert(self, record: OrganizationRecord) -> None:
        try:
            await self._collection.insert_one(
                {
                    "_id": object_id(record.id),
                    "slug": record.slug,
                    "name": record.name,
                    "default_language": record.default_language,
                    "own_company_id": record.own_company_id,
                    "seat_limit": record.seat_limit,
                    "full_seats_used": record.full_seats_used,
                    "created_at": record.created_at,
                }
            )
        except DuplicateKeyError as error:
            raise SlugTaken(record.slug) from error

    async def update(
        self, org_id: str, changes: Document
    ) -> tuple[OrganizationRecord, OrganizationRecord] | None:
        """Apply `changes`; a seat limit is set only if it is not below the full seats in use,
        in the same conditional update that reserve_full_seats races with."""
        query: Document = {"_id": object_id(org_id)}
        limit = changes.get("seat_limit")
        if limit is not None:
            query["full_seats_used"] = {"$lte": limit}
        doc = await self._collection.find_one_and_update(
            query, {"$set": changes}, return_document=ReturnDocument.BEFORE
        )
        if doc is None:
            if limit is not None:
                current = await self._collection.find_one({"_id": object_id(org_id)})
                if current is not None:
                    raise SeatsInUse(current.get("full_seats_used", 0))
            return None
        return _record(doc), _record({**doc, **changes})

    async def replace_roles(
        self,
        org_id: str,
        before: tuple[tuple[str, bool], ...],
        after: tuple[tuple[str, bool], ...],
    ) -> bool:
        """Set the organization's roles to `after` if they are still `before` (else False)."""
        stored = [{"name": name, "retired": retired} for name, retired in after]
        if before:
            was: Document = {"roles": [{"name": n, "retired": r} for n, r in before]}
        else:
            # Missing or empty, without a top-level $or (which reads every organization).
            was = {"roles": {"$in": [None, []]}}
        result = await self._collection.update_one(
            {"_id": object_id(org_id), **was}, {"$set": {"roles": stored}}
        )
        return result.modified_count == 1

    async def reserve_full_seats(
        self, org_id: str, count: int = 1, limit: int | None = None
    ) -> bool:
        """Take `count` full seats if the limit allows; race-free, each try one conditional
        update on the seat limit it believes (first `limit`, the caller's last sight of it;
        then the one read after a refusal). No `$or` or `$expr` in the filter: with an
        operator at its top the embedded database's planner reads every organization."""
        oid = object_id(org_id)
        inc = {"$inc": {"full_seats_used": count}}
        for _attempt in range(_SEAT_ATTEMPTS):
            taken = (
                {"_id": oid, "seat_limit": None}
                if limit is None
                else {"_id": oid, "seat_limit": limit, "full_seats_used": {"$lte": limit - count}}
            )
            if (await self._collection.update_one(taken, inc)).modified_count == 1:
                return True
            doc = await self._collection.find_one({"_id": oid}, {"seat_limit": 1})
            if doc is None:
                return False
            seen = doc.get("seat_limit")
            if seen == limit:
                return False  # the limit that refused it is still the limit
            limit = seen
        return False

    async def release_seat_of(self, org_id: str, user_id: str) -> None:
        """Give back the full seat of a user being deleted, once however often it is called:
        the organization notes whose seat it gave back in the same update (a delete resumed
        after a failure repeats it)."""
        await self._collection.update_one(
            {"_id": object_id(org_id), "seats_released_by": {"$ne": user_id}},
            {"$inc": {"full_seats_used": -1}, "$addToSet": {"seats_released_by": user_id}},
        )

    async def forget_seat_release(self, org_id: str, user_id: str) -> None:
        """The user is gone: their note in seats_released_by is not needed any more."""
        await self._collection.update_one(
            {"_id": object_id(org_id)}, {"$pull": {"seats_released_by": user_id}}
        )

    async def release_full_seats(self, org_id: str, count: int = 1) -> None:
        await self._collection.update_one(
            {"_id": object_id(org_id)}, {"$inc": {"full_seats_used": -count}}
        )
