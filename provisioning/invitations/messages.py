"""Messages to people: the Mailer and SmsSender ports, the outbox and its retries, templates.

Every message is written to the outbox (queued) and sent by the app's background sender,
never by the request that queued it: a mail server that accepts a connection and never
answers must not hold a request. Queuing rings the OutboxBell, so the sender of this
instance starts at once; the others find the message at their next poll. A failed send
stays queued with its error and the time of its next attempt (exponential backoff), and
`deliver_due` (run by the app every few seconds on every instance) sends what is due.
Each message is claimed with a conditional update, so two instances never send the same one.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from provisioning.access.principal import USERS_READ
from store.ids import new_id
from store.outbox import QUEUED, OutboxMessage

if TYPE_CHECKING:
    from provisioning.caller import Caller
    from provisioning.dependencies import Dependencies

log = logging.getLogger("roster.messages")

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
LEASE = timedelta(seconds=120)  # a claim older than this (a crashed sender) is taken again
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
MAX_ATTEMPTS = 10
SEND_TIMEOUT_SECONDS = 30.0


class Mailer(Protocol):
    """Sends one email. `delivered_status` is what the outbox records after a send."""

    delivered_status: str

    async def send(self, to: str, subject: str, text: str, html: str) -> None: ...


class LoggingMailer:
    """Development without ROSTER_SMTP_URL: the message (and its link) goes to the log."""

    delivered_status = "logged"

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        log.info("email to %s (not sent: no ROSTER_SMTP_URL): %s\n%s", to, subject, text)


class SmsSender(Protocol):
    """Sends one text message. `reference` (the outbox id) lets a gateway drop a resend."""

    delivered_status: str

    async def send(self, to: str, text: str, reference: str) -> None: ...


class LoggingSmsSender:
    """The development SMS outbox: no ROSTER_SMS_URL, so the text (and its link) is logged
    and the outbox records it as `logged`."""

    delivered_status = "logged"

    async def send(self, to: str, text: str, reference: str) -> None:
        log.info("sms to %s (not sent: no ROSTER_SMS_URL) [%s]: %s", to, reference, text)


class OutboxBell:
    """Wakes this instance's outbox sender when a message is queued."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait_at_most(self, seconds: float) -> None:
        """Until rung or `seconds` have passed."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), seconds)
        self._rung.clear()


@dataclass(frozen=True)
class Sms:
    template: str
    text: str


@dataclass(frozen=True)
class Email:
    template: str
    subject: str
    text: str
    html: str


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    delay: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_RETRY)


async def _attempt(deps: Dependencies, message: OutboxMessage) -> OutboxMessage:
    """Send a claimed message; record the outcome. Never raises for a provider's failure."""
    delivered_status = (
        deps.sms.delivered_status if message.channel == SMS else (deps.mailer.delivered_status)
    )
    try:
        if message.channel == SMS:
            sending = deps.sms.send(message.recipient, message.text, message.id)
        else:
            sending = deps.mailer.send(
                message.recipient, message.subject, message.text, message.html
            )
        await asyncio.wait_for(sending, SEND_TIMEOUT_SECONDS)
    except Exception as error:  # any failure of the mail server or the network
        now = deps.clock()
        reason = f"{type(error).__name__}: {error}"[:500]
        retry_at = now + backoff(message.attempts) if message.attempts < MAX_ATTEMPTS else None
        await deps.store.outbox.mark_failed(message.id, reason, retry_at)
        log.warning(
            "%s %s to %s failed (attempt %d): %s",
            message.channel,
            message.id,
            message.recipient,
            message.attempts,
            reason,
        )
        return message
    await deps.store.outbox.mark_sent(message.id, delivered_status, deps.clock())
    return message


async def queue_message(
    deps: Dependencies, org_id: str, user_id: str | None, to: str, message: Email | Sms
) -> OutboxMessage:
    """Write the message as queued and due now; the caller or `deliver_due` sends it."""
    now = deps.clock()
    is_email = isinstance(message, Email)
    queued = OutboxMessage(
        id=new_id(),
        org_id=org_id,
        user_id=user_id,
        channel=EMAIL if is_email else SMS,
        recipient=to,
        template=message.template,
        subject=message.subject if isinstance(message, Email) else "",
        text=message.text,
        html=message.html if isinstance(message, Email) else "",
        created_at=now,
        status=QUEUED,
        next_attempt_at=now,
    )
    await deps.store.outbox.insert(queued)
    deps.outbox_bell.ring()
    return queued


async def send_message(
    deps: Dependencies, org_id: str, user_id: str | None, to: str, message: Email | Sms
) -> str:
    """Queue for the background sender (it starts at once); the message's id."""
    queued = await queue_message(deps, org_id, user_id, to, message)
    return queued.id


async def send_email(
    deps: Dependencies, org_id: str, user_id: str | None, to: str, email: Email
) -> str:
    return await send_message(deps, org_id, user_id, to, email)


