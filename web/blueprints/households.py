"""Households to relocate: list, file (with its timeline), register, situation, wishes."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required

from relogement.platform.command_checks import _check_timeline
from relogement.platform.deadline import PARIS
from relogement.platform.values import TYPOLOGIES
from relogement.projections.queries.identity_twins import Person
from relogement.web import proposal_form, residence_reads
from relogement.web.blueprints._common import chosen_projects, run_form
from relogement.web.context import (
    actor,
    audit_identity,
    can,
    identity_for,
    parse_id,
    principal,
    readmodels,
    relocation,
    require,
    situation_for,
    viewpoint,
)
from relogement.web.context import household as household_view
from relogement.web.duplicates import CONFIRM, PURPOSE, twin_warning, twins_in_project
from relogement.web.form_values import energy_form, read_personal, read_situation, read_wishes
from relogement.web.parsing import Reader
from relogement.web.policy import project_resource

bp = Blueprint("households", __name__, url_prefix="/menages")

STATUSES = {
    "a_reloger": "À reloger",
    "proposition_en_cours": "Proposition en cours",
    "reloge": "Relogé",
    "sorti": "Sorti du dispositif",
}
ENDED = ("Relogé", "Sorti du dispositif")


def visible_projects(action: str = "household.view"):
    position = viewpoint().position
    return [p for p in readmodels().projects(position) if can(action, project_resource(p))]


@bp.route("")
@login_required
def index():
    vp = viewpoint()
    r = Reader(request.args)
    status = r.choice("statut", STATUSES, required=False)
    search = r.text("recherche", max_length=100)
    page = r.integer("page", default=1, low=1, high=1_000_000)
    mine = r.boolean("mes_menages")
    projects = visible_projects()
    shown = chosen_projects(r, projects)
    me = principal()
    names: list[str] = []
    if search and not r.errors and me is not None and vp.live and _may_identify_some(projects, me.org):
        # Names are searched only among the households this user may identify (the
        # policy decides again, household by household, when the results are shown).
        mous_projects = [p.id for p in projects if me.org in p.mous]
        names = readmodels().search_names(search, me.org, mous_projects)
    result = None
    if not r.errors:
        result = readmodels().households_page(
            identity_for, situation_for, audit_identity, vp.position,
            project_ids=[p.id for p in shown], status=status or None,
            reference=search, name_matches=names, page=page,
            assigned_officer=current_user.login if mine and me is not None else None,
        )
    can_register = any(can("household.register", project_resource(p)) for p in projects)
    context = {
        "search_names": me is not None and _may_identify_some(projects, me.org),
        "page": result,
        "households": result.items if result else [],
        "args": request.args,
        "errors": r.errors,
        "statuses": STATUSES,
        "projects": projects,
        "can_register": can_register,
        "officer": me is not None and me.role == "charge_relogement",
    }
    code = 400 if r.errors else 200
    if request.htmx and request.htmx.target == "menages-resultats":
        return render_template("households/_results.html", **context), code
    return render_template("households/index.html", **context), code


def _may_identify_some(projects, org) -> bool:
    """Could this user see any household's identity (its own tenants, the ones it
    follows, or a project's as its MOUS)? Asked to the policy, not decided here."""
    from dataclasses import replace

    for project in projects:
        own = replace(project_resource(project), household_bailleur=org, household_officer=org)
        if can("household.identity", own):
            return True
    return False


def _household(household_id: str, position=None, purpose: str = "fiche ménage"):
    hid = parse_id(household_id)
    resource = readmodels().household_resource(hid, position)
    if resource is None:
        abort(404, description="Ménage introuvable.")
    # Checked before any identity is read (and logged).
    require("household.view", resource)
    return household_view(hid, position, purpose)


@bp.route("/<household_id>")
@login_required
def file(household_id: str):
    vp = viewpoint()
    household = _household(household_id, vp.position)
    proposals = readmodels().proposals_of(household.id, vp.at, vp.position)
    timeline = readmodels().timeline(
        relocation(), [household.id, *[p.id for p in proposals]], household.identified,
        vp.position, situation=household.situation is not None,
    )
    # Follow-up measures hold exact amounts: shown to those who see the situation.
    follow_ups = (
        readmodels().follow_ups_of(household.id, vp.position)
        if household.situation is not None and household.status_code == "reloge" else []
    )
    return render_template(
        "households/file.html", household=household, proposals=proposals, timeline=timeline,
        offers=_offers_for(household) if vp.live else [], follow_ups=follow_ups,
    )


