"""The identities collection: (organization, issuer, subject) -> user, unique by index."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from store.identity_providers import IdentityProviderRecord, provider_record
from store.ids import object_id
from store.types import Document
from store.users import UserRecord, user_record


@dataclass(frozen=True)
class IdentityRecord:
    org_id: str
    issuer: str
    subject: str
    user_id: str
    provider_id: str
    created_at: datetime
    email: str | None = None
    # Read from the user document (`usage_key`), where every sign-in already writes.
    last_used_at: datetime | None = None


def usage_key(issuer: str, subject: str) -> str:
    """The field under the user's `identity_last_used` that records this identity's last
    sign-in (a hash: issuers hold dots, which a field path cannot)."""
    return hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]


def _record(doc: Document) -> IdentityRecord:
    return IdentityRecord(
        org_id=doc["org_id"],
        issuer=doc["issuer"],
        subject=doc["subject"],
        user_id=doc["user_id"],
        provider_id=doc["provider_id"],
        created_at=doc["created_at"],
        email=doc.get("email"),
    )


@dataclass(frozen=True)
class SignInView:
    """What a sign-in reads, in one command: the provider as it is now (None if removed),
    the identity (None on a first login) and the user it belongs to (None if deleted, or not
    joined: an identity written before `user_oid` existed)."""

    provider: IdentityProviderRecord | None
    identity: IdentityRecord | None
    user: UserRecord | None


def _document(record: IdentityRecord) -> Document:
    return {
        "org_id": record.org_id,
        "issuer": record.issuer,
        "subject": record.subject,
        "user_id": record.user_id,
        # user_id as an ObjectId, so that a sign-in can join the user in the same command.
        "user_oid": ObjectId(record.user_id),
        "provider_id": record.provider_id,
        "created_at": record.created_at,
        "email": record.email,
    }


class Identities:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["identities"]

    async def find(self, org_id: str, issuer: str, subject: str) -> IdentityRecord | None:
        doc = await self._collection.find_one(
            {"org_id": org_id, "issuer": issuer, "subject": subject}
        )
        return _record(doc) if doc else None

    async def sign_in_view(
        self, org_id: str, provider_id: str, issuer: str, subject: str
    ) -> SignInView:
        """The identity (unique index on org, issuer, subject) with its user joined by _id,
        and the provider by _id: each an index lookup, all in one round trip."""
        pipeline: list[Document] = [
            {"$match": {"org_id": org_id, "issuer": issuer, "subject": subject}},
            {
                "$lookup": {
                    "from": "users",
                    "localField": "user_oid",
                    "foreignField": "_id",
                    "as": "users",
                }
            },
            {
                "$unionWith": {
                    "coll": "identity_providers",
                    "pipeline": [{"$match": {"_id": object_id(provider_id), "org_id": org_id}}],
                }
            },
        ]
        provider = identity = user = None
        async for doc in await self._collection.aggregate(pipeline):
            if "subject" in doc:
                identity = _record(doc)
                users = [u for u in doc.get("users", ()) if u.get("org_id") == org_id]
                user = user_record(users[0]) if users else None
            else:
                provider = provider_record(doc)
        return SignInView(provider=provider, identity=identity, user=user)

    async def add_user_oid(self, record: IdentityRecord) -> None:
        """Give an identity written before `user_oid` existed its joinable user id."""
        await self._collection.update_one(
            {"org_id": record.org_id, "issuer": record.issuer, "subject": record.subject},
            {"$set": {"user_oid": ObjectId(record.user_id)}},
        )

    async def claim(self, record: IdentityRecord) -> tuple[IdentityRecord, bool]:
        """Bind the identity to `record.user_id` unless it is bound already.

        Returns the binding that holds and whether this call made it. An insert on the
        unique key, so concurrent first logins all get the same answer: the losers read
        the winner's binding.
        """
        key = {"org_id": record.org_id, "issuer": record.issuer, "subject": record.subject}
        for _ in range(3):
            try:
                await self._collection.insert_one(_document(record))
            except DuplicateKeyError:
                doc = await self._collection.find_one(key)
                if doc is None:
                    continue  # the binding was removed since: try to make ours again
                return _record(doc), False
            return record, True
        raise RuntimeError("identity binding kept vanishing while being claimed")

    async def move_issuer(self, org_id: str, old_issuer: str, new_issuer: str) -> int:
        """The provider moved (a development provider on a new port): its identities follow."""
        result = await self._collection.update_many(
            {"org_id": org_id, "issuer": old_issuer}, {"$set": {"issuer": new_issuer}}
        )
        return result.modified_count

    async def delete_for_user(self, org_id: str, user_id: str) -> int:
        result = await self._collection.delete_many({"org_id": org_id, "user_id": user_id})
        return result.deleted_count

    async def delete(self, org_id: str, issuer: str, subject: str) -> None:
        await self._collection.delete_one({"org_id": org_id, "issuer": issuer, "subject": subject})

    async def for_user(self, org_id: str, user_id: str) -> list[IdentityRecord]:
        cursor = self._collection.find({"org_id": org_id, "user_id": user_id})
        return [_record(doc) async for doc in cursor]

    async def for_users(self, org_id: str, user_ids: list[str]) -> dict[str, list[IdentityRecord]]:
        """Each user's identities, oldest first, with when each was last used to sign in."""
        found: dict[str, list[IdentityRecord]] = {user_id: [] for user_id in user_ids}
        cursor = self._collection.find({"org_id": org_id, "user_id": {"$in": user_ids}})
        records = sorted([_record(doc) async for doc in cursor], key=lambda r: r.created_at)
        if not records:
            return found
        oids = [oid for oid in (object_id(i) for i in user_ids) if oid is not None]
        users = self._collection.database["users"].find(
            {"_id": {"$in": oids}, "org_id": org_id}, {"identity_last_used": 1}
        )
        used = {str(doc["_id"]): doc.get("identity_last_used") or {} async for doc in users}
        for record in records:
            at = used.get(record.user_id, {}).get(usage_key(record.issuer, record.subject))
            # A use before this binding was made belongs to an earlier, unlinked one.
            if at is not None and at >= record.created_at:
                record = replace(record, last_used_at=at)
            found[record.user_id].append(record)
        return found
