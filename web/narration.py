"""Facts in French: the label and details a timeline shows for each stored event.

:func:`narrate` builds a timeline (the journal's who and when, the stored events'
what); :func:`describe_fact` says one event. One handler per event class (``functools.singledispatch`` on ``relogement.events``
classes: the stored classes are those, so the MRO finds the handler); an event class
without a handler gets its label from ``EVENT_LABELS`` and no details.
Never identity; free texts about the household only with ``identity``; exact amounts of
the household only with ``situation``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import singledispatch
from typing import Any
from uuid import UUID

from relogement.events import household as hh
from relogement.events import offer as of
from relogement.events import organisation as org
from relogement.events import project as pj
from relogement.events import proposal as pr
from relogement.platform.privacy import ERASURE_REASONS
from relogement.platform.values import CALEOL_DECISIONS, REFUSAL_MOTIVES
from relogement.projections.queries.journal import EVENT_LABELS, journal_rows
from relogement.projections.queries.offers import offer_references
from relogement.projections.views import TimelineEntry
from relogement.web.filters import datetime_fr, euros, euros_per_day, percent

Details = list[tuple[str, str]]


@dataclass(frozen=True)
class Narration:
    """What a handler may use: organisation names, offer references, what the reader may see."""

    org: Callable[[Any], str]
    offer_refs: dict[UUID, str]
    identity: bool
    situation: bool


def _fmt_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _composition(ages: list[int]) -> str:
    adults = sum(1 for a in ages if a >= 18)
    children = len(ages) - adults
    text = f"{adults} adulte{'s' if adults > 1 else ''}"
    return text + (f", {children} enfant{'s' if children > 1 else ''}" if children else "")


def describe_fact(
    fact: Any,
    org: Callable[[Any], str],
    offer_refs: dict[UUID, str],
    identity: bool,
    situation: bool = False,
) -> tuple[str, Details]:
    """A French label and details for one stored event."""
    return _describe(fact, Narration(org, offer_refs, identity, situation))


@singledispatch
def _describe(fact: Any, n: Narration) -> tuple[str, Details]:
    name = type(fact).__name__
    return EVENT_LABELS.get(name, name), []


# -- households ---------------------------------------------------------------------
@_describe.register
def _(fact: hh.HouseholdRegistered, n: Narration) -> tuple[str, Details]:
    s = fact.situation
    return "Ménage inscrit au relogement", [
        ("Référence", fact.reference),
        ("Opération", fact.operation),
        ("Composition", _composition(s["ages"])),
        ("Bailleur", n.org(fact.bailleur_org)),
        ("Suivi par", n.org(fact.officer_org)),
    ]


@_describe.register
def _(fact: hh.HouseholdSituationUpdated, n: Narration) -> tuple[str, Details]:
    s = fact.situation
    d = [("Composition", _composition(s["ages"]))]
    if n.situation or n.identity:
        d.append(("Ressources", euros(s["resources_cents"])))
    return "Situation mise à jour", d


@_describe.register
def _(fact: hh.HouseholdPersonalDataUpdated, n: Narration) -> tuple[str, Details]:
    return "Coordonnées mises à jour", []


@_describe.register
def _(fact: hh.HouseholdErased, n: Narration) -> tuple[str, Details]:
    return "Données personnelles effacées", [("Motif", ERASURE_REASONS.get(fact.reason, fact.reason))]


@_describe.register
def _(fact: hh.HouseholdWishesRecorded, n: Narration) -> tuple[str, Details]:
    w = fact.wishes
    return "Souhaits enregistrés", [
        ("Communes", ", ".join(w.get("communes", [])) or "—"),
        ("Typologies", ", ".join(w.get("typologies", [])) or "—"),
        ("Droit au retour", "oui" if w.get("right_to_return") else "non"),
    ]


@_describe.register
def _(fact: hh.VisitRecorded, n: Narration) -> tuple[str, Details]:
    d = [
        ("Logement", n.offer_refs.get(fact.offer_id) or str(fact.offer_id)),
        ("Date", _fmt_date(fact.visited_on)),
    ]
    if n.identity and fact.outcome:
        d.append(("Compte rendu", fact.outcome))
    return "Visite du logement", d


@_describe.register
def _(fact: hh.ProposalReceived, n: Narration) -> tuple[str, Details]:
    return "Proposition reçue", [("Rang", f"{fact.rank}"), ("Logement", n.offer_refs.get(fact.offer_id, ""))]


@_describe.register
def _(fact: hh.HouseholdRelocated, n: Narration) -> tuple[str, Details]:
    return "Ménage relogé", [("Entrée dans les lieux", _fmt_date(fact.move_in_date))]


@_describe.register
def _(fact: hh.HouseholdDeparted, n: Narration) -> tuple[str, Details]:
    return "Sortie du dispositif", [("Motif", fact.reason)] if n.identity else []


@_describe.register
def _(fact: hh.FollowUpRecorded, n: Narration) -> tuple[str, Details]:
    d = [("Mesuré le", _fmt_date(fact.measured_on))]
    if n.situation:  # exact figures: for those who see the household's amounts
        after = fact.indicators["after"]
        d += [("Taux d'effort", percent(after.get("taux_effort"))),
              ("Reste-à-vivre", f"{euros_per_day(after.get('rav_person_day'))} par personne")]
    return "Suivi après relogement", d


# -- offers -------------------------------------------------------------------------
@_describe.register
def _(fact: of.OfferPublished, n: Narration) -> tuple[str, Details]:
    dw = fact.dwelling
    return "Offre publiée", [
        ("Référence", fact.reference),
        ("Logement", f"{dw['typology']} — {dw['commune']}"),
        ("Loyer", euros(dw["rent_cents"])),
    ]


@_describe.register
def _(fact: of.OfferUpdated, n: Narration) -> tuple[str, Details]:
    return "Offre modifiée", [("Loyer", euros(fact.dwelling["rent_cents"]))]


@_describe.register
def _(fact: of.OfferWithdrawn, n: Narration) -> tuple[str, Details]:
    return "Offre retirée", [("Motif", fact.reason or "—")]


@_describe.register
def _(fact: of.OfferProposed, n: Narration) -> tuple[str, Details]:
    return "Offre proposée à un ménage", []


@_describe.register
def _(fact: of.OfferReleased, n: Narration) -> tuple[str, Details]:
    return "Offre de nouveau disponible", [("Motif", fact.reason)]


@_describe.register
def _(fact: of.OfferLet, n: Narration) -> tuple[str, Details]:
    return "Logement loué", []


# -- proposals ----------------------------------------------------------------------
@_describe.register
def _(fact: pr.ProposalMade, n: Narration) -> tuple[str, Details]:
    return "Proposition faite", [
        ("Rang", f"{fact.rank} / {fact.max_proposals}"),
        ("Fin du délai d'opposition", datetime_fr(fact.objection_deadline)),
    ]


@_describe.register
def _(fact: pr.ObjectionRaised, n: Narration) -> tuple[str, Details]:
    return "Opposition formée", [("Motif", fact.motive)]


@_describe.register
def _(fact: pr.ObjectionLifted, n: Narration) -> tuple[str, Details]:
    return "Opposition levée", [("Commentaire", fact.comment or "—")]


@_describe.register
def _(fact: pr.ObjectionArbitrated, n: Narration) -> tuple[str, Details]:
    decision = "levée" if fact.decision == "levee" else "maintenue"
    return f"Opposition arbitrée : {decision}", [("Motif", fact.comment)]


@_describe.register
def _(fact: pr.ObjectionWindowClosed, n: Narration) -> tuple[str, Details]:
    return "Délai d'opposition clos", [
        ("Résultat", "validée par les partenaires" if fact.cleared else "bloquée (opposition ouverte)")
    ]


@_describe.register
def _(fact: pr.ProposalAccepted, n: Narration) -> tuple[str, Details]:
    return "Proposition acceptée par le ménage", [("Le", _fmt_date(fact.accepted_on))]


@_describe.register
def _(fact: pr.ProposalRefused, n: Narration) -> tuple[str, Details]:
    d = [("Motif", REFUSAL_MOTIVES.get(fact.motive_code, fact.motive_code)), ("Le", _fmt_date(fact.refused_on))]
    if n.identity and fact.motive_text:
        d.append(("Précision", fact.motive_text))
    return "Proposition refusée par le ménage", d


@_describe.register
def _(fact: pr.ProposalWithdrawn, n: Narration) -> tuple[str, Details]:
    return "Proposition retirée", [("Motif", fact.reason)]


@_describe.register
def _(fact: pr.CaleolDecided, n: Narration) -> tuple[str, Details]:
    d = [("Décision", CALEOL_DECISIONS.get(fact.decision, fact.decision)), ("Le", _fmt_date(fact.decided_on))]
    # The commission's comment belongs to the proposal's shared record, as the objections'
    # motives and the arbitrations' reasons do (the household's own words, a refusal's
    # precision, stay with those who follow it).
    if fact.comment:
        d.append(("Commentaire", fact.comment))
    return "Décision de la CALEOL", d


@_describe.register
def _(fact: pr.LeaseSigned, n: Narration) -> tuple[str, Details]:
    return "Bail signé", [
        ("Signé le", _fmt_date(fact.signed_on)),
        ("Entrée dans les lieux", _fmt_date(fact.move_in_date)),
        ("Loyer", euros(fact.rent_cents)),
    ]


# -- organisations and projects -----------------------------------------------------
@_describe.register
def _(fact: org.OrganisationRegistered, n: Narration) -> tuple[str, Details]:
    return "Organisation inscrite", [("Nom", fact.name)]


@_describe.register
def _(fact: pj.ProjectCreated, n: Narration) -> tuple[str, Details]:
    return "Projet créé", [("Nom", fact.name)]


@_describe.register
def _(fact: pj.PartnerJoined, n: Narration) -> tuple[str, Details]:
    return "Partenaire ajouté", [("Organisation", n.org(fact.org_id))]


@_describe.register
def _(fact: pj.ProjectSettingsChanged, n: Narration) -> tuple[str, Details]:
    return "Paramètres du projet modifiés", []


def subject_of(fact: Any) -> str | None:
    """What a timeline line is about when several aggregates are shown (a proposal's rank)."""
    return f"Proposition n° {fact.rank}" if isinstance(fact, pr.ProposalMade) else None


def narrate(
    db: Any,
    app: Any,
    aggregate_ids: list[UUID],
    org_name: Callable[[Any], str],
    identity: bool,
    position: int | None,
    situation: bool,
) -> list[TimelineEntry]:
    """The timeline of these aggregates: positions, instants and authors from the event
    journal (as of ``position``; ``db`` is the read side's opaque handle), the details
    from the stored events (``app.events``)."""
    rows = journal_rows(db, aggregate_ids, position)
    last: dict[str, int] = {}
    for r in rows:
        last[r["originator_id"]] = max(last.get(r["originator_id"], 0), r["originator_version"])
    facts: dict[tuple[str, int], Any] = {}
    for hid, version in last.items():
        for e in app.events.get(UUID(hex=hid), lte=version):
            facts[(hid, e.originator_version)] = e
    subjects = {}
    offer_refs: dict[UUID, str] = {}
    for r in rows:
        e = facts.get((r["originator_id"], r["originator_version"]))
        subject = subject_of(e)
        if subject is not None:
            subjects[r["originator_id"]] = subject
        oid = getattr(e, "offer_id", None)
        if isinstance(oid, UUID) and oid not in offer_refs:
            offer_refs[oid] = ""
    offer_refs.update(offer_references(db, offer_refs))
    entries = []
    for r in rows:
        e = facts.get((r["originator_id"], r["originator_version"]))
        if e is None:
            continue
        label, details = describe_fact(e, org_name, offer_refs, identity, situation)
        entries.append(
            TimelineEntry(
                position=r["position"],
                at=r["timestamp"],
                by_user=r["by_user"] or "",
                by_org=org_name(r["by_org"]) if r["by_org"] else "",
                label=label,
                details=tuple(details),
                subject=subjects.get(r["originator_id"], ""),
            )
        )
    return entries


__all__ = ["describe_fact", "narrate", "subject_of", "Narration"]
