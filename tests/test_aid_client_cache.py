"""The housing-aid client's cache, without the service (its answer is faked): a figure is
kept until the household's or the dwelling's figures change, the ranking's keyed path and
the proposal form's dict path share it, an unknown commune is said, and after a failure
nothing is sent for the back-off while cached figures are still given."""

from __future__ import annotations

from datetime import date

from relogement.housing_aid import client as c
from relogement.housing_aid import situation as sit
from relogement.housing_aid.communes import insee_code
from relogement.platform.matching import OfferProfile
from relogement.web import ranking_aid

MONTH = date(2026, 3, 1)
LOMME = {"rent_cents": 48_000, "charges_cents": 10_000, "typology": "T4", "commune": "Lomme"}
LILLE = {**LOMME, "commune": "Lille", "typology": "T3"}


def _simulator(fail: bool = False) -> tuple[c.AidSimulator, list[dict]]:
    """A simulator whose service answers 100 € + 1 € per euro of rent over 400 €; the list
    holds each batch's cases (ménage name → depcom, rent)."""
    simulator = c.AidSimulator("http://127.0.0.1:9")
    sent: list[dict] = []

    def post(batch: dict):
        sent.append({k: (*v["depcom"].values(), *v["loyer"].values()) for k, v in batch["menages"].items()})
        if fail:
            raise OSError("refused")
        answer = {"familles": {}, "menages": {}}
        for name, menage in batch["menages"].items():
            key = name.removesuffix("-m")
            (month, rent), = menage["loyer"].items()
            answer["familles"][f"{key}-f"] = {sit.AID: {month: 100 + rent - 400}}
            answer["menages"][name] = {sit.ZONE: {month: "zone_2"}}
        return answer, "176.1.8"

    simulator._post = post  # type: ignore[method-assign]
    return simulator, sent


def test_cached_until_the_figures_change():
    simulator, sent = _simulator()
    first = simulator.simulate([38, 36, 9], 180_000, {"a": LOMME, "b": LILLE}, MONTH)
    assert {k: a.amount_cents for k, a in first.aids.items()} == {"a": 18_000, "b": 18_000}
    assert first.aids["a"].inputs == sit.inputs_of([38, 36, 9], 180_000, LOMME)
    assert first.aids["a"].inputs["depcom"] == insee_code("Lomme") and len(sent) == 1
    # Read again (another day of the month): nothing sent.
    again = simulator.simulate((38, 36, 9), 180_000, {"x": LOMME, "y": LILLE}, date(2026, 3, 20))
    assert again.aids["x"] is first.aids["a"] and len(sent) == 1
    # The rent of one dwelling changes: only that one is sent.
    dearer = simulator.simulate([38, 36, 9], 180_000, {"a": {**LOMME, "rent_cents": 50_000}, "b": LILLE}, MONTH)
    assert dearer.aids["a"].amount_cents == 20_000 and dearer.aids["b"] is first.aids["b"]
    assert len(sent) == 2 and list(sent[1].values()) == [(insee_code("Lomme"), 500.0)]
    # The household's resources, its composition or the month change: new figures.
    simulator.simulate([38, 36, 9], 190_000, {"a": LOMME}, MONTH)
    simulator.simulate([38, 36], 180_000, {"a": LOMME}, MONTH)
    simulator.simulate([38, 36, 9], 180_000, {"a": LOMME}, date(2026, 4, 1))
    assert len(sent) == 5


def test_the_ranking_and_the_form_share_one_cache():
    simulator, sent = _simulator()
    offer = OfferProfile("o1", "R1", "b", "Lomme", "Q", False, "T4", 78, 48_000, 0, 10_000, 2023, False, 1, True,
                         False)
    provider = ranking_aid.SimulatedAid(simulator, MONTH)
    household = type("H", (), {"ages": (38, 36, 9), "resources_cents": 180_000, "apl_cents": 21_000})()
    ranked = provider.estimate(household, (offer,))
    assert ranked["o1"].cents == 18_000 and len(sent) == 1
    form = c.aid_estimates(simulator, {"ages": [38, 36, 9], "resources_cents": 180_000}, [("o1", LOMME)], MONTH)
    assert form.aids["o1"] is ranked.simulated.aids["o1"] and len(sent) == 1


