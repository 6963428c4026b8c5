"""A realistic, seeded demo programme: a metropolitan renewal programme like Lille's.

Everything is written through ``RelocationApp`` use cases (no event is forged), with an
injectable clock that the generator moves forward: a three-year history is a
discrete-event simulation whose actions run in time order, so every figure of the
dashboard can be traced back to the facts that produced it, with believable dates.

Reproducible: the same ``seed``, ``start`` and size give the same sequence of facts
(event types, amounts, indicators, dates). Only aggregate ids (uuid4, chosen by the
application) differ from one run to the next.

How the reference figures of ../shared/domain.md are reached: each household's story
(number of refused offers, departure, objections, CALEOL adjournment...) is planned at
registration; the attributes of the offer it will finally sign for (QPV or not,
inter-bailleur, new, larger, individual house) and the evolution of its effort rate are
dealt from shuffled decks (``_Deck``), so the shares among signed leases stay within a
point or two of the targets even on a few hundred households; households cut by the
end of the history (still in progress) do not bias them.

Reste-à-vivre: at the lease, resources are those of the registered situation, so the
reste-à-vivre falls exactly when the effort rate rises (about two households in three).
Lille's "up for 889, down for 1,098" is a measure taken after moving: the generator
reproduces it in the follow-ups (``FollowUpRecorded``, resources re-measured six to ten
months after moving), where a bit more than half see it fall.
"""

from __future__ import annotations

import heapq
import random
import statistics
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from relogement.events import household as household_facts
from relogement.events import proposal as proposal_facts
from relogement.platform.application import Actor, RelocationApp
from relogement.platform.indicators import HousingCost
from relogement.platform.values import Dwelling, PersonalData, Situation, Wishes

DEFAULT_START = date(2023, 9, 4)  # a Monday; the history runs three years from there
DEFAULT_HOUSEHOLDS = 6000
SMALL_HOUSEHOLDS = 200

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


class ProgrammeClock:
    """The generator's clock: the application reads it, the simulation moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


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


# -- dealing from decks: exact shares on small samples -------------------------------
class _Deck:
    """A shuffled deck of categories in the target proportions (per 100 cards).

    ``draw(allowed)``: a card that is not allowed for this household is kept aside and
    dealt to the next household that can take it, so infeasible cases (a T6 cannot move
    into a larger dwelling) do not pull the share away from its target.
    """

    def __init__(self, rng: random.Random, weights: dict[Any, int]) -> None:
        self.rng = rng
        self.weights = weights
        self.cards: list[Any] = []
        self.aside: list[Any] = []

    def _refill(self) -> None:
        self.cards = [k for k, n in self.weights.items() for _ in range(n)]
        self.rng.shuffle(self.cards)

    def draw(self, allowed: Callable[[Any], bool] = lambda _: True) -> Any:
        for i, card in enumerate(self.aside):
            if allowed(card):
                return self.aside.pop(i)
        for _ in range(len(self.weights) * 100):
            if not self.cards:
                self._refill()
            card = self.cards.pop()
            if allowed(card):
                return card
            self.aside.append(card)
        raise ValueError("no allowed card")


def _flag_deck(rng: random.Random, percent: int) -> _Deck:
    return _Deck(rng, {True: percent, False: 100 - percent})


# -- plans ---------------------------------------------------------------------------
@dataclass
class _Step:
    """One proposal in a household's story."""

    outcome: str  # refus | opposition | caleol_refus | retrait | bail | attente (parallel)
    objection: str | None = None  # leve | arbitrage_leve | arbitrage_maintenu
    motive: str = ""
    ajournement: bool = False
    final: dict | None = None  # the planned destination of the signed lease
    pre_visit: bool = False
    parallel: bool = False


@dataclass
class _Household:
    index: int
    reference: str
    bailleur: str
    officer: str  # org code following the household: its bailleur or the MOUS
    officer_user: str
    origin: tuple
    operation: str
    situation: Situation
    te_before: float
    size: int
    home_address: str
    steps: list[_Step] = field(default_factory=list)
    departure: str | None = None
    wishes: Wishes | None = None
    id: UUID | None = None
    proposals: int = 0
    relocated: bool = False


@dataclass
class DemoSummary:
    households: int
    seed: int
    start: date
    end: date
    events: int
    seconds: float
    project_id: UUID
    orgs: dict[str, UUID]
    actions: Counter

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


