"""Offers matched to a household ("Logements adaptés"), households matched to an offer
("Ménages correspondants"), and an offer set aside for a household ("écartée")."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import login_required

from relogement.platform import matching as m
from relogement.platform.values import SET_ASIDE_MOTIVES
from relogement.web import matching_reader as mr
from relogement.web import ranking_aid
from relogement.web.aid_views import simulator
from relogement.web.blueprints._common import run_form
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
from relogement.web.context import household as household_view
from relogement.web.page_parts import kept_body, marked_body, page_around, with_token
from relogement.web.parsing import Reader
from relogement.web.policy import household_resource, project_resource

bp = Blueprint("matching", __name__)

ENDED = ("reloge", "sorti")


def _household(household_id: str):
    """The household, pseudonymised (the ranking shows its reference, no identity)."""
    hid = parse_id(household_id)
    vp = viewpoint()
    # Pseudonymised (no purpose): no identity is read before the policy is asked.
    household = household_view(hid, vp.position, None)
    if household is None:
        abort(404, description="Ménage introuvable.")
    require("household.view", household.resource)
    require("matching.view", household.resource)
    return household


def _context(household, page_number: int, typed_aid: int | None) -> dict:
    vp = viewpoint()
    project = readmodels().project(household.project_id, vp.position)
    page = None
    if household.status_code not in ENDED and not household.erased:
        # Typed, else simulated (one batch for every offer), else the current aid carried over.
        provider = ranking_aid.SimulatedAid(simulator(), vp.day, typed_aid)
        page = mr.offers_for(readmodels(), project, household.id, readmodels().position(vp.position), vp.day,
                             page_number, provider)
    return {
        "household": household, "project": project, "ranking": page, "labels": m.criteria_labels(),
        "limit_labels": m.LIMIT_LABELS, "motives": SET_ASIDE_MOTIVES, "suggest": m.suggested_motive,
        "can_act": vp.live and can("offer.set_aside", household.resource),
        "can_propose": vp.live and can("proposal.make", household.resource),
        "typed_aid": typed_aid, "org_name": readmodels().org_name, "occupancy_article": m.ARTICLE,
        "simulation": ranking_aid.simulation_note(page.simulated) if page else None,
        "simulated_label": ranking_aid.row_label, "simulated_source": ranking_aid.SIMULATED_SOURCE,
        "kept": mr.kept,
    }


@bp.route("/menages/<household_id>/logements-adaptes")
@login_required
def offers_for_household(household_id: str):
    household = _household(household_id)
    r = Reader(request.args)
    page = r.integer("page", default=1, low=1, high=100_000)
    typed = r.cents("apl")
    status = 400 if r.errors else 200
    context = _context(household, page, typed if "apl" in request.args and request.args["apl"].strip() and not r.errors else None)
    ranking = context["ranking"]
    # The body shows the query as typed (the aid field, the pages' links): it is kept only for
    # the page's own query with no aid typed. A body kept per spelling of a query (« 300 »,
    # « 300,0 », other parameters) would let any reader grow the process's memory.
    if r.errors or ranking is None or set(request.args) - {"page", "apl"} or request.args.get("apl", ""):
        return render_template("matching/offers.html", errors=r.errors, args=request.args, **context), status
    # Kept with its ranked page, by all it shows beyond the ranking: who may act, whether the
    # (empty) aid field was sent (the pages' links carry it), the simulation's answer for its rows.
    note = context["simulation"]
    key = ("corps", context["can_act"], context["can_propose"], "apl" in request.args,
           request.script_root, tuple(sorted(note.items())) if note else None,
           tuple(ranking_aid.row_label(ranking.simulated, item.match.offer.id) for item in ranking.items))
    context.update(errors={}, args=request.args)
    return page_around("matching/offers.html", kept_body(ranking.html, key, "matching/_offers_body.html", **context),
                       **context)


@bp.route("/menages/<household_id>/ecarter", methods=["POST"])
@login_required
def set_aside(household_id: str):
    household = _household(household_id)
    require("offer.set_aside", household.resource)
    page = request.form.get("page", "1")

    def command():
        r = Reader(request.form)
        offer_id = None
        try:
            offer_id = UUID(r.raw("offre") or "")
        except ValueError:
            r.errors["offre"] = "Choisissez l'offre à écarter."
        motive = r.choice("motif", SET_ASIDE_MOTIVES)
        r.check()
        relocation().set_offer_aside(household.id, offer_id, motive, actor())

    back = url_for("matching.offers_for_household", household_id=household.id,
                   page=page if page.isdigit() else 1)
    return run_form(
        command, lambda _: back, "matching/offers.html",
        "Offre écartée pour ce ménage : elle compte parmi les offres examinées.",
        args={}, _lazy=lambda: _context(household, 1, None),
    )


@bp.route("/offres/<offer_id>/menages-correspondants")
@login_required
def households_for_offer(offer_id: str):
    vp = viewpoint()
    oid = parse_id(offer_id)
    offer = readmodels().offer(oid, vp.position)
    if offer is None:
        abort(404, description="Offre introuvable.")
    require("offer.view", offer.resource)
    require("matching.offer", offer.resource)
    r = Reader(request.args)
    page_number = r.integer("page", default=1, low=1, high=100_000)
    project = readmodels().project(offer.project_id, vp.position)
    # may_see and may_propose read the user (as the policy sees them) and the project, besides the pair.
    who = (principal(), project_resource(project))
    planned = None
    if offer.status == "publiee":

        def may_see(bailleur: str, officer: str) -> bool:
            return can("household.situation", household_resource(project, UUID(hex=bailleur), UUID(hex=officer)))

        planned = mr.households_ranking(readmodels(), project, mr.offer_row(readmodels(), offer),
                                        readmodels().position(vp.position), vp.day, page_number, may_see, who)

    def may_propose(bailleur: str, officer: str) -> bool:
        return can("proposal.make", household_resource(project, UUID(hex=bailleur), UUID(hex=officer)))

    context = dict(
        offer=offer, project=project, ranking=None, labels=m.criteria_labels(),
        limit_labels=m.LIMIT_LABELS, errors=r.errors, live=vp.live, occupancy_article=m.ARTICLE,
        motives=SET_ASIDE_MOTIVES, kept=mr.kept, may_propose=may_propose,
    )
    if r.errors or planned is None:
        context["ranking"] = planned and planned.page()
        return render_template("matching/households.html", **context), 400 if r.errors else 200
    # The body is kept for every worker (web/shared_pages) by the ranked page's key (which holds
    # who may see which households) and by who may propose to each (bailleur, officer) pair:
    # a worker serving a page another one made neither ranks nor renders it.
    proposable = mr.per_pair(who, "proposal", planned.pairs, may_propose) if vp.live else ()
    key = ("menages-correspondants", planned.key, vp.live, request.script_root, proposable)
    # The body's rows show the very answers its key holds (not the policy asked again).
    answers = dict(zip(planned.pairs, proposable, strict=False))
    context["may_propose"] = lambda bailleur, officer: answers[bailleur, officer]

    def render() -> bytes:
        context["ranking"] = planned.page()
        return marked_body("matching/_households_body.html", **context)

    body = current_app.extensions["relogement.shared_pages"].get_or_render(key, render)
    return page_around("matching/households.html", with_token(body), **context)
