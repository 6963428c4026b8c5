"""The deadline table's closings and endings of earlier batches' rows, run at the end of a batch.

``DeadlineProjector`` folds them into two ``executemany`` per batch; the row must be the
one the events give when applied one batch each, in their order, whatever they are.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from relogement.events import proposal as facts
from relogement.projections.deadlines import DeadlineProjector, deadline_windows
from relogement.projections.machinery import make_engine, metadata

MADE_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _fact(cls: type, proposal_id, **fields):  # noqa: ANN001, ANN202 - a test double
    """A stored event of ``cls`` holding only what the projector reads."""
    event = object.__new__(cls)
    for name, value in {"originator_id": proposal_id, **fields}.items():
        object.__setattr__(event, name, value)
    return event


def _made(pid):  # noqa: ANN001, ANN202
    return _fact(
        facts.ProposalMade, pid, project_id=uuid4(), officer_org=uuid4(), household_reference="M-1",
        timestamp=MADE_AT, objection_deadline=MADE_AT + timedelta(hours=48), window_hours=48,
    )


LATER = {
    "close": lambda pid: _fact(facts.ObjectionWindowClosed, pid, cleared=True, open_objections=0),
    "close_blocked": lambda pid: _fact(facts.ObjectionWindowClosed, pid, cleared=False, open_objections=1),
    "refuse": lambda pid: _fact(facts.ProposalRefused, pid),
    "withdraw": lambda pid: _fact(facts.ProposalWithdrawn, pid),
}
# Every sequence of up to three later events, including the orders the domain never
# records (a closing after an ending): the table must still follow the events.
SEQUENCES = [seq for n in (1, 2, 3) for seq in itertools.product(LATER, repeat=n)]


def _apply(engine, projector: DeadlineProjector, batches) -> None:  # noqa: ANN001
    for batch in batches:
        with engine.begin() as conn:
            projector.begin_batch(conn)
            for position, event in batch:
                projector.apply(conn, position, event)
            projector.end_batch(conn)


def _rows(engine) -> dict:  # noqa: ANN001
    with engine.connect() as conn:
        return {
            row.proposal_id: (row.closed, row.cleared, row.ended, row.last_position)
            for row in conn.execute(select(deadline_windows))
        }


@pytest.fixture
def engine(database_url):  # noqa: ANN001, ANN201
    engine = make_engine(database_url)
    metadata.create_all(engine, tables=[deadline_windows])
    yield engine
    deadline_windows.drop(engine)
    engine.dispose()


def test_later_events_folded_per_batch_give_the_rows_of_one_event_per_batch(engine):
    # Each proposal made in the first batch; its later events, in the second batch
    # (folded) for one set of ids and one batch each for the other.
    folded, one_by_one, expected_ids = [], [], {}
    position = 1
    for _sequence in SEQUENCES:
        a, b = uuid4(), uuid4()
        expected_ids[a.hex] = b.hex
        folded.append((position, _made(a)))
        one_by_one.append((position + 1, _made(b)))
        position += 2
    _apply(engine, DeadlineProjector(), [folded + one_by_one])
    second_batch, single = [], []
    for sequence, (a_hex, b_hex) in zip(SEQUENCES, expected_ids.items(), strict=True):
        for kind in sequence:
            second_batch.append((position, LATER[kind](UUID(a_hex))))
            single.append([(position + 1, LATER[kind](UUID(b_hex)))])
            position += 2
    projector = DeadlineProjector()
    _apply(engine, projector, [second_batch])
    _apply(engine, projector, single)
    rows = _rows(engine)
    for sequence, (a_hex, b_hex) in zip(SEQUENCES, expected_ids.items(), strict=True):
        closed_a, cleared_a, ended_a, last_a = rows[a_hex]
        closed_b, cleared_b, ended_b, last_b = rows[b_hex]
        # Same flags; positions differ by one (b's events were numbered one after a's).
        assert (closed_a, cleared_a, ended_a) == (closed_b, cleared_b, ended_b), sequence
        assert last_b == last_a + 1, sequence
        # And what the sequence means, spelled out.
        first_close = next((i for i, k in enumerate(sequence) if k.startswith("close")), None)
        assert closed_a is (first_close is not None), sequence
        assert ended_a is (first_close != 0 and sequence[0] in ("refuse", "withdraw")), sequence
