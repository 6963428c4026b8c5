"""Offers board: list with filters, publish, edit, withdraw."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required

from relogement.platform.actors import NewOffer
from relogement.platform.deadline import PARIS
from relogement.platform.quartier_match import match_quartier
from relogement.platform.values import TYPOLOGIES
from relogement.web import residence_reads
from relogement.web.blueprints._common import chosen_projects, run_form
from relogement.web.context import (
    actor,
    can,
    parse_id,
    principal,
    readmodels,
    relocation,
    require,
    viewpoint,
)
from relogement.web.form_values import OUTSIDE_QUARTIER, read_offer
from relogement.web.parsing import Reader
from relogement.web.policy import Resource, project_resource

bp = Blueprint("offers", __name__, url_prefix="/offres")

STATUS_FILTERS = {
    "disponibles": ("publiee",),
    "proposees": ("proposee",),
    "toutes": ("publiee", "proposee", "retiree", "louee"),
    "louees": ("louee",),
    "retirees": ("retiree",),
}


def _filters() -> tuple[dict, dict[str, str]]:
    """Query-string filters, validated; errors are shown above the board (400)."""
    r = Reader(request.args)
    filters = {
        "commune": r.text("commune", max_length=120),
        "qpv": r.choice("qpv", {"oui": "", "non": ""}, required=False),
        "typologie": r.choice("typologie", TYPOLOGIES, required=False),
        "loyer_max": r.cents("loyer_max") if r.raw("loyer_max") else None,
        "bailleur": r.uuid("bailleur", required=False),
        "statut": r.choice("statut", STATUS_FILTERS, required=False, default="disponibles"),
    }
    return filters, r.errors


@bp.route("")
@login_required
def board():
    vp = viewpoint()
    filters, errors = _filters()
    r = Reader(request.args)
    page_number = r.integer("page", default=1, low=1, high=1_000_000)
    errors.update(r.errors)
    projects = [p for p in readmodels().projects(vp.position) if can("offer.view", project_resource(p))]
    shown = chosen_projects(r, projects)
    errors.update(r.errors)
    page = None
    if not errors:
        page = readmodels().offers_page(
            vp.position,
            page=page_number,
            project_ids=[p.id for p in shown],
            status=STATUS_FILTERS[filters["statut"] or "disponibles"],
            # Available: published and still reserved for the relocations that day.
            available_on=vp.day if (filters["statut"] or "disponibles") == "disponibles" else None,
            typology=filters["typologie"] or None,
            qpv=None if not filters["qpv"] else filters["qpv"] == "oui",
            bailleur=filters["bailleur"],
            max_rent_cents=filters["loyer_max"],
            commune=filters["commune"] or None,
        )
    context = {
        "page": page,
        "offers": page.items if page else [],
        "filters": filters,
        "args": request.args,
        "errors": errors,
        "bailleurs": readmodels().offer_bailleurs(vp.position),
        "typologies": TYPOLOGIES,
        "can_publish": bool(_publishable_projects()),
        "day": vp.day,
        "projects": projects,
    }
    status = 400 if errors else 200
    if request.htmx and request.htmx.target == "offres-resultats":
        return render_template("offers/_results.html", **context), status
    return render_template("offers/board.html", **context), status


def _publishable_projects():
    return [p for p in readmodels().projects() if can("offer.publish", project_resource(p))]


def _project_from_form(action: str):
    projects = [p for p in readmodels().projects() if can(action, project_resource(p))]
    if not projects:
        abort(403, description="Votre rôle ou votre organisation ne permet pas cette action.")
    chosen = request.form.get("projet") or request.args.get("projet")
    if chosen:
        for p in projects:
            if str(p.id) == chosen:
                return p, projects
        abort(422, description="Projet inconnu ou non accessible.")
    return projects[0], projects


@bp.route("/nouvelle", methods=["GET", "POST"])
@login_required
def publish():
    project, projects = _project_from_form("offer.publish")
    defaults = {"financement": "PLUS", "etage": "0", "annexes": "0,00"}
    form = request.form if request.method == "POST" else defaults
    context = {"form": form, "projects": projects, "project": project, "offer": None}
    if request.method == "GET":
        return render_template("offers/form.html", errors={}, **context)

    def command():
        dwelling, reservataire, until = _read_offer(project)
        # An unknown residence code asks first: the form comes back with the box to tick.
        row = NewOffer(dwelling, reservataire, None, until, create_residence=_create_residence())
        return relocation().publish_offers(project.id, [row], actor())[0]

    return run_form(
        command,
        lambda offer_id: url_for("offers.detail", offer_id=offer_id),
        "offers/form.html",
        "Offre publiée : elle est visible de tous les partenaires du projet.",
        **context,
    )


def _offer(offer_id: str, position=None):
    offer = readmodels().offer(parse_id(offer_id), position)
    if offer is None:
        abort(404, description="Offre introuvable.")
    require("offer.view", offer.resource)
    return offer


@bp.route("/<offer_id>")
@login_required
def detail(offer_id: str):
    vp = viewpoint()
    offer = _offer(offer_id, vp.position)
    proposal = None
    if offer.live_proposal:
        proposal = readmodels().proposal(offer.live_proposal, vp.at, vp.position)
    # Households this user may propose the offer to (their own, or the ones they follow).
    households = []
    if offer.proposable_on(vp.day) and vp.live and principal() is not None:
        # Pseudonymised on purpose: references and composition are enough to choose,
        # and a list of names would be a (logged) view of many households' identity.
        households = [
            h
            for h in readmodels().households_for(
                offer.project_id, principal().org, ("a_reloger", "proposition_en_cours")
            )
            if can("proposal.make", h.resource) and not h.erased
        ]
    timeline = readmodels().timeline(relocation(), [offer.id], identity=False, position=vp.position)
    project = readmodels().project(offer.project_id, vp.position)
    return render_template(
        "offers/detail.html", offer=offer, proposal=proposal, households=households, timeline=timeline,
        day=vp.day, project=project, residence=residence_reads.offer_sheet(offer.id, project, vp.position),
    )


@bp.route("/<offer_id>/proposer")
@login_required
def propose_to(offer_id: str):
    """From the offer page: go to the proposal form of the chosen household."""
    offer = _offer(offer_id)
    household_id = parse_id(request.args.get("menage", ""))
    return redirect(url_for("households.propose", household_id=household_id, offre=offer.id))


@bp.route("/<offer_id>/modifier", methods=["GET", "POST"])
@login_required
def edit(offer_id: str):
    offer = _offer(offer_id)
    require("offer.edit", offer.resource)
    project = readmodels().project(offer.project_id)
    if project is None:
        abort(404, description="Projet introuvable.")
    if request.method == "GET":
        form = _dwelling_form(offer, project)
        return render_template(
            "offers/form.html", form=form, errors={}, offer=offer, project=project, projects=[project]
        )

    def command():
        dwelling, reservataire, until = _read_offer(project)
        relocation().update_offer(
            offer.id, dwelling, actor(), reservataire=reservataire, available_until=until,
            create_residence=_create_residence(),
        )
        return offer.id

    return run_form(
        command,
        lambda _: url_for("offers.detail", offer_id=offer.id),
        "offers/form.html",
        "Offre modifiée.",
        form=request.form,
        offer=offer,
        project=project,
        projects=[project],
    )


@bp.route("/<offer_id>/retrait", methods=["POST"])
@login_required
def withdraw(offer_id: str):
    offer = _offer(offer_id)
    require("offer.edit", offer.resource)

    def command():
        r = Reader(request.form)
        reason = r.text("motif", required=True, max_length=500)
        r.check()
        relocation().withdraw_offer(offer.id, reason, actor())

    return run_form(
        command,
        lambda _: url_for("offers.detail", offer_id=offer.id),
        "offers/withdraw.html",
        "Offre retirée.",
        offer=offer,
        form=request.form,
    )


def _read_offer(project):
    """The posted offer, every error at once: format, plausibility on the clock's Paris
    day, the reservation date and the quartier against the project's."""
    today = relocation().clock().astimezone(PARIS).date()
    return read_offer(request.form, today.year, today=today, quartiers=project.quartiers)


