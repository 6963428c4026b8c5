"""The open-data package's Table Schemas: every field described, in French and English.

A column's description is looked up in :data:`FIELDS` by its name; the columns that come
from a stored measure (``before_…``, ``after_…``, ``evolution_…``, ``flags_…``) are
described by composing a prefix of :data:`PREFIXES` with a base field. A column that
has no description is a programming error (:func:`field_schema` raises), so the
package can never carry an undocumented value.

Types follow Table Schema (https://specs.frictionlessdata.io/table-schema/): ``string``,
``integer``, ``number`` (decimal, point as separator), ``boolean`` (``true``/``false``),
``date`` (ISO 8601), ``datetime`` (ISO 8601, UTC). Money is in euros with two decimals.
"""

from __future__ import annotations

from typing import Any

from relogement.platform.values import FINANCINGS, ORGANISATION_KINDS, REFUSAL_MOTIVES

# name → (type, French, English, unit or None, {enum value: label} or None, formula or None)
Field = tuple[str, str, str, str | None, dict[str, str] | None, str | None]

_ID = "string"
TYPOLOGIES = {f"T{i}": f"T{i} ({i} pièce{'s' if i > 1 else ''} principale{'s' if i > 1 else ''})" for i in range(1, 7)}

FIELDS: dict[str, Field] = {
    # -- every fact -------------------------------------------------------------------
    "position": ("integer", "Position de l'événement dans le journal (n° d'ordre global, unique).",
                 "Position of the event in the log (global sequence number, unique).", None, None, None),
    "recorded_at": ("datetime", "Instant d'enregistrement de l'événement (UTC).",
                    "Instant the event was recorded (UTC).", None, None, None),
    "aggregate_version": ("integer", "Version de l'objet (ménage, offre, proposition…) après ce fait.",
                          "Version of the object (household, offer, proposal…) after this fact.", None, None, None),
    "by_org": (_ID, "Identifiant de l'organisation qui a enregistré le fait.",
               "Id of the organisation that recorded the fact.", None, None, None),
    # -- join ids ---------------------------------------------------------------------
    "project_id": (_ID, "Identifiant du projet (PRU).", "Project (urban-renewal programme) id.", None, None, None),
    "household_id": (_ID, "Identifiant pseudonyme du ménage (jamais son identité).",
                     "Pseudonymous household id (never its identity).", None, None, None),
    "offer_id": (_ID, "Identifiant de l'offre (logement proposé).", "Offer (offered dwelling) id.", None, None, None),
    "proposal_id": (_ID, "Identifiant de la proposition.", "Proposal id.", None, None, None),
    "org_id": (_ID, "Identifiant de l'organisation.", "Organisation id.", None, None, None),
    "objection_id": (_ID, "Identifiant de l'opposition.", "Objection id.", None, None, None),
    "bailleur_org": (_ID, "Bailleur (organisation) : d'origine pour un ménage, propriétaire pour une offre.",
                     "Landlord (organisation): of origin for a household, owner for an offer.", None, None, None),
    "officer_org": (_ID, "Organisation du chargé de relogement.", "Relocation officer's organisation.", None, None, None),
    "pilot_org": (_ID, "Organisation pilote du projet.", "Project's lead organisation.", None, None, None),
    "household_bailleur": (_ID, "Bailleur d'origine du ménage.", "Household's landlord of origin.", None, None, None),
    "offer_bailleur": (_ID, "Bailleur propriétaire du logement proposé.", "Landlord owning the offered dwelling.", None, None, None),
    # -- descriptive ------------------------------------------------------------------
    "code": ("string", "Code court.", "Short code.", None, None, None),
    "name": ("string", "Nom (organisation, projet, quartier : jamais un ménage).",
             "Name (organisation, project, quartier: never a household).", None, None, None),
    "kind": ("string", "Type d'organisation.", "Kind of organisation.", None, dict(ORGANISATION_KINDS), None),
    "reference": ("string", "Référence pseudonyme (ménage : MEL-00019 ; offre : référence du bailleur).",
                  "Pseudonymous reference (household: MEL-00019; offer: the landlord's reference).", None, None, None),
    "household_reference": ("string", "Référence pseudonyme du ménage.", "Household's pseudonymous reference.", None, None, None),
    "operation": ("string", "Code de l'opération (démolition, restructuration…).", "Operation code (demolition, restructuring…).", None, None, None),
    "quartier": ("string", "Code du quartier.", "Quartier (neighbourhood) code.", None, None, None),
    "commune": ("string", "Commune.", "Municipality.", None, None, None),
    "qpv": ("boolean", "Quartier prioritaire de la politique de la ville (QPV).",
            "Priority neighbourhood of urban policy (QPV).", None, None, None),
    "kind_operation": ("string", "Type d'opération (démolition, réhabilitation, restructuration).",
                       "Kind of operation (demolition, refurbishment, restructuring).", None, None, None),
    "role": ("string", "Rôle du partenaire dans le projet.", "Partner's role in the project.", None, None, None),
    "reservataire": ("string", "Réservataire du logement.", "Holder of the reservation right.", None, None, None),
    "available_until": ("date", "Dernier jour de réservation du logement aux relogements.",
                        "Last day the dwelling is reserved for relocations.", None, None, None),
    "rank": ("integer", "Rang de la proposition pour le ménage (1, 2, 3…).", "Rank of the proposal for the household.", None, None, None),
    "max_proposals": ("integer", "Nombre légal de propositions du projet.", "Legal number of proposals of the project.", None, None, None),
    "window_hours": ("integer", "Durée du délai d'opposition.", "Length of the objection window.", "h", None, None),
    "objection_deadline": ("datetime", "Fin du délai d'opposition (UTC).", "End of the objection window (UTC).", None, None, None),
    "cleared": ("boolean", "Proposition validée par les partenaires à la fin du délai.",
                "Proposal cleared by the partners at the window's end.", None, None, None),
    "open_objections": ("integer", "Oppositions ouvertes à la fin du délai.", "Objections open at the window's end.", None, None, None),
    "visited_on": ("date", "Date de la visite.", "Visit date.", None, None, None),
    "accepted_on": ("date", "Date d'acceptation par le ménage.", "Date the household accepted.", None, None, None),
    "refused_on": ("date", "Date du refus par le ménage.", "Date the household refused.", None, None, None),
    "motive_code": ("string", "Motif de refus (code).", "Refusal motive (code).", None, dict(REFUSAL_MOTIVES), None),
    "decided_on": ("date", "Date de la décision.", "Decision date.", None, None, None),
    "signed_on": ("date", "Date de signature du bail.", "Lease signing date.", None, None, None),
    "move_in_date": ("date", "Date d'entrée dans les lieux.", "Move-in date.", None, None, None),
    "measured_on": ("date", "Date de la mesure de suivi.", "Follow-up measurement date.", None, None, None),
    "erasure_reason": ("string", "Motif de l'effacement des données personnelles.", "Reason the personal data was erased.", None,
                       {"duree_conservation": "durée de conservation échue", "demande": "demande de la personne (RGPD art. 17)"}, None),
    "objection_window_hours": ("integer", "Délai d'opposition du projet.", "Project's objection window.", "h", None, None),
    "working_days_only": ("boolean", "Délai compté en jours ouvrés.", "Window counted in working days.", None, None, None),
    "rav_convention": ("string", "Convention du reste-à-vivre du projet.", "Project's reste-à-vivre convention.", None,
                       {"personne": "par personne et par jour", "uc": "par unité de consommation et par jour"}, None),
    "rav_threshold": ("number", "Seuil de fragilité du reste-à-vivre.", "Reste-à-vivre fragility threshold.", "€/jour", None, None),
    "answer_reminder_days": ("integer", "Relance du ménage sans réponse à une proposition, après ce nombre de jours.",
                             "Reminder to a household that has not answered a proposal, after this many days.", "jours", None, None),
    "follow_up_months": ("string", "Mois après l'entrée où une mesure de suivi est due (séparés par « ; »).",
                         "Months after move-in when a follow-up measure is due (separated by \";\").", None, None, None),
    "blocked_days": ("integer", "Ménage « bloqué » sans proposition depuis ce nombre de jours.",
                     "A household without a proposal for this many days is \"blocked\".", "jours", None, None),
    "max_effort_rate": ("number", "Taux d'effort maximal du projet après relogement (vide : non fixé).",
                        "Project's highest effort rate after relocation (empty: not set).", "%", None, None),
    "answer_days": ("integer", "Délai de réponse du ménage à une proposition.", "Days the household has to answer a proposal.",
                    "jours", None, None),
    "charter_text": ("string", "Aides et indemnités de la charte de relogement du projet (texte du courrier).",
                     "Help and indemnities of the project's relocation charter (letter text).", None, None, None),
    # The ranking's weights (platform/matching.py CRITERIA; a criterion added there
    # needs its line here).
    **{f"matching_weights_{code}": ("integer", f"Poids du critère « {fr} » dans le classement des offres.",
                                    f"Weight of the criterion \"{en}\" in the ranking of offers.", "points", None, None)
       for code, fr, en in (
           ("commune", "commune souhaitée", "wished commune"), ("typologie", "typologie souhaitée", "wished typology"),
           ("individuel", "individuel / collectif", "individual / collective"),
           ("retour", "droit au retour", "right to return"), ("sous_occupation", "pas de sous-occupation", "no under-occupation"),
           ("taux_effort", "taux d'effort après", "effort rate after"), ("reste_a_vivre", "reste-à-vivre après", "reste-à-vivre after"),
           ("hors_qpv", "QPV vers hors QPV", "QPV to outside QPV"), ("neuf", "neuf ou moins de 5 ans", "new or under 5 years"),
           ("inter_bailleur", "inter-bailleur", "inter-landlord"),
           ("equilibre_residence", "équilibre de la résidence", "balance of the residence"))},
    # -- situation of a household and dwellings ---------------------------------------
    "persons": ("integer", "Nombre de personnes du ménage.", "Number of persons in the household.", None, None, None),
    "adults": ("integer", "Adultes (18 ans ou plus).", "Adults (18 or older).", None, None, None),
    "children": ("integer", "Enfants (moins de 18 ans).", "Children (under 18).", None, None, None),
    "resources_euros": ("number", "Ressources mensuelles de tous les occupants.", "Monthly resources of all occupants.", "€/mois", None, None),
    "apl_euros": ("number", "Aide au logement (APL ou AL).", "Housing aid (APL or AL).", "€/mois", None, None),
    "income_quartile": ("integer", "Quartile de revenus (1 à 4).", "Income quartile (1 to 4).", None, None, None),
    "adults_in_work": ("integer", "Adultes du ménage en emploi (vide : non renseigné).", "Adults of the household in work (empty: not recorded).", None, None, None),
    "typology": ("string", "Typologie du logement.", "Dwelling typology.", None, TYPOLOGIES, None),
    "surface_m2": ("number", "Surface habitable.", "Living area.", "m²", None, None),
    "rent_euros": ("number", "Loyer principal.", "Main rent.", "€/mois", None, None),
    "charges_euros": ("number", "Charges récupérables.", "Recoverable service charges.", "€/mois", None, None),
    "annex_rent_euros": ("number", "Loyers annexes (garage, parking).", "Annex rents (garage, parking).", "€/mois", None, None),
    "financing": ("string", "Financement du logement.", "Dwelling's financing scheme.", None, {f: f for f in FINANCINGS}, None),
    "construction_year": ("integer", "Année de construction ou de livraison.", "Year of construction or delivery.", None, None, None),
    "individual": ("boolean", "Maison individuelle.", "Individual house.", None, None, None),
    "floor": ("integer", "Étage (0 : rez-de-chaussée).", "Floor (0: ground floor).", None, None, None),
    "lift": ("boolean", "Ascenseur.", "Lift.", None, None, None),
    "accessible": ("boolean", "Accessible (PMR).", "Wheelchair accessible.", None, None, None),
    "dpe_label": ("string", "Étiquette DPE (A à G).", "Energy performance label (A to G).", None, None, None),
    "heating": ("string", "Mode de chauffage.", "Heating mode.", None, None, None),
    "energy_cost_min_euros": ("integer", "DPE : coût annuel estimé de l'énergie, borne basse.", "EPC estimated yearly energy cost, low.", "€/an", None, None),
    "energy_cost_max_euros": ("integer", "DPE : coût annuel estimé de l'énergie, borne haute.", "EPC estimated yearly energy cost, high.", "€/an", None, None),
    # wishes
    "communes": ("string", "Communes souhaitées (séparées par « ; »).", "Wished municipalities (separated by ';').", None, None, None),
    "typologies": ("string", "Typologies souhaitées (séparées par « ; »).", "Wished typologies (separated by ';').", None, None, None),
    "max_floor": ("integer", "Étage maximal souhaité.", "Highest wished floor.", None, None, None),
    "needs_lift": ("boolean", "Besoin d'un ascenseur.", "Needs a lift.", None, None, None),
    "needs_accessible": ("boolean", "Besoin d'un logement accessible.", "Needs an accessible dwelling.", None, None, None),
    "right_to_return": ("boolean", "Souhaite revenir dans le quartier rénové (droit au retour).",
                        "Wishes to return to the renewed quartier.", None, None, None),
    # indicators (one measure)
    "consumption_units": ("number", "Unités de consommation (échelle OCDE modifiée).", "Consumption units (modified OECD scale).", "UC", None,
                          "1 pour le premier adulte + 0,5 par autre personne de 14 ans ou plus + 0,3 par enfant de moins de 14 ans"),
    "reste_a_charge_euros": ("number", "Reste à charge.", "Net housing cost.", "€/mois", None,
                             "loyer principal + loyers annexes + charges récupérables − aide au logement"),
    "taux_effort": ("number", "Taux d'effort.", "Housing-cost-to-income ratio.", "%", None,
                    "reste à charge / ressources mensuelles × 100 (4 décimales)"),
    "rav_person_day": ("number", "Reste-à-vivre par personne et par jour.", "Residual income per person per day.", "€/jour/personne", None,
                       "(ressources mensuelles − reste à charge) / nombre de personnes / 30 (4 décimales)"),
    "rav_uc_day": ("number", "Reste-à-vivre par unité de consommation et par jour.", "Residual income per consumption unit per day.",
                   "€/jour/UC", None, "(ressources mensuelles − reste à charge) / unités de consommation / 30 (4 décimales)"),
    "taux_effort_points": ("number", "Évolution du taux d'effort.", "Change in the effort rate.", "points", None,
                           "taux d'effort après − taux d'effort avant"),
    # destination flags (stored at the proposal and at the lease)
    "same_quartier": ("boolean", "Relogé dans le même quartier (sur site).", "Relocated in the same quartier (on site).", None, None, None),
    "hors_qpv": ("boolean", "Logement proposé hors QPV.", "Offered dwelling outside a QPV.", None, None, None),
    "qpv_to_hors_qpv": ("boolean", "D'un QPV vers hors QPV.", "From a QPV to outside one.", None, None, None),
    "same_commune": ("boolean", "Même commune.", "Same municipality.", None, None, None),
    "inter_bailleur": ("boolean", "Bailleur d'accueil différent du bailleur d'origine.", "Receiving landlord differs from the original one.", None, None, None),
    "neuf_moins_5_ans": ("boolean", "Logement neuf ou de moins de 5 ans.", "New dwelling or under 5 years old.", None, None, None),
    "dwelling_age_years": ("integer", "Âge du logement proposé.", "Age of the offered dwelling.", "ans", None, None),
    "larger": ("boolean", "Logement plus grand (au moins une pièce de plus).", "Larger dwelling (at least one more room).", None, None, None),
    "rooms_change": ("integer", "Évolution du nombre de pièces.", "Change in the number of rooms.", "pièces", None, "pièces après − pièces avant"),
    "surface_change_m2": ("number", "Évolution de la surface.", "Change in living area.", "m²", None, "surface après − surface avant"),
    "individual_house": ("boolean", "Maison individuelle.", "Individual house.", None, None, None),
}

