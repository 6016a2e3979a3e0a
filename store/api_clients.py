"""The api_clients collection: partner tools' OAuth clients. Secrets are kept as SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document


@dataclass(frozen=True)
class ApiClientRecord:
    id: str
    org_id: str
    client_id: str
    secret_hash: str
    name: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    created_by: str | None = None
    last_token_at: datetime | None = None


def _record(doc: Document) -> ApiClientRecord:
    return ApiClientRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        client_id=doc["client_id"],
        secret_hash=doc["secret_hash"],
        name=doc["name"],
        scopes=tuple(doc.get("scopes", ())),
        created_at=doc["created_at"],
        revoked_at=doc.get("revoked_at"),
        created_by=doc.get("created_by"),
        last_token_at=doc.get("last_token_at"),
    )


class ApiClients:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["api_clients"]

    async def insert(self, record: ApiClientRecord) -> None:
        await self._collection.insert_one(
            {
                "_id": ObjectId(record.id),
                "org_id": record.org_id,
                "client_id": record.client_id,
                "secret_hash": record.secret_hash,
                "name": record.name,
                "scopes": list(record.scopes),
                "created_at": record.created_at,
                "revoked_at": record.revoked_at,
                "created_by": record.created_by,
            }
        )

    async def by_client_id(self, client_id: str) -> ApiClientRecord | None:
        """Any organization's client: the token endpoint and bearer checks start here."""
        doc = await self._collection.find_one({"client_id": client_id})
        return _record(doc) if doc else None

    async def replace_secret(
        self, org_id: str, client_pk: str, new_hash: str
    ) -> ApiClientRecord | None:
        """The active client with its new secret; None if unknown or revoked."""
        oid = object_id(client_pk)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id, "revoked_at": None},
            {"$set": {"secret_hash": new_hash}},
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None

    async def note_token(self, client_pk: str, now: datetime) -> None:
        """The client got an access token now (shown to admins as when it was last used)."""
        await self._collection.update_one(
            {"_id": ObjectId(client_pk)}, {"$set": {"last_token_at": now}}
        )

    async def list(self, org_id: str) -> list[ApiClientRecord]:
        cursor = self._collection.find({"org_id": org_id}).sort("_id", 1)
        return [_record(doc) async for doc in cursor]

    async def revoke(self, org_id: str, client_pk: str, now: datetime) -> ApiClientRecord | None:
        oid = object_id(client_pk)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "org_id": org_id, "revoked_at": None},
            {"$set": {"revoked_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # unknown, or revoked already: revoking again changes nothing
            doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None
