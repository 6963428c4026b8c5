"""Population balance of residences (peuplement): survey figures, class, estimate after
relocations, the groupe de suivi's objectives, their warnings and the ranking score.

Pure functions only (no clock, no store): the read side (projections) and the web layer
call them with what they read, so a figure is the same wherever it is shown.

The rule set that gives a residence its class (``classify``), after the Hauts-de-France
social-housing association's practice (rank on resources first, then refine):

1. **Resources first.** ``u60`` is the share of households under 60 % of the PLUS income
   ceilings, ``q1`` the share of first-quartile households.
   - *fragile* if ``u60 >= fragile_under_60`` or ``q1 >= fragile_first_quartile``;
   - else *à surveiller* if ``u60 >= watch_under_60`` or ``q1 >= watch_first_quartile``;
   - else *attractive* if ``u60 < attractive_under_60`` and ``q1 < attractive_first_quartile``;
   - else *équilibrée*.
2. **Refine with the other signals**: housing aid at or above ``aid_derogation`` (65 %: the
   regulatory derogation threshold), single-parent families at or above ``single_parent``,
   households with no adult in work at or above ``no_adult_in_work``, over-occupation at or
   above ``over_occupation``. Two signals or more move the class one step towards fragile;
   one signal makes an *attractive* residence *équilibrée*.

Every threshold is a per-project setting (``settings["peuplement"]``, defaults below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from uuid import UUID, uuid5

from relogement.platform.errors import InvalidValue

# Residences' ids derive from (project, bailleur, code): one code, one residence per bailleur.
RESIDENCE_CODES = UUID("0b9d7a3c-51e2-4f68-8a1d-7c3e5f9b2a64")


def residence_id(project_id: UUID, bailleur_org: UUID, code: str) -> UUID:
    return uuid5(RESIDENCE_CODES, f"{project_id.hex}:{bailleur_org.hex}:{code.strip().upper()}")


# The survey's figures: shares (%) of the residence's households.
FIGURES = (
    "under_20", "under_40", "under_60", "first_quartile", "housing_aid",
    "single_parent", "no_adult_in_work", "over_occupation",
)
FIGURE_LABELS = {
    "under_20": "sous 20 % des plafonds PLUS",
    "under_40": "sous 40 % des plafonds PLUS",
    "under_60": "sous 60 % des plafonds PLUS",
    "first_quartile": "premier quartile",
    "housing_aid": "bénéficiaires d'une aide au logement",
    "single_parent": "familles monoparentales",
    "no_adult_in_work": "sans adulte en emploi",
    "over_occupation": "en sur-occupation",
}

FRAGILE, WATCH, BALANCED, ATTRACTIVE = "fragile", "a_surveiller", "equilibree", "attractive"
CLASS_ORDER = (ATTRACTIVE, BALANCED, WATCH, FRAGILE)  # towards fragile
CLASS_LABELS = {
    FRAGILE: "fragile", WATCH: "à surveiller", BALANCED: "équilibrée", ATTRACTIVE: "attractive",
}

DEFAULT_THRESHOLDS: dict[str, int] = {
    "fragile_under_60": 70,
    "fragile_first_quartile": 45,
    "watch_under_60": 55,
    "watch_first_quartile": 30,
    "attractive_under_60": 40,
    "attractive_first_quartile": 15,
    "aid_derogation": 65,
    "single_parent": 25,
    "no_adult_in_work": 40,
    "over_occupation": 10,
}
THRESHOLD_LABELS = {
    "fragile_under_60": "Fragile : part sous 60 % des plafonds PLUS à partir de (%)",
    "fragile_first_quartile": "Fragile : part du premier quartile à partir de (%)",
    "watch_under_60": "À surveiller : part sous 60 % des plafonds à partir de (%)",
    "watch_first_quartile": "À surveiller : part du premier quartile à partir de (%)",
    "attractive_under_60": "Attractive : part sous 60 % des plafonds en dessous de (%)",
    "attractive_first_quartile": "Attractive : part du premier quartile en dessous de (%)",
    "aid_derogation": "Signal : bénéficiaires d'une aide au logement à partir de (%)",
    "single_parent": "Signal : familles monoparentales à partir de (%)",
    "no_adult_in_work": "Signal : ménages sans adulte en emploi à partir de (%)",
    "over_occupation": "Signal : sur-occupation à partir de (%)",
}
# Keys once among the thresholds: "balance_weight" is now the ranking weight
# ``matching_weights["equilibre_residence"]`` (platform/residence_balance.py).
RETIRED_THRESHOLDS = frozenset({"balance_weight"})
SIGNALS = ("aid_derogation", "single_parent", "no_adult_in_work", "over_occupation")
SIGNAL_FIGURE = {
    "aid_derogation": "housing_aid", "single_parent": "single_parent",
    "no_adult_in_work": "no_adult_in_work", "over_occupation": "over_occupation",
}

# Statistical secrecy: a count under this many households is never shown.
SECRECY_MIN = 5
SECRET = "< 5"

# Objectives the groupe de suivi sets per residence.
OBJECTIVE_KINDS = {
    "max_first_quartile": "au plus N ménages du premier quartile relogés dans la résidence",
    "employment_priority": "priorité aux ménages en emploi",
    "max_share": "part estimée au plus X % (indicateur au choix)",
}

# Reste-à-vivre bands (€ per day per person) for the residence sheets.
RAV_BANDS = ((Decimal("6"), "moins de 6 €"), (Decimal("10"), "6 à 10 €"),
             (Decimal("20"), "10 à 20 €"), (None, "20 € et plus"))


def thresholds(settings: Mapping | None) -> dict[str, int]:
    """The project's thresholds: its ``peuplement`` settings over the defaults."""
    chosen = dict((settings or {}).get("peuplement") or {})
    return {**DEFAULT_THRESHOLDS, **{k: int(v) for k, v in chosen.items() if k in DEFAULT_THRESHOLDS}}


