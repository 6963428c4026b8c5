"""The RelocationApp of every process: the domain's application on the SQL infrastructure.

Same constructor as ``platform.application.RelocationApp`` (``RelocationApp(database,
clock=..., env=...)``), with the privacy port filled in (runtime/erasure.Privacy: key
store, erasure, access log), the audit hash chain over the notification log, and the
retention and access-log listings. Same application name, hence same events table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from relogement.events.base import Clock, utc_now
from relogement.platform.application import RelocationApp as DomainRelocationApp
from relogement.platform.config import database_url
from relogement.runtime.engines import persistence_env
from relogement.runtime.erasure import Privacy, register_read_side_hooks

__all__ = ["RelocationApp"]


class RelocationApp(DomainRelocationApp):
    # eventsourcing names a subclass after itself otherwise, and the name picks the
    # events table ("relogement_events"): keep the domain application's name.
    name = DomainRelocationApp.name

    def __init__(
        self,
        database: str | None = None,
        clock: Clock = utc_now,
        env: dict[str, str] | None = None,
    ) -> None:
        # Erasure purges the identity read models at once, whoever builds the app.
        register_read_side_hooks()
        self._audit: Any = None
        self._closers: list[Any] = []
        url = database_url(database)
        super().__init__(
            url, clock=clock, env={**persistence_env(url), **(env or {})}, privacy_factory=Privacy
        )

    @property
    def audit_chain(self) -> Any:
        """The hash chain over the notification log (relogement.projections.audit)."""
        if self._audit is None:
            from relogement.projections.audit import AuditChain

            self._audit = AuditChain(self)
        return self._audit

    def on_close(self, closer: Any) -> Any:
        """Run ``closer()`` when the app closes, before the store (last registered first)."""
        self._closers.append(closer)
        return closer

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()
        super().close()
        if self._audit is not None:
            self._audit.close()

    def access_log(self, household_id: UUID | None = None, **filters: Any) -> list:
        """Access log entries, newest first (runtime/access_log.read_access_log; admin and
        auditor only)."""
        from relogement.runtime.access_log import read_access_log

        return read_access_log(self.privacy.engine, household_id=household_id, **filters)

    def households_due(self, at: datetime | None = None) -> list:
        """Households whose retention period is over, not erased (runtime/retention.py)."""
        from relogement.runtime.retention import households_due

        return households_due(self, at)
