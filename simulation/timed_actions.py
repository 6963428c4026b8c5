"""The demo generator's timed actions: each runs at the clock's instant and schedules
the next ones (a household's registration, search, proposals, objections, visits,
answers, CALEOL, lease and follow-up; the offers' lives)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from relogement.platform.application import Actor
from relogement.platform.indicators import HousingCost
from relogement.platform.values import Dwelling, Wishes
from relogement.simulation.households import _apl_after, _Household, _needed_rooms, _personal, _Step
from relogement.simulation.reference import (
    BAILLEURS,
    CITY_PARTNERS,
    DESTINATIONS,
    OBJECTION_MOTIVES,
    POSTCODES,
    REFUSAL_TEXTS,
)


class _TimedActions:
    """The actions of ``_Generator`` (generator.py), which holds the state they use
    (``app``, ``clock``, ``rng``, ``orgs``, queue, decks, offer pool); a plain mixin."""

    # -- actions (each runs at the clock's instant) ---------------------------------------
    def register(self, h: _Household) -> None:
        rng = self.rng
        personal = _personal(rng, h, self.clock.now.date())
        communes = [h.origin[2]]
        nearby = sorted({d[2] for d in DESTINATIONS if d[4] == h.origin[4]} - {h.origin[2]})
        if nearby and rng.random() < 0.7:
            communes.append(rng.choice(nearby))
        if rng.random() < 0.4:
            communes.append(rng.choice(list(POSTCODES)))
        need = _needed_rooms(list(h.situation.ages))
        wishes = Wishes(
            communes=tuple(dict.fromkeys(communes)),
            typologies=tuple(f"T{r}" for r in range(max(1, need - 1), min(6, need + 1) + 1)),
            individual=True if rng.random() < 0.25 else None,
            max_floor=2 if h.situation.ages[0] >= 70 else None,
            needs_lift=h.situation.ages[0] >= 70,
            right_to_return=rng.random() < 0.12,
        )
        h.wishes = wishes
        officer_org = self.orgs[h.officer]
        # The platform's scheme (RelocationApp.readable_prefix): bailleur, year of the
        # registration, "M" and the household's number in that bailleur's series.
        series = (h.bailleur, self.clock.now.year)
        self.household_seq[series] = self.household_seq.get(series, 0) + 1
        h.reference = f"{h.bailleur}-{series[1]}-M{self.household_seq[series]:05d}"
        h.id = self.app.register_household(
            self.project_id, h.operation, self.orgs[h.bailleur], h.situation, personal,
            Actor(h.officer_user, officer_org), wishes=wishes, reference=h.reference,
            officer_org=officer_org,
        )
        self.at(self.later(45, 200), self.next_step, h)  # diagnosis, then search

    def next_step(self, h: _Household) -> None:
        if not h.steps:
            if h.departure:
                self.app.record_departure(h.id, h.departure, self.follower(h))
            return
        step = h.steps.pop(0)
        if step.outcome == "bail":
            step.final = self.plan_final(h)
        if step.final is None:
            entry = self.reusable_offer(h) if self.rng.random() < 0.4 else None
            if entry is not None:
                self.at(self.later(0.1, 3), self.propose, h, step, entry["id"], entry["bailleur"])
                return
            bailleur = self.rng.choices(BAILLEURS, [b[2] for b in BAILLEURS])[0][0]
            offer_id = self.publish(bailleur, self.random_dwelling(h))
        else:
            final = step.final
            bailleur = final["bailleur"]
            offer_id = self.publish(bailleur, self.dwelling(
                final["rooms"], final["destination"], final["neuf"], final["individual"],
                final["financing"], needs_lift=h.situation.ages[0] >= 70,
            ))
            if step.pre_visit:  # visit before the written proposal
                self.at(self.later(1, 6), self.visit, h, offer_id, None, "Visite avant proposition : ménage intéressé")
            if self.rng.random() < 0.05:  # several offers at once: a second, parallel one
                spare = self.rng.choices(BAILLEURS, [b[2] for b in BAILLEURS])[0][0]
                other = self.publish(spare, self.random_dwelling(h))
                self.at(self.later(7, 9), self.propose, h, _Step(outcome="attente", parallel=True), other, spare)
        self.at(self.later(7, 20), self.propose, h, step, offer_id, bailleur)

    def reusable_offer(self, h: _Household) -> dict | None:
        for i, entry in enumerate(self.pool):
            if h.index not in self.refusers.get(entry["id"], ()):
                return self.pool.pop(i)
        return None

    def follower(self, h: _Household) -> Actor:
        return Actor(h.officer_user, self.orgs[h.officer])

    def propose(self, h: _Household, step: _Step, offer_id: UUID, bailleur: str) -> None:
        if h.relocated:
            return
        rng = self.rng
        offer = self.app.offer(offer_id)
        dwelling = Dwelling.from_dict(offer.dwelling)
        cost = dwelling.rent_cents + dwelling.charges_cents + dwelling.annex_rent_cents
        if step.final is not None:
            delta = step.final["te_delta"]
        else:
            delta = rng.gauss(2.5, 3.0)
        apl = _apl_after(cost, h.situation.resources_cents, h.te_before + delta)
        proposal_id = self.app.make_proposal(h.id, offer_id, apl, self.follower(h))
        h.proposals += 1
        proposed_at = self.clock.now
        deadline = proposed_at + timedelta(hours=48)
        # The scheduler closes due windows every quarter of an hour or so.
        self.at(deadline + timedelta(minutes=rng.randint(1, 20)), self.close_window, proposal_id)
        if step.parallel:
            return  # left pending: ends when the household signs elsewhere
        resolved = proposed_at
        if step.objection:
            raised = proposed_at + timedelta(hours=rng.uniform(2, 40))
            resolved = self.office(proposed_at + timedelta(days=rng.uniform(3, 10)))
            self.at(raised, self.object, h, step, proposal_id, dwelling.commune, resolved)
        visit_on = self.later(2, 8)
        self.at(visit_on, self.visit, h, offer_id, proposal_id, rng.choice([
            "Logement visité avec la chargée de relogement", "Visite effectuée, ménage intéressé",
            "Visite effectuée en présence d'un proche", "Première visite reportée, visite faite",
        ]))
        if step.outcome == "opposition":
            return  # the arbitration ends this proposal and schedules the next one
        answer = max(visit_on + timedelta(days=rng.uniform(1, 8)),
                     resolved + timedelta(hours=rng.uniform(4, 48)))
        self.at(self.office(answer), self.answer, h, step, proposal_id, offer_id, apl, bailleur)

    def close_window(self, proposal_id: UUID) -> None:
        self.app.close_objection_window(proposal_id)

    def object(self, h: _Household, step: _Step, proposal_id: UUID, commune: str,
               resolved: datetime) -> None:
        rng = self.rng
        arbitrated = step.objection != "leve"
        kinds = ["reservataire", "departement"] + ([] if arbitrated else ["epci"])
        city = CITY_PARTNERS.get(commune)
        if city:
            kinds.append("ville")
        kind = rng.choice(kinds)
        code = {"ville": city, "departement": "DEP59", "epci": "MEL"}.get(kind) or rng.choice(["ETAT", "AL"])
        if self.orgs[code] == self.orgs[h.officer]:
            code = "DEP59"
        author = self.actor(code)
        objection_id = self.app.raise_objection(proposal_id, OBJECTION_MOTIVES[kind], author)
        self.at(resolved, self.resolve, h, step, proposal_id, objection_id, author)

    def resolve(self, h: _Household, step: _Step, proposal_id: UUID, objection_id: UUID,
                author: Actor) -> None:
        if step.objection == "leve":
            self.app.lift_objection(proposal_id, objection_id,
                                    "Levée après échange en commission inter-bailleurs", author)
            return
        pilot = self.actor("MEL", "chef.projet@mel")
        if step.objection == "arbitrage_leve":
            self.app.arbitrate_objection(
                proposal_id, objection_id, "levee",
                "Arbitrage du pilote : relogement conforme aux orientations de la CIA", pilot)
        else:
            self.app.arbitrate_objection(
                proposal_id, objection_id, "maintenue",
                "Arbitrage du pilote : opposition maintenue, autre proposition à rechercher", pilot)
            self.at(self.later(14, 45), self.next_step, h)

    def visit(self, h: _Household, offer_id: UUID, proposal_id: UUID | None, outcome: str) -> None:
        if h.relocated:
            return
        self.app.record_visit(h.id, offer_id, self.clock.now.date(), outcome, self.follower(h),
                              proposal_id=proposal_id)

    def answer(self, h: _Household, step: _Step, proposal_id: UUID, offer_id: UUID, apl: int,
               bailleur: str) -> None:
        app, rng = self.app, self.rng
        if step.outcome == "refus":
            motive = step.motive
            app.refuse_proposal(proposal_id, motive, rng.choice(REFUSAL_TEXTS[motive]), self.follower(h))
            self.release(h, offer_id, bailleur)
            self.at(self.later(25, 90), self.next_step, h)
        elif step.outcome == "retrait":
            app.withdraw_proposal(proposal_id, rng.choice([
                "Logement finalement non disponible (travaux de remise en état)",
                "Ménage hospitalisé : proposition retirée, à reprendre plus tard",
            ]), self.follower(h))
            self.release(h, offer_id, bailleur)
            self.at(self.later(20, 60), self.next_step, h)
        else:
            app.accept_proposal(proposal_id, self.clock.now.date(), self.follower(h))
            self.at(self.caleol_session(bailleur), self.caleol, h, step, proposal_id, offer_id, apl, bailleur)

    def caleol_session(self, bailleur: str, days_ahead: int = 1) -> datetime:
        """The bailleur's next weekly CALEOL (14:00 UTC on its day), ``days_ahead`` at least."""
        weekday = next(b[3] for b in BAILLEURS if b[0] == bailleur)
        day = self.clock.now + timedelta(days=days_ahead)
        while day.weekday() != weekday:
            day += timedelta(days=1)
        return day.replace(hour=14, minute=0, second=0, microsecond=0)

    def caleol(self, h: _Household, step: _Step, proposal_id: UUID, offer_id: UUID, apl: int,
               bailleur: str) -> None:
        app = self.app
        secretary = self.actor(bailleur, f"secretariat.caleol@{bailleur.lower()}")
        today = self.clock.now.date()
        if step.ajournement:
            step.ajournement = False
            app.decide_caleol(proposal_id, "ajournement", today,
                              "Pièces justificatives manquantes (avis d'imposition)", secretary)
            self.at(self.caleol_session(bailleur, days_ahead=8), self.caleol, h, step, proposal_id,
                    offer_id, apl, bailleur)
        elif step.outcome == "caleol_refus":
            app.decide_caleol(proposal_id, "refus", today,
                              "Adéquation ressources / loyer insuffisante au regard du taux d'effort",
                              secretary)
            self.release(h, offer_id, bailleur)
            self.at(self.later(20, 60), self.next_step, h)
        else:
            app.decide_caleol(proposal_id, "attribution", today, "Attribution au titre du relogement ANRU",
                              secretary)
            self.at(self.later(7, 25), self.lease, h, step, proposal_id, apl, bailleur)

    def lease(self, h: _Household, step: _Step, proposal_id: UUID, apl: int, bailleur: str) -> None:
        proposal = self.app.proposal(proposal_id)
        after = proposal.indicators["after"]["inputs"]
        signed = self.clock.now.date()
        move_in = signed + timedelta(days=self.rng.randint(0, 15))
        self.app.sign_lease(
            proposal_id, after["rent_cents"], after["charges_cents"], apl, signed, move_in,
            self.actor(bailleur), annex_rent_cents=after["annex_rent_cents"],
        )
        h.relocated = True
        if self.rng.random() < 0.9:
            when = datetime(move_in.year, move_in.month, move_in.day, 9, tzinfo=UTC)
            self.at(self.office(when + timedelta(days=self.rng.uniform(180, 300))),
                    self.follow_up, h, step, after)

    def follow_up(self, h: _Household, step: _Step, after: dict) -> None:
        rng = self.rng
        s = h.situation
        rac_before = s.dwelling.rent_cents + s.dwelling.annex_rent_cents + s.dwelling.charges_cents - s.apl_cents
        charges = after["charges_cents"] + rng.randint(-5, 12) * 100  # regularised charges
        cost = HousingCost(after["rent_cents"], after["annex_rent_cents"], charges, after["apl_cents"])
        rac = cost.rent_cents + cost.annex_rent_cents + cost.charges_cents - cost.apl_cents
        # Re-measured resources chosen so the reste-à-vivre evolution has the planned sign.
        # Dealt here rather than at planning: only households measured take a card.
        change = rng.uniform(0.15, 1.6) * (-1 if self.decks["rav_down"].draw() else 1)
        resources = (s.resources_cents - rac_before) + rac + round(change * len(s.ages) * 30 * 100)
        resources = max(resources, rac + len(s.ages) * 30 * 100)
        self.app.record_follow_up(h.id, self.clock.now.date(), resources, cost, self.follower(h))

    # -- offers' lives ---------------------------------------------------------------
    def release(self, h: _Household, offer_id: UUID, bailleur: str) -> None:
        self.refusers.setdefault(offer_id, set()).add(h.index)
        entry = {"id": offer_id, "bailleur": bailleur}
        if self.rng.random() < 0.5:
            self.pool.append(entry)
        self.at(self.later(14, 70), self.retire_offer, entry)

    def publish_spare(self) -> None:
        bailleur = self.rng.choices(BAILLEURS, [b[2] for b in BAILLEURS])[0][0]
        offer_id = self.publish(bailleur, self.random_dwelling(None))
        entry = {"id": offer_id, "bailleur": bailleur}
        self.pool.append(entry)
        if self.rng.random() < 0.75:
            self.at(self.later(20, 90), self.retire_offer, entry)

    def retire_offer(self, entry: dict) -> None:
        """Let through the ordinary channel if no relocated household took it meanwhile."""
        index = next((i for i, e in enumerate(self.pool) if e is entry), None)
        if index is not None:
            del self.pool[index]
            self.app.withdraw_offer(entry["id"], self.rng.choice([
                "Attribué hors relogement (CALEOL de droit commun)",
                "Logement retiré pour travaux", "Attribué sur le contingent du réservataire",
            ]), self.actor(entry["bailleur"]))
