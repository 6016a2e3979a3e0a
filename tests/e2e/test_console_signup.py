"""Public sign-up in a real browser, from a department's sign-up link to the real email: the
sign-up page at the link's URL (its department preselected), "Check your email", the
/verify-signup link from the message the SMTP server received, a password chosen and the
person signed in, in that department. The spent link and a withdrawn sign-up link each say so
and offer the next step. axe-core on every screen."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.console_stack import ORG, assert_accessible, console_stack

pytestmark = pytest.mark.e2e

NINA = "nina@acme.example"
PASSWORD = "a long enough password"
SETTINGS = """
mutation ($input: SignupSettingsInput!) {
  updateSignupSettings(input: $input) { userErrors { code message } }
}
"""
DEPARTMENTS = "query { organization { departments { id name } } }"
CREATE_LINK = """
mutation ($input: CreateSignupLinkInput!) {
  createSignupLink(input: $input) { signupLink { id url } userErrors { code message } }
}
"""
REVOKE_LINK = """
mutation ($input: RevokeSignupLinkInput!) {
  revokeSignupLink(input: $input) { userErrors { code message } }
}
"""
USERS = """
query ($search: String) {
  users(search: $search) { edges { node { email status department { name } } } }
}
"""


def test_a_person_signs_up_from_a_department_link_and_the_email(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        with stack.admin() as admin:
            opened = stack.gql(
                admin, SETTINGS, {"input": {"enabled": True, "pickDepartment": True}}
            )
            assert opened["updateSignupSettings"]["userErrors"] == [], opened
            departments = stack.gql(admin, DEPARTMENTS, {})["organization"]["departments"]
            support = next(d["id"] for d in departments if d["name"] == "Support")
            links = []
            for _ in range(2):
                made = stack.gql(admin, CREATE_LINK, {"input": {"departmentId": support}})
                assert made["createSignupLink"]["userErrors"] == [], made
                links.append(made["createSignupLink"]["signupLink"])
            revoked = stack.gql(admin, REVOKE_LINK, {"input": {"id": links[1]["id"]}})
            assert revoked["revokeSignupLink"]["userErrors"] == [], revoked
        live, withdrawn = (urlsplit(link["url"]) for link in links)
        assert live.path == f"/signup/{ORG}" and live.query.startswith("link=")
        signed_up = stack.browse(
            [
                {"goto": f"{live.path}?{live.query}"},
                {"waitText": "Create your account"},
                {"check": "signup"},
                {"fill": "First name", "value": "Nina"},
                {"fill": "Last name", "value": "Example"},
                {"click": "Create account"},
                {"waitText": "Enter your email address."},
                {"check": "signup-error"},
                {"fill": "Email", "value": NINA},
                {"click": "Create account"},
                {"waitText": "Check your email"},
                {"check": "signup-sent"},
                {"goto": f"{withdrawn.path}?{withdrawn.query}"},
                {"waitText": "This sign-up link cannot be used"},
                {"check": "signup-link-withdrawn"},
            ]
        )
        link = urlsplit(stack.mail_link(NINA, "/verify-signup"))
        verified = stack.browse(
            [
                {"goto": f"{link.path}?{link.query}#{link.fragment}"},
                {"waitText": "Confirm your sign-up"},
                {"check": "verify"},
                {"fill": "Password", "value": PASSWORD},
                {"click": "Set password and sign in"},
                {"waitText": "You are signed in"},
                {"check": "signed-in"},
                {"goto": f"{link.path}?{link.query}#{link.fragment}"},
                {"waitText": "This link cannot be used"},
                {"check": "verify-spent"},
            ]
        )
        with stack.admin() as admin:
            nina = stack.gql(admin, USERS, {"search": "nina"})["users"]["edges"]
    assert_accessible(signed_up)
    assert_accessible(verified)
    assert [(e["node"]["status"], e["node"]["department"]) for e in nina] == [
        ("ACTIVE", {"name": "Support"})
    ]
    errored = signed_up["text"]["signup-error"].replace("\n\n", "\n")
    assert "Email\nEnter your email address.\nDepartment" in errored  # at its field
    assert NINA in signed_up["text"]["signup-sent"]
    withdrawn_page = signed_up["links"]["signup-link-withdrawn"]
    assert withdrawn_page["Sign up without the link"].endswith(f"/signup/{ORG}")
    assert "Sign up again" in verified["text"]["verify-spent"]
    # The link names its organization, so the spent link's page leads on to its pages.
    spent_links = verified["links"]["verify-spent"]
    assert spent_links["Sign up again"].endswith(f"/signup/{ORG}")
    assert spent_links["Sign in"].endswith(f"/login/{ORG}")
