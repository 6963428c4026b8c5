"""The proposal form's preview and the proposal letter, through the web, on both databases.

Hand-worked figures (the sample household: 4 persons (38, 36, 9, 5), 1,800 € a month,
now in a T3 at 420 € + 90 € of charges with 210 € of aid; it wishes Lille or Lomme):
- offer "offer" (T4, 78 m², Lomme, 480 € + 100 €), aid estimate 250 €:
  reste à charge 480 + 100 − 250 = 330 €; effort 330 / 1,800 = 18,33 %;
  reste-à-vivre (1,800 − 330) / 4 / 30 = 12,25 € a day a person.
  Before: 420 + 90 − 210 = 300 €, 16,67 %; evolution +1,67 point.
- the same offer with an aid of 0 €: 580 €, 580 / 1,800 = 32,22 %, above a 30 % ceiling.
"""

from __future__ import annotations

import io
import re

import pytest

from relogement.platform.values import Wishes
from relogement.simulation import sample

PURPOSE = "courrier de proposition"


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def officer(world, client_for):
    return client_for("vcl.charge")


def _events(world) -> int:
    return world.app.extensions["relogement"].recorder.max_notification_id()


def test_preview_shows_the_indicators_and_records_nothing(world, officer):
    hid, oid = world.ids["household"], world.ids["offer"]
    before = _events(world)
    page = officer.get(f"/menages/{hid}/proposer/apercu?offre={oid}&apl_estimee=250", headers={"HX-Request": "true"})
    assert page.status_code == 200
    text = _plain(page.text)
    assert "<html" not in text  # the partial alone, for htmx
    for figure in ("330,00 €", "18,33 %", "12,25 €", "300,00 €", "16,67 %", "+1,67 pts"):
        assert figure in text, figure
    assert "Aucune alerte" in text
    # The whole form, an offer preselected by ?offre=: the preview is there at once.
    form = officer.get(f"/menages/{hid}/proposer?offre={oid}")
    assert form.status_code == 200
    assert re.search(rf'<option value="{oid}"\s+selected', form.text)
    assert "aide non saisie" in form.text and "580,00" in _plain(form.text)
    assert _events(world) == before, "a preview recorded an event"


def test_a_warning_asks_for_a_confirmation_even_without_the_browser(world, officer):
    app = world.app.extensions["relogement"]
    w = world.world
    app.change_project_settings(w.project_id, {"max_effort_rate": "30"}, w.actor("MEL"))
    hid, oid = world.ids["household"], world.ids["offer"]
    preview = _plain(officer.get(f"/menages/{hid}/proposer/apercu?offre={oid}&apl_estimee=0", headers={"HX-Request": "true"}).text)
    assert "32,22 %" in preview and "au-dessus du maximum fixé par le projet (30,00 %)" in preview
    assert 'value="taux_effort_plafond"' in preview and "required" in preview
    before = _events(world)
    refused = officer.post(f"/menages/{hid}/proposer", {"offre": str(oid), "apl_estimee": "0"})
    assert refused.status_code == 422
    assert "cochez la case de confirmation" in refused.text and "32,22" in refused.text
    # A confirmation given for other warnings does not count.
    stale = officer.post(f"/menages/{hid}/proposer", {"offre": str(oid), "apl_estimee": "0", "confirmer_alertes": "sur_occupation"})
    assert stale.status_code == 422
    assert _events(world) == before, "a refused proposal recorded an event"
    sent = officer.post(
        f"/menages/{hid}/proposer", {"offre": str(oid), "apl_estimee": "0", "confirmer_alertes": "taux_effort_plafond"}
    )
    assert sent.status_code == 302 and "/propositions/" in sent.headers["Location"]
    # No warning: no confirmation needed.
    other = sample.register(w, bailleur="VCL", name="Famille Nord")
    offer = app.publish_offer(w.project_id, sample.dwelling(), w.actor("LMH"))
    assert officer.post(f"/menages/{other}/proposer", {"offre": str(offer), "apl_estimee": "250"}).status_code == 302


