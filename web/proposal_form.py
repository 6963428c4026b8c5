"""The proposal form: the preview of the indicators the proposal will carry, its warnings,
and sending it (with a confirmation while a warning stands).

The routes stay in ``blueprints/households.py`` (``households.propose`` and
``households.propose_preview``); this module holds their work. The preview's context is
built in one place, :func:`preview_context`: a figure added beside the officer's aid
estimate (a simulated aid, say) is one more key there and one more block in
``households/_proposal_preview.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import render_template, request, url_for

from relogement.platform.errors import DomainError, InvalidValue
from relogement.platform.proposal_preview import warnings_token
from relogement.web import residence_reads
from relogement.web.blueprints._common import run_form
from relogement.web.context import actor, relocation
from relogement.web.field_labels import DOMAIN_FIELDS
from relogement.web.parsing import FormErrors, Reader

CONFIRM_FIELD = "confirmer_alertes"  # the box of households/_proposal_preview.html
UNAVAILABLE = (
    "Cette offre n'est plus disponible (proposée entre-temps, louée ou retirée) : "
    "choisissez-en une autre."
)


def _offer_and_aid(values: Mapping[str, str], offers: list, *, aid_required: bool) -> tuple[Any, int, Reader]:
    """The chosen offer (None if none or unknown) and the aid estimate in cents, read
    from ``values``; the reader holds the errors in French."""
    r = Reader(values)
    chosen = r.choice("offre", {str(o.id): o.reference for o in offers}, required=aid_required, invalid=UNAVAILABLE)
    aid = r.cents("apl_estimee", required=aid_required)
    offer = next((o for o in offers if str(o.id) == chosen), None) if chosen else None
    return offer, aid, r


def preview_context(household: Any, offers: list, values: Mapping[str, str]) -> dict:
    """Everything the preview partial shows, from the form's values; records nothing.

    Keys: ``offer`` (the chosen offer's view or None), ``aid_cents`` and ``aid_typed``
    (the officer's estimate; 0 while not typed), ``preview`` (the domain's
    ``ProposalPreview``: indicators, warnings, rank) or None, ``warnings``,
    ``confirm_token`` (the warnings' codes the confirmation box carries), and
    ``preview_errors`` (field → French message).
    """
    offer, aid, r = _offer_and_aid(values, offers, aid_required=False)
    context: dict[str, Any] = {
        "offer": offer, "aid_cents": aid, "aid_typed": bool((values.get("apl_estimee") or "").strip()),
        "preview": None, "warnings": [], "confirm_token": "", "preview_errors": dict(r.errors),
        # The groupe de suivi's objectives for the offer's residence (issue 22).
        "residence_warnings": residence_reads.offer_warnings(household, offers, values) if offer else [],
    }
    if offer is None or r.errors:
        return context
    try:
        preview = relocation().preview_proposal(household.id, offer.id, aid, actor())
    except InvalidValue as error:
        context["preview_errors"] = {DOMAIN_FIELDS.get(error.field, error.field): error.message}
        return context
    except DomainError as error:
        context["preview_errors"] = {"__all__": error.message}
        return context
    context.update(
        preview=preview, warnings=list(preview.warnings), confirm_token=warnings_token(list(preview.warnings))
    )
    return context


def _page_context(household: Any, offers: list, form: Mapping[str, str]) -> dict:
    return {
        "household": household, "offers": offers, "form": form,
        "preview_url": url_for("households.propose_preview", household_id=household.id),
        **preview_context(household, offers, form),
    }


def _typed(values: Mapping[str, str]) -> dict:
    return {k: values.get(k, "") for k in ("offre", "apl_estimee")}


def preview(household: Any, offers: list):
    """The preview (GET, htmx): the partial alone; without htmx, the whole form."""
    context = _page_context(household, offers, _typed(request.args))
    if request.htmx:
        return render_template("households/_proposal_preview.html", **context)
    return render_template("households/propose.html", errors={}, **context)


def propose(household: Any, offers: list):
    """The form (GET, an offer preselected by ``?offre=``) and sending it (POST)."""
    if request.method == "GET":
        context = _page_context(household, offers, _typed(request.args))
        return render_template("households/propose.html", errors={}, **context)
    context = _page_context(household, offers, request.form)

    def command() -> UUID:
        offer, aid, r = _offer_and_aid(request.form, offers, aid_required=True)
        r.check()
        # Checked on the server too: the box must confirm the warnings standing now.
        token = context["confirm_token"]
        if token and request.form.get(CONFIRM_FIELD, "") != token:
            raise FormErrors({
                CONFIRM_FIELD: "Des alertes subsistent sur cette proposition : cochez la case de "
                "confirmation pour l'envoyer malgré elles, ou changez d'offre ou d'aide estimée."
            })
        if context["residence_warnings"] and request.form.get("malgre_avertissement") != "oui":
            raise FormErrors({"offre": "Cette proposition va à l'encontre d'un objectif de la résidence : "
                                       "lisez l'avertissement, puis confirmez ou choisissez une autre offre."})
        return relocation().make_proposal(household.id, offer.id, aid, actor())

    return run_form(
        command,
        lambda pid: url_for("proposals.detail", proposal_id=pid),
        "households/propose.html",
        "Proposition faite : les partenaires ont le délai d'opposition pour réagir.",
        **context,
    )
