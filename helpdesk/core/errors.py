"""The one error type services raise; the API turns it into a 4xx with a machine code."""
from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A business rule said no. `code` is stable for clients; `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, code: str, detail: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status
        self.extra = extra


class NotFound(ApplicationError):
    status = 404


class Conflict(ApplicationError):
    status = 409


class Forbidden(ApplicationError):
    status = 403


class RateLimited(ApplicationError):
    status = 429
