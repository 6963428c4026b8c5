"""Who may do what: role × organisation × resource × action, decided here and only here.

Pure module (no Flask, no database): the web layer describes the resource with a
``Resource`` (ids of the organisations that matter for it) and asks ``can``.
The domain re-checks what it owns (e.g. "only the offer's bailleur signs the lease");
this module also decides what the domain does not know about: roles and who reads what.

The README table "Qui voit quoi" (web/README-accounts.md) names every action of
``RULES`` (a test checks it), and tests/web/test_web_authorization.py checks every
route × every role through the web (status codes, identity never in others' pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from relogement.projections.views import ObjectionView, ProjectView, ProposalView

CHARGE, PARTENAIRE, AUDITEUR, ADMIN = "charge_relogement", "partenaire", "auditeur", "admin"
ACTING_ROLES = (CHARGE, PARTENAIRE)


@dataclass(frozen=True)
class Principal:
    """The user as the policy sees it: a role, acting for one organisation of one kind."""

    role: str
    org: UUID
    org_kind: str


@dataclass(frozen=True)
class Resource:
    """What the action touches. Unset fields mean "not relevant for this resource"."""

    project_partners: frozenset[UUID] = field(default_factory=frozenset)
    pilot_org: UUID | None = None
    owner_org: UUID | None = None  # the offer's bailleur (also: CALEOL, lease)
    household_bailleur: UUID | None = None
    household_officer: UUID | None = None
    proposal_officer: UUID | None = None
    author_org: UUID | None = None  # an objection's author
    # The project's relocation team(s): MOUS organisations that are partners of the
    # project. They follow the project's households as a whole (domain.md: "the
    # household's relocation officer (its bailleur or the project's MOUS)"), so they
    # read every household's identity, not only the ones they registered.
    project_mous: frozenset[UUID] = field(default_factory=frozenset)


class Denied(Exception):
    """The policy refuses; the message is French and shown to the user (403)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Rule = Callable[[Principal, Resource], bool]


def _partner(p: Principal, r: Resource) -> bool:
    return p.org in r.project_partners


def _reader(p: Principal, r: Resource) -> bool:
    # Auditors and admins read everything; others read the projects they are partners of.
    return p.role in (AUDITEUR, ADMIN) or _partner(p, r)


def _follows(p: Principal, r: Resource) -> bool:
    return p.org in (r.household_bailleur, r.household_officer)


def _relocation_team(p: Principal, r: Resource) -> bool:
    """The household's own bailleur or officer org, or a MOUS of its project."""
    return _follows(p, r) or (p.org_kind == "mous" and p.org in r.project_mous and _partner(p, r))


def _identity(p: Principal, r: Resource) -> bool:
    return _officer(p) and _relocation_team(p, r)


def _officer(p: Principal) -> bool:
    return p.role == CHARGE