def test_unknown_commune_and_the_back_off():
    simulator, sent = _simulator(fail=True)
    nowhere = {**LOMME, "commune": "Nulle-Part-sur-Mer"}
    down = simulator.simulate([40], 100_000, {"a": LOMME, "z": nowhere}, MONTH)
    assert not down.available and down.aids == {}
    assert down.reasons == {"a": c.UNAVAILABLE, "z": c.UNKNOWN_COMMUNE}
    assert len(sent) == 1 and list(sent[0].values()) == [(insee_code("Lomme"), 480.0)]
    # Within the back-off: nothing is sent, the page says "indisponible" at once.
    again = simulator.simulate([40], 100_000, {"a": LOMME, "z": nowhere}, MONTH)
    assert again.reasons == {"a": c.UNAVAILABLE, "z": c.UNKNOWN_COMMUNE} and len(sent) == 1
    # A figure cached before the failure is still given meanwhile.
    simulator._down_until = 0.0
    simulator._post = _simulator()[0]._post  # type: ignore[method-assign]
    cached = simulator.simulate([40], 100_000, {"a": LOMME}, MONTH).aids["a"]
    simulator._down_until = float("inf")
    later = simulator.simulate([40], 100_000, {"a": LOMME, "b": LILLE}, MONTH)
    assert later.aids == {"a": cached} and later.reasons == {"b": c.UNAVAILABLE} and not later.available


def test_no_simulator_says_unavailable_for_every_offer():
    keyed = c.keyed_estimates(None, {"ages": [40], "resources_cents": 0}, [("a", c.dwelling_key(LOMME))], MONTH)
    assert not keyed.available and keyed.reasons == {"a": c.UNAVAILABLE}
    assert c.aid_estimates(None, {"ages": [40], "resources_cents": 0}, [("a", LOMME)], MONTH).reasons == keyed.reasons


def test_a_pool_is_keyed_once():
    offers = tuple(OfferProfile(f"o{i}", f"R{i}", "b", "Lille", "Q", False, "T3", 60, 40_000 + i, 0, 9_000, 2000,
                                False, 1, True, False) for i in range(3))
    keys = ranking_aid.dwelling_keys(offers)
    assert ranking_aid.dwelling_keys(offers) is keys
    assert keys == [(o.id, c.dwelling_key({"rent_cents": o.rent_cents, "charges_cents": 9_000, "typology": "T3",
                                           "commune": "Lille"})) for o in offers]
    assert ranking_aid.dwelling_keys(list(offers)) == keys  # a list is keyed each time (it may change)


def test_the_ranking_column_is_each_offer_estimate():
    simulator, _ = _simulator()
    offers = tuple(OfferProfile(f"o{i}", f"R{i}", "b", commune, "Q", False, "T3", 60, 40_000 + 1_000 * i, 0, 9_000,
                                2000, False, 1, True, False)
                   for i, commune in enumerate(["Lille", "Nulle-Part-sur-Mer", "Lomme"]))
    household = type("H", (), {"ages": (40,), "resources_cents": 100_000, "apl_cents": 21_000})()
    ranked = ranking_aid.SimulatedAid(simulator, MONTH).estimate(household, offers)
    # 100 € + rent over 400 €; the unknown commune keeps the household's current aid.
    assert [(ranked[o.id].cents, ranked[o.id].source) for o in offers] == [
        (10_000, ranking_aid.SIMULATED_SOURCE), (21_000, ranking_aid.CARRIED), (12_000, ranking_aid.SIMULATED_SOURCE)]
    assert ranked.cents.tolist() == [ranked[o.id].cents for o in offers] and ranked.uniform is None
    assert ranked.source == f"{ranking_aid.SIMULATED_SOURCE}, sinon {ranking_aid.CARRIED}"
    assert list(ranked) == [o.id for o in offers] and len(ranked) == 3
    typed = ranking_aid.SimulatedAid(simulator, MONTH, typed_cents=30_000).estimate(household, offers)
    assert typed.uniform.cents == 30_000 and typed.cents is None and typed.simulated.aids["o0"].amount_cents == 10_000


def test_a_pool_asked_while_the_service_is_down_keeps_its_keys_as_they_are():
    """The reasons of a ranking's pool (kept once per read position) are a view of its keys:
    two requests within the back-off share the same keys, none copied into a dict."""
    simulator, sent = _simulator(fail=True)
    nowhere = {**LOMME, "commune": "Nulle-Part-sur-Mer"}
    pool = [(f"o{i}", c.dwelling_key(LILLE if i % 2 else LOMME)) for i in range(2000)] + [
        ("z", c.dwelling_key(nowhere))]
    first = simulator.simulate_keyed([40], 100_000, pool, MONTH)
    second = simulator.simulate_keyed([40], 100_000, pool, MONTH)
    assert len(sent) == 1 and not second.available and len(second.reasons) == 2001
    assert second.reasons["o1999"] == c.UNAVAILABLE and second.reasons.get("z") == c.UNKNOWN_COMMUNE
    assert second.reasons.get("elsewhere") is None and "elsewhere" not in second.reasons
    unavailable = [m for m in second.reasons.maps if isinstance(m, c.SameReason)]
    assert unavailable[0]._keys is [m for m in first.reasons.maps if isinstance(m, c.SameReason)][0]._keys
