"""Personal data: sealed per household, erasable by key destruction, every view logged.

Design (see docs/data-protection.md):

- **Sealing.** Identifying data only travels in the ``personal`` field of
  ``HouseholdRegistered`` / ``HouseholdPersonalDataUpdated``. :class:`SealingMapper`
  replaces that field, in the stored state only, by an AES-256-GCM ciphertext under a
  key of its own per household (per ``originator_id``), and opens it again on read.
  Everything else stays in clear so that projections and reports never need a key.
- **Keys** live in the SQL table ``household_keys`` of the events' database (one row per
  household: key bytes, created_at, destroyed_at, destroyed_by).
- **Erasure (crypto-shredding).** Destroying the key (key bytes set to NULL, the row
  kept as a tombstone) makes every ciphertext of that household unreadable for good:
  its events stay (positions, figures, the hash chain are untouched) and decode with
  ``personal == {"erased": True, "name": "ménage effacé"}``.
- **Access log.** :func:`record_personal_data_access` / :func:`read_access_log` on the
  SQL table ``access_log``.
- **Retention.** ``RELOGEMENT_RETENTION_MONTHS`` (default 24) after relocation or
  departure; :func:`households_due` lists the households due for erasure.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.utils import get_topic
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy import types as sqltypes
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from relogement.platform.errors import DomainError
from relogement.platform.values import check_recorded_text

log = logging.getLogger(__name__)

ERASED_NAME = "ménage effacé"
SEAL_SCHEME = "aes-256-gcm/v1"
PERSONAL_FIELD = "personal"
DEFAULT_RETENTION_MONTHS = 24
ERASURE_REASONS = {
    "duree_conservation": "Durée de conservation échue",
    "demande": "Demande de la personne (RGPD art. 17)",
}
# Roles (web/accounts.py) allowed to read the access log.
ACCESS_LOG_READERS = ("admin", "auditeur")


def erased_personal() -> dict[str, Any]:
    """What ``personal`` decodes to once the household's key is gone."""
    return {"erased": True, "name": ERASED_NAME}


def is_erased(personal: dict | None) -> bool:
    return bool(personal and personal.get("erased"))


class PersonalDataErased(DomainError):
    def __init__(self, household_id: UUID) -> None:
        super().__init__(
            "household_erased",
            "Les données personnelles de ce ménage ont été effacées : elles ne peuvent plus "
            "être ni lues ni modifiées.",
        )
        self.household_id = household_id


class PersonalDataUnreadable(MapperDeserialisationError):
    """A sealed field does not open with its key: tampering or corruption, never erasure."""


# -- tables -------------------------------------------------------------------

metadata = MetaData()

household_keys = Table(
    "household_keys",
    metadata,
    Column("household_id", String(32), primary_key=True),
    Column("key", LargeBinary, nullable=True),  # NULL once destroyed (tombstone)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True), nullable=True),
    Column("destroyed_by", String(200), nullable=True),
)

# The refresh of the key cache reads the tombstones only.
tombstones_index = Index("ix_household_keys_destroyed_at", household_keys.c.destroyed_at)

access_log = Table(
    "access_log",
    metadata,
    # INTEGER PRIMARY KEY autoincrements on SQLite, BIGINT identity elsewhere.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("by_user", String(200), nullable=False, index=True),
    Column("by_org", String(32), nullable=False),
    Column("role", String(40), nullable=True),
    Column("household_id", String(32), nullable=False, index=True),
    Column("purpose", String(200), nullable=False),
)


def make_privacy_engine(url: str) -> Engine:
    """An engine of our own on the events' database.

    Plain (deferred) transactions on purpose: key reads happen while a projection
    runner may hold SQLite's write lock in the same process; a read must not queue
    behind it. ``secure_delete`` makes SQLite overwrite destroyed key bytes and purged
    rows with zeros instead of leaving them in free pages.
    """
    from relogement.platform.config import normalise_url

    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.execute("PRAGMA secure_delete = ON")

        return engine
    return create_engine(url, pool_pre_ping=True)


def _hex(household_id: UUID | str) -> str:
    return household_id.hex if isinstance(household_id, UUID) else UUID(str(household_id)).hex


# -- keys ---------------------------------------------------------------------


