"""GET /auth/{org}/login and GET /auth/{org}/callback: the authorization code flow.

State, nonce and the PKCE verifier live server-side in a single-use transaction (not in a
cookie session that could be replayed), bound to the browser that started the login by a
random cookie whose hash the transaction holds.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from auth.cookies import session_token, set_session_cookie
from auth.oidc import OidcClient, ProviderMetadata
from auth.request_state import request_id_of
from config.settings import Settings
from provisioning.access.secret_box import SecretUnreadable
from provisioning.audit import record_event
from provisioning.caller import Caller
from provisioning.dependencies import Dependencies
from provisioning.errors import InvalidCredentials
from provisioning.sessions import start_session
from provisioning.sso.invitations import binding_hash
from provisioning.sso.login import Profile, SsoFailure, sign_in_with_claims
from provisioning.sso.providers import provider_for_login
from provisioning.sso.transactions import (
    IdentityProviderRecord,
    LoginTransaction,
    begin_login,
    binding_is_live,
    take_login,
)

log = logging.getLogger("roster.sso")

TRANSACTION_TTL = timedelta(minutes=10)
MAX_RETURN_TO = 2000


# The HTTP status of each SSO failure reason (any other is 400): chosen here, at the edge.
_FAILURE_STATUS = {
    "NOT_PROVISIONED": 403,
    "EMAIL_DOMAIN_NOT_ALLOWED": 403,
    "EMAIL_MISMATCH": 403,
    "USER_DISABLED": 403,
    "PROVIDER_NOT_FOUND": 404,
    "ORGANIZATION_NOT_FOUND": 404,
    "EMAIL_TAKEN": 409,
    "PROVIDER_CHANGED": 409,
    "IDENTITY_CONFLICT": 409,
    "IDENTITY_TAKEN": 409,
    "PROVIDER_MISCONFIGURED": 500,
}


def status_of(failure: SsoFailure) -> int:
    return _FAILURE_STATUS.get(failure.reason, 400)


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def safe_return_to(value: str | None) -> str:
    """Only a path on our own origin: no scheme, no host, no `//` or `/\\` tricks."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if (
        len(value) > MAX_RETURN_TO
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or "\\" in value
        or parts.scheme
        or parts.netloc
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        raise SsoFailure("RETURN_TO_INVALID", "return_to must be a path on this site.")
    return value


def browser_cookie_name(settings: Settings) -> str:
    return "__Host-roster_sso" if settings.production else "roster_sso"


