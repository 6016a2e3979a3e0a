from __future__ import annotations

import strawberry

from provisioning.errors import DomainError
from schema.enums import ErrorCode

USER_ERRORS = "Why the input was refused (empty on success)."


@strawberry.type(
    description="Why a mutation refused its input: a stable code, the input field at fault and a "
    "message for people."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description=(
            'Path to the input field at fault, e.g. ["input", "email"]; null when the'
            " error is about the input as a whole."
        )
    )
    code: ErrorCode = strawberry.field(description="Stable code to branch on.")
    message: str = strawberry.field(
        description="Human-readable explanation in English; may change, do not parse it."
    )


def user_errors(error: DomainError) -> list[UserError]:
    return [
        UserError(
            field=list(problem.field) if problem.field else None,
            code=ErrorCode(problem.code),
            message=problem.message,
        )
        for problem in error.problems
    ]
