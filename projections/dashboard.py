"""Tableau de bord du relogement: the shared dashboard, as of any position.

:func:`dashboard` reads the versioned read models (``rm_households``,
``rm_proposals``, ``rm_objections``) filtered as of a position, so a figure as of
position N equals what the live dashboard showed right after event N, by
construction, without replay. Figures that depend on time (proposals still in
their objection window) take an ``instant`` too: by default the instant of the
position's event (as of a past position) or now (live).

Figures (for the project, then per quartier, operation and bailleur of origin):

- ``menages``: inscrits, a_reloger, proposition_en_cours, reloges, sortis
  (évaporation), restant_a_reloger (à reloger + proposition en cours);
- ``propositions``: faites, en_cours, en_attente_delai (deadline > instant),
  bloquees (open objection), oppositions_ouvertes, refus, refus_par_motif;
- ``destinations`` (households relocated, from the flags stored in LeaseSigned):
  hors_qpv, qpv_vers_hors_qpv, meme_quartier (sur site), meme_commune,
  neuf_moins_5_ans, inter_bailleur, maison_individuelle, plus_grand; each
  ``{"nombre": n, "taux": Decimal % (2 decimals) or None}``, base = reloges with a lease;
- ``taux_effort`` / ``reste_a_vivre_personne`` / ``reste_a_vivre_uc``: evolution
  after − before stored in LeaseSigned: nombre, moyenne (4 decimals), hausse,
  baisse, stable, distribution (bins);
- ``delais``: median days from registration (Paris date) to the lease's signing date;
- ``troisieme_proposition``: households that received their last allowed proposal
  (rank = max, 3 by default) and those beyond it, with references;
- ``propositions_par_menage``: distribution of the number of proposals received
  (0, 1, 2, 3, 4+) and the mean for relocated households;
- ``offres_examinees``: how many distinct offers each household was considered for
  (proposed, visited or set aside "écartée"): distribution (0..4, 5+) and mean;
- ``retours``: relocated households that had asked to return to their quartier
  and were relocated in it.

Before/after figures over the households relocated with a lease (base = leases, the
"before" being the situation stored at signature, the "after" the lease and the
let dwelling as of the position):

- ``destinations_site``: sur_site (same quartier), hors_site, hors_commune (the let
  dwelling's commune differs from the former dwelling's), ``{"nombre", "taux"}``;
- ``typologies``: avant / apres counts T1..T6 and the ``matrice`` avant → apres;
- ``surfaces``: total, mean (m², 2 decimals) and distribution before / after, mean
  change, plus_grande / plus_petite / egale;
- ``reste_a_charge``: total and mean (cents) before / after, per m² (euros, the
  ratio of the totals: total reste à charge / total surface), evolution, hausse /
  baisse / stable;
- ``indemnites_minoration``: the ANRU rent-reduction indemnity
  (:mod:`relogement.projections.indemnities`): eligible / not / to check, total
  amount (cents) and per beneficiary (the relocating bailleur, i.e. the
  household's bailleur of origin), with the scales used and their statut.

``par_bailleur_accueil`` groups by receiving bailleur (the let dwelling's bailleur):
its relocations with the same lease figures, where the households come from, and
the proposals of its offers.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from relogement.projections import dashboard_snapshots as stored
from relogement.projections import indemnities
from relogement.projections import queries as q
from relogement.projections.dashboard_state import GROUPS, ProjectTallies
from relogement.projections.dashboard_tally import (
    FLAG_NAMES,
    SURFACE_BINS,
    TYPOLOGIES,
    figures,
    reception_figures,
)

__all__ = [
    "FLAG_NAMES", "SURFACE_BINS", "TYPOLOGIES", "DashboardStates", "ProjectTallies", "dashboard", "dashboard_at",
    "resolve",
]


def resolve(db: q.Db, position: int | None, instant: datetime | None) -> tuple[int, datetime]:
    """(position, instant) for a report: live = last applied position and now."""
    if position is None:
        position = q.current_position(db)
        when = instant or datetime.now(tz=UTC)
    else:
        when = instant or q.instant_of(db, position) or datetime.now(tz=UTC)
    return position, when.astimezone(UTC)


def dashboard(
    db: q.Db,
    project_id: UUID | str,
    *,
    position: int | None = None,
    instant: datetime | None = None,
    reference: indemnities.Reference | None = None,
    tallies: ProjectTallies | None = None,
) -> dict[str, Any]:
    """The dashboard of one project: ``total`` and ``par_quartier`` / ``par_operation``
    / ``par_bailleur`` (bailleur of origin, org hex → figures) and
    ``par_bailleur_accueil`` (receiving bailleur), with ``position`` and ``instant``
    it was computed at. ``position=None``: live. ``reference``: the indemnity
    reference tables (default ``reference/*.csv``). ``tallies``: the project's
    tallies held from an earlier call (moved to ``position``; else read in full)."""
    position, when = resolve(db, position, instant)
    project = q.get_project(db, project_id, position=position)
    if project is not None:
        project.pop("valid_to")  # differs between live and as-of; the figures do not
    state = tallies or ProjectTallies(project_id, reference)
    with state.lock:
        state.move_to(db, position)
        return {
            "position": position,
            "instant": when,
            "project": project,
            "total": figures(state.groups[("total", "")], when),
            **{name: {k: figures(t, when) for k, t in state.group_tallies(name).items()} for name in GROUPS},
            "par_bailleur_accueil": {org: reception_figures(t) for org, t in state.receiving().items()},
            "indemnites_conventions": list(indemnities.CONVENTIONS),
        }


def dashboard_at(db: q.Db, project_id: UUID | str, instant: datetime) -> dict[str, Any]:
    """The dashboard as it stood at ``instant`` (auditors): position_at(instant), instant."""
    return dashboard(db, project_id, position=q.position_at(db, instant), instant=instant)


class DashboardStates:
    """Per process: the tallies held for each project, moved to the positions asked.

    A request at position P takes the held state closest to P (the live one follows the
    read models' position event by event), else the stored state closest to P
    (:mod:`relogement.projections.dashboard_snapshots`), else computes one from every row;
    then moves it to P and renders the figures. States are stored as they advance (one per
    ``stored.EVERY`` events and project) and whenever one was computed from every row, so
    the next process, or the next as-of page nearby, starts from there.
    """

    def __init__(self, db: Any, keep: int = 3, store: bool = True) -> None:
        self.db = db  # an Engine: stored states are written in their own transaction
        self.keep = keep
        self.store = store
        self._lock = threading.Lock()
        self._held: dict[str, list[ProjectTallies]] = {}
        self._stored: dict[str, int] = {}  # project → last stored position seen

    def dashboard(self, project_id: UUID | str, position: int | None = None,
                  instant: datetime | None = None) -> dict[str, Any]:
        position, when = resolve(self.db, position, instant)
        pid = q._hex(project_id)
        state = self._state_for(pid, position)
        started_empty = state.position is None
        figures_ = dashboard(self.db, pid, position=position, instant=when, tallies=state)
        if self.store:
            self._keep_stored(pid, state, started_empty)
        return figures_

    def _state_for(self, pid: str, position: int) -> ProjectTallies:
        with self._lock:
            held = self._held.setdefault(pid, [])
            best = min(held, key=lambda s: abs((s.position or 0) - position), default=None)
        distance = abs(best.position - position) if best is not None and best.position is not None else None
        if distance is not None and distance <= stored.EVERY:
            return best  # type: ignore[return-value]
        state = stored.nearest(self.db, pid, position)
        if state is not None and distance is not None and abs(state.position - position) >= distance:
            state = None  # the held one is closer
        if state is None and best is not None:
            return best
        state = state or ProjectTallies(pid)
        with self._lock:
            held.append(state)
            del held[:-self.keep]
        return state

    def _keep_stored(self, pid: str, state: ProjectTallies, started_empty: bool) -> None:
        with state.lock:
            position = state.position
            if position is None:
                return
            if pid not in self._stored:
                self._stored[pid] = stored.last_stored(self.db, pid) or 0
            if started_empty or position - self._stored[pid] >= stored.EVERY:
                stored.save(self.db, state)
                self._stored[pid] = max(self._stored[pid], position)
