"""Export ANRU: one row per household, before / after relocation, as XLSX or CSV.

For decades the national relocation follow-up has been a per-bailleur Excel workbook
(the USH "RIME" workbook, with its "export ANRU" and before/after assessment). This
export gives the same content from the events, so partners keep feeding what they
already send: for one project, the households of one bailleur of origin (the
relocating bailleur) or all of them, each with

- identification (pseudonymised: the household's reference, never its name,
  address or notes), status, registration date, proposals and refusals counts;
- composition, monthly resources and income quartile;
- before (situation at the lease's signature, or the current one) and after (the
  lease and the let dwelling): typology, surface, rent, annex rents, charges,
  APL, reste à charge (total and per m²), taux d'effort, reste-à-vivre (per person
  and per consumption unit), commune, QPV; the evolutions;
- destination flags (on site, outside the commune, hors QPV, new or < 5 years,
  inter-bailleur, individual house, larger), lease and move-in dates, delay;
- the last follow-up measure, the departure date for households who left;
- the ANRU rent-reduction indemnity: status, amount, APL ceiling, scale and the
  reasons (:mod:`relogement.projections.indemnities`).

As of any position (``position=None``: the last one), from the versioned read
models: an export as of a past position equals the one produced at that moment.

RESTRICTED content: exact resources and housing costs, as in
``rm_household_situation``; the caller (CLI operator, web policy) decides who may
produce it. Reproducible bytes: the XLSX document properties are pinned to the
instant of the position and the zip entries carry a fixed date.

Entry points: :func:`anru_data`, :func:`anru_export` (XLSX bytes), :func:`anru_csv`.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from relogement.projections import indemnities, residual_income
from relogement.projections import queries as q
from relogement.projections.spreadsheet_safety import csv_text

PARIS = ZoneInfo("Europe/Paris")
EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # instant of an empty store (zip dates start in 1980)

# (key, header, kind, group); kinds drive the XLSX number format and the CSV text.
COLUMNS: list[tuple[str, str, str, str]] = [
    ("reference", "Référence ménage", "text", "id"),
    ("bailleur_origine", "Bailleur d'origine (relogeur)", "text", "id"),
    ("quartier_origine", "Quartier d'origine", "text", "id"),
    ("operation", "Opération", "text", "id"),
    ("statut", "Statut", "text", "id"),
    ("date_inscription", "Date d'inscription", "date", "id"),
    ("nb_propositions", "Nombre de propositions", "int", "id"),
    ("nb_refus", "Nombre de refus", "int", "id"),
    ("personnes", "Personnes", "int", "id"),
    ("adultes", "Adultes", "int", "id"),
    ("enfants", "Enfants", "int", "id"),
    ("unites_consommation", "Unités de consommation", "dec2", "id"),
    ("quartile", "Quartile de revenus", "int", "id"),
    ("ressources", "Ressources mensuelles (€)", "euros", "id"),
    ("avant_typologie", "Avant – Typologie", "text", "avant"),
    ("avant_surface", "Avant – Surface (m²)", "dec2", "avant"),
    ("avant_loyer", "Avant – Loyer principal (€)", "euros", "avant"),
    ("avant_annexes", "Avant – Loyers annexes (€)", "euros", "avant"),
    ("avant_charges", "Avant – Charges (€)", "euros", "avant"),
    ("avant_apl", "Avant – APL / AL (€)", "euros", "avant"),
    ("avant_rac", "Avant – Reste à charge (€)", "euros", "avant"),
    ("avant_rac_m2", "Avant – Reste à charge au m² (€)", "euros", "avant"),
    ("avant_taux_effort", "Avant – Taux d'effort (%)", "percent", "avant"),
    ("avant_rav_personne", "Avant – Reste-à-vivre (€/jour/personne)", "euros", "avant"),
    ("avant_rav_uc", "Avant – Reste-à-vivre (€/jour/UC)", "euros", "avant"),
    ("avant_commune", "Avant – Commune", "text", "avant"),
    ("avant_qpv", "Avant – En QPV", "flag", "avant"),
    ("apres_bailleur", "Après – Bailleur d'accueil", "text", "apres"),
    ("apres_logement", "Après – Référence du logement", "text", "apres"),
    ("apres_typologie", "Après – Typologie", "text", "apres"),
    ("apres_surface", "Après – Surface (m²)", "dec2", "apres"),
    ("apres_loyer", "Après – Loyer principal (€)", "euros", "apres"),
    ("apres_annexes", "Après – Loyers annexes (€)", "euros", "apres"),
    ("apres_charges", "Après – Charges (€)", "euros", "apres"),
    ("apres_apl", "Après – APL / AL (€)", "euros", "apres"),
    ("apres_rac", "Après – Reste à charge (€)", "euros", "apres"),
    ("apres_rac_m2", "Après – Reste à charge au m² (€)", "euros", "apres"),
    ("apres_taux_effort", "Après – Taux d'effort (%)", "percent", "apres"),
    ("apres_rav_personne", "Après – Reste-à-vivre (€/jour/personne)", "euros", "apres"),
    ("apres_rav_uc", "Après – Reste-à-vivre (€/jour/UC)", "euros", "apres"),
    ("apres_commune", "Après – Commune", "text", "apres"),
    ("apres_quartier", "Après – Quartier", "text", "apres"),
    ("apres_qpv", "Après – En QPV", "flag", "apres"),
    ("apres_financement", "Après – Financement", "text", "apres"),
    ("apres_annee", "Après – Année de construction", "int", "apres"),
    ("evol_rac", "Évolution – Reste à charge (€)", "euros_signed", "evolution"),
    ("evol_taux_effort", "Évolution – Taux d'effort (points)", "points", "evolution"),
    ("evol_rav_personne", "Évolution – Reste-à-vivre (€/jour/personne)", "euros_signed", "evolution"),
    ("sur_site", "Relogé sur site (même quartier)", "flag", "destination"),
    ("hors_commune", "Relogé hors de la commune", "flag", "destination"),
    ("hors_qpv", "Relogé hors QPV", "flag", "destination"),
    ("qpv_vers_hors_qpv", "De QPV vers hors QPV", "flag", "destination"),
    ("neuf", "Logement neuf ou de moins de 5 ans", "flag", "destination"),
    ("inter_bailleur", "Relogement inter-bailleurs", "flag", "destination"),
    ("maison", "Maison individuelle", "flag", "destination"),
    ("plus_grand", "Logement plus grand", "flag", "destination"),
    ("date_bail", "Date de signature du bail", "date", "dates"),
    ("date_entree", "Date d'entrée dans les lieux", "date", "dates"),
    ("delai_jours", "Délai inscription → bail (jours)", "int", "dates"),
    ("date_sortie", "Date de sortie du dispositif", "date", "dates"),
    ("suivi_date", "Dernier suivi – date", "date", "dates"),
    ("suivi_rav_personne", "Dernier suivi – Reste-à-vivre (€/jour/personne)", "euros", "dates"),
    ("indemnite_statut", "Indemnité minoration de loyer – éligibilité", "text", "indemnite"),
    ("indemnite_montant", "Indemnité – montant (€)", "euros", "indemnite"),
    ("indemnite_plafond", "Indemnité – plafond de loyer APL (€)", "euros", "indemnite"),
    ("indemnite_bareme", "Indemnité – barème", "text", "indemnite"),
    ("indemnite_motifs", "Indemnité – motifs / à vérifier", "text", "indemnite"),
]
GROUPS = {
    "id": ("Identification", "DDE3EE"),
    "avant": ("Situation avant relogement", "FBE5D6"),
    "apres": ("Après relogement (bail signé)", "E2F0D9"),
    "evolution": ("Évolution après − avant", "FFF2CC"),
    "destination": ("Destination", "DEEBF7"),
    "dates": ("Dates et suivi", "EDEDED"),
    "indemnite": ("Indemnité ANRU pour minoration de loyer", "E4DFEC"),
}
# kinds → Excel number formats (relogement.projections.spreadsheet_style.FORMATS)


def _euros(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _per_m2(cents: int | None, surface: Decimal | None) -> Decimal | None:
    if cents is None or not surface:
        return None
    # Half-up like every figure of the platform (the dashboard shows 6,03 for 6,025).
    return (Decimal(cents) / 100 / surface).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _flag(value: Any) -> str | None:
    return None if value is None else ("Oui" if value else "Non")


def _measure(prefix: str, m: dict | None) -> dict[str, Any]:
    """Amounts and indicators of one stored measure (indicators.Measure.to_dict())."""
    if m is None:
        return {}
    i = m["inputs"]
    return {
        f"{prefix}_loyer": _euros(i["rent_cents"]),
        f"{prefix}_annexes": _euros(i.get("annex_rent_cents", 0)),
        f"{prefix}_charges": _euros(i["charges_cents"]),
        f"{prefix}_apl": _euros(i["apl_cents"]),
        f"{prefix}_rac": _euros(m["reste_a_charge_cents"]),
        f"{prefix}_taux_effort": _dec(m["taux_effort"]),
        f"{prefix}_rav_personne": _dec(m["rav_person_day"]),
        f"{prefix}_rav_uc": _dec(m["rav_uc_day"]),
    }


def _hex(value: UUID | str | None) -> str | None:
    if value is None:
        return None
    return value.hex if isinstance(value, UUID) else UUID(str(value)).hex


def anru_data(
    db: q.Db,
    project_id: UUID | str,
    bailleur_org: UUID | str | None = None,
    position: int | None = None,
    *,
    as_of: date | None = None,
    reference: indemnities.Reference | None = None,
) -> dict[str, Any]:
    """The export's content: ``rows`` (dicts keyed as :data:`COLUMNS`), the position,
    its instant, the project, the perimeter and the indemnity summary.

    ``as_of``: the calendar day the position was chosen for (see
    :func:`position_at_end_of`), shown in the state line instead of the instant."""
    if position is None:
        position = q.current_position(db)
    instant = q.instant_of(db, position) or EPOCH
    bailleur = _hex(bailleur_org)
    with q.connect(db) as conn:
        project = q.get_project(conn, project_id, position=position)
        if project is None:
            raise LookupError("projet inconnu à cette date")
        names = q.organisation_names(conn, position=position)
        households = q.list_households(conn, project_id, bailleur=bailleur, position=position)
        proposals = q.list_proposals(conn, project_id, position=position)
        offers = {o["offer_id"]: o for o in q.list_offers(conn, project_id, position=position)}
        measures = {r["household_id"]: r for r in residual_income.household_rows(conn, project_id, position)}
    ids = {h["household_id"] for h in households}
    leases = {
        p["household_id"]: p
        for p in proposals
        if p["household_id"] in ids and p["status"] == "bail_signe" and p["lease_indicators"]
    }
    refs = indemnities.load_reference() if reference is None else reference
    assessed = indemnities.assess_all(list(leases.values()), offers, refs)
    quartiers = {x["code"]: x.get("name", x["code"]) for x in project["quartiers"]}

    rows = []
    for h in households:
        hid = h["household_id"]
        lease = leases.get(hid)
        m = measures.get(hid, {})
        before = m.get("before")
        after = lease["lease_indicators"]["after"] if lease else None
        offer = offers.get(lease["offer_id"], {}) if lease else {}
        flags = lease["lease_indicators"].get("flags", {}) if lease else {}
        evolution = lease["lease_indicators"]["evolution"] if lease else {}
        s_before, s_after = _dec(h["surface_m2"]), _dec(offer.get("surface_m2"))
        a = assessed.get(lease["proposal_id"]) if lease else None
        follow = m.get("follow_up")
        row: dict[str, Any] = {
            "reference": h["reference"],
            "bailleur_origine": names.get(h["bailleur_org"], h["bailleur_org"]),
            "quartier_origine": f"{quartiers.get(h['quartier'], h['quartier'])} ({h['quartier']})",
            "operation": h["operation"],
            "statut": h["status_label"],
            "date_inscription": h["registered_on"],
            "nb_propositions": h["proposals_count"],
            "nb_refus": h["refusals_count"],
            "personnes": h["persons"],
            "adultes": h["adults"],
            "enfants": h["children"],
            "unites_consommation": _dec(h["consumption_units"]),
            "quartile": h["income_quartile"],
            "ressources": _euros(before["inputs"]["resources_cents"]) if before else None,
            "avant_typologie": h["typology"],
            "avant_surface": s_before,
            **_measure("avant", before),
            "avant_rac_m2": _per_m2(before["reste_a_charge_cents"], s_before) if before else None,
            "avant_commune": h["commune"],
            "avant_qpv": _flag(h["qpv"]),
        }
        if lease:
            row.update(
                {
                    "apres_bailleur": names.get(lease["offer_bailleur"], lease["offer_bailleur"]),
                    "apres_logement": lease["offer_reference"],
                    "apres_typologie": offer.get("typology") or lease["offer_typology"],
                    "apres_surface": s_after,
                    **_measure("apres", after),
                    "apres_rac_m2": _per_m2(after["reste_a_charge_cents"], s_after),  # type: ignore[index]
                    "apres_commune": offer.get("commune") or lease["offer_commune"],
                    "apres_quartier": offer.get("quartier") or lease["offer_quartier"],
                    "apres_qpv": _flag(offer.get("qpv", lease["offer_qpv"])),
                    "apres_financement": offer.get("financing"),
                    "apres_annee": offer.get("construction_year"),
                    "evol_rac": _euros(evolution.get("reste_a_charge_cents")),
                    "evol_taux_effort": _dec(evolution.get("taux_effort_points")),
                    "evol_rav_personne": _dec(evolution.get("rav_person_day")),
                    "sur_site": _flag(flags.get("same_quartier")),
                    "hors_commune": _flag(not flags.get("same_commune")),
                    "hors_qpv": _flag(flags.get("hors_qpv")),
                    "qpv_vers_hors_qpv": _flag(flags.get("qpv_to_hors_qpv")),
                    "neuf": _flag(flags.get("neuf_moins_5_ans")),
                    "inter_bailleur": _flag(flags.get("inter_bailleur")),
                    "maison": _flag(flags.get("individual_house")),
                    "plus_grand": _flag(flags.get("larger")),
                    "date_bail": lease["lease_signed_on"],
                    "date_entree": lease["move_in_date"],
                    "delai_jours": (lease["lease_signed_on"] - h["registered_on"]).days,
                }
            )
        if a is not None:
            row.update(
                {
                    "indemnite_statut": a["statut_libelle"],
                    "indemnite_montant": _euros(a["montant_cents"]) if a["statut"] == "eligible" else None,
                    "indemnite_plafond": _euros(a["plafond_apl_cents"]),
                    "indemnite_bareme": (
                        f"{a['bareme']}{' (valeurs de démonstration)' if a['bareme_statut'] == 'demo' else ''}"
                        if a["bareme"] else None
                    ),
                    "indemnite_motifs": " ; ".join(a["motifs"]) or None,
                }
            )
        if h["departed_at"] is not None:
            row["date_sortie"] = h["departed_at"].astimezone(PARIS).date()
        if follow is not None:
            row["suivi_date"] = m.get("follow_up_on")
            row["suivi_rav_personne"] = _dec(follow["rav_person_day"])
        rows.append({key: row.get(key) for key, *_ in COLUMNS})

    status = {label: sum(1 for h in households if h["status"] == code)
              for code, label in q.HOUSEHOLD_STATUS_LABELS.items()}
    return {
        "position": position,
        "instant": instant,
        "project": project,
        "bailleur_org": bailleur,
        "etat_au": as_of,
        "perimetre": (
            f"Ménages dont le bailleur d'origine est {names.get(bailleur, bailleur)}"
            if bailleur else "Tous les ménages du projet"
        ),
        "statuts": status,
        "indemnites": indemnities.summary(list(assessed.values())),
        "rows": rows,
        # Whose figures the export holds: the web writes them to the access log.
        "household_ids": [UUID(str(h["household_id"])) for h in households],
    }


def state_line(data: dict) -> str:
    if data.get("etat_au") is not None:
        return f"État au {data['etat_au']:%d/%m/%Y} (fin de journée), événement n° {data['position']}"
    when = data["instant"].astimezone(PARIS)
    return f"État au {when:%d/%m/%Y à %H:%M}, événement n° {data['position']}"


# -- CSV ----------------------------------------------------------------------------------


def _text(value: Any, kind: str) -> str:
    """French spreadsheet conventions: decimal comma, dd/mm/yyyy, no thousands separator."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return f"{value:f}".replace(".", ",")
    # Numbers stay numbers; a text that could start a formula is kept as text.
    return csv_text(value) if isinstance(value, str) else str(value)


