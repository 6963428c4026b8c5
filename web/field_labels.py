"""The French names of form fields, and errors as a form's summary lists them.

``FIELD_LABELS`` names every field of the forms and imports; ``DOMAIN_FIELDS`` says which
form field a domain ``InvalidValue`` is about (domain names → form names).
"""

from __future__ import annotations

from relogement.platform.peuplement import THRESHOLD_LABELS

DOMAIN_FIELDS = {
    "typology": "typologie",
    "surface_m2": "surface",
    "rent_cents": "loyer",
    "charges_cents": "charges",
    "annex_rent_cents": "annexes",
    "financing": "financement",
    "construction_year": "annee",
    "floor": "etage",
    "ages": "ages",
    "resources_cents": "ressources",
    "apl_cents": "apl",
    "apl_after_cents": "apl_estimee",
    "aide_simulee": "aide_retenue",
    "dpe_label": "dpe",
    "rav_cost": "cout_rav",
    "energy_rise_threshold": "seuil_hausse_energie",
    "heating": "chauffage",
    "energy_cost_min_euros": "energie_min",
    "income_quartile": "quartile",
    "adults_in_work": "adultes_en_emploi",
    "name": "nom",
    "phone": "telephone",
    "communes": "souhait_communes",
    "accepted_on": "date_acceptation",
    "refused_on": "date_refus",
    "decided_on": "date_caleol",
    "signed_on": "date_signature",
    "move_in_date": "date_entree",
    "visited_on": "date_visite",
    "measured_on": "date_mesure",
    "available_until": "disponible_jusqu_au",
    "objection_window_hours": "delai_heures",
    "max_proposals": "offres_max",
    "rav_convention": "convention_rav",
    "rav_threshold": "seuil_rav",
    "answer_reminder_days": "relance_jours",
    "follow_up_months": "suivi_mois",
    "blocked_days": "bloque_jours",
    "max_effort_rate": "taux_effort_max",
    "answer_days": "delai_reponse_jours",
    "charter_text": "charte_relogement",
    "code": "code_projet",
    "operations": "operations",
    "quartiers": "quartiers",
    "reason": "motif_sortie",
}