class SsoRoutes:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def routes(self) -> list[Route]:
        return [
            Route("/auth/{org}/login", self.login, methods=["GET"]),
            Route("/auth/{org}/callback", self.callback, methods=["GET"]),
        ]

    def redirect_uri(self, slug: str) -> str:
        # From the configured public URL, never from the request's Host header.
        return f"{self.settings.public_url}/auth/{slug}/callback"

    async def login(self, request: Request) -> Response:
        deps: Dependencies = request.state.deps
        oidc: OidcClient = request.state.oidc
        slug = request.path_params["org"]
        org_id = None
        try:
            org_id = await self._organization_id(deps, slug)
            return_to = safe_return_to(request.query_params.get("return_to"))
            login_hint = request.query_params.get("login_hint")
            provider = await provider_for_login(
                deps, org_id, request.query_params.get("provider"), login_hint
            )
            if provider is None:
                raise SsoFailure("PROVIDER_NOT_FOUND", "No such identity provider here.")
            binding = await self._binding(deps, org_id, request.query_params.get("bind"))
            metadata = await oidc.metadata(provider.issuer)
            state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
            browser = request.cookies.get(browser_cookie_name(self.settings))
            if not browser or len(browser) > 128:
                browser = secrets.token_urlsafe(32)
            now = deps.clock()
            await begin_login(
                deps,
                LoginTransaction(
                    state_hash=_hash(state),
                    org_id=org_id,
                    provider_id=provider.id,
                    nonce=nonce,
                    code_verifier=verifier,
                    browser_hash=_hash(browser),
                    return_to=return_to,
                    created_at=now,
                    expires_at=now + TRANSACTION_TTL,
                    binding_hash=binding,
                ),
            )
        except SsoFailure as failure:
            return await self.failure(request, failure, org_id)
        params = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": self.redirect_uri(slug),
            "scope": " ".join(provider.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if login_hint:
            params["login_hint"] = login_hint
        separator = "&" if "?" in metadata.authorization_endpoint else "?"
        response = RedirectResponse(
            metadata.authorization_endpoint + separator + urlencode(params), status_code=303
        )
        response.set_cookie(
            browser_cookie_name(self.settings),
            browser,
            max_age=int(TRANSACTION_TTL.total_seconds()),
            path="/",
            secure=self.settings.secure_cookies,
            httponly=True,
            samesite="lax",  # sent on the provider's top-level redirect back to us
        )
        return response

    @staticmethod
    async def _organization_id(deps: Dependencies, slug: str) -> str:
        org_id = await deps.sign_in_cache.organization_id(deps, slug)
        if org_id is None:
            raise SsoFailure("ORGANIZATION_NOT_FOUND", "There is no such organization.")
        return org_id

    @staticmethod
    async def _binding(deps: Dependencies, org_id: str, token: str | None) -> str | None:
        """An invitation's binding token, checked now so a dead link fails before the IdP."""
        if token is None:
            return None
        hashed = binding_hash(token)
        if hashed is None or not await binding_is_live(deps, org_id, hashed):
            raise SsoFailure(
                "INVITATION_INVALID", "This invitation link is invalid, used or expired."
            )
        return hashed

    async def callback(self, request: Request) -> Response:
        deps: Dependencies = request.state.deps
        slug = request.path_params["org"]
        org_id = None
        try:
            org_id = await self._organization_id(deps, slug)
            transaction = await self._take_transaction(request, deps, org_id)
            # Possibly cached: sign_in_with_claims reads the provider as it is now, and wins.
            provider = await deps.sign_in_cache.provider(deps, org_id, transaction.provider_id)
            if provider is None:
                raise SsoFailure("PROVIDER_NOT_FOUND", "The identity provider was removed.")
            user_id, token, ttl = await self._complete(request, deps, provider, transaction)
        except SsoFailure as failure:
            request.state.metrics.count_sso_login(failure.reason)
            return await self.failure(request, failure, org_id)
        request.state.metrics.count_sso_login("signed_in")
        response = RedirectResponse(
            self.settings.public_url + transaction.return_to, status_code=303
        )
        set_session_cookie(response, self.settings, token, ttl)
        response.delete_cookie(browser_cookie_name(self.settings), path="/")
        log.info("sso sign-in of user %s in %s via %s", user_id, slug, provider.issuer)
        return response

    async def _take_transaction(
        self, request: Request, deps: Dependencies, org_id: str
    ) -> LoginTransaction:
        params = request.query_params
        if "error" in params:
            # The provider refused; the state is still consumed so it cannot be reused.
            if params.get("state"):
                await take_login(deps, org_id, _hash(params["state"]))
            code = params.get("error", "")[:64]
            raise SsoFailure(
                "PROVIDER_ERROR", f"The identity provider refused the sign-in ({code})."
            )
        state = params.get("state")
        if not state or len(state) > 256:
            raise SsoFailure("STATE_INVALID", "This sign-in link is invalid or was used already.")
        transaction = await take_login(deps, org_id, _hash(state))
        if transaction is None:
            raise SsoFailure("STATE_INVALID", "This sign-in link is invalid or was used already.")
        browser = request.cookies.get(browser_cookie_name(self.settings)) or ""
        if not hmac.compare_digest(_hash(browser), transaction.browser_hash):
            raise SsoFailure(
                "STATE_INVALID", "This sign-in was started in another browser. Start again."
            )
        return transaction

    async def _complete(
        self,
        request: Request,
        deps: Dependencies,
        provider: IdentityProviderRecord,
        transaction: LoginTransaction,
    ) -> tuple[str, str, int]:
        oidc: OidcClient = request.state.oidc
        params = request.query_params
        metadata = await oidc.metadata(provider.issuer)
        self._check_iss_parameter(metadata, params.get("iss"))
        code = params.get("code")
        if not code:
            raise SsoFailure("CODE_MISSING", "The identity provider sent no authorization code.")
        try:
            client_secret = deps.secret_box.open(provider.client_secret_sealed)
        except SecretUnreadable as error:
            raise SsoFailure(
                "PROVIDER_MISCONFIGURED",
                "The provider's client secret cannot be read; an administrator must set it again.",
            ) from error
        tokens = await oidc.exchange_code(
            metadata,
            provider.client_id,
            client_secret,
            code,
            transaction.code_verifier,
            self.redirect_uri(request.path_params["org"]),
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SsoFailure("ID_TOKEN_INVALID", "The identity provider sent no ID token.")
        claims = await oidc.verify_id_token(
            metadata, id_token, provider.client_id, transaction.nonce
        )
        profile = Profile.from_claims(provider, claims)
        access_token = tokens.get("access_token")
        if profile.needs_userinfo() and isinstance(access_token, str):
            extra = await oidc.userinfo(metadata, access_token, profile.subject)
            claims = {**extra, **claims, "sub": profile.subject}
        request_id = request_id_of(request)
        found = await sign_in_with_claims(
            deps, provider, claims, request_id, binding=transaction.binding_hash
        )
        user = found.user
        try:
            signed_in = await start_session(
                deps,
                user,
                "sso",
                request_id,
                session_token(request, self.settings),
                events=found.events,
                identity_key=found.identity_key,
            )
        except InvalidCredentials as error:  # disabled while signing in
            raise SsoFailure("USER_DISABLED", "Your account is disabled.") from error
        return user.id, signed_in.token, signed_in.expires_in_seconds

    @staticmethod
    def _check_iss_parameter(metadata: ProviderMetadata, iss: str | None) -> None:
        """RFC 9207: the iss response parameter, checked when present, required if advertised."""
        if iss is not None and iss != metadata.issuer:
            raise SsoFailure("ISSUER_MISMATCH", "The response came from another issuer.")
        if iss is None and metadata.iss_parameter_supported:
            raise SsoFailure("ISSUER_MISSING", "The provider's response lacks its issuer.")

    async def failure(self, request: Request, failure: SsoFailure, org_id: str | None) -> Response:
        request_id = request_id_of(request)
        log.warning(
            "sso failure %s on %s (request id %s): %s",
            failure.reason,
            request.url.path,
            request_id,
            failure.message,
            exc_info=failure.__cause__ is not None,
        )
        if org_id is not None:
            deps: Dependencies = request.state.deps
            await record_event(
                deps,
                Caller(principal=None, request_id=request_id, org_id_override=org_id),
                "sso.login_failed",
                "Organization",
                org_id,
                {"reason": {"before": None, "after": failure.reason}},
            )
        body = {"error": failure.reason, "message": failure.message, "requestId": request_id}
        accept = request.headers.get("accept", "")
        if "application/json" in accept and "text/html" not in accept:
            response: Response = JSONResponse(body, status_code=status_of(failure))
        else:
            response = HTMLResponse(_error_page(body), status_code=status_of(failure))
        response.delete_cookie(browser_cookie_name(self.settings), path="/")
        return response


def _error_page(body: dict[str, str]) -> str:
    message, reason, request_id = (html.escape(body[k]) for k in ("message", "error", "requestId"))
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Sign-in failed</title>"
        '<body style="font-family:sans-serif;max-width:36rem;margin:4rem auto">'
        f"<h1>Sign-in failed</h1><p>{message}</p>"
        f"<p><small>Reason: <code>{reason}</code> · Request id: <code>{request_id}</code>"
        "</small></p></body></html>"
    )
