"""The one rule for typed text: no C0 control character (tab and line breaks only in
multi-line fields), checked on every value, form, import and recorded event. Re-exported
by :mod:`relogement.platform.values`, where every caller finds it."""

from __future__ import annotations

import re
from typing import Any

from relogement.platform.errors import InvalidValue

# C0 control characters (U+0000 to U+001F): invisible, some (NUL) unstorable in PostgreSQL.
# A multi-line field (notes, comments) keeps tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# The French name of each text field of the domain, for the messages of ``check_text``.
TEXT_LABELS = {
    "name": "nom",
    "phone": "téléphone",
    "email": "courriel",
    "address": "adresse",
    "birth_dates": "dates de naissance",
    "notes": "notes de suivi",
    "constraints": "contraintes",
    "extra": "informations complémentaires",
    "commune": "commune",
    "quartier": "quartier",
    "communes": "communes souhaitées",
    "code": "code",
    "reason": "motif",
    "motive": "motif",
    "comment": "commentaire",
    "reference": "référence",
    "quartiers": "quartiers",
    "operations": "opérations",
}


def control_character(text: str, *, multiline: bool = False) -> str | None:
    """The first C0 control character of ``text`` (tab and line breaks allowed if
    ``multiline``), or None."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL).search(text)
    return found.group() if found else None


def check_text(field: str, value: str, *, label: str | None = None, multiline: bool = False) -> str:
    """The one rule for typed text: no C0 control character (tab and line breaks only
    where the field is multi-line). ``label``: the field's French name (default: from
    ``TEXT_LABELS``). Returns ``value``; raises ``InvalidValue`` naming the field."""
    bad = control_character(value, multiline=multiline)
    if bad is not None:
        name = label or TEXT_LABELS.get(field, field)
        raise InvalidValue(
            field,
            f"Le champ « {name} » contient un caractère de contrôle invisible (U+{ord(bad):04X}), "
            "refusé : retapez la valeur sans ce caractère (souvent venu d'un copier-coller).",
        )
    return value


def check_texts(values: Any, field: str, *, multiline: bool = False) -> None:
    """``check_text`` on every string of ``values`` (nested lists, tuples, dicts: keys too)."""
    if isinstance(values, str):
        check_text(field, values, multiline=multiline)
    elif isinstance(values, dict):
        for key, value in values.items():
            check_texts(key, field)
            check_texts(value, field, multiline=multiline)
    elif isinstance(values, (list, tuple)):
        for value in values:
            check_texts(value, field, multiline=multiline)


def check_recorded_text(value: Any, field: str = "") -> None:
    """The last guard before an event is recorded: no string anywhere in it (personal
    part included, before sealing) holds a control character other than tab and line
    breaks, whatever command produced it. Named after the innermost key holding it."""
    if isinstance(value, str):
        check_text(field, value, multiline=True)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_recorded_text(key, field)
            check_recorded_text(item, key if isinstance(key, str) else field)
    elif isinstance(value, (list, tuple)):
        for item in value:
            check_recorded_text(item, field)
