"""Sending the inbox by mail over SMTP (the queue and the log are in ``mail_queue``).

Infrastructure: the integration moves this module to ``relogement.runtime.mailer``.
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import Engine

from relogement.projections.notices.inbox import Notification
from relogement.projections.notices.mail_queue import log_mail, pending_mail
from relogement.projections.notices.times import now as _now
from relogement.projections.notices.times import paris

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes. Off unless ``RELOGEMENT_SMTP_HOST`` is set."""

    host: str
    port: int = 25
    sender: str = "relogement@localhost"
    default_to: tuple[str, ...] = ()
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpSettings | None:
        env = dict(os.environ if env is None else env)
        host = env.get("RELOGEMENT_SMTP_HOST", "").strip()
        if not host:
            return None
        to = tuple(a.strip() for a in env.get("RELOGEMENT_SMTP_TO", "").split(",") if a.strip())
        return cls(
            host=host,
            port=int(env.get("RELOGEMENT_SMTP_PORT", "25")),
            sender=env.get("RELOGEMENT_SMTP_FROM", "relogement@localhost"),
            default_to=to,
            user=env.get("RELOGEMENT_SMTP_USER") or None,
            password=env.get("RELOGEMENT_SMTP_PASSWORD") or None,
            starttls=env.get("RELOGEMENT_SMTP_STARTTLS", "").lower() in ("1", "true", "yes"),
        )


def _message(settings: SmtpSettings, n: Notification, to: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[Relogement] {n.title}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["X-Relogement-Notification"] = n.key
    base = os.environ.get("RELOGEMENT_BASE_URL", "").rstrip("/")
    link = f"\n\nVoir la notification : {base}/notifications" if base else ""
    msg.set_content(
        f"{n.kind_label} — {paris(n.created_at)} (heure de Paris)\n\n{n.body}{link}\n\n"
        "Message automatique de la plateforme Relogement inter-bailleurs."
    )
    return msg


def dispatch_mail(engine: Engine, settings: SmtpSettings, at: datetime | None = None) -> int:
    """Send by mail every notification not mailed yet; returns how many mails were sent.

    Run by the one scheduler process only (never by web workers), after it caught
    up the projections. The first run records a starting point, so switching
    mail on never sends the history. A notification is logged once sent: a
    crash between sending and logging may send it twice (at least once), never
    lose it. Reminders whose deadline already passed (e.g. after a downtime) are
    logged as ``perime`` instead of being sent.
    """
    at = _now(at)
    pending = pending_mail(engine, at)
    targets = {p.notification.key: sorted({*p.addresses, *settings.default_to}) for p in pending}

    sent = 0
    smtp: smtplib.SMTP | None = None
    try:
        for n in (p.notification for p in pending):
            to = targets[n.key]
            if not to:
                status = "sans_destinataire"
            elif n.kind == "echeance_12h" and n.deadline is not None and n.deadline <= at:
                status = "perime"
            else:
                if smtp is None:
                    smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
                    if settings.starttls:
                        smtp.starttls()
                    if settings.user:
                        smtp.login(settings.user, settings.password or "")
                smtp.send_message(_message(settings, n, to))
                status = "envoye"
                sent += 1
            log_mail(engine, n.key, at, to, status)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except smtplib.SMTPException:
                log.warning("SMTP QUIT failed", exc_info=True)
    return sent
