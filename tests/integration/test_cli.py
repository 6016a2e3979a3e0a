"""The `roster` command line against the real database (ROSTER_MONGODB_URI set)."""

from __future__ import annotations

import pytest

from config.settings import Settings
from server.cli import main


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    assert settings.mongodb_uri is not None
    monkeypatch.setenv("ROSTER_MONGODB_URI", settings.mongodb_uri)
    monkeypatch.setenv("ROSTER_DATABASE", settings.database_name)
    return settings


def test_create_admin_then_idp_add_list_remove(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    password = "a long admin password"
    assert (
        main(["create-admin", "--org", "acme", "--email", "a@acme.example", "--password", password])
        == 0
    )
    assert "organization acme created" in capsys.readouterr().out
    assert (
        main(["create-admin", "--org", "acme", "--email", "a@acme.example", "--password", password])
        == 1
    )
    assert "EMAIL_TAKEN" in capsys.readouterr().err

    added = main(
        [
            "idp",
            "add",
            "--org",
            "acme",
            "--name",
            "Okta",
            "--issuer",
            "https://acme.okta.example",
            "--client-id",
            "cid",
            "--client-secret",
            "secret-value",
            "--domain",
            "acme.example",
        ]
    )
    out = capsys.readouterr().out
    assert added == 0, out
    provider_id = out.split("(id ")[1].split(")")[0]
    assert f"/auth/acme/login?provider={provider_id}" in out

    assert main(["idp", "list", "--org", "acme"]) == 0
    listing = capsys.readouterr().out
    assert provider_id in listing and "domains=acme.example" in listing
    assert "secret-value" not in listing

    bad = main(
        [
            "idp",
            "add",
            "--org",
            "acme",
            "--name",
            "X",
            "--issuer",
            "ftp://x",
            "--client-id",
            "c",
            "--client-secret",
            "s",
        ]
    )
    assert bad == 1 and "issuer" in capsys.readouterr().err
    assert main(["idp", "remove", "--org", "acme", "--id", provider_id]) == 0
    assert main(["idp", "remove", "--org", "acme", "--id", provider_id]) == 1
    assert "NOT_FOUND" in capsys.readouterr().err
    assert main(["idp", "list", "--org", "nowhere"]) == 1


def test_api_client_create_list_revoke(
    cli_env: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "create-admin",
                "--org",
                "acme",
                "--email",
                "a@acme.example",
                "--password",
                "long password!",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(["api-client", "create", "--org", "acme", "--name", "CRM", "--scope", "users:read"])
        == 0
    )
    out = capsys.readouterr().out
    client_pk = out.split("(id ")[1].split(")")[0]
    secret = out.split("client_secret: ")[1].split()[0]
    assert len(secret) >= 40
    assert main(["api-client", "list", "--org", "acme"]) == 0
    listing = capsys.readouterr().out
    assert client_pk in listing and "active" in listing and secret not in listing
    assert main(["api-client", "revoke", "--org", "acme", "--id", client_pk]) == 0
    assert main(["api-client", "list", "--org", "acme"]) == 0
    assert "revoked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short one", "at least 12"),
        ("password1234", "too common"),
        ("a@acme.example", "must not be your email"),
    ],
)
def test_create_admin_applies_the_password_policy(
    cli_env: Settings, capsys: pytest.CaptureFixture[str], password: str, reason: str
) -> None:
    refused = main(
        ["create-admin", "--org", "acme", "--email", "a@acme.example", "--password", password]
    )
    assert refused == 1
    assert reason in capsys.readouterr().err
    # Nothing was made: the organization does not exist.
    assert main(["integration", "list", "--org", "acme"]) != 0


def test_integration_add_and_list(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    password = "a long admin password"
    assert (
        main(["create-admin", "--org", "acme", "--email", "a@acme.example", "--password", password])
        == 0
    )
    capsys.readouterr()
    added = main(["integration", "add", "--org", "acme", "--key", "bullhorn", "--name", "Bullhorn"])
    out = capsys.readouterr().out
    assert added == 0, out
    assert "integration bullhorn added (ACTIVITY, connected" in out
    assert (
        main(["integration", "add", "--org", "acme", "--key", "bullhorn", "--name", "Again"]) == 1
    )
    assert "INVALID (input.key)" in capsys.readouterr().err
    assert (
        main(
            [
                *("integration", "add", "--org", "acme", "--key", "dir", "--name", "Directory"),
                *("--kind", "DIRECTORY", "--disconnected"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["integration", "list", "--org", "acme"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[1:4] for line in listing] == [
        ["bullhorn", "ACTIVITY", "connected"],
        ["dir", "DIRECTORY", "disconnected"],
    ]
    assert main(["integration", "list", "--org", "nope"]) == 1


def test_signing_key_rotate(cli_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["signing-key", "rotate"]) == 0
    first = capsys.readouterr().out.split()[3].rstrip(";")
    assert main(["signing-key", "rotate"]) == 0
    second = capsys.readouterr().out.split()[3].rstrip(";")
    assert first != second and len(second) == 16
