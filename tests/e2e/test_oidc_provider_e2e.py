"""SSO end to end against the OpenID-certified `oidc-provider` (npm, panva), run with Node.

Real processes throughout: `roster create-admin`, `roster serve` with its embedded database,
and tests/e2e/oidc/provider.mjs. The admin configures the provider over GraphQL; then an
employee signs in with two HTTP clients standing for one browser: one that holds Roster's
cookies (the roster_sso cookie that binds the login to this browser, then the session)
and one that holds the provider's (its interaction and session cookies), so that neither
side sees the other's cookies. The provider's own login and consent pages are filled in
as a person would, from their HTML forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.e2e.sso_stack import (
    CSRF,
    OIDC_DIR,
    ORG,
    SsoStack,
    graphql,
    node_with_packages,
    sso_stack,
)

pytestmark = pytest.mark.e2e

LOGIN_NAME = "grace.hopper"
EMAIL = "grace.hopper@acme.example"
PASSWORD = "any password: the development login accepts all"
MAX_PROVIDER_STEPS = 12
ME = "{ me { id email firstName lastName source status } }"


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    """The forms of a page (action, method and the named inputs with their values) and its
    links (text and href)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: dict[str, str] = {}
        self._form: Form | None = None
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(
                action=attributes.get("action", ""),
                method=attributes.get("method", "get").lower(),
            )
            self.forms.append(self._form)
        elif tag in ("input", "button") and self._form is not None and "name" in attributes:
            self._form.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "a" and "href" in attributes:
            self._href, self._text = attributes["href"], []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "a" and self._href is not None:
            self.links["".join(self._text).strip()] = self._href
            self._href = None


