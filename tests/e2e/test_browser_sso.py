"""SSO in a real browser: Playwright (npm playwright-core) drives Debian's chromium through
the whole login: Roster's login route, the `oidc-provider` sign-in and consent forms,
back to Roster's callback, and then `me` fetched from the page as the SPA would.

The processes are the same as in test_oidc_provider_e2e (`roster serve`, the Node
provider); tests/e2e/browser/login.mjs does the browser part and prints JSON. Chromium is
launched by its path, never downloaded; .ci/run installs Debian's package.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.sso_stack import EMAIL_DOMAIN, OIDC_DIR, node_with_packages, sso_stack

pytestmark = pytest.mark.e2e

BROWSER_DIR = Path(__file__).parent / "browser"
LOGIN_SCRIPT = BROWSER_DIR / "login.mjs"
CHROMIUM = Path("/usr/bin/chromium")
SCRIPT_TIMEOUT_SECONDS = 45.0
STEP_TIMEOUT_MS = 15_000
LOGIN_NAME = "ada.lovelace"
PASSWORD = "whatever the development form is given"


def test_a_browser_signs_in_through_the_provider_and_reads_me(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser test drives Debian's chromium package,"
            " which .ci/run installs (apt-get install chromium)"
        )
    node = node_with_packages(OIDC_DIR, "oidc-provider")
    node_with_packages(BROWSER_DIR, "playwright-core")

    with sso_stack(tmp_path, node) as stack:
        login_url = f"{stack.login_url}&return_to=/healthz"
        try:
            completed = subprocess.run(
                [
                    node,
                    str(LOGIN_SCRIPT),
                    "--login-url",
                    login_url,
                    "--login",
                    LOGIN_NAME,
                    "--password",
                    PASSWORD,
                    "--executable",
                    str(CHROMIUM),
                    "--timeout-ms",
                    str(STEP_TIMEOUT_MS),
                ],
                cwd=BROWSER_DIR,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=SCRIPT_TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            pytest.fail(
                f"login.mjs ran past {SCRIPT_TIMEOUT_SECONDS:.0f}s:\n{error.stdout!r}"
                f"\n{error.stderr!r}\n{stack.logs()}"
            )
        logs = stack.logs()
        roster = stack.roster
        issuer = stack.provider.issuer

    assert completed.stdout.strip(), f"login.mjs printed nothing:\n{completed.stderr}\n{logs}"
    report: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    assert completed.returncode == 0 and "error" not in report, (
        f"the browser login failed:\n{json.dumps(report, indent=2)}\n{completed.stderr}\n{logs}"
    )
    urls = [page["url"] for page in report["pages"]]
    assert report["providerLoginUrl"].startswith(f"{issuer}/interaction/"), urls
    assert report["consentUrl"].startswith(f"{issuer}/interaction/"), urls
    assert report["finalUrl"] == f"{roster.base_url}/healthz", urls
    assert report["status"] == 200, report
    assert report["me"] == {
        "email": f"{LOGIN_NAME}@{EMAIL_DOMAIN}",
        "source": "SSO",
        "status": "ACTIVE",
    }, report
    session_cookie = {c["name"]: c for c in report["cookies"]}.get("roster_session")
    assert session_cookie is not None, report["cookies"]
    assert session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax", session_cookie
