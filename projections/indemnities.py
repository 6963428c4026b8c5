"""Indemnité ANRU pour minoration de loyer: which relocations qualify, and for how much.

../shared/domain.md ("Formulas"): the NPNRU pays a flat indemnity to the *relocating*
bailleur (the household's bailleur of origin) when a household is relocated for
good into new social housing or housing under APL agreement for less than 5 years,
with the lease's rent at or under the household's APL rent ceiling. The amount
depends on the typology of the new dwelling (2016 scale) and, since the arrêté of
24 August 2021, on its zone too.

Everything comes from what the events stored, plus reference data with validity
dates (``reference/*.csv``, never constants):

- the lease (``rm_proposals`` row with status ``bail_signe``): rent, signing date,
  the ``neuf_moins_5_ans`` flag computed at signature, the ages at signature;
- the let dwelling (``rm_offers`` row): commune, typology, financing;
- ``plafonds_loyer_apl.csv``: APL rent ceilings per zone (I/II/III), composition
  and date of effect;
- ``zonage_communes.csv``: commune → APL zone and 1995 zone;
- ``minoration_loyer.csv``: the scales (2016 national; 2021 per zone, **demo
  values** until the official ones are entered: every figure says which statut
  its amounts have).

The scale and the ceiling in force are those of the lease's signing date, so the
assessment of a relocation never changes with the date a report is produced: a
dashboard as of any position reads the leases known at that position.

Conventions (shown beside the figures):
- "logement social": financing PLAI, PLUS or PLS (conventionné APL); PLI and
  "autre" are not;
- composition for the ceiling: the platform does not record family links, so two
  persons aged 18 or more count as a couple (the two titulaires) and every other
  person as a person in charge (personne à charge); one adult alone is "isolé";
- the rent compared is the loyer principal of the lease (without annexes or
  charges), as for the APL;
- a relocation is *à vérifier* (never silently "not eligible") when the commune is
  missing from the zoning or no ceiling / scale covers the signing date.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from relogement.projections.summary_statistics import rate

REFERENCE = Path(__file__).parent / "reference"
CEILINGS_FILE = REFERENCE / "plafonds_loyer_apl.csv"
SCALE_FILE = REFERENCE / "minoration_loyer.csv"
ZONES_FILE = REFERENCE / "zonage_communes.csv"

SOCIAL_FINANCINGS = ("PLAI", "PLUS", "PLS")
ADULT_AGE = 18

ELIGIBLE, NOT_ELIGIBLE, TO_CHECK = "eligible", "non_eligible", "a_verifier"
STATUS_LABELS = {ELIGIBLE: "Éligible", NOT_ELIGIBLE: "Non éligible", TO_CHECK: "À vérifier"}

CONVENTIONS = (
    "Indemnité versée au bailleur relogeur (bailleur d'origine du ménage), barème et plafond APL "
    "en vigueur à la date de signature du bail.",
    "Logement neuf ou de moins de 5 ans : indicateur calculé à la signature du bail "
    "(année de signature − année de construction < 5).",
    "Logement social conventionné APL : financement PLAI, PLUS ou PLS.",
    "Plafond APL selon la composition : deux personnes de 18 ans ou plus = couple, "
    "les autres personnes = personnes à charge.",
    "Loyer comparé : loyer principal du bail, hors loyers annexes et charges.",
)


def _cents(euros: str) -> int:
    return int((Decimal(euros) * 100).to_integral_value())


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


@dataclass(frozen=True)
class Ceiling:
    zone_apl: str
    effective: date
    isole_cents: int
    couple_cents: int
    one_dependant_cents: int
    per_extra_dependant_cents: int
    source: str
    statut: str


@dataclass(frozen=True)
class ScaleRow:
    bareme: str
    start: date
    end: date | None  # inclusive
    zone_1995: str  # "*" = every zone
    typologies: tuple[str, ...]
    amount_cents: int
    source: str
    statut: str


@dataclass(frozen=True)
class Reference:
    ceilings: tuple[Ceiling, ...]
    scale: tuple[ScaleRow, ...]
    zones: dict[str, dict[str, str]]  # normalised commune name -> row

    def zone(self, commune: str) -> dict[str, str] | None:
        return self.zones.get(_norm(commune))

    def ceiling_row(self, zone_apl: str, on: date) -> Ceiling | None:
        """The ceiling row in force on ``on`` (latest date of effect at or before it)."""
        rows = [c for c in self.ceilings if c.zone_apl == zone_apl and c.effective <= on]
        return max(rows, key=lambda c: c.effective) if rows else None

    def scale_row(self, zone_1995: str | None, typology: str, on: date) -> ScaleRow | None:
        for row in self.scale:
            in_force = row.start <= on and (row.end is None or on <= row.end)
            zone_ok = row.zone_1995 == "*" or (zone_1995 is not None and row.zone_1995 == zone_1995)
            if in_force and zone_ok and typology in row.typologies:
                return row
        return None


def _norm(commune: str) -> str:
    return " ".join(commune.replace("’", "'").split()).casefold()


def _date(text: str) -> date:
    return date.fromisoformat(text.strip())


@lru_cache(maxsize=8)
def _load(ceilings: str, scale: str, zones: str) -> Reference:
    return Reference(
        ceilings=tuple(
            Ceiling(
                zone_apl=r["zone_apl"].strip(),
                effective=_date(r["date_effet"]),
                isole_cents=_cents(r["isole"]),
                couple_cents=_cents(r["couple_sans_charge"]),
                one_dependant_cents=_cents(r["une_personne_a_charge"]),
                per_extra_dependant_cents=_cents(r["par_personne_a_charge_supp"]),
                source=r["source"],
                statut=r["statut"],
            )
            for r in _rows(Path(ceilings))
        ),
        scale=tuple(
            ScaleRow(
                bareme=r["bareme"],
                start=_date(r["date_debut"]),
                end=_date(r["date_fin"]) if r["date_fin"].strip() else None,
                zone_1995=r["zone_1995"].strip(),
                typologies=tuple(r["typologies"].split()),
                amount_cents=_cents(r["montant_euros"]),
                source=r["source"],
                statut=r["statut"],
            )
            for r in _rows(Path(scale))
        ),
        zones={_norm(r["commune"]): r for r in _rows(Path(zones))},
    )


def load_reference(
    ceilings: Path | str | None = None, scale: Path | str | None = None, zones: Path | str | None = None
) -> Reference:
    """The reference tables (cached per set of files); defaults to ``reference/*.csv``."""
    return _load(str(ceilings or CEILINGS_FILE), str(scale or SCALE_FILE), str(zones or ZONES_FILE))


# -- the assessment of one relocation -------------------------------------------------------


def apl_composition(ages: list[int]) -> tuple[str, int]:
    """(label, persons in charge) under the convention of this module."""
    adults = sum(1 for a in ages if a >= ADULT_AGE)
    holders = 2 if adults >= 2 else 1
    dependants = len(ages) - holders
    if dependants == 0:
        return ("couple sans personne à charge" if holders == 2 else "personne seule"), 0
    who = "couple" if holders == 2 else "personne seule"
    plural = "s" if dependants > 1 else ""
    return f"{who} et {dependants} personne{plural} à charge", dependants


def ceiling_cents(row: Ceiling, ages: list[int]) -> int:
    adults = sum(1 for a in ages if a >= ADULT_AGE)
    _, dependants = apl_composition(ages)
    if dependants == 0:
        return row.couple_cents if adults >= 2 else row.isole_cents
    return row.one_dependant_cents + (dependants - 1) * row.per_extra_dependant_cents


def _euros(cents: int) -> str:
    text = f"{Decimal(cents) / 100:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return f"{text}\u00a0€"


def assess(lease: dict, offer: dict | None, reference: Reference | None = None) -> dict[str, Any]:
    """Eligibility of one signed lease (an ``rm_proposals`` row) to the indemnity.

    Returns ``statut`` (eligible / non_eligible / a_verifier), ``motifs`` (French,
    why not or what to check), ``montant_cents`` (0 unless eligible), and the
    inputs a user needs to redo the check: rent, ceiling, zone, composition,
    scale and the statut of the reference values used ("demo" for demo amounts).
    """
    ref = reference or load_reference()
    indicators = lease.get("lease_indicators") or {}
    flags = indicators.get("flags", {})
    ages = list(indicators.get("after", {}).get("inputs", {}).get("ages", []))
    signed_on: date = lease["lease_signed_on"]
    rent = int(lease["lease_rent_cents"])
    typology = (offer or {}).get("typology") or lease.get("offer_typology", "")
    commune = (offer or {}).get("commune") or lease.get("offer_commune", "")
    financing = (offer or {}).get("financing")
    refusals: list[str] = []  # decisive reasons
    checks: list[str] = []  # missing reference or data

    if not flags.get("neuf_moins_5_ans"):
        age = flags.get("dwelling_age_years")
        refusals.append(
            f"logement ni neuf ni de moins de 5 ans ({age} ans à la signature)"
            if age is not None else "logement ni neuf ni de moins de 5 ans"
        )
    if financing is None:
        checks.append("financement du logement inconnu")
    elif financing not in SOCIAL_FINANCINGS:
        refusals.append(f"financement {financing} : logement non conventionné APL")

    zone = ref.zone(commune)
    zone_apl = zone["zone_apl"] if zone else None
    zone_1995 = zone["zone_1995"] if zone else None
    ceiling = None
    ceiling_row = None
    composition, _ = apl_composition(ages) if ages else ("composition inconnue", 0)
    if zone is None:
        checks.append(f"commune « {commune} » absente du zonage de référence")
    else:
        ceiling_row = ref.ceiling_row(zone_apl, signed_on)  # type: ignore[arg-type]
        if ceiling_row is None:
            checks.append(f"aucun plafond APL de référence au {signed_on:%d/%m/%Y} (zone {zone_apl})")
        elif not ages:
            checks.append("composition du ménage inconnue")
        else:
            ceiling = ceiling_cents(ceiling_row, ages)
            if rent > ceiling:
                refusals.append(f"loyer {_euros(rent)} supérieur au plafond APL {_euros(ceiling)}")

    scale = ref.scale_row(zone_1995, typology, signed_on)
    if scale is None and not refusals and zone is not None:  # unknown zone: said above
        checks.append(f"aucun barème pour un {typology} au {signed_on:%d/%m/%Y}")

    if refusals:
        statut = NOT_ELIGIBLE
    elif checks:
        statut = TO_CHECK
    else:
        statut = ELIGIBLE
    return {
        "proposal_id": lease["proposal_id"],
        "household_id": lease["household_id"],
        "reference": lease.get("household_reference"),
        "beneficiaire": lease["household_bailleur"],  # the relocating bailleur
        "bailleur_accueil": lease["offer_bailleur"],
        "statut": statut,
        "statut_libelle": STATUS_LABELS[statut],
        "eligible": {ELIGIBLE: True, NOT_ELIGIBLE: False, TO_CHECK: None}[statut],
        "motifs": refusals + checks,
        "montant_cents": scale.amount_cents if statut == ELIGIBLE and scale else 0,
        "bail_signe_le": signed_on,
        "loyer_cents": rent,
        "plafond_apl_cents": ceiling,
        "plafond_source": ceiling_row.source if ceiling_row else None,
        "plafond_statut": ceiling_row.statut if ceiling_row else None,
        "composition": composition,
        "commune": commune,
        "zone_apl": zone_apl,
        "zone_1995": zone_1995,
        "typologie": typology,
        "financement": financing,
        "neuf_moins_5_ans": bool(flags.get("neuf_moins_5_ans")),
        "bareme": scale.bareme if scale else None,
        "bareme_statut": scale.statut if scale else None,
    }


def assess_all(
    leases: list[dict], offers_by_id: dict[str, dict], reference: Reference | None = None
) -> dict[str, dict]:
    """proposal id → assessment, for every signed lease given."""
    ref = reference or load_reference()
    return {p["proposal_id"]: assess(p, offers_by_id.get(p["offer_id"]), ref) for p in leases}


def summary(assessments: list[dict]) -> dict[str, Any]:
    """Counts and amounts over assessments (one group of the dashboard).

    ``par_beneficiaire``: relocating bailleur (org hex) → eligible count and amount;
    ``baremes``: the scales used with the statut of their amounts ("demo" means
    demonstration values: never send those to the ANRU).
    """
    eligible = [a for a in assessments if a["statut"] == ELIGIBLE]
    per: dict[str, dict[str, int]] = {}
    for a in eligible:
        slot = per.setdefault(a["beneficiaire"], {"nombre": 0, "montant_cents": 0})
        slot["nombre"] += 1
        slot["montant_cents"] += a["montant_cents"]
    return {
        "base": len(assessments),
        "eligibles": len(eligible),
        "non_eligibles": sum(1 for a in assessments if a["statut"] == NOT_ELIGIBLE),
        "a_verifier": sum(1 for a in assessments if a["statut"] == TO_CHECK),
        "taux_eligibles": rate(len(eligible), len(assessments)),
        "montant_total_cents": sum(a["montant_cents"] for a in eligible),
        "par_beneficiaire": dict(sorted(per.items())),
        "references_a_verifier": sorted(a["reference"] or "" for a in assessments if a["statut"] == TO_CHECK),
        "baremes": sorted({(a["bareme"], a["bareme_statut"]) for a in eligible}),
    }
