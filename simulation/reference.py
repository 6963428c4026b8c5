"""The demo programme's reference data: a Lille-like metropolitan renewal programme.

Organisations, quartiers (origins and destinations), residences, streets, names,
motives and texts, dwelling scales, and the targets the decks deal towards. Data only.
"""

from __future__ import annotations

# Targets among signed leases (../shared/domain.md, "Reference figures").
TARGETS = {
    "hors_qpv": 42,
    "inter_bailleur": 30,
    "neuf_moins_5_ans": 38,
    "larger": 30,
    "individual_house": 30,
    "effort_up": 67,  # "+2 to +2.5 points for two-thirds"
    "effort_before_15_20": 70,  # "mostly 15-20 %"
    "rav_down_follow_up": 55,  # Lille: down 1,098 / (889 + 1,098)
}

# -- reference data ------------------------------------------------------------------
# code, name, weight in the households to relocate, CALEOL weekday (0 = Monday)
BAILLEURS = [
    ("LMH", "Lille Métropole Habitat", 26, 1),
    ("VIL", "Vilogia", 18, 3),
    ("PDC", "Partenord Habitat", 12, 2),
    ("MEC", "Maisons & Cités", 7, 0),
    ("NLG", "Notre Logis", 6, 3),
    ("SIA", "SIA Habitat", 5, 1),
    ("HDN", "Habitat du Nord", 5, 4),
    ("NOR", "Norevie", 4, 2),
    ("ICF", "ICF Habitat Nord-Est", 4, 0),
    ("LTO", "LTO Habitat", 4, 4),
    ("CDC", "CDC Habitat social", 3, 1),
    ("CLE", "Clésence", 2, 3),
]

PARTNERS = [
    # code, name, kind
    ("MEL", "Métropole Européenne de Lille", "epci"),
    ("V-LILLE", "Ville de Lille", "ville"),
    ("V-ROUBAIX", "Ville de Roubaix", "ville"),
    ("V-TOURCOING", "Ville de Tourcoing", "ville"),
    ("V-WATTRELOS", "Ville de Wattrelos", "ville"),
    ("V-VDA", "Ville de Villeneuve-d'Ascq", "ville"),
    ("V-MONS", "Ville de Mons-en-Barœul", "ville"),
    ("V-LOOS", "Ville de Loos", "ville"),
    ("V-HEM", "Ville de Hem", "ville"),
    ("DEP59", "Département du Nord", "departement"),
    ("ETAT", "Préfecture du Nord (contingent préfectoral)", "reservataire"),
    ("AL", "Action Logement Services", "reservataire"),
    ("MOUS", "MOUS relogement métropolitaine", "mous"),
    ("ANRU", "Mission d'évaluation ANRU", "audit"),
]
CITY_PARTNERS = {
    "Lille": "V-LILLE",
    "Roubaix": "V-ROUBAIX",
    "Tourcoing": "V-TOURCOING",
    "Wattrelos": "V-WATTRELOS",
    "Villeneuve-d'Ascq": "V-VDA",
    "Mons-en-Barœul": "V-MONS",
    "Loos": "V-LOOS",
    "Hem": "V-HEM",
}

POSTCODES = {
    "Lille": "59000", "Roubaix": "59100", "Tourcoing": "59200", "Wattrelos": "59150",
    "Villeneuve-d'Ascq": "59650", "Mons-en-Barœul": "59370", "Loos": "59120", "Hem": "59510",
    "Wattignies": "59139", "Armentières": "59280", "Lomme": "59160", "Lambersart": "59130",
    "Marcq-en-Barœul": "59700", "La Madeleine": "59110", "Croix": "59170",
    "Wasquehal": "59290", "Mouvaux": "59420", "Ronchin": "59790", "Faches-Thumesnil": "59155",
    "Haubourdin": "59320", "Seclin": "59113", "Hellemmes": "59260",
    "Saint-André-lez-Lille": "59350", "Wambrechies": "59118", "Halluin": "59250",
    "Comines": "59560", "Lys-lez-Lannoy": "59390", "Leers": "59115",
}

