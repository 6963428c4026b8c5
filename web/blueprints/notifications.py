"""The organisation's inbox: notifications of new offers, proposals to examine,
objections, deadlines in 12 hours, cleared proposals and signed leases."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from relogement.web import inbox
from relogement.web.context import require, viewpoint
from relogement.web.parsing import Reader

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

PAGE_SIZE = 30
FILTERS = {"non_lues": "Non lues", "toutes": "Toutes"}
EXPECTS = {"action": "Action attendue", "information": "Pour information"}


def chosen_kinds(r: Reader) -> tuple[str | None, str | None, frozenset[str] | None]:
    """The kind (``type``) and what is expected (``attente``) asked for, and the kinds
    they leave (None: every kind)."""
    kind = r.choice("type", inbox.KINDS, required=False) or None
    expects = r.choice("attente", EXPECTS, required=False) or None
    kinds = None
    if expects:
        kinds = inbox.ACTION_KINDS if expects == "action" else inbox.INFORMATION_KINDS
    if kind:
        kinds = frozenset({kind}) & kinds if kinds is not None else frozenset({kind})
    return kind, expects, kinds


@bp.route("")
@login_required
def index():
    require("notifications.view")
    vp = viewpoint()
    r = Reader(request.args)
    shown = r.choice("afficher", FILTERS, required=False, default="non_lues")
    number = r.integer("page", default=1, low=1, high=1_000_000)
    kind, expects, kinds = chosen_kinds(r)
    before = r.text("avant", max_length=250) or None
    if before:
        try:
            inbox.parse_cursor(before)
        except ValueError:
            r.errors["avant"] = "Position de page invalide."
    items, more = [], False
    if not r.errors:
        items, more = inbox.page(
            current_user.org_id, current_user.login, vp.at, number, PAGE_SIZE, shown == "non_lues",
            kinds, before,
        )
    filters = {k: v for k, v in (("afficher", shown), ("type", kind), ("attente", expects)) if v}
    return (
        render_template(
            "notifications/index.html", items=items, more=more, number=number, shown=shown,
            filters=FILTERS, errors=r.errors, args=request.args, kinds=inbox.KINDS, kind=kind,
            expects_labels=EXPECTS, expects=expects, chosen=filters, filtered=kinds is not None,
            next_cursor=inbox.cursor_of(items[-1]) if more and items else None, deep=bool(before),
            unread=inbox.unread_count(current_user.org_id, current_user.login, vp.at),
        ),
        400 if r.errors else 200,
    )


@bp.route("/lues", methods=["POST"])
@login_required
def mark_read():
    """Mark read: the keys sent (``cle``), or everything (``tout``). A user's own reading
    state, not a fact of the relocation: allowed to every role, also in the past view."""
    require("notifications.view")
    vp = viewpoint()
    keys = [k for k in request.form.getlist("cle") if k and len(k) <= 120]
    if request.form.get("tout") == "oui":
        # On a filtered view, "everything" is everything that view shows.
        r = Reader(request.form)
        _, _, kinds = chosen_kinds(r)
        if r.errors:
            from flask import abort

            abort(422, description="Filtre invalide : " + " ".join(r.errors.values()))
        count = inbox.mark_all_read(current_user.org_id, current_user.login, vp.at, kinds)
    elif keys:
        count = inbox.mark_read(current_user.org_id, current_user.login, vp.at, keys)
    else:
        from flask import abort

        abort(422, description="Aucune notification choisie.")
    flash(f"{count} notification(s) marquée(s) comme lue(s).", "success")
    target = request.form.get("retour", "")
    if not (target.startswith("/") and not target.startswith("//")):
        target = url_for("notifications.index")
    return redirect(target)