def _create_residence() -> bool:
    return request.form.get("creer_residence") in ("oui", "on")


def _dwelling_form(offer, project) -> dict:
    from relogement.web.filters import number
    from relogement.web.form_values import energy_form

    d = offer.dwelling
    return {
        "typologie": d["typology"],
        "surface": number(d["surface_m2"], 1).replace(",0", ""),
        "loyer": number(d["rent_cents"] / 100),
        "charges": number(d["charges_cents"] / 100),
        "annexes": number(d.get("annex_rent_cents", 0) / 100),
        "commune": d["commune"],
        "quartier": d["quartier"],
        # A quartier outside the project was confirmed when the offer was published.
        OUTSIDE_QUARTIER: "oui" if d["quartier"] and not match_quartier(project.quartiers, d["quartier"]).exact else "",
        "adresse": d["address"],
        "qpv": "oui" if d["qpv"] else "",
        "financement": d["financing"],
        "annee": d["construction_year"],
        "individuel": "oui" if d["individual"] else "",
        "etage": d["floor"],
        "ascenseur": "oui" if d["lift"] else "",
        "accessible": "oui" if d["accessible"] else "",
        **energy_form(d),
        "reservataire": offer.reservataire,
        "residence": (residence_reads.link(offer.id) or {}).get("residence_code", ""),
        # ISO: the value a date input shows (it sends it back the same way).
        "disponible_jusqu_au": offer.available_until.isoformat() if offer.available_until else "",
    }




__all__ = ["bp", "Resource", "principal"]
