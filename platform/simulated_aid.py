"""The housing aid simulated by OpenFisca-France, as a proposal records it.

A simulation is an input of the proposal, recorded with everything needed to know what it
was: the figure, the inputs sent, the model and its version, the legislation date (the month
simulated) and the housing-aid zone. History reads the recorded figure, never a new
simulation: upgrading the model changes no past proposal.

Which figure a proposal uses is the officer's choice (``AID_USED``): the simulated one or
the officer's own estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from relogement.platform.errors import InvalidValue

SIMULATED, TYPED = "simulee", "saisie"
AID_USED = {SIMULATED: "aide simulée (OpenFisca-France)", TYPED: "estimation du chargé de relogement"}
ZONES = {"zone_1": "zone 1", "zone_2": "zone 2", "zone_3": "zone 3"}
# What an event without a simulation says (proposals made before simulation existed,
# or made while the service was unavailable).
NOT_SIMULATED, UNAVAILABLE = "non_simulee", "indisponible"


@dataclass(frozen=True)
class SimulatedAid:
    amount_cents: int
    model: str
    model_version: str
    legislation_date: date
    zone: str | None
    inputs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.amount_cents, bool) or not isinstance(self.amount_cents, int) or not 0 <= self.amount_cents <= 500_000:
            raise InvalidValue("aide_simulee", "Aide simulée invalide.")
        if not self.model or not self.model_version:
            raise InvalidValue("aide_simulee", "La simulation doit nommer son modèle et sa version.")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["legislation_date"] = self.legislation_date.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SimulatedAid:
        return cls(**{**data, "legislation_date": date.fromisoformat(data["legislation_date"])})


def aid_record(
    officer_cents: int | None, simulated: SimulatedAid | None, used: str, status: str | None = None
) -> dict:
    """The ``aid`` part of a proposal event: both figures, and which one the indicators use."""
    if used not in AID_USED:
        raise InvalidValue("aide_retenue", "Choisissez l'aide retenue : simulée ou estimée.")
    if used == SIMULATED and simulated is None:
        raise InvalidValue(
            "aide_retenue",
            "Simulation indisponible : l'aide simulée ne peut pas être retenue ; saisissez l'estimation.",
        )
    if used == TYPED and officer_cents is None:
        raise InvalidValue("apl_estimee", "Saisissez l'aide au logement estimée.")
    return {
        "used": used,
        "officer_cents": officer_cents,
        "simulated": None if simulated is None else simulated.to_dict(),
        "status": "simulee" if simulated is not None else (status or NOT_SIMULATED),
    }


def used_cents(record: dict) -> int:
    """The aid the indicators were computed with."""
    if record["used"] == SIMULATED:
        return int(record["simulated"]["amount_cents"])
    return int(record["officer_cents"])
