"""The integration_accounts collection: people's accounts in other systems, as their data arrives.

An account is unique on (integration, external id), and at most one account of an
integration is linked to a user; both are unique indexes, so concurrent ingests and
links are decided by the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
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

# Enough for every racing writer of one batch to lose once; a loop past it is a bug.
MAX_RETRIES = 10


@dataclass(frozen=True)
class AccountRecord:
    id: str
    org_id: str
    integration_id: str
    external_id: str
    first_seen_at: datetime
    last_activity_at: datetime
    activity_count: int = 0
    email: str | None = None
    display_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    linked_user_id: str | None = None
    linked_at: datetime | None = None


@dataclass(frozen=True)
class AccountProfile:
    """What the other system says about the account, with the keys Roster looks it up by."""

    email: str | None
    display_name: str | None
    first_name: str | None
    last_name: str | None
    match_keys: tuple[str, ...]
    search_terms: tuple[str, ...]


@dataclass(frozen=True)
class Activity:
    """One recorded event; `profile` None records the activity and keeps the stored profile."""

    external_id: str
    occurred_at: datetime
    profile: AccountProfile | None
    external_terms: tuple[str, ...]


class UserAlreadyHasAccount(Exception):
    """The user is already linked to another account of this integration."""


def _record(doc: Document) -> AccountRecord:
    return AccountRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        integration_id=doc["integration_id"],
        external_id=doc["external_id"],
        first_seen_at=doc["first_seen_at"],
        last_activity_at=doc["last_activity_at"],
        activity_count=int(doc.get("activity_count", 0)),
        email=doc.get("email"),
        display_name=doc.get("display_name"),
        first_name=doc.get("first_name"),
        last_name=doc.get("last_name"),
        linked_user_id=doc.get("linked_user_id"),
        linked_at=doc.get("linked_at"),
    )


def _profile_fields(profile: AccountProfile) -> Document:
    return {
        "email": profile.email,
        "display_name": profile.display_name,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "match_keys": list(profile.match_keys),
        "search_terms": list(profile.search_terms),
        "search_prefixes": search_prefixes(profile.search_terms),
    }


def _upsert(org_id: str, integration_id: str, activity: Activity, now: datetime) -> UpdateOne:
    """One update, idempotent: a repeated or late event changes nothing.

    The activity count goes up only for an event later than the latest seen, the profile
    is replaced only by the newest event, and lastActivityAt only moves forward. A
    pipeline update, so that all of this is decided on the stored document atomically.
    """
    at = activity.occurred_at
    stored_last = {"$ifNull": ["$last_activity_at", None]}
    newest = {"$gte": [at, {"$ifNull": ["$last_activity_at", at]}]}
    always: Document = {
        "first_seen_at": {"$ifNull": ["$first_seen_at", now]},
        "last_activity_at": {"$max": ["$last_activity_at", at]},
        "activity_count": {
            "$add": [
                {"$ifNull": ["$activity_count", 0]},
                {"$cond": [{"$gt": [at, stored_last]}, 1, 0]},
            ]
        },
        "linked_user_id": {"$ifNull": ["$linked_user_id", None]},
        "linked": {"$gt": [{"$ifNull": ["$linked_user_id", None]}, None]},
    }
    parts: list[Any] = ["$$ROOT"]
    if activity.profile is None:
        always["search_terms"] = {
            "$ifNull": ["$search_terms", {"$literal": list(activity.external_terms)}]
        }
        always["search_prefixes"] = {
            "$ifNull": [
                "$search_prefixes",
                {"$literal": search_prefixes(activity.external_terms)},
            ]
        }
    else:
        # $literal: a name or email that starts with "$" must stay a value.
        parts.append({"$cond": [newest, {"$literal": _profile_fields(activity.profile)}, {}]})
    parts.append(always)
    return UpdateOne(
        {"org_id": org_id, "integration_id": integration_id, "external_id": activity.external_id},
        [{"$replaceWith": {"$mergeObjects": parts}}],
        upsert=True,
    )


@dataclass(frozen=True)
class UnlinkedFilter:
    """An integration's unlinked accounts (its linked ones with `linked`), by search."""

    integration_id: str
    search_prefix: str | None = None
    linked: bool = False

    def query(self, org_id: str, after: ObjectId | None = None) -> Document:
        """What an index answers (org_integration_search_linked or org_integration_linked_id);
        keep() applies the rest."""
        query: Document = {"org_id": org_id, "integration_id": self.integration_id}
        if self.search_prefix:
            query.update(prefix_match(self.search_prefix))
        # The stored flag, not a range over the user ids: then a page after a cursor is a
        # range of the index, not a scan from its start.
        query["linked"] = self.linked
        if after is not None:
            query["_id"] = {"$gt": after}
        return query

    def filters_after_query(self, after: ObjectId | None = None) -> bool:
        return bool(self.search_prefix and len(self.search_prefix) > PREFIX_LENGTH)

    def keeper(self, after: ObjectId | None = None) -> Callable[[Document], bool]:
        def keep(doc: Document) -> bool:
            if after is not None and doc["_id"] <= after:
                return False
            return not self.search_prefix or has_term_starting(doc, self.search_prefix)

        return keep


