"""The users collection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from store.ids import object_id
from store.prefix import (
    PREFIX_LENGTH,
    filtered_count,
    filtered_page,
    has_term_starting,
    prefix_match,
    search_prefixes,
)
from store.types import DUPLICATE_KEY, Document


@dataclass(frozen=True)
class UserRecord:
    id: str
    org_id: str
    first_name: str
    last_name: str
    language: str
    status: str
    seat: str
    source: str
    created_at: datetime
    updated_at: datetime
    email: str | None = None
    email_verified: bool = False
    username: str | None = None
    phone: str | None = None
    department_id: str | None = None
    job_profile_id: str | None = None
    permission_type_id: str | None = None
    company_id: str | None = None
    roles: tuple[str, ...] = ()
    managed_by: str | None = None
    password_hash: str | None = field(default=None, repr=False)
    last_login_at: datetime | None = None
    status_before_disable: str | None = None
    # A one-time password (set by an admin or an import): sign-in must choose a new one.
    must_change_password: bool = False
    # SCIM's externalId: the identity provider's own id for this user.
    external_id: str | None = None


class DuplicateValue(Exception):
    """A unique index refused the write; `field` names the user field that collided."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


# Fields stored under the same name as the record's attribute.
_PLAIN_FIELDS = (
    "first_name",
    "last_name",
    "language",
    "status",
    "seat",
    "source",
    "created_at",
    "updated_at",
    "email",
    "email_verified",
    "username",
    "phone",
    "department_id",
    "job_profile_id",
    "permission_type_id",
    "company_id",
    "managed_by",
    "password_hash",
    "last_login_at",
    "status_before_disable",
    "must_change_password",
    "external_id",
)


def _record(doc: Document) -> UserRecord:
    values: dict[str, Any] = {name: doc.get(name) for name in _PLAIN_FIELDS}
    values["email_verified"] = bool(values["email_verified"])
    values["must_change_password"] = bool(values["must_change_password"])
    return UserRecord(
        id=str(doc["_id"]), org_id=doc["org_id"], roles=tuple(doc.get("roles", ())), **values
    )


def user_record(doc: Document) -> UserRecord:
    """A user document as a record, for stores that query users their own way (SCIM)."""
    return _record(doc)


def search_key(username: str | None) -> str | None:
    return username.lower() if username else None


def _document(record: UserRecord, search_terms: list[str]) -> Document:
    doc: Document = {"_id": ObjectId(record.id), "org_id": record.org_id}
    for name in _PLAIN_FIELDS:
        doc[name] = getattr(record, name)
    doc["roles"] = list(record.roles)
    doc["username_key"] = search_key(record.username)
    doc["search_terms"] = search_terms
    doc["search_prefixes"] = search_prefixes(search_terms)
    return doc


def _duplicate(error: DuplicateKeyError) -> DuplicateValue:
    pattern = (error.details or {}).get("keyPattern", {})
    if "username_key" in pattern:
        return DuplicateValue("username")
    if "email" in pattern:
        return DuplicateValue("email")
    return DuplicateValue("id")


@dataclass(frozen=True)
class UserFilter:
    search_prefix: str | None = None
    status: str | None = None
    seat: str | None = None

    def query(self, org_id: str) -> Document:
        """What an index answers: a search alone, or the status and seat without one."""
        query: Document = {"org_id": org_id}
        if self.search_prefix:
            query.update(prefix_match(self.search_prefix))
            return query
        if self.status:
            query["status"] = self.status
        if self.seat:
            query["seat"] = self.seat
        return query

    @property
    def filters_after_query(self) -> bool:
        return bool(
            self.search_prefix
            and (self.status or self.seat or len(self.search_prefix) > PREFIX_LENGTH)
        )

    def keep(self, doc: Document) -> bool:
        """The rest of the filter, for documents the query found."""
        if self.status and doc.get("status") != self.status:
            return False
        if self.seat and doc.get("seat") != self.seat:
            return False
        return not self.search_prefix or has_term_starting(doc, self.search_prefix)


