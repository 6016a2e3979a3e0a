"""The `roster` command line against the real database (ROSTER_MONGODB_URI set)."""

from __future__ import annotations

import pytest

from server.cli import main
from server.settings import Settings


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
