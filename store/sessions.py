"""Server-side sessions. The cookie holds a random token; only its SHA-256 is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from store.types import Document


@dataclass(frozen=True)
class SessionRecord:
    token_hash: str
    org_id: str
    user_id: str
    roles: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    # store.identities.usage_key of the identity the session was opened with (SSO), if any
    identity_key: str | None = None


def _record(doc: Document) -> SessionRecord:
    return SessionRecord(
        token_hash=doc["_id"],
        org_id=doc["org_id"],
        user_id=doc["user_id"],
        roles=tuple(doc.get("roles", ())),
        created_at=doc["created_at"],
        expires_at=doc["expires_at"],
        identity_key=doc.get("identity_key"),
    )


class Sessions:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["sessions"]

    async def insert(self, record: SessionRecord) -> None:
        await self._collection.insert_one(
            {
                "_id": record.token_hash,
                "org_id": record.org_id,
                "user_id": record.user_id,
                "roles": list(record.roles),
                "created_at": record.created_at,
                "expires_at": record.expires_at,
                **({"identity_key": record.identity_key} if record.identity_key else {}),
            }
        )

    async def get_live(self, token_hash: str, now: datetime) -> SessionRecord | None:
        # The TTL sweep is lazy, so expiry is also checked on every read.
        doc = await self._collection.find_one({"_id": token_hash, "expires_at": {"$gt": now}})
        return _record(doc) if doc else None

    async def delete(self, token_hash: str) -> None:
        await self._collection.delete_one({"_id": token_hash})

    async def delete_for_user(self, org_id: str, user_id: str) -> int:
        result = await self._collection.delete_many({"org_id": org_id, "user_id": user_id})
        return result.deleted_count

    async def delete_for_identity(self, org_id: str, user_id: str, identity_key: str) -> int:
        result = await self._collection.delete_many(
            {"org_id": org_id, "user_id": user_id, "identity_key": identity_key}
        )
        return result.deleted_count

    async def set_roles_for_user(self, org_id: str, user_id: str, roles: tuple[str, ...]) -> None:
        await self._collection.update_many(
            {"org_id": org_id, "user_id": user_id}, {"$set": {"roles": list(roles)}}
        )
