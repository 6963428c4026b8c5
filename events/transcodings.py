"""How event values are written as JSON: value types beyond the library's, and a faster reader."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, SafeUUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


TRANSCODINGS = (DateAsISO(),)

_new = object.__new__
_set = object.__setattr__
_UNKNOWN = SafeUUID.unknown


def _uuid_from_hex(data: str) -> UUID:
    """``UUID(data)`` for the 32 hex digits ``UUIDAsHex`` writes, without its parsing."""
    if len(data) != 32 or not data.isalnum():
        return UUID(data)  # anything else: the library's parsing and its errors
    value = _new(UUID)
    _set(value, "int", int(data, 16))
    _set(value, "is_safe", _UNKNOWN)
    return value


# Decoders equal to the library's ``Transcoding.decode`` of these exact classes.
_FAST_DECODERS: dict[type, Callable[[Any], Any]] = {
    UUIDAsHex: _uuid_from_hex,
    DatetimeAsISO: datetime.fromisoformat,
    DecimalAsStr: Decimal,
    DateAsISO: date.fromisoformat,
}


class FastJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, same stored format, decoding in about half the time.

    Decoding dominated the cost of reading events (aggregates and projections alike):
    the library's object hook is a method with nested ``try`` blocks called for every
    JSON object, and each id goes through ``UUID.__init__``'s parsing. Here the hook is
    a closure over a name → decoder table, and the four value types stored here decode
    with a C call each. Encoding is the library's, unchanged.
    """

    def __init__(self) -> None:
        super().__init__()
        self._decoders: dict[str, Callable[[Any], Any]] = {}
        self.decoder = json.JSONDecoder(object_hook=self._make_hook())

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        fast = _FAST_DECODERS.get(type(transcoding))
        self._decoders[transcoding.name] = fast if fast is not None else transcoding.decode

    def _make_hook(self) -> Callable[[dict[str, Any]], Any]:
        decoders = self._decoders
        slow = self._decode_obj  # unknown names: the library's error

        def hook(d: dict[str, Any]) -> Any:
            if len(d) == 2 and "_type_" in d and "_data_" in d:
                decode = decoders.get(d["_type_"])
                if decode is None:
                    return slow(d)
                return decode(d["_data_"])
            return d

        return hook
