"""Use cases of offers: publish (one or a batch), update, withdraw."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from relogement.platform.actors import Actor, NewOffer
from relogement.platform.command_checks import _check_available_until, _paris_day
from relogement.platform.offer import Offer
from relogement.platform.quartier_match import project_quartier
from relogement.platform.values import Dwelling


class OfferCommands:
    """Offers.

    Mixed into ``RelocationApp`` (platform/application.py), whose ``_run``, ``save``,
    getters and ``_check_*`` guards it uses; a plain class, not an ``Application``.
    """

    def publish_offer(
        self,
        project_id: UUID,
        dwelling: Dwelling,
        actor: Actor,
        reservataire: str = "",
        reference: str | None = None,
        available_until: date | None = None,
    ) -> UUID:
        row = NewOffer(dwelling, reservataire, reference, available_until)
        return self.publish_offers(project_id, [row], actor)[0]

    def publish_offers(self, project_id: UUID, rows: list[NewOffer], actor: Actor) -> list[UUID]:
        """Publish several offers atomically (imports): all or none."""

        def use_case(at: datetime) -> list[UUID]:
            project = self.project(project_id)
            self._check_partner(project, actor)
            self._check_kind(actor, ("bailleur",), "Seuls les bailleurs publient des logements.")
            for row in rows:
                row.dwelling.check_offered(_paris_day(at).year)
                _check_available_until(row.available_until, _paris_day(at))
            dwellings = [project_quartier(project.quartiers, row.dwelling) for row in rows]
            offers: list = []
            residences: dict = {}
            taken: set[UUID] = set()
            for row, dwelling in zip(rows, dwellings, strict=True):
                # An unknown residence code asks first (create_residence: the confirmation).
                new = self._residence_of(project, actor.org, dwelling, row.create_residence, actor.by)
                if new is not None and new.id not in residences:
                    residences[new.id] = new
                prefix = self.readable_prefix(actor.org, "offre", at)
                reference, offer_id = self._claim_reference(
                    project, "offre", row.reference, prefix, taken, owner=actor.org
                )
                taken.add(offer_id)
                offers.append(
                    Offer(
                        id=offer_id,
                        project_id=project_id,
                        bailleur_org=actor.org,  # a bailleur publishes only its own dwellings
                        reference=reference,
                        dwelling=dwelling.to_dict(),
                        reservataire=row.reservataire.strip(),
                        available_until=row.available_until,
                        **actor.by,
                    )
                )
            self.save(*residences.values(), *offers)
            return [o.id for o in offers]

        return self._run(use_case)

    def update_offer(
        self, offer_id: UUID, dwelling: Dwelling, actor: Actor, reservataire: str = "",
        available_until: date | None = None, create_residence: bool = False,
    ) -> None:
        def use_case(at: datetime) -> None:
            offer = self.offer(offer_id)
            dwelling.check_offered(_paris_day(at).year)
            _check_available_until(available_until, _paris_day(at))
            project = self.project(offer.project_id)
            offered = project_quartier(project.quartiers, dwelling)
            offer.update(offered.to_dict(), reservataire.strip(), available_until=available_until, **actor.by)
            new = self._residence_of(project, offer.bailleur_org, offered, create_residence, actor.by)
            self.save(*([new] if new is not None else []), offer)

        self._run(use_case)

    def withdraw_offer(self, offer_id: UUID, reason: str, actor: Actor) -> None:
        def use_case(at: datetime) -> None:
            offer = self.offer(offer_id)
            offer.withdraw(reason, **actor.by)
            self.save(offer)

        self._run(use_case)
