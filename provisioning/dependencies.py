"""What the business rules need from outside, passed in rather than imported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from provisioning.access.passwords import PasswordHasher
from provisioning.access.secret_box import SecretBox
from provisioning.invitations.messages import (
    LoggingMailer,
    LoggingSmsSender,
    Mailer,
    OutboxBell,
    SmsSender,
)
from provisioning.outbound import OutboundPolicy
from provisioning.sso.sign_in_cache import SignInCache
from provisioning.sync.peer import NoScimPeers, ScimPeers
from store.database import Store

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, to the millisecond: what MongoDB stores, so a value survives a round trip."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Limits:
    session_ttl_seconds: int = 7 * 24 * 3600
    login_failures_per_login: int = 5
    login_failures_per_address: int = 30
    login_failure_window_seconds: int = 900
    # http issuers on localhost, for development providers; production refuses them.
    allow_loopback_http_issuers: bool = True
    invitation_ttl_seconds: int = 7 * 24 * 3600
    reset_ttl_seconds: int = 3600
    reset_requests_per_login: int = 3
    reset_requests_per_address: int = 30
    reset_request_window_seconds: int = 900
    signups_per_address: int = 10
    signup_window_seconds: int = 900
    # Bulk import: the largest file (bytes) and the most rows one file may have.
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 100_000
    # How long a FAILED import job's file (which may hold one-time passwords) is kept for a
    # resume; and how old an uploaded file no job holds must be before it is deleted.
    import_file_retention_seconds: int = 7 * 24 * 3600
    import_orphan_grace_seconds: int = 24 * 3600


@dataclass(frozen=True)
class Dependencies:
    store: Store
    hasher: PasswordHasher
    clock: Clock = utc_now
    limits: Limits = Limits()
    # The app and the CLI pass one keyed by ROSTER_SECRET_KEY; the default suits tests.
    secret_box: SecretBox = field(default_factory=lambda: SecretBox("development-only"))
    # The app passes an SMTP mailer when ROSTER_SMTP_URL is set; otherwise messages are logged.
    mailer: Mailer = field(default_factory=LoggingMailer)
    # An HTTP gateway when ROSTER_SMS_URL is set; otherwise texts are logged (the dev outbox).
    sms: SmsSender = field(default_factory=LoggingSmsSender)
    # Rung when a message is queued: the app's outbox sender sends it at once.
    outbox_bell: OutboxBell = field(default_factory=OutboxBell)
    # Where admins' URLs may lead: the app passes production's; the default suits tests.
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy.development)
    # One per process: what every SSO login looks up first (see its module for why stale is safe).
    sign_in_cache: SignInCache = field(default_factory=SignInCache)
    # Opens SCIM peers (directories, apps) for syncs: the app and the CLI pass the HTTP
    # adapter (server/scim_peer.py) on their outbound client; a test may pass another.
    scim_peers: ScimPeers = field(default_factory=NoScimPeers)
    # Where the links in messages lead (ROSTER_PUBLIC_URL): the app and the CLI pass it.
    # None sends no activation message when a user is created (the links would lead nowhere).
    public_url: str | None = None
