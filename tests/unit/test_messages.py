"""Password policy, link building, email templates, backoff and the SMTP URL: pure logic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from provisioning.invitations.link_tokens import ACCEPT_INVITATION_PATH, link
from provisioning.invitations.messages import MAX_RETRY, backoff, invitation_email, reset_email
from provisioning.users.password_policy import common_passwords, password_problems
from server.mailer import SmtpMailer


@pytest.mark.parametrize(
    ("password", "code", "words"),
    [
        (None, "REQUIRED", "Choose"),
        ("", "REQUIRED", "Choose"),
        ("eleven char", "INVALID", "at least 12"),
        ("y" * 257, "INVALID", "at most 256"),
        ("Password1234", "INVALID", "too common"),
        ("qwertyuiop123", "INVALID", "too common"),
        ("ada@acme.example", "INVALID", "email or username"),
        ("ADA.LOVELACE.X", "INVALID", "email or username"),
    ],
)
def test_password_policy_refusals(password: str | None, code: str, words: str) -> None:
    [problem] = password_problems(password, "ada@acme.example", "ada.lovelace.x")
    assert problem.code == code and words in problem.message
    assert problem.field == ("input", "password")


def test_a_good_password_passes() -> None:
    assert password_problems("tangerine kite 42 rowing", "ada@acme.example", None) == []
    assert password_problems("z" * 256) == []


def test_the_shipped_list_is_large_and_lower_cased() -> None:
    passwords = common_passwords()
    assert len(passwords) > 2000
    assert all(p == p.lower() for p in passwords)


def test_links_are_built_on_the_public_url_with_the_token_in_the_fragment() -> None:
    url = link("https://roster.example/", ACCEPT_INVITATION_PATH, "a-b_c", "acme")
    assert url == "https://roster.example/accept-invitation?organization=acme#token=a-b_c"


def test_templates_escape_names_in_html() -> None:
    email = invitation_email(
        "<b>Acme</b> & Co", "<script>x</script>", "https://r.example/a#token=t", 7, True
    )
    assert "<b>Acme</b>" not in email.html and "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in email.html
    assert "<script>" not in email.html
    assert "<b>Acme</b> & Co" in email.text and "https://r.example/a#token=t" in email.text
    assert "not billable" in email.text
    reset = reset_email("Acme", "Ada", "https://r.example/reset-password#token=t", 60)
    assert "60 minutes" in reset.text and "https://r.example/reset-password#token=t" in reset.html


def test_backoff_doubles_up_to_an_hour() -> None:
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60)
    assert backoff(3) == timedelta(seconds=120)
    assert backoff(20) == MAX_RETRY


def test_smtp_urls() -> None:
    plain = SmtpMailer("smtp://mail.example", "roster@r.example")
    assert (plain.hostname, plain.port, plain.use_tls, plain.username) == (
        "mail.example",
        25,
        False,
        None,
    )
    assert plain.sender == "roster@r.example"
    tls = SmtpMailer("smtps://u%40x:p%3Aw@mail.example?from=no-reply%40acme.example", "d@x")
    assert (tls.port, tls.use_tls, tls.username, tls.password, tls.sender) == (
        465,
        True,
        "u@x",
        "p:w",
        "no-reply@acme.example",
    )
    with pytest.raises(ValueError, match="ROSTER_SMTP_URL"):
        SmtpMailer("http://mail.example", "d@x")
