"""Administration: accounts of the users of each organisation."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from relogement.web.accounts import ROLES, AccountError
from relogement.web.context import accounts, forbid_in_past, readmodels, require
from relogement.web.parsing import parse_uuid

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/comptes", methods=["GET", "POST"])
@login_required
def users():
    require("accounts.manage")
    orgs = readmodels().organisations()
    names = {o.id: o.name for o in orgs}
    error = None
    status = 200
    if request.method == "POST":
        forbid_in_past()
        form = request.form
        try:
            try:
                org_id = parse_uuid(form.get("organisation", ""))
            except ValueError:
                org_id = None
            if org_id not in names:
                raise AccountError("Choisissez une organisation.")
            accounts().create(
                form.get("identifiant", ""), form.get("mot_de_passe", ""), org_id,
                form.get("role", ""), form.get("nom", ""),
            )
        except AccountError as err:
            error, status = str(err), 422
        else:
            flash("Compte créé.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/users.html", users=accounts().all(), orgs=orgs, names=names, roles=ROLES,
        error=error, form=request.form,
    ), status