def check_thresholds(values: Mapping) -> dict[str, int]:
    """Thresholds typed by the pilot: known keys, whole percentages from 0 to 100."""
    clean: dict[str, int] = {}
    for key, value in values.items():
        if key in RETIRED_THRESHOLDS:
            continue  # stored by older settings: dropped, so changing them still works
        if key not in DEFAULT_THRESHOLDS:
            raise InvalidValue("peuplement", f"Seuil inconnu « {key} ».")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidValue("peuplement", f"Seuil « {key} » : nombre entier attendu.") from None
        if not 0 <= number <= 100:
            raise InvalidValue("peuplement", f"Seuil « {key} » : de 0 à 100.")
        clean[key] = number
    return clean


def parse_share(name: str, value: object) -> Decimal:
    """A survey share in %, 0 to 100, at most one decimal (the survey's precision)."""
    try:
        share = Decimal(str(value).strip().replace(",", ".").rstrip("%").strip())
    except InvalidOperation:
        raise InvalidValue(name, f"« {value} » n'est pas un pourcentage.") from None
    if not share.is_finite() or not Decimal(0) <= share <= Decimal(100):
        raise InvalidValue(name, f"« {value} » : un pourcentage va de 0 à 100.")
    return share.quantize(Decimal("0.1"))


def check_survey(households: int, shares: Mapping[str, Decimal]) -> None:
    """A survey's figures hold together: households > 0, every share, nested income shares."""
    if households <= 0:
        raise InvalidValue("households", "Le nombre de ménages enquêtés doit être supérieur à 0.")
    missing = [f for f in FIGURES if f not in shares]
    if missing:
        raise InvalidValue(missing[0], f"Indicateur manquant : {FIGURE_LABELS[missing[0]]}.")
    if not shares["under_20"] <= shares["under_40"] <= shares["under_60"]:
        raise InvalidValue(
            "under_40",
            "Parts sous plafonds incohérentes : sous 20 % ≤ sous 40 % ≤ sous 60 % attendu.",
        )


def classify(shares: Mapping[str, Decimal | Fraction | float], rules: Mapping[str, int]) -> tuple[str, list[str]]:
    """The residence's class and the reasons (French), by the rule set of this module."""
    u60, q1 = shares["under_60"], shares["first_quartile"]
    reasons: list[str] = []
    if u60 >= rules["fragile_under_60"] or q1 >= rules["fragile_first_quartile"]:
        level = FRAGILE
        reasons.append("ressources : seuil « fragile » atteint")
    elif u60 >= rules["watch_under_60"] or q1 >= rules["watch_first_quartile"]:
        level = WATCH
        reasons.append("ressources : seuil « à surveiller » atteint")
    elif u60 < rules["attractive_under_60"] and q1 < rules["attractive_first_quartile"]:
        level = ATTRACTIVE
        reasons.append("ressources : sous les seuils « attractive »")
    else:
        level = BALANCED
        reasons.append("ressources : entre les seuils")
    signals = [s for s in SIGNALS if shares[SIGNAL_FIGURE[s]] >= rules[s]]
    for s in signals:
        reasons.append(f"signal : {FIGURE_LABELS[SIGNAL_FIGURE[s]]} ≥ {rules[s]} %")
    index = CLASS_ORDER.index(level)
    if len(signals) >= 2:
        index = min(index + 1, len(CLASS_ORDER) - 1)
    elif len(signals) == 1 and level == ATTRACTIVE:
        index = CLASS_ORDER.index(BALANCED)
    return CLASS_ORDER[index], reasons


