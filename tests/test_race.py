"""Two users propose the same offer at the same instant: exactly one proposal wins.

Which set-up is realistic:
- SQLite is the single-process embedded default: web threads share one
  application object (and its engine), so the SQLite races use one shared app.
- PostgreSQL serves several workers (processes), each with its own application
  object and connection pool: the PostgreSQL races use one app per thread.

Two kinds of races, on each database:
- free races: both threads are released by a barrier and run the whole use case;
  which interleaving happens is up to the scheduler;
- forced races: a gate holds each thread just before its first ``save`` until
  both have loaded the offer, so both write from the same version: the store
  must reject one write (IntegrityError), and the retry must end in the domain
  error. This proves the conflict path is really exercised, every time.

After all races the store is audited: notification ids contiguous, every
aggregate's event count equal to its version, one ProposalMade per race.
"""

from __future__ import annotations

import threading
from collections import Counter
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from relogement.platform.errors import DomainError
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample

FREE_RACES = 200
FORCED_RACES = 50
JOIN_TIMEOUT = 60  # seconds; only guards against a deadlock hanging the suite


class Gate:
    """Holds each thread before its first save of the race until both arrive."""

    def __init__(self, app: RelocationApp) -> None:
        self.barrier: threading.Barrier | None = None
        self.local = threading.local()
        self.conflicts = 0
        self.rejected_events = 0  # events of the writes the store refused
        self._lock = threading.Lock()
        original = app.save

        def save(*aggregates, **kwargs):
            if self.barrier is not None and not getattr(self.local, "passed", False):
                self.local.passed = True
                self.barrier.wait()
            pending = sum(len(a.pending_events) for a in aggregates)
            try:
                return original(*aggregates, **kwargs)
            except IntegrityError:
                with self._lock:
                    self.conflicts += 1
                    self.rejected_events += pending
                raise

        app.save = save  # instance attribute: the use cases call self.save(...)


def race(apps: list[RelocationApp], world, offer_id: UUID, households: list[UUID]) -> list:
    start = threading.Barrier(len(apps))
    results: list = [None] * len(apps)

    def propose(i: int) -> None:
        start.wait()
        try:
            results[i] = apps[i].make_proposal(households[i], offer_id, 20_000, world.actor("LMH"))
        except DomainError as error:
            results[i] = error.code
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[i] = repr(error)

    threads = [threading.Thread(target=propose, args=(i,)) for i in range(len(apps))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a racing thread is stuck"
    return results


def audit_store(app: RelocationApp, expected_proposals: int, rejected_events: int) -> None:
    notes = list(app.notification_log.select(start=1, limit=app.log_section_size))
    ids = [n.id for n in notes]
    assert ids == sorted(set(ids)), "notification ids strictly increasing, no duplicate"
    assert ids[-1] == app.recorder.max_notification_id()
    gaps = ids[-1] - len(ids)
    if app.database_url.startswith("postgresql"):
        # A rejected write is rolled back, but PostgreSQL sequences never give back
        # the ids its inserts drew: gaps can only come from refused writes. (The
        # library's table lock keeps commit order = id order, so readers skip nothing.)
        assert gaps <= rejected_events
    else:
        # SQLite hands out max(id) + 1: a rolled-back write leaves no hole.
        assert gaps == 0, "notification ids must be contiguous"
    per_aggregate = Counter(n.originator_id for n in notes)
    versions = {}
    for n in notes:
        versions.setdefault(n.originator_id, []).append(n.originator_version)
    for originator_id, count in per_aggregate.items():
        assert versions[originator_id] == list(range(1, count + 1)), "no gap nor duplicate version"
        assert app.repository.get(originator_id).version == count
    topics = Counter(n.topic.rsplit(".", 1)[1] for n in notes)
    assert topics["ProposalMade"] == expected_proposals
    assert topics["OfferProposed"] == expected_proposals
    assert topics["ProposalReceived"] == expected_proposals


def check_outcome(app: RelocationApp, results: list, offer_id: UUID, households: list[UUID]) -> None:
    winners = [r for r in results if isinstance(r, UUID)]
    losers = [r for r in results if not isinstance(r, UUID)]
    assert len(winners) == 1 and losers == ["offer_already_proposed"], results
    winner = winners[0]
    assert app.offer(offer_id).live_proposal == winner
    won = results.index(winner)
    assert app.household(households[won]).proposals == [winner]
    assert app.household(households[1 - won]).proposals == []


@pytest.mark.slow
def test_same_offer_proposed_by_two_users_at_once(app):
    url = app.database_url
    world = sample.build_world(app)
    postgres = url.startswith("postgresql")
    extra = [RelocationApp(url, clock=app.clock) for _ in range(2)] if postgres else []
    racers = extra if postgres else [app, app]
    try:
        gates = [Gate(a) for a in dict.fromkeys(racers)]  # one gate per distinct app
        proposals = 0
        for _ in range(FREE_RACES):
            households = [sample.register(world, name=f"Famille {i}") for i in range(2)]
            offer_id = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
            results = race(racers, world, offer_id, households)
            check_outcome(app, results, offer_id, households)
            proposals += 1
        free_conflicts = sum(g.conflicts for g in gates)

        for _ in range(FORCED_RACES):
            households = [sample.register(world, name=f"Famille {i}") for i in range(2)]
            offer_id = app.publish_offer(world.project_id, sample.dwelling(), world.actor("VCL"))
            barrier = threading.Barrier(2, timeout=JOIN_TIMEOUT)
            for gate in gates:
                gate.barrier = barrier
            results = race(racers, world, offer_id, households)
            for gate in gates:
                gate.barrier = None
            check_outcome(app, results, offer_id, households)
            proposals += 1
        # Each forced race met exactly one rejected write, then the retry saw the rule.
        assert sum(g.conflicts for g in gates) - free_conflicts == FORCED_RACES

        audit_store(app, proposals, rejected_events=sum(g.rejected_events for g in gates))
    finally:
        for a in extra:
            a.close()


@pytest.mark.slow
def test_two_offers_to_one_household_at_once_get_distinct_ranks(app):
    """The household aggregate is the contended one: both proposals stand, ranks 1 and 2."""
    world = sample.build_world(app)
    postgres = app.database_url.startswith("postgresql")
    extra = [RelocationApp(app.database_url, clock=app.clock) for _ in range(2)] if postgres else []
    racers = extra if postgres else [app, app]
    try:
        for _ in range(50):
            household = sample.register(world)
            offers = [
                app.publish_offer(world.project_id, sample.dwelling(), world.actor(code))
                for code in ("VCL", "PDC")
            ]
            start = threading.Barrier(2)
            results: list = [None, None]

            def propose(i: int, household=household, offers=offers, start=start, results=results) -> None:
                start.wait()
                try:
                    results[i] = racers[i].make_proposal(household, offers[i], 0, world.actor("LMH"))
                except Exception as error:  # noqa: BLE001 - reported by the assertion below
                    results[i] = repr(error)

            threads = [threading.Thread(target=propose, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(JOIN_TIMEOUT)
            assert all(isinstance(r, UUID) for r in results), results
            assert sorted(app.proposal(p).rank for p in results) == [1, 2]
            assert sorted(app.household(household).proposals) == sorted(results)
    finally:
        for a in extra:
            a.close()