class Users:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["users"]

    async def insert(self, record: UserRecord, search_terms: list[str]) -> None:
        try:
            await self._collection.insert_one(_document(record, search_terms))
        except DuplicateKeyError as error:
            raise _duplicate(error) from error

    async def get(self, org_id: str, user_id: str) -> UserRecord | None:
        oid = object_id(user_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def get_many(self, org_id: str, user_ids: list[str]) -> dict[str, UserRecord]:
        oids = [oid for oid in (object_id(i) for i in user_ids) if oid is not None]
        cursor = self._collection.find({"_id": {"$in": oids}, "org_id": org_id})
        return {str(doc["_id"]): _record(doc) async for doc in cursor}

    async def find_by_email(self, org_id: str, email: str) -> UserRecord | None:
        doc = await self._collection.find_one({"org_id": org_id, "email": email})
        return _record(doc) if doc else None

    async def get_many_by_email(self, org_id: str, emails: Sequence[str]) -> dict[str, UserRecord]:
        cursor = self._collection.find({"org_id": org_id, "email": {"$in": list(emails)}})
        return {doc["email"]: _record(doc) async for doc in cursor}

    async def find_by_username(self, org_id: str, username: str) -> UserRecord | None:
        key = search_key(username)
        doc = await self._collection.find_one({"org_id": org_id, "username_key": key})
        return _record(doc) if doc else None

    async def page(
        self, org_id: str, where: UserFilter, after_id: str | None, limit: int
    ) -> list[UserRecord]:
        query = where.query(org_id)
        after = object_id(after_id)
        if after is not None:
            query["_id"] = {"$gt": after}
        if where.filters_after_query:
            docs = await filtered_page(self._collection, query, where.keep, limit)
            return [_record(doc) for doc in docs]
        cursor = self._collection.find(query).sort("_id", 1).limit(limit)
        return [_record(doc) async for doc in cursor]

    async def count(self, org_id: str, where: UserFilter) -> int:
        if where.filters_after_query:
            fields = ("status", "seat", "search_terms")
            return await filtered_count(self._collection, where.query(org_id), where.keep, fields)
        return await self._collection.count_documents(where.query(org_id))

    async def update(
        self,
        org_id: str,
        user_id: str,
        changes: Document,
        search_terms: list[str] | None = None,
        only_if: Document | None = None,
    ) -> tuple[UserRecord, UserRecord] | None:
        """Apply `changes`; return (before, after), or None if no user matched `only_if`."""
        oid = object_id(user_id)
        if oid is None:
            return None
        stored = dict(changes)
        if "username" in stored:
            stored["username_key"] = search_key(stored["username"])
        if "roles" in stored:
            stored["roles"] = list(stored["roles"])
        if search_terms is not None:
            stored["search_terms"] = search_terms
            stored["search_prefixes"] = search_prefixes(search_terms)
        try:
            before = await self._collection.find_one_and_update(
                {"_id": oid, "org_id": org_id, **(only_if or {})},
                {"$set": stored},
                return_document=ReturnDocument.BEFORE,
            )
        except DuplicateKeyError as error:
            raise _duplicate(error) from error
        if before is None:
            return None
        after = dict(before)
        after.update(stored)
        return _record(before), _record(after)

    async def record_login(
        self,
        org_id: str,
        user_id: str,
        at: datetime,
        unless_status: str,
        identity_key: str | None = None,
    ) -> bool:
        """Set last_login_at unless the user's status is `unless_status`; False if it is.
        With `identity_key` (store.identities.usage_key), that identity's last use too.

        An update_one rather than find_one_and_update: nothing needs the stored document
        back, and the embedded database plans findAndModify writes as a collection scan."""
        oid = object_id(user_id)
        if oid is None:
            return False
        used = {f"identity_last_used.{identity_key}": at} if identity_key else {}
        result = await self._collection.update_one(
            {"_id": oid, "org_id": org_id, "status": {"$ne": unless_status}},
            {"$set": {"last_login_at": at, **used}},
        )
        return result.matched_count == 1

    async def delete(
        self, org_id: str, user_id: str, only_if: Document | None = None
    ) -> UserRecord | None:
        """Delete the user and return them; None if no user matched `only_if`."""
        oid = object_id(user_id)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_delete(
            {"_id": oid, "org_id": org_id, **(only_if or {})}
        )
        return _record(doc) if doc else None

    async def ids_referencing(self, org_id: str, field: str, value: str) -> list[str]:
        """The users whose `field` (department_id, company_id...) is `value`."""
        cursor = self._collection.find({"org_id": org_id, field: value}, {"_id": 1})
        return [str(doc["_id"]) async for doc in cursor]

    async def deleting_from(self, org_id: str, user_id: str) -> tuple[str, str] | None:
        """The (status, seat) a user had when a delete began that did not finish; None if
        none did."""
        oid = object_id(user_id)
        if oid is None:
            return None
        found = await self._collection.find_one({"_id": oid, "org_id": org_id, "deleting": True})
        if found is None:
            return None
        return str(found.get("status_before_delete")), str(found.get("seat_before_delete"))

    async def count_by_seat(self, org_id: str, seat: str) -> int:
        return await self._collection.count_documents({"org_id": org_id, "seat": seat})

    async def insert_many(
        self, org_id: str, records: Sequence[tuple[UserRecord, list[str]]]
    ) -> dict[int, DuplicateValue]:
        """Insert every record the unique indexes allow (unordered, one round trip);
        the refused ones, by their position in `records`."""
        docs = [_document(record, terms) for record, terms in records if record.org_id == org_id]
        if len(docs) != len(records):
            raise ValueError("every record must belong to the organization")
        if not docs:
            return {}
        try:
            await self._collection.insert_many(docs, ordered=False)
        except BulkWriteError as error:
            refused: dict[int, DuplicateValue] = {}
            for item in error.details.get("writeErrors", []):
                if item.get("code") != DUPLICATE_KEY:
                    raise
                duplicate = DuplicateKeyError(item.get("errmsg", ""), DUPLICATE_KEY, item)
                refused[item["index"]] = _duplicate(duplicate)
            return refused
        return {}

    async def existing_ids(self, org_id: str, user_ids: Sequence[str]) -> set[str]:
        oids = [oid for oid in (object_id(i) for i in user_ids) if oid is not None]
        if not oids:
            return set()
        cursor = self._collection.find({"_id": {"$in": oids}, "org_id": org_id}, {"_id": 1})
        return {str(doc["_id"]) async for doc in cursor}

    async def taken(
        self, org_id: str, emails: Sequence[str], usernames: Sequence[str]
    ) -> tuple[set[str], set[str]]:
        """Of these emails and usernames, those users of the organization already have."""
        keys = [key for key in (search_key(u) for u in usernames) if key]
        found_emails: set[str] = set()
        found_keys: set[str] = set()
        if emails:
            cursor = self._collection.find(
                {"org_id": org_id, "email": {"$in": list(emails)}}, {"email": 1}
            )
            found_emails = {doc["email"] async for doc in cursor}
        if keys:
            cursor = self._collection.find(
                {"org_id": org_id, "username_key": {"$in": keys}}, {"username_key": 1}
            )
            found_keys = {doc["username_key"] async for doc in cursor}
        return found_emails, found_keys
