"""What the SCIM service provider stores beyond users: its settings per organization, and
the departments it serves as Groups. Users themselves stay in store/users.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.ids import object_id
from store.reference import NameTaken, name_key
from store.types import Document
from store.users import UserRecord, user_record

DISABLE, DELETE = "DISABLE", "DELETE"
DEPROVISION_MODES = (DISABLE, DELETE)


@dataclass(frozen=True)
class DepartmentRecord:
    id: str
    org_id: str
    name: str
    external_id: str | None = None
    # Moved on by every change made through SCIM; If-Match is a condition on it in the write.
    revision: int = 0


@dataclass(frozen=True)
class ScimSettingsRecord:
    """How SCIM acts on an organization: what DELETE /Users/{id} does, whether a POST
    for a user who already exists takes that user over instead of answering 409, and
    whether an enterprise `organization` naming no company creates it (else 400)."""

    deprovision: str = DISABLE
    adopt_existing_users: bool = False
    create_companies: bool = True


def _settings(doc: Document | None) -> ScimSettingsRecord:
    values = (doc or {}).get("scim") or {}
    return ScimSettingsRecord(
        deprovision=values.get("deprovision", DISABLE),
        adopt_existing_users=bool(values.get("adopt_existing_users", False)),
        create_companies=bool(values.get("create_companies", True)),
    )


class ScimStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db
        self._organizations = db["organizations"]
        self._users = db["users"]
        self._departments = db["departments"]

    # ---- settings, in the organization document's `scim` subdocument ----

    async def settings(self, org_id: str) -> ScimSettingsRecord:
        doc = await self._organizations.find_one({"_id": object_id(org_id)}, {"scim": 1})
        return _settings(doc)

    async def set_settings(
        self, org_id: str, settings: ScimSettingsRecord
    ) -> tuple[ScimSettingsRecord, ScimSettingsRecord] | None:
        before = await self._organizations.find_one_and_update(
            {"_id": object_id(org_id)},
            {
                "$set": {
                    "scim": {
                        "deprovision": settings.deprovision,
                        "adopt_existing_users": settings.adopt_existing_users,
                        "create_companies": settings.create_companies,
                    }
                }
            },
            projection={"scim": 1},
        )
        if before is None:
            return None
        return _settings(before), settings

    # ---- users, searched by a query the SCIM filter translator built ----
    # A user deprovisioned by a SCIM DELETE while the organization disables rather than
    # deletes stays in Roster (disabled) but is gone for SCIM, as RFC 7644 §3.6 asks.

    async def get_user(self, org_id: str, user_id: str) -> UserRecord | None:
        oid = object_id(user_id)
        if oid is None:
            return None
        doc = await self._users.find_one({"_id": oid, "org_id": org_id})
        return user_record(doc) if doc and not doc.get("scim_deprovisioned") else None

    async def deprovisioned_user(
        self, org_id: str, email: str | None, username_key: str | None
    ) -> UserRecord | None:
        """The user a SCIM DELETE hid who has this email or username, if any."""
        for field, value in (("email", email), ("username_key", username_key)):
            if value:
                doc = await self._users.find_one(
                    {"org_id": org_id, field: value, "scim_deprovisioned": True}
                )
                if doc:
                    return user_record(doc)
        return None

    async def set_deprovisioned(
        self, org_id: str, user_id: str, hidden: bool, only_if: Document | None = None
    ) -> bool:
        """Hides or shows the user; False if no user matched `only_if`."""
        result = await self._users.update_one(
            {"_id": object_id(user_id), "org_id": org_id, **(only_if or {})},
            {"$set": {"scim_deprovisioned": True}}
            if hidden
            else {"$unset": {"scim_deprovisioned": ""}},
        )
        return result.matched_count == 1

    async def find_users(
        self,
        org_id: str,
        query: Document,
        sort: Sequence[tuple[str, int]],
        skip: int,
        limit: int,
    ) -> list[UserRecord]:
        if limit <= 0:
            return []
        order = [*sort, ("_id", 1)]
        if _logical(query):
            pipeline = [
                *_scoped_stages(org_id, query),
                {"$sort": dict(order)},
                {"$skip": skip},
                {"$limit": limit},
            ]
            return [user_record(doc) async for doc in await self._users.aggregate(pipeline)]
        cursor = self._users.find(_scoped(org_id, query)).sort(order).skip(skip).limit(limit)
        return [user_record(doc) async for doc in cursor]

    async def count_users(self, org_id: str, query: Document) -> int:
        if _logical(query):
            pipeline = [*_scoped_stages(org_id, query), {"$count": "n"}]
            counted = [doc async for doc in await self._users.aggregate(pipeline)]
            return int(counted[0]["n"]) if counted else 0
        return await self._users.count_documents(_scoped(org_id, query))

    async def users_in_department(self, org_id: str, department_id: str) -> list[UserRecord]:
        cursor = self._users.find(
            {"org_id": org_id, "department_id": department_id, **_VISIBLE}
        ).sort("_id", 1)
        return [user_record(doc) async for doc in cursor]

    # ---- departments, which SCIM serves as Groups ----

    async def departments(self, org_id: str) -> list[DepartmentRecord]:
        cursor = self._departments.find({"org_id": org_id}).sort("_id", 1)
        return [_department(doc) async for doc in cursor]

    async def department(self, org_id: str, department_id: str) -> DepartmentRecord | None:
        oid = object_id(department_id)
        if oid is None:
            return None
        doc = await self._departments.find_one({"_id": oid, "org_id": org_id})
        return _department(doc) if doc else None

    async def department_named(self, org_id: str, name: str) -> DepartmentRecord | None:
        """The department whose name is this one as uniqueness compares names."""
        doc = await self._departments.find_one({"org_id": org_id, "name_key": name_key(name)})
        return _department(doc) if doc else None

    async def insert_department(self, record: DepartmentRecord) -> None:
        """NameTaken if the organization has a department of that name."""
        try:
            await self._departments.insert_one(
                {
                    "_id": ObjectId(record.id),
                    "org_id": record.org_id,
                    "name": record.name,
                    "name_key": name_key(record.name),
                    "kind": None,
                    "external_id": record.external_id,
                }
            )
        except DuplicateKeyError as error:
            raise NameTaken(record.name) from error

    async def update_department(
        self,
        org_id: str,
        department_id: str,
        changes: Mapping[str, str | None],
        revision: int | None = None,
    ) -> bool:
        """Sets `changes` (name, external_id) and moves the department to its next revision;
        with `revision`, only if it is still at that one (If-Match, checked in the write).
        False if no department matched; NameTaken if another one has the new name."""
        oid = object_id(department_id)
        if oid is None:
            return False
        stored = dict(changes)
        if stored.get("name") is not None:
            stored["name_key"] = name_key(str(stored["name"]))
        query = {"_id": oid, "org_id": org_id, **({} if revision is None else _at(revision))}
        update: Document = {"$inc": {"revision": 1}}
        if stored:
            update["$set"] = stored
        try:
            result = await self._departments.update_one(query, update)
        except DuplicateKeyError as error:
            raise NameTaken(str(stored.get("name"))) from error
        return result.matched_count == 1

    async def department_references(self, org_id: str, department_id: str) -> list[str]:
        """What else names this department as a default, and would break without it."""
        checks = (
            ("identity_providers", {"default_department_id": department_id}, "an SSO provider"),
            ("signup_links", {"department_id": department_id}, "a sign-up link"),
        )
        found = [
            label
            for collection, query, label in checks
            if await self._db[collection].find_one({"org_id": org_id, **query}, {"_id": 1})
        ]
        settings = await self._organizations.find_one(
            {
                "_id": object_id(org_id),
                "settings_sections.signup.default_department_id": department_id,
            },
            {"_id": 1},
        )
        if settings is not None:
            found.append("the sign-up settings")
        return found

    async def delete_department(self, org_id: str, department_id: str) -> bool:
        result = await self._departments.delete_one(
            {"_id": object_id(department_id), "org_id": org_id}
        )
        return result.deleted_count == 1


# Equality with null, not $ne: true, so that the (org, field, scim_deprovisioned) indexes
# answer; the embedded database's planner skips an index for $ne.
_VISIBLE: Document = {"scim_deprovisioned": None}


def _scoped(org_id: str, query: Document) -> Document:
    # The translator never names org_id; the organization always comes from the token.
    assert "org_id" not in query and "scim_deprovisioned" not in query
    scoped = {"org_id": org_id, **query, **_VISIBLE}
    # A lookup by id names _id first: the embedded database's planner serves the first
    # clause that has an index, and org_id's would walk the whole organization.
    return {"_id": query["_id"], **scoped} if "_id" in query else scoped


def _logical(query: Document) -> bool:
    """Whether a translated filter has an operator at its top (`$and`, `$or`, `$nor`)."""
    return any(key.startswith("$") for key in query)


def _scoped_stages(org_id: str, query: Document) -> list[Document]:
    """A filter with an operator at its top, kept to the organization: the embedded
    database's planner reads every document of the collection for such a filter, so the
    organization's visible users are matched first (the stage it plans) and the filter
    applied to them."""
    return [{"$match": {"org_id": org_id, **_VISIBLE}}, {"$match": query}]


def _at(revision: int) -> Document:
    # A department that no SCIM write has changed has no revision field (and is at 0).
    return {"revision": revision if revision else None}


def _department(doc: Document) -> DepartmentRecord:
    return DepartmentRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        name=doc["name"],
        external_id=doc.get("external_id"),
        revision=doc.get("revision") or 0,
    )
