"""The demo generator: a discrete-event simulation of the programme, in time order.

Sets up the organisations and the project, plans every household's story and the spare
offers, deals the dwellings, then runs the queue of timed actions
(``timed_actions.py``) at the instant of each, moving the ``ProgrammeClock``.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from relogement.platform.application import Actor, RelocationApp
from relogement.platform.values import Dwelling, Situation
from relogement.simulation.clock import ProgrammeClock
from relogement.simulation.decks import _Deck, _flag_deck
from relogement.simulation.energy import demo_energy
from relogement.simulation.households import _composition, _Household, _needed_rooms, _Step
from relogement.simulation.reference import (
    BAILLEURS,
    CHARGES,
    DEPARTURE_REASONS,
    DESTINATIONS,
    ORIGINS,
    PARTNERS,
    POSTCODES,
    REFUSAL_WEIGHTS,
    RENT_M2,
    RESIDENCES,
    STAFF,
    STREETS,
    SURFACES,
    TARGETS,
)
from relogement.simulation.residences import DemoResidences
from relogement.simulation.timed_actions import _TimedActions


class _Generator(_TimedActions):
    def __init__(
        self, app: RelocationApp, clock: ProgrammeClock, households: int, seed: int,
        start: date, years: int, progress: Callable[[str], None] | None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.rng = random.Random(seed)
        self.n = households
        self.seed = seed
        self.start = datetime(start.year, start.month, start.day, 8, 0, tzinfo=UTC)
        self.end = self.start + timedelta(days=365 * years)
        self.progress = progress
        self.queue: list[tuple[datetime, int, Callable, tuple]] = []
        self.seq = 0
        self.orgs: dict[str, UUID] = {}
        self.actions: Counter = Counter()
        self.pool: list[dict] = []  # released or spare offers that can be proposed again
        self.refusers: dict[UUID, set[int]] = {}  # offer → households that turned it down
        # (bailleur, year) → last number of its offers, of its households
        self.offer_seq: dict[tuple[str, int], int] = {}
        self.household_seq: dict[tuple[str, int], int] = {}
        rng = self.rng
        self.decks = {
            "hors_qpv": _flag_deck(rng, TARGETS["hors_qpv"]),
            "inter": _flag_deck(rng, TARGETS["inter_bailleur"]),
            "neuf": _flag_deck(rng, TARGETS["neuf_moins_5_ans"]),
            "larger": _flag_deck(rng, TARGETS["larger"]),
            "individual": _flag_deck(rng, TARGETS["individual_house"]),
            "effort_up": _flag_deck(rng, TARGETS["effort_up"]),
            "te_band": _Deck(rng, {"15-20": TARGETS["effort_before_15_20"], "10-15": 16, "20-27": 14}),
            "rav_down": _flag_deck(rng, TARGETS["rav_down_follow_up"]),
            "financing": _Deck(rng, {"PLAI": 28, "PLUS": 62, "PLS": 10}),
        }

    # -- simulation plumbing ---------------------------------------------------------
    def at(self, when: datetime, action: Callable, *args: Any) -> None:
        if when >= self.end:
            return  # after the end of the history: still in progress
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, action, args))

    def office(self, when: datetime) -> datetime:
        """The next office-hours instant (Monday–Friday, 8:00–17:00 UTC) at or after ``when``."""
        if when.hour < 8:
            when = when.replace(hour=8, minute=self.rng.randrange(0, 60))
        elif when.hour >= 17:
            when = (when + timedelta(days=1)).replace(hour=8, minute=self.rng.randrange(0, 60))
        while when.weekday() >= 5:
            when = (when + timedelta(days=1)).replace(hour=8, minute=self.rng.randrange(0, 60))
        return when

    def later(self, days_lo: float, days_hi: float) -> datetime:
        return self.office(self.clock.now + timedelta(days=self.rng.uniform(days_lo, days_hi)))

    def actor(self, code: str, user: str | None = None) -> Actor:
        return Actor(user or f"{self.rng.choice(STAFF)}@{code.lower()}", self.orgs[code])

    def run(self) -> None:
        done = 0
        while self.queue:
            when, _, action, args = heapq.heappop(self.queue)
            self.clock.now = when
            action(*args)
            self.actions[action.__name__] += 1
            done += 1
            if self.progress and done % 5000 == 0:
                self.progress(f"{when:%Y-%m-%d} : {done} actions")

    # -- set-up ----------------------------------------------------------------------
    def setup(self) -> None:
        app = self.app
        for code, name, kind in PARTNERS:
            self.orgs[code] = app.register_organisation(name, kind, code, by_user="admin")
        for code, name, _, _ in BAILLEURS:
            self.orgs[code] = app.register_organisation(name, "bailleur", code, by_user="admin")
        quartiers = [
            {"code": c, "name": n, "commune": m, "qpv": q} for c, n, m, q, *_ in ORIGINS
        ] + [{"code": c, "name": n, "commune": m, "qpv": q} for c, n, m, q, _ in DESTINATIONS]
        self.operations: dict[str, list[dict]] = {}
        residences = list(RESIDENCES)
        self.rng.shuffle(residences)
        operations = []
        for i, (code, _, _, _, _, weight, _) in enumerate(ORIGINS):
            ops = []
            for j in range(1 if weight < 5 else 2):
                kind = "demolition" if j == 0 or self.rng.random() < 0.6 else "restructuration"
                label = "Démolition" if kind == "demolition" else "Restructuration lourde"
                residence = residences[(2 * i + j) % len(residences)]
                ops.append({"code": f"{code}-{kind[:3].upper()}{j + 1}",
                            "name": f"{label} {residence}", "kind": kind, "quartier": code})
            self.operations[code] = ops
            operations += ops
        mel = self.actor("MEL", "chef.projet@mel")
        # The demo's groupe de suivi weighs « équilibre de la résidence » in the ranking.
        self.project_id = app.create_project(
            "NPNRU Métropole Européenne de Lille (démo)", "MEL", quartiers, operations, mel,
            settings={"matching_weights": {"equilibre_residence": 10}},
        )
        for code, _, kind in PARTNERS:
            if code != "MEL" and kind != "audit":  # auditors read, they are not partners
                app.add_partner(self.project_id, self.orgs[code], mel)
        for code, *_ in BAILLEURS:
            app.add_partner(self.project_id, self.orgs[code], mel)
        self.residences = DemoResidences(self, self.seed)
        self.residences.create()

    # -- planning ----------------------------------------------------------------------
    def plan(self) -> None:
        rng = self.rng
        weights = [o[5] for o in ORIGINS]
        horizon = (self.end - self.start).total_seconds()
        # Operations start over the first 30 months; their households register over
        # the following months, so the last ones are still in progress at the end.
        op_start = {
            op["code"]: rng.uniform(0, 0.84) * horizon
            for ops in self.operations.values() for op in ops
        }
        for index in range(self.n):
            origin = rng.choices(ORIGINS, weights)[0]
            operation = rng.choice(self.operations[origin[0]])
            bailleur = rng.choice(origin[6])
            officer = "MOUS" if rng.random() < 0.22 else bailleur
            household = self.plan_household(index, origin, operation["code"], bailleur, officer)
            # Every planned household registers, at the latest a few weeks before the end.
            offset = min(op_start[operation["code"]] + rng.uniform(0, 0.2) * horizon, 0.97 * horizon)
            self.at(self.office(self.start + timedelta(seconds=offset)), self.register, household)
        # Offers published but never proposed to a relocated household (let through the
        # ordinary channel, or still available at the end).
        for _ in range(self.n // 6):
            when = self.office(self.start + timedelta(seconds=rng.uniform(0, 0.95) * horizon))
            self.at(when, self.publish_spare)

    def plan_household(
        self, index: int, origin: tuple, operation: str, bailleur: str, officer: str
    ) -> _Household:
        rng = self.rng
        ages = _composition(rng)
        size = len(ages)
        need = _needed_rooms(ages)
        rooms = max(1, min(6, need + rng.choices([-1, 0, 1, 2], [18, 50, 24, 8])[0]))
        typology = f"T{rooms}"
        surface = rng.randint(*SURFACES[typology])
        rent = round(surface * rng.uniform(4.9, 6.0) * 100)
        charges = rng.randint(*CHARGES[typology]) * 100 + rng.randrange(100)
        annex = rng.randint(15, 30) * 100 if rng.random() < 0.1 else 0
        quartile = rng.choices([1, 2, 3, 4], [55, 25, 15, 5])[0]
        apl_share = {1: (0.45, 0.68), 2: (0.30, 0.48), 3: (0.10, 0.30), 4: (0.0, 0.08)}[quartile]
        cost = rent + charges + annex
        apl = round(cost * rng.uniform(*apl_share))
        band = self.decks["te_band"].draw()
        lo, hi = {"15-20": (15.0, 20.0), "10-15": (10.0, 15.0), "20-27": (20.0, 27.0)}[band]
        te = rng.uniform(lo + 0.05, hi - 0.05)
        resources = round((cost - apl) * 100 / te)
        commune = origin[2]
        # The home address is identity: it goes in the sealed personal part only.
        home_address = f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {POSTCODES[commune]} {commune}"
        built = rng.randint(1956, 1976)
        dwelling = Dwelling(
            typology, Decimal(surface), rent, charges, annex_rent_cents=annex, commune=commune,
            financing="PLUS", construction_year=built,
            floor=rng.randint(0, 12), lift=rng.random() < 0.5,
            **demo_energy(built, Decimal(surface), False, rent),
        )
        dwelling = self.residences.home(bailleur, origin[0], dwelling)
        situation = Situation(ages, resources, apl, dwelling, income_quartile=quartile,
                              adults_in_work=self.residences.adults_in_work(ages, quartile))
        household = _Household(
            index=index, reference="", bailleur=bailleur, officer=officer,
            officer_user=f"{rng.choice(STAFF)}@{officer.lower()}", origin=origin,
            operation=operation, situation=situation, te_before=te, size=size,
            home_address=home_address,
        )
        # The story: refused offers first, then a departure or the offer signed for.
        intermediates = rng.choices([0, 1, 2, 3, 4], [55, 27, 12, 4.5, 1.5])[0]
        for _ in range(intermediates):
            outcome = rng.choices(["refus", "caleol_refus", "opposition", "retrait"], [90, 4, 2.5, 3.5])[0]
            step = _Step(outcome=outcome)
            if outcome == "refus":
                step.motive = rng.choices(list(REFUSAL_WEIGHTS), list(REFUSAL_WEIGHTS.values()))[0]
            if outcome == "opposition":
                step.objection = "arbitrage_maintenu"
            elif rng.random() < 0.02:
                step.objection = "leve"
            household.steps.append(step)
        if rng.random() < 0.07:
            household.departure = rng.choice(DEPARTURE_REASONS)
            return household
        # The destination is dealt when the search for it starts (``next_step``): only
        # households that get that far take cards from the decks.
        step = _Step(outcome="bail", ajournement=rng.random() < 0.05,
                     pre_visit=rng.random() < 0.12)
        if rng.random() < 0.025:
            step.objection = rng.choices(["leve", "arbitrage_leve"], [65, 35])[0]
        household.steps.append(step)
        return household

    def plan_final(self, household: _Household) -> dict:
        rng, decks = self.rng, self.decks
        rooms = int(household.situation.dwelling.typology[1])
        need = _needed_rooms(list(household.situation.ages))
        wished = household.wishes.communes if household.wishes else ()
        larger = decks["larger"].draw(lambda v: not v or rooms < 6)
        if larger:
            to_rooms = min(6, rooms + (2 if need > rooms + 1 else 1))
        else:
            to_rooms = rooms - 1 if rooms > max(1, need) and rng.random() < 0.45 else rooms
        origin = household.origin
        hors_qpv = decks["hors_qpv"].draw()
        if hors_qpv:
            choices = [d for d in DESTINATIONS if not d[3]]
            if not origin[3]:
                choices.append(origin[:5])
        else:
            choices = [o[:5] for o in ORIGINS if o[3]] + [d for d in DESTINATIONS if d[3]]
        weights = [
            (30 if c[0] == origin[0] else 0) + (6 if c[2] == origin[2] else 0)
            + (3 if c[4] == origin[4] else 0) + (8 if c[2] in wished else 0) + 1
            for c in choices
        ]
        destination = rng.choices(choices, weights)[0]
        inter = decks["inter"].draw()
        if inter:
            others = [b for b in BAILLEURS if b[0] != household.bailleur]
            bailleur = rng.choices(others, [b[2] for b in others])[0][0]
        else:
            bailleur = household.bailleur
        effort_up = decks["effort_up"].draw()
        delta = (min(4.5, max(0.4, rng.gauss(2.25, 0.55))) if effort_up
                 else -rng.uniform(0.3, 3.5))
        return {
            "rooms": to_rooms, "destination": destination, "bailleur": bailleur,
            "neuf": decks["neuf"].draw(), "individual": decks["individual"].draw(),
            "financing": decks["financing"].draw(), "te_delta": delta,
        }

    # -- dwellings -------------------------------------------------------------------
    def dwelling(
        self, rooms: int, destination: tuple, neuf: bool, individual: bool, financing: str,
        needs_lift: bool = False,
    ) -> Dwelling:
        rng = self.rng
        year = self.clock.now.year
        typology = f"T{rooms}"
        lo, hi = SURFACES[typology]
        surface = rng.randint(lo, hi) + (rng.randint(3, 10) if individual else 0)
        if neuf:
            # Delivered at most three years ago: still under five years at the lease.
            built = year - rng.choice([0, 1, 1, 2, 2, 3])
            age_factor = 1.08
        else:
            built = rng.choice([rng.randint(1958, 1985), rng.randint(1986, 2010),
                                rng.randint(2011, max(2011, year - 6))])
            age_factor = 0.88 if built < 1986 else 0.95 if built < 2011 else 1.0
        rent_m2 = RENT_M2[financing] * age_factor * (1.05 if individual else 1.0)
        rent = round(surface * rent_m2 * rng.uniform(0.95, 1.06) * 100)
        c_lo, c_hi = CHARGES[typology]
        charges = round(rng.randint(c_lo, c_hi) * (0.7 if individual else 1.0) * (0.9 if neuf else 1.0)) * 100
        annex = rng.randint(25, 45) * 100 if (neuf or individual) and rng.random() < 0.3 else 0
        floor = 0 if individual else rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 8])
        if needs_lift and floor > 1:
            floor = rng.choice([0, 1])
        commune = destination[2]
        street = rng.choice(STREETS)
        address = f"{rng.randint(1, 220)} {street}, {POSTCODES[commune]} {commune}"
        if not individual:
            address = f"Bât. {rng.choice('ABCDEF')}, appt {rng.randint(1, 12)}{rng.randint(0, 9)} – " + address
        return Dwelling(
            typology, Decimal(surface), rent, charges, annex_rent_cents=annex,
            quartier=destination[0], qpv=destination[3], commune=commune, address=address,
            financing=financing, construction_year=built, individual=individual,
            floor=floor, lift=(not individual and (neuf or floor >= 3)),
            accessible=neuf or (individual and rng.random() < 0.2),
            **demo_energy(built, Decimal(surface), individual, rent),
        )

    def random_dwelling(self, household: _Household | None) -> Dwelling:
        """An offer that the household will not sign for (refused, blocked...)."""
        rng = self.rng
        if household is None:
            rooms = rng.choices([1, 2, 3, 4, 5, 6], [6, 22, 34, 25, 10, 3])[0]
        else:
            need = _needed_rooms(list(household.situation.ages))
            rooms = max(1, min(6, need + rng.choice([-1, 0, 0, 1])))
        origin = household.origin if household else rng.choice(ORIGINS)
        places = [o[:5] for o in ORIGINS] + list(DESTINATIONS)
        weights = [(4 if p[4] == origin[4] else 1) for p in places]
        destination = rng.choices(places, weights)[0]
        return self.dwelling(
            rooms, destination, neuf=rng.random() < 0.3, individual=rng.random() < 0.2,
            financing=self.decks["financing"].draw(),
        )

    def publish(self, bailleur: str, dwelling: Dwelling) -> UUID:
        series = (bailleur, self.clock.now.year)  # the platform's scheme: per bailleur and year
        self.offer_seq[series] = self.offer_seq.get(series, 0) + 1
        reservataire = self.rng.choices(
            ["", "État", "Action Logement", "Ville"], [45, 25, 20, 10]
        )[0]
        return self.app.publish_offer(
            self.project_id, self.residences.offered(bailleur, dwelling), self.actor(bailleur),
            reservataire=reservataire,
            reference=f"{bailleur}-{series[1]}-{self.offer_seq[series]:05d}",
        )