def anru_csv(
    db: q.Db,
    project_id: UUID | str,
    bailleur_org: UUID | str | None = None,
    position: int | None = None,
    *,
    data: dict | None = None,
) -> bytes:
    """The "Ménages" sheet as CSV: ``;``-separated, UTF-8 with BOM (opens as is in a French Excel)."""
    data = data or anru_data(db, project_id, bailleur_org, position)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for _, header, _, _ in COLUMNS])
    for row in data["rows"]:
        writer.writerow([_text(row[key], kind) for key, _, kind, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# -- XLSX ---------------------------------------------------------------------------------


def anru_export(
    db: q.Db,
    project_id: UUID | str,
    bailleur_org: UUID | str | None = None,
    position: int | None = None,
    *,
    data: dict | None = None,
) -> bytes:
    """The XLSX workbook: "Synthèse", "Ménages" (one row per household), "Conventions"
    (:mod:`relogement.projections.anru_workbook`)."""
    from relogement.projections import anru_workbook

    return anru_workbook.render(data or anru_data(db, project_id, bailleur_org, position))


def position_at_end_of(db: q.Db, day: date) -> int:
    """The last position recorded on or before ``day`` (Paris calendar), for ``--as-of``."""
    from datetime import timedelta

    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=PARIS)
    return q.position_at(db, end.astimezone(UTC) - timedelta(microseconds=1))
