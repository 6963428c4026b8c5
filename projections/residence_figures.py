"""What relocations change per residence, as of any position: the survey's figures, the
households relocated into and out of it, the estimated figures after, the class before
and after (rules and formulas: relogement.platform.peuplement).

- Relocated *into* a residence: a lease signed (proposal ``bail_signe``) on an offer whose
  dwelling is in it. Their profile is taken in the new dwelling: the lease's housing aid,
  the offer's surface.
- Relocated *out of* a residence: a household relocated (``reloge``) whose current dwelling
  was in it, with its situation and dwelling before.
- Income against the PLUS ceilings: 12 × the recorded monthly resources against the
  ceiling of the household's category in force at the lease's signing
  (``reference/plafonds_plus.csv``); an estimate, since the ceilings apply to the
  taxable income of year N-2.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from relogement.platform import peuplement as pp
from relogement.projections.queries.base import Db, _rows, _select, connect
from relogement.projections.read_models import household_situation, households, offers, proposals
from relogement.projections.residence_models import residence_links, residence_surveys, residences

PLUS_FILE = Path(__file__).parent / "reference" / "plafonds_plus.csv"


@cache
def plus_ceilings() -> tuple[tuple[date, tuple[int, ...], int, str], ...]:
    """(date of effect, ceilings in cents of categories 1–6, per extra person, source)."""
    with PLUS_FILE.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    rows = []
    for r in csv.DictReader(lines):
        rows.append((
            date.fromisoformat(r["date_effet"]),
            tuple(int(r[f"categorie_{k}"]) * 100 for k in range(1, 7)),
            int(r["par_personne_supplementaire"]) * 100,
            r["source"],
        ))
    return tuple(sorted(rows))


def plus_ceiling_cents(adults: int, children: int, on: date | None) -> int | None:
    """The yearly PLUS ceiling of the household's category in force on ``on`` (latest row
    when ``on`` is None); None before the first date of effect."""
    rows = [r for r in plus_ceilings() if on is None or r[0] <= on]
    if not rows:
        return None
    _, ceilings, extra, _ = rows[-1]
    category = pp.plus_category(adults, children)
    return ceilings[min(category, 6) - 1] + extra * max(category - 6, 0)


@dataclass(frozen=True)
class Move:
    """One household relocated into or out of a residence (never shown one by one)."""

    household_id: str
    signed_on: date | None
    profile: pp.Profile
    rav_band: str
    composition: str


@dataclass
class ResidenceBalance:
    """A residence as of a position: identity, survey, relocations, estimate, classes."""

    row: dict[str, Any]
    moved_in: list[Move] = field(default_factory=list)
    moved_out: list[Move] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)

    @property
    def surveyed(self) -> bool:
        return bool(self.row.get("survey_households"))

    @property
    def shares(self) -> dict[str, Decimal]:
        return {k: Decimal(v) for k, v in (self.row.get("survey_shares") or {}).items()}

    def class_before(self) -> str | None:
        return pp.classify(self.shares, self.rules)[0] if self.surveyed else None

    def after(self, moved_in: list[Move] | None = None, moved_out: list[Move] | None = None
              ) -> tuple[int, dict[str, Fraction], dict[str, Fraction]] | None:
        if not self.surveyed:
            return None
        return pp.estimate_after(
            self.row["survey_households"], self.shares,
            [m.profile for m in (self.moved_in if moved_in is None else moved_in)],
            [m.profile for m in (self.moved_out if moved_out is None else moved_out)],
        )

    def class_after(self) -> str | None:
        estimate = self.after()
        return None if estimate is None else pp.classify(estimate[2], self.rules)[0]

    def state(self) -> pp.ResidenceState:
        """What ``residence_warnings`` and ``balance_score`` read."""
        return pp.ResidenceState(
            name=self.row["name"], households=self.row.get("survey_households") or 0,
            shares=self.shares, moved_in=tuple(m.profile for m in self.moved_in),
            moved_out=tuple(m.profile for m in self.moved_out),
            objectives=tuple(self.row.get("objectives") or ()), klass=self.class_after(),
        )


def _move(situation: dict, household: dict, surface: str, apl_cents: int, adults_in_work: int | None,
          rav_day: Any, signed_on: date | None) -> Move:
    adults, children = household["adults"], household["children"]
    profile = pp.profile(
        ages=situation["ages"], resources_cents=situation["resources_cents"], apl_cents=apl_cents,
        income_quartile=situation["income_quartile"], adults_in_work=adults_in_work,
        surface_m2=Decimal(surface), plus_ceiling_cents_year=plus_ceiling_cents(adults, children, signed_on),
    )
    return Move(
        household_id=household["household_id"], signed_on=signed_on, profile=profile,
        rav_band=pp.rav_band(None if rav_day is None else Decimal(str(rav_day))),
        composition=pp.composition_label(adults, children),
    )


def residence_balances(
    db: Db, project_id: str, position: int | None, settings: dict | None = None,
    residence_id: str | None = None,
) -> list[ResidenceBalance]:
    """Every residence of the project (or one) as of ``position``, with its relocations."""
    rules = pp.thresholds(settings)
    with connect(db) as conn:
        where = [residences.c.project_id == project_id]
        if residence_id is not None:
            where.append(residences.c.residence_id == residence_id)
        rows = _rows(conn, _select(residences, position, *where).order_by(residences.c.name, residences.c.code))
        result = {r["residence_id"]: ResidenceBalance(row=r, rules=rules) for r in rows}
        if not result:
            return []
        links = {r["link_id"]: r for r in _rows(conn, _select(
            residence_links, position, residence_links.c.project_id == project_id,
            residence_links.c.residence_id.is_not(None)))}
        leases = _rows(conn, _select(
            proposals, position, proposals.c.project_id == project_id, proposals.c.status == "bail_signe",
            columns=[proposals.c.household_id, proposals.c.offer_id, proposals.c.lease_apl_cents,
                     proposals.c.lease_signed_on, proposals.c.lease_indicators]))
        relocated = {r["household_id"]: r for r in _rows(conn, _select(
            households, position, households.c.project_id == project_id, households.c.status == "reloge"))}
        situations = {r["household_id"]: r for r in _rows(conn, _select(
            household_situation, position, household_situation.c.project_id == project_id))}
    return assemble_balances(result, links, leases, relocated, situations)


def assemble_balances(
    result: dict[str, ResidenceBalance], links: dict[str, dict], leases: Iterable[dict],
    relocated: dict[str, dict], situations: dict[str, dict], move: Callable[..., Move] | None = None,
) -> list[ResidenceBalance]:
    """The balances of :func:`residence_balances` from what it read (``result``: residence id →
    its balance, no move yet; ``leases``: the signed proposals; ``move``: :func:`_move`, or one
    that keeps the moves it made, called with the same rows in the same order)."""
    make = move or (lambda kind, situation, household, link, lease, apl, in_work, rav_day:
                    _move(situation, household, link["surface_m2"], apl, in_work, rav_day, lease["lease_signed_on"]))
    for lease in leases:
        household, situation = relocated.get(lease["household_id"]), situations.get(lease["household_id"])
        if household is None or situation is None:
            continue
        after = ((lease["lease_indicators"] or {}).get("after") or {})
        offer_link = links.get(lease["offer_id"])
        home_link = links.get(lease["household_id"])
        if offer_link is not None and offer_link["residence_id"] in result:
            result[offer_link["residence_id"]].moved_in.append(make(
                "in", situation, household, offer_link, lease, lease["lease_apl_cents"] or 0,
                home_link["adults_in_work"] if home_link else None, after.get("rav_person_day")))
        if home_link is not None and home_link["residence_id"] in result:
            before = situation.get("before") or {}
            result[home_link["residence_id"]].moved_out.append(make(
                "out", situation, household, home_link, lease, situation["apl_cents"],
                home_link["adults_in_work"], before.get("rav_person_day")))
    return list(result.values())


def project_links(db: Db, project_id: str, position: int | None) -> dict[str, dict[str, Any]]:
    """Every residence link of the project as of ``position`` (offers and households), by
    offer or household id: one query for a whole pool (the ranking's columns)."""
    with connect(db) as conn:
        rows = _rows(conn, _select(
            residence_links, position, residence_links.c.project_id == project_id,
            columns=[residence_links.c.link_id, residence_links.c.kind, residence_links.c.residence_id,
                     residence_links.c.adults_in_work]))
    return {r["link_id"]: r for r in rows}


def residence_surveys_of(db: Db, residence_id: str, position: int | None) -> list[dict[str, Any]]:
    """Every survey year of a residence as of ``position``, latest first."""
    with connect(db) as conn:
        return _rows(conn, _select(residence_surveys, position, residence_surveys.c.residence_id == residence_id)
                     .order_by(residence_surveys.c.year.desc()))


def residence_of_offer(db: Db, offer_id: str, position: int | None = None) -> str | None:
    with connect(db) as conn:
        value = conn.execute(select(residence_links.c.residence_id).where(
            residence_links.c.link_id == offer_id, _select(residence_links, position).whereclause
        )).scalar()
    return value


def offer_surface(db: Db, offer_id: str) -> str | None:
    with connect(db) as conn:
        return conn.execute(select(offers.c.surface_m2).where(
            offers.c.offer_id == offer_id, _select(offers, None).whereclause)).scalar()


def link_of(db: Db, link_id: str, position: int | None = None) -> dict[str, Any] | None:
    """The residence link of an offer or a household (code, residence id, adults in work)."""
    with connect(db) as conn:
        rows = _rows(conn, _select(residence_links, position, residence_links.c.link_id == link_id))
    return rows[0] if rows else None


def get_residence(db: Db, residence_id: str, position: int | None = None) -> dict[str, Any] | None:
    with connect(db) as conn:
        rows = _rows(conn, _select(residences, position, residences.c.residence_id == residence_id))
    return rows[0] if rows else None


def residence_codes(db: Db, project_id: str, bailleur_org: str) -> set[str]:
    """The (upper-cased) codes of a bailleur's residences in a project, now."""
    with connect(db) as conn:
        values = conn.execute(select(residences.c.code).where(
            residences.c.project_id == project_id, residences.c.bailleur_org == bailleur_org,
            _select(residences, None).whereclause)).scalars()
        return {v.upper() for v in values}
