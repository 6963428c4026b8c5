"""A realistic, seeded demo programme: a metropolitan renewal programme like Lille's.

Everything is written through ``RelocationApp`` use cases (no event is forged), with an
injectable clock that the generator moves forward: a three-year history is a
discrete-event simulation whose actions run in time order, so every figure of the
dashboard can be traced back to the facts that produced it, with believable dates.

Reproducible: the same ``seed``, ``start`` and size give the same sequence of facts
(event types, amounts, indicators, dates). Only aggregate ids (uuid4, chosen by the
application) differ from one run to the next.

How the reference figures of ../shared/domain.md are reached: each household's story
(number of refused offers, departure, objections, CALEOL adjournment...) is planned at
registration; the attributes of the offer it will finally sign for (QPV or not,
inter-bailleur, new, larger, individual house) and the evolution of its effort rate are
dealt from shuffled decks (``_Deck``), so the shares among signed leases stay within a
point or two of the targets even on a few hundred households; households cut by the
end of the history (still in progress) do not bias them.

Reste-à-vivre: at the lease, resources are those of the registered situation, so the
reste-à-vivre falls exactly when the effort rate rises (about two households in three).
Lille's "up for 889, down for 1,098" is a measure taken after moving: the generator
reproduces it in the follow-ups (``FollowUpRecorded``, resources re-measured six to ten
months after moving), where a bit more than half see it fall.

Where things are: ``reference.py`` (the programme's data and targets), ``decks.py``,
``households.py`` (a household's planned story, composition, personal data),
``generator.py`` (set-up, planning, dwellings) with ``timed_actions.py`` (what runs at
each instant), ``clock.py``; this module: the entry points and the figures.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from relogement.events import household as household_facts
from relogement.events import proposal as proposal_facts
from relogement.platform.application import RelocationApp
from relogement.simulation.clock import ProgrammeClock, default_start
from relogement.simulation.generator import _Generator
from relogement.simulation.reference import TARGETS

# The entry points' public names (ProgrammeClock, default_start and TARGETS live in
# clock.py and reference.py).
__all__ = [
    "BULK_ENV", "DEFAULT_HOUSEHOLDS", "DEFAULT_START", "SMALL_HOUSEHOLDS", "TARGETS", "DemoSummary",
    "ProgrammeClock", "default_start", "generate", "iter_events", "load", "programme_figures",
]

DEFAULT_START = date(2023, 9, 4)  # a Monday; the history runs three years from there
DEFAULT_HOUSEHOLDS = 6000
SMALL_HOUSEHOLDS = 200


@dataclass
class DemoSummary:
    households: int
    seed: int
    start: date
    end: date
    events: int
    seconds: float
    project_id: UUID
    orgs: dict[str, UUID]
    actions: Counter

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


# -- entry points -------------------------------------------------------------------------
def generate(
    app: RelocationApp,
    clock: ProgrammeClock,
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int = 1,
    start: date = DEFAULT_START,
    years: int = 3,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write a whole programme into an empty store; ``app`` must read ``clock``."""
    if app.clock is not clock:
        raise ValueError("the application must be built with the generator's clock")
    if households < 1:
        raise ValueError("households must be positive")
    began = time.perf_counter()
    first = app.recorder.max_notification_id() or 0
    generator = _Generator(app, clock, households, seed, start, years, progress)
    clock.now = generator.start
    generator.setup()
    generator.plan()
    generator.run()
    clock.now = generator.end
    return DemoSummary(
        households=households, seed=seed, start=start, end=generator.end.date(),
        events=(app.recorder.max_notification_id() or 0) - first,
        seconds=time.perf_counter() - began, project_id=generator.project_id,
        orgs=dict(generator.orgs), actions=generator.actions,
    )


# The generator is the store's only writer while it runs: the library's aggregate cache
# (fast-forwarded from the store on each read) saves replaying the project and households
# at every command, and the audit hash chain is extended once at the end rather than
# after every save (RELOGEMENT_AUDIT_SEAL, platform/application.py).
BULK_ENV = {"AGGREGATE_CACHE_MAXSIZE": "20000", "RELOGEMENT_AUDIT_SEAL": "0"}


