"""A proposal of one offer to one household (proposition), and its objections.

Whether the objection window is open at an instant is a pure function of the
deadline stored in ``ProposalMade`` and that instant; the ``ObjectionWindowClosed``
fact is recorded afterwards for the record and the notifications.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from relogement.events import proposal as facts
from relogement.platform.deadline import window_open
from relogement.platform.errors import DomainError
from relogement.platform.values import CALEOL_DECISIONS, REFUSAL_MOTIVES

OPEN, LIFTED, DISMISSED, MAINTAINED = "ouverte", "levee", "levee_arbitrage", "maintenue"

# Terminal outcomes: nothing can happen to the proposal any more.
REFUSED, WITHDRAWN, OPPOSED, REJECTED, SIGNED = (
    "refusee",
    "retiree",
    "opposee",
    "rejetee_caleol",
    "bail_signe",
)


class Proposal(Aggregate):
    id: UUID  # lets the application choose the id (references derive from it)

    ProposalMade = facts.ProposalMade
    ObjectionRaised = facts.ObjectionRaised
    ObjectionLifted = facts.ObjectionLifted
    ObjectionArbitrated = facts.ObjectionArbitrated
    ObjectionWindowClosed = facts.ObjectionWindowClosed
    ProposalAccepted = facts.ProposalAccepted
    ProposalRefused = facts.ProposalRefused
    ProposalWithdrawn = facts.ProposalWithdrawn
    CaleolDecided = facts.CaleolDecided
    LeaseSigned = facts.LeaseSigned

    @event(ProposalMade)
    def __init__(
        self,
        project_id: UUID,
        household_id: UUID,
        offer_id: UUID,
        household_reference: str,
        household_bailleur: UUID,
        offer_bailleur: UUID,
        officer_org: UUID,
        rank: int,
        max_proposals: int,
        indicators: dict,
        window_hours: int,
        objection_deadline: datetime,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self.project_id = project_id
        self.household_id = household_id
        self.offer_id = offer_id
        self.household_reference = household_reference
        self.household_bailleur = household_bailleur
        self.offer_bailleur = offer_bailleur
        self.officer_org = officer_org
        self.rank = rank
        self.max_proposals = max_proposals
        self.indicators = indicators
        self.window_hours = window_hours
        self.objection_deadline = objection_deadline
        self.objections: dict[UUID, dict] = {}
        self.window_closed = False
        self.accepted = False
        self.caleol: str | None = None
        self.outcome: str | None = None  # one of the terminal outcomes

    # -- derived state ------------------------------------------------------
    @property
    def last_allowed(self) -> bool:
        """The last offer the law requires (3rd by default): flagged to everyone."""
        return self.rank == self.max_proposals

    @property
    def beyond_legal_count(self) -> bool:
        return self.rank > self.max_proposals

    @property
    def open_objections(self) -> list[UUID]:
        return [oid for oid, o in self.objections.items() if o["status"] == OPEN]

    def window_open_at(self, at: datetime) -> bool:
        return window_open(self.objection_deadline, at)

    def cleared_at(self, at: datetime) -> bool:
        """Cleared by the partners: deadline passed, no objection open or upheld."""
        return (
            self.outcome != OPPOSED and not self.window_open_at(at) and not self.open_objections
        )

    def _check_live(self) -> None:
        if self.outcome is not None:
            labels = {
                REFUSED: "refusée par le ménage",
                WITHDRAWN: "retirée",
                OPPOSED: "bloquée par une opposition maintenue",
                REJECTED: "rejetée par la CALEOL",
                SIGNED: "close : le bail est signé",
            }
            raise DomainError("proposal_closed", f"Cette proposition est {labels[self.outcome]}.")

    # -- objections ---------------------------------------------------------
    def raise_objection(self, motive: str, at: datetime, by_user: str, by_org: UUID) -> UUID:
        self._check_live()
        if not self.window_open_at(at):
            raise DomainError(
                "objection_window_closed",
                "Le délai d'opposition est écoulé : aucune opposition n'est plus recevable "
                "pour cette proposition.",
            )
        if by_org == self.officer_org:
            raise DomainError(
                "own_proposal", "Une organisation ne peut pas s'opposer à sa propre proposition."
            )
        if any(o["by_org"] == by_org and o["status"] == OPEN for o in self.objections.values()):
            raise DomainError(
                "objection_already_open", "Votre organisation a déjà une opposition ouverte ici."
            )
        if not motive.strip():
            raise DomainError("motive_required", "Une opposition doit être motivée.")
        objection_id = uuid4()
        self._objection_raised(
            objection_id=objection_id, motive=motive.strip(), by_user=by_user, by_org=by_org
        )
        return objection_id

    @event(ObjectionRaised)
    def _objection_raised(self, objection_id: UUID, motive: str, by_user: str, by_org: UUID) -> None:
        self.objections[objection_id] = {"by_org": by_org, "motive": motive, "status": OPEN}

    def _open_objection(self, objection_id: UUID) -> dict:
        objection = self.objections.get(objection_id)
        if objection is None:
            raise DomainError("unknown_objection", "Opposition introuvable sur cette proposition.")
        if objection["status"] != OPEN:
            raise DomainError("objection_not_open", "Cette opposition n'est plus ouverte.")
        return objection

    def lift_objection(self, objection_id: UUID, comment: str, by_user: str, by_org: UUID) -> None:
        self._check_live()
        objection = self._open_objection(objection_id)
        if objection["by_org"] != by_org:
            raise DomainError(
                "not_objection_author", "Seule l'organisation qui s'est opposée peut lever l'opposition."
            )
        self._objection_lifted(
            objection_id=objection_id, comment=comment.strip(), by_user=by_user, by_org=by_org
        )

    @event(ObjectionLifted)
    def _objection_lifted(self, objection_id: UUID, comment: str, by_user: str, by_org: UUID) -> None:
        self.objections[objection_id]["status"] = LIFTED

    def arbitrate_objection(
        self, objection_id: UUID, decision: str, comment: str, by_user: str, by_org: UUID
    ) -> None:
        """By the project's pilot (checked by the application)."""
        self._check_live()
        self._open_objection(objection_id)
        if decision not in ("levee", "maintenue"):
            raise DomainError("invalid_decision", "Arbitrage : « levee » ou « maintenue ».")
        if not comment.strip():
            raise DomainError("comment_required", "Un arbitrage doit être motivé.")
        self._objection_arbitrated(
            objection_id=objection_id,
            decision=decision,
            comment=comment.strip(),
            by_user=by_user,
            by_org=by_org,
        )

    @event(ObjectionArbitrated)
    def _objection_arbitrated(
        self, objection_id: UUID, decision: str, comment: str, by_user: str, by_org: UUID
    ) -> None:
        if decision == "maintenue":
            self.objections[objection_id]["status"] = MAINTAINED
            self.outcome = OPPOSED
        else:
            self.objections[objection_id]["status"] = DISMISSED

    def close_window(self, at: datetime, by_user: str, by_org: UUID) -> bool:
        """Idempotent: returns False when there was nothing to record."""
        if self.window_closed or self.outcome in (REFUSED, WITHDRAWN):
            return False
        if self.window_open_at(at):
            raise DomainError(
                "window_not_due", "Le délai d'opposition court encore : impossible de le clore."
            )
        self._window_closed(
            cleared=self.cleared_at(at),
            open_objections=len(self.open_objections),
            by_user=by_user,
            by_org=by_org,
        )
        return True

    @event(ObjectionWindowClosed)
    def _window_closed(self, cleared: bool, open_objections: int, by_user: str, by_org: UUID) -> None:
        self.window_closed = True

    # -- household's answer -------------------------------------------------
    def accept(self, accepted_on: date, by_user: str, by_org: UUID) -> None:
        self._check_live()
        if self.accepted:
            raise DomainError("already_accepted", "Le ménage a déjà accepté cette proposition.")
        if self.open_objections:
            raise DomainError(
                "open_objection",
                "Une opposition est ouverte sur cette proposition : "
                "elle ne peut pas être acceptée avant sa levée ou son arbitrage.",
            )
        self._accepted(accepted_on=accepted_on, by_user=by_user, by_org=by_org)

    @event(ProposalAccepted)
    def _accepted(self, accepted_on: date, by_user: str, by_org: UUID) -> None:
        self.accepted = True

    def refuse(
        self, motive_code: str, motive_text: str, refused_on: date, by_user: str, by_org: UUID
    ) -> None:
        self._check_live()
        if motive_code not in REFUSAL_MOTIVES:
            raise DomainError(
                "refusal_motive_required",
                "Un refus doit être motivé : choisissez un motif dans la liste.",
            )
        if motive_code == "autre" and not motive_text.strip():
            raise DomainError("refusal_motive_required", "Motif « autre » : précisez le motif du refus.")
        self._refused(
            motive_code=motive_code,
            motive_text=motive_text.strip(),
            refused_on=refused_on,
            by_user=by_user,
            by_org=by_org,
        )

    @event(ProposalRefused)
    def _refused(
        self, motive_code: str, motive_text: str, refused_on: date, by_user: str, by_org: UUID
    ) -> None:
        self.outcome = REFUSED

    def withdraw(self, reason: str, by_user: str, by_org: UUID) -> None:
        self._check_live()
        if by_org not in (self.officer_org, self.offer_bailleur):
            raise DomainError(
                "not_proposal_owner",
                "Seuls l'organisation qui a fait la proposition et le bailleur du logement "
                "peuvent la retirer.",
            )
        if not reason.strip():
            raise DomainError("reason_required", "Indiquez le motif du retrait.")
        self._withdrawn(reason=reason.strip(), by_user=by_user, by_org=by_org)

    def end_because_relocated(self, by_user: str, by_org: UUID) -> bool:
        """The household signed a lease elsewhere: this live proposal ends."""
        if self.outcome is not None:
            return False
        self._withdrawn(reason="ménage relogé par une autre proposition", by_user=by_user, by_org=by_org)
        return True

    @event(ProposalWithdrawn)
    def _withdrawn(self, reason: str, by_user: str, by_org: UUID) -> None:
        self.outcome = WITHDRAWN

    # -- CALEOL and lease ---------------------------------------------------
    def decide_caleol(
        self, decision: str, decided_on: date, comment: str, at: datetime, by_user: str, by_org: UUID
    ) -> None:
        self._check_live()
        if by_org != self.offer_bailleur:
            raise DomainError(
                "not_offer_owner", "La CALEOL qui décide est celle du bailleur du logement proposé."
            )
        if decision not in CALEOL_DECISIONS:
            raise DomainError("invalid_decision", "Décision CALEOL : attribution, refus ou ajournement.")
        if not self.accepted:
            raise DomainError(
                "not_accepted", "La CALEOL examine une proposition acceptée par le ménage."
            )
        if not self.cleared_at(at):
            raise DomainError(
                "not_cleared",
                "La proposition n'est pas encore validée par les partenaires "
                "(délai d'opposition en cours ou opposition ouverte).",
            )
        if self.caleol == "attribution":
            raise DomainError("already_attributed", "La CALEOL a déjà attribué ce logement.")
        self._caleol_decided(
            decision=decision, decided_on=decided_on, comment=comment.strip(), by_user=by_user, by_org=by_org
        )

    @event(CaleolDecided)
    def _caleol_decided(
        self, decision: str, decided_on: date, comment: str, by_user: str, by_org: UUID
    ) -> None:
        self.caleol = decision
        if decision == "refus":
            self.outcome = REJECTED

    def sign_lease(
        self,
        rent_cents: int,
        annex_rent_cents: int,
        charges_cents: int,
        apl_cents: int,
        signed_on: date,
        move_in_date: date,
        indicators: dict,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self._check_live()
        if by_org != self.offer_bailleur:
            raise DomainError("not_offer_owner", "Le bail est signé avec le bailleur du logement.")
        if not self.accepted:
            raise DomainError("not_accepted", "Un bail suppose une proposition acceptée par le ménage.")
        if self.caleol != "attribution":
            raise DomainError(
                "caleol_required", "Un bail suppose une décision d'attribution favorable de la CALEOL."
            )
        self._lease_signed(
            rent_cents=rent_cents,
            annex_rent_cents=annex_rent_cents,
            charges_cents=charges_cents,
            apl_cents=apl_cents,
            signed_on=signed_on,
            move_in_date=move_in_date,
            indicators=indicators,
            by_user=by_user,
            by_org=by_org,
        )

    @event(LeaseSigned)
    def _lease_signed(
        self,
        rent_cents: int,
        annex_rent_cents: int,
        charges_cents: int,
        apl_cents: int,
        signed_on: date,
        move_in_date: date,
        indicators: dict,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self.outcome = SIGNED
        self.lease = {
            "rent_cents": rent_cents,
            "annex_rent_cents": annex_rent_cents,
            "charges_cents": charges_cents,
            "apl_cents": apl_cents,
            "move_in_date": move_in_date,
        }
