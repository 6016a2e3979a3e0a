"""The outbox: every message Roster sends, its status and why it failed, retried with backoff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document

QUEUED, SENDING, SENT, FAILED, LOGGED = "queued", "sending", "sent", "failed", "logged"


@dataclass(frozen=True)
class OutboxMessage:
    id: str
    org_id: str
    channel: str
    recipient: str
    template: str
    subject: str
    text: str
    html: str
    created_at: datetime
    status: str = QUEUED
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    user_id: str | None = None
    sent_at: datetime | None = None


def _record(doc: Document) -> OutboxMessage:
    return OutboxMessage(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        channel=doc["channel"],
        recipient=doc["recipient"],
        template=doc["template"],
        subject=doc["subject"],
        text=doc["text"],
        html=doc["html"],
        created_at=doc["created_at"],
        status=doc["status"],
        attempts=int(doc.get("attempts", 0)),
        next_attempt_at=doc.get("next_attempt_at"),
        last_error=doc.get("last_error"),
        user_id=doc.get("user_id"),
        sent_at=doc.get("sent_at"),
    )


class Outbox:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["outbox"]

    async def insert(self, message: OutboxMessage) -> None:
        await self._collection.insert_one(
            {
                "_id": ObjectId(message.id),
                "org_id": message.org_id,
                "user_id": message.user_id,
                "channel": message.channel,
                "recipient": message.recipient,
                "template": message.template,
                "subject": message.subject,
                "text": message.text,
                "html": message.html,
                "created_at": message.created_at,
                "status": message.status,
                "attempts": message.attempts,
                "next_attempt_at": message.next_attempt_at,
                "last_error": message.last_error,
                "sent_at": None,
            }
        )

    async def claim(self, message_id: str, now: datetime, lease: timedelta) -> OutboxMessage | None:
        """Take one message for sending, if nobody else has: queued and due (or a stale lease)."""
        oid = object_id(message_id)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_update(
            {"_id": oid, "status": {"$in": [QUEUED, SENDING]}, "next_attempt_at": {"$lte": now}},
            {"$set": {"status": SENDING, "next_attempt_at": now + lease}, "$inc": {"attempts": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None

    async def claim_due(self, now: datetime, lease: timedelta) -> OutboxMessage | None:
        """The oldest due message, claimed by this caller alone (a conditional update)."""
        doc = await self._collection.find_one_and_update(
            {"status": {"$in": [QUEUED, SENDING]}, "next_attempt_at": {"$lte": now}},
            {"$set": {"status": SENDING, "next_attempt_at": now + lease}, "$inc": {"attempts": 1}},
            sort=[("next_attempt_at", 1)],
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc) if doc else None

    async def mark_sent(self, message_id: str, status: str, now: datetime) -> None:
        await self._collection.update_one(
            {"_id": ObjectId(message_id)},
            # A retry that got through: the earlier attempt's error is history now.
            {
                "$set": {
                    "status": status,
                    "sent_at": now,
                    "next_attempt_at": None,
                    "last_error": None,
                }
            },
        )

    async def mark_failed(
        self, message_id: str, error: str, next_attempt_at: datetime | None
    ) -> None:
        """Back to queued with the next attempt's time, or failed for good when it is None."""
        status = QUEUED if next_attempt_at is not None else FAILED
        await self._collection.update_one(
            {"_id": ObjectId(message_id)},
            {"$set": {"status": status, "last_error": error, "next_attempt_at": next_attempt_at}},
        )

    async def get(self, org_id: str, message_id: str) -> OutboxMessage | None:
        oid = object_id(message_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def for_user(self, org_id: str, user_id: str) -> list[OutboxMessage]:
        cursor = self._collection.find({"org_id": org_id, "user_id": user_id}).sort("_id", 1)
        return [_record(doc) async for doc in cursor]
