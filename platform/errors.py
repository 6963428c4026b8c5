"""Domain errors: a stable code for programs and a French message for people."""

from __future__ import annotations


class DomainError(Exception):
    """A broken business rule. ``code`` is stable; ``message`` is shown to users."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r})"


class NotFound(DomainError):
    def __init__(self, what: str, ident: object) -> None:
        super().__init__("not_found", f"{what} introuvable ({ident}).")


class InvalidValue(DomainError):
    """Bad input caught before any event is produced."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("invalid_value", message)
        self.field = field