# Origin quartiers of the programme: code, name, commune, QPV, secteur, weight, bailleurs.
ORIGINS = [
    ("LIL-CON", "Concorde", "Lille", True, "Lille", 7, ("LMH", "VIL")),
    ("LIL-FAU", "Faubourg de Béthune", "Lille", True, "Lille", 7, ("LMH", "PDC")),
    ("LIL-MOU", "Moulins – Belfort", "Lille", True, "Lille", 5, ("LMH", "SIA")),
    ("LIL-BBL", "Bois-Blancs", "Lille", True, "Lille", 4, ("VIL", "LMH")),
    ("LIL-FIV", "Fives – Pépinière", "Lille", True, "Lille", 4, ("LMH", "NLG")),
    ("RBX-ALM", "Alma-Gare", "Roubaix", True, "Roubaix-Tourcoing", 7, ("LMH", "VIL")),
    ("RBX-EPE", "Épeule – Trichon", "Roubaix", True, "Roubaix-Tourcoing", 5, ("VIL", "PDC")),
    ("RBX-PIL", "Pile – Sainte-Élisabeth", "Roubaix", True, "Roubaix-Tourcoing", 5, ("LMH", "NLG")),
    ("RBX-TPO", "Trois-Ponts", "Roubaix", True, "Roubaix-Tourcoing", 5, ("PDC", "VIL")),
    ("RBX-NRB", "Nouveau Roubaix", "Roubaix", True, "Roubaix-Tourcoing", 4, ("VIL", "HDN")),
    ("TRC-BOU", "La Bourgogne", "Tourcoing", True, "Roubaix-Tourcoing", 8, ("VIL", "PDC", "LMH")),
    ("TRC-BSE", "Blanc-Seau – Croix-Rouge", "Tourcoing", True, "Roubaix-Tourcoing", 4, ("PDC", "SIA")),
    ("TRC-PHA", "Phalempins", "Tourcoing", True, "Roubaix-Tourcoing", 3, ("VIL", "NOR")),
    ("WAT-BEA", "Beaulieu", "Wattrelos", True, "Roubaix-Tourcoing", 4, ("PDC", "MEC")),
    ("VDA-PDB", "Pont-de-Bois", "Villeneuve-d'Ascq", True, "Est", 5, ("LMH", "CDC")),
    ("MEB-NMO", "Nouveau Mons", "Mons-en-Barœul", True, "Est", 6, ("PDC", "LMH", "ICF")),
    ("LOO-OLI", "Les Oliveaux", "Loos", True, "Sud", 5, ("MEC", "LTO")),
    ("HEM-LIO", "Lionderie – Trois-Baudets", "Hem", True, "Est", 4, ("VIL", "LTO", "CLE")),
    ("WTG-BRZ", "Blanc-Riez", "Wattignies", False, "Sud", 2, ("MEC", "HDN")),
    ("ARM-BIZ", "Le Bizet", "Armentières", False, "Lys", 2, ("NOR", "ICF")),
]

