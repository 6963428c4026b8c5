"""The text projectors write carries no NUL character.

PostgreSQL cannot store U+0000 in a text value (``text fields cannot contain NUL``):
one such character in an event recorded before the value types refused control
characters (``platform/values.check_text``) would stop every read model at that
event. The runner hands its projectors events whose strings have lost their NUL
characters, so every read-model row, on either database, holds the same text.

Cheap on the common path: the stored JSON writes U+0000 as the escape ``\\u0000``, so
an event whose stored bytes lack it has no NUL in its clear part; only its sealed
personal part (stored encrypted, a few fields) is looked at. A store whose events are
compressed or encrypted as a whole is walked event by event.
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"
ESCAPED_NUL = b"\\u0000"
PERSONAL_FIELD = "personal"  # platform/privacy.py: the sealed identity of a household


def strip_nul(value: Any) -> Any:
    """``value`` with U+0000 removed from every string in it (nested dicts, lists, tuples)."""
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_nul(v) for v in value]
    if isinstance(value, tuple):
        return tuple(strip_nul(v) for v in value)
    return value


def without_nul(domain_event: Any, stored_state: bytes | None) -> Any:
    """``domain_event`` (decoded from ``stored_state``; None: bytes that cannot be
    searched, compressed or encrypted) with no NUL in any of its strings."""
    state = domain_event.__dict__
    if stored_state is None or ESCAPED_NUL in stored_state:
        for key, value in list(state.items()):
            state[key] = strip_nul(value)
    elif isinstance(state.get(PERSONAL_FIELD), dict):
        state[PERSONAL_FIELD] = strip_nul(state[PERSONAL_FIELD])
    return domain_event
