"""`roster serve` serves the built console: its index.html at / and at the paths emails link to
(the SPA fallback, and only there), hashed assets cached for good, a strict CSP, no inline
script."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.console_stack import node_and_console
from tests.e2e.processes import running_roster

pytestmark = pytest.mark.e2e

PAGES = [
    "/",
    "/login/acme",
    "/accept-invitation",
    "/reset-password",
    "/signup/acme",
    "/verify-signup",
    "/admin",
    "/admin/users",
    "/admin/integrations/crm/users",
]
NOT_PAGES = ["/auth/acme/elsewhere", "/oauth/nothing", "/scim/v2/Nothing", "/nothing", "/import/x"]


def test_the_console_is_served_at_its_pages_with_a_strict_policy(tmp_path: Path) -> None:
    node_and_console()
    with (
        running_roster(tmp_path / "data", tmp_path / "roster.log") as roster,
        httpx.Client(base_url=roster.base_url, timeout=10.0) as client,
    ):
        pages = {path: client.get(path) for path in PAGES}
        index = pages["/"]
        asset = re.search(r'src="(/assets/[^"]+\.js)"', index.text)
        assert asset, index.text
        script = client.get(asset.group(1))
        missing_asset = client.get("/assets/nothing-0000.js")
        escaping = client.get("/assets/..%2F..%2Fpackage.json")
        others = {path: client.get(path) for path in NOT_PAGES}
        graphql = client.post("/graphql", json={"query": "{ __typename }"})
        health = client.get("/healthz")

    for path, page in pages.items():
        assert page.status_code == 200, path
        assert page.text == index.text, path
        assert page.headers["content-type"].startswith("text/html"), path
        assert page.headers["cache-control"] == "no-cache", path
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self';" in policy, policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
        assert "frame-ancestors 'none'" in policy, policy
    # Every script is a file: nothing inline for the policy to refuse.
    assert re.findall(r"<script\b(?![^>]*\bsrc=)", index.text) == [], index.text
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert missing_asset.status_code == 404
    assert escaping.status_code == 404
    for path, response in others.items():
        assert response.status_code >= 400, path
        assert '<div id="app">' not in response.text, path
    assert graphql.status_code == 200 and graphql.json() == {"data": {"__typename": "Query"}}
    assert health.status_code == 200
