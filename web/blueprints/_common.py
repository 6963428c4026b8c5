"""Small helpers shared by the blueprints: one way to run a command from a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template

from relogement.platform.errors import DomainError, InvalidValue, problems_of
from relogement.web.context import forbid_in_past
from relogement.web.errors import status_for
from relogement.web.field_labels import DOMAIN_FIELDS
from relogement.web.parsing import FormErrors


def run_form(
    command: Callable[[], Any],
    success: Callable[[Any], str],
    template: str,
    message: str,
    **context: Any,
):
    """Parse-and-run: success → flash + redirect; failure → the same form, filled, 4xx.

    ``command`` parses the request and calls ONE use case; FormErrors (bad input)
    give 422 with per-field messages; a DomainError gives its status with its message.
    """
    forbid_in_past()
    lazy = context.pop("_lazy", None)
    context = {k: v for k, v in context.items() if k != "errors"}

    def page(errors: dict, status: int):
        # ``_lazy``: more context, built only when the form is shown again (errors).
        extra = lazy() if lazy is not None else {}
        return render_template(template, errors=errors, **context, **extra), status

    try:
        result = command()
    except FormErrors as errors:
        return page(_in_form_order(errors.errors), 422)
    except InvalidValue as error:  # one problem, or several (InvalidValues): all shown
        errors: dict[str, str] = {}
        for problem in problems_of(error):
            errors.setdefault(DOMAIN_FIELDS.get(problem.field, problem.field), problem.message)
        return page(_in_form_order(errors), 422)
    except DomainError as error:
        return page({"__all__": error.message}, status_for(error))
    flash(message, "success")
    return redirect(success(result))


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    """The errors in the order of the form's fields (a browser posts them in document
    order), whatever order the parsing met them in; the others after."""
    from flask import request

    order = {name: i for i, name in enumerate(request.form.keys())}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


def chosen_projects(r: Any, projects: list) -> list:
    """A list's ``projet`` filter: one of the user's projects, or all of them (an unknown
    or unreadable one is a filter error, 400, like any other)."""
    chosen = r.choice("projet", {str(p.id): p.name for p in projects}, required=False)
    return [p for p in projects if str(p.id) == chosen] if chosen else projects