class KeyStore:
    """Per-household AES-256 keys in ``household_keys``.

    Reads (decryption) use an in-process copy of the table, loaded whole on first use.
    A key never changes once written, except to be destroyed: so the copy is refreshed,
    when older than ``cache_seconds`` (env ``RELOGEMENT_KEY_CACHE_SECONDS``, default 1),
    by reading the tombstones only (indexed, few), and a key created since by another
    process is fetched the first time it is asked for. A key destroyed by this process
    is forgotten at once; another process stops opening that household's data within
    ``cache_seconds``. A household with no key row at all stays keyless: its key would
    have been committed before any event sealed with it. Writes (encryption) always ask
    the database, so no new data is ever sealed with a key already destroyed.
    """

    def __init__(
        self,
        engine: Engine,
        now: Callable[[], datetime],
        cache_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.now = now
        if cache_seconds is None:
            cache_seconds = float(os.environ.get("RELOGEMENT_KEY_CACHE_SECONDS", "1"))
        self.cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: dict[str, bytes | None] = {}
        self._loaded_at: float | None = None

    def create_tables(self) -> None:
        metadata.create_all(self.engine, tables=[household_keys, access_log], checkfirst=True)
        # Stores created before the index existed get it too.
        tombstones_index.create(self.engine, checkfirst=True)

    # -- reading ---------------------------------------------------------------
    def _fresh(self) -> bool:
        return self._loaded_at is not None and (
            self._monotonic() - self._loaded_at < self.cache_seconds
        )

    def _reload(self) -> None:
        with self.engine.connect() as conn:
            if self._loaded_at is None:
                rows = conn.execute(select(household_keys.c.household_id, household_keys.c.key)).all()
                self._cache = {h: (bytes(k) if k is not None else None) for h, k in rows}
            else:
                # Reloading every key each second cost a full scan per second; at
                # national scale (≈ 190,000 households) it halved decoding.
                destroyed = conn.execute(
                    select(household_keys.c.household_id).where(
                        household_keys.c.destroyed_at.is_not(None)
                    )
                ).scalars()
                for hid in destroyed:
                    self._cache[hid] = None
        self._loaded_at = self._monotonic()

    def key_for_reading(self, household_id: UUID | str) -> bytes | None:
        """The household's key, or None if it was destroyed or never existed."""
        hid = _hex(household_id)
        with self._lock:
            if not self._fresh():
                self._reload()
            if hid in self._cache:
                return self._cache[hid]
        # Not in the snapshot: created since by another process, or unknown.
        key = self._select(hid)
        with self._lock:
            self._cache[hid] = key
        return key

    def _select(self, hid: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(household_keys.c.key).where(household_keys.c.household_id == hid)
            ).first()
        return bytes(row[0]) if row is not None and row[0] is not None else None

    def status(self, household_id: UUID | str) -> dict[str, Any] | None:
        """The key row without the key: created_at, destroyed_at, destroyed_by."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    household_keys.c.created_at,
                    household_keys.c.destroyed_at,
                    household_keys.c.destroyed_by,
                    household_keys.c.key.is_(None).label("destroyed"),
                ).where(household_keys.c.household_id == _hex(household_id))
            ).mappings().first()
        return dict(row) if row else None

    # -- writing ---------------------------------------------------------------
    def key_for_writing(self, household_id: UUID | str) -> bytes:
        """The household's key, created on first use; refuses a destroyed one.

        Committed before the events it seals (the mapper runs before the recorder's
        transaction): an event is never visible without its key. A save that then
        fails leaves an unused key row behind, which holds no personal data.
        """
        hid = _hex(household_id)
        for _ in range(3):
            with self.engine.connect() as conn:
                row = conn.execute(
                    select(household_keys.c.key, household_keys.c.destroyed_at).where(
                        household_keys.c.household_id == hid
                    )
                ).first()
                if row is not None:
                    if row[0] is None:
                        raise PersonalDataErased(UUID(hid))
                    return bytes(row[0])
                key = AESGCM.generate_key(bit_length=256)
                try:
                    conn.execute(
                        household_keys.insert().values(
                            household_id=hid, key=key, created_at=self.now()
                        )
                    )
                    conn.commit()
                except SQLIntegrityError:  # created concurrently: use theirs
                    conn.rollback()
                    continue
            with self._lock:
                self._cache[hid] = key
            return key
        raise RuntimeError(f"could not create the key of household {hid}")

    def destroy(self, household_id: UUID | str, by: str) -> bool:
        """Delete the key bytes, keep a tombstone. True if a key was destroyed now."""
        hid = _hex(household_id)
        with self.engine.begin() as conn:
            updated = conn.execute(
                household_keys.update()
                .where(household_keys.c.household_id == hid, household_keys.c.key.is_not(None))
                .values(key=None, destroyed_at=self.now(), destroyed_by=by[:200])
            ).rowcount
            if not updated:
                exists = conn.execute(
                    select(household_keys.c.household_id).where(household_keys.c.household_id == hid)
                ).first()
                if exists is None:  # no key ever (or lost): still leave the tombstone
                    conn.execute(
                        household_keys.insert().values(
                            household_id=hid,
                            key=None,
                            created_at=self.now(),
                            destroyed_at=self.now(),
                            destroyed_by=by[:200],
                        )
                    )
        with self._lock:
            self._cache[hid] = None
        return bool(updated)


# -- the mapper ---------------------------------------------------------------


def _aad(originator_id: Any, originator_version: int) -> bytes:
    # Binds a ciphertext to its event: moving it to another event fails to open.
    return f"{_hex(originator_id)}|{originator_version}|{PERSONAL_FIELD}".encode()


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and value.get("sealed") == SEAL_SCHEME and "data" in value


class SealingMapper(Mapper[UUID]):
    """A Mapper that seals the ``personal`` field per household (see module doc).

    Also covers aggregate snapshots (``state["personal"]``) should snapshotting be
    enabled one day.
    """

    def __init__(
        self,
        transcoder: Transcoder,
        keys: KeyStore,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder, compressor=compressor, cipher=cipher)
        self.keys = keys

    # -- writing ---------------------------------------------------------------
    def _seal(self, personal: dict, originator_id: UUID, version: int) -> dict:
        key = self.keys.key_for_writing(originator_id)
        nonce = os.urandom(12)
        plaintext = self.transcoder.encode(personal)
        ciphertext = AESGCM(key).encrypt(nonce, plaintext, _aad(originator_id, version))
        return {"sealed": SEAL_SCHEME, "data": base64.b64encode(nonce + ciphertext).decode()}

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        topic = get_topic(domain_event.__class__)
        event_state = dict(vars(domain_event))
        check_recorded_text(event_state)  # nothing a database cannot store is recorded
        originator_id = event_state.pop("originator_id")
        originator_version = event_state.pop("originator_version")
        personal = event_state.get(PERSONAL_FIELD)
        if isinstance(personal, dict) and not is_sealed(personal):
            if is_erased(personal):
                raise PersonalDataErased(originator_id)
            event_state[PERSONAL_FIELD] = self._seal(personal, originator_id, originator_version)
        snapshot_state = event_state.get("state")
        if isinstance(snapshot_state, dict) and isinstance(snapshot_state.get(PERSONAL_FIELD), dict):
            inner = snapshot_state[PERSONAL_FIELD]
            if not is_sealed(inner) and not is_erased(inner):
                event_state["state"] = {
                    **snapshot_state,
                    PERSONAL_FIELD: self._seal(inner, originator_id, originator_version),
                }
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        stored_state = self.transcoder.encode(event_state)
        if self.compressor:
            stored_state = self.compressor.compress(stored_state)
        if self.cipher:
            stored_state = self.cipher.encrypt(stored_state)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=topic,
            state=stored_state,
        )

    # -- reading ---------------------------------------------------------------
    def _open(self, sealed: dict, originator_id: UUID, version: int) -> dict:
        key = self.keys.key_for_reading(originator_id)
        if key is None:
            return erased_personal()
        raw = base64.b64decode(sealed["data"])
        try:
            plaintext = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(originator_id, version))
        except InvalidTag:
            msg = (
                f"personal data of {originator_id} v{version} does not open with its key "
                "(altered or moved ciphertext)"
            )
            raise PersonalDataUnreadable(msg) from None
        return self.transcoder.decode(plaintext)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        domain_event = super().to_domain_event(stored_event)
        state = domain_event.__dict__
        personal = state.get(PERSONAL_FIELD)
        if is_sealed(personal):
            state[PERSONAL_FIELD] = self._open(
                personal, stored_event.originator_id, stored_event.originator_version
            )
        snapshot_state = state.get("state")
        if isinstance(snapshot_state, dict) and is_sealed(snapshot_state.get(PERSONAL_FIELD)):
            snapshot_state[PERSONAL_FIELD] = self._open(
                snapshot_state[PERSONAL_FIELD],
                stored_event.originator_id,
                stored_event.originator_version,
            )
        return domain_event


# -- purging read models --------------------------------------------------------

# Read-model tables that hold plaintext identity, keyed by a ``household_id`` column.
# The projections' rm_household_identity is purged here at once (its projector also
# deletes the row when it reaches HouseholdErased: both are idempotent), so the
# identity is gone even if the projections lag or are not running.
IDENTITY_TABLES: list[str] = ["rm_household_identity", "household_identity"]

PurgeHook = Callable[[Connection, UUID], int]
PURGE_HOOKS: list[PurgeHook] = []


def register_purge_hook(hook: PurgeHook) -> PurgeHook:
    """Add ``hook(conn, household_id) -> rows deleted``, run in the erasure's transaction."""
    if hook not in PURGE_HOOKS:
        PURGE_HOOKS.append(hook)
    return hook


def _id_values(column: Column, household_id: UUID) -> list[Any]:
    if isinstance(column.type, sqltypes.Uuid):
        return [household_id]
    return [household_id.hex, str(household_id)]


def purge_identity(conn: Connection, household_id: UUID) -> int:
    """Delete every row (all versions) of the household in the identity tables that exist."""
    existing = set(inspect(conn).get_table_names())
    deleted = 0
    for name in IDENTITY_TABLES:
        if name not in existing:
            continue
        table = Table(name, MetaData(), autoload_with=conn)
        if "household_id" not in table.c:
            log.warning("identity table %s has no household_id column: not purged", name)
            continue
        column = table.c.household_id
        deleted += conn.execute(
            table.delete().where(column.in_(_id_values(column, household_id)))
        ).rowcount or 0
    return deleted


def purge_read_models(engine: Engine, household_id: UUID) -> int:
    with engine.begin() as conn:
        deleted = purge_identity(conn, household_id)
        for hook in PURGE_HOOKS:
            deleted += hook(conn, household_id) or 0
    return deleted


def scrub_storage(engine: Engine) -> None:
    """Make deleted bytes unreachable in the database files, best effort.

    SQLite: ``secure_delete`` already zeroed them in the main file; a TRUNCATE
    checkpoint empties the write-ahead log that still holds older page images.
    PostgreSQL: ``VACUUM FULL household_keys`` rewrites the (small) key table so no
    dead tuple keeps a destroyed key. WAL archives and backups keep copies until
    their own retention ends (see docs/data-protection.md).
    """
    try:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM FULL household_keys"))
    except Exception:  # noqa: BLE001 - the key is already gone; this only tidies
        log.exception("storage scrub after erasure failed (will be done by the next one)")


# -- access log -----------------------------------------------------------------


def record_personal_data_access(
    engine: Engine,
    household_id: UUID,
    user: str,
    org: UUID,
    at: datetime,
    purpose: str = "consultation",
    role: str | None = None,
) -> None:
    """Record that ``user`` (acting for ``org``, with web ``role``) saw a household's
    personal data at ``at``.

    Call it wherever identity is shown or exported: the household page's identity
    block, an export with names, the CLI. ``purpose`` says which (e.g.
    ``"fiche ménage"``, ``"export"``). No personal value is written here: only the
    household id.
    """
    with engine.begin() as conn:
        conn.execute(
            access_log.insert().values(
                at=at,
                by_user=user[:200],
                by_org=_hex(org),
                role=(role or None) and role[:40],
                household_id=_hex(household_id),
                purpose=(purpose or "consultation")[:200],
            )
        )


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    user: str
    org: UUID
    role: str | None
    household_id: UUID
    purpose: str


def read_access_log(
    engine: Engine,
    household_id: UUID | None = None,
    user: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 500,
) -> list[AccessEntry]:
    """Entries of the access log, newest first, filtered by household/user/period.

    Who may read it: roles in :data:`ACCESS_LOG_READERS` (administrator, auditor);
    the caller (web page, CLI) checks the role.
    """
    query = select(access_log).order_by(access_log.c.at.desc(), access_log.c.id.desc())
    if household_id is not None:
        query = query.where(access_log.c.household_id == _hex(household_id))
    if user is not None:
        query = query.where(access_log.c.by_user == user)
    if since is not None:
        query = query.where(access_log.c.at >= since)
    if until is not None:
        query = query.where(access_log.c.at < until)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        AccessEntry(
            at=r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=UTC),
            user=r["by_user"],
            org=UUID(r["by_org"]),
            role=r["role"],
            household_id=UUID(r["household_id"]),
            purpose=r["purpose"],
        )
        for r in rows
    ]


