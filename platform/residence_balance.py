"""The ranking criterion « équilibre de la résidence » (issue 22): how well relocating a
household into an offered dwelling fits the population balance of the dwelling's
residence and the groupe de suivi's objectives for it.

Registered with :func:`matching.register_criterion` (imported at the bottom of
``matching``, so the code is known before any weights are checked). Its default weight is
0: the criterion counts only once the project's settings give it a weight.

The offer carries its residence as it stands at the read position, in
``OfferProfile.extra[RESIDENCE_STATE]`` (a ``peuplement.ResidenceState``, built once per
position by the reader); the household's profile in that dwelling is taken with its
current housing aid carried over (as the ranking's default aid estimate does).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from relogement.platform import matching, peuplement
from relogement.platform.occupancy import CEILING_M2

CODE = "equilibre_residence"
LABEL = "Équilibre de la résidence"
RESIDENCE_STATE = "residence_state"
NEUTRAL_TEXT = "Résidence non renseignée ou sans qualification : critère neutre."


def candidate(h: matching.HouseholdProfile, o: matching.OfferProfile) -> peuplement.Profile:
    """The household's profile once in the offered dwelling."""
    return _profile(h, o.surface_m2)


def _profile(h: matching.HouseholdProfile, surface_m2: Decimal) -> peuplement.Profile:
    return peuplement.profile(
        ages=h.ages, resources_cents=h.resources_cents, apl_cents=h.apl_cents,
        income_quartile=h.income_quartile, adults_in_work=h.adults_in_work,
        surface_m2=surface_m2, plus_ceiling_cents_year=h.plus_ceiling_cents_year,
    )


def _unqualified(state: peuplement.ResidenceState) -> bool:
    # Neither a survey (no class) nor an objective: nothing to judge the move against.
    return state.klass is None and not state.objectives


def judge(h: matching.HouseholdProfile, o: matching.OfferProfile) -> tuple[Fraction, str]:
    """(share of the weight earned, French line) for household ``h`` in offer ``o``."""
    state = o.extra.get(RESIDENCE_STATE)
    if state is None or _unqualified(state):
        return Fraction(1, 2), NEUTRAL_TEXT
    # A pool of 2,000 offers spans a few dozen residences, and households share a few
    # dozen profiles: the judgement depends on the offer only through its residence, on
    # the household only through its profile in the dwelling (which reads the dwelling only
    # through over-occupation), so each is worked out once.
    who = household_group(h)[peuplement.over_occupied(len(h.ages), o.surface_m2)]
    key = (id(state), who)
    found = _JUDGED.get(key)
    if found is not None and found[0] is state:
        return found[1]
    result = _judge(state, who)
    _remember(_JUDGED, key, (state, result))  # the state kept alive: its id is not reused meanwhile
    return result


def _remember(memo: dict, key: tuple, value):
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value


_CANDIDATES: dict[tuple, tuple[peuplement.Profile, peuplement.Profile]] = {}
_JUDGED: dict[tuple, tuple[peuplement.ResidenceState, tuple[Fraction, str]]] = {}
_MEMO_MAX = 100_000


def _judge(state: peuplement.ResidenceState, who: peuplement.Profile) -> tuple[Fraction, str]:
    share = peuplement.balance_score(state, who)
    klass = peuplement.CLASS_LABELS.get(state.klass or "", "non qualifiée")
    where = f"{state.name} (résidence {klass})"
    warnings = peuplement.residence_warnings(state, who)
    if warnings:
        # Each warning starts with the residence's name: keep what follows it.
        reasons = [w.removeprefix(f"{state.name} : ").removeprefix(f"{state.name}, ") for w in warnings]
        return share, f"{where} : " + " ; ".join(r.rstrip(".") for r in reasons) + "."
    if share > Fraction(1, 2):
        return share, (f"{where} : conforme aux objectifs de la résidence ; un ménage en emploi, "
                       "hors premier quartile, y rééquilibre le peuplement.")
    return share, f"{where} : conforme aux objectifs de la résidence."


def offer_group(o: matching.OfferProfile) -> int | None:
    """What of the offer the judgement reads, besides over-occupation: its residence's
    state (by identity: one per read position), or None when the criterion is neutral."""
    state = o.extra.get(RESIDENCE_STATE)
    return None if state is None or _unqualified(state) else id(state)


def household_group(h: matching.HouseholdProfile) -> tuple[peuplement.Profile, peuplement.Profile]:
    """What of the household the judgement reads: its profile in a dwelling it would not
    over-occupy, and in one it would (``candidate`` reads the dwelling for that only), each
    as the judgement reads it (:func:`as_judged`). Remembered by the figures it is made of;
    households of one such profile are one group (a pool of a thousand households makes a
    few dozen groups)."""
    figures = (h.ages, h.resources_cents, h.apl_cents, h.income_quartile, h.adults_in_work, h.plus_ceiling_cents_year)
    found = _CANDIDATES.get(figures)
    if found is None:
        roomy = as_judged(_profile(h, Decimal(CEILING_M2)))  # the rule's ceiling: over-occupied by no one
        found = _remember(_CANDIDATES, figures, (roomy, replace(roomy, over_occupation=True)))
    return found


def as_judged(who: peuplement.Profile) -> peuplement.Profile:
    """``who`` as the judgement reads it: ``peuplement.balance_score`` and
    ``residence_warnings`` read a candidate's figures (``FIGURES``, ``no_adult_in_work``
    with its None), never its income quartile beyond ``first_quartile`` nor its persons;
    those two are set to one value so that households differing only there share their
    judgements (tests/test_matching_groups.py checks the judgement is the same)."""
    return replace(who, income_quartile=None, persons=1)


# Over-occupation in ``candidate`` is peuplement's norm, the occupancy rule's for a
# household of one person or more (every ranked household): the pool rankings judge one
# offer per (residence, over-occupied) and one household per (group, over-occupied).
matching.register_criterion(matching.ExtraCriterion(CODE, LABEL, 0, judge, offer_group, household_group))