async def deliver_due(deps: Dependencies, limit: int = 100) -> int:
    """Send every message that is due (up to `limit`); how many were attempted."""
    attempted = 0
    while attempted < limit:
        claimed = await deps.store.outbox.claim_due(deps.clock(), LEASE)
        if claimed is None:
            break
        attempted += 1
        await _attempt(deps, claimed)
    return attempted


async def deliver_forever(deps: Dependencies, every_seconds: float) -> None:
    """The app's background sender; cancelled at shutdown. Errors are logged, never fatal."""
    while True:
        try:
            await deliver_due(deps)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("outbox delivery failed; retrying in %s s", every_seconds)
        await deps.outbox_bell.wait_at_most(every_seconds)


def _page(title: str, paragraphs: list[str], link: str, button: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    href = html.escape(link, quote=True)
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'</head><body>{body}<p><a href="{href}">{html.escape(button)}</a></p>'
        f"<p>Or open this link: {href}</p></body></html>"
    )


def invitation_email(
    organization: str, first_name: str, link: str, valid_days: int, observer: bool
) -> Email:
    subject = f"You are invited to {organization}"
    seat = (
        "You can sign in as an observer: you see what your colleagues share, and your"
        " account is not billable."
        if observer
        else ""
    )
    text = (
        f"Hello {first_name},\n\n{organization} has invited you. Choose your password here"
        f" (the link works once, for {valid_days} days):\n\n{link}\n\n{seat}\n"
    )
    e_org, e_name = html.escape(organization), html.escape(first_name)
    paragraphs = [
        f"Hello {e_name},",
        f"{e_org} has invited you. Choose your password with the link below"
        f" (it works once, for {valid_days} days).",
    ]
    if seat:
        paragraphs.append(html.escape(seat))
    return Email("invitation", subject, text, _page(subject, paragraphs, link, "Accept"))


def invitation_sms(organization: str, first_name: str, link: str, valid_days: int) -> Sms:
    text = (
        f"Hi {first_name}, {organization} has invited you. Set your password (link works once,"
        f" {valid_days} days): {link}"
    )
    return Sms("invitation", text)


def signup_email(organization: str, first_name: str, link: str, valid_days: int) -> Email:
    subject = f"Confirm your {organization} account"
    text = (
        f"Hello {first_name},\n\nYou signed up at {organization}. Confirm your email address"
        f" and choose your password here (the link works once, for {valid_days} days):\n\n"
        f"{link}\n\nIf it was not you, ignore this message: no account is made without it.\n"
    )
    e_org, e_name = html.escape(organization), html.escape(first_name)
    paragraphs = [
        f"Hello {e_name},",
        f"You signed up at {e_org}. Confirm your email address and choose your password with"
        f" the link below (it works once, for {valid_days} days).",
        "If it was not you, ignore this message: no account is made without it.",
    ]
    return Email("signup_verification", subject, text, _page(subject, paragraphs, link, "Confirm"))


def signup_sms(organization: str, first_name: str, link: str, valid_days: int) -> Sms:
    text = (
        f"Hi {first_name}, confirm your {organization} account and choose a password (link"
        f" works once, {valid_days} days): {link}"
    )
    return Sms("signup_verification", text)


def signup_notice_email(organization: str, first_name: str, sign_in: str) -> Email:
    """To the owner of an address someone tried to sign up with again: no account is made."""
    subject = f"Someone tried to sign up at {organization} with your address"
    text = (
        f"Hello {first_name},\n\nSomeone (perhaps you) tried to sign up at {organization} with"
        f" this email address, which already has an account. No new account was made.\n\n"
        f"To sign in, or to reset a forgotten password, go to {sign_in}\n"
    )
    e_org, e_name = html.escape(organization), html.escape(first_name)
    paragraphs = [
        f"Hello {e_name},",
        f"Someone (perhaps you) tried to sign up at {e_org} with this email address, which"
        " already has an account. No new account was made.",
        "To sign in, or to reset a forgotten password, use the link below.",
    ]
    return Email("signup_notice", subject, text, _page(subject, paragraphs, sign_in, "Sign in"))


def reset_email(organization: str, first_name: str, link: str, valid_minutes: int) -> Email:
    subject = f"Reset your {organization} password"
    text = (
        f"Hello {first_name},\n\nSomeone asked to reset your password at {organization}."
        f" If it was you, choose a new one here (the link works once, for {valid_minutes}"
        f" minutes):\n\n{link}\n\nIf it was not you, ignore this message.\n"
    )
    e_org, e_name = html.escape(organization), html.escape(first_name)
    paragraphs = [
        f"Hello {e_name},",
        f"Someone asked to reset your password at {e_org}. If it was you, choose a new one"
        f" with the link below (it works once, for {valid_minutes} minutes).",
        "If it was not you, ignore this message.",
    ]
    return Email("password_reset", subject, text, _page(subject, paragraphs, link, "Reset"))


async def messages_for_user(
    deps: Dependencies, caller: Caller, user_id: str
) -> list[OutboxMessage]:
    """Every message sent (or still trying) to a user: why someone got nothing."""
    org_id = caller.require(USERS_READ)
    return await deps.store.outbox.for_user(org_id, user_id)