# -- households moving in and out ------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What a relocated household adds to (or takes from) a residence's figures.

    ``no_adult_in_work`` is None when the officer did not record it (counted apart).
    """

    under_20: bool
    under_40: bool
    under_60: bool
    first_quartile: bool
    housing_aid: bool
    single_parent: bool
    no_adult_in_work: bool | None
    over_occupation: bool
    income_quartile: int | None = None
    persons: int = 1

    def flag(self, figure: str) -> bool:
        return bool(getattr(self, figure))


def over_occupied(persons: int, surface_m2: Decimal | float) -> bool:
    """The housing-aid norm (art. D822-25 CSS): 9 m² for one person, 16 m² for two, 9 m² more
    per extra person, 70 m² for eight or more."""
    need = 9 if persons <= 1 else min(16 + 9 * (persons - 2), 70)
    return Decimal(str(surface_m2)) < need


def plus_category(adults: int, children: int) -> int:
    """The PLUS ceilings' household category, from the composition only (the platform does
    not record family links: a couple's age does not move it to category 3)."""
    persons = adults + children
    if persons == 1:
        return 1
    if persons == 2 and children == 0:
        return 2
    return max(3, persons)  # 3 persons, or one person with one dependent, and so on


def profile(
    *, ages: Iterable[int], resources_cents: int, apl_cents: int, income_quartile: int | None,
    adults_in_work: int | None, surface_m2: Decimal | float, plus_ceiling_cents_year: int | None,
) -> Profile:
    """A household's profile in a dwelling of ``surface_m2`` receiving ``apl_cents``.

    Income against the PLUS ceiling: 12 months of the recorded monthly resources against
    the ceiling of its category (``plus_ceiling_cents_year``; None: unknown, not under).
    """
    ages = list(ages)
    adults = sum(1 for a in ages if a >= 18)
    children = len(ages) - adults
    ratio = (
        Fraction(resources_cents * 12, plus_ceiling_cents_year) if plus_ceiling_cents_year else None
    )
    return Profile(
        under_20=ratio is not None and ratio < Fraction(1, 5),
        under_40=ratio is not None and ratio < Fraction(2, 5),
        under_60=ratio is not None and ratio < Fraction(3, 5),
        first_quartile=income_quartile == 1,
        housing_aid=apl_cents > 0,
        single_parent=adults == 1 and children > 0,
        no_adult_in_work=None if adults_in_work is None else adults_in_work == 0,
        over_occupation=over_occupied(len(ages), surface_m2),
        income_quartile=income_quartile,
        persons=len(ages),
    )


def estimate_after(
    households: int, shares: Mapping[str, Decimal], moved_in: Iterable[Profile], moved_out: Iterable[Profile]
) -> tuple[int, dict[str, Fraction], dict[str, Fraction]]:
    """Households, exact counts and shares (%) after the relocations, from the survey's.

    Survey count of a figure = share × households / 100 (exact, not rounded); each household
    moved in adds one to the figures it has, each moved out takes one (never below 0).
    """
    moved_in, moved_out = list(moved_in), list(moved_out)
    after = max(households + len(moved_in) - len(moved_out), 0)
    counts: dict[str, Fraction] = {}
    result: dict[str, Fraction] = {}
    for figure in FIGURES:
        count = Fraction(shares[figure]) * households / 100
        count += sum(1 for p in moved_in if p.flag(figure))
        count -= sum(1 for p in moved_out if p.flag(figure))
        counts[figure] = max(count, Fraction(0))
        result[figure] = counts[figure] * 100 / after if after else Fraction(0)
    return after, counts, result


def rounded(share: Fraction | Decimal) -> Decimal:
    """A share for display: one decimal, half up."""
    return (Decimal(share.numerator) / Decimal(share.denominator) if isinstance(share, Fraction)
            else Decimal(share)).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")


def secret_count(count: int | Fraction | Decimal) -> str:
    """A count of households for display: under 5 (zero included) is « < 5 »."""
    whole = int(round(Fraction(count)))
    return SECRET if whole < SECRECY_MIN else str(whole)


def secret_share(share: Fraction | Decimal, count: int | Fraction | Decimal) -> str:
    """A share (%) for display, « < 5 » when the count it is computed from is under 5."""
    if int(round(Fraction(count))) < SECRECY_MIN:
        return SECRET
    return f"{rounded(share)}".replace(".", ",") + " %"


def rav_band(rav_day: Decimal | None) -> str:
    if rav_day is None:
        return "non calculé"
    for upper, label in RAV_BANDS:
        if upper is None or rav_day < upper:
            return label
    raise AssertionError("unreachable")