def test_every_kind_of_warning(world, officer):
    """Over-occupation (T2 of 30 m² for 4: under 16 + 2 × 9 = 34 m²), under-occupation (T6
    for 4: 6 rooms > 4 + 1), commune not wished (Roubaix), reste-à-vivre under 6 €: the
    rent 1,200 € + 100 € with no aid leaves (1,800 − 1,300) / 4 / 30 = 4,17 €."""
    app = world.app.extensions["relogement"]
    w = world.world
    hid = world.ids["household"]
    small = app.publish_offer(w.project_id, sample.dwelling(typology="T2", surface="30"), w.actor("LMH"))
    large = app.publish_offer(w.project_id, sample.dwelling(typology="T6", surface="120", commune="Roubaix"), w.actor("LMH"))
    dear = app.publish_offer(w.project_id, sample.dwelling(rent_cents=120_000), w.actor("LMH"))

    def codes(oid, aid="250"):
        page = officer.get(f"/menages/{hid}/proposer/apercu?offre={oid}&apl_estimee={aid}", headers={"HX-Request": "true"})
        return re.findall(r'data-alerte="([a-z_]+)"', page.text), _plain(page.text)

    found, text = codes(small)
    assert found == ["sur_occupation"] and "30 m² pour 4 personne(s), sous le minimum de 34 m²" in text
    found, text = codes(large)
    assert found == ["sous_occupation", "commune_non_souhaitee"]
    assert "Roubaix ne figure pas parmi les communes souhaitées par le ménage (Lille, Lomme)" in text
    found, text = codes(dear, "0")
    assert found == ["reste_a_vivre_seuil"] and "4,17 € par jour et par personne" in text


def test_preview_refuses_what_the_form_would(world, officer, client_for):
    hid = world.ids["household"]
    page = officer.get(f"/menages/{hid}/proposer/apercu?offre=inconnue&apl_estimee=abc", headers={"HX-Request": "true"})
    assert page.status_code == 200 and "plus disponible" in page.text and "Aide estimée" in page.text
    assert client_for("lmh.charge").get(f"/menages/{hid}/proposer/apercu").status_code == 403


def _proposal(world):
    app = world.app.extensions["relogement"]
    return app.make_proposal(world.ids["household"], world.ids["offer"], 25_000, world.world.actor("VCL"))


def test_letter_docx_holds_the_figures_and_is_logged(world, officer, clock):
    from docx import Document

    app = world.app.extensions["relogement"]
    w = world.world
    app.record_wishes(
        world.ids["household"], Wishes(communes=("Lille", "Lomme"), typologies=("T4",), right_to_return=True),
        w.actor("VCL"),
    )
    pid = _proposal(world)
    page = officer.get(f"/propositions/{pid}")
    assert 'id="courrier-docx"' in page.text and 'hx-boost="false" download' in page.text
    response = officer.get(f"/propositions/{pid}/courrier.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    doc = Document(io.BytesIO(response.data))
    text = _plain("\n".join(
        [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    ))
    # The clock is 02/03/2026 (Paris); the project's default: 10 days to answer.
    for figure in ("480,00 €", "100,00 €", "330,00 €", "18,33 %", "12/03/2026", "Famille Benali",
                   "n° 1 sur les 3 propositions", "il vous restera 2 propositions", "déménagement", "droit au retour"):
        assert figure in text, figure
    entries = app.access_log(household_id=world.ids["household"])
    assert any(e.purpose == PURPOSE and e.user == "vcl.charge" for e in entries)
    pdf = officer.get(f"/propositions/{pid}/courrier.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_letter_only_for_who_sees_the_identity(world, client_for):
    app = world.app.extensions["relogement"]
    pid = _proposal(world)
    assert client_for("mous.charge").get(f"/propositions/{pid}/courrier.docx").status_code == 200
    for login in ("lmh.charge", "vls.partenaire", "mel.partenaire", "anru.auditeur", "admin"):
        client = client_for(login)
        assert client.get(f"/propositions/{pid}/courrier.docx").status_code == 403, login
        assert client.get(f"/propositions/{pid}/courrier.pdf").status_code == 403, login
        assert "courrier-docx" not in client.get(f"/propositions/{pid}").text, login
    logged = [e.user for e in app.access_log(household_id=world.ids["household"]) if e.purpose == PURPOSE]
    assert logged == ["mous.charge"]
    assert client_for("vcl.charge").get(f"/propositions/{pid}/courrier.odt").status_code == 404


def test_no_letter_once_the_household_is_erased(world, officer):
    app = world.app.extensions["relogement"]
    pid = _proposal(world)
    app.erase_household(world.ids["household"], world.world.actor("MEL"), "demande", "Demande écrite du ménage.")
    response = officer.get(f"/propositions/{pid}/courrier.docx")
    assert response.status_code == 409 and "effacées" in response.text
    assert "courrier-docx" not in officer.get(f"/propositions/{pid}").text
    assert not [e for e in app.access_log(household_id=world.ids["household"]) if e.purpose == PURPOSE]