# Destination quartiers outside the programme's sites: code, name, commune, QPV, secteur.
DESTINATIONS = [
    ("LIL-VAU", "Vauban-Esquermes", "Lille", False, "Lille"),
    ("LIL-SMP", "Saint-Maurice Pellevoisin", "Lille", False, "Lille"),
    ("LIL-WAZ", "Wazemmes", "Lille", True, "Lille"),
    ("HEL-CEN", "Hellemmes Centre", "Hellemmes", False, "Lille"),
    ("LOM-CEN", "Lomme Centre", "Lomme", False, "Ouest"),
    ("LOM-MAR", "Marais de Lomme", "Lomme", True, "Ouest"),
    ("LAM-CAN", "Canteleu", "Lambersart", False, "Ouest"),
    ("SAL-CEN", "Saint-André Centre", "Saint-André-lez-Lille", False, "Ouest"),
    ("WAM-CEN", "Wambrechies Centre", "Wambrechies", False, "Ouest"),
    ("MAD-CEN", "La Madeleine Centre", "La Madeleine", False, "Ouest"),
    ("MAR-CEN", "Marcq Centre – Croisé-Laroche", "Marcq-en-Barœul", False, "Roubaix-Tourcoing"),
    ("CRX-CEN", "Croix Centre", "Croix", False, "Roubaix-Tourcoing"),
    ("WAS-CEN", "Wasquehal Centre", "Wasquehal", False, "Roubaix-Tourcoing"),
    ("MOU-CEN", "Mouvaux Centre", "Mouvaux", False, "Roubaix-Tourcoing"),
    ("RBX-BAR", "Barbieux", "Roubaix", False, "Roubaix-Tourcoing"),
    ("RBX-CEN", "Roubaix Centre", "Roubaix", True, "Roubaix-Tourcoing"),
    ("TRC-CEN", "Tourcoing Centre – Gare", "Tourcoing", False, "Roubaix-Tourcoing"),
    ("LEE-CEN", "Leers Centre", "Leers", False, "Roubaix-Tourcoing"),
    ("LYS-CEN", "Lys-lez-Lannoy Centre", "Lys-lez-Lannoy", False, "Est"),
    ("VDA-COU", "Cousinerie", "Villeneuve-d'Ascq", False, "Est"),
    ("VDA-ASC", "Ascq – Recueil", "Villeneuve-d'Ascq", False, "Est"),
    ("RON-CEN", "Ronchin Centre", "Ronchin", False, "Sud"),
    ("FAC-CEN", "Faches-Thumesnil Centre", "Faches-Thumesnil", False, "Sud"),
    ("HAU-CEN", "Haubourdin Centre", "Haubourdin", False, "Sud"),
    ("SEC-CEN", "Seclin Centre", "Seclin", False, "Sud"),
    ("HAL-CEN", "Halluin Centre", "Halluin", False, "Lys"),
    ("COM-CEN", "Comines Centre", "Comines", False, "Lys"),
    ("ARM-CEN", "Armentières Centre", "Armentières", False, "Lys"),
]

RESIDENCES = [
    "Tour Mont-de-Terre", "Barre Lazare Garreau", "Résidence Les Peupliers", "Résidence Les Tilleuls",
    "Tour Europe", "Barre Matisse", "Résidence Les Acacias", "Îlot Vieux-Berquin", "Tour Kiel",
    "Résidence Les Marronniers", "Barre Renoir", "Résidence du Parc", "Tour Méditerranée",
    "Résidence Les Glycines", "Barre Delacroix", "Résidence Jean Bart", "Tour Montesquieu",
    "Résidence Les Charmes", "Barre Degas", "Résidence Les Sorbiers", "Tour Anatole France",
    "Résidence Les Érables", "Barre Cézanne", "Résidence Beau Séjour",
]

STREETS = [
    "rue Victor Hugo", "rue Jean Jaurès", "avenue de la République", "rue Pasteur", "rue Gambetta",
    "rue Jules Ferry", "rue des Lilas", "allée des Peupliers", "rue Pierre Brossolette",
    "rue du Général de Gaulle", "rue Anatole France", "rue Roger Salengro", "rue Jean Moulin",
    "rue de la Paix", "rue Édouard Vaillant", "rue Émile Zola", "rue des Écoles", "rue du Moulin",
    "rue Lamartine", "rue Voltaire", "rue Condorcet", "allée des Acacias", "rue de Lannoy",
    "rue Nationale", "rue du Château", "boulevard Carnot", "rue Léon Blum", "rue Paul Bert",
    "rue Faidherbe", "rue de la Gare", "rue Alexandre Dumas", "rue Berthelot", "rue Marceau",
    "chemin des Prés", "rue Salvador Allende", "rue Louise Michel", "rue Lucie Aubrac",
]

SURNAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guerin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez",
    "Delattre", "Vandenbussche", "Decroix", "Lemaire", "Dhalluin", "Vanhoutte", "Deleplanque",
    "Carpentier", "Desmet", "Verhaeghe", "Benali", "Haddad", "Belkacem", "Mansouri", "Bensaïd",
    "Diallo", "Traoré", "Diop", "Ndiaye", "Kaya", "Yilmaz", "Nguyen", "Tran", "Da Silva",
    "Ferreira", "Rodrigues", "Kowalski", "Nowak", "Amrani", "Bouzid", "Cherif", "Saïdi",
]
FEMALE = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Christine", "Valérie",
    "Sophie", "Aurélie", "Céline", "Julie", "Laetitia", "Karima", "Fatima", "Nadia", "Samira",
    "Aïcha", "Mélanie", "Émilie", "Jessica", "Amandine", "Leïla", "Yasmina", "Fatou", "Aminata",
    "Monique", "Jacqueline", "Josiane", "Ginette", "Chantal", "Martine", "Océane", "Inès",
]
MALE = [
    "Jean", "Michel", "Philippe", "Alain", "Patrick", "Christophe", "Stéphane", "Laurent",
    "Frédéric", "David", "Olivier", "Sébastien", "Mohamed", "Karim", "Rachid", "Ahmed", "Mehdi",
    "Mamadou", "Moussa", "Kevin", "Dylan", "Julien", "Nicolas", "Anthony", "Bernard", "Gérard",
    "Daniel", "René", "Marcel", "Thierry", "Pascal", "Yannick", "Hakim", "Samir", "Thanh",
]
STAFF = ["c.dupont", "m.lefebvre", "s.benali", "a.vandamme", "j.carpentier", "l.dhalluin",
         "n.mansouri", "p.desmet", "e.lemaire", "f.traore", "h.nguyen", "v.delattre"]

REFUSAL_TEXTS = {
    "localisation": ["Trop éloigné du lieu de travail", "Souhaite rester à proximité de la famille",
                     "Commune non desservie par le métro"],
    "typologie": ["Chambres trop petites pour la fratrie", "Pas de chambre séparée pour l'aîné",
                  "Séjour jugé trop petit"],
    "loyer": ["Reste à charge trop élevé", "Charges de chauffage jugées trop élevées"],
    "etat": ["Humidité constatée lors de la visite", "Cuisine non équipée, travaux attendus"],
    "ecole": ["Changement d'école en cours d'année refusé", "Collège du secteur non souhaité"],
    "sante": ["Étage élevé sans ascenseur", "Douche à l'italienne nécessaire"],
    "voisinage": ["Appréhension de l'environnement de la résidence", "Conflit de voisinage antérieur"],
    "autre": ["Souhaite attendre la livraison d'un programme neuf", "Ménage en réflexion, préfère une maison",
              "Proposition jugée non adaptée par le ménage"],
}
REFUSAL_WEIGHTS = {"localisation": 30, "typologie": 15, "loyer": 14, "etat": 10, "ecole": 8,
                   "sante": 7, "voisinage": 9, "autre": 7}
OBJECTION_MOTIVES = {
    "ville": "Équilibre de peuplement de la résidence (orientations de la CIA)",
    "reservataire": "Logement du contingent réservé : ménage non positionné par le réservataire",
    "departement": "Accompagnement social à mettre en place avant l'entrée dans les lieux",
    "epci": "Attribution en QPV d'un ménage du premier quartile : à examiner au regard des objectifs",
}
DEPARTURE_REASONS = [
    "Départ vers le parc privé", "Accession à la propriété", "Départ hors de la métropole",
    "Entrée en établissement (EHPAD)", "Décès du titulaire du bail", "Hébergement chez un proche",
]
NOTES = [
    "", "", "Suivi social par l'UTPAS du Département.", "Accompagnement budgétaire en cours (CCAS).",
    "Dossier complet, pièces à jour.", "Demande un logement en rez-de-chaussée ou avec ascenseur.",
    "Ménage joignable en fin de journée.", "Présence d'un animal de compagnie (chien).",
]
CONSTRAINTS = [
    "", "", "Scolarité des enfants dans le quartier", "Travail en horaires décalés : transports en commun",
    "Mobilité réduite d'un occupant", "Suivi médical régulier au CHU", "Garde alternée des enfants",
]

SURFACES = {"T1": (25, 34), "T2": (42, 52), "T3": (60, 72), "T4": (74, 88), "T5": (88, 104),
            "T6": (104, 122)}
CHARGES = {"T1": (50, 70), "T2": (60, 90), "T3": (80, 120), "T4": (95, 135), "T5": (110, 150),
           "T6": (120, 165)}
RENT_M2 = {"PLAI": 5.7, "PLUS": 6.3, "PLS": 8.4}
TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5", "T6")
