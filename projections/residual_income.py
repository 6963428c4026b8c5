"""Suivi du reste-à-vivre: before / proposed / after lease / follow-up, per household.

Figures are the ones stored in the events (ProposalMade, LeaseSigned,
FollowUpRecorded carry before/after measures with their inputs and convention);
"before" for a household without a lease is the measure of its current
situation (``rm_household_situation.before``, same formulas). Nothing is
recomputed from raw amounts here.

Two conventions (../shared/domain.md, "Formulas"): ``"personne"`` (€ per day per
person, key ``rav_person_day``) and ``"uc"`` (€ per day per OECD-modified
consumption unit, key ``rav_uc_day``). The threshold defaults to the project's
``rav_threshold`` setting (6 € per day) and can be overridden.

As of any position, like every read model (see :mod:`relogement.projections.queries`).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import JSON, Text, cast, select

from relogement.platform import indicators as formulas
from relogement.projections import queries as q
from relogement.projections.dashboard import resolve
from relogement.projections.machinery import as_of
from relogement.projections.read_models import (
    follow_ups,
    household_situation,
    households,
    proposals,
)
from relogement.projections.summary_statistics import RAV_BINS, ExactFigures, evolution_summary

CONVENTION_KEYS = {"personne": "rav_person_day", "uc": "rav_uc_day"}
CONVENTION_LABELS = {
    "personne": "€ par jour et par personne",
    "uc": "€ par jour et par unité de consommation (OCDE modifiée)",
}


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def report_proposals(
    db: q.Db, project_id: UUID | str, position: int, *, ids: list[str] | None = None
) -> list[dict]:
    """The project's proposals as of ``position``, with only what the reports read.

    As :func:`relogement.projections.queries.list_proposals` orders them (newest first),
    but the proposal-time ``indicators`` stay undecoded (``indicators_text``: one JSON
    text) until a report asks for them (:func:`proposal_indicators`): a report reads
    them for one proposal per household at most, and decoding every one of them was
    most of a report's time. ``ids``: only these households' proposals.
    """
    c = proposals.c
    columns = [
        c.proposal_id, c.household_id, c.rank, c.status, c.lease_signed_on, c.closed_at,
        c.refusal_motive, c.offer_typology, c.offer_commune, c.offer_bailleur, c.lease_indicators,
        cast(c.indicators, Text).label("indicators_text"),
    ]
    # By household alone when given: SQLite would walk the project's index otherwise.
    which = c.household_id.in_(ids) if ids is not None else c.project_id == q._hex(project_id)
    query = select(*columns).where(as_of(proposals, position), which).order_by(c.made_at.desc(), c.rank.desc())
    with q.connect(db) as conn:
        rows = [dict(r) for r in conn.execute(query).mappings()]
    for r in rows:
        r["closed_at"] = q.utc(r["closed_at"])
    return rows


def report_households(
    db: q.Db, project_id: UUID | str, position: int, *, quartier: str | None = None, columns: list | None = None,
    ids: list[str] | None = None,
) -> list[dict]:
    """``list_households(db, project_id, quartier=…, position=…)`` with only ``columns``
    (default: every column but the JSON ones, which no report reads), by reference.
    ``ids``: only these households."""
    c = households.c
    chosen = columns or [col for col in c if not isinstance(col.type, JSON)]
    which = c.household_id.in_(ids) if ids is not None else c.project_id == q._hex(project_id)
    where = [as_of(households, position), which]
    if quartier is not None:
        where.append(c.quartier == quartier)
    with q.connect(db) as conn:
        rows = [dict(r) for r in conn.execute(select(*chosen).where(*where).order_by(c.reference)).mappings()]
    for row in rows:
        for key, value in row.items():
            if isinstance(value, datetime):
                row[key] = q.utc(value)
    return rows


def proposal_indicators(p: dict) -> dict:
    """The proposal-time indicators of a proposal (decoded once, from either kind of row)."""
    if "indicators" not in p:
        p["indicators"] = json.loads(p["indicators_text"])
    return p["indicators"]


def household_rows(
    db: q.Db, project_id: UUID | str, position: int, *, quartier: str | None = None
) -> list[dict]:
    """One row per household: measures (dicts as stored) before / proposed / lease / follow-up."""
    with q.connect(db) as conn:
        c = households.c
        hh = report_households(
            conn, project_id, position, quartier=quartier,
            columns=[c.household_id, c.reference, c.quartier, c.operation, c.bailleur_org, c.status, c.persons],
        )
        props = report_proposals(conn, project_id, position)
        return measure_rows(conn, project_id, position, hh, props)


def measure_rows(
    db: q.Db, project_id: UUID | str, position: int, households: list[dict], props: list[dict]
) -> list[dict]:
    """:func:`household_rows` of these households and proposals (rows of
    :func:`report_proposals` or of ``list_proposals``, as of ``position``)."""
    pid = q._hex(project_id)
    hs, fu = household_situation.c, follow_ups.c
    with q.connect(db) as conn:
        situations, fups = read_measures(conn, position, hs.project_id == pid, fu.project_id == pid)
    return assemble_rows(households, props, situations, fups)


def read_measures(
    conn: Any, position: int, situation_where: Any, follow_up_where: Any
) -> tuple[dict[str, Any], dict[str, list[dict]]]:
    """(household → its situation's "before" measure, household → its follow-ups in order),
    as of ``position``, for the rows matching the two filters."""
    hs, fu = household_situation.c, follow_ups.c
    situations = {
        r.household_id: r.before
        for r in conn.execute(
            select(hs.household_id, hs.before).where(as_of(household_situation, position), situation_where)
        )
    }
    fups: dict[str, list[dict]] = {}
    for r in conn.execute(
        select(fu.household_id, fu.measured_on, fu.indicators)
        .where(as_of(follow_ups, position), follow_up_where)
        .order_by(fu.measured_on, fu.valid_from)
    ).mappings():
        fups.setdefault(r["household_id"], []).append(dict(r))
    return situations, fups


def assemble_rows(
    households: list[dict], props: list[dict], situations: dict[str, Any], fups: dict[str, list[dict]]
) -> list[dict]:
    """The rows of :func:`measure_rows` from what it read (``props`` in the read model's
    order, newest first)."""
    by_household: dict[str, list[dict]] = {}
    for p in props:
        by_household.setdefault(p["household_id"], []).append(p)
    return [measure_row(h, by_household.get(h["household_id"], []), situations, fups) for h in households]


def measure_row(h: dict, props: list[dict], situations: dict[str, Any], fups: dict[str, list[dict]]) -> dict:
    """One household's row of :func:`measure_rows` (``props``: its proposals, newest first)."""
    hid = h["household_id"]
    mine = sorted(props, key=lambda p: p["rank"])
    lease = next((p for p in mine if p["status"] == "bail_signe"), None)
    proposed = lease or (mine[-1] if mine else None)
    follow = fups.get(hid, [])
    before = lease["lease_indicators"]["before"] if lease else situations.get(hid)
    return {
        "household_id": hid,
        "reference": h["reference"],
        "quartier": h["quartier"],
        "operation": h["operation"],
        "bailleur_org": h["bailleur_org"],
        "status": h["status"],
        "persons": h["persons"],
        "before": before,
        "proposed": proposal_indicators(proposed)["after"] if proposed else None,
        "proposed_rank": proposed["rank"] if proposed else None,
        "lease": lease["lease_indicators"]["after"] if lease else None,
        "lease_evolution": lease["lease_indicators"]["evolution"] if lease else None,
        "lease_signed_on": lease["lease_signed_on"] if lease else None,
        "follow_up": follow[-1]["indicators"]["after"] if follow else None,
        "follow_up_on": follow[-1]["measured_on"] if follow else None,
    }


def project_convention(project: dict | None) -> str:
    """The project's reste-à-vivre convention (setting ``rav_convention``), by default per person."""
    chosen = ((project or {}).get("settings") or {}).get("rav_convention")
    return chosen if chosen in CONVENTION_KEYS else "personne"


def suivi(
    db: q.Db,
    project_id: UUID | str,
    *,
    position: int | None = None,
    instant: datetime | None = None,
    convention: str | None = None,
    threshold: Decimal | str | None = None,
    fall: Decimal | str = Decimal("1"),
    quartier: str | None = None,
) -> dict[str, Any]:
    """The reste-à-vivre follow-up, in ``convention`` (default: the project's).

    Returns ``households`` (each with avant / propose / apres_bail / suivi /
    actuel figures in the convention, and evolution = actuel − avant, None before any
    lease or follow-up),
    ``hausse`` / ``baisse`` / ``stable`` counts (lease vs before, as Lille's
    889 vs 1,098), the same counts at follow-up, ``sous_seuil`` (households whose
    current figure is under ``threshold``), ``sous_seuil_avant``, and
    ``forte_baisse`` (current − before < −``fall`` € per day).
    """
    position, when = resolve(db, position, instant)
    project = q.get_project(db, project_id, position=position) or {"settings": {}}
    convention = _convention(project, convention)
    rows = household_rows(db, project_id, position, quartier=quartier)
    return suivi_of_rows(
        rows, project, position, when, convention=convention, threshold=threshold, fall=fall
    )


def _convention(project: dict, convention: str | None) -> str:
    if convention is None:
        convention = project_convention(project)
    if convention not in CONVENTION_KEYS:
        raise ValueError(f"convention: {sorted(CONVENTION_KEYS)}")
    return convention


def suivi_of_rows(
    rows: list[dict],
    project: dict,
    position: int,
    when: datetime,
    *,
    convention: str | None = None,
    threshold: Decimal | str | None = None,
    fall: Decimal | str = Decimal("1"),
) -> dict[str, Any]:
    """:func:`suivi` of rows of :func:`household_rows` (or :func:`measure_rows`) read as of
    ``position`` (``when``: its instant) in ``project`` (its row at that position): a
    report that has read the households and proposals already reads them only once.

    Each measure's exact figures are computed once (:class:`ExactFigures`).
    """
    convention = _convention(project, convention)
    key = CONVENTION_KEYS[convention]
    return summarise(
        [row_figures(r, key) for r in rows], project, position, when,
        convention=convention, threshold=threshold, fall=fall,
    )


class RowFigures(NamedTuple):
    """One household's part of :func:`suivi` in one convention (see :func:`row_figures`)."""

    row: dict  # its row of ``households``
    before: Any  # exact figures: before, current (the threshold and fall comparisons)
    current: Any
    lease: tuple[int, Any] | None  # (sign, exact evolution) at the lease
    follow: tuple[int, Any] | None  # (sign, exact evolution) at the follow-up


def row_figures(r: dict, key: str) -> RowFigures:
    """One household's figures in the convention of ``key`` from its row of
    :func:`measure_rows`: they depend on that row only (each exact figure computed once)."""
    figures = ExactFigures()

    def fig(measure: dict | None) -> Decimal | None:
        return None if measure is None else _dec(measure[key])

    def exact_fig(measure: dict | None) -> Any:
        return figures.figure(measure, key)

    def change(after: dict | None, before: dict | None) -> Decimal | None:
        """after − before, exact then rounded (as the lease's stored evolution): the shown
        figures 14.8333 and 14.1667 are 80 / 120 = 0.6667 apart, not 0.6666."""
        a, b = exact_fig(after), exact_fig(before)
        return None if a is None or b is None else formulas.round_figure(Fraction(a) - Fraction(b))

    avant, propose, apres, suivi_ = fig(r["before"]), fig(r["proposed"]), fig(r["lease"]), fig(r["follow_up"])
    actuel = suivi_ if suivi_ is not None else (apres if apres is not None else avant)
    current = r["follow_up"] or r["lease"] or r["before"]
    lease = follow = None
    if r["lease_evolution"] is not None and r["lease_evolution"].get(key) is not None:
        record = {"before": r["before"], "after": r["lease"], "evolution": r["lease_evolution"]}
        lease = (figures.sign(record, key) or 0, figures.evolution(record, key))
    if suivi_ is not None and avant is not None:
        record = {"before": r["before"], "after": r["follow_up"]}
        follow = (figures.sign(record, key) or 0, figures.evolution(record, key))
    row = {
        **{k: r[k] for k in ("household_id", "reference", "quartier", "operation", "bailleur_org", "status", "persons", "lease_signed_on", "follow_up_on", "proposed_rank")},
        "status_label": q.HOUSEHOLD_STATUS_LABELS[r["status"]],
        "avant": avant,
        "propose": propose,
        "apres_bail": apres,
        "evolution_bail": _dec(r["lease_evolution"][key]) if r["lease_evolution"] else None,
        "suivi": suivi_,
        "actuel": actuel,
        # None until there is an after figure (lease or follow-up): "no change
        # yet" is not a change of 0 (averages and exports would count it).
        "evolution": None if avant is None or (apres is None and suivi_ is None) else change(current, r["before"]),
        "evolution_suivi": None if suivi_ is None or avant is None else change(r["follow_up"], r["before"]),
    }
    return RowFigures(row, exact_fig(r["before"]), exact_fig(current), lease, follow)


def summarise(
    parts: list[RowFigures],
    project: dict,
    position: int,
    when: datetime,
    *,
    convention: str,
    threshold: Decimal | str | None = None,
    fall: Decimal | str = Decimal("1"),
) -> dict[str, Any]:
    """:func:`suivi`'s result from its households' :func:`row_figures` (in their order).

    The rows are copied: a result is cached and shown, never shared with another.
    """
    seuil = Decimal(str(threshold if threshold is not None else project["settings"].get("rav_threshold", "6.00")))
    fall = Decimal(str(fall))
    out_rows = [dict(part.row) for part in parts]
    lease_evol = [r["evolution_bail"] for r in out_rows if r["evolution_bail"] is not None]
    follow_evol = [r["evolution_suivi"] for r in out_rows if r["evolution_suivi"] is not None]
    leases = [part.lease for part in parts if part.lease is not None]
    follows = [part.follow for part in parts if part.follow is not None]
    active = [part for part in parts if part.row["status"] != "sorti"]
    # The same exact comparisons, against fractions (a fraction compared with a decimal
    # takes the slow way, thousands of times).
    under, beyond = Fraction(seuil), -Fraction(fall)
    return {
        "position": position,
        "instant": when,
        "convention": convention,
        "unite": CONVENTION_LABELS[convention],
        "seuil": seuil,
        "baisse_forte_seuil": fall,
        "households": out_rows,
        "apres_bail": evolution_summary(
            lease_evol, RAV_BINS, "€/j", [s for s, _ in leases], [e for _, e in leases]),
        "au_suivi": evolution_summary(
            follow_evol, RAV_BINS, "€/j", [s for s, _ in follows], [e for _, e in follows]),
        # Compared exactly: 5.99995 € is under 6 € although shown as 6,0000.
        "sous_seuil_avant": sorted(
            p.row["reference"] for p in active if p.row["avant"] is not None and _below(p.before, under)
        ),
        "sous_seuil": sorted(
            p.row["reference"] for p in active if p.row["actuel"] is not None and _below(p.current, under)
        ),
        "forte_baisse": sorted(
            p.row["reference"]
            for p in active
            if p.row["evolution"] is not None and _fell_by_more(p.before, p.current, beyond)
        ),
    }


def _below(value: Fraction | Decimal, limit: Fraction) -> bool:
    """``value < limit``, exactly, by integers (Fraction's own comparison costs a few
    function calls: thousands of households on every follow-up page)."""
    n, d = value.as_integer_ratio()
    return n * limit.denominator < limit.numerator * d


def _fell_by_more(before: Fraction | Decimal, current: Fraction | Decimal, beyond: Fraction) -> bool:
    """``current - before < beyond``, exactly, by integers (denominators are positive)."""
    bn, bd = before.as_integer_ratio()
    cn, cd = current.as_integer_ratio()
    return (cn * bd - bn * cd) * beyond.denominator < beyond.numerator * cd * bd
