"""Open data: one project's history and figures as a Frictionless data package.

``relogement export open-data`` writes ``datapackage.json`` and one UTF-8 CSV per table:

- one table per kind of fact (event class), at its current version: the events are
  read from the application's notification log up to the package's position and
  decoded by the application's mapper, so every upcaster applies. Plain values: ISO
  dates and instants (UTC), euros with two decimals (cents in the events), ids as text.
  Each row carries ``position``, ``recorded_at`` and the join ids (project, household,
  offer, proposal) wherever they apply: a lease names its household and its offer,
  joined through its proposal here so the evaluator need not.
- the figure tables (:mod:`relogement.projections.open_data_figures`), at the same position.

No identity: the sealed ``personal`` part is never read into a row, nor the staff's
logins (``by_user``), nor free text (motives, comments, visit outcomes: words typed by
people may name people), nor exact ages (the counts of adults and children stay), nor
dwelling addresses. What is left is what partners see, pseudonymised; a household
whose personal data was erased keeps its pseudonymous rows, and ``effacements`` says so.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from relogement.events import household as he
from relogement.events import offer as oe
from relogement.events import organisation as oge
from relogement.events import project as pe
from relogement.events import proposal as pre
from relogement.projections.open_data_schema import table_schema

LICENCE = {"name": "etalab-2.0", "title": "Licence Ouverte / Open Licence version 2.0",
           "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"}
PAGE = 1000
# Never copied into a row: identity, staff logins, free text, exact ages, addresses.
EXCLUDED = frozenset({"personal", "by_user", "motive_text", "comment", "motive", "outcome", "reason",
                      "ages", "address", "convention", "originator_topic", "timestamp",
                      "originator_id", "originator_version", "pilot_org_name",
                      # Issue 21's simulated aid and energy records are not in the open dataset
                      # yet (their inputs would need their own schema); the aid used is, as before.
                      "aid", "energy", "rav_cost", "energy_rise_threshold",
                      # Issue 22: a residence code pinpoints a building, finer than the
                      # quartier; residences are published only as aggregates with the
                      # statistical secrecy of their sheets.
                      "residence"})

# (table, event class, description FR, description EN, aggregate id column)
FACTS: list[tuple[str, type, str, str, str]] = [
    ("organisations", oge.OrganisationRegistered, "Organisations inscrites.", "Registered organisations.", "org_id"),
    ("projets", pe.ProjectCreated, "Création du projet et ses réglages.", "Project creation and settings.", "project_id"),
    ("partenaires", pe.PartnerJoined, "Partenaires rejoignant le projet.", "Partners joining the project.", "project_id"),
    ("reglages_projet", pe.ProjectSettingsChanged, "Réglages du projet modifiés.", "Project settings changed.", "project_id"),
    ("menages_inscrits", he.HouseholdRegistered, "Ménages inscrits au relogement (situation, souhaits).",
     "Households registered for relocation (situation, wishes).", "household_id"),
    ("situations_mises_a_jour", he.HouseholdSituationUpdated, "Situation d'un ménage mise à jour.",
     "Household situation updated.", "household_id"),
    ("souhaits", he.HouseholdWishesRecorded, "Souhaits d'un ménage enregistrés.", "Household wishes recorded.", "household_id"),
    ("visites", he.VisitRecorded, "Visites de logements.", "Dwelling visits.", "household_id"),
    ("offres_ecartees", he.OfferSetAside, "Offres écartées pour un ménage (motif codé).",
     "Offers set aside for a household (coded motive).", "household_id"),
    ("menages_reloges", he.HouseholdRelocated, "Ménages relogés.", "Households relocated.", "household_id"),
    ("menages_sortis", he.HouseholdDeparted, "Ménages sortis sans relogement (évaporation).",
     "Households who left without relocation.", "household_id"),
    ("suivis", he.FollowUpRecorded, "Mesures de suivi après relogement.", "Follow-up measures after relocation.", "household_id"),
    ("effacements", he.HouseholdErased, "Données personnelles effacées (le fait seul).",
     "Personal data erased (the fact only).", "household_id"),
    ("offres_publiees", oe.OfferPublished, "Offres publiées.", "Offers published.", "offer_id"),
    ("offres_modifiees", oe.OfferUpdated, "Offres modifiées.", "Offers updated.", "offer_id"),
    ("offres_retirees", oe.OfferWithdrawn, "Offres retirées.", "Offers withdrawn.", "offer_id"),
    ("offres_louees", oe.OfferLet, "Offres louées.", "Offers let.", "offer_id"),
    ("propositions", pre.ProposalMade, "Propositions faites, avec leurs indicateurs.",
     "Proposals made, with their indicators.", "proposal_id"),
    ("oppositions", pre.ObjectionRaised, "Oppositions formulées.", "Objections raised.", "proposal_id"),
    ("oppositions_levees", pre.ObjectionLifted, "Oppositions levées par leur auteur.", "Objections lifted.", "proposal_id"),
    ("oppositions_arbitrees", pre.ObjectionArbitrated, "Oppositions arbitrées.", "Objections arbitrated.", "proposal_id"),
    ("delais_clos", pre.ObjectionWindowClosed, "Délais d'opposition clos.", "Objection windows closed.", "proposal_id"),
    ("propositions_acceptees", pre.ProposalAccepted, "Propositions acceptées.", "Proposals accepted.", "proposal_id"),
    ("propositions_refusees", pre.ProposalRefused, "Propositions refusées (motif codé).", "Proposals refused (coded motive).", "proposal_id"),
    ("propositions_retirees", pre.ProposalWithdrawn, "Propositions retirées.", "Proposals withdrawn.", "proposal_id"),
    ("decisions_caleol", pre.CaleolDecided, "Décisions de la CALEOL.", "Allocation committee decisions.", "proposal_id"),
    ("baux_signes", pre.LeaseSigned, "Baux signés (montants et indicateurs définitifs).",
     "Leases signed (final amounts and indicators).", "proposal_id"),
]
JOIN_IDS = ("project_id", "household_id", "offer_id", "proposal_id")


def plain(value: Any) -> Any:
    """A CSV cell: ISO dates, ids as hex text, booleans as true/false, decimals as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, list | tuple):
        return ";".join(str(plain(v)) for v in value)
    return value


