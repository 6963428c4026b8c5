"""A proposal: indicators with their inputs, the objection countdown, and every answer."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import login_required

from relogement.platform.deadline import PARIS
from relogement.platform.values import CALEOL_DECISIONS, REFUSAL_MOTIVES, check_move_in
from relogement.web.blueprints._common import chosen_projects, run_form
from relogement.web.context import (
    actor,
    can,
    now,
    parse_id,
    readmodels,
    relocation,
    require,
    viewpoint,
)
from relogement.web.context import household as household_view
from relogement.web.parsing import Reader
from relogement.web.policy import objection_resource, project_resource

bp = Blueprint("proposals", __name__, url_prefix="/propositions")

# htmx stops polling when the server answers 286 (the countdown is over).
HTMX_STOP_POLLING = 286


@bp.route("")
@login_required
def index():
    vp = viewpoint()
    r = Reader(request.args)
    state = r.choice(
        "etat", {"en_cours": "", "terminees": "", "toutes": ""}, required=False, default="en_cours"
    )
    number = r.integer("page", default=1, low=1, high=1_000_000)
    projects = [p for p in readmodels().projects(vp.position) if can("proposal.view", project_resource(p))]
    shown = chosen_projects(r, projects)
    page = None
    if not r.errors:
        page = readmodels().proposals_page(
            vp.at, vp.position, project_ids=[p.id for p in shown],
            live={"en_cours": True, "terminees": False}.get(state), page=number,
        )
    return (
        render_template(
            "proposals/index.html", page=page, proposals=page.items if page else [], state=state,
            errors=r.errors, args=request.args, projects=projects,
        ),
        400 if r.errors else 200,
    )


def _proposal(proposal_id: str):
    vp = viewpoint()
    proposal = readmodels().proposal(parse_id(proposal_id), vp.at, vp.position)
    if proposal is None:
        abort(404, description="Proposition introuvable.")
    require("proposal.view", proposal.resource)
    return proposal


def _context(proposal) -> dict:
    return {
        "proposal": proposal,
        "motives": REFUSAL_MOTIVES,
        "decisions": CALEOL_DECISIONS,
        "form": request.form,
        "errors": {},
        "action": "",
        "now": viewpoint().at,
        "objection_resource": objection_resource,
    }


def _household_and_timeline(proposal) -> dict:
    vp = viewpoint()
    household = household_view(proposal.household_id, vp.position, "proposition")
    identity = bool(household and household.identified)
    timeline = readmodels().timeline(
        relocation(), [proposal.id], identity, vp.position,
        situation=bool(household and household.situation is not None),
    )
    return {"household": household, "timeline": timeline}


@bp.route("/<proposal_id>")
@login_required
def detail(proposal_id: str):
    proposal = _proposal(proposal_id)
    return render_template(
        "proposals/detail.html", **_household_and_timeline(proposal), **_context(proposal)
    )


@bp.route("/<proposal_id>/delai")
@login_required
def countdown(proposal_id: str):
    """The live countdown fragment (htmx polls it; 286 once the window is over)."""
    proposal = _proposal(proposal_id)
    html = render_template("proposals/_countdown.html", proposal=proposal, now=viewpoint().at)
    return html, (200 if proposal.window_open and proposal.live else HTMX_STOP_POLLING)


LETTER_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@bp.route("/<proposal_id>/courrier.<fmt>")
@login_required
def letter(proposal_id: str, fmt: str):
    """The proposal letter to the household, as an editable DOCX or a PDF. It carries the
    household's name and address: only those who may see its identity produce it, and each
    one is written to the access log (purpose « courrier de proposition »)."""
    from flask import Response

    from relogement.platform.project import with_defaults
    from relogement.projections.proposal_letter import letter_content, render_docx, render_pdf

    if fmt not in LETTER_TYPES:
        abort(404)
    proposal = _proposal(proposal_id)
    require("proposal.letter", proposal.resource)
    vp = viewpoint()
    household = household_view(proposal.household_id, vp.position, "courrier de proposition")
    if household is None or household.erased or not household.identified:
        abort(409, description="Les données personnelles de ce ménage ont été effacées : aucun courrier ne peut être produit.")
    project = readmodels().project(proposal.project_id, vp.position)
    settings = with_defaults(project.settings)
    content = letter_content(proposal, household, project, settings, _officer_contact(proposal), vp.at, vp.day)
    data = render_docx(content) if fmt == "docx" else render_pdf(content)
    return Response(
        data, mimetype=LETTER_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{content.file_stem}.{fmt}"'},
    )


def _officer_contact(proposal) -> dict:
    """Who the household writes to: the officer who made the proposal (their account's
    name), else the officer producing the letter; the login is shown when it is an e-mail
    address (accounts hold no telephone: the DOCX is there to be completed)."""
    from flask_login import current_user

    from relogement.web.context import accounts

    account = accounts().by_login(proposal.by_user) if proposal.by_user else None
    if account is None:
        account = current_user
    organisation = readmodels().organisation(account.org_id)
    return {
        "name": account.display_name,
        "organisation": organisation.name if organisation else proposal.officer_name,
        "contact": account.login if "@" in account.login else "",
    }


def _act(proposal_id: str, action: str, command, message: str, resource=None):
    """Check the policy, run one use case, re-render the page with errors if it fails."""
    proposal = _proposal(proposal_id)
    require(action, resource(proposal) if resource else proposal.resource)

    def detail_url(_):
        return url_for("proposals.detail", proposal_id=proposal.id)

    context = _context(proposal)
    context["action"] = action

    def render_context() -> dict:
        # Built only if the form is re-rendered (an error): a success redirects.
        return _household_and_timeline(proposal)

    context["_lazy"] = render_context
    return run_form(lambda: command(proposal), detail_url, "proposals/detail.html", message, **context)


@bp.route("/<proposal_id>/opposition", methods=["POST"])
@login_required
def object_(proposal_id: str):
    def command(p):
        r = Reader(request.form)
        motive = r.text("motif_opposition", required=True, max_length=2000, multiline=True)
        r.check()
        relocation().raise_objection(p.id, motive, actor())

    return _act(proposal_id, "objection.raise", command, "Opposition enregistrée : la proposition est bloquée jusqu'à sa levée ou son arbitrage.")


def _objection(p, objection_id: str):
    try:
        oid = UUID(objection_id)
    except ValueError:
        abort(404)
    for o in p.objections:
        if o.id == oid:
            return o
    abort(404, description="Opposition introuvable.")


@bp.route("/<proposal_id>/opposition/<objection_id>/levee", methods=["POST"])
@login_required
def lift(proposal_id: str, objection_id: str):
    def command(p):
        r = Reader(request.form)
        comment = r.text("commentaire", max_length=2000)
        r.check()
        relocation().lift_objection(p.id, _objection(p, objection_id).id, comment, actor())

    def resource(p):
        # Only the objection's author lifts it.
        return objection_resource(p, _objection(p, objection_id))

    return _act(proposal_id, "objection.lift", command, "Opposition levée.", resource)


@bp.route("/<proposal_id>/opposition/<objection_id>/arbitrage", methods=["POST"])
@login_required
def arbitrate(proposal_id: str, objection_id: str):
    def command(p):
        r = Reader(request.form)
        decision = r.choice("decision", {"levee": "levée", "maintenue": "maintenue"})
        comment = r.text("commentaire", required=True, max_length=2000)
        r.check()
        relocation().arbitrate_objection(
            p.id, _objection(p, objection_id).id, decision, comment, actor()
        )

    return _act(proposal_id, "objection.arbitrate", command, "Arbitrage enregistré.")


@bp.route("/<proposal_id>/acceptation", methods=["POST"])
@login_required
def accept(proposal_id: str):
    def command(p):
        r = Reader(request.form)
        day = r.day("date_acceptation") or now().astimezone(PARIS).date()  # today, in Paris
        r.check()
        relocation().accept_proposal(p.id, day, actor())

    return _act(proposal_id, "proposal.answer", command, "Acceptation du ménage enregistrée.")


@bp.route("/<proposal_id>/refus", methods=["POST"])
@login_required
def refuse(proposal_id: str):
    def command(p):
        r = Reader(request.form)
        code = r.choice("motif_refus", REFUSAL_MOTIVES)
        text = r.text("precision_refus", max_length=2000)
        day = r.day("date_refus")  # None: today (Paris), as the acceptance
        if code == "autre" and not text:
            r.errors["precision_refus"] = "Motif « autre » : précisez le motif du refus."
        r.check()
        relocation().refuse_proposal(p.id, code, text, actor(), refused_on=day)

    return _act(proposal_id, "proposal.answer", command, "Refus du ménage enregistré ; le logement est de nouveau disponible.")


@bp.route("/<proposal_id>/retrait", methods=["POST"])
@login_required
def withdraw(proposal_id: str):
    def command(p):
        r = Reader(request.form)
        reason = r.text("motif_retrait", required=True, max_length=2000)
        r.check()
        relocation().withdraw_proposal(p.id, reason, actor())

    return _act(proposal_id, "proposal.withdraw", command, "Proposition retirée.")


@bp.route("/<proposal_id>/caleol", methods=["POST"])
@login_required
def caleol(proposal_id: str):
    def command(p):
        r = Reader(request.form)
        decision = r.choice("decision_caleol", CALEOL_DECISIONS)
        day = r.day("date_caleol", required=True)
        comment = r.text("commentaire_caleol", max_length=2000)
        r.check()
        relocation().decide_caleol(p.id, decision, day, comment, actor())

    return _act(proposal_id, "caleol.decide", command, "Décision de la CALEOL enregistrée.")


@bp.route("/<proposal_id>/bail", methods=["POST"])
@login_required
def lease(proposal_id: str):
    def command(p):
        r = Reader(request.form)
        rent = r.cents("loyer_bail", required=True)
        annex = r.cents("annexes_bail")
        charges = r.cents("charges_bail", required=True)
        apl = r.cents("apl_bail")
        signed_on = r.day("date_signature", required=True)
        move_in = r.day("date_entree", required=True)
        if signed_on and move_in:
            r.domain(lambda: check_move_in(move_in, signed_on))  # shown with the other fields' errors
        r.check()
        relocation().sign_lease(p.id, rent, charges, apl, signed_on, move_in, actor(), annex_rent_cents=annex)

    return _act(proposal_id, "lease.sign", command, "Bail signé : le ménage est relogé.")