# -- retention --------------------------------------------------------------------


def retention_months(env: dict[str, str] | None = None) -> int:
    """``RELOGEMENT_RETENTION_MONTHS`` (default 24): how long after relocation/departure."""
    value = (env if env is not None else os.environ).get("RELOGEMENT_RETENTION_MONTHS", "")
    if not value.strip():
        return DEFAULT_RETENTION_MONTHS
    months = int(value)
    if months < 0:
        raise ValueError("RELOGEMENT_RETENTION_MONTHS must be >= 0")
    return months


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class DueHousehold:
    household_id: UUID
    reference: str
    ended_on: date  # move-in date, or the day the household left the programme
    how: str  # "relogé" | "sorti"
    due_on: date


_HOUSEHOLD_TOPIC = "relogement.platform.household:Household."


def raw_states(app: Any, prefix: str = "") -> Iterator[tuple[int, str, Any, dict]]:
    """(position, topic, originator_id, state) from the log, decoded WITHOUT opening
    the sealed fields: admin listings need no key and show no identity."""
    mapper = app.mapper
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=1000)
        if not notifications:
            return
        for n in notifications:
            if n.topic.startswith(prefix):
                state = n.state
                if mapper.cipher:
                    state = mapper.cipher.decrypt(state)
                if mapper.compressor:
                    state = mapper.compressor.decompress(state)
                yield n.id, n.topic, n.originator_id, mapper.transcoder.decode(state)
        start = notifications[-1].id + 1


