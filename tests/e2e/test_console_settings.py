"""The settings screens, part 1, in a real browser: the index from the admin nav; communication
settings changed and saved; sign-up turned on with an allowed domain and a department link
whose QR code (read by jsQR from the image on screen) and link text are the API's link; that
link opened by a new person as seed 002 tells it (the department preselected on
/signup/{org}, the verification mail, verified and signed in); an identity provider added
through the screen (its secret written, then kept by an edit) and shown on /login/{org},
another removed with the keyboard; a link copied and another revoked; the SCIM
settings with their endpoint URL. axe-core on every screen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.console_stack import (
    CONFIGURE_PROVIDER,
    ORG,
    ConsoleStack,
    assert_accessible,
    console_stack,
)
from tests.e2e.test_console_admin import SIGN_IN_STEPS

pytestmark = pytest.mark.e2e

OLIVE = "olive@acme.example"
PASSWORD = "a long enough password"
QR_ALT = "QR code of the sign-up link for Support"
READ = """
query {
  organization {
    communicationSettings { sendOnCreate email sms }
    signupSettings { enabled emailDomains }
    scimSettings { createCompanies deprovision endpointUrl }
  }
  signupLinks { url revokedAt department { name } }
  identityProviders { name issuer clientId emailDomains jit defaultSeat
    scopes defaultLanguage claimMapping { department } }
}
"""
DEPARTMENTS = "query { organization { departments { id name } } }"
CREATE_LINK = """
mutation ($input: CreateSignupLinkInput!) {
  createSignupLink(input: $input) { signupLink { id } userErrors { code message } }
}
"""
USERS = """
query ($search: String) {
  users(search: $search) {
    edges { node { email status source department { name } jobProfile { name } } }
  }
}
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    with console_stack(tmp_path_factory.mktemp("settings")) as running:
        with running.admin() as admin:
            old = running.gql(
                admin,
                CONFIGURE_PROVIDER,
                {
                    "input": {
                        "name": "Old SSO",
                        "issuer": "http://127.0.0.1:9/old",
                        "clientId": "roster",
                        "clientSecret": "not used here",
                    }
                },
            )["configureIdentityProvider"]
            assert old["userErrors"] == [], old
            before = running.gql(admin, READ, {})["organization"]["communicationSettings"]
            departments = running.gql(admin, DEPARTMENTS, {})["organization"]["departments"]
            sales = next(d["id"] for d in departments if d["name"] == "Sales")
            made = running.gql(admin, CREATE_LINK, {"input": {"departmentId": sales}})
            assert made["createSignupLink"]["userErrors"] == [], made
        assert before == {"sendOnCreate": False, "email": True, "sms": False}, before
        yield running


@pytest.fixture(scope="module")
def admin_story(stack: ConsoleStack) -> dict[str, Any]:
    return stack.browse(
        [
            *SIGN_IN_STEPS,
            {"click": "Settings", "role": "link"},
            {"waitText": "Audit log"},
            {"check": "settings"},
            {"click": "Communication", "role": "link"},
            {"waitText": "Send activation messages by"},
            {"click": "Invite new users when they are created", "role": "checkbox"},
            {"click": "SMS", "role": "checkbox"},
            {"click": "Save"},
            {"waitText": "Communication settings saved."},
            {"check": "communication"},
            {"goto": "/admin/settings/signup"},
            {"waitText": "Sign-up links"},
            {"click": "People may sign themselves up", "role": "checkbox"},
            {"fill": "Allowed email domains", "value": "acme.example, Acme.Example "},
            {"select": "Default job profile", "option": "Consultant"},
            {"click": "Save"},
            {"waitText": "Sign-up settings saved. Sign-up is on."},
            {"select": "Department of the new link", "option": "Support"},
            {"click": "Create sign-up link"},
            {"waitText": "Sign-up link created."},
            {"qr": QR_ALT},
            {"click": "Copy link for Support"},
            {"waitText": "The link for Support is copied."},
            {"check": "signup"},
            {"click": "Revoke the sign-up link for Sales"},
            {"waitText": "The link for Sales is revoked."},
            {"waitText": "Revoked links (1)"},
            {"check": "signup-revoked"},
            {"goto": "/admin/settings/sso"},
            {"waitText": "Old SSO"},
            {"click": "Add an identity provider"},
            {"waitFocus": "Name on the sign-in button"},
            {"type": "Corp SSO"},
            {"fill": "Issuer URL", "value": "http://127.0.0.1:9/corp"},
            {"fill": "Client id", "value": "roster-console"},
            {"click": "Save provider"},
            {"waitText": "The client secret is required."},
            {"check": "sso-form-error"},
            {"fill": "Client secret", "value": "s3cret from the provider"},
            {"fill": "Email domains it signs in", "value": "corp.example"},
            {"fill": "Scopes", "value": "openid email profile groups"},
            {
                "fill": "Department claim (optional; of a groups claim, its first entry)",
                "value": "groups",
            },
            {"fill": "Language of new users (optional)", "value": "fr"},
            {"select": "Seat of new users", "option": "Full (billable)"},
            {"click": "Save provider"},
            {"waitText": "Corp SSO is saved."},
            {"waitFocus": "Corp SSO is saved."},  # the notice takes the focus, and is read
            {"check": "sso"},
            # Removing Old SSO: the confirmation takes the focus, Enter removes it.
            {"click": "Remove Old SSO"},
            {"waitFocus": "Remove Old SSO"},
            {"check": "sso-remove"},
            {"press": "Enter"},
            {"waitText": "Old SSO is removed. Its users stay."},
            {"waitFocus": "Old SSO is removed. Its users stay."},
            {"click": "Edit Corp SSO"},
            {"waitFocus": "Name on the sign-in button"},
            {"fill": "Email domains it signs in", "value": "corp.example, corp2.example"},
            {"click": "Save provider"},
            {"waitText": "Corp SSO is saved."},
            {"goto": "/admin/settings/scim"},
            {"waitText": "Connect your identity provider"},
            {
                "select": "When the provider removes a user",
                "option": "Delete the user and their personal data",
            },
            {"click": "Create partner companies the provider names", "role": "checkbox"},
            {"click": "Save"},
            {"waitText": "SCIM settings saved."},
            {"check": "scim"},
            {"goto": f"/login/{ORG}"},
            {"waitText": "Sign in with Corp SSO"},
            {"check": "login-with-sso"},
        ]
    )


