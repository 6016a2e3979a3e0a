from __future__ import annotations

import strawberry

from provisioning.errors import DomainError
from schema.enums import ErrorCode


@strawberry.type
class UserError:
    field: list[str] | None
    code: ErrorCode
    message: str


def user_errors(error: DomainError) -> list[UserError]:
    return [
        UserError(
            field=list(problem.field) if problem.field else None,
            code=ErrorCode(problem.code),
            message=problem.message,
        )
        for problem in error.problems
    ]