def parse_page(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    return parser


@dataclass
class ProviderVisit:
    callback_url: str  # where the provider sent the browser back to Roster
    forms_seen: list[str]  # the `prompt` of each form filled in, in order


def through_the_provider(
    provider_browser: httpx.Client, authorize_url: str, roster_base: str, *, cancel: bool = False
) -> ProviderVisit:
    """Follows the provider's redirects and fills in its forms until it sends the browser
    back to Roster; the provider's cookies stay in `provider_browser`. With `cancel`, the
    person follows the sign-in page's Cancel link instead."""
    forms_seen: list[str] = []
    response = provider_browser.get(authorize_url)
    for _ in range(MAX_PROVIDER_STEPS):
        if response.is_redirect:
            location = urljoin(str(response.url), response.headers["location"])
            if location.startswith(roster_base + "/"):
                return ProviderVisit(callback_url=location, forms_seen=forms_seen)
            response = provider_browser.get(location)
            continue
        assert response.status_code == 200, (
            f"the provider answered {response.status_code} at {response.url}:\n{response.text}"
        )
        page = parse_page(response.text)
        forms = [f for f in page.forms if f.method == "post"]
        assert len(forms) == 1, f"expected one form at {response.url}:\n{response.text}"
        form = forms[0]
        prompt = form.fields.get("prompt", "?")
        forms_seen.append(prompt)
        if cancel:
            assert "[ Cancel ]" in page.links, page.links
            response = provider_browser.get(urljoin(str(response.url), page.links["[ Cancel ]"]))
            continue
        if prompt == "login":
            assert "login" in form.fields and "password" in form.fields, form
            form.fields.update(login=LOGIN_NAME, password=PASSWORD)
        response = provider_browser.post(urljoin(str(response.url), form.action), data=form.fields)
    raise AssertionError(
        f"the provider did not send the browser back in {MAX_PROVIDER_STEPS} steps"
    )


@dataclass
class SignedIn:
    visit: ProviderVisit
    done: httpx.Response


def start_login(stack: SsoStack, roster_browser: httpx.Client) -> str:
    """Roster's login route; the provider's authorization URL it redirects to."""
    roster = stack.roster
    start = roster_browser.get(
        f"/auth/{ORG}/login", params={"provider": stack.provider_id, "return_to": "/after"}
    )
    assert start.status_code == 303, f"{start.status_code} {start.text}\n{stack.logs()}"
    authorize_url: str = start.headers["location"]
    assert authorize_url.startswith(f"{stack.provider.issuer}/auth?"), authorize_url
    sent = parse_qs(urlsplit(authorize_url).query)
    assert sent["redirect_uri"] == [f"{roster.base_url}/auth/{ORG}/callback"]
    assert sent["code_challenge_method"] == ["S256"]
    assert roster_browser.cookies.get("roster_sso"), "the login route set no roster_sso cookie"
    return authorize_url


@pytest.fixture(scope="module")
def node() -> str:
    return node_with_packages(OIDC_DIR, "oidc-provider")


@pytest.fixture
def stack(tmp_path: Path, node: str) -> Iterator[SsoStack]:
    with sso_stack(tmp_path, node) as running:
        yield running


def sign_in(
    stack: SsoStack, roster_browser: httpx.Client, provider_browser: httpx.Client
) -> SignedIn:
    """One whole login: our login route, the provider, our callback."""
    roster = stack.roster
    authorize_url = start_login(stack, roster_browser)
    visit = through_the_provider(provider_browser, authorize_url, roster.base_url)
    callback = urlsplit(visit.callback_url)
    assert visit.callback_url.startswith(f"{roster.base_url}/auth/{ORG}/callback?"), visit
    answered = parse_qs(callback.query)
    assert "error" not in answered, f"the provider refused: {answered}\n{stack.logs()}"
    # RFC 9207: oidc-provider advertises and sends `iss`; Roster checks it.
    assert answered["iss"] == [stack.provider.issuer], answered

    done = roster_browser.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 303, f"{done.status_code} {done.text}\n{stack.logs()}"
    return SignedIn(visit=visit, done=done)


def test_login_through_the_certified_provider_creates_then_finds_the_user(
    stack: SsoStack,
) -> None:
    roster = stack.roster
    with httpx.Client(timeout=30.0) as provider_browser:
        with httpx.Client(base_url=roster.base_url, timeout=30.0) as browser:
            first = sign_in(stack, browser, provider_browser)
            assert first.visit.forms_seen == ["login", "consent"], first.visit
            assert first.done.headers["location"] == f"{roster.base_url}/after"
            assert browser.cookies.get("roster_session"), "no roster_session after the callback"
            assert browser.cookies.get("roster_sso") is None, "the roster_sso cookie was kept"
            me = graphql(browser, ME)["me"]
        assert me["email"] == EMAIL, me
        assert (me["firstName"], me["lastName"]) == ("Grace", "Hopper"), me
        assert (me["source"], me["status"]) == ("SSO", "ACTIVE"), me

        # The same person again, from a browser new to Roster: the provider remembers
        # their session and consent (no forms this time) and Roster finds the same user.
        with httpx.Client(base_url=roster.base_url, timeout=30.0) as browser:
            again = sign_in(stack, browser, provider_browser)
            assert again.visit.forms_seen == [], again.visit
            assert again.done.headers["location"] == f"{roster.base_url}/after"
            me_again = graphql(browser, ME)["me"]
        assert me_again == me


def test_a_login_cancelled_at_the_provider_is_refused_with_its_reason(stack: SsoStack) -> None:
    roster = stack.roster
    with (
        httpx.Client(timeout=30.0) as provider_browser,
        httpx.Client(base_url=roster.base_url, timeout=30.0) as browser,
    ):
        authorize_url = start_login(stack, browser)
        visit = through_the_provider(provider_browser, authorize_url, roster.base_url, cancel=True)
        assert visit.forms_seen == ["login"], visit
        callback = urlsplit(visit.callback_url)
        answered = parse_qs(callback.query)
        assert answered["error"] == ["access_denied"], answered
        assert answered["iss"] == [stack.provider.issuer], answered

        refused = browser.get(
            f"{callback.path}?{callback.query}", headers={"Accept": "application/json"}
        )
        assert refused.status_code == 400, f"{refused.status_code} {refused.text}"
        body = refused.json()
        assert body["error"] == "PROVIDER_ERROR", body
        assert "access_denied" in body["message"], body
        assert body["requestId"], body
        assert browser.cookies.get("roster_session") is None
        assert browser.cookies.get("roster_sso") is None, "the roster_sso cookie was kept"
        assert graphql_status(browser) == "not signed in"


def graphql_status(browser: httpx.Client) -> str:
    response = browser.post("/graphql", json={"query": "{ me { id } }"}, headers=CSRF)
    body = response.json()
    return "signed in" if (body.get("data") or {}).get("me") else "not signed in"
