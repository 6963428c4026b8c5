"""The faster JSON decoder reads exactly what the library's transcoder reads."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from relogement.events.transcodings import TRANSCODINGS, FastJSONTranscoder


def _registered(transcoder: JSONTranscoder) -> JSONTranscoder:
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), *TRANSCODINGS):
        transcoder.register(transcoding)
    return transcoder


LIBRARY = _registered(JSONTranscoder())
FAST = _registered(FastJSONTranscoder())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=40),
    st.uuids(),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False),
)
# Keys include the markers' names: a user dict that merely looks like a marker.
keys = st.one_of(st.sampled_from(["_type_", "_data_", "name", "id"]), st.text(max_size=10))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def _typed(value):  # noqa: ANN001, ANN202
    """The value with every leaf's type beside it: equal values of other types differ."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value), value)


@settings(max_examples=300, deadline=None)
@given(values)
def test_it_decodes_what_the_library_decodes(value):
    data = LIBRARY.encode({"value": value})
    assert FAST.encode({"value": value}) == data
    try:
        expected = LIBRARY.decode(data)
    except Exception as error:  # a user dict shaped like a marker of no registered type
        with pytest.raises(type(error)):
            FAST.decode(data)
        return
    assert _typed(FAST.decode(data)) == _typed(expected)


def test_the_values_stored_here_come_back_with_their_types():
    uid = UUID("6f1c2a9e0b1d4c7e9a8b7c6d5e4f3a2b")
    value = {
        "id": uid,
        "at": datetime(2026, 6, 30, 22, 0, tzinfo=UTC),
        "day": date(2026, 2, 28),
        "rent": Decimal("412.35"),
        "nested": [{"offer_id": uid}],
    }
    decoded = FAST.decode(LIBRARY.encode(value))
    assert decoded == value
    assert isinstance(decoded["id"], UUID) and decoded["id"].hex == uid.hex
    assert hash(decoded["id"]) == hash(uid) and str(decoded["nested"][0]["offer_id"]) == str(uid)


def test_unknown_and_malformed_values_fail_like_the_library():
    with pytest.raises(TranscodingNotRegisteredError):
        FAST.decode(b'{"x":{"_type_":"nope","_data_":"1"}}')
    with pytest.raises(ValueError):
        FAST.decode(b'{"x":{"_type_":"uuid_hex","_data_":"not-a-uuid"}}')
    with pytest.raises(ValueError):
        FAST.decode(b'{"x":{"_type_":"uuid_hex","_data_":"zz1c2a9e0b1d4c7e9a8b7c6d5e4f3a2b"}}')
