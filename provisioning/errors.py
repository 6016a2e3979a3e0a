"""Expected failures, named after domain facts. The GraphQL edge turns them into userErrors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: tuple[str, ...] | None = None


class DomainError(Exception):
    """Carries one or more problems, each with a contract error code."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class ValidationFailed(DomainError):
    pass


class EmailTaken(DomainError):
    def __init__(self, field: tuple[str, ...] = ("input", "email")) -> None:
        super().__init__(
            Problem("EMAIL_TAKEN", "Another user in this organization has that email.", field)
        )


class UsernameTaken(DomainError):
    def __init__(self, field: tuple[str, ...] = ("input", "username")) -> None:
        super().__init__(
            Problem("USERNAME_TAKEN", "Another user in this organization has that username.", field)
        )


class NotFound(DomainError):
    def __init__(self, what: str, field: tuple[str, ...] | None = None) -> None:
        super().__init__(Problem("NOT_FOUND", f"{what} not found.", field))


class Forbidden(DomainError):
    def __init__(self, message: str = "You are not allowed to do this.") -> None:
        super().__init__(Problem("FORBIDDEN", message))


class SeatLimitReached(DomainError):
    def __init__(self, limit: int | None) -> None:
        super().__init__(
            Problem(
                "SEAT_LIMIT",
                f"No full seat left: the organization's limit is {limit}.",
                ("input", "seat"),
            )
        )


class ChangedMeanwhile(DomainError):
    """Someone changed the record since the version the caller based its change on."""

    def __init__(self) -> None:
        super().__init__(Problem("INVALID", "The user changed meanwhile: read it again."))


class InvalidCredentials(DomainError):
    def __init__(self) -> None:
        super().__init__(Problem("INVALID_CREDENTIALS", "The login or password is wrong."))


class PasswordChangeRequired(DomainError):
    """The password was right, but it is a one-time password: choose your own first."""

    def __init__(self) -> None:
        super().__init__(
            Problem(
                "PASSWORD_CHANGE_REQUIRED",
                "This is a one-time password: choose a new password to sign in.",
                ("input", "password"),
            )
        )


class RateLimited(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            Problem(
                "RATE_LIMITED",
                f"Too many failed sign-ins. Try again in {retry_after_seconds} seconds.",
            )
        )
        self.retry_after_seconds = retry_after_seconds


class AlreadyLinked(DomainError):
    def __init__(self, message: str, field: tuple[str, ...] | None = None) -> None:
        super().__init__(Problem("ALREADY_LINKED", message, field))


class IntegrationDisconnected(DomainError):
    def __init__(self, key: str, field: tuple[str, ...] | None = None) -> None:
        super().__init__(
            Problem(
                "INTEGRATION_DISCONNECTED",
                f"Integration {key!r} is disconnected: an admin must connect it first.",
                field,
            )
        )


class TokenInvalid(DomainError):
    """A link's token is unknown, used, voided or expired: all look the same."""

    def __init__(self) -> None:
        super().__init__(
            Problem(
                "TOKEN_INVALID",
                "This link is invalid or has expired. Ask for a new one.",
                ("input", "token"),
            )
        )


class SignupDisabled(DomainError):
    def __init__(self) -> None:
        super().__init__(Problem("SIGNUP_DISABLED", "This organization does not accept sign-ups."))


class TooManySignups(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            Problem(
                "RATE_LIMITED",
                f"Too many sign-ups from your address. Try again in {retry_after_seconds} seconds.",
            )
        )
        self.retry_after_seconds = retry_after_seconds


class TooManyResetRequests(DomainError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            Problem(
                "RATE_LIMITED",
                f"Too many password reset requests. Try again in {retry_after_seconds} seconds.",
            )
        )
        self.retry_after_seconds = retry_after_seconds


class ManagedExternally(DomainError):
    """A field that a directory owns: it is changed there, and a sync brings it here."""

    def __init__(self, directory: str, fields: list[tuple[str, ...]]) -> None:
        super().__init__(
            *(
                Problem(
                    "MANAGED_EXTERNALLY",
                    f"This user is managed by the directory {directory}: change it there.",
                    field,
                )
                for field in fields
            )
        )