def _offers_for(household):
    if not can("proposal.make", household.resource) or household.status in ENDED or household.erased:
        return []
    # Still reserved for the relocations that day (an offer past its date is not proposed).
    return readmodels().offers(project_id=household.project_id, status=["publiee"], available_on=viewpoint().day)


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required
def register():
    projects = [p for p in readmodels().projects() if can("household.register", project_resource(p))]
    if not projects:
        abort(403, description="Seuls les chargés de relogement d'un bailleur ou de la MOUS inscrivent des ménages.")
    project = projects[0]
    chosen = request.values.get("projet")
    if chosen:
        project = next((p for p in projects if str(p.id) == chosen), None)
        if project is None:
            abort(422, description="Projet inconnu ou non accessible.")
    me = readmodels().organisation(actor().org)
    bailleurs = [o for o in readmodels().organisations() if o.kind == "bailleur" and o.id in project.partners]
    context = {
        "form": request.form, "projects": projects, "project": project,
        "bailleurs": bailleurs, "me": me, "typologies": TYPOLOGIES,
    }
    if request.method == "GET":
        return render_template("households/register.html", errors={}, **context)

    def command():
        r = Reader(request.form)
        operation = r.choice("operation", {op["code"]: op["name"] for op in project.operations})
        if me and me.kind == "bailleur":
            bailleur = me.id
        else:
            bailleur = r.choice("bailleur", {str(b.id): b.name for b in bailleurs})
        errors = dict(r.errors)
        parsed = {}
        for name, read in (("situation", read_situation), ("personal", read_personal), ("wishes", read_wishes)):
            try:
                parsed[name] = read(request.form)
            except Exception as error:  # FormErrors: gather all fields of the three parts
                if not hasattr(error, "errors"):
                    raise
                errors.update(error.errors)
        from relogement.web.parsing import FormErrors

        if errors:
            raise FormErrors(errors)
        if not r.boolean(CONFIRM):
            personal = parsed["personal"]
            person = Person(personal.name, personal.phone, personal.address)
            twins = twins_in_project(readmodels(), project, actor().org, [person])[0]
            if twins:
                audit_identity([t.household_id for t in twins], PURPOSE)  # their identity was compared
                raise FormErrors({CONFIRM: twin_warning(twins, "cochez « Ménage distinct » puis inscrivez-le")})
        from uuid import UUID

        return relocation().register_household(
            project.id,
            operation,
            UUID(str(bailleur)),
            parsed["situation"],
            parsed["personal"],
            actor(),
            wishes=parsed["wishes"],
            reference=r.raw("reference") or None,
        )

    return run_form(
        command,
        lambda hid: url_for("households.file", household_id=hid),
        "households/register.html",
        "Ménage inscrit au relogement.",
        **context,
    )


def _editable(household_id: str, purpose: str | None = None):
    hid = parse_id(household_id)
    resource = readmodels().household_resource(hid)
    if resource is None:
        abort(404, description="Ménage introuvable.")
    require("household.edit", resource)
    return household_view(hid, None, purpose)


@bp.route("/<household_id>/situation", methods=["GET", "POST"])
@login_required
def situation(household_id: str):
    household = _editable(household_id)
    if request.method == "GET":
        s = household.situation
        d = s["dwelling"]
        from relogement.web.filters import number

        form = {
            "ages": " | ".join(str(a) for a in s["ages"]),
            "ressources": number(s["resources_cents"] / 100),
            "apl": number(s["apl_cents"] / 100),
            "quartile": s.get("income_quartile") or "",
            "typologie": d["typology"],
            "surface": number(d["surface_m2"], 1).replace(",0", ""),
            "loyer": number(d["rent_cents"] / 100),
            "charges": number(d["charges_cents"] / 100),
            "annexes": number(d.get("annex_rent_cents", 0) / 100),
            "commune": d["commune"],
            **energy_form(d),
            **residence_reads.situation_form(household.id),
        }
        return render_template("households/situation.html", household=household, form=form, errors={}, typologies=TYPOLOGIES)

    def command():
        relocation().update_situation(household.id, read_situation(request.form), actor())

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=household.id),
        "households/situation.html",
        "Situation mise à jour.",
        household=household, form=request.form, typologies=TYPOLOGIES,
    )


