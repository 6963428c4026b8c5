"""The dashboard's figures as sums of per-household contributions ("tallies").

Every figure of the dashboard (:mod:`relogement.projections.dashboard`) over a group of
households is a function of the multiset of those households' states: counts, sums,
exact sums (fractions) for the means, multisets for the distributions, the medians and
the lists of references. So each household contributes a :class:`Tally`; a group's tally
is the sum of its households' tallies; :func:`figures` turns a tally into the dashboard's
figures, exactly as computing them over the group's rows would.

Why: when one event changes one household, its group tallies are updated by subtracting
its old contribution and adding the new one (milliseconds), instead of recomputing the
figures of the whole programme (seconds). Equality with the direct computation is tested
on random histories (tests/test_dashboard_tally.py).

A receiving bailleur's figures (``par_bailleur_accueil``) are tallied per proposal: each
household also contributes, per bailleur of the offers it was proposed, a
:func:`reception_figures` tally.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from relogement.platform import indicators as formulas
from relogement.projections import indemnities
from relogement.projections.summary_statistics import (
    RAV_BINS,
    TE_BINS,
    TWO,
    bin_label,
    rate,
)

FLAG_NAMES = {
    "hors_qpv": "hors_qpv",
    "qpv_vers_hors_qpv": "qpv_to_hors_qpv",
    "meme_quartier": "same_quartier",
    "meme_commune": "same_commune",
    "neuf_moins_5_ans": "neuf_moins_5_ans",
    "inter_bailleur": "inter_bailleur",
    "maison_individuelle": "individual_house",
    "plus_grand": "larger",
}
EVOLUTION_KEYS = ("taux_effort_points", "rav_person_day", "rav_uc_day")
EVOLUTION_BINS = {"taux_effort_points": TE_BINS, "rav_person_day": RAV_BINS, "rav_uc_day": RAV_BINS}
# Half-open bins [low, high); None is unbounded (see summary_statistics).
SURFACE_BINS = ((None, 40), (40, 60), (60, 80), (80, 100), (100, None))  # m²
TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5", "T6")
_EMPTY: Counter = Counter()


class Tally:
    """Additive accumulators: numbers (int, Decimal, Fraction) and multisets.

    ``merge(other, -1)`` removes a contribution added before; entries back at zero are
    dropped, so a tally never depends on the order of additions and removals.
    """

    __slots__ = ("n", "m")

    def __init__(self) -> None:
        self.n: dict[str, Any] = {}
        self.m: dict[str, Counter] = {}

    def count(self, name: str, amount: Any = 1) -> None:
        self.n[name] = self.n.get(name, 0) + amount

    def put(self, name: str, key: Any, times: int = 1) -> None:
        bag = self.m.get(name)
        if bag is None:
            bag = self.m[name] = Counter()
        bag[key] += times

    def num(self, name: str) -> Any:
        return self.n.get(name, 0)

    def bag(self, name: str) -> Counter:
        return self.m.get(name, _EMPTY)

    def merge(self, other: Tally, sign: int = 1) -> None:
        for name, value in other.n.items():
            total = self.n.get(name, 0) + sign * value
            if total == 0:
                self.n.pop(name, None)
            else:
                self.n[name] = total
        for name, bag in other.m.items():
            mine = self.m.get(name)
            if mine is None:
                mine = self.m[name] = Counter()
            for key, times in bag.items():
                left = mine[key] + sign * times
                if left:
                    mine[key] = left
                else:
                    del mine[key]
            if not mine:
                del self.m[name]


def _surface(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


# -- contributions ---------------------------------------------------------------------


def lease_tally(lease: dict, household: dict, offer: dict | None, assessment: dict | None) -> Tally:
    """What one signed lease (an ``rm_proposals`` row) adds to the lease figures."""
    t = Tally()
    ind = lease["lease_indicators"]
    flags = ind.get("flags", {})
    t.count("leases")
    for name, flag in FLAG_NAMES.items():
        if flags.get(flag):
            t.count("flag:" + name)
    for key in EVOLUTION_KEYS:
        value = ind["evolution"].get(key)
        if value is not None:
            t.count(f"ev:{key}:n")
            t.put(f"ev:{key}:bins", _bin(Decimal(str(value)), EVOLUTION_BINS[key]))
            t.put(f"ev:{key}:signs", formulas.evolution_sign(ind, key) or 0)
            t.count(f"ev:{key}:sum", Fraction(formulas.exact_evolution(ind, key)))
    if not flags.get("same_commune"):
        t.count("out_commune")
    offer = offer or {}
    t_before, t_after = household.get("typology"), offer.get("typology") or lease["offer_typology"]
    t.put("typ_before", t_before)
    t.put("typ_after", t_after)
    t.put("typ_matrix", (t_before, t_after))
    s_before, s_after = _surface(household.get("surface_m2")), _surface(offer.get("surface_m2"))
    for name, value in (("surf_before", s_before), ("surf_after", s_after)):
        if value is not None:
            t.count(name + ":n")
            t.count(name + ":sum", value)
            # The exponent the direct sum would print with ("65.0" is not "65").
            t.put(name + ":exponents", min(value.as_tuple().exponent, 0))
            t.put(name + ":bins", _bin(value, SURFACE_BINS))
    if s_before is not None and s_after is not None:
        change = s_after - s_before
        t.count("surf_change:n")
        t.count("surf_change:sum", change)
        t.count("surf_larger" if change > 0 else "surf_smaller" if change < 0 else "surf_equal")
    rb, ra = ind["before"]["reste_a_charge_cents"], ind["after"]["reste_a_charge_cents"]
    t.count("rac_before", rb)
    t.count("rac_after", ra)
    if s_before:
        t.count("racs_before_cents", rb)
        t.count("racs_before_m2", s_before)
    if s_after:
        t.count("racs_after_cents", ra)
        t.count("racs_after_m2", s_after)
    delta = ra - rb
    t.count("rac_delta", delta)
    t.count("rac_up" if delta > 0 else "rac_down" if delta < 0 else "rac_same")
    if assessment is not None:
        t.count("ind_base")
        t.count("ind:" + assessment["statut"])
        if assessment["statut"] == indemnities.ELIGIBLE:
            t.put("ind_benef_n", assessment["beneficiaire"])
            t.put("ind_benef_amount", assessment["beneficiaire"], assessment["montant_cents"])
            t.count("ind_total", assessment["montant_cents"])
            t.put("ind_scales", (assessment["bareme"], assessment["bareme_statut"]))
        elif assessment["statut"] == indemnities.TO_CHECK:
            t.put("ind_refs", assessment["reference"] or "")
    return t


def household_tally(
    household: dict,
    proposals: list[dict],
    open_objections: dict[str, int],
    lease_tallies: Callable[[dict], Tally],
) -> tuple[Tally, dict[str, Tally]]:
    """(the household's contribution to its groups, its contributions per receiving bailleur).

    ``proposals``: the household's rows in the read model's order (newest first);
    ``open_objections``: proposal id → open objections; ``lease_tallies(row)``: a lease's
    :func:`lease_tally` (cached by the caller).
    """
    h = household
    t = Tally()
    t.count("inscrits")
    t.count("status:" + h["status"])
    t.count("faites", len(proposals))
    received: dict[str, Tally] = {}
    lease_of_household = None
    for p in proposals:
        r = received.get(p["offer_bailleur"])
        if r is None:
            r = received[p["offer_bailleur"]] = Tally()
        r.count("faites")
        if p["live"]:
            t.count("en_cours")
            r.count("en_cours")
            t.put("deadlines", p["objection_deadline"])
            if p["open_objections"] > 0:
                t.count("bloquees")
            t.count("oppositions_ouvertes", open_objections.get(p["proposal_id"], 0))
        if p["status"] == "refusee":
            t.count("refus")
            t.put("motifs", p["refusal_motive"])
            r.count("refus")
            r.put("motifs", p["refusal_motive"])
        if p["status"] == "bail_signe" and p["lease_indicators"]:
            lease = lease_tallies(p)
            t.merge(lease)
            r.merge(lease)
            r.put("origin", p["household_bailleur"])
            if p["household_bailleur"] != p["offer_bailleur"]:
                r.count("inter")
            lease_of_household = p  # the oldest one, as a dict built in this order keeps
    relocated = h["status"] == "reloge"
    if relocated and lease_of_household is not None:
        t.put("delays", (lease_of_household["lease_signed_on"] - h["registered_on"]).days)
        flags = lease_of_household["lease_indicators"].get("flags", {})
        if h["right_to_return"] and flags.get("same_quartier"):
            t.count("retours")
    t.put("pcount", min(h["proposals_count"], 4))
    if relocated:
        t.count("reloc_pcount", h["proposals_count"])
    if h["last_allowed"]:
        t.put("last_refs", h["reference"])
    if h["proposals_count"] > h["max_proposals"]:
        t.put("beyond_refs", h["reference"])
    considered = int(h.get("offers_considered") or 0)
    t.put("considered", min(considered, 5))
    t.count("considered_sum", considered)
    return t, received


# -- figures ---------------------------------------------------------------------------


def _mean(total: Any, count: int) -> Decimal | None:
    return None if not count else formulas.round_figure(Fraction(total) / count)


def _bin(value: Decimal, bins: tuple) -> int:
    """Index of the half-open bin [low, high) holding ``value`` (-1: none)."""
    for i, (low, high) in enumerate(bins):
        if (low is None or value >= low) and (high is None or value < high):
            return i
    return -1


def _distribution(bag: Counter, bins: tuple, unit: str) -> list[dict]:
    """Counts per bin, from a multiset of bin indexes."""
    return [
        {"tranche": bin_label(low, high, unit), "min": low, "max": high, "nombre": bag.get(i, 0)}
        for i, (low, high) in enumerate(bins)
    ]


def _evolution_summary(t: Tally, key: str, bins: tuple, unit: str) -> dict:
    signs = t.bag(f"ev:{key}:signs")
    n = t.num(f"ev:{key}:n")
    return {
        "nombre": n,
        "moyenne": _mean(t.num(f"ev:{key}:sum"), n),
        "hausse": signs.get(1, 0),
        "baisse": signs.get(-1, 0),
        "stable": signs.get(0, 0),
        "distribution": _distribution(t.bag(f"ev:{key}:bins"), bins, unit),
    }


def _sorted_elements(bag: Counter) -> list:
    return sorted(bag.elements())


def _lease_figures(t: Tally) -> dict[str, Any]:
    n = t.num("leases")

    def share(count: int) -> dict:
        return {"nombre": count, "taux": rate(count, n)}

    def surfaces(name: str) -> dict:
        count = t.num(name + ":n")
        total = Decimal(t.num(name + ":sum"))
        if count:  # exact: every surface is a multiple of 10 ** its exponent
            total = total.quantize(Decimal(1).scaleb(min(t.bag(name + ":exponents"))))
        return {
            "nombre": count,
            "total_m2": total,
            "moyenne_m2": (total / count).quantize(TWO, rounding=ROUND_HALF_UP) if count else None,
            "distribution": _distribution(t.bag(name + ":bins"), SURFACE_BINS, "m²"),
        }

    def per_m2(cents: int, surface: Decimal) -> Decimal | None:
        if not surface:
            return None
        return (Decimal(cents) / 100 / surface).quantize(TWO, rounding=ROUND_HALF_UP)

    def cents_mean(total: int) -> int | None:
        if not n:
            return None
        return int((Decimal(total) / n).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    on_site = t.num("flag:meme_quartier")
    changes = t.num("surf_change:n")
    matrix: dict[Any, dict[Any, int]] = {}
    for (before, after), count in t.bag("typ_matrix").items():
        matrix.setdefault(before, {})[after] = count
    ind_n, ind_amount = t.bag("ind_benef_n"), t.bag("ind_benef_amount")
    eligible = t.num("ind:" + indemnities.ELIGIBLE)
    base = t.num("ind_base")
    return {
        "destinations_site": {
            "base": n,
            "sur_site": share(on_site),
            "hors_site": share(n - on_site),
            "hors_commune": share(t.num("out_commune")),
        },
        "typologies": {
            "base": n,
            "avant": {x: t.bag("typ_before").get(x, 0) for x in TYPOLOGIES},
            "apres": {x: t.bag("typ_after").get(x, 0) for x in TYPOLOGIES},
            "matrice": {b: dict(sorted(row.items())) for b, row in sorted(matrix.items())},
        },
        "surfaces": {
            "base": n,
            "avant": surfaces("surf_before"),
            "apres": surfaces("surf_after"),
            "evolution_moyenne_m2": (
                (Decimal(t.num("surf_change:sum")) / changes).quantize(TWO, rounding=ROUND_HALF_UP)
                if changes else None
            ),
            "plus_grande": t.num("surf_larger"),
            "plus_petite": t.num("surf_smaller"),
            "egale": t.num("surf_equal"),
        },
        "reste_a_charge": {
            "base": n,
            "avant": {"total_cents": t.num("rac_before"), "moyenne_cents": cents_mean(t.num("rac_before")),
                      "par_m2_euros": per_m2(t.num("racs_before_cents"), t.num("racs_before_m2"))},
            "apres": {"total_cents": t.num("rac_after"), "moyenne_cents": cents_mean(t.num("rac_after")),
                      "par_m2_euros": per_m2(t.num("racs_after_cents"), t.num("racs_after_m2"))},
            "evolution_total_cents": t.num("rac_delta"),
            "evolution_moyenne_cents": cents_mean(t.num("rac_delta")),
            "hausse": t.num("rac_up"),
            "baisse": t.num("rac_down"),
            "stable": t.num("rac_same"),
        },
        "indemnites_minoration": {
            "base": base,
            "eligibles": eligible,
            "non_eligibles": t.num("ind:" + indemnities.NOT_ELIGIBLE),
            "a_verifier": t.num("ind:" + indemnities.TO_CHECK),
            "taux_eligibles": rate(eligible, base),
            "montant_total_cents": t.num("ind_total"),
            "par_beneficiaire": {
                b: {"nombre": ind_n[b], "montant_cents": ind_amount.get(b, 0)} for b in sorted(ind_n)
            },
            "references_a_verifier": _sorted_elements(t.bag("ind_refs")),
            "baremes": sorted(t.bag("ind_scales")),
        },
    }


def figures(t: Tally, instant: Any) -> dict[str, Any]:
    """A group's dashboard figures (``dashboard._figures``'s shape) from its tally;
    ``instant`` decides which live proposals are still in their objection window."""
    status = {s: t.num("status:" + s) for s in ("a_reloger", "proposition_en_cours", "reloge", "sorti")}
    leases = t.num("leases")
    delays = _sorted_elements(t.bag("delays"))
    last, beyond = _sorted_elements(t.bag("last_refs")), _sorted_elements(t.bag("beyond_refs"))
    counts, considered = t.bag("pcount"), t.bag("considered")
    return {
        "menages": {
            "inscrits": t.num("inscrits"),
            "a_reloger": status["a_reloger"],
            "proposition_en_cours": status["proposition_en_cours"],
            "reloges": status["reloge"],
            "sortis": status["sorti"],
            "restant_a_reloger": status["a_reloger"] + status["proposition_en_cours"],
        },
        "propositions": {
            "faites": t.num("faites"),
            "en_cours": t.num("en_cours"),
            "en_attente_delai": sum(c for d, c in t.bag("deadlines").items() if d > instant),
            "bloquees": t.num("bloquees"),
            "oppositions_ouvertes": t.num("oppositions_ouvertes"),
            "refus": t.num("refus"),
            "refus_par_motif": dict(sorted(t.bag("motifs").items())),
        },
        "destinations": {
            "base": leases,
            **{name: {"nombre": t.num("flag:" + name), "taux": rate(t.num("flag:" + name), leases)}
               for name in FLAG_NAMES},
        },
        "taux_effort": _evolution_summary(t, "taux_effort_points", TE_BINS, "pts"),
        "reste_a_vivre_personne": _evolution_summary(t, "rav_person_day", RAV_BINS, "€/j"),
        "reste_a_vivre_uc": _evolution_summary(t, "rav_uc_day", RAV_BINS, "€/j"),
        "delais": {"nombre": len(delays), "mediane_jours": _median(delays)},
        "troisieme_proposition": {
            "nombre": len(last), "references": last, "au_dela": len(beyond), "references_au_dela": beyond,
        },
        "propositions_par_menage": {
            "distribution": {("4+" if k == 4 else str(k)): counts.get(k, 0) for k in range(5)},
            "moyenne_reloges": _mean(t.num("reloc_pcount"), status["reloge"]),
        },
        "offres_examinees": {
            "distribution": {("5+" if k == 5 else str(k)): considered.get(k, 0) for k in range(6)},
            "moyenne": _mean(t.num("considered_sum"), t.num("inscrits")),
        },
        "retours": t.num("retours"),
        **_lease_figures(t),
    }


def reception_figures(t: Tally) -> dict[str, Any]:
    """A receiving bailleur's figures (``dashboard._reception_figures``'s shape)."""
    leases = t.num("leases")
    return {
        "relogements": leases,
        "origine": dict(sorted(t.bag("origin").items())),
        "inter_bailleur": {"nombre": t.num("inter"), "taux": rate(t.num("inter"), leases)},
        "propositions": {
            "faites": t.num("faites"),
            "en_cours": t.num("en_cours"),
            "refus": t.num("refus"),
            "refus_par_motif": dict(sorted(t.bag("motifs").items())),
        },
        "taux_effort": _evolution_summary(t, "taux_effort_points", TE_BINS, "pts"),
        "reste_a_vivre_personne": _evolution_summary(t, "rav_person_day", RAV_BINS, "€/j"),
        **_lease_figures(t),
    }


def _median(values: Iterable[Any]) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1"))
