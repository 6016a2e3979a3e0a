"""Field rules for users: each check returns the normalised value or records a Problem."""

from __future__ import annotations

import re

import langcodes
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from provisioning.errors import Problem

USERNAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,62}[a-zA-Z0-9]$")
MAX_NAME_LENGTH = 100


class Checker:
    """Collects every problem of one input, so the caller sees them all at once."""

    def __init__(self, prefix: tuple[str, ...] = ("input",)) -> None:
        self.prefix = prefix
        self.problems: list[Problem] = []

    def fail(self, field: str, code: str, message: str) -> None:
        self.problems.append(Problem(code, message, (*self.prefix, field)))

    def name(self, field: str, value: str | None) -> str:
        cleaned = " ".join((value or "").split())
        if not cleaned:
            self.fail(field, "REQUIRED", f"{_label(field)} is required.")
        elif len(cleaned) > MAX_NAME_LENGTH:
            self.fail(field, "INVALID", f"{_label(field)} is longer than {MAX_NAME_LENGTH}.")
        return cleaned

    def email(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            checked = validate_email(value.strip(), check_deliverability=False)
        except EmailNotValidError as error:
            self.fail("email", "INVALID", f"Email is not valid: {error}")
            return None
        return checked.normalized.lower()

    def username(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = value.strip()
        if not USERNAME_PATTERN.match(cleaned):
            self.fail(
                "username",
                "INVALID",
                "Username must be 3 to 64 letters, digits, dots, dashes or underscores,"
                " starting and ending with a letter or digit.",
            )
            return None
        return cleaned

    def phone(self, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            number = phonenumbers.parse(value.strip(), None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            self.fail(
                "phone", "INVALID", "Phone must be a valid number in international form (+44...)."
            )
            return None
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def language(self, value: str | None, default: str) -> str:
        if value is None or not value.strip():
            return default
        tag = value.strip()
        if not langcodes.tag_is_valid(tag):
            self.fail(
                "language", "INVALID", f"Language must be a BCP 47 tag such as en-GB, not {tag!r}."
            )
            return default
        return str(langcodes.standardize_tag(tag))

    def contact(self, email: str | None, username: str | None, phone: str | None) -> None:
        """An email, or a username together with a phone."""
        if email is not None:
            return
        if username is None and phone is None:
            self.fail("email", "REQUIRED", "An email, or a username and a phone, is required.")
        elif username is None:
            self.fail("username", "REQUIRED", "Without an email, a username is required.")
        elif phone is None:
            self.fail("phone", "REQUIRED", "Without an email, a phone is required.")


def _label(field: str) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", field).lower()
    return words[:1].upper() + words[1:]
