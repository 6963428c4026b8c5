"""Duplicate households (issue 23): the same household (same name and phone, or same
name and address) about to be registered under a second reference is stopped with a
warning until the user confirms it is another household (form checkbox, import column
``doublon_confirme``).

Identities are compared only within what the user's organisation may identify
(``projections/queries/identity_twins``); the households a warning names are written to
the access log (``audit_identity``: when the response is sent), purpose ``PURPOSE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from relogement.projections.queries.identity_twins import Person, Twin, same_identity
from relogement.web.reader import ReadModels

CONFIRM = "doublon_confirme"
PURPOSE = "contrôle des doublons"


def twins_in_project(
    readmodels: ReadModels, project, org: UUID, people: Sequence[Person]
) -> list[list[Twin]]:
    """For each person, the project's households ``org`` may identify with the same
    name and phone or address (a MOUS compares with all the project's households)."""
    mous = [project.id] if org in project.mous else []
    return same_identity(readmodels.reader, project.id, org, mous, people)


def twin_warning(twins: Sequence[Twin], confirm: str, also: str = "") -> str:
    """"Un ménage du même nom et du même téléphone est déjà inscrit : LMH-2026-M00001. …"""
    named = ", ".join(f"{t.reference} (même {t.same})" for t in twins)
    where = f"{named}{' ; ' if named and also else ''}{also}"
    return (
        f"Ménage peut-être déjà inscrit sous une autre référence, avec le même nom : {where}. "
        f"Vérifiez ; s'il s'agit bien d'un autre ménage, {confirm}."
    )
