"""Lookups and batch writes of a directory sync, over the users, integration_accounts and
companies collections (whose documents the modules of the same names define).

A sync touches thousands of records per run, and the embedded database is slow per
operation, so these read and write in batches what the per-record modules do one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bson import ObjectId
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from store.ids import object_id
from store.integration_accounts import AccountProfile
from store.licences import CONFIRMED
from store.prefix import search_prefixes
from store.reference import name_key
from store.types import DUPLICATE_KEY, Document

BATCH = 1000


class DirectoryRecords:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._users = db["users"]
        self._accounts = db["integration_accounts"]
        self._companies = db["companies"]
        self._assignments = db["licence_assignments"]
        self._events = db["licence_events"]

    async def linked_accounts(self, org_id: str, integration_id: str) -> dict[str, str]:
        """external id -> user id of every linked account of the integration."""
        cursor = self._accounts.find(
            {"org_id": org_id, "integration_id": integration_id, "linked_user_id": {"$gt": ""}},
            {"external_id": 1, "linked_user_id": 1},
        )
        return {doc["external_id"]: doc["linked_user_id"] async for doc in cursor}

    async def users_with_emails(self, org_id: str, emails: Sequence[str]) -> dict[str, str]:
        """email -> user id, for those of `emails` that a user of the organization has."""
        found: dict[str, str] = {}
        for start in range(0, len(emails), BATCH):
            chunk = list(emails[start : start + BATCH])
            cursor = self._users.find({"org_id": org_id, "email": {"$in": chunk}}, {"email": 1})
            found.update({doc["email"]: str(doc["_id"]) async for doc in cursor})
        return found

    async def insert_linked_accounts(
        self,
        org_id: str,
        integration_id: str,
        accounts: Sequence[tuple[str, str, AccountProfile]],
        now: datetime,
    ) -> list[str]:
        """New accounts (external id, user id, profile), linked from the start, in batches;
        returns the external ids that exist already (to be linked by `link_accounts`)."""
        existing: list[str] = []
        for start in range(0, len(accounts), BATCH):
            docs = [
                {
                    "org_id": org_id,
                    "integration_id": integration_id,
                    "external_id": external_id,
                    "first_seen_at": now,
                    "last_activity_at": now,
                    "activity_count": 1,
                    "linked_user_id": user_id,
                    "linked_at": now,
                    "linked": True,
                    "email": profile.email,
                    "display_name": profile.display_name,
                    "first_name": profile.first_name,
                    "last_name": profile.last_name,
                    "match_keys": list(profile.match_keys),
                    "search_terms": list(profile.search_terms),
                    "search_prefixes": search_prefixes(profile.search_terms),
                }
                for external_id, user_id, profile in accounts[start : start + BATCH]
            ]
            try:
                await self._accounts.insert_many(docs, ordered=False)
            except BulkWriteError as error:
                for failure in error.details.get("writeErrors", []):
                    if failure.get("code") != DUPLICATE_KEY:
                        raise
                    existing.append(docs[failure["index"]]["external_id"])
        return existing

    async def link_accounts(
        self, org_id: str, integration_id: str, links: Mapping[str, str], now: datetime
    ) -> None:
        """Links accounts (external id -> user id) that are not linked yet."""
        operations = [
            UpdateOne(
                {
                    "org_id": org_id,
                    "integration_id": integration_id,
                    "external_id": external_id,
                    "linked_user_id": None,
                },
                {"$set": {"linked_user_id": user_id, "linked_at": now, "linked": True}},
                # The planner would pick the (integration, linked user) index, where every
                # unlinked account shares the key: a scan per update.
                hint="org_integration_external_unique",
            )
            for external_id, user_id in links.items()
        ]
        for start in range(0, len(operations), BATCH):
            await self._accounts.bulk_write(operations[start : start + BATCH], ordered=False)

    async def disabled_by(self, org_id: str, directory: str) -> set[str]:
        """Users whose last change was their disabling by this directory (so that it may
        enable them again): any later write moves updated_at past `directory_disabled_at`."""
        # Index org_status's fields exactly, the directory checked here: with a third
        # clause the embedded database's planner would walk every user of the organization.
        cursor = self._users.find(
            {"org_id": org_id, "status": "DISABLED"},
            {"updated_at": 1, "directory_disabled_at": 1, "disabled_by": 1},
        )
        return {
            str(doc["_id"])
            async for doc in cursor
            if doc.get("disabled_by") == directory
            and doc.get("directory_disabled_at") == doc.get("updated_at")
        }

    async def companies_by_name(self, org_id: str) -> dict[str, tuple[str, str]]:
        """name key (store/reference.py's name_key) -> (id, name) of the organization's
        companies."""
        cursor = self._companies.find({"org_id": org_id}, {"name": 1})
        return {name_key(doc["name"]): (str(doc["_id"]), doc["name"]) async for doc in cursor}

    async def insert_companies(
        self, org_id: str, names: Sequence[str], managed_by: str, now: datetime
    ) -> dict[str, str]:
        """New partner companies, managed by the directory: name -> id of those inserted. A
        name the unique index refuses (another request created it meanwhile) is left out."""
        docs = [
            {
                "_id": ObjectId(),
                "org_id": org_id,
                "name": name,
                "name_key": name_key(name),
                "kind": "PARTNER",
                "managed_by": managed_by,
                "created_at": now,
            }
            for name in names
        ]
        refused: set[int] = set()
        if docs:
            try:
                await self._companies.insert_many(docs, ordered=False)
            except BulkWriteError as error:
                errors = error.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise
                refused = {e["index"] for e in errors}
        return {
            name: str(doc["_id"])
            for index, (name, doc) in enumerate(zip(names, docs, strict=True))
            if index not in refused
        }

    async def company_managed_by(self, org_id: str, company_id: str) -> tuple[str, str | None]:
        """(name, managing integration key) of a company; KeyError if there is none."""
        oid = object_id(company_id)
        doc = await self._companies.find_one({"_id": oid, "org_id": org_id}) if oid else None
        if doc is None:
            raise KeyError(company_id)
        return doc["name"], doc.get("managed_by")

    # ------------------------------------------------ outbound provisioning

    async def licence_holders(self, org_id: str, product_key: str) -> list[str]:
        cursor = self._assignments.find(
            {"org_id": org_id, "product_key": product_key, **CONFIRMED},
            {"user_id": 1},
        )
        return [doc["user_id"] async for doc in cursor]

    async def pending_licence_events(
        self, org_id: str, product_key: str, limit: int
    ) -> list[tuple[str, str]]:
        """(event id, user id) of unprocessed licence events, oldest first."""
        cursor = (
            self._events.find({"processed_at": None, "org_id": org_id, "product_key": product_key})
            .sort("_id", 1)
            .limit(limit)
        )
        return [(str(doc["_id"]), doc["user_id"]) async for doc in cursor]

    async def mark_events_processed(self, event_ids: Sequence[str], now: datetime) -> None:
        if event_ids:
            await self._events.update_many(
                {"_id": {"$in": [ObjectId(i) for i in event_ids]}},
                {"$set": {"processed_at": now}},
            )
