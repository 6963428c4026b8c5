"""A renewal project: its quartiers, operations, partners and relocation settings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from relogement.events import project as facts
from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.matching import check_weights
from relogement.platform.peuplement import check_thresholds
from relogement.platform.values import check_text, check_texts

# The help and indemnities most NPNRU relocation charters promise (the pilot adapts it):
# printed in every proposal letter under "vos droits".
DEFAULT_CHARTER_TEXT = (
    "Le bailleur organise et prend en charge votre déménagement, ou vous verse une indemnité "
    "de déménagement. Il prend aussi en charge les frais de transfert de vos contrats "
    "(électricité, gaz, eau, téléphone, internet) et de réexpédition du courrier. Votre dépôt "
    "de garantie est transféré dans le nouveau logement. Votre chargé(e) de relogement vous "
    "accompagne à chaque étape ; un accompagnement social peut vous être proposé."
)
MAX_CHARTER_LENGTH = 4000

DEFAULT_SETTINGS = {
    "objection_window_hours": 48,
    "max_proposals": 3,
    "working_days_only": False,
    "rav_convention": "personne",
    "rav_threshold": "6.00",
    # Which cost the reste-à-vivre convention uses: "standard" (reste à charge) or "energie"
    # (coût du logement énergie comprise, platform/energy.py); and the rise of that cost, in
    # euros a month, above which the groupe de suivi report counts a household.
    "rav_cost": "standard",
    "energy_rise_threshold": "30.00",
    # The work list ("À traiter"): remind the household after this many days without an
    # answer; follow-up measures due these months after move-in; a household without a
    # proposal for this many days is "blocked" (the groupe de suivi's watch list).
    "answer_reminder_days": 15,
    "follow_up_months": [6, 12],
    "blocked_days": 90,
    # The highest effort rate (%) the project accepts after a move; None: not set. The
    # ranking of offers (platform/matching.py) shows it as a hard limit, the proposal
    # preview as a warning.
    "max_effort_rate": None,
    # The ranking's criteria weights (code → points; missing codes take
    # matching.CRITERIA's defaults).
    "matching_weights": {},
    # Days the household has to answer a proposal (the letter's deadline): art. R441-10
    # CCH gives at least ten days of reflection.
    "answer_days": 10,
    "charter_text": DEFAULT_CHARTER_TEXT,
}


def validate_settings(settings: dict) -> dict:
    merged = {**DEFAULT_SETTINGS, **settings}
    hours = merged["objection_window_hours"]
    if not isinstance(hours, int) or not 1 <= hours <= 24 * 30:
        raise InvalidValue("objection_window_hours", "Le délai d'opposition va de 1 à 720 heures.")
    if merged["max_proposals"] not in (2, 3):
        raise InvalidValue("max_proposals", "Le nombre légal d'offres est 2 ou 3.")
    if merged["rav_convention"] not in ("personne", "uc"):
        raise InvalidValue("rav_convention", "Convention de reste-à-vivre : « personne » ou « uc ».")
    if merged["rav_cost"] not in ("standard", "energie"):
        raise InvalidValue("rav_cost", "Coût retenu pour le reste-à-vivre : « standard » ou « energie ».")
    merged["energy_rise_threshold"] = str(merged["energy_rise_threshold"])
    reminder, blocked = merged["answer_reminder_days"], merged["blocked_days"]
    if not isinstance(reminder, int) or not 1 <= reminder <= 365:
        raise InvalidValue("answer_reminder_days", "La relance du ménage va de 1 à 365 jours.")
    if not isinstance(blocked, int) or not 1 <= blocked <= 3650:
        raise InvalidValue("blocked_days", "Le délai sans proposition va de 1 à 3 650 jours.")
    months = merged["follow_up_months"]
    if (
        not isinstance(months, list | tuple)
        or not 1 <= len(months) <= 6
        or any(not isinstance(m, int) or not 1 <= m <= 120 for m in months)
        or list(months) != sorted(set(months))
    ):
        raise InvalidValue(
            "follow_up_months",
            "Mois de suivi : de 1 à 6 nombres croissants de 1 à 120 (par exemple 6 et 12).",
        )
    merged["follow_up_months"] = list(months)
    cap = merged["max_effort_rate"]
    if cap not in (None, ""):
        try:
            value = Decimal(str(cap))
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or not 0 < value <= 100:
            raise InvalidValue("max_effort_rate", "Le taux d'effort maximal va de 0 à 100 %.")
        merged["max_effort_rate"] = str(value)
    else:
        merged["max_effort_rate"] = None
    try:
        merged["matching_weights"] = check_weights(dict(merged["matching_weights"] or {}))
    except ValueError as error:
        raise InvalidValue("matching_weights", str(error)) from None
    merged["working_days_only"] = bool(merged["working_days_only"])
    merged["rav_threshold"] = str(merged["rav_threshold"])
    days = merged["answer_days"]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidValue("answer_days", "Le délai de réponse du ménage va de 1 à 60 jours.")
    charter = merged["charter_text"]
    if not isinstance(charter, str) or len(charter) > MAX_CHARTER_LENGTH:
        raise InvalidValue(
            "charter_text", f"Le texte de la charte fait au plus {MAX_CHARTER_LENGTH} caractères."
        )
    check_text("charter_text", charter, label="charte de relogement", multiline=True)
    if "peuplement" in merged:  # residences' class thresholds (platform/peuplement.py)
        merged["peuplement"] = check_thresholds(merged["peuplement"] or {})
    return merged


def with_defaults(settings: dict) -> dict:
    """A project's settings as stored, completed with the defaults of the settings added
    since (old projects' events do not carry them)."""
    return {**DEFAULT_SETTINGS, **settings}


def _sites(
    known_quartiers: list[dict], known_operations: list[dict], quartiers: list[dict], operations: list[dict]
) -> tuple[list[dict], list[dict]]:
    """New quartiers and operations, checked against each other and the known ones: codes
    unique, every operation in a quartier of the project."""
    check_texts(quartiers, "quartiers")
    check_texts(operations, "operations")
    codes = [q["code"] for q in [*known_quartiers, *quartiers]]
    if len(set(codes)) != len(codes):
        raise InvalidValue("quartiers", "Les quartiers doivent être listés, sans doublon.")
    op_codes = [op["code"] for op in [*known_operations, *operations]]
    if len(set(op_codes)) != len(op_codes):
        raise InvalidValue("operations", "Un code d'opération figure deux fois dans le projet.")
    for op in operations:
        if op["quartier"] not in codes:
            raise InvalidValue("operations", f"Opération {op['code']} : quartier inconnu.")
    return (
        [{"code": q["code"], "name": q["name"], "commune": q["commune"], "qpv": bool(q["qpv"])} for q in quartiers],
        [dict(op) for op in operations],
    )


class Project(Aggregate):
    id: UUID  # lets the application choose the id (derived from the project's code)

    ProjectCreated = facts.ProjectCreated
    PartnerJoined = facts.PartnerJoined
    ProjectSettingsChanged = facts.ProjectSettingsChanged
    OperationsAdded = facts.OperationsAdded

    @event(ProjectCreated)
    def __init__(
        self,
        name: str,
        code: str,
        pilot_org: UUID,
        quartiers: list,
        operations: list,
        settings: dict,
        by_user: str,
        by_org: UUID,
    ) -> None:
        self.name = name
        self.code = code
        self.pilot_org = pilot_org
        self.quartiers = quartiers
        self.operations = operations
        self.settings = settings
        self.partners: dict[UUID, str] = {pilot_org: "pilote"}

    @classmethod
    def create(
        cls,
        project_id: UUID,
        name: str,
        code: str,
        pilot_org: UUID,
        quartiers: list[dict],
        operations: list[dict],
        settings: dict,
        by_user: str,
        by_org: UUID,
    ) -> Project:
        check_text("name", name, label="nom du projet")
        check_text("code", code, label="code du projet")
        if not name.strip():
            raise InvalidValue("name", "Le nom du projet est obligatoire.")
        if not quartiers:
            raise InvalidValue("quartiers", "Les quartiers doivent être listés, sans doublon.")
        quartiers, operations = _sites([], [], quartiers, operations)
        return cls(
            id=project_id,
            name=name.strip(),
            code=code,
            pilot_org=pilot_org,
            quartiers=quartiers,
            operations=operations,
            settings=validate_settings(settings),
            by_user=by_user,
            by_org=by_org,
        )

    def quartier(self, code: str) -> dict:
        for q in self.quartiers:
            if q["code"] == code:
                return q
        raise DomainError("unknown_quartier", f"Quartier « {code} » inconnu dans ce projet.")

    def operation(self, code: str) -> dict:
        for op in self.operations:
            if op["code"] == code:
                return op
        raise DomainError("unknown_operation", f"Opération « {code} » inconnue dans ce projet.")

    def add_operations(
        self, quartiers: list[dict], operations: list[dict], by_user: str, by_org: UUID
    ) -> None:
        """A later phase: new operations (and the new quartiers they are in)."""
        if by_org != self.pilot_org:
            raise DomainError("not_pilot", "Seul le pilote du projet ajoute des opérations.")
        if not operations:
            raise InvalidValue("operations", "Indiquez au moins une opération à ajouter.")
        quartiers, operations = _sites(self.quartiers, self.operations, quartiers, operations)
        self._operations_added(quartiers=quartiers, operations=operations, by_user=by_user, by_org=by_org)

    @event(OperationsAdded)
    def _operations_added(self, quartiers: list, operations: list, by_user: str, by_org: UUID) -> None:
        self.quartiers = [*self.quartiers, *quartiers]
        self.operations = [*self.operations, *operations]

    def is_partner(self, org_id: UUID) -> bool:
        return org_id in self.partners

    def add_partner(self, org_id: UUID, role: str, by_user: str, by_org: UUID) -> None:
        if org_id in self.partners:
            return
        self._partner_joined(org_id=org_id, role=role, by_user=by_user, by_org=by_org)

    @event(PartnerJoined)
    def _partner_joined(self, org_id: UUID, role: str, by_user: str, by_org: UUID) -> None:
        self.partners[org_id] = role

    def change_settings(self, settings: dict, by_user: str, by_org: UUID) -> None:
        if by_org != self.pilot_org:
            raise DomainError("not_pilot", "Seul le pilote du projet peut modifier ses paramètres.")
        self._settings_changed(
            settings=validate_settings({**self.settings, **settings}), by_user=by_user, by_org=by_org
        )

    @event(ProjectSettingsChanged)
    def _settings_changed(self, settings: dict, by_user: str, by_org: UUID) -> None:
        self.settings = settings
