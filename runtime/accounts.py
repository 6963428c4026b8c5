"""The accounts store: ``web_users`` in the events' database (SQLAlchemy ORM).

Each user belongs to one organisation (an aggregate id from the event store) and has one
role (``web/accounts.ROLES``). Passwords are hashed with scrypt (werkzeug), never stored
in clear. Implements the ``web.accounts.Accounts`` protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    DateTime,
    Engine,
    Integer,
    String,
    and_,
    bindparam,
    func,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from relogement.projections.notices.tables import read_versions
from relogement.web.accounts import (
    MIN_PASSWORD_LENGTH,
    ROLES,
    AccountError,
    User,
)

# A hash computed once, checked when the login is unknown, so that a wrong
# login takes as long as a wrong password (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("relogement-dummy-password", method="scrypt")


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "web_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    role: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Bumped by logout, a password change and disabling: every session cookie signed
    # before carries the old number and is refused (``User.get_id``, ``Accounts.get``).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


def _to_user(row: UserRow) -> User:
    return User(
        row.id, row.login, row.display_name, UUID(row.org_id), row.role, row.active,
        row.session_version or 0,
    )


class Accounts:
    """The accounts store: create, authenticate, list."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queries: dict[tuple, tuple] = {}

    def create_tables(self) -> None:
        Base.metadata.create_all(self.engine)
        # Databases created before session_version existed: add the column (once; a
        # concurrent worker may have added it meanwhile).
        columns = {c["name"] for c in inspect(self.engine).get_columns("web_users")}
        if "session_version" not in columns:
            try:
                with self.engine.begin() as conn:
                    conn.execute(text(
                        "ALTER TABLE web_users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0"
                    ))
            except Exception:  # noqa: BLE001 - added by another process: check again
                columns = {c["name"] for c in inspect(self.engine).get_columns("web_users")}
                if "session_version" not in columns:
                    raise

    def get(self, user_id: int, via: object | None = None, read_marks: bool = False) -> User | None:
        """The user (read on every request: ``via`` the request's open connection if it
        is one; an engine or None: a connection of our own). ``read_marks``: with the
        version of the user's read marks in their organisation, in the same statement (one
        round trip a page instead of two: the header's unread badge is kept by it)."""
        return self.get_with(user_id, via, read_marks=read_marks)[0]

    def get_with(self, user_id: int, via: object | None = None, columns: Sequence[Any] = (),
                 read_marks: bool = True) -> tuple[User | None, tuple]:
        """:meth:`get`, with ``columns`` (scalar subqueries: the page's read positions) read
        in the same statement: (the user or None, their values)."""
        query, width = self._user_query(tuple(columns), read_marks)
        if isinstance(via, Connection):
            row = via.execute(query, {"user_id": user_id}).one()
        else:
            with self.engine.connect() as conn:
                row = conn.execute(query, {"user_id": user_id}).one()
        extra = tuple(row[width:])
        if row.id is None:
            return None, extra
        return User(
            row.id, row.login, row.display_name, UUID(row.org_id), row.role, row.active,
            row.session_version or 0, read_version=int(row.version or 0) if read_marks else None,
        ), extra

    def _user_query(self, columns: tuple, read_marks: bool) -> tuple[Any, int]:
        """The statement of :meth:`get_with`, built once per set of columns: read on every
        page view, building it and its cache key again cost more than running it."""
        key = (tuple(id(c) for c in columns), read_marks)
        found = self._queries.get(key)
        if found is None:
            t = UserRow.__table__
            user = [t.c.id, t.c.login, t.c.display_name, t.c.org_id, t.c.role, t.c.active, t.c.session_version]
            # One row whether or not the user exists: the other columns are read either way.
            source: Any = select(literal(1).label("one")).subquery().outerjoin(t, t.c.id == bindparam("user_id"))
            if read_marks:
                rv = read_versions
                # Organisation ids: with hyphens here (str(UUID)), as hex in the notices' tables.
                source = source.outerjoin(rv, and_(rv.c.org_id == func.replace(t.c.org_id, "-", ""),
                                                   rv.c.login == t.c.login))
                user.append(rv.c.version)
            # The columns are kept with it: their ids name it.
            found = self._queries.setdefault(key, (select(*user, *columns).select_from(source), len(user), columns))
        return found[0], found[1]

    def by_login(self, login: str) -> User | None:
        with Session(self.engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.login == login.strip().lower()))
            return _to_user(row) if row else None

    def all(self) -> list[User]:
        with Session(self.engine) as session:
            rows = session.scalars(select(UserRow).order_by(UserRow.login)).all()
            return [_to_user(r) for r in rows]

    def create(
        self, login: str, password: str, org_id: UUID, role: str, display_name: str = ""
    ) -> User:
        login = login.strip().lower()
        if not login or len(login) > 80 or not all(c.isalnum() or c in "._-@" for c in login):
            raise AccountError("Identifiant invalide (lettres, chiffres, « . _ - @ »).")
        if role not in ROLES:
            raise AccountError(f"Rôle inconnu « {role} » (attendu : {', '.join(ROLES)}).")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(
                f"Mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères au minimum)."
            )
        if self.by_login(login):
            raise AccountError(f"L'identifiant « {login} » existe déjà.")
        with Session(self.engine) as session:
            row = UserRow(
                login=login,
                display_name=display_name.strip() or login,
                password_hash=generate_password_hash(password, method="scrypt"),
                org_id=str(org_id),
                role=role,
                active=True,
                created_at=datetime.now(tz=UTC),
            )
            session.add(row)
            session.commit()
            return _to_user(row)

    def set_password(self, login: str, password: str) -> None:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AccountError(
                f"Mot de passe trop court ({MIN_PASSWORD_LENGTH} caractères au minimum)."
            )
        with Session(self.engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.login == login.strip().lower()))
            if row is None:
                raise AccountError(f"Identifiant inconnu « {login} ».")
            row.password_hash = generate_password_hash(password, method="scrypt")
            row.session_version = (row.session_version or 0) + 1  # every session ends
            session.commit()

    def set_active(self, user_id: int, active: bool) -> User:
        """Enable or disable an account; disabling ends every session of the user."""
        with Session(self.engine) as session:
            row = session.get(UserRow, user_id)
            if row is None:
                raise AccountError("Compte inconnu.")
            if row.active != active:
                row.active = active
                row.session_version = (row.session_version or 0) + 1
            session.commit()
            return _to_user(row)

    def end_sessions(self, user_id: int) -> None:
        """Logout: every session cookie of the user, in any browser, stops working."""
        t = UserRow.__table__
        with self.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.id == user_id)
                .values(session_version=t.c.session_version + 1)
            )

    def authenticate(self, login: str, password: str) -> User | None:
        with Session(self.engine) as session:
            row = session.scalar(select(UserRow).where(UserRow.login == login.strip().lower()))
            if row is None:
                check_password_hash(_DUMMY_HASH, password)
                return None
            if not check_password_hash(row.password_hash, password) or not row.active:
                return None
            return _to_user(row)
