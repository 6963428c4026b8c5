"""Form error summaries name their fields; the accounts form lists every error at once.

The summary at the top of a form (``_macros.form_errors``) lists each message away from
its field: it says which field it is about, with the label of ``parsing.FIELD_LABELS``
("Loyer principal : ce champ est obligatoire."). Every field of every template must
have a label there (read from the templates themselves, so a new field is covered).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from relogement.web.field_labels import DOMAIN_FIELDS, FIELD_LABELS, field_error

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"

# {{ field("loyer", "Loyer principal (€)", …) }}, select(…), checkbox(…): the macros' fields.
MACRO_FIELD = re.compile(r"""\b(?:field|select|checkbox)\(\s*["']([^"']+)["']""")
# Hand-written fields: <input …>, <select …>, <textarea …> with a literal name.
TAG = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE | re.DOTALL)
ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
NOT_FIELDS = {"hidden", "submit", "button", "reset", "image"}
SUMMARY = re.compile(r'<ul class="erreurs-liste">(.*?)</ul>', re.DOTALL)
LINE = re.compile(r'<li><a href="#f-([^"]+)">(.*?)</a></li>', re.DOTALL)


def template_fields() -> dict[str, set[str]]:
    """{field name: the templates that have it}, csrf_token and hidden inputs left out."""
    found: dict[str, set[str]] = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(TEMPLATES))
        names = set()
        if path.name != "_macros.html":  # the macros' own definitions, not calls
            names |= set(MACRO_FIELD.findall(text))
        for _tag, attrs in TAG.findall(text):
            a = {m[0].lower(): m[1] or m[2] for m in ATTR.findall(attrs)}
            name = a.get("name", "")
            if not name or "{" in name or name == "csrf_token":
                continue
            if a.get("type", "text").lower() in NOT_FIELDS:
                continue
            names.add(name)
        for name in names:
            found.setdefault(name, set()).add(where)
    return found


def test_the_templates_are_read():
    fields = template_fields()
    # Macro fields, hand-written fields, selects: the parser sees each kind.
    for name in ("loyer", "nom", "operation", "motif_effacement", "identifiant", "typologie"):
        assert name in fields, name
    assert "csrf_token" not in fields


def test_every_form_field_has_a_french_label():
    missing = {name: sorted(where) for name, where in template_fields().items() if name not in FIELD_LABELS}
    assert not missing, f"fields without a label in parsing.FIELD_LABELS: {missing}"


def test_every_domain_error_field_has_a_label():
    # A domain InvalidValue is shown under DOMAIN_FIELDS' form name: it is named too.
    assert not set(DOMAIN_FIELDS.values()) - set(FIELD_LABELS)


@pytest.mark.parametrize(
    ("name", "message", "line"),
    [
        ("loyer", "Ce champ est obligatoire.", "Loyer principal : ce champ est obligatoire."),
        ("surface", "Nombre invalide « x ».", "Surface habitable : nombre invalide « x »."),
        ("apl", "APL supérieure au loyer.", "Aide au logement : APL supérieure au loyer."),
        ("inconnu", "Ce champ est obligatoire.", "Ce champ est obligatoire."),
    ],
)
def test_field_error_names_the_field(name, message, line):
    assert field_error(name, message) == line


def _summary(text: str) -> list[tuple[str, str]]:
    block = SUMMARY.search(text)
    assert block, "no error summary"
    return [(name, html.unescape(line)) for name, line in LINE.findall(block.group(1))]


def test_household_form_summary_names_each_field(world, client_for):
    officer = client_for("vcl.charge")
    page = officer.post("/menages/nouveau", {})
    assert page.status_code == 422
    lines = _summary(page.text)
    assert len(lines) >= 5
    for name, line in lines:
        assert line.startswith(FIELD_LABELS[name] + " : "), line
        assert f'id="f-{name}"' in page.text, name  # the link reaches its field
    assert ("nom", "Nom du ménage : ce champ est obligatoire.") in lines
    assert ("loyer", "Loyer principal : ce champ est obligatoire.") in lines
    # The summary no longer repeats the same anonymous sentence.
    assert not any(line == "Ce champ est obligatoire." for _, line in lines)
    # Posted as a browser does (every field, in the page's order): the summary follows it.
    form = officer.get("/menages/nouveau").text
    names = list(dict.fromkeys(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', form)))
    posted = officer.post("/menages/nouveau", {n: "" for n in names if n != "csrf_token"})
    listed = [name for name, _ in _summary(posted.text)]
    assert listed == sorted(listed, key=names.index) and "nom" in listed and "loyer" in listed


# -- administrators' accounts form ----------------------------------------------------


def _org_id(world, code: str = "VCL") -> str:
    return str(world.world.orgs[code])


def test_accounts_form_lists_every_error_at_once(world, client_for):
    admin = client_for("admin")
    page = admin.get("/admin/comptes")
    assert page.status_code == 200
    # The scroll box is a focusable, named region (issue 23, point 19: RGAA / axe
    # scrollable-region-focusable): the same box, with its accessibility attributes.
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Comptes des utilisateurs"><table>' in page.text

    bad = admin.post("/admin/comptes", {
        "identifiant": "nouveau compte!", "nom_affiche": "Agent Nouveau",
        "mot_de_passe": "court-mdp", "organisation": "", "role": "charge_relogement",
    })
    assert bad.status_code == 422
    lines = dict(_summary(bad.text))
    assert list(lines) == ["identifiant", "mot_de_passe", "organisation"]  # the form's order
    assert lines["identifiant"].startswith("Identifiant : identifiant invalide")
    assert lines["mot_de_passe"] == "Mot de passe : mot de passe trop court (10 caractères au minimum)."
    assert lines["organisation"] == "Organisation : ce champ est obligatoire."
    # What was typed is kept, but the password.
    assert 'value="nouveau compte!"' in bad.text
    assert 'value="Agent Nouveau"' in bad.text
    assert "court-mdp" not in bad.text
    assert re.search(r'<option value="charge_relogement"\s+selected>', bad.text)


def test_accounts_form_empty_and_duplicate(world, client_for):
    admin = client_for("admin")
    empty = admin.post("/admin/comptes", {})
    assert empty.status_code == 422
    assert {name for name, _ in _summary(empty.text)} == {"identifiant", "mot_de_passe", "organisation", "role"}

    org = _org_id(world)
    taken = admin.post("/admin/comptes", {
        "identifiant": "VCL.Charge", "mot_de_passe": "Un-mot-de-passe-long", "organisation": org,
        "role": "charge_relogement",
    })
    assert taken.status_code == 422
    assert dict(_summary(taken.text)) == {"identifiant": "Identifiant : l'identifiant « vcl.charge » existe déjà."}
    assert f'<option value="{org}" selected>' in taken.text

    bad_role = admin.post("/admin/comptes", {
        "identifiant": "agent.neuf", "mot_de_passe": "Un-mot-de-passe-long", "organisation": org, "role": "roi",
    })
    assert bad_role.status_code == 422
    assert set(dict(_summary(bad_role.text))) == {"role"}


def test_accounts_form_creates_the_account(world, client_for):
    admin = client_for("admin")
    done = admin.post("/admin/comptes", {
        "identifiant": "Agent.Neuf", "nom_affiche": "Agent Neuf", "mot_de_passe": "Un-mot-de-passe-long",
        "organisation": _org_id(world), "role": "charge_relogement",
    })
    assert done.status_code == 302
    listing = admin.get("/admin/comptes").text
    assert "Compte créé." in listing
    assert "<td>agent.neuf</td><td>Agent Neuf</td>" in listing
    user = world.app.extensions["relogement.accounts"].by_login("agent.neuf")
    assert user is not None and user.role == "charge_relogement"
    newcomer = client_for(None)
    assert newcomer.login("agent.neuf", "Un-mot-de-passe-long").status_code == 302