# Composed names: prefix + "_" + base field.
PREFIXES: dict[str, tuple[str, str]] = {
    "situation": ("Situation du ménage", "Household situation"),
    "situation_dwelling": ("Logement actuel", "Current dwelling"),
    "dwelling": ("Logement", "Dwelling"),
    "wishes": ("Souhaits", "Wishes"),
    "settings": ("Réglage du projet", "Project setting"),
    "before": ("Avant relogement (logement d'origine)", "Before relocation (original dwelling)"),
    "after": ("Après (logement proposé ou bail)", "After (offered dwelling or lease)"),
    "evolution": ("Évolution après − avant", "Change after − before"),
    "flags": ("Destination", "Destination"),
}

# Per table overrides (a field whose meaning depends on the fact).
TABLE_FIELDS: dict[str, dict[str, Field]] = {
    "oppositions_arbitrees": {"decision": ("string", "Décision d'arbitrage.", "Arbitration decision.", None,
                                           {"levee": "opposition levée", "maintenue": "opposition maintenue"}, None)},
    "decisions_caleol": {"decision": ("string", "Décision de la CALEOL.", "Allocation committee's decision.", None,
                                      {"attribution": "attribution", "refus": "refus", "ajournement": "ajournement"}, None)},
}


def lookup(table: str, name: str) -> tuple[Field, str | None]:
    """The field's description and its prefix label (None for a plain field)."""
    if name in TABLE_FIELDS.get(table, {}):
        return TABLE_FIELDS[table][name], None
    if name in FIELDS:
        return FIELDS[name], None
    for prefix in sorted(PREFIXES, key=len, reverse=True):
        if name.startswith(prefix + "_") and name[len(prefix) + 1:] in FIELDS:
            return FIELDS[name[len(prefix) + 1:]], prefix
    raise KeyError(f"open data: no description for field {table}.{name}")


def field_schema(table: str, name: str) -> dict[str, Any]:
    """One field of a Table Schema: name, type, FR/EN description, unit, enum, formula."""
    (kind, fr, en, unit, enum, formula), prefix = lookup(table, name)
    if prefix is not None:
        pfr, pen = PREFIXES[prefix]
        fr, en = f"{pfr} – {fr}", f"{pen} – {en}"
    field: dict[str, Any] = {"name": name, "type": kind, "title": fr.rstrip("."), "description": fr,
                             "description_en": en}
    if kind == "date":
        field["format"] = "%Y-%m-%d"
    if unit:
        field["unit"] = unit
    if enum:
        field["constraints"] = {"enum": list(enum)}
        field["enum_labels"] = enum
    if formula:
        field["formula"] = formula
    return field


def table_schema(table: str, columns: list[str], primary_key: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"fields": [field_schema(table, c) for c in columns], "missingValues": [""]}
    if primary_key:
        schema["primaryKey"] = primary_key
    return schema
