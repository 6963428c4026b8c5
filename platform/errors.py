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


class InvalidValues(InvalidValue):
    """Several bad inputs of one value or command, reported together (a form shows every
    error at once). ``field`` and ``message`` are the first problem's, so a caller that
    knows only ``InvalidValue`` still shows one; ``problems`` holds them all."""

    def __init__(self, problems: list[InvalidValue]) -> None:
        super().__init__(problems[0].field, problems[0].message)
        self.problems = problems


def problems_of(error: InvalidValue) -> list[InvalidValue]:
    """Every problem an ``InvalidValue`` carries (one, or all of an ``InvalidValues``)."""
    return list(error.problems) if isinstance(error, InvalidValues) else [error]


def raise_all(problems: list[InvalidValue]) -> None:
    """Raise the problems found, all together; nothing if there are none."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidValues(problems)
