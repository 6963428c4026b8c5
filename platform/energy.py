"""Energy in the cost of a dwelling: "coût du logement énergie comprise".

Variant of the reste à charge (README, "Énergie"):
    coût du logement énergie comprise = reste à charge + énergie mensuelle estimée
where the monthly energy is counted only when the heating is individual (collective heating
is already in the recoverable charges). The estimate, in order of preference:
1. the DPE's estimated annual cost range ("entre X € et Y € par an", printed on every DPE
   since July 2021): the middle of the range / 12;
2. only a label: the label's reference cost per m² and per year (``DPE_COST_PER_M2``) ×
   the surface / 12;
3. nothing known: no estimate (the figure says "énergie non estimée").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from relogement.platform.errors import InvalidValue

DPE_LABELS = ("A", "B", "C", "D", "E", "F", "G")
HEATING = {
    "collectif": "chauffage collectif, inclus dans les charges",
    "individuel_gaz": "chauffage individuel au gaz",
    "individuel_electricite": "chauffage individuel électrique",
    "individuel_autre": "chauffage individuel, autre énergie",
}
INDIVIDUAL = ("individuel_gaz", "individuel_electricite", "individuel_autre")

# Reference data: annual energy cost per m² by DPE label (euros, all five conventional uses).
# The middle of each label's band of primary energy (arrêté du 31 mars 2021 relatif aux méthodes
# et procédures applicables au DPE, annexe 1 : A ≤ 70, B ≤ 110, C ≤ 180, D ≤ 250, E ≤ 330,
# F ≤ 420 kWh EP/m²/an; so A 35, B 90, C 145, D 215, E 290, F 375; G, unbounded, taken at 450) × 0.11 € per kWh of primary energy (regulated gas price
# ≈ 0.11 €/kWh; electricity ≈ 0.25 €/kWh ÷ its primary-energy factor 2.3 ≈ 0.11 €/kWh EP),
# prices of 1 January 2024. An order of magnitude when the DPE's own range is missing.
DPE_COST_VALID_FROM = "2024-01-01"
DPE_COST_SOURCE = (
    "Arrêté du 31 mars 2021 (seuils des étiquettes DPE, coefficient 2,3 de l'électricité) ; "
    "prix moyen 0,11 € par kWh d'énergie primaire au 01/01/2024"
)
DPE_COST_PER_M2 = {
    "A": Decimal("3.85"), "B": Decimal("9.90"), "C": Decimal("15.95"), "D": Decimal("23.65"),
    "E": Decimal("31.90"), "F": Decimal("41.25"), "G": Decimal("49.50"),
}


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def energy_estimate(dwelling: dict) -> dict:
    """The monthly energy estimate of a dwelling (its stored dict), with how it was made."""
    label = dwelling.get("dpe_label") or ""
    heating = dwelling.get("heating") or ""
    low, high = dwelling.get("energy_cost_min_euros"), dwelling.get("energy_cost_max_euros")
    record = {"dpe_label": label, "heating": heating, "monthly_cents": None, "method": "inconnu",
              "range_euros": [low, high] if low is not None and high is not None else None}
    if heating == "collectif":
        return {**record, "monthly_cents": 0, "method": "collectif"}
    if heating not in INDIVIDUAL:
        return record
    if low is not None and high is not None:
        # middle of the range / 12, in cents: (low + high) / 2 × 100 / 12
        return {**record, "monthly_cents": _cents(Decimal(low + high) * 100 / 24), "method": "fourchette_dpe"}
    if label in DPE_COST_PER_M2:
        surface = Decimal(str(dwelling.get("surface_m2") or 0))
        yearly = DPE_COST_PER_M2[label] * surface
        return {**record, "monthly_cents": _cents(yearly * 100 / 12), "method": "etiquette_surface",
                "reference": {"valid_from": DPE_COST_VALID_FROM, "source": DPE_COST_SOURCE,
                              "euros_per_m2_year": str(DPE_COST_PER_M2[label])}}
    return record


def energy_record(rac_before_cents: int, before: dict, rac_after_cents: int, after: dict) -> dict:
    """The energy-inclusive cost before and after a move (stored beside the indicators).

    A side without an estimate has no energy-inclusive cost (None), so no evolution.
    """
    def cost(rac: int, estimate: dict) -> int | None:
        monthly = estimate["monthly_cents"]
        return None if monthly is None else rac + monthly

    cost_before, cost_after = cost(rac_before_cents, before), cost(rac_after_cents, after)
    return {
        "convention": "reste à charge + énergie mensuelle estimée si chauffage individuel "
                      "(milieu de la fourchette DPE ÷ 12, sinon étiquette × surface)",
        "before": {**before, "cost_cents": cost_before},
        "after": {**after, "cost_cents": cost_after},
        "evolution_cents": None if cost_before is None or cost_after is None else cost_after - cost_before,
    }


def with_energy(record: dict, before_dwelling: dict, after_dwelling: dict, rav_cost: str) -> dict:
    """The indicator record with its energy part, and the reste-à-vivre with the energy-inclusive
    cost (per person and per consumption unit) when both sides have an estimate.

    ``rav_cost``: the project's setting, "standard" (reste à charge) or "energie" (coût du
    logement énergie comprise): which cost the project's reste-à-vivre convention uses.
    """
    energy = energy_record(
        record["before"]["reste_a_charge_cents"], energy_estimate(before_dwelling),
        record["after"]["reste_a_charge_cents"], energy_estimate(after_dwelling),
    )
    energy["rav_cost"] = rav_cost
    for side in ("before", "after"):
        cost = energy[side]["cost_cents"]
        inputs = record[side]["inputs"]
        if cost is None:
            continue
        resources = inputs["resources_cents"]
        units = Decimal(str(inputs["consumption_units"]))
        per_day = Decimal(resources - cost) / 100 / 30
        energy[side]["rav_person_day"] = str((per_day / inputs["persons"]).quantize(Decimal("0.0001"), ROUND_HALF_UP))
        energy[side]["rav_uc_day"] = str((per_day / units).quantize(Decimal("0.0001"), ROUND_HALF_UP))
    return {**record, "energy": energy}


def check_energy(d: Any) -> None:
    """The energy fields of a dwelling (platform/values.py Dwelling): label, heating, range."""
    if d.dpe_label not in ("", *DPE_LABELS):
        raise InvalidValue("dpe_label", f"Étiquette DPE invalide « {d.dpe_label} » (de A à G).")
    if d.heating not in ("", *HEATING):
        raise InvalidValue("heating", f"Mode de chauffage inconnu « {d.heating} ».")
    low, high = d.energy_cost_min_euros, d.energy_cost_max_euros
    if (low is None) != (high is None):
        raise InvalidValue("energy_cost_min_euros", "La fourchette de coût d'énergie du DPE a deux bornes (entre X € et Y € par an).")
    if low is not None:
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (low, high)) or not 0 <= low <= high <= 20_000:
            raise InvalidValue("energy_cost_min_euros", "Fourchette de coût d'énergie invalide : de 0 à 20 000 € par an, la première borne au plus égale à la seconde.")
