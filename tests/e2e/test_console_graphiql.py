"""GraphiQL at /graphql in development: built from npm into the console (no CDN: the browser
may reach nothing but Roster), under the console's Content-Security-Policy, and sending the
CSRF header, so a signed-in admin loads the schema and runs queries."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.console_stack import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ORG,
    assert_accessible,
    console_stack,
)

pytestmark = pytest.mark.e2e

RUN = "Execute query (Ctrl-Enter)"


def test_a_signed_in_admin_runs_a_query_in_graphiql(tmp_path: Path) -> None:
    with console_stack(tmp_path) as stack:
        report = stack.browse(
            [
                {"goto": f"/login/{ORG}"},
                {"fill": "Email or username", "value": ADMIN_EMAIL},
                {"fill": "Password", "value": ADMIN_PASSWORD},
                {"click": "Sign in"},
                {"waitUrl": "/admin/users"},
                {"goto": "/graphql"},
                {"click": RUN},
                # The answer is the signed-in admin: the request carried the cookie and the
                # CSRF header (without it every request, the schema's included, is a 403).
                {"waitText": f'"{ADMIN_EMAIL}"'},
                {"click": "Show Documentation Explorer"},
                {"waitText": "Root Types"},
                {"check": "graphiql"},
            ]
        )
        assert_accessible(report)
        # The docs pane lists the schema's root types: the introspection query was allowed.
        assert "query: Query" in report["text"]["graphiql"].replace("\n", " ")
        # The same page without the header is refused, so the header is what let it through.
        with httpx.Client(base_url=stack.roster.base_url) as browser:
            signed = browser.post(
                "/graphql",
                json={
                    "query": "mutation($i: SignInInput!) { signIn(input: $i) { user { id } } }",
                    "variables": {
                        "i": {"organization": ORG, "login": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
                    },
                },
                headers={"X-Roster-Request": "1"},
            )
            assert signed.json()["data"]["signIn"]["user"], signed.text
            refused = browser.post("/graphql", json={"query": "{ me { email } }"})
            assert refused.status_code == 403, refused.text
