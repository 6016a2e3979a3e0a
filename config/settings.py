"""Settings read from ROSTER_* environment variables and checked once at start."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105


class SettingsError(ValueError):
    """One or more settings are missing or wrong; the message lists them all."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    mongodb_uri: str | None = None
    database_name: str = "roster"
    data_dir: Path = Path(".roster-data")
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    smtp_url: str | None = None
    sms_url: str | None = None
    sms_token: str | None = field(default=None, repr=False)
    cors_origins: tuple[str, ...] = ()
    session_ttl_seconds: int = 7 * 24 * 3600
    login_failures_per_login: int = 5
    login_failures_per_address: int = 30
    login_failure_window_seconds: int = 900
    max_query_depth: int = 10
    max_aliases: int = 20
    max_tokens: int = 2000
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    access_token_ttl_seconds: int = 600
    rate_limit_per_client: int = 600
    rate_limit_per_organization: int = 3000
    rate_limit_window_seconds: int = 60
    max_body_bytes: int = 1024 * 1024
    max_query_chars: int = 64 * 1024
    # How long one HTTP request may take to start its response.
    request_timeout_seconds: int = 30
    # How long a request body may pause between two parts before the request is refused.
    body_idle_seconds: int = 30
    import_max_bytes: int = 20 * 1024 * 1024
    import_max_rows: int = 100_000
    import_file_retention_seconds: int = 7 * 24 * 3600
    # Host names and IP networks that outbound connections (SCIM peers, the SMS gateway,
    # identity providers) may reach although they are private: on-premise peers.
    outbound_allowed_hosts: tuple[str, ...] = ()
    # The bearer token /metrics asks for; production requires one.
    metrics_token: str | None = field(default=None, repr=False)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def session_cookie_name(self) -> str:
        return "__Host-roster_session" if self.production else "roster_session"

    @property
    def secure_cookies(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def graphiql(self) -> bool:
        return not self.production

    @property
    def introspection(self) -> bool:
        return not self.production

    @property
    def field_suggestions(self) -> bool:
        """GraphQL errors' "Did you mean ...?" (they would tell the schema introspection hides)."""
        return not self.production

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        problems: list[str] = []

        def integer(name: str, default: int, minimum: int = 1) -> int:
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{name} must be an integer, got {raw!r}")
                return default
            if value < minimum:
                problems.append(f"{name} must be at least {minimum}, got {value}")
            return value

        def listing(name: str) -> tuple[str, ...]:
            return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())

        settings = cls(
            env=env.get("ROSTER_ENV", "development") or "development",
            mongodb_uri=env.get("ROSTER_MONGODB_URI") or None,
            database_name=env.get("ROSTER_DATABASE", "roster") or "roster",
            data_dir=Path(env.get("ROSTER_DATA_DIR", ".roster-data") or ".roster-data"),
            public_url=(env.get("ROSTER_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
            secret_key=env.get("ROSTER_SECRET_KEY") or DEVELOPMENT_SECRET_KEY,
            smtp_url=env.get("ROSTER_SMTP_URL") or None,
            sms_url=env.get("ROSTER_SMS_URL") or None,
            sms_token=env.get("ROSTER_SMS_TOKEN") or None,
            cors_origins=listing("ROSTER_CORS_ORIGINS"),
            session_ttl_seconds=integer("ROSTER_SESSION_TTL_SECONDS", 7 * 24 * 3600, 60),
            login_failures_per_login=integer("ROSTER_LOGIN_FAILURES_PER_LOGIN", 5),
            login_failures_per_address=integer("ROSTER_LOGIN_FAILURES_PER_ADDRESS", 30),
            login_failure_window_seconds=integer("ROSTER_LOGIN_FAILURE_WINDOW_SECONDS", 900),
            max_query_depth=integer("ROSTER_MAX_QUERY_DEPTH", 10),
            max_aliases=integer("ROSTER_MAX_ALIASES", 20),
            max_tokens=integer("ROSTER_MAX_TOKENS", 2000),
            trusted_proxies=listing("ROSTER_TRUSTED_PROXIES"),
            access_token_ttl_seconds=integer("ROSTER_ACCESS_TOKEN_TTL_SECONDS", 600, 30),
            rate_limit_per_client=integer("ROSTER_RATE_LIMIT_PER_CLIENT", 600),
            rate_limit_per_organization=integer("ROSTER_RATE_LIMIT_PER_ORGANIZATION", 3000),
            rate_limit_window_seconds=integer("ROSTER_RATE_LIMIT_WINDOW_SECONDS", 60),
            max_body_bytes=integer("ROSTER_MAX_BODY_BYTES", 1024 * 1024, 1024),
            max_query_chars=integer("ROSTER_MAX_QUERY_CHARS", 64 * 1024, 1024),
            request_timeout_seconds=integer("ROSTER_REQUEST_TIMEOUT_SECONDS", 30, 1),
            body_idle_seconds=integer("ROSTER_BODY_IDLE_SECONDS", 30, 1),
            import_max_bytes=integer("ROSTER_IMPORT_MAX_BYTES", 20 * 1024 * 1024, 1024),
            import_max_rows=integer("ROSTER_IMPORT_MAX_ROWS", 100_000),
            import_file_retention_seconds=integer(
                "ROSTER_IMPORT_FILE_RETENTION_SECONDS", 7 * 24 * 3600, 60
            ),
            metrics_token=env.get("ROSTER_METRICS_TOKEN") or None,
            outbound_allowed_hosts=listing("ROSTER_OUTBOUND_ALLOWED_HOSTS"),
        )
        problems.extend(settings.problems())
        if problems:
            raise SettingsError("invalid settings:\n  - " + "\n  - ".join(problems))
        return settings

    def problems(self) -> list[str]:
        """Everything wrong with these settings, as sentences naming the variable."""
        problems: list[str] = []
        if self.env not in ("development", "production"):
            problems.append(f"ROSTER_ENV must be 'development' or 'production', got {self.env!r}")
        public = urlsplit(self.public_url)
        if public.scheme not in ("http", "https") or not public.netloc:
            problems.append(
                f"ROSTER_PUBLIC_URL must be an absolute http(s) URL, got {self.public_url!r}"
            )
        if public.path not in ("", "/") or public.query or public.fragment:
            problems.append("ROSTER_PUBLIC_URL must be an origin with no path, query or fragment")
        if self.mongodb_uri is not None and not self.mongodb_uri.startswith(
            ("mongodb://", "mongodb+srv://")
        ):
            problems.append("ROSTER_MONGODB_URI must start with mongodb:// or mongodb+srv://")
        if self.smtp_url is not None and urlsplit(self.smtp_url).scheme not in ("smtp", "smtps"):
            problems.append("ROSTER_SMTP_URL must look like smtp://user:pass@host:port or smtps://")
        if self.sms_url is not None:
            sms = urlsplit(self.sms_url)
            if sms.scheme not in ("http", "https") or not sms.netloc:
                problems.append(f"ROSTER_SMS_URL must be an http(s) URL, got {self.sms_url!r}")
            elif self.production and sms.scheme != "https":
                problems.append("ROSTER_ENV=production needs an https ROSTER_SMS_URL")
            if not self.sms_token:
                problems.append("ROSTER_SMS_URL needs ROSTER_SMS_TOKEN, the gateway's API token")
        for origin in self.cors_origins:
            parsed = urlsplit(origin)
            if origin == "*" or parsed.scheme not in ("http", "https") or not parsed.netloc:
                problems.append(
                    f"ROSTER_CORS_ORIGINS must name origins such as https://app.example.com,"
                    f" got {origin!r}"
                )
        if self.production:
            if self.mongodb_uri is None:
                problems.append(
                    "ROSTER_ENV=production refuses the embedded database: set ROSTER_MONGODB_URI"
                )
            if self.metrics_token is None:
                problems.append(
                    "ROSTER_ENV=production needs ROSTER_METRICS_TOKEN (/metrics is not public)"
                )
            if self.secret_key == DEVELOPMENT_SECRET_KEY:
                problems.append("ROSTER_ENV=production needs a ROSTER_SECRET_KEY of your own")
            elif len(self.secret_key) < 32:
                problems.append("ROSTER_SECRET_KEY must be at least 32 characters in production")
            if public.scheme != "https":
                problems.append(
                    "ROSTER_ENV=production needs an https ROSTER_PUBLIC_URL (cookies are Secure)"
                )
        return problems
