"""Verifiable history: every stored event chained to the previous one by a hash.

The chain runs over the notification log in position order::

    h(0) = "0" * 64
    h(n) = sha256( h(n-1) as 64 ASCII hex chars + "\\n"
                   + str(position) + "\\n" + str(originator_id) + "\\n"
                   + str(originator_version) + "\\n" + topic + "\\n"   (UTF-8)
                   + the stored state bytes, exactly as stored )

The stored state is what the mapper wrote: JSON in which the ``personal`` fields are
AES-GCM ciphertexts. Destroying a household's key (erasure) therefore changes no
stored byte and does not break the chain.

``audit_chain`` holds (position, originator, version, hash) per sealed event. It is
extended by the projection runner (:class:`AuditProjector`, registered by
``projections.build_runner``) in each catch-up batch's transaction, with the read
models and the tracking position: a command followed by a catch-up (the web app after
each command and by polling, the scheduler after each pass) leaves it sealed, with no
transaction of its own. ``relogement audit seal``/``head``/``export`` extend it too
(:meth:`AuditChain.extend`). Extenders are serialised (SQLite: ``BEGIN IMMEDIATE``;
PostgreSQL: a transaction-scoped advisory lock), each re-reads the head under the lock
and seals only what lies after it, so every event is sealed exactly once.
``RELOGEMENT_AUDIT_SEAL=0`` leaves the runner out (bulk loads): the chain then waits
for ``relogement audit seal``.

What it proves: an event altered, removed or slipped in below the sealed head after
it was sealed is found by :func:`verify` at its position. What it cannot prove on
its own: that nobody rewrote the events AND recomputed every later hash; for that,
keep the head hash somewhere else (``relogement audit head`` printed in each report,
sent to the auditor) and compare.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import BigInteger, Column, DateTime, Engine, MetaData, String, Table, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

log = logging.getLogger(__name__)

GENESIS = "0" * 64
BATCH = 1000
# pg_advisory_xact_lock key serialising the chain's extenders (any fixed number).
LOCK_KEY = 0x52454C4F415544  # "RELOAUD"
OFF_VALUES = ("0", "off", "no", "false")

metadata = MetaData()

audit_chain = Table(
    "audit_chain",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("originator_id", String(36), nullable=False),
    Column("originator_version", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("sealed_at", DateTime(timezone=True), nullable=False),
)


def link(prev: str, position: int, originator_id: Any, version: int, topic: str, state: bytes) -> str:
    """One link of the chain (the same function as scripts/verify_export.py)."""
    header = f"{prev}\n{position}\n{originator_id}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(header + bytes(state)).hexdigest()


def _lock(conn: Any) -> None:
    # SQLite: the engines of make_engine begin with BEGIN IMMEDIATE (one writer at a
    # time). PostgreSQL: extenders would otherwise read the same head and collide.
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _head_of(conn: Any) -> tuple[int, str]:
    row = conn.execute(
        select(audit_chain.c.position, audit_chain.c.hash).order_by(audit_chain.c.position.desc()).limit(1)
    ).first()
    return (int(row[0]), row[1]) if row else (0, GENESIS)


def seal(conn: Any, recorder: Any, batch: Sequence[Any] | None = None) -> int:
    """Extend the chain inside ``conn``'s transaction; returns how many events were sealed.

    ``batch``: notifications already read (the projection runner's batch, in position
    order): the chain is extended to its last one, events before it not yet sealed
    included. Without it: up to :data:`BATCH` events after the head.
    """
    _lock(conn)
    position, prev = _head_of(conn)
    if batch is None:
        pending = list(recorder.select_notifications(start=position + 1, limit=BATCH))
    else:
        pending = [n for n in batch if n.id > position]
        if not pending:
            return 0
        # The chain may lag behind the batch (sealing deferred, chain older than the
        # runner): seal the events in between first, in the same transaction.
        gap: list[Any] = []
        start = position + 1
        while start < pending[0].id:
            page = recorder.select_notifications(start=start, limit=BATCH, stop=pending[0].id - 1)
            if not page:
                break
            gap.extend(page)
            start = page[-1].id + 1
        pending = gap + pending
    if not pending:
        return 0
    now = datetime.now(tz=UTC)
    rows = []
    for n in pending:
        prev = link(prev, n.id, n.originator_id, n.originator_version, n.topic, n.state)
        rows.append(
            {
                "position": n.id,
                "originator_id": str(n.originator_id),
                "originator_version": n.originator_version,
                "hash": prev,
                "sealed_at": now,
            }
        )
    for i in range(0, len(rows), BATCH):
        conn.execute(audit_chain.insert(), rows[i : i + BATCH])
    return len(rows)


class AuditProjector:
    """Seals each catch-up batch into the chain, in the batch's transaction.

    Gets the stored notifications (``raw``): the chain hashes the bytes as stored.
    The table is ``durable``: a projection rebuild neither drops nor re-seals it
    (positions at or below the head are skipped), since re-hashing the events as they
    are now would bless any tampering.
    """

    raw = True
    tables: tuple[Table, ...] = ()
    durable_tables = (audit_chain,)

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self._batch: list[Any] = []

    def begin_batch(self, conn: Any) -> None:
        self._batch = []

    def apply(self, conn: Any, position: int, notification: Any) -> None:
        self._batch.append(notification)

    def end_batch(self, conn: Any) -> None:
        batch, self._batch = self._batch, []
        seal(conn, self.recorder, batch)


def sealing_enabled(app: Any) -> bool:
    """False when ``RELOGEMENT_AUDIT_SEAL`` is off: projection runners then leave the chain alone."""
    return str(app.env.get("RELOGEMENT_AUDIT_SEAL", "1")).lower() not in OFF_VALUES


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int  # sealed events re-hashed
    head_position: int
    head_hash: str
    unsealed: int  # events stored after the sealed head (not a break: sealed next save)
    break_position: int | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.ok:
            tail = f" ; {self.unsealed} événement(s) pas encore scellé(s)" if self.unsealed else ""
            return (
                f"Chaîne intègre : {self.checked} événements vérifiés, tête n° "
                f"{self.head_position} = {self.head_hash}{tail}."
            )
        return f"Rupture de la chaîne à l'événement n° {self.break_position} : {self.reason}."


class AuditChain:
    """The audit_chain table of one application's database."""

    def __init__(self, app: Any, engine: Engine | None = None) -> None:
        from relogement.projections.machinery import make_engine

        self.app = app
        # BEGIN IMMEDIATE on SQLite: two extenders serialise instead of failing to upgrade.
        self.engine = engine or make_engine(app.database_url)
        metadata.create_all(self.engine, tables=[audit_chain], checkfirst=True)

    def close(self) -> None:
        self.engine.dispose()

    # -- the head ---------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            return self._head(conn)

    @staticmethod
    def _head(conn: Any) -> tuple[int, str]:
        return _head_of(conn)

    # -- sealing ------------------------------------------------------------------
    def extend(self) -> int:
        """Seal every stored event after the head; returns how many were sealed."""
        sealed = 0
        failures = 0
        while True:
            try:
                with self.engine.begin() as conn:
                    count = seal(conn, self.app.recorder)
                sealed += count
                if count < BATCH:
                    return sealed
            except (IntegrityError, OperationalError):
                # Another process sealed the same positions first: re-read its head.
                failures += 1
                if failures > 5:
                    raise

    # -- verifying --------------------------------------------------------------
    def _chain_rows(self) -> Iterator[tuple[int, str, int, str]]:
        after = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(
                        audit_chain.c.position,
                        audit_chain.c.originator_id,
                        audit_chain.c.originator_version,
                        audit_chain.c.hash,
                    )
                    .where(audit_chain.c.position > after)
                    .order_by(audit_chain.c.position)
                    .limit(BATCH)
                ).all()
            if not rows:
                return
            for r in rows:
                yield int(r[0]), r[1], int(r[2]), r[3]
            after = int(rows[-1][0])

    def _notifications(self) -> Iterator[Any]:
        start = 1
        while True:
            batch = self.app.recorder.select_notifications(start=start, limit=BATCH)
            if not batch:
                return
            yield from batch
            start = batch[-1].id + 1

    def verify(self) -> Verdict:
        """Re-hash every sealed event from the start; stop at the first break."""
        head_position, head_hash = self.head()
        prev = GENESIS
        checked = 0
        unsealed = 0
        chain = self._chain_rows()
        row = next(chain, None)

        def broken(position: int, reason: str) -> Verdict:
            return Verdict(False, checked, head_position, head_hash, 0, position, reason)

        for n in self._notifications():
            # A chain row whose event is gone.
            if row is not None and row[0] < n.id:
                return broken(row[0], "événement supprimé du journal (scellé, introuvable)")
            if row is None or row[0] > n.id:
                if n.id < head_position:
                    return broken(n.id, "événement inséré après coup (absent de la chaîne)")
                unsealed += 1
                continue
            position, originator_id, version, sealed_hash = row
            if originator_id != str(n.originator_id) or version != n.originator_version:
                return broken(n.id, "en-tête modifié (agrégat ou version différents de la chaîne)")
            expected = link(prev, n.id, n.originator_id, n.originator_version, n.topic, n.state)
            if expected != sealed_hash:
                return broken(
                    n.id,
                    "contenu modifié (l'empreinte recalculée ne correspond pas à celle scellée)",
                )
            prev = sealed_hash
            checked += 1
            row = next(chain, None)
        if row is not None:
            return broken(row[0], "événement supprimé du journal (scellé, introuvable)")
        return Verdict(True, checked, head_position, head_hash, unsealed)

    # -- exporting ----------------------------------------------------------------
    def export(self, out: IO[str]) -> tuple[int, str]:
        """Write the whole history as JSON Lines (seals the tail first).

        One line per stored event, in position order::

            {"position", "timestamp", "topic", "originator_id", "originator_version",
             "state": <the stored JSON, personal fields still sealed>,
             "state_b64": <the exact stored bytes>, "hash": <the sealed chain hash>}

        The hashes written are those sealed in the database, not recomputed: an event
        altered after sealing is exported as it is now, with its original hash, so the
        standalone verifier (scripts/verify_export.py) finds the break too.
        Returns (lines written, last hash).
        """
        self.extend()
        mapper = self.app.mapper
        chain = self._chain_rows()
        row = next(chain, None)
        count = 0
        last = GENESIS
        for n in self._notifications():
            while row is not None and row[0] < n.id:
                row = next(chain, None)
            sealed = row[3] if row is not None and row[0] == n.id else None
            raw = bytes(n.state)
            state: Any = None
            timestamp = None
            try:
                plain = raw
                if mapper.cipher:
                    plain = mapper.cipher.decrypt(plain)
                if mapper.compressor:
                    plain = mapper.compressor.decompress(plain)
                ts = mapper.transcoder.decode(plain).get("timestamp")
                timestamp = ts.astimezone(UTC).isoformat() if isinstance(ts, datetime) else None
                if plain == raw:
                    state = json.loads(raw)
            except Exception:  # noqa: BLE001 - unreadable state still goes out, as bytes
                log.warning("event %s: state not decodable for the export", n.id)
            line = {
                "position": n.id,
                "timestamp": timestamp,
                "topic": n.topic,
                "originator_id": str(n.originator_id),
                "originator_version": n.originator_version,
                "state": state,
                "state_b64": base64.b64encode(raw).decode("ascii"),
                "hash": sealed,
            }
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
            if sealed:
                last = sealed
        return count, last
