"""Domain errors: what went wrong in the rules, free of HTTP. ``web/errors.py`` maps them."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule the service layer refuses."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The thing asked for does not exist, or is not visible to the asker."""


class Invalid(DomainError):
    """Input breaks a rule; ``errors`` maps field names to messages."""

    def __init__(self, detail: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.errors = errors or {}


class BadRequest(DomainError):
    """A request parameter cannot be understood (a forged cursor, say)."""


class Unauthorized(DomainError):
    """Credentials are needed and none were given."""


class Forbidden(DomainError):
    """The asker is known but may not do this."""


class EditWindowClosed(Forbidden):
    """The author's time to edit or delete has run out."""


class Conflict(DomainError):
    """The action does not fit the current state."""


class Unavailable(DomainError):
    """A backing service (the database) cannot be reached right now."""
