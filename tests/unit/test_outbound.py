"""The outbound policy: which addresses an admin's URLs may reach."""

from __future__ import annotations

from dataclasses import replace

import pytest

from config.settings import Settings, SettingsError
from provisioning.outbound import OutboundPolicy, literal_address
from server.runtime import outbound_policy_from

PRODUCTION = OutboundPolicy()
DEVELOPMENT = OutboundPolicy.development()

REFUSED = [
    "127.0.0.1",
    "::1",
    "10.1.2.3",
    "172.16.0.9",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # shared address space
    "0.0.0.0",  # noqa: S104 - an address refused, not one bound
    "::",
    "fe80::1",
    "fd00::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "224.0.0.1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_production_refuses_every_non_public_address(address: str) -> None:
    assert not PRODUCTION.allows("peer.example", address)


def test_public_addresses_are_allowed() -> None:
    for address in ("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"):
        assert PRODUCTION.allows("peer.example", address)


def test_development_allows_loopback_only() -> None:
    assert DEVELOPMENT.allows("localhost", "127.0.0.1")
    assert DEVELOPMENT.allows("localhost", "::1")
    for address in ("10.1.2.3", "169.254.169.254", "192.168.1.1"):
        assert not DEVELOPMENT.allows("peer.example", address)


def test_the_allow_list_takes_names_networks_and_addresses() -> None:
    policy = OutboundPolicy.of(
        ["scim.corp.example", "10.20.0.0/16", "192.168.5.5", " "], allow_loopback=False
    )
    assert policy.allows("SCIM.corp.example.", "10.99.0.1")  # the name: any address
    assert policy.allows("other.example", "10.20.3.4")
    assert policy.allows("other.example", "192.168.5.5")
    assert not policy.allows("other.example", "192.168.5.6")
    assert not policy.allows("other.example", "127.0.0.1")
    for bad in ("http://x.example", "10.0.0.0/99", "a..b"):
        with pytest.raises(ValueError, match="neither"):
            OutboundPolicy.of([bad], allow_loopback=False)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "127.1", "0x7f.0.0.1", "2130706433", "017700000001", "[::1]", "::ffff:7f00:1"],
)
def test_every_spelling_of_loopback_is_an_address(host: str) -> None:
    address = literal_address(host)
    assert address is not None and not PRODUCTION.allows(host, address)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/scim/v2",
        "https://localhost:8000/scim/v2",
        "https://api.localhost/scim",
        "https://[::1]:8443/scim",
        "https://2130706433/",
        "http://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/scim",
    ],
)
def test_configured_urls_that_spell_a_private_address_are_refused(url: str) -> None:
    problem = PRODUCTION.url_problem(url)
    assert problem is not None and "ROSTER_OUTBOUND_ALLOWED_HOSTS" in problem


def test_configured_names_are_left_to_the_connection() -> None:
    assert PRODUCTION.url_problem("https://scim.partner.example/v2") is None
    assert DEVELOPMENT.url_problem("http://127.0.0.1:9000/v2") is None
    assert DEVELOPMENT.url_problem("http://10.0.0.5/v2") is not None
    assert PRODUCTION.url_problem("https:///v2") == "The URL has no host."


def test_a_bad_allow_list_entry_or_sms_gateway_is_named_at_start() -> None:
    with pytest.raises(SettingsError, match="ROSTER_OUTBOUND_ALLOWED_HOSTS"):
        outbound_policy_from(Settings(outbound_allowed_hosts=("http://x.example",)))
    production = Settings(
        env="production", sms_url="https://10.0.0.9/send", sms_token="t", metrics_token="m"
    )
    with pytest.raises(SettingsError, match="ROSTER_SMS_URL"):
        outbound_policy_from(production)
    allowed = outbound_policy_from(replace(production, outbound_allowed_hosts=("10.0.0.0/8",)))
    assert allowed.allows("sms.internal", "10.0.0.9") and not allowed.allow_loopback
