"""The console's public pages from real email links, in a real browser: an invitation received
by a real SMTP server (aiosmtpd) is opened, a password set, and the person is signed in; a
password reset asked for on the sign-in page arrives by email and its link sets a new password;
a used link says so and offers the next step. axe-core on every screen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.console_stack import (
    ADMIN_EMAIL,
    CONFIGURE_PROVIDER,
    CREATE_USER,
    INVITE_USER,
    ORG,
    SET_ONE_TIME_PASSWORD,
    ConsoleStack,
    assert_accessible,
    console_stack,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    """One Roster for the stories that leave the admin's password as it is (each uses its
    own people); the reset story changes it, so it runs its own."""
    with console_stack(tmp_path_factory.mktemp("public")) as running:
        yield running


NEW_PASSWORD = "a fresh and long passphrase"
INVITEE = "ina.vited@acme.example"


def test_an_invitation_link_sets_a_password_and_signs_in(stack: ConsoleStack) -> None:
    with stack.admin() as admin:
        created = stack.gql(
            admin,
            CREATE_USER,
            {"input": {"firstName": "Ina", "lastName": "Vited", "email": INVITEE}},
        )["createUser"]
        assert created["userErrors"] == [], created
        invited = stack.gql(admin, INVITE_USER, {"input": {"userId": created["user"]["id"]}})[
            "inviteUser"
        ]
        assert invited["userErrors"] == [], invited
    link = stack.mail_link(INVITEE, "/accept-invitation")
    accepted = stack.browse(
        [
            {"goto": link},
            {"check": "accept-invitation"},
            {"fill": "Password", "value": NEW_PASSWORD},
            {"click": "Set password and sign in"},
            {"waitUrl": "/"},
            {"waitText": "Signed in as Ina Vited"},
            {"check": "signed-in"},
            # A member at an admin link is told who they are and offered the way on.
            {"goto": "/admin/users"},
            {"waitText": "not an administrator"},
            {"check": "admins-only"},
            {"click": "Your start page", "role": "link"},
            {"waitText": "Signed in as Ina Vited"},
        ]
    )
    used = stack.browse(
        [
            {"goto": link},
            {"waitText": "This invitation cannot be used"},
            {"check": "invitation-used"},
            {"goto": f"/login/{ORG}"},
            {"fill": "Email or username", "value": INVITEE},
            {"fill": "Password", "value": NEW_PASSWORD},
            {"click": "Sign in"},
            {"waitText": "Signed in as Ina Vited"},
        ]
    )
    # The token left the address bar once read (it must not linger in history or referrers).
    assert "#token=" not in accepted["steps"][1]["url"]
    assert "Signed in as Ina Vited (ina.vited@acme.example)" in accepted["text"]["signed-in"]
    assert "Ina Vited (ina.vited@acme.example), who is" in accepted["text"]["admins-only"]
    assert "has expired or has already been used" in used["text"]["invitation-used"]
    assert "new invitation" in used["text"]["invitation-used"]
    assert_accessible(accepted)
    assert_accessible(used)


def test_an_invitation_to_an_sso_domain_continues_to_the_provider(stack: ConsoleStack) -> None:
    with stack.admin() as admin:
        configured = stack.gql(
            admin,
            CONFIGURE_PROVIDER,
            {
                "input": {
                    "name": "Corp SSO",
                    # Nothing listens there: the test follows the browser to Roster's
                    # login route for this provider, not further.
                    "issuer": "http://127.0.0.1:9/corp",
                    "clientId": "roster",
                    "clientSecret": "not used here",
                    "emailDomains": ["corp.example"],
                }
            },
        )["configureIdentityProvider"]
        assert configured["userErrors"] == [], configured
        created = stack.gql(
            admin,
            CREATE_USER,
            {"input": {"firstName": "Sam", "lastName": "Sso", "email": "sam@corp.example"}},
        )["createUser"]
        assert created["userErrors"] == [], created
        invited = stack.gql(admin, INVITE_USER, {"input": {"userId": created["user"]["id"]}})[
            "inviteUser"
        ]
        assert invited["userErrors"] == [], invited
    link = stack.mail_link("sam@corp.example", "/accept-invitation")
    report = stack.browse([{"goto": link}, {"waitUrl": f"/auth/{ORG}/login"}])
    provider_id = configured["identityProvider"]["id"]
    assert f"/auth/{ORG}/login?provider={provider_id}" in report["finalUrl"], report["finalUrl"]
    # Straight on, with no password asked for: the login binds the identity to the invitee.
    assert "login_hint=sam%40corp.example" in report["finalUrl"]
    assert "&bind=" in report["finalUrl"]


def test_a_reset_link_from_the_email_sets_a_new_password_once(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        asked = stack.browse(
            [
                {"goto": f"/login/{ORG}"},
                {"click": "Forgot password?", "role": "link"},
                {"waitUrl": "/reset-password"},
                {"check": "reset-request"},
                {"fill": "Email or username", "value": ADMIN_EMAIL},
                {"click": "Send a new reset link"},
                {"waitText": "Check your email"},
                {"check": "reset-sent"},
            ]
        )
        link = stack.mail_link(ADMIN_EMAIL, "/reset-password")
        reset = stack.browse(
            [
                {"goto": link},
                {"check": "reset-password"},
                {"fill": "New password", "value": "short"},
                {"click": "Set password and sign in"},
                {"waitText": "at least 12 characters"},
                {"check": "reset-password-error"},
                {"fill": "New password", "value": NEW_PASSWORD},
                {"click": "Set password and sign in"},
                {"waitUrl": "/admin/users"},
                {"waitText": ADMIN_EMAIL},
            ]
        )
        again = stack.browse(
            [
                {"goto": link},
                {"fill": "New password", "value": "yet another long passphrase"},
                {"click": "Set password and sign in"},
                {"waitText": "This link has expired"},
                {"check": "reset-link-used"},
                {"fill": "Organization", "value": ORG},
                {"fill": "Email or username", "value": ADMIN_EMAIL},
                {"click": "Send a new reset link"},
                {"waitText": "Check your email"},
            ]
        )
        stack.mail_link(ADMIN_EMAIL, "/reset-password", count=2)
    # Sent without typing the organization: the sign-in page's link filled it in.
    assert "Reset your password" in asked["text"]["reset-request"]
    assert "If an account matches" in asked["text"]["reset-sent"]
    assert "12 characters" in reset["text"]["reset-password-error"]
    assert "Request a new reset link" in again["text"]["reset-link-used"]
    for report in (asked, reset, again):
        assert_accessible(report)


def test_a_one_time_password_is_changed_at_the_first_sign_in(stack: ConsoleStack) -> None:
    with stack.admin() as admin:
        created = stack.gql(
            admin,
            CREATE_USER,
            {
                "input": {
                    "firstName": "Otto",
                    "lastName": "Once",
                    "username": "otto",
                    "phone": "+44 20 7946 0000",
                }
            },
        )["createUser"]
        assert created["userErrors"] == [], created
        given = stack.gql(
            admin,
            SET_ONE_TIME_PASSWORD,
            {"input": {"userId": created["user"]["id"], "password": "given out of band 1"}},
        )["setOneTimePassword"]
        assert given["userErrors"] == [], given
    report = stack.browse(
        [
            {"goto": f"/login/{ORG}"},
            {"fill": "Email or username", "value": "otto"},
            {"fill": "Password", "value": "given out of band 1"},
            {"click": "Sign in"},
            {"waitText": "Choose a new password"},
            {"check": "one-time-password"},
            {"fill": "New password", "value": NEW_PASSWORD},
            {"click": "Change password and sign in"},
            {"waitText": "Signed in as Otto Once (otto)"},
            {"goto": f"/login/{ORG}"},
            {"fill": "Email or username", "value": "otto"},
            {"fill": "Password", "value": "given out of band 1"},
            {"click": "Sign in"},
            {"waitText": "wrong"},
            {"check": "one-time-password-spent"},
        ]
    )
    assert "for one sign-in only" in report["text"]["one-time-password"]
    assert "Choose a new password" not in report["text"]["one-time-password-spent"]
    assert_accessible(report)
