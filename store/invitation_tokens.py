"""Single-use tokens for links (invitation, password reset). Only their SHA-256 is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.types import Document

INVITE, RESET, SIGNUP = "INVITE", "RESET", "SIGNUP"


@dataclass(frozen=True)
class LinkToken:
    token_hash: str
    purpose: str
    org_id: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    # Whether the link went by email, so that using it proves the address.
    verifies_email: bool = True


def _record(doc: Document) -> LinkToken:
    return LinkToken(
        token_hash=doc["_id"],
        purpose=doc["purpose"],
        org_id=doc["org_id"],
        user_id=doc["user_id"],
        created_at=doc["created_at"],
        expires_at=doc["expires_at"],
        used_at=doc.get("used_at"),
        verifies_email=bool(doc.get("verifies_email", True)),
    )


class InvitationTokens:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["invitation_tokens"]

    async def issue(self, record: LinkToken, now: datetime) -> int:
        """Store `record` and void the user's earlier unused tokens of the same purpose.

        Returns how many earlier tokens were voided. The hash is the _id: unique by nature.
        """
        voided = await self._collection.update_many(
            {
                "org_id": record.org_id,
                "user_id": record.user_id,
                "purpose": record.purpose,
                "used_at": None,
            },
            {"$set": {"used_at": now, "voided": True}},
        )
        await self._collection.insert_one(
            {
                "_id": record.token_hash,
                "purpose": record.purpose,
                "org_id": record.org_id,
                "user_id": record.user_id,
                "created_at": record.created_at,
                "expires_at": record.expires_at,
                "used_at": None,
                "verifies_email": record.verifies_email,
            }
        )
        return voided.modified_count

    async def consume(self, token_hash: str, purpose: str, now: datetime) -> LinkToken | None:
        """Mark the token used, once: None if unknown, used, voided, expired or another purpose."""
        doc = await self._collection.find_one_and_update(
            {"_id": token_hash, "purpose": purpose, "used_at": None, "expires_at": {"$gt": now}},
            {"$set": {"used_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None

    async def find_live(self, token_hash: str, purpose: str, now: datetime) -> LinkToken | None:
        """The token if it could still be consumed (a read: `consume` decides)."""
        doc = await self._collection.find_one(
            {"_id": token_hash, "purpose": purpose, "used_at": None, "expires_at": {"$gt": now}}
        )
        return _record(doc) if doc else None

    async def find(self, token_hash: str, purpose: str) -> LinkToken | None:
        """The token whatever its state (used, voided, expired): a read for previews."""
        doc = await self._collection.find_one({"_id": token_hash, "purpose": purpose})
        return _record(doc) if doc else None

    async def void_for_user(self, org_id: str, user_id: str, now: datetime) -> None:
        await self._collection.update_many(
            {"org_id": org_id, "user_id": user_id, "used_at": None},
            {"$set": {"used_at": now, "voided": True}},
        )
