"""Offers matched to a household ("logements adaptés") and households to an offer
("ménages correspondants"): the ranking, its rules and its French explanation.

Pure: profiles in, ranked matches out. One function, :func:`assess`, judges one
household in one offered dwelling; it both scores (the whole pool, cheaply) and, when
asked, writes each line of the explanation (the rows shown), so the rank and its
reasons cannot disagree.

- **Hard limits** (shown as reasons, the offer ranked after every offer without one):
  over-occupation by the housing-aid rule (``occupancy``, art. R822-25 CCH), the
  project's maximum effort rate, a wished maximum floor without a lift (and a lift
  needed), an accessibility need, a reservation that has ended.
- **Scored criteria**, each worth 0 up to its weight (per-project settings,
  ``matching_weights``; defaults in ``CRITERIA``): wished commune, typology,
  individual house, right to return (same quartier), no under-occupation (more rooms
  than persons + 1), effort rate and reste-à-vivre after the move, QPV → hors QPV, new
  or under 5 years, inter-bailleur; plus any criterion registered with
  :func:`register_criterion` (the hook for "équilibre de la résidence").
- The figures after the move are a proposal's: ``indicators.Measure`` of the offer's
  rent, annex rents, charges and an aid estimate (``aid_estimate``), and the flags of
  ``indicators.placement_flags``; comparisons are exact (integers and fractions).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from relogement.platform import indicators
from relogement.platform.aid_estimate import AidEstimate
from relogement.platform.occupancy import ARTICLE, minimum_surface_m2

# code → (French label, default weight in points)
CRITERIA: dict[str, tuple[str, int]] = {
    "commune": ("Commune souhaitée", 20),
    "typologie": ("Typologie souhaitée", 20),
    "individuel": ("Individuel / collectif souhaité", 10),
    "retour": ("Droit au retour (même quartier)", 15),
    "sous_occupation": ("Pas de sous-occupation", 10),
    "taux_effort": ("Taux d'effort après relogement", 15),
    "reste_a_vivre": ("Reste-à-vivre après relogement", 10),
    "hors_qpv": ("QPV → hors QPV (objectif ANRU)", 10),
    "neuf": ("Neuf ou moins de 5 ans (objectif ANRU)", 10),
    "inter_bailleur": ("Inter-bailleur", 5),
}
# A rise of the effort rate up to this many points earns half the criterion's points.
EFFORT_TOLERANCE_POINTS = 3
MAX_WEIGHT = 100

LIMIT_LABELS = {
    "sur_occupation": "Sur-occupation",
    "taux_effort_max": "Taux d'effort maximal du projet dépassé",
    "etage": "Étage au-delà du souhait, sans ascenseur",
    "ascenseur": "Ascenseur nécessaire",
    "accessibilite": "Logement non accessible",
    "reservation_echue": "Réservation au relogement échue",
}


@dataclass(frozen=True)
class ExtraCriterion:
    """A criterion added later (e.g. "équilibre de la résidence"). ``judge`` returns the
    share of the weight earned (0 to 1) and the French line explaining it."""

    code: str
    label: str
    default_weight: int
    judge: Callable[[HouseholdProfile, OfferProfile], tuple[Fraction, str]]
    # Optional, for ranking a whole pool at once (``matching_arrays``): ``judge(h, o)``
    # depends on the offer only through ``offer_group(o)``, on the household only through
    # ``household_group(h)``, and on both only through whether the household would be
    # over-occupied in the dwelling (the occupancy rule); each group is then judged once.
    offer_group: Callable[[OfferProfile], Hashable] | None = None
    household_group: Callable[[HouseholdProfile], Hashable] | None = None


EXTRA_CRITERIA: dict[str, ExtraCriterion] = {}


def register_criterion(criterion: ExtraCriterion) -> None:
    """Add a scored criterion to every ranking (its weight is then a project setting)."""
    if criterion.code in CRITERIA:
        raise ValueError(f"criterion {criterion.code!r} already exists")
    EXTRA_CRITERIA[criterion.code] = criterion


def criteria_labels() -> dict[str, str]:
    return {**{k: v[0] for k, v in CRITERIA.items()}, **{k: c.label for k, c in EXTRA_CRITERIA.items()}}


def default_weights() -> dict[str, int]:
    return {**{k: v[1] for k, v in CRITERIA.items()}, **{k: c.default_weight for k, c in EXTRA_CRITERIA.items()}}


def check_weights(weights: Mapping[str, object]) -> dict[str, int]:
    """Validated weight overrides (code → 0..100); raises ValueError with a French message."""
    known = default_weights()
    out: dict[str, int] = {}
    for code, value in weights.items():
        if code not in known:
            raise ValueError(f"Critère de classement inconnu « {code} ».")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            raise ValueError(f"Le poids du critère « {criteria_labels()[code]} » va de 0 à {MAX_WEIGHT}.")
        out[code] = value
    return out


@dataclass(frozen=True)
class MatchSettings:
    """What the project sets for the ranking, and the day it is computed for."""

    weights: Mapping[str, int]
    max_effort_rate: Decimal | None
    rav_convention: str  # "personne" or "uc"
    rav_threshold: Decimal
    today: date

    @classmethod
    def of_project(cls, settings: Mapping, today: date) -> MatchSettings:
        cap = settings.get("max_effort_rate")
        return cls(
            weights={**default_weights(), **(settings.get("matching_weights") or {})},
            max_effort_rate=None if cap in (None, "") else Decimal(str(cap)),
            rav_convention=settings.get("rav_convention", "personne"),
            rav_threshold=Decimal(str(settings.get("rav_threshold", "6.00"))),
            today=today,
        )

    @property
    def max_score(self) -> int:
        return sum(self.weights.values())


@dataclass(frozen=True)
class HouseholdProfile:
    """What the ranking needs of a household: situation, current dwelling, wishes."""

    id: str
    reference: str
    quartier: str
    bailleur: str
    ages: tuple[int, ...]
    resources_cents: int
    apl_cents: int
    rent_cents: int
    annex_rent_cents: int
    charges_cents: int
    typology: str
    surface_m2: Decimal
    qpv: bool
    commune: str
    wishes: Mapping = field(default_factory=dict)
    # For "équilibre de la résidence" (platform/residence_balance.py); None: not recorded.
    income_quartile: int | None = None
    adults_in_work: int | None = None
    plus_ceiling_cents_year: int | None = None

    @property
    def persons(self) -> int:
        return len(self.ages)

    def before(self) -> indicators.Measure:
        cost = indicators.HousingCost(self.rent_cents, self.annex_rent_cents, self.charges_cents, self.apl_cents)
        return indicators.Measure(self.resources_cents, self.ages, cost)


@dataclass(frozen=True)
class OfferProfile:
    """What the ranking needs of an offered dwelling. ``extra``: attributes for
    registered criteria (e.g. the residence's balance score)."""

    id: str
    reference: str
    bailleur: str
    commune: str
    quartier: str
    qpv: bool
    typology: str
    surface_m2: Decimal
    rent_cents: int
    annex_rent_cents: int
    charges_cents: int
    construction_year: int
    individual: bool
    floor: int
    lift: bool
    accessible: bool
    available_until: date | None = None
    extra: Mapping = field(default_factory=dict)

    @property
    def rooms(self) -> int:
        return indicators.typology_rooms(self.typology)


class Prepared:
    """A household's figures that do not depend on the offer, computed once per settings."""

    __slots__ = (
        "h", "persons", "min_surface", "before_rac", "resources", "cap_rac", "tolerance_rac",
        "rav_floor", "divisor", "communes", "typologies", "individual", "max_floor", "needs_lift",
        "needs_accessible", "right_to_return", "cap_floor", "tolerance_floor", "rav_ceil",
    )

    def __init__(self, h: HouseholdProfile, s: MatchSettings) -> None:
        self.h = h
        self.persons = h.persons
        self.min_surface = minimum_surface_m2(h.persons)
        self.before_rac = h.rent_cents + h.annex_rent_cents + h.charges_cents - h.apl_cents
        self.resources = h.resources_cents
        # taux d'effort = rac × 100 / resources: each bound as a reste à charge (exact)
        cap = s.max_effort_rate
        self.cap_rac = None if cap is None or self.resources <= 0 else Fraction(cap) * self.resources / 100
        self.tolerance_rac = Fraction(EFFORT_TOLERANCE_POINTS * self.resources, 100)
        # reste-à-vivre = (resources − rac) / 100 / divisor / 30 ≥ threshold
        divisor = Fraction(h.persons) if s.rav_convention != "uc" else indicators.consumption_units(list(h.ages))
        self.divisor = divisor
        self.rav_floor = Fraction(s.rav_threshold) * 100 * 30 * divisor
        # The same bounds as integers, compared with integer amounts (cents) the same way:
        # rac > q ⇔ rac > ⌊q⌋; x ≤ q ⇔ x ≤ ⌊q⌋; x ≥ q ⇔ x ≥ ⌈q⌉.
        self.cap_floor = None if self.cap_rac is None else math.floor(self.cap_rac)
        self.tolerance_floor = math.floor(self.tolerance_rac)
        self.rav_ceil = math.ceil(self.rav_floor)
        w = h.wishes
        self.communes = frozenset(c.strip().lower() for c in w.get("communes") or ())
        self.typologies = frozenset(w.get("typologies") or ())
        self.individual = w.get("individual")
        self.max_floor = w.get("max_floor")
        self.needs_lift = bool(w.get("needs_lift"))
        self.needs_accessible = bool(w.get("needs_accessible"))
        self.right_to_return = bool(w.get("right_to_return"))


@dataclass(frozen=True)
class Line:
    """One line of "pourquoi ce rang ?": a hard limit (points None) or a criterion."""

    code: str
    label: str
    text: str
    points: int | None = None
    weight: int | None = None


@dataclass(frozen=True)
class Match:
    household: HouseholdProfile
    offer: OfferProfile
    score: int
    max_score: int
    limits: tuple[Line, ...]
    lines: tuple[Line, ...]
    aid: AidEstimate
    indicators: dict

    @property
    def eligible(self) -> bool:
        return not self.limits


def _euros(cents: int | Fraction) -> str:
    value = Decimal(cents.numerator) / Decimal(cents.denominator) if isinstance(cents, Fraction) else Decimal(cents)
    value = (value / 100).quantize(Decimal("0.01"))
    sign = "−" if value < 0 else ""
    whole, _, frac = f"{abs(value):.2f}".partition(".")
    return f"{sign}{int(whole):,}".replace(",", "\u00a0") + f",{frac}\u00a0€"


@functools.lru_cache(maxsize=4096)  # a value alone makes its text: the project's rates, surfaces
def _num(value: Fraction | Decimal, places: int = 2) -> str:
    d = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else value
    return str(indicators.round_figure(d).quantize(Decimal(1).scaleb(-places))).replace(".", ",").replace("-", "−")


_PLACES = {1: Decimal("0.1"), 2: Decimal("0.01")}


def _num_ratio(numerator: int, denominator: int, places: int = 2) -> str:
    """``_num(Fraction(numerator, denominator), places)`` (denominator > 0) without the
    fraction: a decimal division is correctly rounded (the same ``d`` from any terms of one
    value), and ``round_figure(d)`` is ``d`` rounded to 4 places (tests/test_matching_explain.py)."""
    rounded = (Decimal(numerator) / Decimal(denominator)).quantize(indicators.PRECISION, rounding=ROUND_HALF_UP)
    if not rounded:
        rounded = abs(rounded)
    return str(rounded.quantize(_PLACES[places])).replace(".", ",").replace("-", "−")


def assess(p: Prepared, o: OfferProfile, aid_cents: int, s: MatchSettings, lines: list | None = None
           ) -> tuple[int, int, int]:
    """(number of hard limits, score, reste à charge after) of household ``p`` in offer
    ``o``. With ``lines`` (a list), appends every :class:`Line` of the explanation."""
    h, w = p.h, s.weights
    rac = o.rent_cents + o.annex_rent_cents + o.charges_cents - aid_cents
    limits = 0
    explain = lines is not None
    # -- hard limits ---------------------------------------------------------
    if o.surface_m2 < p.min_surface:
        limits += 1
        if explain:
            lines.append(Line("sur_occupation", LIMIT_LABELS["sur_occupation"],
                              f"{_num(o.surface_m2, 1)} m² pour {p.persons} personne(s) : au moins "
                              f"{p.min_surface} m² requis pour l'aide au logement ({ARTICLE})."))
    if p.cap_floor is not None and rac > p.cap_floor:
        limits += 1
        if explain:
            lines.append(Line("taux_effort_max", LIMIT_LABELS["taux_effort_max"],
                              f"Taux d'effort après relogement {_num_ratio(rac * 100, p.resources)} % "
                              f"au-delà du maximum du projet ({_num(s.max_effort_rate)} %)."))
    if p.max_floor is not None and o.floor > p.max_floor and not o.lift:
        limits += 1
        if explain:
            lines.append(Line("etage", LIMIT_LABELS["etage"],
                              f"Étage {o.floor} sans ascenseur ; souhait : étage {p.max_floor} au plus."))
    if p.needs_lift and o.floor > 0 and not o.lift:
        limits += 1
        if explain:
            lines.append(Line("ascenseur", LIMIT_LABELS["ascenseur"],
                              f"Le ménage a besoin d'un ascenseur ; étage {o.floor} sans ascenseur."))
    if p.needs_accessible and not o.accessible:
        limits += 1
        if explain:
            lines.append(Line("accessibilite", LIMIT_LABELS["accessibilite"],
                              "Le ménage a besoin d'un logement accessible ; celui-ci ne l'est pas."))
    if o.available_until is not None and o.available_until < s.today:
        limits += 1
        if explain:
            lines.append(Line("reservation_echue", LIMIT_LABELS["reservation_echue"],
                              f"Réservé au relogement jusqu'au {o.available_until:%d/%m/%Y} seulement."))
    # -- scored criteria -------------------------------------------------------
    score = 0
    labels = criteria_labels() if explain else {}

    def add(code: str, earned: int, text: str) -> None:
        lines.append(Line(code, labels[code], text, earned, w.get(code, 0)))  # type: ignore[union-attr]

    wt = w["commune"]
    ok = not p.communes or o.commune.strip().lower() in p.communes
    score += wt if ok else 0
    if explain:
        add("commune", wt if ok else 0, "Pas de commune souhaitée." if not p.communes else
            (f"{o.commune} fait partie des communes souhaitées." if ok else f"{o.commune} n'est pas souhaitée."))
    wt = w["typologie"]
    ok = not p.typologies or o.typology in p.typologies
    score += wt if ok else 0
    if explain:
        wished = ", ".join(sorted(p.typologies))
        add("typologie", wt if ok else 0, "Pas de typologie souhaitée." if not p.typologies else
            (f"{o.typology} souhaité ({wished})." if ok else f"{o.typology} hors des typologies souhaitées ({wished})."))
    wt = w["individuel"]
    ok = p.individual is None or bool(p.individual) == o.individual
    score += wt if ok else 0
    if explain:
        kind = "maison individuelle" if o.individual else "logement collectif"
        add("individuel", wt if ok else 0, f"Pas de préférence ({kind})." if p.individual is None else
            f"{kind.capitalize()} ; souhait : {'individuel' if p.individual else 'collectif'}.")
    wt = w["retour"]
    ok = p.right_to_return and o.quartier == h.quartier
    score += wt if ok else 0
    if explain:
        add("retour", wt if ok else 0, "Pas de demande de retour dans le quartier." if not p.right_to_return else
            ("Retour dans le quartier d'origine." if ok else "Droit au retour demandé : autre quartier."))
    wt = w["sous_occupation"]
    rooms = o.rooms
    ok = rooms <= p.persons + 1
    score += wt if ok else 0
    if explain:
        add("sous_occupation", wt if ok else 0,
            f"{o.typology} pour {p.persons} personne(s) : " + ("pas de sous-occupation." if ok else
            f"sous-occupation (plus de {p.persons + 1} pièces)."))
    wt = w["taux_effort"]
    if p.resources <= 0:
        earned = 0
    elif rac <= p.before_rac:
        earned = wt
    else:
        earned = wt // 2 if rac - p.before_rac <= p.tolerance_floor else 0
    score += earned
    if explain:
        if p.resources <= 0:
            text = "Taux d'effort non calculable (ressources nulles)."
        else:
            # after = rac × 100 / resources, before likewise: one integer quotient each
            res = p.resources
            text = (f"{_num_ratio(rac * 100, res)} % après, {_num_ratio(p.before_rac * 100, res)} % avant "
                    f"({'+' if rac >= p.before_rac else ''}{_num_ratio((rac - p.before_rac) * 100, res)} points ; "
                    f"reste à charge "
                    f"{_euros(rac)} avec une aide de {_euros(aid_cents)}).")
        add("taux_effort", earned, text)
    wt = w["reste_a_vivre"]
    ok = p.resources - rac >= p.rav_ceil
    score += wt if ok else 0
    if explain:
        divisor = "personne" if s.rav_convention != "uc" else "UC"
        # (resources − rac) / 100 / 30 / divisor, divisor = numerator / denominator
        day = _num_ratio((p.resources - rac) * p.divisor.denominator, 100 * 30 * p.divisor.numerator)
        add("reste_a_vivre", wt if ok else 0,
            f"{day} € par jour et par {divisor} après relogement ; seuil du projet "
            f"{_num(s.rav_threshold)} € : {'atteint' if ok else 'sous le seuil'}.")
    age = s.today.year - o.construction_year
    for code, ok, text in (
        ("hors_qpv", h.qpv and not o.qpv,
         "Du QPV vers hors QPV." if h.qpv and not o.qpv else
         ("Le ménage ne vient pas d'un QPV." if not h.qpv else "Le logement proposé est en QPV.")),
        ("neuf", age < indicators.NEW_HOUSING_MAX_AGE_YEARS,
         f"Construit ou livré en {o.construction_year} ({'neuf ou moins de 5 ans' if age < 5 else f'{age} ans'})."),
        ("inter_bailleur", o.bailleur != h.bailleur,
         "Logement d'un autre bailleur." if o.bailleur != h.bailleur else "Même bailleur."),
    ):
        wt = w[code]
        score += wt if ok else 0
        if explain:
            add(code, wt if ok else 0, text)
    for code, criterion in EXTRA_CRITERIA.items():
        if not w.get(code):
            continue  # weight 0: the criterion is off (neither scored nor explained)
        share, text = criterion.judge(h, o)
        earned = int(w.get(code, 0) * Fraction(share))
        score += earned
        if explain:
            add(code, earned, text)
    return limits, score, rac


def explain(p: Prepared, o: OfferProfile, aid: AidEstimate, s: MatchSettings) -> Match:
    """The match with every line and the proposal's indicator record (same formulas)."""
    lines: list[Line] = []
    _, score, _ = assess(p, o, aid.cents, s, lines)
    h = p.h
    after = indicators.Measure(h.resources_cents, h.ages, indicators.HousingCost(
        o.rent_cents, o.annex_rent_cents, o.charges_cents, aid.cents))
    record = indicators.compute(h.before(), after, placement(h, o, s.today.year))
    return Match(h, o, score, s.max_score, tuple(x for x in lines if x.points is None),
                 tuple(x for x in lines if x.points is not None), aid, record)


def placement(h: HouseholdProfile, o: OfferProfile, year: int) -> indicators.Placement:
    """As ``command_checks._placement`` builds it for a proposal (bailleurs as ids)."""
    return indicators.Placement(
        from_quartier=h.quartier, from_qpv=h.qpv, from_commune=h.commune, from_bailleur=h.bailleur,
        from_typology=h.typology, from_surface_m2=h.surface_m2, to_quartier=o.quartier, to_qpv=o.qpv,
        to_commune=o.commune, to_bailleur=o.bailleur, to_typology=o.typology, to_surface_m2=o.surface_m2,
        to_construction_year=o.construction_year, to_individual=o.individual, reference_year=year,
    )


# The set-aside motive (values.SET_ASIDE_MOTIVES) a row suggests: its first hard limit,
# else its weakest criterion.
_MOTIVE_OF = {
    "sur_occupation": "sur_occupation", "taux_effort_max": "loyer", "etage": "accessibilite",
    "ascenseur": "accessibilite", "accessibilite": "accessibilite", "reservation_echue": "reservation",
    "commune": "localisation", "retour": "localisation", "typologie": "typologie",
    "sous_occupation": "typologie", "taux_effort": "loyer", "reste_a_vivre": "loyer",
    "equilibre_residence": "autre",  # the residence's balance is not the household's wish
}


def suggested_motive(match: Match) -> str:
    if match.limits:
        return _MOTIVE_OF.get(match.limits[0].code, "autre")
    missed = [x for x in match.lines if x.weight and x.points is not None and x.points < x.weight]
    if not missed:
        return "souhaits"
    worst = max(missed, key=lambda x: (x.weight or 0) - (x.points or 0))
    return _MOTIVE_OF.get(worst.code, "souhaits")


def sort_key(limits: int, score: int, rac: int, reference: str) -> tuple:
    """Offers without a hard limit first, by score (highest), then lower reste à charge."""
    return (limits > 0, limits, -score, rac, reference)


def rank_offers(p: Prepared, offers: Iterable[OfferProfile], aids: Mapping[str, AidEstimate],
                s: MatchSettings) -> list[tuple[tuple, OfferProfile]]:
    """Every offer, best first, with its sort key (limits, −score, rac, reference)."""
    out = []
    for o in offers:
        limits, score, rac = assess(p, o, aids[o.id].cents, s)
        out.append((sort_key(limits, score, rac, o.reference), o))
    out.sort(key=lambda item: item[0])
    return out


def rank_households(prepared: Iterable[Prepared], o: OfferProfile, aid_of: Callable[[Prepared], int],
                    s: MatchSettings) -> list[tuple[tuple, Prepared]]:
    """Every household for one offer, best first (same key, the household's reference)."""
    out = []
    for p in prepared:
        limits, score, rac = assess(p, o, aid_of(p), s)
        out.append((sort_key(limits, score, rac, p.h.reference), p))
    out.sort(key=lambda item: item[0])
    return out


# Registered here so that "équilibre de la résidence" is known wherever weights are read.
from relogement.platform import residence_balance as _residence_balance  # noqa: E402,F401
