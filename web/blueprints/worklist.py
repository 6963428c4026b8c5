"""« À traiter »: the user's work list (their home page), and who follows each household
(« Mes ménages »: the officer the bailleur or the MOUS assigns)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from relogement.web import worklist
from relogement.web.blueprints._common import run_form
from relogement.web.context import (
    accounts,
    actor,
    parse_id,
    readmodels,
    relocation,
    require,
    viewpoint,
)
from relogement.web.context import household as household_view
from relogement.web.parsing import FormErrors, Reader
from relogement.web.policy import CHARGE

bp = Blueprint("worklist", __name__)

SCOPES = {"moi": "Mes ménages et ceux sans chargé(e)", "organisation": "Toute mon organisation"}
PAGE_SIZE = 25  # a morning's work; the type filter and the pages reach the rest


def action_link(item) -> str:  # noqa: ANN001 - projections.queries.worklist.WorkItem
    """Where the item is dealt with."""
    if item.kind == "suivi":
        return url_for("households.follow_up", household_id=item.household_id)
    if item.kind in ("derniere_offre", "bloque"):
        return url_for("households.file", household_id=item.household_id)
    if item.kind == "reservation":
        return url_for("offers.detail", offer_id=item.offer_id)
    return url_for("proposals.detail", proposal_id=item.proposal_id)


ACTIONS = {
    "reponse_attendue": "Enregistrer la réponse",
    "caleol": "Enregistrer la décision",
    "bail": "Enregistrer le bail",
    "suivi": "Saisir la mesure",
    "reservation": "Prolonger ou retirer",
    "derniere_offre": "Voir le ménage",
    "bloque": "Proposer un logement",
    "opposition": "Voir l'opposition",
    "a_examiner": "Examiner",
    "arbitrage": "Arbitrer",
}


@bp.route("/a-traiter")
@login_required
def index():
    r = Reader(request.args)
    scope = r.choice("portee", SCOPES, required=False, default="moi")
    kind = r.choice("type", worklist.KINDS, required=False)
    number = r.integer("page", default=1, low=1, high=100_000)
    kept = worklist.work_list(current_user.login, current_user.org_id, scope == "moi") if not r.errors else None
    items = kept.items if kept is not None else ()
    counts = dict(kept.counts) if kept is not None else {}
    shown = [i for i in items if i.kind == kind] if kind else items
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    number = min(number, pages)
    names = {p.id.hex: p.name for p in readmodels().projects(viewpoint().position)}
    return (
        render_template(
            "worklist/index.html", items=shown[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
            total=len(shown), counts=counts, kinds=worklist.KINDS, scopes=SCOPES, scope=scope, kind=kind,
            number=number, pages=pages, errors=r.errors, officer=current_user.role == CHARGE,
            link=action_link, actions=ACTIONS, project_names=names,
            due=kept.due if kept is not None else 0,
        ),
        400 if r.errors else 200,
    )


def officers_for(household) -> dict[str, str]:  # noqa: ANN001 - HouseholdPseudo
    """login → « name (organisation) » of the active officers of the household's two
    organisations (its bailleur, the organisation that follows it)."""
    orgs = {household.bailleur_id: household.bailleur_name, household.officer_id: household.officer_name}
    return {
        u.login: f"{u.display_name} ({orgs[u.org_id]})"
        for u in sorted(accounts().all(), key=lambda u: u.display_name)
        if u.active and u.role == CHARGE and u.org_id in orgs
    }


@bp.route("/menages/<household_id>/charge", methods=["GET", "POST"])
@login_required
def assign(household_id: str):
    """Name (or change) the officer who follows the household."""
    hid = parse_id(household_id)
    resource = readmodels().household_resource(hid)
    if resource is None:
        abort(404, description="Ménage introuvable.")
    require("household.assign", resource)
    household = household_view(hid, None, "désignation du chargé(e)")
    officers = officers_for(household)
    context = {"household": household, "officers": officers}
    if request.method == "GET":
        return render_template(
            "worklist/assign.html", form={"charge": household.assigned_officer or ""}, errors={}, **context
        )

    def command():
        r = Reader(request.form)
        login = r.text("charge", max_length=80)
        r.check()
        if login and login not in officers:
            raise FormErrors({"charge": "Choisissez un(e) chargé(e) de relogement du bailleur ou de l'organisation qui suit le ménage."})
        org = accounts().by_login(login).org_id if login else None
        relocation().assign_officer(hid, login, org, actor())

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=hid),
        "worklist/assign.html",
        "Chargé(e) du ménage enregistré(e).",
        form=request.form, **context,
    )