RULES: dict[str, tuple[str, Rule]] = {
    # -- reading ------------------------------------------------------------
    "offer.view": ("tout partenaire du projet, auditeurs, administrateurs", _reader),
    "household.view": (
        "tout partenaire du projet (ménage pseudonymisé), auditeurs, administrateurs",
        _reader,
    ),
    "household.identity": (
        "chargé(e)s de relogement du bailleur du ménage, de l'organisation qui le suit et de "
        "l'équipe relogement (MOUS) du projet — pas les partenaires, auditeurs ni administrateurs",
        _identity,
    ),
    "household.situation": (
        "montants exacts sur la fiche ménage (ressources, aides, loyer) : ceux qui voient "
        "l'identité, auditeurs, administrateurs ; les autres partenaires y voient une tranche de "
        "ressources, et les entrées exactes des indicateurs dans chaque proposition (proposal.view)",
        lambda p, r: _identity(p, r) or p.role in (AUDITEUR, ADMIN),
    ),
    "proposal.view": ("tout partenaire du projet, auditeurs, administrateurs", _reader),
    "report.view": ("tout partenaire du projet, auditeurs, administrateurs", _reader),
    "history.asof": ("auditeurs", lambda p, r: p.role == AUDITEUR),
    "open_data.export": (
        "utilisateurs de l'organisation pilote du projet, auditeurs (jeu de données ouvert, "
        "sans identité ; chaque téléchargement est inscrit au journal des accès)",
        lambda p, r: p.role == AUDITEUR or (p.role in ACTING_ROLES and p.org == r.pilot_org),
    ),
    "anru.export": (
        "utilisateurs de l'organisation pilote du projet, auditeurs (export ANRU, une ligne par "
        "ménage avec ses montants exacts, pseudonymisé ; chaque export est inscrit au journal des accès)",
        lambda p, r: p.role == AUDITEUR or (p.role in ACTING_ROLES and p.org == r.pilot_org),
    ),
    "notifications.view": (
        "tout utilisateur connecté : la boîte de son organisation (lu / non lu par utilisateur)",
        lambda p, r: True,
    ),
    "worklist.view": (
        "chargé(e)s et partenaires, pour les projets dont leur organisation est partenaire : "
        "leur liste « À traiter » (auditeurs et administrateurs n'en ont pas)",
        lambda p, r: p.role in ACTING_ROLES and _partner(p, r),
    ),
    # -- projects -----------------------------------------------------------
    "project.view": ("tout partenaire du projet, auditeurs, administrateurs", _reader),
    "project.create": (
        "chargé(e)s et partenaires d'un EPCI, d'une ville ou d'une MOUS (leur organisation "
        "devient le pilote du projet)",
        lambda p, r: p.role in ACTING_ROLES and p.org_kind in ("epci", "ville", "mous"),
    ),
    "project.manage": (
        "le pilote du projet : ajout de partenaires, paramètres (délai d'opposition, nombre "
        "légal d'offres, convention et seuil de reste-à-vivre)",
        lambda p, r: p.role in ACTING_ROLES and p.org == r.pilot_org,
    ),
    # -- offers -------------------------------------------------------------
    "offer.publish": (
        "chargé(e)s de relogement d'un bailleur partenaire (pour ses propres logements)",
        lambda p, r: _officer(p) and p.org_kind == "bailleur" and _partner(p, r),
    ),
    "offer.edit": (
        "chargé(e)s de relogement du bailleur propriétaire de l'offre",
        lambda p, r: _officer(p) and p.org == r.owner_org,
    ),
    # -- residences (peuplement) ---------------------------------------------
    "residence.view": (
        "tout partenaire du projet, auditeurs, administrateurs (chiffres soumis au secret "
        "statistique : moins de 5 ménages affiché « < 5 »)",
        _reader,
    ),
    "residence.import": (
        "chargé(e)s de relogement d'un bailleur partenaire : ses résidences et l'enquête "
        "d'occupation (OPS) de son parc",
        lambda p, r: _officer(p) and p.org_kind == "bailleur" and _partner(p, r),
    ),
    "residence.objectives": (
        "le groupe de suivi : utilisateurs du pilote du projet, de l'EPCI ou de la ville "
        "partenaires (objectifs de rééquilibrage par résidence)",
        lambda p, r: p.role in ACTING_ROLES and _partner(p, r)
        and (p.org == r.pilot_org or p.org_kind in ("epci", "ville")),
    ),
    "residence.note": (
        "le bailleur de la résidence et la ville partenaire (note qualitative courte, en termes "
        "objectifs)",
        lambda p, r: p.role in ACTING_ROLES and _partner(p, r)
        and (p.org == r.owner_org or p.org_kind == "ville"),
    ),
    "residence.thresholds": (
        "le pilote du projet (seuils de classement des résidences)",
        lambda p, r: p.role in ACTING_ROLES and p.org == r.pilot_org,
    ),
    # -- households ---------------------------------------------------------
    "household.register": (
        "chargé(e)s de relogement d'un bailleur ou de la MOUS partenaire",
        lambda p, r: _officer(p) and p.org_kind in ("bailleur", "mous") and _partner(p, r),
    ),
    "household.edit": (
        "chargé(e)s de relogement qui suivent le ménage (son bailleur, la MOUS)",
        lambda p, r: _officer(p) and _follows(p, r),
    ),
    # -- matching (logements adaptés, ménages correspondants) ------------------
    "matching.view": (
        "classement des offres pour un ménage (montants exacts) : ceux qui voient la situation "
        "exacte du ménage (chargé(e)s qui le suivent, MOUS du projet), auditeurs, administrateurs",
        lambda p, r: _identity(p, r) or p.role in (AUDITEUR, ADMIN),
    ),
    "matching.offer": (
        "classement des ménages pour une offre : chargé(e)s de relogement partenaires du projet "
        "(les seuls ménages dont ils voient la situation exacte), auditeurs, administrateurs",
        lambda p, r: (_officer(p) and _partner(p, r)) or p.role in (AUDITEUR, ADMIN),
    ),
    "offer.set_aside": (
        "chargé(e)s de relogement qui suivent le ménage (écarter une offre, avec un motif)",
        lambda p, r: _officer(p) and _follows(p, r),
    ),
    "household.assign": (
        "chargé(e)s de relogement du bailleur du ménage ou de l'organisation qui le suit (MOUS) : "
        "désigner ou changer le chargé(e) du ménage (« Mes ménages »)",
        lambda p, r: _officer(p) and _follows(p, r),
    ),
    # -- proposals ----------------------------------------------------------
    "proposal.make": (
        "chargé(e)s de relogement qui suivent le ménage",
        lambda p, r: _officer(p) and _follows(p, r),
    ),
    "proposal.answer": (
        "chargé(e)s de relogement qui suivent le ménage (visite, acceptation, refus)",
        lambda p, r: _officer(p) and _follows(p, r),
    ),
    "proposal.letter": (
        "ceux qui voient l'identité du ménage (chargé(e)s de relogement de son bailleur, de "
        "l'organisation qui le suit, de la MOUS du projet) : le courrier porte son nom et son "
        "adresse ; chaque courrier produit est inscrit au journal des accès",
        _identity,
    ),
    "proposal.withdraw": (
        "chargé(e)s de relogement de l'auteur de la proposition ou du bailleur du logement",
        lambda p, r: _officer(p) and p.org in (r.proposal_officer, r.owner_org),
    ),
    "objection.raise": (
        "partenaires et chargé(e)s de relogement d'une organisation partenaire, "
        "autre que l'auteur de la proposition",
        lambda p, r: p.role in ACTING_ROLES and _partner(p, r) and p.org != r.proposal_officer,
    ),
    "objection.lift": (
        "l'organisation qui a formé l'opposition",
        lambda p, r: p.role in ACTING_ROLES and p.org == r.author_org,
    ),
    "objection.arbitrate": (
        "le pilote du projet (EPCI, ville)",
        lambda p, r: p.role in ACTING_ROLES and p.org == r.pilot_org,
    ),
    "caleol.decide": (
        "chargé(e)s de relogement du bailleur du logement proposé (sa CALEOL)",
        lambda p, r: _officer(p) and p.org == r.owner_org,
    ),
    "lease.sign": (
        "chargé(e)s de relogement du bailleur du logement proposé",
        lambda p, r: _officer(p) and p.org == r.owner_org,
    ),
    # -- administration -----------------------------------------------------
    "accounts.manage": ("administrateurs", lambda p, r: p.role == ADMIN),
    "access_log.view": (
        "administrateurs et auditeurs (journal des consultations de données personnelles)",
        lambda p, r: p.role in (ADMIN, AUDITEUR),
    ),
    "privacy.erase": (
        "administrateurs (effacement des données personnelles, liste des durées échues)",
        lambda p, r: p.role == ADMIN,
    ),
    "audit.verify": (
        "administrateurs et auditeurs (vérification de la chaîne d'empreintes, export de l'historique)",
        lambda p, r: p.role in (ADMIN, AUDITEUR),
    ),
}