def load(
    database: str | None,
    households: int = SMALL_HOUSEHOLDS,
    seed: int = 1,
    start: date = DEFAULT_START,
    progress: Callable[[str], None] | None = None,
    *,
    app_factory: Callable[..., RelocationApp],
) -> DemoSummary:
    """Generate a programme into ``database`` (must hold no event).

    ``app_factory(database, clock=..., env=...)`` builds the application on its
    infrastructure: ``relogement.runtime.application.RelocationApp`` (the simulation
    drives the domain and knows nothing of the stores).
    """
    clock = ProgrammeClock(datetime(start.year, start.month, start.day, 8, tzinfo=UTC))
    app = app_factory(database, clock=clock, env=BULK_ENV)
    try:
        if app.recorder.max_notification_id():
            raise ValueError("the database already holds events")
        summary = generate(app, clock, households, seed, start, progress=progress)
        app.audit_chain.extend()  # sealing was deferred during the bulk load (BULK_ENV)
        return summary
    finally:
        app.close()


# -- figures from the stored events ---------------------------------------------------------
def iter_events(app: RelocationApp, page: int = 2000):
    """Every stored fact, in notification order."""
    start = 1
    while True:
        notifications = list(app.notification_log.select(start=start, limit=page))
        if not notifications:
            return
        for notification in notifications:
            yield app.mapper.to_domain_event(notification)
        start = notifications[-1].id + 1


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def programme_figures(app: RelocationApp) -> dict:
    """The programme's headline figures, computed from the stored facts.

    A stand-in for the projections' dashboard, used by the band test and the CLI.
    Lease figures come from ``LeaseSigned.indicators``; the reste-à-vivre up/down counts
    from each household's latest ``FollowUpRecorded`` (resources re-measured after moving).
    """
    types: Counter = Counter()
    leases: list[dict] = []
    follow_ups: dict[UUID, dict] = {}
    objected: set[UUID] = set()
    refusals: Counter = Counter()
    caleol: Counter = Counter()
    households = 0
    for event in iter_events(app):
        types[type(event).__name__] += 1
        if isinstance(event, household_facts.HouseholdRegistered):
            households += 1
        elif isinstance(event, proposal_facts.LeaseSigned):
            leases.append(event.indicators)
        elif isinstance(event, household_facts.FollowUpRecorded):
            follow_ups[event.originator_id] = event.indicators
        elif isinstance(event, proposal_facts.ObjectionRaised):
            objected.add(event.originator_id)
        elif isinstance(event, proposal_facts.ProposalRefused):
            refusals[event.motive_code] += 1
        elif isinstance(event, proposal_facts.CaleolDecided):
            caleol[event.decision] += 1
    n = len(leases)

    def share(flag: str) -> float | None:
        return _pct(sum(1 for x in leases if x["flags"][flag]), n)

    te_before = [float(x["before"]["taux_effort"]) for x in leases]
    te_delta = [float(x["evolution"]["taux_effort_points"]) for x in leases]
    ups = [d for d in te_delta if d > 0]
    rav_lease = [float(x["evolution"]["rav_person_day"]) for x in leases]
    rav_follow = [float(x["evolution"]["rav_person_day"]) for x in follow_ups.values()]
    relocated = types["HouseholdRelocated"]
    departed = types["HouseholdDeparted"]
    proposals = types["ProposalMade"]
    return {
        "events": sum(types.values()),
        "event_types": dict(sorted(types.items())),
        "households": households,
        "relocated": relocated,
        "departed": departed,
        "in_progress": households - relocated - departed,
        "relocated_pct": _pct(relocated, households),
        "proposals": proposals,
        "proposals_per_relocated": round(proposals / relocated, 2) if relocated else None,
        "objection_pct": _pct(len(objected), proposals),
        "refusals": dict(refusals.most_common()),
        "caleol": dict(caleol),
        "leases": n,
        "hors_qpv_pct": share("hors_qpv"),
        "inter_bailleur_pct": share("inter_bailleur"),
        "neuf_moins_5_ans_pct": share("neuf_moins_5_ans"),
        "larger_pct": share("larger"),
        "individual_house_pct": share("individual_house"),
        "effort_before_15_20_pct": _pct(sum(1 for t in te_before if 15 <= t <= 20), n),
        "effort_before_median": round(statistics.median(te_before), 2) if te_before else None,
        "effort_up_pct": _pct(len(ups), n),
        "effort_up_median_points": round(statistics.median(ups), 2) if ups else None,
        "rav_down_at_lease_pct": _pct(sum(1 for r in rav_lease if r < 0), n),
        "follow_ups": len(rav_follow),
        "rav_up_follow_up": sum(1 for r in rav_follow if r > 0),
        "rav_down_follow_up": sum(1 for r in rav_follow if r < 0),
        "rav_down_follow_up_pct": _pct(sum(1 for r in rav_follow if r < 0), len(rav_follow)),
    }
