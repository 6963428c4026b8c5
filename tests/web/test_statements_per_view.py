"""What a page view reads, statement by statement (both databases).

- One household's or offer's rows and view are kept per position in a cache of their own:
  a ranking page read again reads none of them again, even after more list pages than the
  lists' cache holds (before, 1,085 households' three entries each shared 1,024 places with
  the lists, and under load every « Logements adaptés » read its household again).
- A page's connection goes back to the pool without a statement (on SQLite the
  autocommit setting cost a ``PRAGMA read_uncommitted`` at each return).
"""

from __future__ import annotations

import re

from sqlalchemy import event


class Statements:
    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.seen = engine, []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args) -> None:  # noqa: ANN001, ANN002
        self.seen.append(statement)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.seen if table in s]

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


def test_a_household_read_again_after_many_list_pages_reads_no_household_row(world, client_for):
    app = world.app
    readmodels = app.extensions["relogement.readmodels"]
    household = world.ids["household"]
    officer = client_for("vcl.charge")
    page = f"/menages/{household}/logements-adaptes"
    assert officer.get(page).status_code == 200
    readmodels._fixed_rows.size = 2  # the lists' cache, small: list pages fill it over and over
    watch = Statements(readmodels.db)
    try:
        for number in range(1, 6):
            assert officer.get(f"/menages?page={number}&reference={number}").status_code == 200
        watch.seen.clear()
        assert officer.get(page).status_code == 200
        assert watch.reading("rm_household_situation") == []
        assert [s for s in watch.reading("rm_households") if "household_id" in s] == []
    finally:
        watch.close()


def test_a_page_connection_returns_to_the_pool_without_a_statement(world, client_for, database_url):
    """SQLite: every statement the driver runs is traced, the pool's own included (none at
    return). PostgreSQL: the page's connection reads in autocommit (no BEGIN, no ROLLBACK
    round trip)."""
    engine = world.app.extensions["relogement.readmodels"].db
    traced: list[str] = []
    autocommit: list[bool] = []

    def on_checkout(dbapi_connection, *_args) -> None:  # noqa: ANN001, ANN002
        if database_url.startswith("sqlite"):
            dbapi_connection.set_trace_callback(traced.append)

    def on_execute(conn, *_args) -> None:  # noqa: ANN001, ANN002
        if not database_url.startswith("sqlite"):
            autocommit.append(conn.connection.dbapi_connection.autocommit)

    event.listen(engine, "checkout", on_checkout)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        assert client_for("vcl.charge").get("/a-traiter").status_code == 200
    finally:
        event.remove(engine, "checkout", on_checkout)
        event.remove(engine, "before_cursor_execute", on_execute)
    if database_url.startswith("sqlite"):
        assert traced, "the page read through the engine watched"
        assert [t for t in traced if "read_uncommitted" in t.lower()] == []
    else:
        # The page's first read (its positions) is on its own connection; figures shared
        # with the warm-up read through a second one, in transactions of their own.
        assert autocommit and autocommit[0] is True


def test_the_read_marks_version_comes_with_the_user_and_the_badge_follows_a_marking(world, client_for):
    """One statement reads the user and their read marks' version (the header's unread
    badge is kept by it); marking every notice read shows on the next page's badge."""
    app = world.app
    officer = client_for("vcl.charge")
    assert officer.get("/a-traiter").status_code == 200
    watch = Statements(app.extensions["relogement.readmodels"].db)
    try:
        page = officer.get("/a-traiter").get_data(as_text=True)
        versions = watch.reading("notification_read_versions")
        assert len(versions) == 1 and "web_users" in versions[0]
    finally:
        watch.close()
    assert 'aria-label="' in page and "non lue(s)" in page  # the world's officer has unread notices
    assert officer.post("/notifications/lues", data={"tout": "oui"}).status_code in (302, 303)
    assert "non lue(s)" not in officer.get("/a-traiter").get_data(as_text=True)


def test_the_user_and_the_read_positions_come_in_one_statement(world, client_for):
    """A signed-in page's first statement reads its user and its positions (the read models'
    last applied and the store's last recorded): one round trip for both, and no other
    statement reads either; the page shows the position that statement read, an event
    recorded just before included."""
    app = world.app
    readmodels = app.extensions["relogement.readmodels"]
    officer = client_for("vcl.charge")
    assert officer.get("/tableau-de-bord").status_code == 200
    before = readmodels.last_position()
    app.extensions["relogement"].set_offer_aside(
        world.ids["household"], world.ids["offer2"], "typologie", world.world.actor("VCL"))
    watch = Statements(readmodels.db)
    try:
        page = officer.get("/tableau-de-bord").get_data(as_text=True)
        users = watch.reading("web_users")
        assert len(users) == 1 and "event_journal" in users[0]
        assert [s for s in watch.seen if "max(event_journal.position)" in s.lower()] == users
    finally:
        watch.close()
    shown = re.search(r'id="etat-position">[^<]*événement n°&nbsp;([\d\u202f\u00a0 ]+)', page)
    assert shown is not None
    assert int(re.sub(r"\D", "", shown.group(1))) == readmodels.last_position() > before
