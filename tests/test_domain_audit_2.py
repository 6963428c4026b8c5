"""Second audit of the figures against ../shared/domain.md: hand-computed scenarios on what the
first round (tests/test_domain_audit.py) left out: the dashboard per project and per quartier /
operation / bailleur (and that the groups add up to the project), the semestrial report's
quotas and fragile households frozen at the semester's end, the reste-à-vivre follow-up
(before / proposed / after / follow-up, per person and per consumption unit), figures as of a
past position, the ANRU export and the French formatting of the pages.

Every expected figure is worked out by hand in the comment beside it (never read back from the
code). Formulas (domain.md, "Formulas"), amounts monthly:
- reste à charge (RAC) = loyer + loyers annexes + charges − APL
- taux d'effort (TE, %) = RAC / ressources × 100
- reste-à-vivre (RAV) = (ressources − RAC) / personnes / 30 (or / UC, OECD-modified:
  1 for the first adult, 0.5 per other person aged 14 or more, 0.3 per child under 14)
- fragile: RAV < 6 € per day per person, strictly; évolution = après − avant
Figures are computed exactly and rounded once, half-up: 4 decimals for indicators, 2 for rates.
A typology Tn has n rooms (n − 1 bedrooms): "at least one more bedroom" is a higher n.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from relogement.platform import indicators as ind
from relogement.platform.values import PersonalData
from relogement.projections import anru_export
from relogement.projections import dashboard as dash
from relogement.projections import residual_income as rav
from relogement.projections import semester_report as rs
from relogement.simulation import sample

# The first audit's couple (40, 38), 1 500 €, T3 62 m² (RAC 300 €); the ``reference``
# (indemnity scale) and ``runners`` fixtures are in tests/conftest.py.
from tests.test_domain_audit import COUPLE  # noqa: E402


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC)


def _register(w, bailleur: str = "LMH", operation: str = "DEM-FAU-1", **situation):
    sit = {**COUPLE, **situation}
    return w.app.register_household(
        w.project_id, operation, w.orgs[bailleur], sample.situation(**sit),
        PersonalData(name="Famille Audit deux"), w.actor(bailleur))


def _offer(w, owner: str, rent: int, charges: int, **dwelling):
    return w.app.publish_offer(
        w.project_id, sample.dwelling(rent_cents=rent, charges_cents=charges, **dwelling), w.actor(owner))


def _propose(w, household, owner: str, officer: str, rent: int = 40_000, charges: int = 10_000,
             apl: int = 20_000, **dwelling):
    return w.app.make_proposal(household, _offer(w, owner, rent, charges, **dwelling), apl, w.actor(officer))


def _close(w, clock, proposal, officer: str, owner: str, lease: tuple[int, int, int], signed_on: date,
           *, record_at: datetime | None = None, annex: int = 0):
    """49 h after the proposal: acceptance, CALEOL, lease (recorded at ``record_at`` if given)."""
    app = w.app
    rent, charges, apl = lease
    clock.advance(hours=49)
    if record_at is not None:
        clock.now = record_at
    app.accept_proposal(proposal, signed_on, w.actor(officer))
    app.decide_caleol(proposal, "attribution", signed_on, "", w.actor(owner))
    app.sign_lease(proposal, rent, charges, apl, signed_on, signed_on + timedelta(days=10), w.actor(owner),
                   annex_rent_cents=annex)
    return proposal


def _relocate(w, clock, household, officer: str, owner: str, lease: tuple[int, int, int], signed_on: date,
              *, record_at: datetime | None = None, annex: int = 0, **dwelling):
    """Offer (at the lease's rent and charges), proposal, 49 h, acceptance, CALEOL, lease."""
    rent, charges, apl = lease
    proposal = _propose(w, household, owner, officer, rent, charges, apl, annex_rent_cents=annex, **dwelling)
    return _close(w, clock, proposal, officer, owner, lease, signed_on, record_at=record_at, annex=annex)


def _share(n: int, rate: str) -> dict:
    return {"nombre": n, "taux": Decimal(rate)}


# == 1. The dashboard: project, quartier / operation / bailleur, receiving bailleur, as of ========
#
# Six couples (COUPLE: 1 500 €, RAC 300 €, T3 62 m², Lille), registered 02/03/2026 (Paris):
#   H1 LMH, DEM-FAU-1 (LS-FAU, QPV): relocated by LMH on site: LMH T4 70 m² in LS-FAU (QPV,
#      Lille), built 2024, collective; lease 350 + 100 − 200 = RAC 250; signed 10/03/2026.
#   H2 LMH, DEM-FAU-1: relocated into a VCL individual house, T3 62 m², Lomme-Centre (hors QPV,
#      Lomme), built 1990; lease 450 + 100 − 200 = RAC 350; signed 16/03/2026.
#   H3 VCL, DEM-MOU-1 (LS-MOU, QPV): a VCL offer refused ("loyer"), then an LMH offer, live,
#      with an objection of the city open in its window.
#   H4 VCL, DEM-MOU-1: left without relocation (évaporation), no proposal.
#   H5 LMH, DEM-MOU-1: relocated into a PDC T2 45 m² in LS-VAU (hors QPV, Lille), built 2022;
#      lease 300 + 60 − 150 = RAC 210; signed 20/03/2026.
#   H6 PDC, DEM-FAU-1: a VCL offer refused ("localisation"): to relocate again.


def _dashboard_story(app, clock, runners):
    snapshot = {}

    def at_mid(w):
        runner = runners(app)
        snapshot["runner"] = runner
        snapshot["live_then"] = dash.dashboard(runner.engine, w.project_id, instant=clock.now)

    w, h, mid = _dashboard_events(app, clock, at_mid)
    runner = snapshot["runner"]
    runner.catch_up()
    return w, runner, h, mid, snapshot["live_then"]


def _dashboard_events(app, clock, at_mid=None):
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    h = {
        "H1": _register(w, "LMH", "DEM-FAU-1"),
        "H2": _register(w, "LMH", "DEM-FAU-1"),
        "H3": _register(w, "VCL", "DEM-MOU-1"),
        "H4": _register(w, "VCL", "DEM-MOU-1"),
        "H5": _register(w, "LMH", "DEM-MOU-1"),
        "H6": _register(w, "PDC", "DEM-FAU-1"),
    }
    app.record_departure(h["H4"], "Parti de lui-même chez un bailleur privé", w.actor("VCL"))
    _relocate(w, clock, h["H1"], "LMH", "LMH", (35_000, 10_000, 20_000), date(2026, 3, 10), typology="T4",
              surface="70", commune="Lille", quartier="LS-FAU", qpv=True, construction_year=2024)
    _relocate(w, clock, h["H2"], "LMH", "VCL", (45_000, 10_000, 20_000), date(2026, 3, 16), typology="T3",
              surface="62", commune="Lomme", quartier="Lomme-Centre", qpv=False, construction_year=1990,
              individual=True)
    mid = {"position": app.recorder.max_notification_id(), "instant": clock.now}  # 06/03 12:00 Paris
    if at_mid is not None:
        at_mid(w)
    clock.advance(hours=1)
    _relocate(w, clock, h["H5"], "LMH", "PDC", (30_000, 6_000, 15_000), date(2026, 3, 20), typology="T2",
              surface="45", commune="Lille", quartier="LS-VAU", qpv=False, construction_year=2022)
    p6 = _propose(w, h["H6"], "VCL", "PDC", typology="T3", commune="Lille", quartier="LS-VAU")
    app.refuse_proposal(p6, "localisation", "", w.actor("PDC"))
    p3a = _propose(w, h["H3"], "VCL", "VCL", typology="T3", commune="Lille", quartier="LS-VAU")
    app.refuse_proposal(p3a, "loyer", "", w.actor("VCL"))
    p3b = _propose(w, h["H3"], "LMH", "VCL", typology="T3", commune="Lille", quartier="LS-VAU")
    clock.advance(hours=2)
    app.raise_objection(p3b, "Peuplement de la cage d'escalier", w.actor("VLS"))
    clock.advance(hours=1)  # 3 h after p3b: still in its 48 h window
    return w, h, mid


def test_dashboard_project_figures(app, clock, runners, reference):
    w, runner, h, _, _ = _dashboard_story(app, clock, runners)
    t = dash.dashboard(runner.engine, w.project_id, instant=clock.now, reference=reference)["total"]
    # H6 to relocate, H3 in progress, H1 H2 H5 relocated, H4 left: 6 registered, 2 still to relocate
    assert t["menages"] == {"inscrits": 6, "a_reloger": 1, "proposition_en_cours": 1, "reloges": 3,
                            "sortis": 1, "restant_a_reloger": 2}
    p = t["propositions"]
    # 1 + 1 + 1 (leases) + 1 (H6) + 2 (H3) = 6 proposals; p3b live, in its window, blocked
    assert (p["faites"], p["en_cours"], p["en_attente_delai"], p["bloquees"], p["oppositions_ouvertes"]) == (
        6, 1, 1, 1, 1)
    assert (p["refus"], p["refus_par_motif"]) == (2, {"localisation": 1, "loyer": 1})
    # proposals per household: H4 0; H1 H2 H5 H6 1; H3 2; relocated mean (1 + 1 + 1) / 3 = 1
    assert t["propositions_par_menage"]["distribution"] == {"0": 1, "1": 4, "2": 1, "3": 0, "4+": 0}
    assert t["propositions_par_menage"]["moyenne_reloges"] == Decimal("1.0000")
    # destinations over the 3 leases: 1/3 = 33.33 %, 2/3 = 66.67 %
    d = t["destinations"]
    assert d["base"] == 3
    assert d["hors_qpv"] == _share(2, "66.67") and d["qpv_vers_hors_qpv"] == _share(2, "66.67")  # H2, H5
    assert d["meme_quartier"] == _share(1, "33.33")  # H1
    assert d["meme_commune"] == _share(2, "66.67")  # H1, H5 (Lille); H2 in Lomme
    assert d["neuf_moins_5_ans"] == _share(2, "66.67")  # H1 2026 − 2024 = 2, H5 4; H2 36 years
    assert d["inter_bailleur"] == _share(2, "66.67")  # LMH → VCL, LMH → PDC
    assert d["maison_individuelle"] == _share(1, "33.33")  # H2
    assert d["plus_grand"] == _share(1, "33.33")  # only H1: T3 → T4 (H2 T3 → T3, H5 T3 → T2)
    s = t["destinations_site"]
    assert (s["sur_site"], s["hors_site"], s["hors_commune"]) == (
        _share(1, "33.33"), _share(2, "66.67"), _share(1, "33.33"))
    ty = t["typologies"]
    assert ty["avant"] == {"T1": 0, "T2": 0, "T3": 3, "T4": 0, "T5": 0, "T6": 0}
    assert ty["apres"] == {"T1": 0, "T2": 1, "T3": 1, "T4": 1, "T5": 0, "T6": 0}
    assert ty["matrice"] == {"T3": {"T2": 1, "T3": 1, "T4": 1}}
    sf = t["surfaces"]
    # before 3 × 62 = 186 m² (mean 62.00); after 70 + 62 + 45 = 177 (mean 59.00); +8, 0, −17: −3.00
    assert (sf["avant"]["total_m2"], sf["avant"]["moyenne_m2"]) == (Decimal(186), Decimal("62.00"))
    assert (sf["apres"]["total_m2"], sf["apres"]["moyenne_m2"]) == (Decimal(177), Decimal("59.00"))
    assert (sf["evolution_moyenne_m2"], sf["plus_grande"], sf["egale"], sf["plus_petite"]) == (
        Decimal("-3.00"), 1, 1, 1)
    rac = t["reste_a_charge"]
    # before 3 × 300 = 900 € → 900 / 186 = 4.8387 → 4.84 €/m²; after 250 + 350 + 210 = 810 €
    # (mean 270) → 810 / 177 = 4.5763 → 4.58 €/m²; changes −50, +50, −90: total −90, mean −30
    assert rac["avant"] == {"total_cents": 90_000, "moyenne_cents": 30_000, "par_m2_euros": Decimal("4.84")}
    assert rac["apres"] == {"total_cents": 81_000, "moyenne_cents": 27_000, "par_m2_euros": Decimal("4.58")}
    assert (rac["evolution_total_cents"], rac["evolution_moyenne_cents"]) == (-9_000, -3_000)
    assert (rac["hausse"], rac["baisse"], rac["stable"]) == (1, 2, 0)
    # TE 20 % before; after 250/1 500 = 16.6667 (−3.3333), 350/1 500 = 23.3333 (+3.3333),
    # 210/1 500 = 14 (−6): mean (−3.3333 + 3.3333 − 6) / 3 = −2.0000; 1 up, 2 down
    te = t["taux_effort"]
    assert (te["nombre"], te["moyenne"], te["hausse"], te["baisse"], te["stable"]) == (
        3, Decimal("-2.0000"), 1, 2, 0)
    # RAV per person: before 1 200 / 60 = 20; after 1 250/60 = 20.8333 (+0.8333),
    # 1 150/60 = 19.1667 (−0.8333), 1 290/60 = 21.5 (+1.5): mean 1.5 / 3 = 0.5000; 2 up, 1 down
    rp = t["reste_a_vivre_personne"]
    assert (rp["moyenne"], rp["hausse"], rp["baisse"]) == (Decimal("0.5000"), 2, 1)
    # per UC (couple 1.5): ±50 / 45 = ±1.1111, +90 / 45 = +2.0000: mean 2 / 3 = 0.6667
    ru = t["reste_a_vivre_uc"]
    assert (ru["moyenne"], ru["hausse"], ru["baisse"]) == (Decimal("0.6667"), 2, 1)
    # registration 02/03 → leases 10/03, 16/03, 20/03: 8, 14, 18 days, median 14
    assert t["delais"] == {"nombre": 3, "mediane_jours": Decimal("14.0")}
    # indemnity: signed 03/2026, couple zone II ceiling 355.38 € (from 01/10/2025), PLUS:
    # H1 new, rent 350 ≤ 355.38, T4 → 5 000 €; H5 new, 300 ≤ 355.38, T2 → 2 000 €; H2 not new
    i = t["indemnites_minoration"]
    assert (i["base"], i["eligibles"], i["non_eligibles"], i["a_verifier"]) == (3, 2, 1, 0)
    assert (i["taux_eligibles"], i["montant_total_cents"]) == (Decimal("66.67"), 700_000)
    assert i["par_beneficiaire"] == {w.orgs["LMH"].hex: {"nombre": 2, "montant_cents": 700_000}}


def test_dashboard_breakdowns_and_their_sums(app, clock, runners, reference):
    w, runner, h, _, _ = _dashboard_story(app, clock, runners)
    d = dash.dashboard(runner.engine, w.project_id, instant=clock.now, reference=reference)
    fau, mou = d["par_quartier"]["LS-FAU"], d["par_quartier"]["LS-MOU"]
    # LS-FAU: H1, H2 relocated, H6 to relocate; LS-MOU: H3 in progress, H4 left, H5 relocated
    assert fau["menages"] == {"inscrits": 3, "a_reloger": 1, "proposition_en_cours": 0, "reloges": 2,
                              "sortis": 0, "restant_a_reloger": 1}
    assert mou["menages"] == {"inscrits": 3, "a_reloger": 0, "proposition_en_cours": 1, "reloges": 1,
                              "sortis": 1, "restant_a_reloger": 1}
    assert (fau["propositions"]["faites"], fau["propositions"]["refus_par_motif"]) == (3, {"localisation": 1})
    assert (mou["propositions"]["faites"], mou["propositions"]["oppositions_ouvertes"]) == (3, 1)
    assert mou["propositions"]["refus_par_motif"] == {"loyer": 1}
    # rates over each group's own leases: LS-FAU 2 (H1 on site, H2 hors QPV), LS-MOU 1 (H5)
    assert fau["destinations"]["meme_quartier"] == _share(1, "50.00")
    assert fau["destinations"]["hors_qpv"] == _share(1, "50.00")
    assert mou["destinations"]["hors_qpv"] == _share(1, "100.00")
    assert mou["destinations"]["meme_quartier"] == _share(0, "0.00")
    # RAC after: LS-FAU 250 + 350 = 600 € over 70 + 62 = 132 m² = 4.5454… → 4.55; LS-MOU 210 / 45 = 4.67
    assert (fau["reste_a_charge"]["apres"]["total_cents"], fau["reste_a_charge"]["apres"]["par_m2_euros"]) == (
        60_000, Decimal("4.55"))
    assert (mou["reste_a_charge"]["apres"]["total_cents"], mou["reste_a_charge"]["apres"]["par_m2_euros"]) == (
        21_000, Decimal("4.67"))
    assert fau["indemnites_minoration"]["montant_total_cents"] == 500_000  # H1's T4
    assert mou["indemnites_minoration"]["montant_total_cents"] == 200_000  # H5's T2
    # operations map one-to-one on quartiers here
    assert d["par_operation"]["DEM-FAU-1"]["menages"] == fau["menages"]
    assert d["par_operation"]["DEM-MOU-1"]["menages"] == mou["menages"]
    lmh, vcl, pdc = (d["par_bailleur"][w.orgs[c].hex] for c in ("LMH", "VCL", "PDC"))
    assert lmh["menages"]["reloges"] == 3 and lmh["propositions"]["faites"] == 3
    assert (vcl["menages"]["sortis"], vcl["menages"]["proposition_en_cours"], vcl["propositions"]["faites"]) == (
        1, 1, 2)
    assert (pdc["menages"]["a_reloger"], pdc["propositions"]["refus"]) == (1, 1)
    # every breakdown adds up to the project
    total = d["total"]
    for groups in ("par_quartier", "par_operation", "par_bailleur"):
        for key in ("inscrits", "a_reloger", "proposition_en_cours", "reloges", "sortis"):
            assert sum(g["menages"][key] for g in d[groups].values()) == total["menages"][key], (groups, key)
        for key in ("faites", "en_cours", "refus", "oppositions_ouvertes"):
            assert sum(g["propositions"][key] for g in d[groups].values()) == total["propositions"][key]
        for flag in dash.FLAG_NAMES:
            assert sum(g["destinations"][flag]["nombre"] for g in d[groups].values()) == (
                total["destinations"][flag]["nombre"])
        assert sum(g["reste_a_charge"]["apres"]["total_cents"] for g in d[groups].values()) == 81_000
        assert sum(g["indemnites_minoration"]["montant_total_cents"] for g in d[groups].values()) == 700_000
    # receiving bailleurs: LMH let 1 (its own household: not inter-bailleur) and holds p3b;
    # VCL let 1 (H2 from LMH) and its offers got 3 proposals, 2 refused; PDC let 1 (H5 from LMH)
    acc = d["par_bailleur_accueil"]
    a_lmh, a_vcl, a_pdc = (acc[w.orgs[c].hex] for c in ("LMH", "VCL", "PDC"))
    assert (a_lmh["relogements"], a_lmh["inter_bailleur"], a_lmh["propositions"]["en_cours"]) == (
        1, _share(0, "0.00"), 1)
    assert (a_vcl["relogements"], a_vcl["inter_bailleur"], a_vcl["origine"]) == (
        1, _share(1, "100.00"), {w.orgs["LMH"].hex: 1})
    assert (a_vcl["propositions"]["faites"], a_vcl["propositions"]["refus_par_motif"]) == (
        3, {"localisation": 1, "loyer": 1})
    assert (a_pdc["relogements"], a_pdc["inter_bailleur"]) == (1, _share(1, "100.00"))
    assert sum(a["relogements"] for a in acc.values()) == 3
    assert sum(a["propositions"]["faites"] for a in acc.values()) == 6


def test_dashboard_as_of_a_past_position(app, clock, runners, reference):
    w, runner, h, mid, live_then = _dashboard_story(app, clock, runners)
    # right after H2's lease: H1, H2 relocated, H4 left, H3 H5 H6 to relocate, 2 proposals made
    past = dash.dashboard(runner.engine, w.project_id, position=mid["position"], reference=reference)
    t = past["total"]
    assert t["menages"] == {"inscrits": 6, "a_reloger": 3, "proposition_en_cours": 0, "reloges": 2,
                            "sortis": 1, "restant_a_reloger": 3}
    assert (t["propositions"]["faites"], t["propositions"]["refus"], t["propositions"]["en_cours"]) == (2, 0, 0)
    assert t["destinations"]["meme_quartier"] == _share(1, "50.00")
    assert t["destinations"]["neuf_moins_5_ans"] == _share(1, "50.00")
    assert t["destinations"]["inter_bailleur"] == _share(1, "50.00")
    # RAC after 250 + 350 = 600 € over 132 m² → 4.55; TE −3.3333 and +3.3333: mean 0.0000, 1 up 1 down
    assert t["reste_a_charge"]["apres"]["par_m2_euros"] == Decimal("4.55")
    assert (t["taux_effort"]["moyenne"], t["taux_effort"]["hausse"], t["taux_effort"]["baisse"]) == (
        Decimal("0.0000"), 1, 1)
    assert t["delais"] == {"nombre": 2, "mediane_jours": Decimal("11.0")}  # 8 and 14 days
    assert t["indemnites_minoration"]["montant_total_cents"] == 500_000
    # the same figures by instant, and as the live dashboard showed them then
    at = dash.dashboard_at(runner.engine, w.project_id, mid["instant"])
    assert at["total"]["menages"] == t["menages"]
    assert at["total"]["destinations"] == t["destinations"]
    assert live_then["total"]["menages"] == t["menages"]
    assert live_then["total"]["reste_a_charge"] == t["reste_a_charge"]
    assert live_then["par_quartier"]["LS-FAU"]["menages"] == past["par_quartier"]["LS-FAU"]["menages"]


# == 2. The semestrial report: quotas, fragile households, frozen at the semester's end ===========
#
# Couples (UC 1.5) registered 02/02/2026 by LMH on DEM-FAU-1 (LS-FAU, QPV), RAC 300 € before.
# First-quartile threshold (test file): MEL 2026 = 10 100 € per UC and year.
#   A  1 000 €, quartile 1: 12 000 / 1.5 = 8 000 < 10 100 (Q1): relocated hors QPV (Lomme), S1
#   B  1 500 €, quartile 3: 18 000 / 1.5 = 12 000 (not Q1): hors QPV, S1
#   C  1 000 €, quartile 1 (Q1): relocated in QPV (LS-MOU), S1
#   D  1 500 €, quartile 3 (Q2–4): in QPV (LS-MOU), S1
#   F2   650 €, quartile 1: 7 800 / 1.5 = 5 200 (Q1): in QPV (LS-MOU), S1, lease RAC 250
#   F1   650 €: RAV (650 − 300) / 2 / 30 = 5.8333 < 6: relocated hors QPV on 15/07 (S2), RAC 200
#   G  1 500 €, quartile 3 (not Q1): hors QPV, S2
#   E  1 500 €: refuses a proposal in S1 ("typologie") and another in S2 ("ecole")
# Leases of A, B, C, D, G: 300 + 80 − 100 = RAC 280 €, all into VCL dwellings (inter-bailleur).

THRESHOLDS = "epci_code,annee,seuil_euros_uc_an,source\nMEL,2026,10100,test\n"


def _semester_story(app, clock, runners, tmp_path):
    thresholds = tmp_path / "seuils.csv"
    thresholds.write_text(THRESHOLDS, encoding="utf-8")
    clock.now = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    spec = {"A": (100_000, 1), "B": (150_000, 3), "C": (100_000, 1), "D": (150_000, 3),
            "F2": (65_000, 1), "F1": (65_000, 1), "G": (150_000, 3), "E": (150_000, 3)}
    h = {k: _register(w, resources_cents=r, income_quartile=q) for k, (r, q) in spec.items()}
    hors = dict(typology="T3", surface="62", commune="Lomme", quartier="Lomme-Centre", qpv=False,
                construction_year=2000)
    dans = dict(typology="T3", surface="62", commune="Lille", quartier="LS-MOU", qpv=True,
                construction_year=2000)
    lease = (30_000, 8_000, 10_000)
    _relocate(w, clock, h["A"], "LMH", "VCL", lease, date(2026, 2, 10), **hors)
    _relocate(w, clock, h["B"], "LMH", "VCL", lease, date(2026, 2, 12), **hors)
    _relocate(w, clock, h["C"], "LMH", "VCL", lease, date(2026, 2, 16), **dans)
    _relocate(w, clock, h["D"], "LMH", "VCL", lease, date(2026, 2, 18), **dans)
    _relocate(w, clock, h["F2"], "LMH", "VCL", (30_000, 5_000, 10_000), date(2026, 2, 20), **dans)
    pe = _propose(w, h["E"], "VCL", "LMH", **hors)
    app.refuse_proposal(pe, "typologie", "", w.actor("LMH"))
    clock.now = datetime(2026, 6, 30, 21, 0, tzinfo=UTC)  # 30/06 23:00 Paris
    runner = runners(app)
    s1_then = rs.build(runner.engine, w.project_id, 2026, 1, thresholds_path=thresholds)
    # S2: 01/07 00:30 Paris (30/06 22:30 UTC) onwards
    clock.now = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
    pe2 = _propose(w, h["E"], "VCL", "LMH", **hors)
    app.refuse_proposal(pe2, "ecole", "", w.actor("LMH"))
    clock.now = datetime(2026, 7, 10, 9, 0, tzinfo=UTC)
    _relocate(w, clock, h["F1"], "LMH", "VCL", (25_000, 5_000, 10_000), date(2026, 7, 15), **hors)
    _relocate(w, clock, h["G"], "LMH", "VCL", lease, date(2026, 7, 17), **hors)
    clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    runner.catch_up()
    refs = {k: app.household(v).reference for k, v in h.items()}
    return w, runner, refs, thresholds, s1_then


def test_semestrial_report_s1_quotas_and_fragile_households(app, clock, runners, tmp_path):
    w, runner, refs, thresholds, s1_then = _semester_story(app, clock, runners, tmp_path)
    s1 = rs.build(runner.engine, w.project_id, 2026, 1, thresholds_path=thresholds)
    # at the end of 30/06: A B C D F2 relocated; E (refused), F1, G to relocate
    assert s1["population"] == {"inscrits": 8, "a_reloger": 3, "proposition_en_cours": 0, "reloges": 5,
                                "sortis": 0}
    sem = s1["semestre_relogements"]
    assert sem["nombre"] == 5 and s1["cumul_relogements"]["nombre"] == 5
    # destinations: 2 hors QPV (40 %), 3 in another QPV (LS-MOU from LS-FAU: 60 %), none on site
    assert {k: (v["nombre"], v["taux"]) for k, v in sem["destinations"].items()} == {
        "meme_quartier": (0, Decimal("0.00")), "autre_qpv": (3, Decimal("60.00")),
        "hors_qpv": (2, Decimal("40.00"))}
    assert sem["inter_bailleur"] == _share(5, "100.00") and sem["meme_bailleur"] == _share(0, "0.00")
    assert sem["quartiles"] == {"1": 3, "2": 0, "3": 2, "4": 0, "non renseigné": 0}
    assert sem["compositions"]["2 personnes"] == 5
    # RAV: +20 / 60 = +0.3333 (×4), F2 +50 / 60 = +0.8333: mean (4/3 + 5/6) / 5 = 13/30 = 0.4333
    assert (sem["rav_moyen"], sem["rav_hausse"], sem["rav_baisse"]) == (Decimal("0.4333"), 5, 0)
    q = s1["quotas"]
    # hors QPV: A (Q1) and B: 1 / 2 = 50 % first quartile, 2 / 2 ANRU relocations
    assert (q["hors_qpv"]["attributions"], q["hors_qpv"]["premier_quartile"]) == (2, 1)
    assert (q["hors_qpv"]["taux_premier_quartile"], q["hors_qpv"]["taux_q1_ou_anru"]) == (
        Decimal("50.00"), Decimal("100.00"))
    # in QPV: C (Q1), D (12 000 ≥ 10 100), F2 (Q1): 1 / 3 = 33.33 % of quartiles 2 to 4
    assert (q["qpv"]["attributions"], q["qpv"]["quartiles_2_a_4"], q["qpv"]["taux_quartiles_2_a_4"]) == (
        3, 1, Decimal("33.33"))
    assert (q["hors_qpv"]["objectif"], q["qpv"]["objectif"]) == (Decimal(25), Decimal(50))
    # fragile: F1 and F2 at 5.8333 before; now F1 still (not relocated), F2 at (650 − 250) / 60 = 6.6667
    f = s1["fragiles"]
    assert (f["seuil"], f["avant"], f["maintenant"]) == (Decimal("6.00"), 2, 1)
    assert [(r["reference"], r["avant"], r["evolution"]) for r in f["liste"]] == [
        (refs["F1"], Decimal("5.8333"), None)]
    assert (s1["refus"]["semestre"], s1["refus"]["cumul"]) == (1, 1)
    assert s1["refus"]["semestre_motifs"] == {"Typologie / taille du logement": 1}
    assert {r["reference"] for r in s1["dossiers_ouverts"]} == {refs["E"], refs["F1"], refs["G"]}


def test_semestrial_report_is_frozen_at_the_semester_end(app, clock, runners, tmp_path):
    w, runner, refs, thresholds, s1_then = _semester_story(app, clock, runners, tmp_path)
    s1 = rs.build(runner.engine, w.project_id, 2026, 1, thresholds_path=thresholds)
    # the refusal at 01/07 00:30 Paris and the July leases change nothing in S1
    for key in ("position", "population", "semestre_relogements", "cumul_relogements", "fragiles", "refus",
                "quotas", "relogements", "dossiers_ouverts"):
        assert s1[key] == s1_then[key], key
    s2 = rs.build(runner.engine, w.project_id, 2026, 2, thresholds_path=thresholds)
    assert s2["population"] == {"inscrits": 8, "a_reloger": 1, "proposition_en_cours": 0, "reloges": 7,
                                "sortis": 0}
    assert (s2["semestre_relogements"]["nombre"], s2["cumul_relogements"]["nombre"]) == (2, 7)
    # S2 attributions: F1 (7 800 / 1.5 = 5 200: Q1) and G, both hors QPV; none in QPV
    q = s2["quotas"]
    assert (q["hors_qpv"]["attributions"], q["hors_qpv"]["premier_quartile"]) == (2, 1)
    assert q["hors_qpv"]["taux_premier_quartile"] == Decimal("50.00")
    assert (q["qpv"]["attributions"], q["qpv"]["taux_quartiles_2_a_4"]) == (0, None)
    # F1 relocated at RAC 200: (650 − 200) / 60 = 7.5: nobody under 6 € any more; 2 were before
    assert (s2["fragiles"]["avant"], s2["fragiles"]["maintenant"], s2["fragiles"]["liste"]) == (2, 0, [])
    assert (s2["refus"]["semestre"], s2["refus"]["cumul"]) == (1, 2)
    assert s2["refus"]["semestre_motifs"] == {"Scolarité des enfants": 1}
    # cumulated: 4 hors QPV of 7 = 57.14 %, 3 in another QPV = 42.86 %
    dest = s2["cumul_relogements"]["destinations"]
    assert (dest["hors_qpv"]["taux"], dest["autre_qpv"]["taux"]) == (Decimal("57.14"), Decimal("42.86"))


def test_first_quartile_compares_the_exact_income_per_unit(app, clock, runners, tmp_path):
    thresholds = tmp_path / "seuils.csv"
    thresholds.write_text("epci_code,annee,seuil_euros_uc_an,source\nMEL,2026,10099,test\n", encoding="utf-8")
    clock.now = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    # 8 persons (40, 38, 20, 19, 17, 15, 10, 8): UC 1 + 5 × 0.5 + 2 × 0.3 = 4.1;
    # 3 450.49 € × 12 = 41 405.88 € / 4.1 = 10 098.99512… < 10 099: first quartile
    # (rounded to the cent first it would be 10 099.00, not under the threshold)
    big = dict(ages=(40, 38, 20, 19, 17, 15, 10, 8), resources_cents=345_049, rent_cents=60_000,
               charges_cents=15_000, apl_cents=40_000, typology="T6", surface="120", income_quartile=1)
    out, inside = _register(w, **big), _register(w, **big)
    lease = (60_000, 15_000, 40_000)
    _relocate(w, clock, out, "LMH", "VCL", lease, date(2026, 2, 10), typology="T6", surface="120",
              commune="Lomme", quartier="Lomme-Centre", qpv=False, construction_year=2000)
    _relocate(w, clock, inside, "LMH", "VCL", lease, date(2026, 2, 12), typology="T6", surface="120",
              commune="Lille", quartier="LS-MOU", qpv=True, construction_year=2000)
    runner = runners(app)
    q = rs.build(runner.engine, w.project_id, 2026, 1, thresholds_path=thresholds)["quotas"]
    assert (q["hors_qpv"]["attributions"], q["hors_qpv"]["premier_quartile"]) == (1, 1)
    assert (q["qpv"]["attributions"], q["qpv"]["quartiles_2_a_4"]) == (1, 0)


# == 3. Suivi du reste-à-vivre: before / proposed / after / follow-up, per person and per UC ======
#
# Registered 02/03/2026 by LMH (RAC = rent + charges − APL):
#   R1 (40, 38, 15, 9): 4 persons, UC 1 + 0.5 + 0.5 + 0.3 = 2.3; 2 000 €, 400 + 100 − 200 = RAC 300:
#      per person 1 700 / 120 = 14.1667, per UC 1 700 / 69 = 24.6377.
#      p1 (500 + 120 − 250 = 370) refused; p2 offered at 450 + 100 − est. 230 = 320:
#      proposed 1 680 / 120 = 14.0000 (UC 1 680 / 69 = 24.3478);
#      lease 450 + 100 − 240 = 310: 1 690 / 120 = 14.0833 (UC 24.4928), evolution −10 / 120 =
#      −0.0833 (UC −10 / 69 = −0.1449); follow-up: 2 100 €, 450 + 110 − 240 = 320:
#      1 780 / 120 = 14.8333 (UC 25.7971), evolution exact 80 / 120 = +0.6667 (UC 80 / 69 = 1.1594)
#   R2 (70): 900 €, 300 + 50 − 180 = 170: 730 / 30 = 24.3333; lease 320 + 60 − 200 = 180:
#      720 / 30 = 24.0000, evolution −0.3333 (UC the same: one person)
#   R3 (40, 38): 660 €, RAC 300: 360 / 60 = 6.0000 (not under 6 €); UC 360 / 45 = 8.0000
#   R4 (30, 28, 5, 3): UC 1 + 0.5 + 0.3 + 0.3 = 2.1; 1 000 €, RAC 300: 700 / 120 = 5.8333 (under),
#      UC 700 / 63 = 11.1111; lease 350 + 100 − 200 = 250: 750 / 120 = 6.25 (evolution 50 / 120 =
#      +0.4167), UC 750 / 63 = 11.9048 (+50 / 63 = +0.7937)
#   R5 (40, 38): 500 €: 200 / 60 = 3.3333, left without relocation (no longer followed)
#   R6 (40, 38): 1 500 €, RAC 300: 20.0000; a live proposal at 420 + 100 − 200 = 320:
#      proposed 1 180 / 60 = 19.6667


def _suivi_story(app, clock, runners):
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    h = {
        "R1": _register(w, ages=(40, 38, 15, 9), resources_cents=200_000, typology="T4", surface="75"),
        "R2": _register(w, ages=(70,), resources_cents=90_000, rent_cents=30_000, charges_cents=5_000,
                        apl_cents=18_000, typology="T2", surface="45"),
        "R3": _register(w, resources_cents=66_000),
        "R4": _register(w, ages=(30, 28, 5, 3), resources_cents=100_000),
        "R5": _register(w, resources_cents=50_000),
        "R6": _register(w),
    }
    app.record_departure(h["R5"], "Hébergé par sa famille", w.actor("LMH"))
    p1 = _propose(w, h["R1"], "VCL", "LMH", 50_000, 12_000, 25_000, typology="T4", surface="75")
    app.refuse_proposal(p1, "loyer", "", w.actor("LMH"))
    p2 = _propose(w, h["R1"], "VCL", "LMH", 45_000, 10_000, 23_000, typology="T4", surface="75",
                  commune="Lomme", construction_year=2023)
    _close(w, clock, p2, "LMH", "VCL", (45_000, 10_000, 24_000), date(2026, 3, 10))
    _relocate(w, clock, h["R2"], "LMH", "VCL", (32_000, 6_000, 20_000), date(2026, 3, 12), typology="T2",
              surface="45")
    marks = {"before_r4": app.recorder.max_notification_id()}
    clock.advance(hours=1)
    _relocate(w, clock, h["R4"], "LMH", "PDC", (35_000, 10_000, 20_000), date(2026, 3, 16), typology="T3",
              surface="65")
    _propose(w, h["R6"], "PDC", "LMH", 42_000, 10_000, 20_000, typology="T3")
    clock.advance(hours=1)
    marks["before_follow_up"] = app.recorder.max_notification_id()
    clock.advance(days=60)
    app.record_follow_up(h["R1"], date(2026, 5, 15), 210_000, ind.HousingCost(45_000, 0, 11_000, 24_000),
                         w.actor("LMH"))
    clock.advance(hours=1)
    runner = runners(app)
    refs = {k: app.household(v).reference for k, v in h.items()}
    return w, runner, refs, marks


def test_reste_a_vivre_per_person(app, clock, runners):
    w, runner, refs, _ = _suivi_story(app, clock, runners)
    s = rav.suivi(runner.engine, w.project_id, instant=clock.now, convention="personne")
    rows = {r["reference"]: r for r in s["households"]}
    r1 = rows[refs["R1"]]
    assert (r1["avant"], r1["propose"], r1["apres_bail"], r1["evolution_bail"], r1["suivi"]) == (
        Decimal("14.1667"), Decimal("14.0000"), Decimal("14.0833"), Decimal("-0.0833"), Decimal("14.8333"))
    assert r1["actuel"] == Decimal("14.8333")
    r2, r3, r4, r6 = (rows[refs[k]] for k in ("R2", "R3", "R4", "R6"))
    assert (r2["avant"], r2["apres_bail"], r2["evolution_bail"], r2["evolution"]) == (
        Decimal("24.3333"), Decimal("24.0000"), Decimal("-0.3333"), Decimal("-0.3333"))
    assert (r3["avant"], r3["propose"], r3["apres_bail"], r3["evolution"]) == (Decimal("6.0000"), None, None, None)
    assert (r4["avant"], r4["apres_bail"], r4["evolution_bail"]) == (
        Decimal("5.8333"), Decimal("6.2500"), Decimal("0.4167"))
    assert (r6["avant"], r6["propose"], r6["actuel"], r6["evolution"]) == (
        Decimal("20.0000"), Decimal("19.6667"), Decimal("20.0000"), None)
    # at the lease: R1 −0.0833, R2 −0.3333 down, R4 +0.4167 up; mean (−10 − 40 + 50) / 120 / 3 = 0
    a = s["apres_bail"]
    assert (a["nombre"], a["hausse"], a["baisse"], a["stable"], a["moyenne"]) == (3, 1, 2, 0, Decimal("0.0000"))
    # at follow-up: R1 only, up
    assert (s["au_suivi"]["nombre"], s["au_suivi"]["hausse"], s["au_suivi"]["baisse"]) == (1, 1, 0)
    # under 6 €: before R4 only (R3 at exactly 6 is not; R5 left); now nobody (R4 at 6.25)
    assert (s["sous_seuil_avant"], s["sous_seuil"]) == ([refs["R4"]], [])
    # falls of more than 0.30 € a day: R2 (−0.3333)
    assert rav.suivi(runner.engine, w.project_id, instant=clock.now, fall="0.30")["forte_baisse"] == [refs["R2"]]
    assert s["forte_baisse"] == []  # none of more than 1 € (the default)


def test_follow_up_evolution_is_exact_then_rounded(app, clock, runners):
    w, runner, refs, _ = _suivi_story(app, clock, runners)
    s = rav.suivi(runner.engine, w.project_id, instant=clock.now, convention="personne")
    r1 = next(r for r in s["households"] if r["reference"] == refs["R1"])
    # 14.8333… − 14.1666… = 80 / 120 = 0.6666… → 0.6667 (the shown figures differ by 0.6666)
    assert r1["evolution"] == Decimal("0.6667")
    assert s["au_suivi"]["moyenne"] == Decimal("0.6667")


def test_reste_a_vivre_per_consumption_unit(app, clock, runners):
    w, runner, refs, _ = _suivi_story(app, clock, runners)
    s = rav.suivi(runner.engine, w.project_id, instant=clock.now, convention="uc", threshold="12")
    rows = {r["reference"]: r for r in s["households"]}
    r1, r3, r4 = rows[refs["R1"]], rows[refs["R3"]], rows[refs["R4"]]
    assert (r1["avant"], r1["propose"], r1["apres_bail"], r1["evolution_bail"], r1["suivi"]) == (
        Decimal("24.6377"), Decimal("24.3478"), Decimal("24.4928"), Decimal("-0.1449"), Decimal("25.7971"))
    assert r1["evolution"] == Decimal("1.1594")  # 80 / 69
    assert (r3["avant"], r4["avant"], r4["apres_bail"], r4["evolution_bail"]) == (
        Decimal("8.0000"), Decimal("11.1111"), Decimal("11.9048"), Decimal("0.7937"))
    assert rows[refs["R2"]]["evolution_bail"] == Decimal("-0.3333")
    a = s["apres_bail"]
    assert (a["nombre"], a["hausse"], a["baisse"]) == (3, 1, 2)
    # under 12 € per UC: R3 (8) and R4 (11.1111 before, 11.9048 now)
    assert (s["sous_seuil_avant"], s["sous_seuil"]) == (sorted([refs["R3"], refs["R4"]]),
                                                        sorted([refs["R3"], refs["R4"]]))
    assert s["convention"] == "uc" and s["seuil"] == Decimal("12")


def test_reste_a_vivre_as_of_past_positions(app, clock, runners):
    w, runner, refs, marks = _suivi_story(app, clock, runners)
    # before R4's lease: R1 and R2 relocated (both down), R4 still at 5.8333 (under 6 €)
    early = rav.suivi(runner.engine, w.project_id, position=marks["before_r4"], convention="personne")
    assert (early["apres_bail"]["nombre"], early["apres_bail"]["hausse"], early["apres_bail"]["baisse"]) == (
        2, 0, 2)
    assert early["sous_seuil"] == [refs["R4"]] and early["sous_seuil_avant"] == [refs["R4"]]
    rows = {r["reference"]: r for r in early["households"]}
    assert (rows[refs["R4"]]["apres_bail"], rows[refs["R4"]]["actuel"]) == (None, Decimal("5.8333"))
    assert rows[refs["R6"]]["propose"] is None
    # before the follow-up: R1's current figure is its lease's 14.0833, nothing at follow-up
    before = rav.suivi(runner.engine, w.project_id, position=marks["before_follow_up"], convention="personne")
    r1 = next(r for r in before["households"] if r["reference"] == refs["R1"])
    assert (r1["suivi"], r1["actuel"], r1["evolution"]) == (None, Decimal("14.0833"), Decimal("-0.0833"))
    assert before["au_suivi"]["nombre"] == 0 and before["sous_seuil"] == []


# == 4. The ANRU export: one row per household, before / after (story of section 3) ===============
#
# Indemnity (signed 03/2026: zone II ceilings of 01/10/2025; test scale 2021 zone 2):
#   R1 (40, 38, 15, 9): couple + 2 dependants: 399.89 + 58.21 = 458.10 €; rent 450 ≤ 458.10,
#      built 2023 (3 years), PLUS, Lomme, T4 → eligible, 5 000 €
#   R2 (70): alone: 290.34 €; rent 320 > 290.34 → not eligible
#   R4 (30, 28, 5, 3): 458.10 €; rent 350, T3 → eligible, 5 000 €


def test_anru_export_rows(app, clock, runners, reference):
    w, runner, refs, marks = _suivi_story(app, clock, runners)
    data = anru_export.anru_data(runner.engine, w.project_id, reference=reference)
    rows = {r["reference"]: r for r in data["rows"]}
    assert len(rows) == 6  # every household, one row each
    r1 = rows[refs["R1"]]
    assert (r1["statut"], r1["nb_propositions"], r1["nb_refus"]) == ("Relogé", 2, 1)
    assert (r1["personnes"], r1["adultes"], r1["enfants"], r1["unites_consommation"]) == (4, 2, 2, Decimal("2.30"))
    assert (r1["ressources"], r1["date_inscription"]) == (Decimal("2000.00"), date(2026, 3, 2))
    # before: 400 + 0 + 100 − 200 = 300 € on 75 m² = 4.00 €/m²; TE 300 / 2 000 = 15 %
    assert (r1["avant_typologie"], r1["avant_surface"], r1["avant_rac"], r1["avant_rac_m2"]) == (
        "T4", Decimal("75"), Decimal("300.00"), Decimal("4.00"))
    assert (r1["avant_taux_effort"], r1["avant_rav_personne"], r1["avant_rav_uc"]) == (
        Decimal("15.0000"), Decimal("14.1667"), Decimal("24.6377"))
    assert (r1["avant_commune"], r1["avant_qpv"]) == ("Lille", "Oui")
    # after: 450 + 100 − 240 = 310 € on 75 m² = 4.1333 → 4.13; TE 15.5 %; evolution +10 €, +0.5 pt
    assert (r1["apres_bailleur"], r1["apres_typologie"], r1["apres_loyer"], r1["apres_apl"]) == (
        "Vilogia", "T4", Decimal("450.00"), Decimal("240.00"))
    assert (r1["apres_rac"], r1["apres_rac_m2"], r1["apres_taux_effort"]) == (
        Decimal("310.00"), Decimal("4.13"), Decimal("15.5000"))
    assert (r1["apres_rav_personne"], r1["apres_rav_uc"]) == (Decimal("14.0833"), Decimal("24.4928"))
    assert (r1["evol_rac"], r1["evol_taux_effort"], r1["evol_rav_personne"]) == (
        Decimal("10.00"), Decimal("0.5000"), Decimal("-0.0833"))
    # Lomme-Centre (hors QPV, Lomme) from LS-FAU (QPV, Lille), LMH → VCL, T4 → T4, built 2023
    assert (r1["sur_site"], r1["hors_commune"], r1["hors_qpv"], r1["qpv_vers_hors_qpv"], r1["neuf"],
            r1["inter_bailleur"], r1["maison"], r1["plus_grand"]) == (
        "Non", "Oui", "Oui", "Oui", "Oui", "Oui", "Non", "Non")
    assert (r1["date_bail"], r1["date_entree"], r1["delai_jours"]) == (date(2026, 3, 10), date(2026, 3, 20), 8)
    assert (r1["suivi_date"], r1["suivi_rav_personne"]) == (date(2026, 5, 15), Decimal("14.8333"))
    assert (r1["indemnite_statut"], r1["indemnite_montant"], r1["indemnite_plafond"]) == (
        "Éligible", Decimal("5000.00"), Decimal("458.10"))
    r2 = rows[refs["R2"]]
    assert (r2["indemnite_statut"], r2["indemnite_montant"], r2["indemnite_plafond"]) == (
        "Non éligible", None, Decimal("290.34"))
    assert r2["indemnite_motifs"] == "loyer 320,00\u00a0€ supérieur au plafond APL 290,34\u00a0€"
    r3 = rows[refs["R3"]]
    assert (r3["statut"], r3["avant_rac"], r3["avant_rav_personne"], r3["apres_rac"], r3["delai_jours"]) == (
        "À reloger", Decimal("300.00"), Decimal("6.0000"), None, None)
    r5 = rows[refs["R5"]]
    assert (r5["statut"], r5["date_sortie"], r5["date_bail"]) == ("Sorti du dispositif", date(2026, 3, 2), None)
    assert rows[refs["R6"]]["statut"] == "Proposition en cours"
    i = data["indemnites"]
    assert (i["base"], i["eligibles"], i["non_eligibles"], i["montant_total_cents"]) == (3, 2, 1, 1_000_000)
    # CSV: French decimal comma and dd/mm/yyyy
    text = anru_export.anru_csv(runner.engine, w.project_id, data=data).decode("utf-8")
    line = next(x for x in text.split("\r\n") if x.startswith(refs["R1"]))
    assert ";02/03/2026;" in line and ";10/03/2026;20/03/2026;8;" in line
    assert ";300,00;4,00;15,0000;14,1667;24,6377;Lille;Oui;" in line


def test_anru_export_as_of_a_past_position(app, clock, runners, reference):
    w, runner, refs, marks = _suivi_story(app, clock, runners)
    data = anru_export.anru_data(runner.engine, w.project_id, position=marks["before_r4"], reference=reference)
    rows = {r["reference"]: r for r in data["rows"]}
    # before R4's lease: R4 to relocate, no after; R6 had no proposal yet; R1 without follow-up
    r4 = rows[refs["R4"]]
    assert (r4["statut"], r4["avant_rav_personne"], r4["apres_rac"], r4["indemnite_statut"]) == (
        "À reloger", Decimal("5.8333"), None, None)
    assert (rows[refs["R6"]]["statut"], rows[refs["R6"]]["nb_propositions"]) == ("À reloger", 0)
    assert rows[refs["R1"]]["suivi_rav_personne"] is None
    # R1 eligible (5 000 €), R2 not: 1 of 2
    i = data["indemnites"]
    assert (i["base"], i["eligibles"], i["montant_total_cents"]) == (2, 1, 500_000)
    assert data["statuts"] == {"À reloger": 3, "Proposition en cours": 0, "Relogé": 2, "Sorti du dispositif": 1}


# == 5. The pages show those figures in French: "1 234,56 €", "66,67 %", dd/mm/yyyy ==============

NBSP = "\u00a0"


@pytest.fixture
def web_app(database_url, clock, tmp_path):
    from relogement.runtime import create_app

    application = create_app({
        "TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
        "RELOGEMENT_DATA_DIR": str(tmp_path), "CLOCK": clock, "LOGIN_RATE_LIMIT": "1000 per minute",
        "RELOGEMENT_REPORT_WAIT_SECONDS": 60,
    })
    try:
        yield application
    finally:
        application.extensions["relogement"].close()


def _logged_in(web_app, login: str):
    import re

    from relogement.web.demo_accounts import DEMO_PASSWORD

    client = web_app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").text).group(1)
    answer = client.post("/connexion", data={"identifiant": login, "mot_de_passe": DEMO_PASSWORD,
                                             "csrf_token": token})
    assert answer.status_code == 302, login
    return client


def test_pages_show_the_figures_in_french(web_app, clock):
    from relogement.web.demo_accounts import create_demo_accounts

    relocation = web_app.extensions["relogement"]
    w, h, mid = _dashboard_events(relocation, clock)
    create_demo_accounts(web_app.extensions["relogement.accounts"],
                         web_app.extensions["relogement.readmodels"].organisations())
    partner = _logged_in(web_app, "mel.partenaire")
    page = partner.get("/tableau-de-bord")
    assert page.status_code == 200
    text = page.text
    # section 1's figures: RAC mean 300 → 270 € (−30), per m² 4.84 → 4.58; 2 of 3 = 66,67 %
    assert f"300,00{NBSP}€" in text and f"270,00{NBSP}€" in text and "−30,00&nbsp;€" in text
    assert "4,84&nbsp;€" in text and "4,58&nbsp;€" in text
    assert f"66,67{NBSP}%" in text and f"33,33{NBSP}%" in text
    assert "14 jours" in text  # median delay 14 days
    # indemnities with the shipped scale (2021 zone 2, demo values): T4 5 000 € + T2 2 000 €
    assert f"7{NBSP}000{NBSP}€" in text
    # the semestrial report lists the leases with their dates, dd/mm/yyyy
    report = partner.get("/rapport-semestriel?semestre=2026-S1")
    assert report.status_code == 200
    assert "02/03/2026" in report.text  # registration of the open cases (H3, H6)
    # an auditor as of 06/03/2026 12:30 (Paris), right after H2's lease: RAC mean (250 + 350) / 2
    # = 300 €, per m² 600 / 132 = 4,55 €; 1 of 2 = 50,00 %; median delay (8 + 14) / 2 = 11 days
    auditor = _logged_in(web_app, "anru.auditeur")
    with auditor.session_transaction() as session:
        session["as_of"], session["as_of_time"] = "2026-03-06", "12:30"
    past = auditor.get("/tableau-de-bord").text
    assert "4,55&nbsp;€" in past and f"50,00{NBSP}%" in past and "11 jours" in past
    assert "4,58&nbsp;€" not in past
    assert "06/03/2026" in past


# == 6. Annex rents, stable figures, a departure with a live proposal, "autre" refusals ===========
#
# Couples (RAC 300 € before, 1 500 €), registered 02/03/2026 by LMH:
#   K1 relocated into a VCL T3 62 m² in Lomme built 2025, lease 350 + garage 25 + 100 − 175 =
#      RAC 300: unchanged (TE 20 → 20, RAV 20 → 20: stable); indemnity on the rent alone:
#      350 ≤ 355.38 (couple, zone II) → eligible, T3 5 000 € (with the garage 375 would exceed it)
#   K2 a live PDC proposal with an open objection of the city, then leaves: the proposal is
#      withdrawn, nothing pending, no objection open
#   K3 refuses its proposal, motive "autre" (with its text): to relocate


def test_annex_rents_stable_figures_and_departure(app, clock, runners, reference):
    clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    w = sample.build_world(app)
    k1, k2, k3 = _register(w), _register(w), _register(w)
    p2 = _propose(w, k2, "PDC", "LMH", typology="T3")
    app.raise_objection(p2, "Attribution à revoir en commission", w.actor("VLS"))
    p3 = _propose(w, k3, "VCL", "LMH", typology="T3")
    app.refuse_proposal(p3, "autre", "Souhaite rester près de sa mère", w.actor("LMH"))
    _relocate(w, clock, k1, "LMH", "VCL", (35_000, 10_000, 17_500), date(2026, 3, 9), annex=2_500,
              typology="T3", surface="62", commune="Lomme", quartier="Lomme-Centre", qpv=False,
              construction_year=2025)
    app.record_departure(k2, "Parti dans une autre région", w.actor("LMH"))
    clock.advance(hours=1)
    runner = runners(app)
    t = dash.dashboard(runner.engine, w.project_id, instant=clock.now, reference=reference)["total"]
    assert t["menages"] == {"inscrits": 3, "a_reloger": 1, "proposition_en_cours": 0, "reloges": 1,
                            "sortis": 1, "restant_a_reloger": 1}
    p = t["propositions"]
    assert (p["faites"], p["en_cours"], p["bloquees"], p["oppositions_ouvertes"]) == (3, 0, 0, 0)
    assert (p["refus"], p["refus_par_motif"]) == (1, {"autre": 1})
    assert (t["taux_effort"]["nombre"], t["taux_effort"]["moyenne"], t["taux_effort"]["stable"]) == (
        1, Decimal("0.0000"), 1)
    assert (t["reste_a_vivre_personne"]["stable"], t["reste_a_vivre_personne"]["hausse"]) == (1, 0)
    rac = t["reste_a_charge"]
    # after 300 € (garage included) on 62 m² = 4.8387 → 4.84; change 0: stable
    assert rac["apres"] == {"total_cents": 30_000, "moyenne_cents": 30_000, "par_m2_euros": Decimal("4.84")}
    assert (rac["evolution_total_cents"], rac["stable"], rac["hausse"], rac["baisse"]) == (0, 1, 0, 0)
    assert t["indemnites_minoration"]["montant_total_cents"] == 500_000
    rows = {r["reference"]: r for r in anru_export.anru_data(runner.engine, w.project_id,
                                                             reference=reference)["rows"]}
    r1 = rows[app.household(k1).reference]
    assert (r1["apres_loyer"], r1["apres_annexes"], r1["apres_charges"], r1["apres_apl"], r1["apres_rac"]) == (
        Decimal("350.00"), Decimal("25.00"), Decimal("100.00"), Decimal("175.00"), Decimal("300.00"))
    assert (r1["evol_rac"], r1["evol_taux_effort"], r1["evol_rav_personne"]) == (
        Decimal("0.00"), Decimal("0.0000"), Decimal("0.0000"))
    assert (r1["indemnite_statut"], r1["indemnite_plafond"]) == ("Éligible", Decimal("355.38"))
    r2 = rows[app.household(k2).reference]
    assert (r2["statut"], r2["nb_propositions"], r2["date_sortie"]) == ("Sorti du dispositif", 1, date(2026, 3, 4))
