"""Realistic energy fields for the demo's dwellings (DPE label, heating, DPE cost range).

Derived from the dwelling's own figures, never from the random stream: adding them left
every other figure of a seeded programme unchanged. Old QPV blocks are mostly on collective
heating (in the charges) and labelled D–F; new buildings B or A, with individual heating
(electric, or gas for houses) — the move from collective to individual heating is the case
residents complain about. The cost range is the label's reference cost per m² (platform/
energy.py) × the surface, ±15 %, rounded to 10 €, as a DPE prints it.
"""

from __future__ import annotations

from decimal import Decimal

from relogement.platform.energy import DPE_COST_PER_M2


def demo_energy(construction_year: int, surface: Decimal, individual: bool, rent_cents: int) -> dict:
    spread = rent_cents // 100 % 7  # a stable 0–6 "dice" from the rent
    if construction_year >= 2021:
        label = "A" if spread < 3 else "B"
    elif construction_year >= 2013:
        label = "B" if spread < 4 else "C"
    elif construction_year >= 1990:
        label = "C" if spread < 3 else "D"
    elif construction_year >= 1975:
        label = "D" if spread < 4 else "E"
    else:
        label = ("D", "E", "E", "E", "F", "F", "G")[spread]
    if individual:
        heating = "individuel_gaz" if spread % 2 else "individuel_electricite"
    elif construction_year >= 2006:
        heating = "individuel_electricite" if spread < 4 else "collectif"
    else:
        heating = "collectif" if spread < 5 else "individuel_gaz"
    yearly = DPE_COST_PER_M2[label] * Decimal(surface)
    low = int((yearly * Decimal("0.85") / 10).to_integral_value()) * 10
    high = int((yearly * Decimal("1.15") / 10).to_integral_value()) * 10
    return {"dpe_label": label, "heating": heating, "energy_cost_min_euros": low, "energy_cost_max_euros": high}