def households_due(app: Any, at: datetime | None = None, months: int | None = None) -> list[DueHousehold]:
    """Households relocated (move-in) or gone more than ``months`` ago at ``at``,
    not erased yet: the list the administrator erases from (``relogement privacy due``)."""
    months = retention_months() if months is None else months
    today = (at or app.clock()).astimezone(UTC).date()
    references: dict[UUID, str] = {}
    ended: dict[UUID, tuple[date, str]] = {}
    erased: set[UUID] = set()
    for _, topic, hid, state in raw_states(app, _HOUSEHOLD_TOPIC):
        name = topic.rsplit(".", 1)[-1]
        if name == "HouseholdRegistered":
            references[hid] = state.get("reference", "")
        elif name == "HouseholdRelocated":
            ended[hid] = (state["move_in_date"], "relogé")
        elif name == "HouseholdDeparted":
            ended[hid] = (state["timestamp"].astimezone(UTC).date(), "sorti")
        elif name == "HouseholdErased":
            erased.add(hid)
    due = []
    for hid, (ended_on, how) in ended.items():
        due_on = add_months(ended_on, months)
        if hid not in erased and due_on <= today:
            due.append(DueHousehold(hid, references.get(hid, ""), ended_on, how, due_on))
    return sorted(due, key=lambda d: (d.due_on, d.reference))