# The French label of every form field (the one its form shows, without units or help),
# so that an error listed away from its field (the form's error summary) names it.
# One place for every form: a test checks every field of every template has one.
FIELD_LABELS = {
    # dwellings (offers, situations, leases)
    "typologie": "Typologie",
    "surface": "Surface habitable",
    "loyer": "Loyer principal",
    "charges": "Charges récupérables",
    "annexes": "Loyers annexes",
    "commune": "Commune",
    "quartier": "Quartier",
    "adresse": "Adresse",
    "qpv": "En QPV",
    "quartier_hors_projet": "Quartier hors du projet",
    "financement": "Financement",
    "annee": "Année de construction ou de livraison",
    "individuel": "Maison individuelle",
    "etage": "Étage",
    "ascenseur": "Ascenseur",
    "accessible": "Accessible aux personnes à mobilité réduite",
    "reservataire": "Réservataire",
    "projet": "Projet",
    "motif": "Motif du retrait",
    # households: file, identity, situation, wishes
    "operation": "Opération",
    "bailleur": "Bailleur",
    "reference": "Référence",
    "doublon_confirme": "Ménage distinct",
    "nom": "Nom du ménage",
    "telephone": "Téléphone",
    "email": "Courriel",
    "adresse_actuelle": "Adresse actuelle",
    "contraintes": "Contraintes",
    "notes": "Notes de suivi",
    "ages": "Âges des occupants",
    "ressources": "Ressources mensuelles",
    "apl": "Aide au logement",
    "quartile": "Quartile de revenus",
    "souhait_communes": "Communes souhaitées",
    "souhait_typologies": "Typologies souhaitées",
    "souhait_individuel": "Type de logement",
    "souhait_etage_max": "Étage maximum",
    "souhait_ascenseur": "Ascenseur nécessaire",
    "souhait_accessible": "Logement accessible nécessaire",
    "droit_au_retour": "Droit au retour",
    # visits, proposals, commission, lease, follow-up, departure
    "offre": "Logement",
    "menage": "Ménage",
    "date_visite": "Date de la visite",
    "compte_rendu": "Compte rendu",
    "apl_estimee": "Aide au logement estimée dans le nouveau logement",
    "aide_retenue": "Aide au logement retenue (simulée ou estimée)",
    "dpe": "Étiquette DPE",
    "cout_rav": "Coût retenu pour le reste-à-vivre",
    "seuil_hausse_energie": "Seuil de hausse du coût énergie comprise",
    "chauffage": "Chauffage",
    "energie_min": "Coût annuel de l'énergie (borne basse)",
    "energie_max": "Coût annuel de l'énergie (borne haute)",
    "motif_opposition": "Motif de l'opposition",
    "commentaire": "Commentaire",
    "decision": "Décision",
    "motif_refus": "Motif du refus",
    "precision_refus": "Précision sur le refus",
    "decision_caleol": "Décision de la commission",
    "date_caleol": "Date de la commission",
    "commentaire_caleol": "Commentaire de la commission",
    "date_acceptation": "Date de l'acceptation",
    "date_refus": "Date du refus",
    "motif_retrait": "Motif du retrait",
    "date_signature": "Date de signature",
    "date_entree": "Entrée dans les lieux",
    "loyer_bail": "Loyer principal du bail",
    "charges_bail": "Charges du bail",
    "annexes_bail": "Loyers annexes du bail",
    "apl_bail": "Aide au logement du bail",
    "date_mesure": "Date de la mesure",
    "disponible_jusqu_au": "Réservée au relogement jusqu'au",
    "motif_sortie": "Motif de sortie",
    "precision_sortie": "Précision sur la sortie",
    # administration
    "identifiant": "Identifiant",
    "mot_de_passe": "Mot de passe",
    "nom_affiche": "Nom affiché",
    "organisation": "Organisation",
    "role": "Rôle",
    "motif_effacement": "Motif de l'effacement",
    "precision": "Précision",
    "confirmation": "Confirmation",
    "utilisateur": "Utilisateur",
    "nom_organisation": "Nom de l'organisation",
    "code_organisation": "Code de l'organisation",
    "type_organisation": "Type d'organisation",
    # projects
    "nom_projet": "Nom du projet",
    "code_projet": "Code du projet",
    "quartiers": "Quartiers",
    "operations": "Opérations",
    "partenaire": "Partenaire",
    "nouveaux_quartiers": "Nouveaux quartiers",
    "nouvelles_operations": "Nouvelles opérations",
    "delai_heures": "Délai d'opposition",
    "jours_ouvres": "Délai en jours ouvrés",
    "offres_max": "Nombre légal d'offres",
    "convention_rav": "Convention de reste-à-vivre",
    "seuil_rav": "Seuil de fragilité",
    "relance_jours": "Relance du ménage (jours)",
    "suivi_mois": "Mois de suivi après l'entrée",
    "bloque_jours": "Ménage sans proposition (jours)",
    "taux_effort_max": "Taux d'effort maximal",
    "delai_reponse_jours": "Délai de réponse du ménage",
    "charte_relogement": "Aides et indemnités de la charte",
    "confirmer_alertes": "Confirmation malgré les alertes",
    "du": "Du",
    "au": "Au",
    "heure": "Heure",
    # lists, filters, reports, imports, exports
    "format": "Format du fichier",
    "recherche": "Recherche",
    "statut": "État",
    "etat": "Propositions",
    "loyer_max": "Loyer maximum",
    "afficher": "Afficher",
    "attente": "Attendu",
    "type": "Type",
    "portee": "Ménages",
    "mes_menages": "Mes ménages",
    "charge": "Chargé(e) de relogement",
    "avant": "Page",
    "semestre": "Semestre",
    "convention": "Calcul du reste-à-vivre",
    "seuil": "Seuil de fragilité",
    "baisse": "Forte baisse",
    "liste": "Ménages",
    "fichier": "Fichier",
    "page": "Page",
    # residences (web/blueprints/residences.py)
    "residence": "Code de la résidence",
    "creer_residence": "Créer la résidence",
    "creer_residences": "Créer les résidences inconnues",
    "adultes_en_emploi": "Adultes en emploi",
    "classe": "Classe",
    "texte": "Note",
    "max_premier_quartile": "Au plus N ménages du premier quartile",
    "priorite_emploi": "Priorité aux ménages en emploi",
    "part_indicateur": "Indicateur",
    "part_max": "Part maximale",
    "logements": "Nombre de logements",
    "malgre_avertissement": "Proposer malgré l'avertissement",
}


FIELD_LABELS.update(THRESHOLD_LABELS)  # the residences' class thresholds (per project)


def field_label(name: str) -> str:
    """The French label of a form field (its name if it has none)."""
    return FIELD_LABELS.get(name, name)


def field_error(name: str, message: str) -> str:
    """An error as the form's summary lists it: "Loyer principal : ce champ est obligatoire."

    The message's first letter is lowered, unless it starts an acronym ("APL …").
    """
    label = FIELD_LABELS.get(name)
    if not label or not message:
        return message
    if not message[1:2].isupper():
        message = message[0].lower() + message[1:]
    return f"{label} : {message}"


def _matching_weight_labels() -> None:
    """The ranking's weights (one field per criterion of platform/matching.py)."""
    from relogement.platform.matching import criteria_labels

    for code, label in criteria_labels().items():
        FIELD_LABELS.setdefault(f"poids_{code}", f"Poids : {label}")


_matching_weight_labels()
