"""Random valid command sequences: rebuild == incremental catch-up, and as-of == live.

Hypothesis draws a list of commands; each is run through RelocationApp and
skipped when the domain refuses it (DomainError), so the stored history is
always a valid one. Catch-ups happen at random points with a random batch size.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from conftest import FakeClock, _fresh_pg_database, postgres_available
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from relogement.platform.errors import DomainError
from relogement.platform.indicators import HousingCost
from relogement.platform.values import PersonalData, Wishes
from relogement.projections import build_runner
from relogement.projections import dashboard as dash
from relogement.projections import notices as notif
from relogement.projections.machinery import table_snapshot
from relogement.projections.read_models import ALL_TABLES
from relogement.runtime.application import RelocationApp
from relogement.simulation import sample

# The read models and the inboxes (offers published together make one notice).
REBUILT = [*ALL_TABLES, notif.notices, notif.notice_recipients]

OPS = (
    "register", "register", "publish", "publish", "propose", "propose", "propose", "lease",
    "object", "lift", "arbitrate", "advance",
    "close", "accept", "caleol", "lease", "lease", "refuse", "withdraw", "depart", "follow_up",
    "situation", "update_offer", "withdraw_offer", "personal", "wishes", "visit", "catch_up",
    "import_offers", "phase",
)
BAILLEURS = ("LMH", "VCL", "PDC")
OBJECTORS = ("VLS", "DEP59", "ETAT", "AL")

commands = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 1000), st.integers(0, 1000)), min_size=15, max_size=45
)


class Driver:
    """Interprets drawn commands against the current world."""

    def __init__(self, app: RelocationApp, clock: FakeClock) -> None:
        self.app, self.clock = app, clock
        self.world = sample.build_world(app)
        self.households: list = []
        self.offers: list = []
        self.proposals: list = []
        self.objections: list = []

    def _pick(self, items: list, n: int):
        return items[n % len(items)] if items else None

    def run(self, op: str, a: int, b: int) -> None:
        w, app = self.world, self.app
        try:
            getattr(self, f"_{op}")(w, app, a, b)
        except DomainError:
            pass  # the domain refused this command: the history stays valid

    def _register(self, w, app, a, b):
        ages = ((40,), (35, 33, 8), (60, 58), (29, 4, 2), (45, 17, 15, 12, 9))[a % 5]
        self.households.append(
            sample.register(
                w,
                bailleur=BAILLEURS[a % 3],
                operation=("DEM-FAU-1", "DEM-MOU-1")[b % 2],
                ages=ages,
                resources_cents=60_000 + (b % 30) * 10_000,
                rent_cents=30_000 + (a % 7) * 5_000,
                apl_cents=(b % 5) * 5_000,
                typology=("T2", "T3", "T4")[b % 3],
                income_quartile=1 + a % 4,
            )
        )

    def _publish(self, w, app, a, b):
        d = sample.dwelling(
            typology=("T2", "T3", "T4", "T5")[a % 4],
            rent_cents=35_000 + (b % 10) * 4_000,
            qpv=bool(a % 2),
            quartier=("LS-FAU", "LS-MOU", "Lomme-Centre")[b % 3],
            construction_year=(1975, 2022, 2025)[a % 3],
            individual=b % 4 == 0,
        )
        # Some offers reserved for a few days only: later proposals of them are refused.
        until = self.clock.now.date() + timedelta(days=a % 5) if b % 4 == 1 else None
        self.offers.append(app.publish_offer(w.project_id, d, w.actor(BAILLEURS[b % 3]), available_until=until))

    def _import_offers(self, w, app, a, b):
        from relogement.platform.application import NewOffer

        rows = [NewOffer(sample.dwelling(typology=("T2", "T3", "T4")[(a + i) % 3], rent_cents=40_000 + i * 1_000))
                for i in range(2 + b % 3)]
        self.offers.extend(app.publish_offers(w.project_id, rows, w.actor(BAILLEURS[a % 3])))

    def _phase(self, w, app, a, b):
        code = f"OP-{a}"
        app.add_operations(w.project_id, [], [{"code": code, "name": f"Phase {a}", "kind": "demolition",
                                               "quartier": ("LS-FAU", "LS-MOU")[b % 2]}], w.actor("MEL"))

    def _officer(self, household):
        return self.world.actors_by_org[self.app.household(household).officer_org]

    def _propose(self, w, app, a, b):
        h, o = self._pick(self.households, a), self._pick(self.offers, b)
        if h and o:
            self.proposals.append(app.make_proposal(h, o, (a % 6) * 4_000, self._officer(h)))

    def _object(self, w, app, a, b):
        p = self._pick(self.proposals, a)
        if p:
            oid = app.raise_objection(p, "Motif de test", w.actor(OBJECTORS[b % 4]))
            self.objections.append((p, oid, OBJECTORS[b % 4]))

    def _lift(self, w, app, a, b):
        x = self._pick(self.objections, a)
        if x:
            app.lift_objection(x[0], x[1], "Levée", w.actor(x[2]))

    def _arbitrate(self, w, app, a, b):
        x = self._pick(self.objections, a)
        if x:
            app.arbitrate_objection(x[0], x[1], ("levee", "maintenue")[b % 2], "Arbitrage", w.actor("MEL"))

    def _advance(self, w, app, a, b):
        self.clock.advance(hours=1 + a % 60)

    def _close(self, w, app, a, b):
        p = self._pick(self.proposals, a)
        if p:
            app.close_objection_window(p)

    def _accept(self, w, app, a, b):
        p = self._pick(self.proposals, a)
        if p:
            app.accept_proposal(p, self.clock.now.date(), self._officer(app.proposal(p).household_id))

    def _offer_owner(self, p):
        return self.world.actors_by_org[self.app.proposal(p).offer_bailleur]

    def _caleol(self, w, app, a, b):
        p = self._pick(self.proposals, a)
        if p:
            decision = ("attribution", "attribution", "ajournement", "refus")[b % 4]
            app.decide_caleol(p, decision, self.clock.now.date(), "", self._offer_owner(p))

    def _lease(self, w, app, a, b):
        """Drive a live proposal through the window, acceptance and CALEOL to the lease."""
        live = [p for p in self.proposals if app.proposal(p).outcome is None]
        p = self._pick(live, a)
        if p:
            proposal = app.proposal(p)
            if proposal.window_open_at(self.clock.now):
                self.clock.advance(hours=proposal.window_hours + 1)
            if not proposal.accepted:
                app.accept_proposal(p, self.clock.now.date(), self._officer(proposal.household_id))
            if proposal.caleol != "attribution":
                app.decide_caleol(p, "attribution", self.clock.now.date(), "", self._offer_owner(p))
            day = self.clock.now.date()
            app.sign_lease(p, 40_000 + b % 9 * 1_000, 8_000, (a % 5) * 5_000, day, day + timedelta(days=10), self._offer_owner(p))

    def _refuse(self, w, app, a, b):
        p = self._pick(self.proposals, a)
        if p:
            motive = ("localisation", "loyer", "typologie", "ecole", "autre")[b % 5]
            app.refuse_proposal(p, motive, "précision" if motive == "autre" else "", self._officer(app.proposal(p).household_id))

    def _withdraw(self, w, app, a, b):
        p = self._pick(self.proposals, a)
        if p:
            app.withdraw_proposal(p, "Retrait", self._offer_owner(p))

    def _depart(self, w, app, a, b):
        h = self._pick(self.households, a)
        if h and b % 3 == 0:
            app.record_departure(h, "Parti dans le parc privé", self._officer(h))

    def _follow_up(self, w, app, a, b):
        h = self._pick(self.households, a)
        if h:
            app.record_follow_up(h, self.clock.now.date(), 90_000 + b * 100, HousingCost(45_000, 0, 8_000, (a % 4) * 5_000), self._officer(h))

    def _situation(self, w, app, a, b):
        h = self._pick(self.households, a)
        if h:
            app.update_situation(h, sample.situation(resources_cents=70_000 + b * 200, apl_cents=a % 3 * 10_000), self._officer(h))

    def _update_offer(self, w, app, a, b):
        o = self._pick(self.offers, a)
        if o:
            offer = app.offer(o)
            app.update_offer(o, sample.dwelling(rent_cents=36_000 + b * 10), w.actors_by_org[offer.bailleur_org], "AL")

    def _withdraw_offer(self, w, app, a, b):
        o = self._pick(self.offers, a)
        if o and b % 3 == 0:
            app.withdraw_offer(o, "Vendu", w.actors_by_org[app.offer(o).bailleur_org])

    def _personal(self, w, app, a, b):
        h = self._pick(self.households, a)
        if h:
            app.update_personal_data(h, PersonalData(name=f"Ménage {b}", notes="RAS"), self._officer(h))

    def _wishes(self, w, app, a, b):
        h = self._pick(self.households, a)
        if h:
            app.record_wishes(h, Wishes(right_to_return=bool(b % 2)), self._officer(h))

    def _visit(self, w, app, a, b):
        h, o = self._pick(self.households, a), self._pick(self.offers, b)
        if h and o:
            app.record_visit(h, o, date(2026, 3, 3), "Intéressé", self._officer(h))

    def _catch_up(self, w, app, a, b):
        pass  # handled by the test


def _world_actors(driver: Driver) -> None:
    driver.world.actors_by_org = {org: driver.world.actor(code) for code, org in driver.world.orgs.items()}


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url_factory(request, tmp_path, _pg_reason):
    """A factory of fresh databases (Hypothesis runs many examples in one test)."""
    drops = []
    if request.param == "postgres":
        reason = postgres_available()
        if reason:
            pytest.skip(reason)

        def make():
            url, drop = _fresh_pg_database()
            drops.append(drop)
            return url
    else:

        def make():
            return f"sqlite:///{tmp_path / uuid.uuid4().hex}.sqlite"

    yield make
    for drop in drops:
        drop()


def _play(url: str, ops: list, batch: int):
    clock = FakeClock()
    app = RelocationApp(url, clock=clock)
    runner = build_runner(app, batch_size=batch)
    driver = Driver(app, clock)
    _world_actors(driver)
    # A few households and offers to start with, so that drawn proposals can happen early.
    for i in range(3):
        driver.run("register", i, i + 1)
        driver.run("publish", i + 1, i)
    return app, runner, driver, clock


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands, batch=st.integers(1, 9))
def test_rebuild_equals_incremental_for_random_histories(fresh_url_factory, ops, batch):
    app, runner, driver, _ = _play(fresh_url_factory(), ops, batch)
    try:
        for op, a, b in ops:
            if op == "catch_up":
                runner.catch_up()
            else:
                driver.run(op, a, b)
        runner.catch_up()
        incremental = table_snapshot(runner.engine, REBUILT)
        runner.rebuild()
        assert table_snapshot(runner.engine, REBUILT) == incremental
    finally:
        runner.close()
        app.close()


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=(Phase.explicit, Phase.reuse, Phase.generate))
@given(ops=commands)
def test_dashboard_as_of_equals_what_was_live(fresh_url_factory, ops):
    """Snapshot the live dashboard after each command, then recompute every one as of its instant."""
    app, runner, driver, clock = _play(fresh_url_factory(), ops, 50)
    try:
        live = []
        for op, a, b in ops:
            driver.run(op, a, b)
            clock.advance(minutes=7)  # the dashboard is looked at a bit after the command
            runner.catch_up()
            live.append((clock.now, dash.dashboard(runner.engine, driver.world.project_id, instant=clock.now)))
            clock.advance(minutes=1)  # the next command comes strictly after the look
        for instant, figures in live:
            past = dash.dashboard_at(runner.engine, driver.world.project_id, instant)
            assert past == figures, instant
    finally:
        runner.close()
        app.close()
