"""The identity_providers collection: each organization's OIDC providers and JIT policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from store.ids import object_id
from store.types import Document


@dataclass(frozen=True)
class ClaimMapping:
    email: str = "email"
    first_name: str = "given_name"
    last_name: str = "family_name"
    username: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class IdentityProviderRecord:
    id: str
    org_id: str
    name: str
    issuer: str
    client_id: str
    client_secret_sealed: str = field(repr=False)
    scopes: tuple[str, ...]
    email_domains: tuple[str, ...]
    jit: bool
    link_by_verified_email: bool
    owns_profile: bool
    default_department_id: str | None
    default_job_profile_id: str | None
    default_permission_type_id: str | None
    default_seat: str
    default_language: str | None
    claims: ClaimMapping
    created_at: datetime
    updated_at: datetime


def _record(doc: Document) -> IdentityProviderRecord:
    claims: dict[str, Any] = doc.get("claims") or {}
    return IdentityProviderRecord(
        id=str(doc["_id"]),
        org_id=doc["org_id"],
        name=doc["name"],
        issuer=doc["issuer"],
        client_id=doc["client_id"],
        client_secret_sealed=doc["client_secret_sealed"],
        scopes=tuple(doc.get("scopes", ())),
        email_domains=tuple(doc.get("email_domains", ())),
        jit=bool(doc.get("jit", True)),
        link_by_verified_email=bool(doc.get("link_by_verified_email", False)),
        owns_profile=bool(doc.get("owns_profile", False)),
        default_department_id=doc.get("default_department_id"),
        default_job_profile_id=doc.get("default_job_profile_id"),
        default_permission_type_id=doc.get("default_permission_type_id"),
        default_seat=doc.get("default_seat", "OBSERVER"),
        default_language=doc.get("default_language"),
        claims=ClaimMapping(**claims),
        created_at=doc["created_at"],
        updated_at=doc["updated_at"],
    )


def provider_record(doc: Document) -> IdentityProviderRecord:
    """A provider document as a record, for reads that join it in (a sign-in's one command)."""
    return _record(doc)


def _document(record: IdentityProviderRecord) -> Document:
    return {
        "_id": ObjectId(record.id),
        "org_id": record.org_id,
        "name": record.name,
        "issuer": record.issuer,
        "client_id": record.client_id,
        "client_secret_sealed": record.client_secret_sealed,
        "scopes": list(record.scopes),
        "email_domains": list(record.email_domains),
        "jit": record.jit,
        "link_by_verified_email": record.link_by_verified_email,
        "owns_profile": record.owns_profile,
        "default_department_id": record.default_department_id,
        "default_job_profile_id": record.default_job_profile_id,
        "default_permission_type_id": record.default_permission_type_id,
        "default_seat": record.default_seat,
        "default_language": record.default_language,
        "claims": {
            "email": record.claims.email,
            "first_name": record.claims.first_name,
            "last_name": record.claims.last_name,
            "username": record.claims.username,
            "department": record.claims.department,
        },
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


class IdentityProviders:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db["identity_providers"]

    async def insert(self, record: IdentityProviderRecord) -> None:
        await self._collection.insert_one(_document(record))

    async def replace(self, record: IdentityProviderRecord) -> IdentityProviderRecord | None:
        """Replace the provider's settings; (before) or None if it is not in the organization."""
        doc = _document(record)
        doc.pop("created_at")
        doc.pop("_id")
        before = await self._collection.find_one_and_update(
            {"_id": ObjectId(record.id), "org_id": record.org_id},
            {"$set": doc},
            return_document=ReturnDocument.BEFORE,
        )
        return _record(before) if before else None

    async def get(self, org_id: str, provider_id: str) -> IdentityProviderRecord | None:
        oid = object_id(provider_id)
        if oid is None:
            return None
        doc = await self._collection.find_one({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None

    async def list(self, org_id: str) -> list[IdentityProviderRecord]:
        cursor = self._collection.find({"org_id": org_id}).sort("_id", 1)
        return [_record(doc) async for doc in cursor]

    async def delete(self, org_id: str, provider_id: str) -> IdentityProviderRecord | None:
        oid = object_id(provider_id)
        if oid is None:
            return None
        doc = await self._collection.find_one_and_delete({"_id": oid, "org_id": org_id})
        return _record(doc) if doc else None