def retention_end(history: list) -> tuple[date, str] | None:
    """When the household's relocation ended (move-in or departure), from its facts."""
    end = None
    for fact in history:
        name = type(fact).__name__
        if name == "HouseholdRelocated":
            end = (fact.move_in_date, "relogé")
        elif name == "HouseholdDeparted":
            end = (fact.timestamp.astimezone(UTC).date(), "sorti")
    return end


def check_retention_elapsed(history: list, at: datetime, months: int | None = None) -> None:
    months = retention_months() if months is None else months
    end = retention_end(history)
    if end is None:
        raise DomainError(
            "retention_not_elapsed",
            "Ce ménage est toujours suivi : sa durée de conservation n'a pas commencé "
            "(effacement possible sur demande, avec un motif).",
        )
    due_on = add_months(end[0], months)
    if at.astimezone(UTC).date() < due_on:
        raise DomainError(
            "retention_not_elapsed",
            f"Durée de conservation non échue : effacement possible à partir du "
            f"{due_on:%d/%m/%Y} (ou sur demande, avec un motif).",
        )


def complete_erasure(privacy: Privacy, household_id: UUID, by: str) -> None:
    """After HouseholdErased is stored: destroy the key, purge read models, scrub.

    Each step is idempotent, so a crash in between is repaired by erasing again.
    """
    privacy.keys.destroy(household_id, by)
    purge_read_models(privacy.engine, household_id)
    scrub_storage(privacy.engine)


# -- per-application service ----------------------------------------------------------


class Privacy:
    """What RelocationApp holds: the engine, the key store, the tables."""

    def __init__(self, url: str, now: Callable[[], datetime]) -> None:
        self.engine = make_privacy_engine(url)
        self.keys = KeyStore(self.engine, now)
        self.keys.create_tables()

    def close(self) -> None:
        self.engine.dispose()