@bp.route("/<household_id>/souhaits", methods=["GET", "POST"])
@login_required
def wishes(household_id: str):
    household = _editable(household_id)
    if request.method == "GET":
        w = household.wishes
        form = {
            "souhait_communes": " | ".join(w.get("communes", [])),
            "souhait_typologies": " | ".join(w.get("typologies", [])),
            "souhait_individuel": {True: "individuel", False: "collectif"}.get(w.get("individual"), "indifferent"),
            "souhait_etage_max": "" if w.get("max_floor") is None else w["max_floor"],
            "souhait_ascenseur": "oui" if w.get("needs_lift") else "",
            "souhait_accessible": "oui" if w.get("needs_accessible") else "",
            "droit_au_retour": "oui" if w.get("right_to_return") else "",
        }
        return render_template("households/wishes.html", household=household, form=form, errors={})

    def command():
        relocation().record_wishes(household.id, read_wishes(request.form), actor())

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=household.id),
        "households/wishes.html",
        "Souhaits enregistrés.",
        household=household, form=request.form,
    )


@bp.route("/<household_id>/identite", methods=["GET", "POST"])
@login_required
def personal(household_id: str):
    household = _editable(household_id, "modification des coordonnées")
    if household.erased:
        abort(409, description="Les données personnelles de ce ménage ont été effacées : elles ne peuvent plus être modifiées.")
    if request.method == "GET":
        form = {
            "nom": household.name, "telephone": household.phone, "email": household.email,
            "adresse_actuelle": household.address, "notes": household.notes,
            "contraintes": household.constraints,
        }
        return render_template("households/personal.html", household=household, form=form, errors={})

    def command():
        relocation().update_personal_data(household.id, read_personal(request.form), actor())

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=household.id),
        "households/personal.html",
        "Coordonnées mises à jour.",
        household=household, form=request.form,
    )


def _proposable(household_id: str, purpose: str | None):
    """The household an officer who follows it may make a proposal to (409 once ended)."""
    if purpose is None:  # the preview shows no identity: nothing to read, nothing to log
        resource = readmodels().household_resource(parse_id(household_id))
        if resource is None:
            abort(404, description="Ménage introuvable.")
        require("household.view", resource)
        household = household_view(parse_id(household_id), None, None)
    else:
        household = _household(household_id, purpose=purpose)
    require("proposal.make", household.resource)
    if household.erased or household.status in ENDED:
        why = "a été effacé" if household.erased else {
            "Relogé": "est déjà relogé", "Sorti du dispositif": "est sorti du dispositif"
        }[household.status]
        abort(409, description=f"Ce ménage {why} : aucune proposition ne peut plus lui être faite.")
    return household


@bp.route("/<household_id>/proposer", methods=["GET", "POST"])
@login_required
def propose(household_id: str):
    """The proposal form (``?offre=`` preselects an offer), its preview and sending it
    (web/proposal_form.py)."""
    household = _proposable(household_id, "proposition d'un logement")
    return proposal_form.propose(household, _offers_for(household))


@bp.route("/<household_id>/proposer/apercu")
@login_required
def propose_preview(household_id: str):
    """The indicators and warnings the proposal would carry, as the officer types: records nothing."""
    household = _proposable(household_id, None)
    return proposal_form.preview(household, _offers_for(household))


@bp.route("/<household_id>/visite", methods=["GET", "POST"])
@login_required
def visit(household_id: str):
    household = _household(household_id, purpose="visite d'un logement")
    require("proposal.answer", household.resource)
    proposals = readmodels().proposals_of(household.id, viewpoint().at)
    offers = {
        o.id: o
        for o in readmodels().offers(project_id=household.project_id, status=["publiee", "proposee"])
    }
    form = request.form if request.method == "POST" else {"offre": request.args.get("offre", "")}
    context = {"household": household, "offers": list(offers.values()), "form": form}
    if request.method == "GET":
        return render_template("households/visit.html", errors={}, **context)

    def command():
        r = Reader(request.form)
        offer_id = r.choice("offre", {str(k): o.reference for k, o in offers.items()})
        visited_on = r.day("date_visite", required=True)
        outcome = r.text("compte_rendu", max_length=2000, multiline=True)
        if visited_on:  # the use case's timeline rule too: every error in one answer
            today = relocation().clock().astimezone(PARIS).date()
            since = household.registered_at.astimezone(PARIS).date()
            r.domain(lambda: _check_timeline("visited_on", visited_on, since, "l'inscription du ménage", today))
        r.check()
        from uuid import UUID

        oid = UUID(offer_id)
        proposal_id = next((p.id for p in proposals if p.offer_id == oid and p.live), None)
        relocation().record_visit(household.id, oid, visited_on, outcome, actor(), proposal_id=proposal_id)

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=household.id),
        "households/visit.html",
        "Visite enregistrée.",
        **context,
    )


