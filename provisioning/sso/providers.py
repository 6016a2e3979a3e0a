"""Identity providers per organization, their JIT policy, and home-realm discovery."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from provisioning.audit import diff, record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import NotFound, Problem, ValidationFailed
from provisioning.outbound import OutboundPolicy
from provisioning.users.rules import Checker
from provisioning.users.write import SEATS, check_references

# ClaimMapping is part of ProviderDraft: the edge builds it from here.
from store.identity_providers import ClaimMapping as ClaimMapping
from store.identity_providers import IdentityProviderRecord
from store.ids import new_id

DEFAULT_SCOPES = ("openid", "email", "profile")
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CLAIM_NAME = re.compile(r"^[A-Za-z0-9_:.\-/]{1,100}$")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class ProviderDraft:
    name: str
    issuer: str
    client_id: str
    client_secret: str | None
    scopes: tuple[str, ...] | None = None
    email_domains: tuple[str, ...] | None = None
    jit: bool = True
    link_by_verified_email: bool = False
    owns_profile: bool = False
    default_department_id: str | None = None
    default_job_profile_id: str | None = None
    default_permission_type_id: str | None = None
    default_seat: str = "OBSERVER"
    default_language: str | None = None
    claims: ClaimMapping = field(default_factory=ClaimMapping)


@dataclass(frozen=True)
class LoginOptions:
    provider: IdentityProviderRecord | None
    password: bool


def _check_issuer(
    check: Checker, issuer: str, allow_loopback_http: bool, outbound: OutboundPolicy
) -> str:
    issuer = issuer.strip()
    parts = urlsplit(issuer)
    loopback = parts.hostname in LOOPBACK_HOSTS
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        check.fail("issuer", "INVALID", "The issuer must be an absolute https URL.")
    elif parts.scheme == "http" and not (loopback and allow_loopback_http):
        check.fail("issuer", "INVALID", "The issuer must use https.")
    elif (problem := outbound.url_problem(issuer)) is not None:
        check.fail("issuer", "FORBIDDEN", problem)
    return issuer


def _check_scopes(check: Checker, scopes: tuple[str, ...] | None) -> tuple[str, ...]:
    if scopes is None:
        return DEFAULT_SCOPES
    cleaned = tuple(dict.fromkeys(s.strip() for s in scopes if s.strip()))
    if "openid" not in cleaned:
        check.fail("scopes", "INVALID", "The scopes must include openid.")
    if any(not _SCOPE_TOKEN.match(s) for s in cleaned):
        check.fail("scopes", "INVALID", "A scope contains characters OAuth does not allow.")
    return cleaned


def check_email_domains(check: Checker, domains: tuple[str, ...] | None) -> tuple[str, ...]:
    cleaned = tuple(
        dict.fromkeys(d.strip().lower().lstrip("@") for d in domains or () if d.strip())
    )
    bad = [d for d in cleaned if not _DOMAIN.match(d)]
    if bad:
        check.fail("emailDomains", "INVALID", f"Not email domains: {bad}.")
    return cleaned


def _check_claims(check: Checker, claims: ClaimMapping) -> ClaimMapping:
    for name, value in dataclasses.asdict(claims).items():
        if value is not None and not _CLAIM_NAME.match(value):
            check.fail("claimMapping", "INVALID", f"{name} must name a claim, not {value!r}.")
    if not claims.email:
        check.fail("claimMapping", "REQUIRED", "The email claim must be mapped.")
    return claims


def _audit_view(record: IdentityProviderRecord) -> dict[str, Any]:
    values = dataclasses.asdict(record)
    for name in ("id", "org_id", "created_at", "updated_at", "client_secret_sealed"):
        values.pop(name)
    values["scopes"] = list(record.scopes)
    values["email_domains"] = list(record.email_domains)
    return values


async def configure_provider(
    deps: Dependencies, caller: Caller, draft: ProviderDraft, provider_id: str | None = None
) -> IdentityProviderRecord:
    """Add a provider (no id) or change one. The client secret is sealed, never readable."""
    org_id = caller.require_admin()
    existing = None
    if provider_id is not None:
        existing = await deps.store.identity_providers.get(org_id, provider_id)
        if existing is None:
            raise NotFound("Identity provider", ("input", "id"))
    check = Checker()
    name = check.name("name", draft.name)
    issuer = _check_issuer(
        check, draft.issuer, deps.limits.allow_loopback_http_issuers, deps.outbound
    )
    client_id = draft.client_id.strip()
    if not client_id:
        check.fail("clientId", "REQUIRED", "The client id is required.")
    secret = (draft.client_secret or "").strip()
    if existing is None and not secret:
        check.fail("clientSecret", "REQUIRED", "The client secret is required.")
    scopes = _check_scopes(check, draft.scopes)
    domains = check_email_domains(check, draft.email_domains)
    claims = _check_claims(check, draft.claims)
    if draft.default_seat not in SEATS:
        check.fail("defaultSeat", "INVALID", f"The seat must be one of {list(SEATS)}.")
    language = check.language(draft.default_language, "") or None
    await check_references(
        deps,
        org_id,
        check,
        {
            "department_id": draft.default_department_id,
            "job_profile_id": draft.default_job_profile_id,
            "permission_type_id": draft.default_permission_type_id,
        },
    )
    others = [p for p in await deps.store.identity_providers.list(org_id) if p.id != provider_id]
    for other in others:
        shared = set(domains) & set(other.email_domains)
        if shared:
            check.fail(
                "emailDomains",
                "INVALID",
                f"{sorted(shared)} already sign in with the provider {other.name!r}.",
            )
    if check.problems:
        raise ValidationFailed(*_renamed(check.problems))

    now = deps.clock()
    record = IdentityProviderRecord(
        id=existing.id if existing else new_id(),
        org_id=org_id,
        name=name,
        issuer=issuer,
        client_id=client_id,
        client_secret_sealed=deps.secret_box.seal(secret)
        if secret
        else existing.client_secret_sealed
        if existing
        else "",
        scopes=scopes,
        email_domains=domains,
        jit=draft.jit,
        link_by_verified_email=draft.link_by_verified_email,
        owns_profile=draft.owns_profile,
        default_department_id=draft.default_department_id,
        default_job_profile_id=draft.default_job_profile_id,
        default_permission_type_id=draft.default_permission_type_id,
        default_seat=draft.default_seat,
        default_language=language,
        claims=claims,
        created_at=existing.created_at if existing else now,
        updated_at=now,
    )
    changes: dict[str, dict[str, Any]]
    if existing is None:
        await deps.store.identity_providers.insert(record)
        changes = diff({}, _audit_view(record))
        action = "identity_provider.created"
    else:
        before = await deps.store.identity_providers.replace(record)
        if before is None:
            raise NotFound("Identity provider", ("input", "id"))
        changes = diff(_audit_view(before), _audit_view(record))
        action = "identity_provider.updated"
    deps.sign_in_cache.forget(org_id)
    if secret:
        changes["client_secret"] = {"before": None, "after": "(set)"}
    await record_event(deps, caller, action, "IdentityProvider", record.id, changes)
    return record


def _renamed(problems: list[Problem]) -> list[Problem]:
    """The checks name user fields (departmentId); here they are defaults (defaultDepartmentId)."""
    renames = {
        "departmentId": "defaultDepartmentId",
        "jobProfileId": "defaultJobProfileId",
        "permissionTypeId": "defaultPermissionTypeId",
        "language": "defaultLanguage",
    }
    return [
        dataclasses.replace(p, field=(*p.field[:-1], renames.get(p.field[-1], p.field[-1])))
        if p.field
        else p
        for p in problems
    ]


async def remove_provider(deps: Dependencies, caller: Caller, provider_id: str) -> None:
    """Remove the provider. Its users stay; their identities no longer sign anyone in."""
    org_id = caller.require_admin()
    removed = await deps.store.identity_providers.delete(org_id, provider_id)
    if removed is None:
        raise NotFound("Identity provider", ("input", "id"))
    deps.sign_in_cache.forget(org_id)
    await record_event(
        deps,
        caller,
        "identity_provider.removed",
        "IdentityProvider",
        provider_id,
        diff(_audit_view(removed), {}),
    )


async def list_providers(deps: Dependencies, caller: Caller) -> list[IdentityProviderRecord]:
    return await deps.store.identity_providers.list(caller.require_admin())


async def login_options(deps: Dependencies, organization_slug: str, email: str) -> LoginOptions:
    """Home-realm discovery: the provider whose email domains include this email's domain."""
    organization = await deps.store.organizations.get_by_slug(organization_slug.strip().lower())
    if organization is None:
        return LoginOptions(provider=None, password=True)
    domain = email.strip().lower().rpartition("@")[2]
    for provider in await deps.store.identity_providers.list(organization.id):
        if domain and domain in provider.email_domains:
            return LoginOptions(provider=provider, password=True)
    return LoginOptions(provider=None, password=True)


async def sign_in_providers(
    deps: Dependencies, organization_slug: str
) -> tuple[str, list[IdentityProviderRecord]]:
    """Public: the organization's slug and providers, for its sign-in page's buttons; an
    unknown organization answers the same shape (no providers), never a different error."""
    slug = organization_slug.strip().lower()
    organization = await deps.store.organizations.get_by_slug(slug)
    if organization is None:
        return slug, []
    return slug, await deps.store.identity_providers.list(organization.id)


async def provider_for_login(
    deps: Dependencies, org_id: str, provider_id: str | None, login_hint: str | None
) -> IdentityProviderRecord | None:
    """The provider a login route starts with: by id, by the hint's domain, or the only one."""
    if provider_id:
        return await deps.sign_in_cache.provider(deps, org_id, provider_id)
    providers = await deps.sign_in_cache.providers(deps, org_id)
    if login_hint:
        domain = login_hint.strip().lower().rpartition("@")[2]
        for provider in providers:
            if domain in provider.email_domains:
                return provider
    return providers[0] if len(providers) == 1 else None