class _Generator:
    def __init__(
        self, app: RelocationApp, clock: ProgrammeClock, households: int, seed: int,
        start: date, years: int, progress: Callable[[str], None] | None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.rng = random.Random(seed)
        self.n = households
        self.seed = seed
        self.start = datetime(start.year, start.month, start.day, 8, 0, tzinfo=UTC)
        self.end = self.start + timedelta(days=365 * years)
        self.progress = progress
        self.queue: list[tuple[datetime, int, Callable, tuple]] = []
        self.seq = 0
        self.orgs: dict[str, UUID] = {}
        self.actions: Counter = Counter()
        self.pool: list[dict] = []  # released or spare offers that can be proposed again
        self.refusers: dict[UUID, set[int]] = {}  # offer → households that turned it down
        self.offer_seq = 0
        rng = self.rng
        self.decks = {
            "hors_qpv": _flag_deck(rng, TARGETS["hors_qpv"]),
            "inter": _flag_deck(rng, TARGETS["inter_bailleur"]),
            "neuf": _flag_deck(rng, TARGETS["neuf_moins_5_ans"]),
            "larger": _flag_deck(rng, TARGETS["larger"]),
            "individual": _flag_deck(rng, TARGETS["individual_house"]),
            "effort_up": _flag_deck(rng, TARGETS["effort_up"]),
            "te_band": _Deck(rng, {"15-20": TARGETS["effort_before_15_20"], "10-15": 16, "20-27": 14}),
            "rav_down": _flag_deck(rng, TARGETS["rav_down_follow_up"]),
            "financing": _Deck(rng, {"PLAI": 28, "PLUS": 62, "PLS": 10}),
        }

    # -- simulation plumbing ---------------------------------------------------------
    def at(self, when: datetime, action: Callable, *args: Any) -> None:
        if when >= self.end:
            return  # after the end of the history: still in progress
        self.seq += 1
        heapq.heappush(self.queue, (when, self.seq, action, args))

    def office(self, when: datetime) -> datetime:
        """The next office-hours instant (Monday–Friday, 8:00–17:00 UTC) at or after ``when``."""
        if when.hour < 8:
            when = when.replace(hour=8, minute=self.rng.randrange(0, 60))
        elif when.hour >= 17:
            when = (when + timedelta(days=1)).replace(hour=8, minute=self.rng.randrange(0, 60))
        while when.weekday() >= 5:
            when = (when + timedelta(days=1)).replace(hour=8, minute=self.rng.randrange(0, 60))
        return when

    def later(self, days_lo: float, days_hi: float) -> datetime:
        return self.office(self.clock.now + timedelta(days=self.rng.uniform(days_lo, days_hi)))

    def actor(self, code: str, user: str | None = None) -> Actor:
        return Actor(user or f"{self.rng.choice(STAFF)}@{code.lower()}", self.orgs[code])

    def run(self) -> None:
        done = 0
        while self.queue:
            when, _, action, args = heapq.heappop(self.queue)
            self.clock.now = when
            action(*args)
            self.actions[action.__name__] += 1
            done += 1
            if self.progress and done % 5000 == 0:
                self.progress(f"{when:%Y-%m-%d} : {done} actions")

    # -- set-up ----------------------------------------------------------------------
    def setup(self) -> None:
        app = self.app
        for code, name, kind in PARTNERS:
            self.orgs[code] = app.register_organisation(name, kind, code, by_user="admin")
        for code, name, _, _ in BAILLEURS:
            self.orgs[code] = app.register_organisation(name, "bailleur", code, by_user="admin")
        quartiers = [
            {"code": c, "name": n, "commune": m, "qpv": q} for c, n, m, q, *_ in ORIGINS
        ] + [{"code": c, "name": n, "commune": m, "qpv": q} for c, n, m, q, _ in DESTINATIONS]
        self.operations: dict[str, list[dict]] = {}
        residences = list(RESIDENCES)
        self.rng.shuffle(residences)
        operations = []
        for i, (code, _, _, _, _, weight, _) in enumerate(ORIGINS):
            ops = []
            for j in range(1 if weight < 5 else 2):
                kind = "demolition" if j == 0 or self.rng.random() < 0.6 else "restructuration"
                label = "Démolition" if kind == "demolition" else "Restructuration lourde"
                residence = residences[(2 * i + j) % len(residences)]
                ops.append({"code": f"{code}-{kind[:3].upper()}{j + 1}",
                            "name": f"{label} {residence}", "kind": kind, "quartier": code})
            self.operations[code] = ops
            operations += ops
        mel = self.actor("MEL", "chef.projet@mel")
        self.project_id = app.create_project(
            "NPNRU Métropole Européenne de Lille (démo)", "MEL", quartiers, operations, mel
        )
        for code, _, kind in PARTNERS:
            if code != "MEL" and kind != "audit":  # auditors read, they are not partners
                app.add_partner(self.project_id, self.orgs[code], mel)
        for code, *_ in BAILLEURS:
            app.add_partner(self.project_id, self.orgs[code], mel)

    # -- planning ----------------------------------------------------------------------
    def plan(self) -> None:
        rng = self.rng
        weights = [o[5] for o in ORIGINS]
        horizon = (self.end - self.start).total_seconds()
        # Operations start over the first 30 months; their households register over
        # the following months, so the last ones are still in progress at the end.
        op_start = {
            op["code"]: rng.uniform(0, 0.84) * horizon
            for ops in self.operations.values() for op in ops
        }
        for index in range(self.n):
            origin = rng.choices(ORIGINS, weights)[0]
            operation = rng.choice(self.operations[origin[0]])
            bailleur = rng.choice(origin[6])
            officer = "MOUS" if rng.random() < 0.22 else bailleur
            household = self.plan_household(index, origin, operation["code"], bailleur, officer)
            # Every planned household registers, at the latest a few weeks before the end.
            offset = min(op_start[operation["code"]] + rng.uniform(0, 0.2) * horizon, 0.97 * horizon)
            self.at(self.office(self.start + timedelta(seconds=offset)), self.register, household)
        # Offers published but never proposed to a relocated household (let through the
        # ordinary channel, or still available at the end).
        for _ in range(self.n // 6):
            when = self.office(self.start + timedelta(seconds=rng.uniform(0, 0.95) * horizon))
            self.at(when, self.publish_spare)

    def plan_household(
        self, index: int, origin: tuple, operation: str, bailleur: str, officer: str
    ) -> _Household:
        rng = self.rng
        ages = _composition(rng)
        size = len(ages)
        need = _needed_rooms(ages)
        rooms = max(1, min(6, need + rng.choices([-1, 0, 1, 2], [18, 50, 24, 8])[0]))
        typology = f"T{rooms}"
        surface = rng.randint(*SURFACES[typology])
        rent = round(surface * rng.uniform(4.9, 6.0) * 100)
        charges = rng.randint(*CHARGES[typology]) * 100 + rng.randrange(100)
        annex = rng.randint(15, 30) * 100 if rng.random() < 0.1 else 0
        quartile = rng.choices([1, 2, 3, 4], [55, 25, 15, 5])[0]
        apl_share = {1: (0.45, 0.68), 2: (0.30, 0.48), 3: (0.10, 0.30), 4: (0.0, 0.08)}[quartile]
        cost = rent + charges + annex
        apl = round(cost * rng.uniform(*apl_share))
        band = self.decks["te_band"].draw()
        lo, hi = {"15-20": (15.0, 20.0), "10-15": (10.0, 15.0), "20-27": (20.0, 27.0)}[band]
        te = rng.uniform(lo + 0.05, hi - 0.05)
        resources = round((cost - apl) * 100 / te)
        commune = origin[2]
        # The home address is identity: it goes in the sealed personal part only.
        home_address = f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {POSTCODES[commune]} {commune}"
        dwelling = Dwelling(
            typology, Decimal(surface), rent, charges, annex_rent_cents=annex, commune=commune,
            financing="PLUS", construction_year=rng.randint(1956, 1976),
            floor=rng.randint(0, 12), lift=rng.random() < 0.5,
        )
        situation = Situation(ages, resources, apl, dwelling, income_quartile=quartile)
        household = _Household(
            index=index, reference=f"MEL-{index + 1:05d}", bailleur=bailleur, officer=officer,
            officer_user=f"{rng.choice(STAFF)}@{officer.lower()}", origin=origin,
            operation=operation, situation=situation, te_before=te, size=size,
            home_address=home_address,
        )
        # The story: refused offers first, then a departure or the offer signed for.
        intermediates = rng.choices([0, 1, 2, 3, 4], [55, 27, 12, 4.5, 1.5])[0]
        for _ in range(intermediates):
            outcome = rng.choices(["refus", "caleol_refus", "opposition", "retrait"], [90, 4, 2.5, 3.5])[0]
            step = _Step(outcome=outcome)
            if outcome == "refus":
                step.motive = rng.choices(list(REFUSAL_WEIGHTS), list(REFUSAL_WEIGHTS.values()))[0]
            if outcome == "opposition":
                step.objection = "arbitrage_maintenu"
            elif rng.random() < 0.02:
                step.objection = "leve"
            household.steps.append(step)
        if rng.random() < 0.07:
            household.departure = rng.choice(DEPARTURE_REASONS)
            return household
        # The destination is dealt when the search for it starts (``next_step``): only
        # households that get that far take cards from the decks.
        step = _Step(outcome="bail", ajournement=rng.random() < 0.05,
                     pre_visit=rng.random() < 0.12)
        if rng.random() < 0.025:
            step.objection = rng.choices(["leve", "arbitrage_leve"], [65, 35])[0]
        household.steps.append(step)
        return household

    def plan_final(self, household: _Household) -> dict:
        rng, decks = self.rng, self.decks
        rooms = int(household.situation.dwelling.typology[1])
        need = _needed_rooms(list(household.situation.ages))
        wished = household.wishes.communes if household.wishes else ()
        larger = decks["larger"].draw(lambda v: not v or rooms < 6)
        if larger:
            to_rooms = min(6, rooms + (2 if need > rooms + 1 else 1))
        else:
            to_rooms = rooms - 1 if rooms > max(1, need) and rng.random() < 0.45 else rooms
        origin = household.origin
        hors_qpv = decks["hors_qpv"].draw()
        if hors_qpv:
            choices = [d for d in DESTINATIONS if not d[3]]
            if not origin[3]:
                choices.append(origin[:5])
        else:
            choices = [o[:5] for o in ORIGINS if o[3]] + [d for d in DESTINATIONS if d[3]]
        weights = [
            (30 if c[0] == origin[0] else 0) + (6 if c[2] == origin[2] else 0)
            + (3 if c[4] == origin[4] else 0) + (8 if c[2] in wished else 0) + 1
            for c in choices
        ]
        destination = rng.choices(choices, weights)[0]
        inter = decks["inter"].draw()
        if inter:
            others = [b for b in BAILLEURS if b[0] != household.bailleur]
            bailleur = rng.choices(others, [b[2] for b in others])[0][0]
        else:
            bailleur = household.bailleur
        effort_up = decks["effort_up"].draw()
        delta = (min(4.5, max(0.4, rng.gauss(2.25, 0.55))) if effort_up
                 else -rng.uniform(0.3, 3.5))
        return {
            "rooms": to_rooms, "destination": destination, "bailleur": bailleur,
            "neuf": decks["neuf"].draw(), "individual": decks["individual"].draw(),
            "financing": decks["financing"].draw(), "te_delta": delta,
        }

    # -- dwellings -------------------------------------------------------------------
    def dwelling(
        self, rooms: int, destination: tuple, neuf: bool, individual: bool, financing: str,
        needs_lift: bool = False,
    ) -> Dwelling:
        rng = self.rng
        year = self.clock.now.year
        typology = f"T{rooms}"
        lo, hi = SURFACES[typology]
        surface = rng.randint(lo, hi) + (rng.randint(3, 10) if individual else 0)
        if neuf:
            # Delivered at most three years ago: still under five years at the lease.
            built = year - rng.choice([0, 1, 1, 2, 2, 3])
            age_factor = 1.08
        else:
            built = rng.choice([rng.randint(1958, 1985), rng.randint(1986, 2010),
                                rng.randint(2011, max(2011, year - 6))])
            age_factor = 0.88 if built < 1986 else 0.95 if built < 2011 else 1.0
        rent_m2 = RENT_M2[financing] * age_factor * (1.05 if individual else 1.0)
        rent = round(surface * rent_m2 * rng.uniform(0.95, 1.06) * 100)
        c_lo, c_hi = CHARGES[typology]
        charges = round(rng.randint(c_lo, c_hi) * (0.7 if individual else 1.0) * (0.9 if neuf else 1.0)) * 100
        annex = rng.randint(25, 45) * 100 if (neuf or individual) and rng.random() < 0.3 else 0
        floor = 0 if individual else rng.choice([0, 0, 1, 1, 2, 3, 4, 5, 6, 8])
        if needs_lift and floor > 1:
            floor = rng.choice([0, 1])
        commune = destination[2]
        street = rng.choice(STREETS)
        address = f"{rng.randint(1, 220)} {street}, {POSTCODES[commune]} {commune}"
        if not individual:
            address = f"Bât. {rng.choice('ABCDEF')}, appt {rng.randint(1, 12)}{rng.randint(0, 9)} – " + address
        return Dwelling(
            typology, Decimal(surface), rent, charges, annex_rent_cents=annex,
            quartier=destination[0], qpv=destination[3], commune=commune, address=address,
            financing=financing, construction_year=built, individual=individual,
            floor=floor, lift=(not individual and (neuf or floor >= 3)),
            accessible=neuf or (individual and rng.random() < 0.2),
        )

    def random_dwelling(self, household: _Household | None) -> Dwelling:
        """An offer that the household will not sign for (refused, blocked...)."""
        rng = self.rng
        if household is None:
            rooms = rng.choices([1, 2, 3, 4, 5, 6], [6, 22, 34, 25, 10, 3])[0]
        else:
            need = _needed_rooms(list(household.situation.ages))
            rooms = max(1, min(6, need + rng.choice([-1, 0, 0, 1])))
        origin = household.origin if household else rng.choice(ORIGINS)
        places = [o[:5] for o in ORIGINS] + list(DESTINATIONS)
        weights = [(4 if p[4] == origin[4] else 1) for p in places]
        destination = rng.choices(places, weights)[0]
        return self.dwelling(
            rooms, destination, neuf=rng.random() < 0.3, individual=rng.random() < 0.2,
            financing=self.decks["financing"].draw(),
        )

    def publish(self, bailleur: str, dwelling: Dwelling) -> UUID:
        self.offer_seq += 1
        reservataire = self.rng.choices(
            ["", "État", "Action Logement", "Ville"], [45, 25, 20, 10]
        )[0]
        return self.app.publish_offer(
            self.project_id, dwelling, self.actor(bailleur), reservataire=reservataire,
            reference=f"{bailleur}-{self.clock.now.year}-{self.offer_seq:05d}",
        )

    # -- actions (each runs at the clock's instant) ---------------------------------------
    def register(self, h: _Household) -> None:
        rng = self.rng
        personal = _personal(rng, h, self.clock.now.date())
        communes = [h.origin[2]]
        nearby = sorted({d[2] for d in DESTINATIONS if d[4] == h.origin[4]} - {h.origin[2]})
        if nearby and rng.random() < 0.7:
            communes.append(rng.choice(nearby))
        if rng.random() < 0.4:
            communes.append(rng.choice(list(POSTCODES)))
        need = _needed_rooms(list(h.situation.ages))
        wishes = Wishes(
            communes=tuple(dict.fromkeys(communes)),
            typologies=tuple(f"T{r}" for r in range(max(1, need - 1), min(6, need + 1) + 1)),
            individual=True if rng.random() < 0.25 else None,
            max_floor=2 if h.situation.ages[0] >= 70 else None,
            needs_lift=h.situation.ages[0] >= 70,
            right_to_return=rng.random() < 0.12,
        )
        h.wishes = wishes
        officer_org = self.orgs[h.officer]
        h.id = self.app.register_household(
            self.project_id, h.operation, self.orgs[h.bailleur], h.situation, personal,
            Actor(h.officer_user, officer_org), wishes=wishes, reference=h.reference,
            officer_org=officer_org,
        )
        self.at(self.later(45, 200), self.next_step, h)  # diagnosis, then search

    def next_step(self, h: _Household) -> None:
        if not h.steps:
            if h.departure:
                self.app.record_departure(h.id, h.departure, self.follower(h))
            return
        step = h.steps.pop(0)
        if step.outcome == "bail":
            step.final = self.plan_final(h)
        if step.final is None:
            entry = self.reusable_offer(h) if self.rng.random() < 0.4 else None
            if entry is not None:
                self.at(self.later(0.1, 3), self.propose, h, step, entry["id"], entry["bailleur"])
                return
            bailleur = self.rng.choices(BAILLEURS, [b[2] for b in BAILLEURS])[0][0]
            offer_id = self.publish(bailleur, self.random_dwelling(h))
        else:
            final = step.final
            bailleur = final["bailleur"]
            offer_id = self.publish(bailleur, self.dwelling(
                final["rooms"], final["destination"], final["neuf"], final["individual"],
                final["financing"], needs_lift=h.situation.ages[0] >= 70,
            ))
            if step.pre_visit:  # visit before the written proposal
                self.at(self.later(1, 6), self.visit, h, offer_id, None, "Visite avant proposition : ménage intéressé")
            if self.rng.random() < 0.05:  # several offers at once: a second, parallel one
                spare = self.rng.choices(BAILLEURS, [b[2] for b in BAILLEURS])[0][0]
                other = self.publish(spare, self.random_dwelling(h))
                self.at(self.later(7, 9), self.propose, h, _Step(outcome="attente", parallel=True), other, spare)
        self.at(self.later(7, 20), self.propose, h, step, offer_id, bailleur)

    def reusable_offer(self, h: _Household) -> dict | None:
        for i, entry in enumerate(self.pool):
            if h.index not in self.refusers.get(entry["id"], ()):
                return self.pool.pop(i)
        return None

    def follower(self, h: _Household) -> Actor:
        return Actor(h.officer_user, self.orgs[h.officer])

    def propose(self, h: _Household, step: _Step, offer_id: UUID, bailleur: str) -> None:
        if h.relocated:
            return
        rng = self.rng
        offer = self.app.offer(offer_id)
        dwelling = Dwelling.from_dict(offer.dwelling)
        cost = dwelling.rent_cents + dwelling.charges_cents + dwelling.annex_rent_cents
        if step.final is not None:
            delta = step.final["te_delta"]
        else:
            delta = rng.gauss(2.5, 3.0)
        apl = _apl_after(cost, h.situation.resources_cents, h.te_before + delta)
        proposal_id = self.app.make_proposal(h.id, offer_id, apl, self.follower(h))
        h.proposals += 1
        proposed_at = self.clock.now
        deadline = proposed_at + timedelta(hours=48)
        # The scheduler closes due windows every quarter of an hour or so.
        self.at(deadline + timedelta(minutes=rng.randint(1, 20)), self.close_window, proposal_id)
        if step.parallel:
            return  # left pending: ends when the household signs elsewhere
        resolved = proposed_at
        if step.objection:
            raised = proposed_at + timedelta(hours=rng.uniform(2, 40))
            resolved = self.office(proposed_at + timedelta(days=rng.uniform(3, 10)))
            self.at(raised, self.object, h, step, proposal_id, dwelling.commune, resolved)
        visit_on = self.later(2, 8)
        self.at(visit_on, self.visit, h, offer_id, proposal_id, rng.choice([
            "Logement visité avec la chargée de relogement", "Visite effectuée, ménage intéressé",
            "Visite effectuée en présence d'un proche", "Première visite reportée, visite faite",
        ]))
        if step.outcome == "opposition":
            return  # the arbitration ends this proposal and schedules the next one
        answer = max(visit_on + timedelta(days=rng.uniform(1, 8)),
                     resolved + timedelta(hours=rng.uniform(4, 48)))
        self.at(self.office(answer), self.answer, h, step, proposal_id, offer_id, apl, bailleur)

    def close_window(self, proposal_id: UUID) -> None:
        self.app.close_objection_window(proposal_id)

    def object(self, h: _Household, step: _Step, proposal_id: UUID, commune: str,
               resolved: datetime) -> None:
        rng = self.rng
        arbitrated = step.objection != "leve"
        kinds = ["reservataire", "departement"] + ([] if arbitrated else ["epci"])
        city = CITY_PARTNERS.get(commune)
        if city:
            kinds.append("ville")
        kind = rng.choice(kinds)
        code = {"ville": city, "departement": "DEP59", "epci": "MEL"}.get(kind) or rng.choice(["ETAT", "AL"])
        if self.orgs[code] == self.orgs[h.officer]:
            code = "DEP59"
        author = self.actor(code)
        objection_id = self.app.raise_objection(proposal_id, OBJECTION_MOTIVES[kind], author)
        self.at(resolved, self.resolve, h, step, proposal_id, objection_id, author)

    def resolve(self, h: _Household, step: _Step, proposal_id: UUID, objection_id: UUID,
                author: Actor) -> None:
        if step.objection == "leve":
            self.app.lift_objection(proposal_id, objection_id,
                                    "Levée après échange en commission inter-bailleurs", author)
            return
        pilot = self.actor("MEL", "chef.projet@mel")
        if step.objection == "arbitrage_leve":
            self.app.arbitrate_objection(
                proposal_id, objection_id, "levee",
                "Arbitrage du pilote : relogement conforme aux orientations de la CIA", pilot)
        else:
            self.app.arbitrate_objection(
                proposal_id, objection_id, "maintenue",
                "Arbitrage du pilote : opposition maintenue, autre proposition à rechercher", pilot)
            self.at(self.later(14, 45), self.next_step, h)

    def visit(self, h: _Household, offer_id: UUID, proposal_id: UUID | None, outcome: str) -> None:
        if h.relocated:
            return
        self.app.record_visit(h.id, offer_id, self.clock.now.date(), outcome, self.follower(h),
                              proposal_id=proposal_id)

    def answer(self, h: _Household, step: _Step, proposal_id: UUID, offer_id: UUID, apl: int,
               bailleur: str) -> None:
        app, rng = self.app, self.rng
        if step.outcome == "refus":
            motive = step.motive
            app.refuse_proposal(proposal_id, motive, rng.choice(REFUSAL_TEXTS[motive]), self.follower(h))
            self.release(h, offer_id, bailleur)
            self.at(self.later(25, 90), self.next_step, h)
        elif step.outcome == "retrait":
            app.withdraw_proposal(proposal_id, rng.choice([
                "Logement finalement non disponible (travaux de remise en état)",
                "Ménage hospitalisé : proposition retirée, à reprendre plus tard",
            ]), self.follower(h))
            self.release(h, offer_id, bailleur)
            self.at(self.later(20, 60), self.next_step, h)
        else:
            app.accept_proposal(proposal_id, self.clock.now.date(), self.follower(h))
            self.at(self.caleol_session(bailleur), self.caleol, h, step, proposal_id, offer_id, apl, bailleur)

    def caleol_session(self, bailleur: str, days_ahead: int = 1) -> datetime:
        """The bailleur's next weekly CALEOL (14:00 UTC on its day), ``days_ahead`` at least."""
        weekday = next(b[3] for b in BAILLEURS if b[0] == bailleur)
        day = self.clock.now + timedelta(days=days_ahead)
        while day.weekday() != weekday:
            day += timedelta(days=1)
        return day.replace(hour=14, minute=0, second=0, microsecond=0)

    def caleol(self, h: _Household, step: _Step, proposal_id: UUID, offer_id: UUID, apl: int,
               bailleur: str) -> None:
        app = self.app
        secretary = self.actor(bailleur, f"secretariat.caleol@{bailleur.lower()}")
        today = self.clock.now.date()
        if step.ajournement:
            step.ajournement = False
            app.decide_caleol(proposal_id, "ajournement", today,
                              "Pièces justificatives manquantes (avis d'imposition)", secretary)
            self.at(self.caleol_session(bailleur, days_ahead=8), self.caleol, h, step, proposal_id,
                    offer_id, apl, bailleur)
        elif step.outcome == "caleol_refus":
            app.decide_caleol(proposal_id, "refus", today,
                              "Adéquation ressources / loyer insuffisante au regard du taux d'effort",
                              secretary)
            self.release(h, offer_id, bailleur)
            self.at(self.later(20, 60), self.next_step, h)
        else:
            app.decide_caleol(proposal_id, "attribution", today, "Attribution au titre du relogement ANRU",
                              secretary)
            self.at(self.later(7, 25), self.lease, h, step, proposal_id, apl, bailleur)

    def lease(self, h: _Household, step: _Step, proposal_id: UUID, apl: int, bailleur: str) -> None:
        proposal = self.app.proposal(proposal_id)
        after = proposal.indicators["after"]["inputs"]
        signed = self.clock.now.date()
        move_in = signed + timedelta(days=self.rng.randint(0, 15))
        self.app.sign_lease(
            proposal_id, after["rent_cents"], after["charges_cents"], apl, signed, move_in,
            self.actor(bailleur), annex_rent_cents=after["annex_rent_cents"],
        )
        h.relocated = True
        if self.rng.random() < 0.9:
            when = datetime(move_in.year, move_in.month, move_in.day, 9, tzinfo=UTC)
            self.at(self.office(when + timedelta(days=self.rng.uniform(180, 300))),
                    self.follow_up, h, step, after)

    def follow_up(self, h: _Household, step: _Step, after: dict) -> None:
        rng = self.rng
        s = h.situation
        rac_before = s.dwelling.rent_cents + s.dwelling.annex_rent_cents + s.dwelling.charges_cents - s.apl_cents
        charges = after["charges_cents"] + rng.randint(-5, 12) * 100  # regularised charges
        cost = HousingCost(after["rent_cents"], after["annex_rent_cents"], charges, after["apl_cents"])
        rac = cost.rent_cents + cost.annex_rent_cents + cost.charges_cents - cost.apl_cents
        # Re-measured resources chosen so the reste-à-vivre evolution has the planned sign.
        # Dealt here rather than at planning: only households measured take a card.
        change = rng.uniform(0.15, 1.6) * (-1 if self.decks["rav_down"].draw() else 1)
        resources = (s.resources_cents - rac_before) + rac + round(change * len(s.ages) * 30 * 100)
        resources = max(resources, rac + len(s.ages) * 30 * 100)
        self.app.record_follow_up(h.id, self.clock.now.date(), resources, cost, self.follower(h))

    # -- offers' lives ---------------------------------------------------------------
    def release(self, h: _Household, offer_id: UUID, bailleur: str) -> None:
        self.refusers.setdefault(offer_id, set()).add(h.index)
        entry = {"id": offer_id, "bailleur": bailleur}
        if self.rng.random() < 0.5:
            self.pool.append(entry)
        self.at(self.later(14, 70), self.retire_offer, entry)

    def publish_spare(self) -> None:
        bailleur = self.rng.choices(BAILLEURS, [b[2] for b in BAILLEURS])[0][0]
        offer_id = self.publish(bailleur, self.random_dwelling(None))
        entry = {"id": offer_id, "bailleur": bailleur}
        self.pool.append(entry)
        if self.rng.random() < 0.75:
            self.at(self.later(20, 90), self.retire_offer, entry)

    def retire_offer(self, entry: dict) -> None:
        """Let through the ordinary channel if no relocated household took it meanwhile."""
        index = next((i for i, e in enumerate(self.pool) if e is entry), None)
        if index is not None:
            del self.pool[index]
            self.app.withdraw_offer(entry["id"], self.rng.choice([
                "Attribué hors relogement (CALEOL de droit commun)",
                "Logement retiré pour travaux", "Attribué sur le contingent du réservataire",
            ]), self.actor(entry["bailleur"]))


# -- households: composition and personal data -------------------------------------------
def _composition(rng: random.Random) -> tuple[int, ...]:
    kind = rng.choices(
        ["isole_age", "isole", "couple_age", "couple", "mono", "couple_enfants", "elargie"],
        [18, 14, 8, 8, 24, 24, 4],
    )[0]
    if kind == "isole_age":
        return (rng.randint(62, 90),)
    if kind == "isole":
        return (rng.randint(20, 61),)
    if kind == "couple_age":
        a = rng.randint(60, 86)
        return (a, max(55, a + rng.randint(-6, 4)))
    if kind == "couple":
        a = rng.randint(21, 59)
        return (a, max(19, a + rng.randint(-6, 6)))
    adult = rng.randint(24, 54)
    adults = [adult] if kind == "mono" else [adult, max(20, adult + rng.randint(-5, 5))]
    if kind == "elargie":
        adults.append(rng.randint(65, 85))
    count = rng.choices([1, 2, 3, 4, 5], [30, 34, 22, 10, 4])[0] + (1 if kind == "elargie" else 0)
    children = [rng.randint(0, min(24, adult - 17)) for _ in range(count)]
    return tuple(adults + sorted(children, reverse=True))


def _needed_rooms(ages: list[int]) -> int:
    """Typology suited to the composition (a couple shares a room, two children share)."""
    adults = sum(1 for a in ages if a >= 18)
    children = len(ages) - adults
    bedrooms = (1 if adults else 0) + max(0, adults - 2) + (children + 1) // 2
    return max(1, min(6, bedrooms + 1 if len(ages) > 1 else 1 + (1 if ages[0] >= 60 else 0)))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _personal(rng: random.Random, h: _Household, today: date) -> PersonalData:
    surname = rng.choice(SURNAMES)
    ages = h.situation.ages
    female = rng.random() < (0.85 if len(ages) > 1 and sum(a >= 18 for a in ages) == 1 else 0.55)
    first = rng.choice(FEMALE if female else MALE)
    if len(ages) > 1:
        name = f"Famille {surname} ({'Mme' if female else 'M.'} {first} {surname})"
    else:
        name = f"{'Mme' if female else 'M.'} {first} {surname}"
    birth_dates = tuple(
        (today - timedelta(days=365 * age + rng.randint(1, 364))).isoformat() for age in ages
    )
    # Fiction ranges reserved by ARCEP (03 53 01…, 06 39 98…) and the example.fr domain.
    phone = rng.choice(["06 39 98", "03 53 01"]) + f" {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
    return PersonalData(
        name=name, phone=phone, email=f"{_ascii(first)}.{_ascii(surname)}@example.fr",
        address=h.home_address, birth_dates=birth_dates,
        notes=rng.choice(NOTES), constraints=rng.choice(CONSTRAINTS),
    )


def _apl_after(cost_cents: int, resources_cents: int, te_percent: float) -> int:
    """The APL that gives the planned effort rate, within what an APL can be."""
    rac = round(resources_cents * te_percent / 100)
    return max(0, min(cost_cents - rac, round(cost_cents * 0.9)))


# -- entry points -------------------------------------------------------------------------
def generate(
    app: RelocationApp,
    clock: ProgrammeClock,
    households: int = DEFAULT_HOUSEHOLDS,
    seed: int = 1,
    start: date = DEFAULT_START,
    years: int = 3,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Write a whole programme into an empty store; ``app`` must read ``clock``."""
    if app.clock is not clock:
        raise ValueError("the application must be built with the generator's clock")
    if households < 1:
        raise ValueError("households must be positive")
    began = time.perf_counter()
    first = app.recorder.max_notification_id() or 0
    generator = _Generator(app, clock, households, seed, start, years, progress)
    clock.now = generator.start
    generator.setup()
    generator.plan()
    generator.run()
    clock.now = generator.end
    return DemoSummary(
        households=households, seed=seed, start=start, end=generator.end.date(),
        events=(app.recorder.max_notification_id() or 0) - first,
        seconds=time.perf_counter() - began, project_id=generator.project_id,
        orgs=dict(generator.orgs), actions=generator.actions,
    )


# The generator is the store's only writer while it runs: the library's aggregate cache
# (fast-forwarded from the store on each read) saves replaying the project and households
# at every command, and the audit hash chain is extended once at the end rather than
# after every save (RELOGEMENT_AUDIT_SEAL, platform/application.py).
BULK_ENV = {"AGGREGATE_CACHE_MAXSIZE": "20000", "RELOGEMENT_AUDIT_SEAL": "0"}


def load(
    database: str | None,
    households: int = SMALL_HOUSEHOLDS,
    seed: int = 1,
    start: date = DEFAULT_START,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Generate a programme into ``database`` (must hold no event)."""
    clock = ProgrammeClock(datetime(start.year, start.month, start.day, 8, tzinfo=UTC))
    app = RelocationApp(database, clock=clock, env=BULK_ENV)
    try:
        if app.recorder.max_notification_id():
            raise ValueError("the database already holds events")
        summary = generate(app, clock, households, seed, start, progress=progress)
        app.audit_chain.extend()  # sealing was deferred during the bulk load (BULK_ENV)
        return summary
    finally:
        app.close()


def default_start(today: date | None = None) -> date:
    """The Monday three years (and a day) before ``today``: the history ends just before now."""
    today = today or date.today()
    day = today - timedelta(days=3 * 365 + 1)
    return day - timedelta(days=day.weekday())


# -- figures from the stored events ---------------------------------------------------------
def iter_events(app: RelocationApp, page: int = 2000):
    """Every stored fact, in notification order."""
    start = 1
    while True:
        notifications = list(app.notification_log.select(start=start, limit=page))
        if not notifications:
            return
        for notification in notifications:
            yield app.mapper.to_domain_event(notification)
        start = notifications[-1].id + 1


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def programme_figures(app: RelocationApp) -> dict:
    """The programme's headline figures, computed from the stored facts.

    A stand-in for the projections' dashboard, used by the band test and the CLI.
    Lease figures come from ``LeaseSigned.indicators``; the reste-à-vivre up/down counts
    from each household's latest ``FollowUpRecorded`` (resources re-measured after moving).
    """
    types: Counter = Counter()
    leases: list[dict] = []
    follow_ups: dict[UUID, dict] = {}
    objected: set[UUID] = set()
    refusals: Counter = Counter()
    caleol: Counter = Counter()
    households = 0
    for event in iter_events(app):
        types[type(event).__name__] += 1
        if isinstance(event, household_facts.HouseholdRegistered):
            households += 1
        elif isinstance(event, proposal_facts.LeaseSigned):
            leases.append(event.indicators)
        elif isinstance(event, household_facts.FollowUpRecorded):
            follow_ups[event.originator_id] = event.indicators
        elif isinstance(event, proposal_facts.ObjectionRaised):
            objected.add(event.originator_id)
        elif isinstance(event, proposal_facts.ProposalRefused):
            refusals[event.motive_code] += 1
        elif isinstance(event, proposal_facts.CaleolDecided):
            caleol[event.decision] += 1
    n = len(leases)

    def share(flag: str) -> float | None:
        return _pct(sum(1 for x in leases if x["flags"][flag]), n)

    te_before = [float(x["before"]["taux_effort"]) for x in leases]
    te_delta = [float(x["evolution"]["taux_effort_points"]) for x in leases]
    ups = [d for d in te_delta if d > 0]
    rav_lease = [float(x["evolution"]["rav_person_day"]) for x in leases]
    rav_follow = [float(x["evolution"]["rav_person_day"]) for x in follow_ups.values()]
    relocated = types["HouseholdRelocated"]
    departed = types["HouseholdDeparted"]
    proposals = types["ProposalMade"]
    return {
        "events": sum(types.values()),
        "event_types": dict(sorted(types.items())),
        "households": households,
        "relocated": relocated,
        "departed": departed,
        "in_progress": households - relocated - departed,
        "relocated_pct": _pct(relocated, households),
        "proposals": proposals,
        "proposals_per_relocated": round(proposals / relocated, 2) if relocated else None,
        "objection_pct": _pct(len(objected), proposals),
        "refusals": dict(refusals.most_common()),
        "caleol": dict(caleol),
        "leases": n,
        "hors_qpv_pct": share("hors_qpv"),
        "inter_bailleur_pct": share("inter_bailleur"),
        "neuf_moins_5_ans_pct": share("neuf_moins_5_ans"),
        "larger_pct": share("larger"),
        "individual_house_pct": share("individual_house"),
        "effort_before_15_20_pct": _pct(sum(1 for t in te_before if 15 <= t <= 20), n),
        "effort_before_median": round(statistics.median(te_before), 2) if te_before else None,
        "effort_up_pct": _pct(len(ups), n),
        "effort_up_median_points": round(statistics.median(ups), 2) if ups else None,
        "rav_down_at_lease_pct": _pct(sum(1 for r in rav_lease if r < 0), n),
        "follow_ups": len(rav_follow),
        "rav_up_follow_up": sum(1 for r in rav_follow if r > 0),
        "rav_down_follow_up": sum(1 for r in rav_follow if r < 0),
        "rav_down_follow_up_pct": _pct(sum(1 for r in rav_follow if r < 0), len(rav_follow)),
    }
