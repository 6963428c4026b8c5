"""The simulated housing aid on the offer ranking ("Logements adaptés", issue 21).

:class:`SimulatedAid` is an :class:`~relogement.platform.aid_estimate.AidProvider`: it asks
the simulation service for every offer of the ranking in ONE batched call (the HTTP client
of :mod:`relogement.housing_aid.client`; the web workers never load OpenFisca) and gives
each offer the aid its figures after the move use:

1. the aid the officer typed on the ranking page, if any (the same for every offer);
2. else the simulated aid of that offer, when the service gave one;
3. else the household's current aid, carried over.

Whatever is used, the simulated figures travel with the estimates (``.simulated``) so each
row shows "APL simulée : X €" beside the figure used. The client caches each figure by
its inputs (household composition and resources, the dwelling's rent, charges, typology,
commune, the month), so a ranking read again at the same position asks the service
nothing, and any change of those figures is a new key. The offers' part of those keys is
built once per pool (:func:`dwelling_keys`), so a request only looks its figures up. When the service is down or slow
the ranking uses the fallback and says "simulation indisponible" (the client then waits
30 s before asking again, so no page waits for the timeout twice in a row).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from relogement.housing_aid.client import (
    UNAVAILABLE,
    AidSimulator,
    Estimates,
    dwelling_key,
    keyed_estimates,
)
from relogement.platform.aid_estimate import AidEstimate, TypedAid
from relogement.platform.simulated_aid import AID_USED, SIMULATED, ZONES

if TYPE_CHECKING:
    from relogement.platform.matching import HouseholdProfile, OfferProfile

CARRIED = "aide actuelle du ménage, reportée (estimation)"
SIMULATED_SOURCE = AID_USED[SIMULATED]  # "aide simulée (OpenFisca-France)"


class Simulated(Mapping[str, AidEstimate]):
    """The estimates used (offer id → estimate), with the simulation beside them.

    ``cents``: the aid used per offer, in the offers' order (the ranking's column), when
    it is not one figure for all."""

    def __init__(self, used: Mapping[str, AidEstimate], simulated: Estimates, source: str,
                 cents: np.ndarray | None = None, key: tuple | None = None) -> None:
        self._used, self.simulated, self.source, self.cents = used, simulated, source, cents
        # What the estimates used are, exactly (each offer's aid and whether it is simulated):
        # a ranking computed from equal keys is the same ranking (web.matching_reader's cache).
        self.key = key

    def __getitem__(self, key: str) -> AidEstimate:
        return self._used[key]

    @property
    def uniform(self) -> AidEstimate | None:
        # The officer's figure or the carried-over aid is one figure for all (no column).
        return getattr(self._used, "uniform", None)

    def __iter__(self):
        return iter(self._used)

    def __len__(self) -> int:
        return len(self._used)


class _Used(Mapping[str, AidEstimate]):
    """The simulated aid of each offer that has one, else the fallback's; each estimate
    made when read (a page reads ten of two thousand)."""

    def __init__(self, keys: Sequence[str], simulated: Estimates, fallback: Mapping[str, AidEstimate]) -> None:
        self._keys, self._simulated, self._fallback = keys, simulated, fallback

    def __getitem__(self, key: str) -> AidEstimate:
        aid = self._simulated.get(key)
        if aid:
            return AidEstimate(aid.amount_cents, SIMULATED_SOURCE)
        return self._fallback[key]

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class SimulatedAid:
    """The ranking's aid: typed, else simulated (one batch), else carried over.

    ``month``: the legislation simulated, the month of the ranking's day (the viewpoint's:
    a ranking read as of a past day simulates that month's law)."""

    def __init__(self, simulator: AidSimulator | None, month: date, typed_cents: int | None = None) -> None:
        self.simulator, self.month, self.typed_cents = simulator, month.replace(day=1), typed_cents

    def estimate(self, household: HouseholdProfile, offers: Sequence[OfferProfile]) -> Simulated:
        situation = {"ages": household.ages, "resources_cents": household.resources_cents}
        simulated = keyed_estimates(self.simulator, situation, dwelling_keys(offers), self.month)
        fallback = TypedAid(self.typed_cents).estimate(household, offers)
        if self.typed_cents is not None or not simulated.aids:
            return Simulated(fallback, simulated, fallback[offers[0].id].source if offers else CARRIED)
        keys = [o.id for o in offers]
        carried, aids = fallback[keys[0]], simulated.aids
        found = [aids.get(k) for k in keys]
        cents = np.array([aid.amount_cents if aid else carried.cents for aid in found], dtype=np.int64)
        used = np.array([bool(aid) for aid in found], dtype=bool)  # simulated, else carried over
        source = SIMULATED_SOURCE if len(simulated.aids) == len(offers) else (
            f"{SIMULATED_SOURCE}, sinon {CARRIED}")
        digest = hashlib.blake2b(cents.tobytes() + used.tobytes(), digest_size=20).digest()
        key = ("simulated", source, carried, len(keys), digest)
        return Simulated(_Used(keys, simulated, fallback), simulated, source, cents, key)


def dwelling_keys(offers: Sequence[OfferProfile]) -> Sequence[tuple[str, tuple]]:
    """(offer id, the simulation's key of its dwelling) for each offer. A pool's offers (a
    tuple, ``OfferColumns.offers``: one per read position) are keyed once, not per request."""
    if not isinstance(offers, tuple):
        return _keys(offers)
    found = _KEYED.get(id(offers))
    if found is not None and found[0] is offers:
        return found[1]
    keys = _keys(offers)
    if len(_KEYED) >= _KEYED_MAX:
        _KEYED.clear()
    _KEYED[id(offers)] = (offers, keys)  # the pool kept alive: its id is not reused meanwhile
    return keys


def _keys(offers: Sequence[OfferProfile]) -> list[tuple[str, tuple]]:
    return [(o.id, dwelling_key({"rent_cents": o.rent_cents, "charges_cents": o.charges_cents,
                                 "typology": o.typology, "commune": o.commune})) for o in offers]


_KEYED: dict[int, tuple[tuple, list[tuple[str, tuple]]]] = {}
_KEYED_MAX = 32


def simulation_note(estimates: Estimates | None) -> dict[str, Any] | None:
    """What the page says once about the simulation: its model, version, legislation date
    and zone(s); or that it is unavailable. None when nothing was simulated (no offers)."""
    if estimates is None:
        return None
    if not estimates.aids:
        return {"available": False} if not estimates.available or estimates.reasons else None
    first = next(iter(estimates.aids.values()))
    zones = sorted({ZONES.get(a.zone or "", "zone inconnue") for a in estimates.aids.values()})
    return {
        "available": estimates.available, "model": first.model, "model_version": first.model_version,
        "legislation_date": first.legislation_date, "zones": ", ".join(zones),
    }


def row_label(estimates: Estimates | None, offer_id: str) -> str:
    """"APL simulée : 312 €" for one offer of the ranking (whole euros, as on the proposal
    form), or why there is none ("APL simulée : simulation indisponible")."""
    if estimates is None:
        return ""
    aid = estimates.get(offer_id)
    if aid is None:
        reason = estimates.reasons.get(offer_id, "")
        return f"APL simulée : {'simulation indisponible' if not reason or reason == UNAVAILABLE else reason}"
    amount = f"{aid.amount_cents / 100:,.0f}".replace(",", "\u202f")
    return f"APL simulée : {amount} €"
