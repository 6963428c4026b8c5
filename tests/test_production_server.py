"""The production web command (docker-compose.yml's ``web`` service) run for real.

gunicorn is started on a loopback port of its own with exactly the compose command
(only the address changes) and probed over sockets:
- slow clients (connections whose headers never end) must not stop other users;
- the failed-login limit holds across workers (its counters are in the database).
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from relogement.web import worker_balance

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(8201, 8220)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def production_argv() -> list[str]:
    """The web service's command from docker-compose.yml, without its bind address."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["web"]["command"]
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("-b", "--bind"):
            skip = True
            continue
        if arg.startswith("--bind="):
            continue
        out.append(arg)
    return out


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


def _prepare(database_url: str, data_dir: Path) -> None:
    # Tables created once here: the workers would otherwise race on them.
    from relogement.runtime import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k",
                      "RELOGEMENT_DATA_DIR": str(data_dir), "TESTING": True})
    app.extensions["relogement"].close()


@contextmanager
def production_server(
    database_url: str, data_dir: Path, extra: tuple[str, ...] = ()
) -> Iterator[tuple[int, Path]]:
    """gunicorn with the compose command on 127.0.0.1: (port, access log)."""
    _prepare(database_url, data_dir)
    port = _free_port()
    access_log = data_dir / "access.log"
    argv = production_argv()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    argv = [gunicorn, *argv[1:-1], "-b", f"127.0.0.1:{port}", "--access-logfile", str(access_log),
            "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", *extra, argv[-1]]
    env = dict(os.environ, DATABASE_URL=database_url, RELOGEMENT_DATA_DIR=str(data_dir),
               SECRET_KEY="production-test", RELOGEMENT_SECURE_COOKIES="0",
               RELOGEMENT_POLL_SECONDS="0")
    log = open(data_dir / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = _get(port, "/connexion", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + (data_dir / "gunicorn.log").read_text()[-3000:])
            time.sleep(0.2)
        yield port, access_log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _get(port: int, path: str, timeout: float = 5, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def _post_login(port: int, cookie: str, token: str, login: str) -> tuple[int, str]:
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = urlencode({"identifiant": login, "mot_de_passe": "mauvais-mot-de-passe",
                          "csrf_token": token})
        conn.request("POST", "/connexion", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.mark.slow
def test_idle_half_open_connections_do_not_block_other_users(tmp_path):
    # The probe: sockets that start a request and never finish its headers.
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    with production_server(url, tmp_path) as (port, _):
        idle = []
        try:
            for _ in range(10):
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"GET /connexion HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lent: ")
                idle.append(s)
            time.sleep(1.0)  # the workers have taken them
            for _ in range(3):
                start = time.monotonic()
                status, _, body = _get(port, "/connexion", timeout=30)
                elapsed = time.monotonic() - start
                assert status == 200 and "Connexion" in body
                assert elapsed < 1.0, f"a normal request took {elapsed:.1f} s"
        finally:
            for s in idle:
                s.close()


@pytest.mark.slow
def test_failed_login_limit_is_shared_by_two_workers(database_url, tmp_path):
    with production_server(database_url, tmp_path, ("--workers", "2")) as (port, access_log):
        status, headers, body = _get(port, "/connexion")
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        token = TOKEN.search(body).group(1)
        results = [_post_login(port, cookie, token, f"inconnu{i}") for i in range(20)]
        statuses = [s for s, _ in results]
        # Both workers served the attempts (the access log names each worker's pid)...
        time.sleep(0.5)
        pids = {line.split()[0] for line in access_log.read_text().splitlines()
                if " POST /connexion " in line}
        assert len(pids) == 2, f"one worker only: {pids}"
        # ...and together they let 10 failures through, not 10 each.
        assert statuses == [401] * 10 + [429] * 10, statuses
        assert "Trop de tentatives de connexion échouées depuis cette adresse" in results[10][1]


def _connections_per_process(port: int) -> list[int]:
    import shutil

    if shutil.which("ss") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true and `ss` (iproute2) is not installed")
        pytest.skip("`ss` (iproute2) is not installed")
    found = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                           capture_output=True, text=True, check=True).stdout
    counts: dict[str, int] = {}
    for pid in re.findall(r"pid=(\d+)", found):
        counts[pid] = counts.get(pid, 0) + 1
    return sorted(counts.values())


@pytest.mark.slow
def test_kept_alive_connections_end_up_spread_over_the_workers(tmp_path):
    # Each worker listens on its own socket and the kernel picks one per connection; a
    # worker holding more than one connection above the other asks clients to reconnect.
    url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    with production_server(url, tmp_path) as (port, _):
        clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(30)]
        try:
            closed = 0
            for round_ in range(16):
                for client in clients:
                    client.request("GET", "/sante")
                    response = client.getresponse()
                    response.read()
                    closed += response.getheader("Connection", "").lower() == "close"
                    # http.client opens a new connection for the next request after a close.
                if round_ == 0:
                    first = _connections_per_process(port)
                # A worker hands a connection over at most once per HAND_OVER_GAP, and the
                # kernel may give the new connection back to it: on a fast machine 8 rounds
                # of 30 requests took less time than the hand-overs needed (1 failure in 9).
                time.sleep(worker_balance.HAND_OVER_GAP)
            last = _connections_per_process(port)
            assert sum(last) >= 25 and len(last) == 2, last
            assert last[-1] - last[0] <= 2, (first, last)
            if first[-1] - first[0] > 2:
                assert closed > 0
        finally:
            for client in clients:
                client.close()