def euros(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def flatten(prefix: str, value: dict, into: dict[str, Any]) -> None:
    """Nested dicts → ``prefix_key`` columns; ``…_cents`` → ``…_euros``; ``inputs`` transparent."""
    for key, inner in value.items():
        if key in EXCLUDED:
            continue
        name = prefix if key in ("inputs", "indicators") else (f"{prefix}_{key}" if prefix else key)
        if isinstance(inner, dict):
            flatten(name, inner, into)
        elif name.endswith("_cents"):
            into[name[: -len("_cents")] + "_euros"] = euros(inner)
        else:
            into[name] = inner


class FactReader:
    """The project's facts, read once from the notification log up to ``position``."""

    def __init__(self, app: Any, project_id: str, position: int) -> None:
        self.app, self.project_id, self.position = app, project_id, position
        self.owner: dict[str, str] = {}  # aggregate hex → project hex
        self.proposal_links: dict[str, tuple[str, str]] = {}  # proposal → (household, offer)
        self.tables: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in FACTS}
        self._by_class: dict[type, tuple[str, str]] = {cls: (name, agg) for name, cls, _, _, agg in FACTS}

    def read(self) -> dict[str, list[dict[str, Any]]]:
        start = 1
        recorder = self.app.recorder
        while start <= self.position:
            page = recorder.select_notifications(start=start, limit=PAGE, stop=self.position)
            if not page:
                break
            for notification in page:
                self._apply(notification.id, self.app.mapper.to_domain_event(notification))
            start = page[-1].id + 1
        return self.tables

    def _apply(self, position: int, event: Any) -> None:
        # The aggregates' event classes subclass the facts of events/: match by ancestry.
        found = next((self._by_class[c] for c in type(event).__mro__ if c in self._by_class), None)
        if found is None:
            return
        table, aggregate_column = found
        agg = event.originator_id.hex
        project = getattr(event, "project_id", None)
        if isinstance(event, pe.ProjectCreated):
            project = event.originator_id
        if project is not None:
            self.owner[agg] = UUID(str(project)).hex
        if isinstance(event, oge.OrganisationRegistered):
            pass  # organisations are shared by every project
        elif self.owner.get(agg) != self.project_id:
            return
        row: dict[str, Any] = {"position": position, "recorded_at": event.timestamp,
                               "aggregate_version": event.originator_version, aggregate_column: agg}
        if not isinstance(event, oge.OrganisationRegistered):
            row["project_id"] = self.project_id
        if isinstance(event, pre.ProposalMade):
            self.proposal_links[agg] = (event.household_id.hex, event.offer_id.hex)
        if aggregate_column == "proposal_id" and agg in self.proposal_links:
            row["household_id"], row["offer_id"] = self.proposal_links[agg]
        if isinstance(event, he.HouseholdErased):
            row["erasure_reason"] = event.reason
        for key, value in vars(event).items():
            if key in EXCLUDED or key in row:
                continue
            if isinstance(value, dict):
                flatten("" if key == "indicators" else key, value, row)
            elif key.endswith("_cents"):
                row[key[: -len("_cents")] + "_euros"] = euros(value)
            elif key in ("quartiers", "operations"):
                continue  # the project's quartiers and operations: tables of their own
            else:
                row[key] = value
        self.tables[table].append(row)
        if isinstance(event, pe.ProjectCreated | pe.OperationsAdded):
            self._areas(position, event)

    def _areas(self, position: int, event: Any) -> None:
        for q in event.quartiers:
            self.tables.setdefault("quartiers", []).append(
                {"position": position, "project_id": self.project_id, "code": q["code"], "name": q["name"],
                 "commune": q["commune"], "qpv": bool(q["qpv"])})
        for o in event.operations:
            self.tables.setdefault("operations", []).append(
                {"position": position, "project_id": self.project_id, "code": o["code"], "name": o["name"],
                 "kind_operation": o.get("kind", ""), "quartier": o["quartier"]})


