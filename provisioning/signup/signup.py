"""Self sign-up: where an organization allows it, a person asks for an account, confirms it
with a link by email (or by text, for a username and phone), and chooses a password.

The answer never tells whether an email already has an account: a new address gets a
verification link, a known one a notice to its owner, and both answers are the same. The
messages are queued, not sent inline, so that a mail server's latency tells nothing either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from provisioning.access.sliding_window import SlidingWindow
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import (
    EmailTaken,
    Problem,
    SignupDisabled,
    TooManySignups,
    ValidationFailed,
)
from provisioning.invitations import link_tokens
from provisioning.invitations.messages import (
    queue_message,
    signup_email,
    signup_notice_email,
    signup_sms,
)
from provisioning.signup.links import MAX_CODE_LENGTH, live_link
from provisioning.signup.settings import SignupSettings, signup_settings
from provisioning.users.model import UserSource
from provisioning.users.rules import Checker
from provisioning.users.write import DISABLED, OBSERVER, PENDING, UserDraft, create_user
from store.invitation_tokens import SIGNUP
from store.organizations import OrganizationRecord
from store.reference import ReferenceRecord
from store.users import UserRecord


@dataclass(frozen=True)
class SignupRequest:
    organization: str
    first_name: str
    last_name: str
    email: str | None = None
    username: str | None = None
    phone: str | None = None
    language: str | None = None
    department_id: str | None = None
    signup_link: str | None = None


async def _count(deps: Dependencies, client_address: str) -> None:
    limits = deps.limits
    now = deps.clock()
    window = SlidingWindow(limits.signup_window_seconds)
    count = await window.add(deps.store.rate_counters, f"signup|address|{client_address}", now)
    if count > limits.signups_per_address:
        raise TooManySignups(window.retry_after(now))


async def _department(
    deps: Dependencies, org_id: str, settings: SignupSettings, request: SignupRequest
) -> tuple[str | None, str | None]:
    """(department id, sign-up link id): the link's department wins, then the person's pick
    where allowed, then the default."""
    if request.signup_link:
        link = await live_link(deps, org_id, request.signup_link)
        return link.department_id or settings.default_department_id, link.id
    if request.department_id:
        if not settings.pick_department:
            raise ValidationFailed(
                Problem(
                    "INVALID",
                    "This organization assigns the department itself.",
                    ("input", "departmentId"),
                )
            )
        return request.department_id, None
    return settings.default_department_id, None


def _check_contact(settings: SignupSettings, request: SignupRequest) -> None:
    email = (request.email or "").strip().lower()
    if email:
        if "@" in email and not settings.allows_domain(email):
            raise ValidationFailed(
                Problem(
                    "INVALID",
                    "Sign-up with this email domain is not allowed here.",
                    ("input", "email"),
                )
            )
        return
    if not settings.username_with_phone:
        raise ValidationFailed(Problem("REQUIRED", "Enter your email address.", ("input", "email")))
    check = Checker()
    if not (request.username or "").strip():
        check.fail("username", "REQUIRED", "Enter a username, or your email address.")
    if not (request.phone or "").strip():
        check.fail("phone", "REQUIRED", "Enter your mobile number to confirm the sign-up.")
    if check.problems:
        raise ValidationFailed(*check.problems)


async def _send_verification(
    deps: Dependencies, organization: OrganizationRecord, user: UserRecord, public_url: str
) -> str:
    ttl = timedelta(seconds=deps.limits.invitation_ttl_seconds)
    by_email = user.email is not None
    issued = await link_tokens.issue(
        deps, SIGNUP, organization.id, user.id, ttl, verifies_email=by_email
    )
    url = link_tokens.link(
        public_url, link_tokens.VERIFY_SIGNUP_PATH, issued.token, organization.slug
    )
    days = max(ttl.days, 1)
    if user.email is not None:
        message = await queue_message(
            deps,
            organization.id,
            user.id,
            user.email,
            signup_email(organization.name, user.first_name, url, days),
        )
    else:
        assert user.phone is not None, "a user without an email has a phone"
        message = await queue_message(
            deps,
            organization.id,
            user.id,
            user.phone,
            signup_sms(organization.name, user.first_name, url, days),
        )
    return message.id


async def _answer_existing(
    deps: Dependencies,
    organization: OrganizationRecord,
    email: str,
    public_url: str,
    caller: Caller,
) -> None:
    """An address that has an account: resend an unconfirmed sign-up's link, else tell the
    owner someone tried. Never a new account, never a different answer."""
    existing = await deps.store.users.find_by_email(organization.id, email)
    if existing is None or existing.status == DISABLED:
        return
    if existing.source == UserSource.SIGNUP and existing.status == PENDING:
        message_id = await _send_verification(deps, organization, existing, public_url)
        action = "user.signup_resent"
    else:
        sign_in = f"{public_url.rstrip('/')}{link_tokens.SIGN_IN_PATH}/{organization.slug}"
        message = await queue_message(
            deps,
            organization.id,
            existing.id,
            email,
            signup_notice_email(organization.name, existing.first_name, sign_in),
        )
        message_id = message.id
        action = "user.signup_attempted"
    await record_event(
        deps, caller, action, "User", existing.id, None, metadata={"message_id": message_id}
    )


async def sign_up(
    deps: Dependencies,
    request: SignupRequest,
    client_address: str,
    public_url: str,
    request_id: str | None = None,
) -> None:
    """Ask for an account. Errors only for what the person typed, a closed sign-up or too
    many attempts; whether the email is known is never among them."""
    await _count(deps, client_address)
    slug = request.organization.strip().lower()
    organization = await deps.store.organizations.get_by_slug(slug)
    if organization is None:
        raise SignupDisabled()
    settings = await signup_settings(deps, organization.id)
    if not settings.enabled:
        raise SignupDisabled()
    _check_contact(settings, request)
    department_id, link_id = await _department(deps, organization.id, settings, request)
    system = Caller(principal=None, request_id=request_id, org_id_override=organization.id)
    draft = UserDraft(
        first_name=request.first_name,
        last_name=request.last_name,
        email=request.email if (request.email or "").strip() else None,
        username=request.username if (request.username or "").strip() else None,
        phone=request.phone if (request.phone or "").strip() else None,
        language=request.language,
        department_id=department_id,
        job_profile_id=settings.default_job_profile_id,
        permission_type_id=settings.default_permission_type_id,
        seat=OBSERVER,
        source=UserSource.SIGNUP,
        status=PENDING,
    )
    try:
        # Sign-up's own verification link activates: no invitation besides.
        user = await create_user(deps, system, draft, send_invitation=False)
    except EmailTaken:
        email = (request.email or "").strip().lower()
        await _answer_existing(deps, organization, email, public_url, system)
        return
    message_id = await _send_verification(deps, organization, user, public_url)
    await record_event(
        deps,
        system,
        "user.signed_up",
        "User",
        user.id,
        None,
        metadata={"signup_link_id": link_id, "message_id": message_id},
    )


@dataclass(frozen=True)
class SignupOptions:
    """What a public sign-up page needs to know before it asks anything."""

    enabled: bool
    username_with_phone: bool = False
    email_domains: tuple[str, ...] = ()
    departments: tuple[ReferenceRecord, ...] = ()
    link_department: ReferenceRecord | None = None
    link_valid: bool | None = None


async def signup_options(
    deps: Dependencies, organization_slug: str, link_code: str | None
) -> SignupOptions:
    """Public. The departments are listed only where the person may pick one."""
    organization = await deps.store.organizations.get_by_slug(organization_slug.strip().lower())
    if organization is None:
        return SignupOptions(enabled=False)
    settings = await signup_settings(deps, organization.id)
    if not settings.enabled:
        return SignupOptions(enabled=False)
    departments = await deps.store.departments.list(organization.id)
    link_department: ReferenceRecord | None = None
    link_valid: bool | None = None
    if link_code is not None:
        link = (
            await deps.store.signup_links.find_live(organization.id, link_code)
            if len(link_code) <= MAX_CODE_LENGTH
            else None
        )
        link_valid = link is not None
        if link is not None and link.department_id is not None:
            link_department = next((d for d in departments if d.id == link.department_id), None)
    return SignupOptions(
        enabled=True,
        username_with_phone=settings.username_with_phone,
        email_domains=settings.email_domains,
        departments=tuple(departments) if settings.pick_department else (),
        link_department=link_department,
        link_valid=link_valid,
    )
