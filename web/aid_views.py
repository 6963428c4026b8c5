"""The simulated housing aid on the pages: one batched call to the simulation service.

The web workers only speak HTTP to the service (relogement.housing_aid.client); when it is
down or slow the pages say "simulation indisponible" and work as before.
"""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from flask import Flask, current_app

from relogement.housing_aid.client import AidSimulator, Estimates, aid_estimates, url_from_env
from relogement.platform.simulated_aid import ZONES, SimulatedAid
from relogement.web.context import now
from relogement.web.filters import PARIS


def register_simulator(app: Flask, config: dict) -> None:
    """SIMULATION_URL / SIMULATION_TIMEOUT in the config, else RELOGEMENT_SIMULATION_URL /
    RELOGEMENT_SIMULATION_TIMEOUT (default http://127.0.0.1:5001, 5 s)."""
    url = config.get("SIMULATION_URL") or url_from_env()
    timeout = float(config.get("SIMULATION_TIMEOUT") or os.environ.get("RELOGEMENT_SIMULATION_TIMEOUT", 5))
    app.extensions["relogement.aid_simulator"] = AidSimulator(url, timeout)


def simulator() -> AidSimulator | None:
    return current_app.extensions.get("relogement.aid_simulator")


def simulation_month() -> date:
    """The legislation simulated: the current month, Paris time."""
    return now().astimezone(PARIS).date().replace(day=1)


def offer_aids(household: Any, offers: list[Any]) -> Estimates:
    """Simulated aid of every offer for one household (one call; cached by inputs)."""
    if not household.situation:
        return Estimates(available=True)
    return aid_estimates(
        simulator(), household.situation, [(str(o.id), o.dwelling) for o in offers], simulation_month()
    )


def aid_label(aid: SimulatedAid | dict | None) -> str:
    """"APL simulée : 312 € (OpenFisca-France 176.1.8, législation au 01/10/2026, zone 2)"."""
    if aid is None:
        return ""
    data = aid.to_dict() if isinstance(aid, SimulatedAid) else aid
    amount = f"{data['amount_cents'] / 100:,.0f}".replace(",", "\u202f")
    day = date.fromisoformat(data["legislation_date"]).strftime("%d/%m/%Y")
    zone = ZONES.get(data.get("zone") or "", "zone inconnue")
    return f"APL simulée : {amount} € ({data['model']} {data['model_version']}, législation au {day}, {zone})"
