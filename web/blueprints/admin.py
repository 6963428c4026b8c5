"""Administration: accounts, personal data (retention listing, erasure) and the access log.

- Accounts of the users of each organisation (administrators).
- Personal data (administrators): the households whose retention period is over, and
  the erasure of a household's personal data (``RelocationApp.erase_household``:
  crypto-shredding; its facts stay, every page then shows "ménage effacé").
- Access log (administrators and auditors): every view of a household's identity,
  recorded by the privacy layer (who, when, which household, why) — references only,
  never a name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from relogement.platform import privacy
from relogement.projections import queries as q
from relogement.projections.queries import journal as journal_queries
from relogement.projections.views import Page
from relogement.web.accounts import MIN_PASSWORD_LENGTH, ROLES, AccountError
from relogement.web.blueprints._common import run_form
from relogement.web.context import (
    accounts,
    actor,
    now,
    parse_id,
    readmodels,
    relocation,
    require,
    viewpoint,
)
from relogement.web.parsing import FormErrors, Reader

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACCESS_PAGE = 50


@bp.route("/comptes", methods=["GET", "POST"])
@login_required
def users():
    """The accounts, and the form creating one: every field error at once, what was
    typed kept (but the password)."""
    require("accounts.manage")
    orgs = readmodels().organisations()
    names = {o.id: o.name for o in orgs}
    typed = {k: v for k, v in request.form.items() if k != "mot_de_passe"}
    context = {
        "users": accounts().all(), "orgs": orgs, "names": names, "roles": ROLES,
        "org_options": [(str(o.id), f"{o.name} ({o.kind_label})") for o in orgs],
        "form": typed, "min_password": MIN_PASSWORD_LENGTH,
    }
    if request.method == "GET":
        return render_template("admin/users.html", errors={}, **context)

    def command():
        r = Reader(request.form)  # errors listed in the form's order
        login = r.text("identifiant", required=True, max_length=80).lower()
        if login and not all(c.isalnum() or c in "._-@" for c in login):
            r.errors["identifiant"] = "Identifiant invalide (lettres, chiffres, « . _ - @ »)."
        elif login and accounts().by_login(login):
            r.errors["identifiant"] = f"L'identifiant « {login} » existe déjà."
        display_name = r.text("nom_affiche", max_length=200)
        password = str(request.form.get("mot_de_passe", ""))  # as typed: spaces count
        if not password:
            r.errors["mot_de_passe"] = "Ce champ est obligatoire."
        elif len(password) < MIN_PASSWORD_LENGTH:
            r.errors["mot_de_passe"] = (
                f"Mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères au minimum)."
            )
        org = r.choice("organisation", {str(o.id): o.name for o in orgs})
        role = r.choice("role", ROLES)
        r.check()
        try:
            accounts().create(login, password, UUID(org), role, display_name)
        except AccountError as err:  # a rule of Accounts the checks above do not know
            raise FormErrors({"__all__": str(err)}) from None

    return run_form(command, lambda _: url_for("admin.users"), "admin/users.html", "Compte créé.", **context)


@bp.route("/comptes/<int:user_id>/actif", methods=["POST"])
@login_required
def set_active(user_id: int):
    """Disable (or enable again) an account; disabling ends every session of the user."""
    require("accounts.manage")
    wanted = request.form.get("actif", "")
    if wanted not in ("0", "1"):
        abort(422, "Valeur « actif » attendue : 0 ou 1.")
    if user_id == current_user.id and wanted == "0":
        abort(409, "Vous ne pouvez pas désactiver votre propre compte.")
    try:
        user = accounts().set_active(user_id, wanted == "1")
    except AccountError as err:
        abort(404, str(err))
    flash(f"Compte « {user.login} » {'réactivé' if user.active else 'désactivé'}.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/organisations", methods=["GET", "POST"])
@login_required
def organisations():
    """The organisations (bailleurs, cities, EPCI, Département, réservataires, MOUS,
    auditors), and the form registering one: then it can join projects and get accounts."""
    require("accounts.manage")
    from relogement.platform.values import ORGANISATION_KINDS

    orgs = readmodels().organisations()
    context = {"orgs": orgs, "kinds": ORGANISATION_KINDS, "form": request.form}
    if request.method == "GET":
        return render_template("admin/organisations.html", errors={}, **context)

    def command():
        r = Reader(request.form)
        name = r.text("nom_organisation", required=True, max_length=200)
        code = r.text("code_organisation", required=True, max_length=30).upper()
        if code and not all(c.isalnum() or c in "-_" for c in code):
            r.errors["code_organisation"] = "Code invalide (lettres, chiffres, « - _ »)."
        elif code and any(o.code.upper() == code for o in orgs):
            r.errors["code_organisation"] = f"Le code « {code} » est déjà pris."
        kind = r.choice("type_organisation", ORGANISATION_KINDS)
        r.check()
        actor_login = current_user.login if current_user.is_authenticated else "admin"
        relocation().register_organisation(name, kind, code, by_user=actor_login)

    return run_form(
        command, lambda _: url_for("admin.organisations"), "admin/organisations.html",
        "Organisation inscrite : ajoutez-la aux projets et créez ses comptes.", **context,
    )


# -- personal data: retention and erasure ----------------------------------------


def households_due(at: datetime, months: int) -> list[privacy.DueHousehold]:
    """The households whose retention period is over at ``at`` and not erased yet.

    Same rule as ``privacy.households_due`` (move-in date, or the UTC day the household
    left the programme, plus ``months``), read from the read models instead of a scan
    of the whole log: one query, whatever the length of the history (a test checks
    both give the same list).
    """
    today = at.astimezone(UTC).date()
    due = []
    for r in journal_queries.ended_households_not_erased(readmodels().db):
        if r["status"] == "reloge" and r["move_in_date"] is not None:
            ended_on: date = r["move_in_date"]
            how = "relogé"
        elif r["status"] == "sorti" and r["departed_at"] is not None:
            ended_on = q.utc(r["departed_at"]).date()  # type: ignore[union-attr]
            how = "sorti"
        else:
            continue
        due_on = privacy.add_months(ended_on, months)
        if due_on <= today:
            due.append(privacy.DueHousehold(UUID(hex=r["household_id"]), r["reference"], ended_on, how, due_on))
    return sorted(due, key=lambda d: (d.due_on, d.reference))


def erased_households(limit: int = 50) -> list[dict]:
    """The last erasures: when, by whom (the facts stay in the log, without identity)."""
    rows = journal_queries.last_erasures(readmodels().db, limit)
    refs = readmodels().household_references_by_id(UUID(hex=r["originator_id"]) for r in rows)
    return [
        {
            "household_id": UUID(hex=r["originator_id"]),
            "reference": refs.get(UUID(hex=r["originator_id"]), ""),
            "at": r["timestamp"],
            "by_user": r["by_user"] or "",
            "position": r["position"],
        }
        for r in rows
    ]


@bp.route("/donnees-personnelles")
@login_required
def personal_data():
    require("privacy.erase")
    months = privacy.retention_months()
    due = households_due(now(), months)
    r = Reader(request.args)
    number = r.integer("page", default=1, low=1, high=1_000_000)
    if r.errors:
        abort(400, description="Numéro de page invalide.")
    size = 50
    pages = max(1, -(-len(due) // size))
    number = min(number, pages)
    page = Page(due[(number - 1) * size : number * size], number, size, len(due))
    return render_template(
        "admin/personal_data.html", page=page, due=page.items, months=months,
        erased=erased_households(), args=request.args, reasons=privacy.ERASURE_REASONS,
    )


@bp.route("/donnees-personnelles/recherche")
@login_required
def find_household():
    """Go to the erasure form of a household given by its reference."""
    require("privacy.erase")
    reference = request.args.get("reference", "").strip()[:100]
    household_id = readmodels().household_by_reference(reference) if reference else None
    if household_id is None:
        flash(f"Aucun ménage de référence « {reference} ».", "error")
        return redirect(url_for("admin.personal_data"))
    return redirect(url_for("admin.erase", household_id=household_id))


@bp.route("/menages/<household_id>/effacement", methods=["GET", "POST"])
@login_required
def erase(household_id: str):
    """Erase a household's personal data (administrators). The form asks for the
    reason, a motive for a request, and the reference typed again as confirmation."""
    require("privacy.erase")
    hid = parse_id(household_id)
    row = q.get_household_public(readmodels().db, hid)
    if row is None:
        abort(404, description="Ménage introuvable.")
    erased = bool(readmodels().erased([hid]))
    due = {d.household_id: d for d in households_due(now(), privacy.retention_months())}.get(hid)
    context = {
        "household": row, "household_id": hid, "erased": erased, "due": due,
        "reasons": privacy.ERASURE_REASONS,
        "form": request.form if request.method == "POST" else {"motif_effacement": "duree_conservation" if due else "demande"},
    }
    if request.method == "GET":
        return render_template("admin/erase.html", errors={}, **context)

    def command():
        r = Reader(request.form)
        reason = r.choice("motif_effacement", privacy.ERASURE_REASONS)
        motive = r.text("precision", max_length=500)
        confirm = r.text("confirmation", required=True, max_length=100)
        if reason == "demande" and not motive:
            r.errors["precision"] = "Indiquez le motif de la demande (sans nommer personne)."
        if confirm and confirm.strip().lower() != row["reference"].lower():
            r.errors["confirmation"] = "Recopiez exactement la référence du ménage pour confirmer."
        r.check()
        relocation().erase_household(hid, actor(), reason, motive, administrator=True)

    return run_form(
        command,
        lambda _: url_for("households.file", household_id=hid),
        "admin/erase.html",
        "Données personnelles effacées : le ménage apparaît désormais comme « ménage effacé ».",
        **context,
    )


# -- access log ----------------------------------------------------------------------


@bp.route("/journal-des-acces")
@login_required
def access_log():
    """Who saw which household's identity, when and why (administrators, auditors)."""
    require("access_log.view")
    r = Reader(request.args)
    reference = r.text("reference", max_length=100)
    user = r.text("utilisateur", max_length=200)
    since = r.day("du")
    until = r.day("au")
    number = r.integer("page", default=1, low=1, high=10_000)
    household_id = None
    if reference and not r.errors:
        household_id = readmodels().household_by_reference(reference)
        if household_id is None:
            r.errors["reference"] = f"Aucun ménage de référence « {reference} »."
    entries: list = []
    more = False
    if not r.errors:
        vp = viewpoint()
        bound = vp.at if not vp.live else None
        until_at = None
        if until is not None:
            from relogement.web.reports import day_end

            until_at = day_end(until) + timedelta(microseconds=1)
        if bound is not None:
            until_at = min(until_at, bound) if until_at else bound
        since_at = None
        if since is not None:
            from relogement.web.reports import day_end

            since_at = day_end(since - timedelta(days=1)) + timedelta(microseconds=1)
        found = relocation().access_log(
            household_id=household_id, user=user or None, since=since_at, until=until_at,
            limit=number * ACCESS_PAGE + 1,
        )
        entries = found[(number - 1) * ACCESS_PAGE : number * ACCESS_PAGE]
        more = len(found) > number * ACCESS_PAGE
    refs = readmodels().household_references_by_id(e.household_id for e in entries)
    erased = readmodels().erased({e.household_id for e in entries})
    roles = dict(ROLES)
    return (
        render_template(
            "admin/access_log.html", entries=entries, refs=refs, erased=erased, roles=roles, more=more,
            number=number, args=request.args, errors=r.errors,
            org_name=lambda org: readmodels().org_name(org),
        ),
        400 if r.errors else 200,
    )


__all__ = ["bp", "datetime"]


# -- verifiable history --------------------------------------------------------------


@bp.route("/historique-verifiable")
@login_required
def audit_chain():
    """Re-hash the whole chain of stored events and show the first break, if any."""
    require("audit.verify")
    verdict = relocation().audit_chain.verify()
    return render_template("admin/audit_chain.html", verdict=verdict)


@bp.route("/historique-verifiable/historique.jsonl")
@login_required
def audit_export():
    """The whole history as JSON Lines (personal fields stay encrypted), with the chain."""
    require("audit.verify")
    import io

    from flask import Response

    out = io.StringIO()
    count, head = relocation().audit_chain.export(out)
    return Response(
        out.getvalue(),
        mimetype="application/x-ndjson",
        headers={
            "Content-Disposition": "attachment; filename=historique-relogement.jsonl",
            "X-Chain-Head": head,
            "X-Event-Count": str(count),
        },
    )