# Why households leave the programme without being relocated ("évaporation"); the
# domain stores the reason as text, so a new one needs no change of the events.
DEPARTURE_REASONS = {
    "logement_prive": "Logement trouvé par ses propres moyens (parc privé)",
    "accession": "Accession à la propriété",
    "hors_territoire": "Départ hors du territoire",
    "hebergement": "Hébergement chez un tiers ou en structure",
    "deces": "Décès",
    "expulsion": "Expulsion",
    "autre": "Autre motif",
}


def _ages_today(household) -> tuple[int, ...]:
    """The occupants' ages today: the latest recorded ones (the last follow-up's, else the
    situation's), aged by the years since they were recorded (platform.ages)."""
    from datetime import UTC

    from relogement.platform.ages import ages_today

    if not household.situation:
        return ()
    ages, recorded = household.ages, household.situation.get("recorded_at")
    if recorded is not None and recorded.tzinfo is None:  # SQLite gives naive UTC
        recorded = recorded.replace(tzinfo=UTC)
    recorded_on = recorded.astimezone(PARIS).date() if recorded else viewpoint().day
    for f in readmodels().follow_ups_of(household.id, viewpoint().position):
        measured = (f.get("indicators") or {}).get("after", {}).get("inputs", {}).get("ages")
        if measured and f["measured_on"] >= recorded_on:
            ages, recorded_on = tuple(measured), f["measured_on"]
    return ages_today(ages, recorded_on, viewpoint().day)


@bp.route("/<household_id>/suivi", methods=["GET", "POST"])
@login_required
def follow_up(household_id: str):
    """A measure of the situation some months after moving (the reste-à-vivre follow-up)."""
    household = _editable(household_id, "mesure de suivi après relogement")
    if household.status_code != "reloge":
        abort(409, description="Le suivi après relogement se mesure pour un ménage relogé (bail signé).")
    lease = next((p.lease for p in readmodels().proposals_of(household.id, viewpoint().at) if p.lease), None)
    if request.method == "GET":
        from relogement.web.filters import number

        form = {
            "ages": "; ".join(str(a) for a in _ages_today(household)),
            "ressources": number(household.situation["resources_cents"] / 100) if household.situation else "",
        }
        if lease:
            form |= {
                "loyer": number(lease["rent_cents"] / 100),
                "annexes": number((lease["annex_rent_cents"] or 0) / 100),
                "charges": number(lease["charges_cents"] / 100),
                "apl": number(lease["apl_cents"] / 100),
            }
        return render_template("households/follow_up.html", household=household, lease=lease, form=form, errors={})

    def command():
        r = Reader(request.form)
        measured_on = r.day("date_mesure", required=True)
        ages = r.ages("ages")
        resources = r.cents("ressources", required=True)
        rent = r.cents("loyer", required=True)
        annex = r.cents("annexes")
        charges = r.cents("charges", required=True)
        apl = r.cents("apl")
        r.check()
        from relogement.platform.indicators import HousingCost

        cost = HousingCost(rent_cents=rent, annex_rent_cents=annex, charges_cents=charges, apl_cents=apl)
        relocation().record_follow_up(household.id, measured_on, resources, cost, actor(), ages=ages)

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=household.id),
        "households/follow_up.html",
        "Mesure de suivi enregistrée : elle compte dans le suivi du reste-à-vivre.",
        household=household, lease=lease, form=request.form,
    )


@bp.route("/<household_id>/sortie", methods=["GET", "POST"])
@login_required
def departure(household_id: str):
    """The household leaves the programme without a relocation (counted as "évaporation")."""
    household = _editable(household_id, "sortie du dispositif")
    if household.status_code in ("reloge", "sorti"):
        abort(409, description=f"Ce ménage est déjà {household.status.lower()} : il ne peut plus sortir du dispositif.")
    context = {"household": household, "reasons": DEPARTURE_REASONS}
    if request.method == "GET":
        return render_template("households/departure.html", form={}, errors={}, **context)

    def command():
        r = Reader(request.form)
        code = r.choice("motif_sortie", DEPARTURE_REASONS)
        detail = r.text("precision_sortie", max_length=500, multiline=True)
        if code == "autre" and not detail and "motif_sortie" not in r.errors:
            r.errors["precision_sortie"] = "Précisez le motif de sortie."
        r.check()
        reason = DEPARTURE_REASONS[code] + (f" : {detail}" if detail else "")
        relocation().record_departure(household.id, reason, actor())

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=household.id),
        "households/departure.html",
        "Sortie du dispositif enregistrée : le ménage est compté parmi les sorties sans relogement.",
        form=request.form, **context,
    )