class IntegrationAccounts:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["integration_accounts"]

    async def record(
        self, org_id: str, integration_id: str, activities: Sequence[Activity], now: datetime
    ) -> int:
        """Upserts every activity in one ordered bulk write; returns how many accounts it created.

        Two writers creating one new account can both miss it and both insert: the loser
        gets a duplicate key error, and its write is retried, now as an update.
        """
        operations = [_upsert(org_id, integration_id, a, now) for a in activities]
        created = 0
        for _ in range(MAX_RETRIES):
            if not operations:
                return created
            try:
                result = await self._collection.bulk_write(operations, ordered=True)
            except BulkWriteError as error:
                details = error.details
                created += int(details.get("nUpserted", 0))
                failed = details.get("writeErrors", [])
                if not failed or failed[0].get("code") != DUPLICATE_KEY:
                    raise
                operations = operations[int(failed[0]["index"]) :]
                continue
            return created + result.upserted_count
        raise RuntimeError("integration account upserts kept colliding")

    async def get(self, org_id: str, account_id: str) -> AccountRecord | None:
        oid = object_id(account_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def get_many(self, org_id: str, ids: Sequence[str]) -> dict[str, AccountRecord]:
        oids = [oid for oid in (object_id(i) for i in ids) if oid is not None]
        if not oids:
            return {}
        cursor = self._collection.find({"_id": {"$in": oids}, "org_id": org_id})
        return {str(doc["_id"]): _record(doc) async for doc in cursor}

    async def get_by_external_ids(
        self, org_id: str, integration_id: str, external_ids: Sequence[str]
    ) -> dict[str, AccountRecord]:
        cursor = self._collection.find(
            {
                "org_id": org_id,
                "integration_id": integration_id,
                "external_id": {"$in": list(external_ids)},
            }
        )
        return {doc["external_id"]: _record(doc) async for doc in cursor}

    async def page_unlinked(
        self, org_id: str, where: UnlinkedFilter, after_id: str | None, limit: int
    ) -> list[AccountRecord]:
        after = object_id(after_id)
        query = where.query(org_id, after)
        if where.filters_after_query(after):
            docs = await filtered_page(self._collection, query, where.keeper(after), limit)
            return [_record(doc) for doc in docs]
        cursor = self._collection.find(query).sort("_id", 1).limit(limit)
        return [_record(doc) async for doc in cursor]

    async def count_unlinked(self, org_id: str, where: UnlinkedFilter) -> int:
        query = where.query(org_id)
        if where.filters_after_query():
            keep = where.keeper()
            return await filtered_count(self._collection, query, keep, ("search_terms",))
        return await self._collection.count_documents(query)

    async def unlinked_where(self, org_id: str, match_key: str, limit: int) -> list[AccountRecord]:
        """Unlinked accounts of every integration with this match key, by index."""
        cursor = self._collection.find(
            {"org_id": org_id, "match_keys": match_key, "linked_user_id": None}
        ).limit(limit)
        return [_record(doc) async for doc in cursor]

    async def linked_to_users(self, org_id: str, user_ids: Sequence[str]) -> list[AccountRecord]:
        cursor = self._collection.find(
            {"org_id": org_id, "linked_user_id": {"$in": list(user_ids)}}
        ).sort("_id", 1)
        return [_record(doc) async for doc in cursor]

    async def linked_in_integration(
        self, org_id: str, integration_id: str, user_id: str
    ) -> AccountRecord | None:
        doc = await self._collection.find_one(
            {"org_id": org_id, "integration_id": integration_id, "linked_user_id": user_id}
        )
        return _record(doc) if doc else None

    async def any_linked(self, org_id: str, integration_id: str) -> bool:
        # A range over the strings (every user id), so the index answers it.
        doc = await self._collection.find_one(
            {"org_id": org_id, "integration_id": integration_id, "linked_user_id": {"$gt": ""}},
            {"_id": 1},
        )
        return doc is not None

    async def link(
        self, org_id: str, account_id: str, user_id: str, now: datetime
    ) -> AccountRecord | None:
        """Links an unlinked account; None if there is no such account or it is linked."""
        oid = object_id(account_id)
        if oid is None:
            return None
        try:
            doc = await self._collection.find_one_and_update(
                {"_id": oid, "org_id": org_id, "linked_user_id": None},
                {"$set": {"linked_user_id": user_id, "linked_at": now, "linked": True}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as error:
            raise UserAlreadyHasAccount(user_id) from error
        return _record(doc) if doc else None

    async def unlink(self, org_id: str, account_id: str) -> AccountRecord | None:
        """Unlinks a linked account; returns it as it was, or None if it was not linked."""
        oid = object_id(account_id)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id, "linked_user_id": {"$gt": ""}},
            {"$set": {"linked_user_id": None, "linked_at": None, "linked": False}},
            return_document=ReturnDocument.BEFORE,
        )
        return _record(doc) if doc else None

    async def unlink_user(self, org_id: str, user_id: str) -> list[AccountRecord]:
        """Unlinks every account of a user; returns them as they were."""
        accounts = await self.linked_to_users(org_id, [user_id])
        if accounts:
            await self._collection.update_many(
                {"org_id": org_id, "linked_user_id": user_id},
                {"$set": {"linked_user_id": None, "linked_at": None, "linked": False}},
            )
        return accounts