def test_settings_changed_on_screen_are_saved(
    stack: ConsoleStack, admin_story: dict[str, Any]
) -> None:
    with stack.admin() as admin:
        read = stack.gql(admin, READ, {})
    assert_accessible(admin_story)
    settings = read["organization"]
    assert settings["communicationSettings"] == {"sendOnCreate": True, "email": True, "sms": True}
    assert settings["signupSettings"] == {"enabled": True, "emailDomains": ["acme.example"]}
    assert settings["scimSettings"]["createCompanies"] is False
    assert settings["scimSettings"]["deprovision"] == "DELETE"
    assert settings["scimSettings"]["endpointUrl"] in admin_story["text"]["scim"]
    assert read["identityProviders"] == [
        {
            "name": "Corp SSO",
            "issuer": "http://127.0.0.1:9/corp",
            "clientId": "roster-console",
            "emailDomains": ["corp.example", "corp2.example"],
            "jit": True,
            "defaultSeat": "FULL",
            # Set when it was added; the later edit (domains only) sent them back unchanged.
            "scopes": ["openid", "email", "profile", "groups"],
            "defaultLanguage": "fr",
            "claimMapping": {"department": "groups"},
        }
    ]
    index = {urlsplit(href).path for href in admin_story["links"]["settings"].values()}
    for page in ("communication", "signup", "sso", "scim", "licences", "api-clients", "roles",
                 "catalog", "audit"):  # fmt: skip
        assert f"/admin/settings/{page}" in index, page
    assert "Client secret\n" in admin_story["text"]["sso-form-error"]
    assert "Old SSO" not in admin_story["text"]["login-with-sso"]
    assert "Create one now!" in admin_story["text"]["login-with-sso"]


def test_a_department_link_and_its_qr_code_sign_a_person_up(
    stack: ConsoleStack, admin_story: dict[str, Any]
) -> None:
    with stack.admin() as admin:
        links = stack.gql(admin, READ, {})["signupLinks"]
    live = [link for link in links if link["revokedAt"] is None]
    assert [link["department"] for link in live] == [{"name": "Support"}]
    assert [link["department"] for link in links if link["revokedAt"]] == [{"name": "Sales"}]
    shown = [href for href in admin_story["links"]["signup-revoked"].values() if "?link=" in href]
    assert shown == [live[0]["url"]]  # the revoked link's card is gone
    url = live[0]["url"]
    # What the admin sees is the API's link: its text, its href and what its QR code says.
    assert admin_story["qr"][QR_ALT] == url
    assert admin_story["links"]["signup"][url] == url
    svg = admin_story["links"]["signup"]["Download QR code (SVG)"]
    assert svg.startswith("data:image/svg+xml;charset=utf-8,%3C")
    assert url.startswith(f"{stack.roster.base_url}/signup/{ORG}?link=")
    scanned = urlsplit(url)
    signed_up = stack.browse(
        [
            {"goto": url},
            {"waitText": "Create your account"},
            {"waitText": "Department: Support"},
            {"check": "signup-from-link"},
            {"fill": "First name", "value": "Olive"},
            {"fill": "Last name", "value": "Example"},
            {"fill": "Email", "value": OLIVE},
            {"click": "Create account"},
            {"waitText": "Check your email"},
        ]
    )
    assert scanned.path == f"/signup/{ORG}"
    link = urlsplit(stack.mail_link(OLIVE, "/verify-signup"))
    verified = stack.browse(
        [
            {"goto": f"{link.path}#{link.fragment}"},
            {"waitText": "Confirm your sign-up"},
            {"fill": "Password", "value": PASSWORD},
            {"click": "Set password and sign in"},
            {"waitText": "You are signed in"},
            {"check": "verified"},
        ]
    )
    with stack.admin() as admin:
        olive = stack.gql(admin, USERS, {"search": "olive"})["users"]["edges"]
    assert_accessible(signed_up)
    assert_accessible(verified)
    assert [e["node"] for e in olive] == [
        {
            "email": OLIVE,
            "status": "ACTIVE",
            "source": "SIGNUP",
            "department": {"name": "Support"},  # the link's
            "jobProfile": {"name": "Consultant"},  # the sign-up default set on screen
        }
    ]