MESSAGES = {
    "household.identity": "L'identité du ménage est réservée à ceux qui le suivent.",
    "history.asof": "La consultation de l'historique à une date passée est réservée aux auditeurs.",
    "open_data.export": "Le jeu de données ouvert est réservé au pilote du projet et aux auditeurs.",
    "anru.export": "L'export ANRU est réservé au pilote du projet et aux auditeurs.",
    "proposal.letter": "Le courrier de proposition porte l'identité du ménage : il est réservé à ceux qui le suivent.",
    "accounts.manage": "La gestion des comptes est réservée aux administrateurs.",
    "access_log.view": "Le journal des accès est réservé aux administrateurs et aux auditeurs.",
    "privacy.erase": "L'effacement des données personnelles est réservé aux administrateurs.",
    "audit.verify": "La vérification de l'historique est réservée aux administrateurs et aux auditeurs.",
}


def can(principal: Principal | None, action: str, resource: Resource | None = None) -> bool:
    """True if the principal may do the action on the resource. Unknown actions: never."""
    if principal is None:
        return False
    rule = RULES.get(action)
    if rule is None:
        return False
    return rule[1](principal, resource or Resource())


def require(principal: Principal | None, action: str, resource: Resource | None = None) -> None:
    if not can(principal, action, resource):
        raise Denied(
            MESSAGES.get(
                action,
                "Action non autorisée pour votre rôle ou votre organisation "
                f"({RULES[action][0] if action in RULES else action}).",
            )
        )


# -- the resource of a read view (the read side's views carry no policy) ------------


def project_resource(project: ProjectView | None) -> Resource:
    """What an action on the project (or on anything of it) touches: its partners,
    pilot and relocation team. No project: an empty resource."""
    if project is None:
        return Resource()
    return Resource(project_partners=project.partners, pilot_org=project.pilot_org, project_mous=project.mous)


def offer_resource(project: ProjectView | None, bailleur: UUID) -> Resource:
    """An offer of ``project``, owned by its ``bailleur``."""
    return replace(project_resource(project), owner_org=bailleur)


def household_resource(project: ProjectView | None, bailleur: UUID, officer: UUID) -> Resource:
    """A household of ``project``, followed by its ``bailleur`` and ``officer`` organisations."""
    return replace(project_resource(project), household_bailleur=bailleur, household_officer=officer)


def proposal_resource(
    project: ProjectView | None, offer_bailleur: UUID, household_bailleur: UUID, officer: UUID
) -> Resource:
    """A proposal of ``project``; the household's officer is filled by the reader when needed."""
    return replace(
        project_resource(project),
        owner_org=offer_bailleur,
        household_bailleur=household_bailleur,
        household_officer=None,
        proposal_officer=officer,
    )


def objection_resource(proposal: ProposalView, objection: ObjectionView) -> Resource:
    """The proposal's resource, with the objection's author (who alone may lift it)."""
    return replace(proposal.resource, author_org=objection.org_id)


def describe() -> list[tuple[str, str]]:
    """(action, who) rows for the README's "Qui voit quoi" table."""
    return [(action, who) for action, (who, _) in RULES.items()]
