from __future__ import annotations

import pytest

from config.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError
from server.runtime import limits_from


def test_defaults_are_development_with_embedded_database() -> None:
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert settings.mongodb_uri is None
    assert settings.session_cookie_name == "roster_session"
    assert settings.graphiql and settings.introspection


def test_production_refuses_embedded_database_default_secret_and_plain_http() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"ROSTER_ENV": "production", "ROSTER_PUBLIC_URL": "http://x.example"})
    message = str(caught.value)
    assert "ROSTER_MONGODB_URI" in message
    assert "ROSTER_SECRET_KEY" in message
    assert "https" in message
    assert "ROSTER_METRICS_TOKEN" in message


def test_production_with_everything_set_uses_host_cookie_and_no_graphiql() -> None:
    settings = Settings.from_env(
        {
            "ROSTER_ENV": "production",
            "ROSTER_MONGODB_URI": "mongodb://db:27017/?replicaSet=rs0",
            "ROSTER_SECRET_KEY": "s" * 40,
            "ROSTER_PUBLIC_URL": "https://roster.example.com",
            "ROSTER_METRICS_TOKEN": "m" * 32,
        }
    )
    assert settings.session_cookie_name == "__Host-roster_session"
    assert settings.secure_cookies
    assert not settings.graphiql and not settings.introspection
    assert settings.secret_key != DEVELOPMENT_SECRET_KEY


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("ROSTER_ENV", "staging", "ROSTER_ENV"),
        ("ROSTER_PUBLIC_URL", "roster.example.com", "ROSTER_PUBLIC_URL"),
        ("ROSTER_PUBLIC_URL", "https://x.example/app", "no path"),
        ("ROSTER_MONGODB_URI", "postgres://db", "ROSTER_MONGODB_URI"),
        ("ROSTER_SMTP_URL", "http://mail", "ROSTER_SMTP_URL"),
        ("ROSTER_CORS_ORIGINS", "*", "ROSTER_CORS_ORIGINS"),
        ("ROSTER_SMS_URL", "sms.example", "ROSTER_SMS_URL must be an http"),
        ("ROSTER_SMS_URL", "https://sms.example/send", "needs ROSTER_SMS_TOKEN"),
        ("ROSTER_SESSION_TTL_SECONDS", "soon", "integer"),
        ("ROSTER_MAX_QUERY_DEPTH", "0", "at least 1"),
    ],
)
def test_each_bad_setting_is_named(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        Settings.from_env({name: value})


def test_public_url_trailing_slash_is_dropped_and_origins_listed() -> None:
    settings = Settings.from_env(
        {
            "ROSTER_PUBLIC_URL": "https://roster.example.com/",
            "ROSTER_CORS_ORIGINS": "https://a.example, https://b.example",
        }
    )
    assert settings.public_url == "https://roster.example.com"
    assert settings.cors_origins == ("https://a.example", "https://b.example")


def test_the_import_file_retention_is_read_and_reaches_the_limits() -> None:
    assert Settings.from_env({}).import_file_retention_seconds == 7 * 24 * 3600
    settings = Settings.from_env({"ROSTER_IMPORT_FILE_RETENTION_SECONDS": "86400"})
    assert limits_from(settings).import_file_retention_seconds == 86400
    with pytest.raises(SettingsError, match="ROSTER_IMPORT_FILE_RETENTION_SECONDS"):
        Settings.from_env({"ROSTER_IMPORT_FILE_RETENTION_SECONDS": "0"})
