"""Build the process's services once: the one place where the layers meet.

:func:`bootstrap` builds the application (the runtime ``RelocationApp``: event store,
key store, access log, erasure), the projections' runner, the pages' read engine, the
accounts store and the login-limit storage, and wires them:

- after each recorded save the read models catch up in the same process
  (``app.on_saved(runner.try_catch_up)``: a failure is logged and retried with a
  back-off, never raised, see projections/lag.py), so a user sees the effect of their
  own action on the next page;
- erasure purges the identity read models through the read side's purge hook
  (``projections/identity_purge.py``, registered with ``runtime/erasure``);
- closing the application closes the runner and the read engine.

Events written by other processes (the scheduler, another worker, the CLI) reach the
read models through the runner's polling thread, started by the web app with its first
request. Configuration comes from the ``config`` mapping (tests) and the environment
(DATABASE_URL, SECRET_KEY, RELOGEMENT_DATA_DIR, RELOGEMENT_CLOCK_OFFSET_HOURS).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from relogement.events.base import Clock
from relogement.projections import build_runner
from relogement.projections.notices import ensure_user_tables
from relogement.projections.runner import ProjectionRunner
from relogement.runtime import ratelimit_storage
from relogement.runtime.accounts import Accounts
from relogement.runtime.application import RelocationApp
from relogement.runtime.engines import read_engine
from relogement.runtime.erasure import register_read_side_hooks
from relogement.runtime.mailer import SmtpSettings


@dataclass(frozen=True)
class Services:
    """What the entry points (web app, CLI, scheduler) are built on."""

    relocation: RelocationApp
    runner: ProjectionRunner
    read_engine: Any
    accounts: Accounts
    data_dir: Path
    secret_key: str
    smtp: SmtpSettings | None
    # flask-limiter: the login counters in the database (runtime/ratelimit_storage.py).
    limiter_storage_uri: str = ratelimit_storage.SCHEME + "://"
    limiter_storage_options: dict[str, Any] = field(default_factory=dict)

    def scheduler(self, interval_seconds: float) -> Any:
        """A deadline scheduler on these services (runtime/scheduler.py)."""
        from relogement.runtime.scheduler import DeadlineScheduler

        return DeadlineScheduler(
            self.relocation, self.runner, interval_seconds=interval_seconds, smtp=self.smtp
        )

    def close(self) -> None:
        self.relocation.close()


def data_dir_of(config: Mapping[str, Any]) -> Path:
    return Path(
        config.get("RELOGEMENT_DATA_DIR") or os.environ.get("RELOGEMENT_DATA_DIR", "data")
    ).resolve()


def secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def clock_of(config: Mapping[str, Any]) -> Clock:
    if config.get("CLOCK") is not None:
        return config["CLOCK"]
    offset = os.environ.get("RELOGEMENT_CLOCK_OFFSET_HOURS")
    if offset:
        # Demonstrations only: run the app "N hours later" (e.g. to show a cleared window).
        delta = timedelta(hours=float(offset))
        return lambda: datetime.now(tz=UTC) + delta
    return lambda: datetime.now(tz=UTC)


def build_application(database: str | None = None, clock: Clock | None = None) -> RelocationApp:
    """The application on its SQL stores, erasure reaching the read side: what every entry
    point acts through (the web app and the scheduler by :func:`bootstrap`, the CLI's
    one-shot commands directly, since they need no runner listening to their saves)."""
    register_read_side_hooks()
    return RelocationApp(
        database or os.environ.get("DATABASE_URL"), clock=clock or clock_of({})
    )


def bootstrap(config: Mapping[str, Any] | None = None) -> Services:
    """Build and wire the services of one process (see the module doc)."""
    config = dict(config or {})
    data_dir = data_dir_of(config)
    relocation = build_application(config.get("DATABASE_URL"), clock_of(config))
    runner = build_runner(relocation)
    reads = read_engine(relocation.database_url, runner.engine)
    # The notices' per-user tables (read marks) exist before the first page: created in a
    # request, they took a second connection beside the page's own (see engines.pool_settings).
    ensure_user_tables(reads)
    # A projection failure is logged and retried with a back-off (never raised here: the
    # events are stored; the pages and /sante show the lag).
    relocation.on_saved(runner.try_catch_up)
    runner.try_catch_up()  # start from read models as current as the store

    def _close() -> None:
        runner.close()
        if reads is not runner.engine:
            reads.dispose()

    relocation.on_close(_close)
    accounts = Accounts(relocation.recorder.datastore.engine)
    accounts.create_tables()
    return Services(
        relocation=relocation,
        runner=runner,
        read_engine=reads,
        accounts=accounts,
        data_dir=data_dir,
        secret_key=config.get("SECRET_KEY") or secret_key(data_dir),
        smtp=SmtpSettings.from_env(),
        limiter_storage_options={"engine": accounts.engine},
    )


