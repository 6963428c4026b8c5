"""The housing aid a household would receive in an offered dwelling: an estimate, from a
pluggable provider.

A proposal records the aid the officer typed (``make_proposal(apl_after_cents=…)``);
the ranking of offers needs one figure per offer before anything is typed. Today's
provider (:class:`TypedAid`) takes the officer's figure typed on the ranking page, or
else the household's current aid carried over to every offer, and says which. A
simulated aid (OpenFisca, design.md "Simulations are inputs, recorded") plugs in as
another :class:`AidProvider`: it receives every offer of one ranking at once, so it can
batch them in one simulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from relogement.platform.matching import HouseholdProfile, OfferProfile


@dataclass(frozen=True)
class AidEstimate:
    """Monthly aid in cents and where the figure comes from (shown next to it)."""

    cents: int
    source: str


class AidProvider(Protocol):
    """Estimates the aid of one household in each of several offered dwellings."""

    def estimate(
        self, household: HouseholdProfile, offers: Sequence[OfferProfile]
    ) -> Mapping[str, AidEstimate]:
        """offer id (hex) → estimate, for every offer given."""
        ...


class _Same(Mapping[str, AidEstimate]):
    """One estimate for every offer (no per-offer work: the ranking reads it per offer)."""

    def __init__(self, estimate: AidEstimate, offers: Sequence[OfferProfile]) -> None:
        # The offers, not their ids: a ranking reads ten estimates of a pool of thousands,
        # so the ids are listed only if the mapping is iterated.
        self._estimate, self._offers = estimate, offers

    def __getitem__(self, key: str) -> AidEstimate:
        return self._estimate

    @property
    def uniform(self) -> AidEstimate:
        """The one estimate (a ranking then needs no column of aids)."""
        return self._estimate

    def __iter__(self):
        return (o.id for o in self._offers)

    def __len__(self) -> int:
        return len(self._offers)


def uniform(estimates: Mapping[str, AidEstimate]) -> AidEstimate | None:
    """The estimate every offer shares, if the provider gave one for all (else None)."""
    return getattr(estimates, "uniform", None)


@dataclass(frozen=True)
class TypedAid:
    """The officer's figure (``typed_cents``), else the household's current aid."""

    typed_cents: int | None = None

    def estimate(
        self, household: HouseholdProfile, offers: Sequence[OfferProfile]
    ) -> Mapping[str, AidEstimate]:
        if self.typed_cents is not None:
            one = AidEstimate(self.typed_cents, "estimation saisie par le chargé de relogement")
        else:
            one = AidEstimate(household.apl_cents, "aide actuelle du ménage, reportée (estimation)")
        return _Same(one, offers)
