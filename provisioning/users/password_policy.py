"""The password policy: length, the common-password list shipped with Roster, not the login."""

from __future__ import annotations

import functools
from importlib import resources

from provisioning.errors import Problem, ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 256
FIELD = ("input", "password")


@functools.cache
def common_passwords() -> frozenset[str]:
    """provisioning/data/common-passwords.txt, lower-cased; read once, on first use."""
    text = resources.files("provisioning").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problems(password: str | None, *identifiers: str | None) -> list[Problem]:
    """Every rule `password` breaks; `identifiers` are the user's email and username."""
    if not password:
        return [Problem("REQUIRED", "Choose a password.", FIELD)]
    if len(password) < MIN_LENGTH:
        return [
            Problem("INVALID", f"The password must have at least {MIN_LENGTH} characters.", FIELD)
        ]
    if len(password) > MAX_LENGTH:
        return [
            Problem("INVALID", f"The password must have at most {MAX_LENGTH} characters.", FIELD)
        ]
    folded = password.strip().lower()
    if folded in common_passwords():
        return [Problem("INVALID", "This password is too common: choose another.", FIELD)]
    logins = {i.strip().lower() for i in identifiers if i}
    if folded in logins or any(folded == login.split("@")[0] for login in logins if "@" in login):
        return [Problem("INVALID", "The password must not be your email or username.", FIELD)]
    return []


def check_password(password: str | None, *identifiers: str | None) -> str:
    problems = password_problems(password, *identifiers)
    if problems:
        raise ValidationFailed(*problems)
    assert password is not None
    return password
