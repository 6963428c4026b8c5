"""A hand-worked programme for the dashboard extras and the ANRU export (tests only).

Nine households of the sample world (project "NPNRU Lille Sud"); every former
dwelling is in Lille (commune of sample.situation), APL zone II / 1995 zone 2.
Amounts in euros; RAC = reste à charge = rent + charges − APL.

| hh | origin | op (quartier) | ages          | before: typ m² rent+ch−APL = RAC | resources |
| I  | LMH    | FAU (LS-FAU)  | 45 43 12 9 7  | T4 70  400+100−250 = 250          | 2 000 |
| A  | LMH    | FAU           | 40 38         | T3 60  380+ 90−200 = 270          | 1 800 |
| B  | VCL    | FAU           | 62            | T3 55  330+ 80−180 = 230          | 1 000 |
| C  | PDC    | MOU (LS-MOU)  | 35 33 10 8 5  | T4 75  450+120−300 = 270          | 2 200 |
| D  | LMH    | MOU           | 50 48         | T3 65  400+100−150 = 350          | 1 600 |
| E  | VCL    | FAU           | 30 29         | T2 45  320+ 70−160 = 230          | 1 400 |
| F  | PDC    | MOU           | 30 5          | T2 48  330+ 70−220 = 180          | 1 100 |
| G  | LMH    | FAU           | 45            | T2 40  300+ 60−150 = 210          | 1 200 | refuses VCL's T3 (loyer)
| H  | VCL    | MOU           | 70 68         | T3 60  350+ 90−100 = 340          | 1 500 | leaves 01/06/2026

Leases (the let dwelling; rent + charges − APL = RAC after):
| hh | receiving | dwelling                                         | signed     | after RAC             |
| I  | VCL | T5 90 m², built 2018, PLUS, Lille LS-VAU (hors QPV)       | 15/10/2020 | 430+110−280 = 260     |
| A  | VCL | T3 65 m², built 2024, PLUS, Lomme, Lomme-Centre           | 02/03/2026 | 350+100−190 = 260     |
| B  | LMH | T2 45 m², built 2023, PLAI, Lille LS-FAU (QPV, on site)   | 16/03/2026 | 290.34+60−170 = 180.34|
| C  | PDC | T5 95 m², built 2025, PLUS, Loos LOO-CEN, house           | 01/04/2026 | 516.32+130−320 = 326.32|
| D  | VCL | T4 80 m², built 1990, PLUS, Lille LS-VAU                  | 15/04/2026 | 300+100−150 = 250     |
| E  | PDC | T3 62 m², built 2025, PLI,  Lille LS-MOU (QPV)            | 04/05/2026 | 300+ 80−120 = 260     |
| F  | LMH | T3 60 m², built 2024, PLUS, Arras, Arras-Centre           | 18/05/2026 | 380+ 80−230 = 230     |

Indemnity (APL ceilings zone II; scale by signing date):
- I: 2020-10-01 ceilings, couple + 3 in charge: 356.30 + 2 × 51.86 = 460.02 ≥ 430; built 2018,
  2 years old in 2020; PLUS → eligible; ANRU-2016 scale, T5 → 5 000 €, to LMH.
- A: 2025-10-01 ceilings, couple: 355.38 ≥ 350; 2 years; PLUS → eligible; ANRU-2021 (demo) zone 2
  T3 → 5 000 €, to LMH.
- B: single person: 290.34 ≥ 290.34 (equal); 3 years; PLAI → eligible; zone 2 T2 → 2 000 €, to VCL.
- C: couple + 3 in charge: 399.89 + 2 × 58.21 = 516.31 < 516.32 → not eligible (rent).
- D: built 1990 (36 years) → not eligible.   E: PLI → not eligible.
- F: Arras is not in the zoning reference → to check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from relogement.platform.values import PersonalData, Wishes
from relogement.simulation import sample

BEFORE = {
    # key: (bailleur, operation, ages, typology, surface, resources, rent, charges, apl)
    "I": ("LMH", "DEM-FAU-1", (45, 43, 12, 9, 7), "T4", "70", 200_000, 40_000, 10_000, 25_000),
    "A": ("LMH", "DEM-FAU-1", (40, 38), "T3", "60", 180_000, 38_000, 9_000, 20_000),
    "B": ("VCL", "DEM-FAU-1", (62,), "T3", "55", 100_000, 33_000, 8_000, 18_000),
    "C": ("PDC", "DEM-MOU-1", (35, 33, 10, 8, 5), "T4", "75", 220_000, 45_000, 12_000, 30_000),
    "D": ("LMH", "DEM-MOU-1", (50, 48), "T3", "65", 160_000, 40_000, 10_000, 15_000),
    "E": ("VCL", "DEM-FAU-1", (30, 29), "T2", "45", 140_000, 32_000, 7_000, 16_000),
    "F": ("PDC", "DEM-MOU-1", (30, 5), "T2", "48", 110_000, 33_000, 7_000, 22_000),
    "G": ("LMH", "DEM-FAU-1", (45,), "T2", "40", 120_000, 30_000, 6_000, 15_000),
    "H": ("VCL", "DEM-MOU-1", (70, 68), "T3", "60", 150_000, 35_000, 9_000, 10_000),
}

OFFERS = {
    # key: (receiving bailleur, dwelling kwargs, lease (rent, charges, apl), signed_on)
    "I": ("VCL", dict(typology="T5", surface="90", construction_year=2018, financing="PLUS",
                      commune="Lille", quartier="LS-VAU", qpv=False),
          (43_000, 11_000, 28_000), date(2020, 10, 15)),
    "A": ("VCL", dict(typology="T3", surface="65", construction_year=2024, financing="PLUS",
                      commune="Lomme", quartier="Lomme-Centre", qpv=False),
          (35_000, 10_000, 19_000), date(2026, 3, 2)),
    "B": ("LMH", dict(typology="T2", surface="45", construction_year=2023, financing="PLAI",
                      commune="Lille", quartier="LS-FAU", qpv=True),
          (29_034, 6_000, 17_000), date(2026, 3, 16)),
    "C": ("PDC", dict(typology="T5", surface="95", construction_year=2025, financing="PLUS",
                      commune="Loos", quartier="LOO-CEN", qpv=False, individual=True),
          (51_632, 13_000, 32_000), date(2026, 4, 1)),
    "D": ("VCL", dict(typology="T4", surface="80", construction_year=1990, financing="PLUS",
                      commune="Lille", quartier="LS-VAU", qpv=False),
          (30_000, 10_000, 15_000), date(2026, 4, 15)),
    "E": ("PDC", dict(typology="T3", surface="62", construction_year=2025, financing="PLI",
                      commune="Lille", quartier="LS-MOU", qpv=True),
          (30_000, 8_000, 12_000), date(2026, 5, 4)),
    "F": ("LMH", dict(typology="T3", surface="60", construction_year=2024, financing="PLUS",
                      commune="Arras", quartier="Arras-Centre", qpv=False),
          (38_000, 8_000, 23_000), date(2026, 5, 18)),
}

NAMES = {k: f"Famille Témoin-{k}" for k in BEFORE}

# The scale the tests are worked with: the 2016 national amounts and, for 2021, the demo amounts
# of reference/minoration_loyer.csv as they were written. A copy, so that entering the official
# 2021 amounts in the shipped file does not change these hand calculations.
SCALE_CSV = """bareme,date_debut,date_fin,zone_1995,typologies,montant_euros,source,statut
ANRU-2016,2016-01-01,2021-09-30,*,T1 T2,1500.00,RGA,officiel
ANRU-2016,2016-01-01,2021-09-30,*,T3 T4,4000.00,RGA,officiel
ANRU-2016,2016-01-01,2021-09-30,*,T5 T6,5000.00,RGA,officiel
ANRU-2021,2021-10-01,,2,T1 T2,2000.00,démonstration,demo
ANRU-2021,2021-10-01,,2,T3 T4,5000.00,démonstration,demo
ANRU-2021,2021-10-01,,2,T5 T6,6500.00,démonstration,demo
"""


def reference(tmp_path):
    """Shipped APL ceilings and zoning, the test scale above."""
    from relogement.projections import indemnities

    path = tmp_path / "bareme_test.csv"
    path.write_text(SCALE_CSV, encoding="utf-8")
    return indemnities.load_reference(scale=path)


def _register(w, key: str):
    bailleur, operation, ages, typology, surface, resources, rent, charges, apl = BEFORE[key]
    return w.app.register_household(
        w.project_id,
        operation,
        w.orgs[bailleur],
        sample.situation(ages=ages, resources_cents=resources, rent_cents=rent, charges_cents=charges,
                         apl_cents=apl, typology=typology, surface=surface, income_quartile=2),
        PersonalData(name=NAMES[key], phone="06 00 00 00 00", notes="Suivi social."),
        w.actor(bailleur),
        wishes=Wishes(communes=("Lille",)),
    )


def _relocate(w, clock, key: str, household) -> None:
    app = w.app
    owner, dwelling, (rent, charges, apl), signed_on = OFFERS[key]
    offer = app.publish_offer(
        w.project_id, sample.dwelling(rent_cents=rent, charges_cents=charges, **dwelling), w.actor(owner)
    )
    officer = BEFORE[key][0]
    proposal = app.make_proposal(household, offer, apl, w.actor(officer))
    clock.advance(hours=49)
    clock.now = datetime.combine(signed_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
    app.accept_proposal(proposal, signed_on, w.actor(officer))
    app.decide_caleol(proposal, "attribution", signed_on, "", w.actor(owner))
    app.sign_lease(proposal, rent, charges, apl, signed_on, signed_on + timedelta(days=14), w.actor(owner))


def build(app, clock):
    """Run the story; returns (world, household ids by key, references by key)."""
    clock.now = datetime(2020, 9, 1, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    h = {"I": _register(w, "I")}
    clock.now = datetime(2020, 10, 12, 9, 0, tzinfo=UTC)
    _relocate(w, clock, "I", h["I"])

    clock.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for key in "ABCDEFGH":
        h[key] = _register(w, key)
    for key, start in (("A", date(2026, 2, 27)), ("B", date(2026, 3, 13)), ("C", date(2026, 3, 27)),
                       ("D", date(2026, 4, 10)), ("E", date(2026, 4, 30)), ("F", date(2026, 5, 14))):
        clock.now = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        if key == "D":
            # G is offered a VCL T3 at 450 € and refuses it (loyer).
            offer = app.publish_offer(
                w.project_id,
                sample.dwelling(typology="T3", surface="62", rent_cents=45_000, charges_cents=10_000,
                                commune="Lille", quartier="LS-VAU", construction_year=2010),
                w.actor("VCL"),
            )
            refused = app.make_proposal(h["G"], offer, 15_000, w.actor("LMH"))
            app.refuse_proposal(refused, "loyer", "", w.actor("LMH"))
        _relocate(w, clock, key, h[key])
    clock.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    app.record_departure(h["H"], "Parti chez un proche", w.actor("VCL"))
    clock.advance(hours=1)
    refs = {k: app.household(v).reference for k, v in h.items()}
    return w, h, refs