def columns_of(rows: list[dict[str, Any]], first: list[str]) -> list[str]:
    """Columns in a stable order: ``first`` (those present), then the others as met."""
    seen: dict[str, None] = {c: None for c in first if any(c in r for r in rows)}
    for r in rows:
        for c in r:
            seen.setdefault(c, None)
    return list(seen)


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([plain(r.get(c)) for c in columns])


def write_package(
    app: Any,
    db: Any,
    project: dict[str, Any],
    position: int,
    instant: datetime,
    directory: Path | str,
    *,
    figures: Callable[..., list[tuple[str, str, str, list[str], list[dict]]]] | None = None,
) -> dict[str, Any]:
    """Write the package of ``project`` (a project row of the read models) as of
    ``position`` into ``directory`` (created; must be absent or empty). Returns the
    descriptor written as ``datapackage.json``."""
    from relogement.projections import open_data_figures

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    project_id = UUID(str(project["project_id"])).hex
    tables = FactReader(app, project_id, position).read()
    descriptions = {name: (fr, en) for name, _, fr, en, _ in FACTS}
    descriptions["quartiers"] = ("Quartiers du projet.", "The project's quartiers.")
    descriptions["operations"] = ("Opérations du projet.", "The project's operations.")
    resources = []
    first = ["position", "recorded_at", "aggregate_version", *JOIN_IDS, "org_id"]
    for name, rows in tables.items():
        columns = columns_of(rows, first) or ["position", "recorded_at"]
        write_csv(out / f"{name}.csv", columns, rows)
        fr, en = descriptions[name]
        resources.append(_resource(name, fr, en, table_schema(name, columns)))
    for name, fr, en, columns, rows in (figures or open_data_figures.figure_tables)(db, project_id, position, instant):
        write_csv(out / f"{name}.csv", columns, rows)
        resources.append(_resource(name, fr, en, table_schema(name, columns)))
    descriptor = _descriptor(project, position, instant, resources)
    (out / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return descriptor


def _resource(name: str, fr: str, en: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": fr.rstrip("."), "description": fr,
            "description_en": en, "schema": schema}


def _descriptor(project: dict[str, Any], position: int, instant: datetime, resources: list[dict]) -> dict[str, Any]:
    when = plain(instant)
    return {
        "profile": "tabular-data-package",
        "name": f"relogement-{project['code'].lower()}-{position}",
        "title": f"Relogement inter-bailleurs – {project['name']} – état à l'événement n° {position}",
        "description": (
            f"Historique pseudonymisé des relogements du projet {project['name']} (un tableau par type de "
            f"fait, à sa version courante) et indicateurs du tableau de bord, état au {when} "
            f"(événement n° {position}). Aucune donnée d'identité. Voir docs/evaluation.md."
        ),
        "description_en": (
            "Pseudonymised relocation history of an urban-renewal project (one table per kind of fact) and "
            "the dashboard's figures at the same position. No identity data."
        ),
        "version": str(position),
        "licenses": [LICENCE],
        "sources": [{"title": "Journal des événements de la plateforme Relogement inter-bailleurs",
                     "path": "relogement audit export (JSONL, chaîne de hachage)"}],
        "contributors": [{"title": "Partenaires du projet (bailleurs, villes, EPCI, MOUS)", "role": "author"},
                         {"title": "Plateforme Relogement inter-bailleurs", "role": "publisher"}],
        "keywords": ["relogement", "renouvellement urbain", "ANRU", "NPNRU", "logement social"],
        "created": plain(datetime.now(tz=UTC).replace(microsecond=0)),
        "position": position,
        "instant": when,
        "project": {"project_id": UUID(str(project["project_id"])).hex, "code": project["code"], "name": project["name"]},
        "resources": resources,
    }