def composition_label(adults: int, children: int) -> str:
    if adults == 1 and children:
        return "famille monoparentale"
    if children == 0:
        return "personne seule" if adults == 1 else "adultes sans enfant"
    return "couple ou adultes avec enfants"


# -- objectives, warnings, ranking ---------------------------------------------------


def check_objectives(objectives: list[dict]) -> list[dict]:
    """Objectives as typed by the groupe de suivi: known kinds with their parameter."""
    clean: list[dict] = []
    for item in objectives:
        kind = item.get("kind")
        if kind == "max_first_quartile":
            try:
                limit = int(item.get("limit"))
            except (TypeError, ValueError):
                raise InvalidValue("objectives", "« Au plus N ménages du premier quartile » : N entier.") from None
            if not 0 <= limit <= 10_000:
                raise InvalidValue("objectives", "« Au plus N ménages du premier quartile » : N de 0 à 10 000.")
            clean.append({"kind": kind, "limit": limit})
        elif kind == "employment_priority":
            clean.append({"kind": kind})
        elif kind == "max_share":
            figure = item.get("figure")
            if figure not in FIGURES:
                raise InvalidValue("objectives", "Indicateur inconnu pour l'objectif de part maximale.")
            clean.append({"kind": kind, "figure": figure, "percent": str(parse_share("objectives", item.get("percent")))})
        else:
            raise InvalidValue("objectives", f"Objectif inconnu « {kind} ».")
    return clean


def objective_label(objective: Mapping) -> str:
    kind = objective["kind"]
    if kind == "max_first_quartile":
        return f"au plus {objective['limit']} ménages du premier quartile relogés"
    if kind == "employment_priority":
        return "priorité aux ménages en emploi"
    percent = str(objective["percent"]).replace(".", ",")
    return f"part des ménages {FIGURE_LABELS[objective['figure']]} au plus {percent} %"


@dataclass(frozen=True)
class ResidenceState:
    """What the warnings need of a residence as of now: its survey and the relocations."""

    name: str
    households: int
    shares: Mapping[str, Decimal]
    moved_in: tuple[Profile, ...] = ()
    moved_out: tuple[Profile, ...] = ()
    objectives: tuple[dict, ...] = ()
    klass: str | None = None


def residence_warnings(state: ResidenceState | None, candidate: Profile) -> list[str]:
    """Warnings (French) when relocating ``candidate`` into the residence works against one
    of its objectives. No residence, no survey or no objective: none."""
    if state is None:
        return []
    warnings: list[str] = []
    for objective in state.objectives:
        kind = objective["kind"]
        if kind == "max_first_quartile" and candidate.first_quartile:
            already = sum(1 for p in state.moved_in if p.first_quartile)
            if already + 1 > int(objective["limit"]):
                warnings.append(
                    f"{state.name} : objectif « {objective_label(objective)} » "
                    f"dépassé par cette proposition (ménage du premier quartile)."
                )
        elif kind == "employment_priority" and candidate.no_adult_in_work:
            warnings.append(
                f"{state.name} : objectif « priorité aux ménages en emploi » — "
                "aucun adulte de ce ménage n'est en emploi."
            )
        elif kind == "max_share" and state.households and candidate.flag(objective["figure"]):
            _, _, after = estimate_after(
                state.households, state.shares, (*state.moved_in, candidate), state.moved_out
            )
            if after[objective["figure"]] > Fraction(Decimal(objective["percent"])):
                share = str(rounded(after[objective["figure"]])).replace(".", ",")
                warnings.append(
                    f"{state.name} : objectif « {objective_label(objective)} » — part "
                    f"estimée après cette proposition : {share} %."
                )
    if state.klass == FRAGILE and candidate.first_quartile and not warnings:
        warnings.append(
            f"{state.name}, classée fragile : un ménage du premier quartile y accentue "
            "le déséquilibre."
        )
    return warnings


def balance_score(state: ResidenceState | None, candidate: Profile) -> Fraction:
    """The ranking criterion « équilibre de la résidence », from 0 to 1 (1: best).

    Neutral 1/2; each objective the relocation works against takes 1/2; a household that
    is neither first-quartile nor without work, going into a fragile or « à surveiller »
    residence, adds 1/2. Bounded to [0, 1]. No residence known: neutral.
    """
    if state is None:
        return Fraction(1, 2)
    score = Fraction(1, 2) - Fraction(len(residence_warnings(state, candidate)), 2)
    if state.klass in (FRAGILE, WATCH) and not candidate.first_quartile and candidate.no_adult_in_work is False:
        score += Fraction(1, 2)
    return min(max(score, Fraction(0)), Fraction(1))
