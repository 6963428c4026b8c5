"""Which of a project's quartiers a typed quartier means.

An offer typed with the quartier "Moulins" where the project has the QPV quartier
"Moulins – Belfort" must not silently become a new "hors QPV" quartier: the proposal would
then count "QPV → hors QPV". So a typed quartier is compared with the project's:

- **exact**: its code or name, whatever the case, accents, dashes, spaces and leading
  words such as "quartier", "cité", "du", "des" (``normalise``): it *is* that quartier;
- **near**: close to a name or code (a typo, a missing word, a name shortened to its
  first words): the form asks "vouliez-vous dire … ?" instead of creating a quartier;
- **none**: a quartier outside the project, created only once the user confirms it.

Pure (no SQL, no web); the comparison uses ``rapidfuzz``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from relogement.platform.errors import InvalidValue

if TYPE_CHECKING:
    from relogement.platform.values import Dwelling

# Leading words that do not name a quartier ("Quartier des Moulins" is "Moulins").
LEADING_WORDS = {"quartier", "quartiers", "qpv", "cite", "secteur", "le", "la", "les", "l", "du", "de", "des", "d"}
# Scores (0–100) from which a typed quartier is "near" one of the project's.
NEAR_RATIO = 85  # whole strings: typos, a letter or two ("Moulin", "Vaubans")
NEAR_WORDS = 90  # the words of one among the other's ("Moulins" for "Moulins – Belfort")
MAX_SUGGESTIONS = 3


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space, leading words dropped."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", plain)
    while len(words) > 1 and words[0] in LEADING_WORDS:
        words.pop(0)
    return " ".join(words)


@dataclass(frozen=True)
class QuartierMatch:
    """``exact``: the project's quartier meant; ``near``: the ones it may mean, closest
    first (empty when exact)."""

    exact: dict | None
    near: tuple[dict, ...]


def _score(key: str, quartier: dict) -> float:
    best = 0.0
    for other in (normalise(quartier["name"]), normalise(quartier["code"])):
        if not other:
            continue
        ratio = fuzz.ratio(key, other)
        if ratio >= NEAR_RATIO:
            best = max(best, ratio)
        # Shared words only (token_set_ratio is 100 for "moulins" in "moulins belfort").
        if set(key.split()) & set(other.split()):
            words = fuzz.token_set_ratio(key, other)
            if words >= NEAR_WORDS:
                best = max(best, words)
    return best


def match_quartier(quartiers: Iterable[dict], typed: str) -> QuartierMatch:
    """The project quartier ``typed`` names (code or name), or those it is close to."""
    key = normalise(typed)
    if not key:
        return QuartierMatch(None, ())
    quartiers = list(quartiers)
    for quartier in quartiers:
        if key in (normalise(quartier["code"]), normalise(quartier["name"])):
            return QuartierMatch(quartier, ())
    scored = sorted(
        ((score, i) for i, q in enumerate(quartiers) if (score := _score(key, q)) > 0),
        key=lambda item: (-item[0], item[1]),
    )
    return QuartierMatch(None, tuple(quartiers[i] for _, i in scored[:MAX_SUGGESTIONS]))


def quartier_label(quartier: dict) -> str:
    """« Moulins – Belfort » (LS-MOU, QPV): how a suggestion names a project quartier."""
    flag = "QPV" if quartier["qpv"] else "hors QPV"
    return f"« {quartier['name']} » ({quartier['code']}, {flag})"


def project_quartier(quartiers: Iterable[dict], dwelling: Dwelling) -> Dwelling:
    """An offered dwelling in one of the project's quartiers (given by code or name, any
    case, accents or dashes: ``quartier_match.normalise``): that quartier's code and QPV
    flag, which the "hors QPV" figures read (a flag contradicting it is refused; the web
    form and the import take the project's flag before asking). Elsewhere, the quartier
    and the flag as given."""
    q = match_quartier(quartiers, dwelling.quartier).exact
    if q is None:
        return dwelling
    check_qpv_flag(q, dwelling.qpv)
    return replace(dwelling, quartier=q["code"])


def check_qpv_flag(quartier: dict, qpv: bool) -> None:
    """A dwelling said to be in a project quartier carries that quartier's QPV flag."""
    if bool(quartier["qpv"]) != qpv:
        state = (
            "est un quartier prioritaire (QPV) : le logement doit être indiqué en QPV"
            if quartier["qpv"] else "n'est pas un quartier prioritaire : le logement ne peut être indiqué en QPV"
        )
        raise InvalidValue("qpv", f"Le quartier « {quartier['name']} » du projet {state}.")
