"""Dashboard completions: rent-reduction indemnity, reste à charge, typologies and surfaces,
receiving bailleur, on/off site and outside the commune; as of any position.

The programme and its hand calculations are in tests/anru_scenario.py; every expected figure
below is worked out by hand in the comments (never read back from the code).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import anru_scenario
import pytest

from relogement.projections import build_runner, indemnities
from relogement.projections import dashboard as dash
from relogement.projections import queries as q


@pytest.fixture
def story(app, clock, tmp_path):
    w, h, refs = anru_scenario.build(app, clock)
    runner = build_runner(app, batch_size=13)
    runner.catch_up()
    yield w, runner, refs, clock, anru_scenario.reference(tmp_path)
    runner.close()


def share(n: int, base: int) -> dict:
    return {"nombre": n, "taux": (Decimal(n) * 100 / base).quantize(Decimal("0.01"))}


def test_indemnity_and_before_after_figures(story):
    w, runner, refs, clock, ref = story
    d = dash.dashboard(runner.engine, w.project_id, instant=clock.now, reference=ref)
    t = d["total"]
    # 9 registered: I, A–F relocated (7), G to relocate (its only proposal refused), H left
    assert t["menages"]["reloges"] == 7 and t["menages"]["a_reloger"] == 1 and t["menages"]["sortis"] == 1

    ind = t["indemnites_minoration"]
    # I (2016 scale T5: 5 000 €), A (2021 demo zone 2 T3: 5 000 €), B (T2: 2 000 €) → 12 000 €
    assert (ind["base"], ind["eligibles"], ind["non_eligibles"], ind["a_verifier"]) == (7, 3, 3, 1)
    assert ind["taux_eligibles"] == Decimal("42.86")  # 3 / 7
    assert ind["montant_total_cents"] == 1_200_000
    lmh, vcl, pdc = (w.orgs[k].hex for k in ("LMH", "VCL", "PDC"))
    # paid to the bailleur of origin: LMH for I and A, VCL for B
    assert ind["par_beneficiaire"] == {
        lmh: {"nombre": 2, "montant_cents": 1_000_000}, vcl: {"nombre": 1, "montant_cents": 200_000}}
    assert ind["references_a_verifier"] == [refs["F"]]
    assert ind["baremes"] == [("ANRU-2016", "officiel"), ("ANRU-2021", "demo")]
    by_origin = d["par_bailleur"]
    assert by_origin[lmh]["indemnites_minoration"]["montant_total_cents"] == 1_000_000
    assert by_origin[vcl]["indemnites_minoration"]["montant_total_cents"] == 200_000
    # PDC: C (rent 1 cent over the ceiling) not eligible, F to check
    pdc_ind = by_origin[pdc]["indemnites_minoration"]
    assert (pdc_ind["eligibles"], pdc_ind["non_eligibles"], pdc_ind["a_verifier"]) == (0, 1, 1)

    # on site: B only (LS-FAU → LS-FAU); outside the commune (Lille): A Lomme, C Loos, F Arras
    assert t["destinations_site"] == {
        "base": 7, "sur_site": share(1, 7), "hors_site": share(6, 7), "hors_commune": share(3, 7)}

    typ = t["typologies"]
    # before: I T4, A T3, B T3, C T4, D T3, E T2, F T2; after: T5, T3, T2, T5, T4, T3, T3
    assert typ["avant"] == {"T1": 0, "T2": 2, "T3": 3, "T4": 2, "T5": 0, "T6": 0}
    assert typ["apres"] == {"T1": 0, "T2": 1, "T3": 3, "T4": 1, "T5": 2, "T6": 0}
    assert typ["matrice"] == {"T2": {"T3": 2}, "T3": {"T2": 1, "T3": 1, "T4": 1}, "T4": {"T5": 2}}

    s = t["surfaces"]
    # before 70+60+55+75+65+45+48 = 418 (mean 59.714); after 90+65+45+95+80+62+60 = 497 (71)
    assert (s["avant"]["total_m2"], s["avant"]["moyenne_m2"]) == (Decimal(418), Decimal("59.71"))
    assert (s["apres"]["total_m2"], s["apres"]["moyenne_m2"]) == (Decimal(497), Decimal("71.00"))
    # bins < 40, 40–60, 60–80, 80–100, ≥ 100
    assert [b["nombre"] for b in s["avant"]["distribution"]] == [0, 3, 4, 0, 0]
    assert [b["nombre"] for b in s["apres"]["distribution"]] == [0, 1, 3, 3, 0]
    # 79 m² more over 7 = 11.2857; larger: all but B (55 → 45)
    assert (s["evolution_moyenne_m2"], s["plus_grande"], s["plus_petite"], s["egale"]) == (
        Decimal("11.29"), 6, 1, 0)

    rac = t["reste_a_charge"]
    # before 250+270+230+270+350+230+180 = 1 780 €; after 260+260+180.34+326.32+250+260+230 = 1 766.66 €
    assert rac["avant"] == {"total_cents": 178_000, "moyenne_cents": 25_429,  # 254.2857
                            "par_m2_euros": Decimal("4.26")}  # 1 780 / 418 = 4.2584
    assert rac["apres"] == {"total_cents": 176_666, "moyenne_cents": 25_238,  # 252.38
                            "par_m2_euros": Decimal("3.55")}  # 1 766.66 / 497 = 3.5547
    # up: I +10, C +56.32, E +30, F +50; down: A −10, B −49.66, D −100
    assert (rac["evolution_total_cents"], rac["evolution_moyenne_cents"]) == (-1_334, -191)  # −13.34 / 7
    assert (rac["hausse"], rac["baisse"], rac["stable"]) == (4, 3, 0)

    # by quartier of origin, LS-FAU: I, A, B, E relocated → on site B; outside Lille A
    fau = d["par_quartier"]["LS-FAU"]
    assert fau["destinations_site"]["sur_site"] == share(1, 4)
    assert fau["destinations_site"]["hors_commune"] == share(1, 4)
    assert fau["indemnites_minoration"]["montant_total_cents"] == 1_200_000  # I, A, B are all FAU


def test_grouping_by_receiving_bailleur(story):
    w, runner, refs, clock, ref = story
    d = dash.dashboard(runner.engine, w.project_id, instant=clock.now, reference=ref)
    lmh, vcl, pdc = (w.orgs[k].hex for k in ("LMH", "VCL", "PDC"))
    acc = d["par_bailleur_accueil"]
    assert set(acc) == {lmh, vcl, pdc}
    v = acc[vcl]
    # VCL received I, A (from LMH) and D (from LMH); its 4th offer was refused by G (loyer)
    assert v["relogements"] == 3 and v["origine"] == {lmh: 3}
    assert v["inter_bailleur"] == share(3, 3)
    assert v["propositions"] == {"faites": 4, "en_cours": 0, "refus": 1, "refus_par_motif": {"loyer": 1}}
    # eligible relocations into VCL dwellings: I and A (5 000 € each, paid to LMH)
    assert v["indemnites_minoration"]["eligibles"] == 2
    assert v["indemnites_minoration"]["par_beneficiaire"] == {lmh: {"nombre": 2, "montant_cents": 1_000_000}}
    # VCL typologies received: T5 (I), T3 (A), T4 (D); surfaces 90 + 65 + 80 = 235
    assert v["typologies"]["apres"] == {"T1": 0, "T2": 0, "T3": 1, "T4": 1, "T5": 1, "T6": 0}
    assert v["surfaces"]["apres"]["total_m2"] == Decimal(235)
    # RAC after 260 + 260 + 250 = 770 € over 235 m² = 3.2766
    assert v["reste_a_charge"]["apres"]["par_m2_euros"] == Decimal("3.28")
    p = acc[pdc]
    # PDC received C (its own household: not inter-bailleur) and E (from VCL)
    assert p["relogements"] == 2 and p["origine"] == {pdc: 1, vcl: 1}
    assert p["inter_bailleur"] == share(1, 2)
    assert (p["indemnites_minoration"]["eligibles"], p["indemnites_minoration"]["non_eligibles"]) == (0, 2)
    m = acc[lmh]
    # LMH received B (eligible, 2 000 € paid to VCL, the relocating bailleur) and F (to check)
    assert m["indemnites_minoration"]["par_beneficiaire"] == {vcl: {"nombre": 1, "montant_cents": 200_000}}
    assert m["destinations_site"]["sur_site"] == share(1, 2)
    # TE: B 230/1000 = 23 % → 180.34/1000 = 18.034 % (−4.966); F 180/1100 → 230/1100 (+4.5455)
    assert (m["taux_effort"]["hausse"], m["taux_effort"]["baisse"]) == (1, 1)


def test_figures_as_of_a_past_position(story):
    w, runner, refs, clock, ref = story
    # 31/03/2026 at midnight, Paris: I, A and B have signed; C (01/04) not yet
    end_of_march = datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    d = dash.dashboard(runner.engine, w.project_id, position=q.position_at(runner.engine, end_of_march),
                       instant=end_of_march, reference=ref)
    t = d["total"]
    ind = t["indemnites_minoration"]
    assert (ind["base"], ind["eligibles"], ind["non_eligibles"], ind["a_verifier"]) == (3, 3, 0, 0)
    assert ind["montant_total_cents"] == 1_200_000
    # before 250 + 270 + 230 = 750 € over 70 + 60 + 55 = 185 m² = 4.0541; after 260 + 260 + 180.34
    # = 700.34 € over 90 + 65 + 45 = 200 m² = 3.5017
    assert t["reste_a_charge"]["avant"]["par_m2_euros"] == Decimal("4.05")
    assert t["reste_a_charge"]["apres"] == {"total_cents": 70_034, "moyenne_cents": 23_345,  # 233.4467
                                            "par_m2_euros": Decimal("3.50")}
    assert t["destinations_site"]["hors_commune"] == share(1, 3)  # A in Lomme
    # PDC has no relocation yet, but C holds a live proposal of its offer (made 27/03)
    acc = d["par_bailleur_accueil"]
    assert set(acc) == {w.orgs[k].hex for k in ("VCL", "LMH", "PDC")}
    pdc = acc[w.orgs["PDC"].hex]
    assert (pdc["relogements"], pdc["propositions"]["en_cours"]) == (0, 1)
    assert pdc["reste_a_charge"]["apres"]["par_m2_euros"] is None
    # the same position read again later gives the same figures
    again = dash.dashboard(runner.engine, w.project_id, position=d["position"], instant=d["instant"],
                           reference=ref)
    assert again == d
    # and the year 2020, before any 2026 household: only I, under the 2016 scale
    d2020 = dash.dashboard_at(runner.engine, w.project_id, datetime(2020, 12, 31, tzinfo=UTC))  # shipped files
    assert d2020["total"]["indemnites_minoration"]["baremes"] == [("ANRU-2016", "officiel")]
    assert d2020["total"]["menages"]["inscrits"] == 1


def test_each_assessment_shows_its_inputs(story):
    w, runner, refs, clock, ref = story
    db = runner.engine
    leases = [p for p in q.list_proposals(db, w.project_id) if p["status"] == "bail_signe"]
    offers = {o["offer_id"]: o for o in q.list_offers(db, w.project_id)}
    found = {a["reference"]: a for a in indemnities.assess_all(leases, offers, ref).values()}
    i, b, c, f = (found[refs[k]] for k in "IBCF")
    # I: couple + 3 in charge, zone II at 15/10/2020: 356.30 + 2 × 51.86 = 460.02
    assert (i["composition"], i["zone_apl"], i["plafond_apl_cents"], i["bareme"]) == (
        "couple et 3 personnes à charge", "II", 46_002, "ANRU-2016")
    assert (i["statut"], i["montant_cents"]) == ("eligible", 500_000)
    # B: single person at the ceiling exactly (290.34 = 290.34) → eligible
    assert (b["composition"], b["loyer_cents"], b["plafond_apl_cents"], b["statut"]) == (
        "personne seule", 29_034, 29_034, "eligible")
    # C: 516.32 > 399.89 + 2 × 58.21 = 516.31
    assert c["statut"] == "non_eligible" and c["plafond_apl_cents"] == 51_631
    assert c["motifs"] == ["loyer 516,32\u00a0€ supérieur au plafond APL 516,31\u00a0€"]
    assert f["statut"] == "a_verifier" and f["motifs"] == ["commune « Arras » absente du zonage de référence"]
    d, e = found[refs["D"]], found[refs["E"]]
    assert d["motifs"] == ["logement ni neuf ni de moins de 5 ans (36 ans à la signature)"]
    assert e["motifs"] == ["financement PLI : logement non conventionné APL"]


def _lease(rent: int, ages: list[int], signed: date, *, new: bool = True, typology: str = "T3") -> dict:
    return {"proposal_id": "p", "household_id": "h", "household_reference": "R", "household_bailleur": "o",
            "offer_bailleur": "a", "offer_id": "x", "offer_typology": typology, "offer_commune": "",
            "lease_signed_on": signed, "lease_rent_cents": rent,
            "lease_indicators": {"flags": {"neuf_moins_5_ans": new, "dwelling_age_years": 1},
                                 "after": {"inputs": {"ages": ages}}}}


def test_reference_files_are_replaceable(tmp_path):
    """Another zoning and scale (e.g. the official 2021 amounts) without touching the code."""
    zones = tmp_path / "zones.csv"
    zones.write_text("# test\ncommune,departement,zone_apl,zone_1995,statut\nArras,62,III,3,officiel\n",
                     encoding="utf-8")
    scale = tmp_path / "scale.csv"
    scale.write_text("bareme,date_debut,date_fin,zone_1995,typologies,montant_euros,source,statut\n"
                     "OFFICIEL,2021-10-01,,3,T3 T4,4321.00,test,officiel\n", encoding="utf-8")
    ref = indemnities.load_reference(zones=zones, scale=scale)
    offer = {"commune": "arras", "typology": "T3", "financing": "PLUS"}
    # zone III at 01/06/2026 (2025-10-01 values): one person + 1 in charge = 369.88
    ok = indemnities.assess(_lease(36_988, [30, 5], date(2026, 6, 1)), offer, ref)
    assert (ok["statut"], ok["zone_apl"], ok["montant_cents"], ok["bareme_statut"]) == (
        "eligible", "III", 432_100, "officiel")
    over = indemnities.assess(_lease(36_989, [30, 5], date(2026, 6, 1)), offer, ref)
    assert over["statut"] == "non_eligible"
    # before any ceiling of the file (2015-10-01 is the first): to check, not refused
    early = indemnities.assess(_lease(10_000, [30, 5], date(2015, 1, 1)), offer, ref)
    assert early["statut"] == "a_verifier"
    # a T5 has no row in this scale: to check
    t5 = indemnities.assess(_lease(10_000, [30, 5], date(2026, 6, 1), typology="T5"),
                            {**offer, "typology": "T5"}, ref)
    assert t5["statut"] == "a_verifier" and t5["motifs"] == ["aucun barème pour un T5 au 01/06/2026"]


def test_composition_convention():
    assert indemnities.apl_composition([40]) == ("personne seule", 0)
    assert indemnities.apl_composition([40, 38]) == ("couple sans personne à charge", 0)
    assert indemnities.apl_composition([30, 5]) == ("personne seule et 1 personne à charge", 1)
    # a third adult (e.g. a grown-up child) counts as a person in charge
    assert indemnities.apl_composition([50, 48, 19]) == ("couple et 1 personne à charge", 1)
