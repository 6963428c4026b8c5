"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from relogement.web.context import accounts

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only local paths: an attacker's link must not send the user elsewhere after login.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.home")


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("main.home"))
    login_value = ""
    if request.method == "POST":
        login_value = request.form.get("identifiant", "").strip()
        password = request.form.get("mot_de_passe", "")
        user = accounts().authenticate(login_value, password) if login_value and password else None
        if user is None:
            return (
                render_template(
                    "auth/login.html",
                    login_value=login_value,
                    error="Identifiant ou mot de passe incorrect.",
                ),
                401,
            )
        session.clear()  # a fresh session after login (no fixation)
        login_user(user)
        session.permanent = True
        flash(f"Bienvenue, {user.display_name}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", login_value=login_value, error=None)


@bp.route("/deconnexion", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté(e).", "info")
    return redirect(url_for("auth.login"))
