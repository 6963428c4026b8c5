"""The pages' read models: one memo and one connection per request, closed at teardown."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_app_context, has_request_context, request

from relogement.web.reader import ReadModels


def register_reads(app: Flask, read_engine: Any, events_table: Any) -> ReadModels:
    sqlite = read_engine.dialect.name == "sqlite"

    def _memo() -> dict | None:
        if not has_app_context():
            return None
        if "readmodels_memo" not in g:
            g.readmodels_memo = {}
        return g.readmodels_memo

    def _request_connection() -> Any:
        # One connection per page view (GET), closed at teardown. Commands (POST) read
        # through the engine: what they render after saving must see their own events.
        if not has_request_context() or request.method not in ("GET", "HEAD"):
            return None
        if "read_connection" not in g:
            g.read_connection = read_engine.connect()
            if not sqlite:
                # Autocommit: no BEGIN before the first read nor ROLLBACK at the end (two
                # round trips on PostgreSQL); each statement still reads committed data.
                # SQLite's driver opens no transaction for a read anyway, and there the
                # setting cost a statement at each return to the pool (PRAGMA
                # read_uncommitted: 3 % of a light page under load).
                g.read_connection = g.read_connection.execution_options(isolation_level="AUTOCOMMIT")
        return g.read_connection

    @app.teardown_appcontext
    def _close_read_connection(exc: BaseException | None) -> None:
        conn = g.pop("read_connection", None)
        if conn is not None:
            conn.close()

    readmodels = ReadModels(read_engine, _memo, _request_connection, events_table)
    app.extensions["relogement.readmodels"] = readmodels
    return readmodels
