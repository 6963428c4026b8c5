"""How a web worker shares its CPU: a few requests run the app at once
(web/active_requests.py), the garbage collector's full passes run on a timer
(web/worker_collector.py), each worker listens on its own socket (web/gunicorn_conf.py),
and the session cookie is signed again only when the session changes."""

from __future__ import annotations

import gc
import io
import socket
import struct
import threading
import time
from types import SimpleNamespace

import pytest

from relogement.web import gunicorn_conf
from relogement.web.active_requests import ActiveRequestLimit, active_requests
from relogement.web.worker_collector import NEVER, time_full_collections


def _environ(body: bytes = b"", length: str | None = None, stream=None) -> dict:  # noqa: ANN001
    return {"REQUEST_METHOD": "POST" if body or length else "GET",
            "CONTENT_LENGTH": str(len(body)) if length is None else length,
            "wsgi.input": stream if stream is not None else io.BytesIO(body)}


def test_at_most_the_limit_of_requests_run_the_app_at_once():
    running, most, lock = [0], [0], threading.Lock()

    def app(environ, start_response):  # noqa: ANN001
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return [b"ok"]

    limited = ActiveRequestLimit(app, 3, 1024)
    threads = [threading.Thread(target=lambda: limited(_environ(), None)) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 3  # 12 threads, never more than 3 inside, and all 3 used


class _SlowBody(io.RawIOBase):
    """A client sending its form slowly: each read waits until ``release`` is set."""

    def __init__(self, data: bytes) -> None:
        self.data, self.release = data, threading.Event()

    def read(self, size: int = -1) -> bytes:
        self.release.wait(5)
        out, self.data = self.data, b""
        return out


def test_a_slow_body_is_read_before_taking_a_turn():
    served = []

    def app(environ, start_response):  # noqa: ANN001
        served.append(environ["wsgi.input"].read())
        return [b"ok"]

    limited = ActiveRequestLimit(app, 1, 1024)
    slow = _SlowBody(b"a=1")
    waiting = threading.Thread(target=lambda: limited(_environ(length="3", stream=slow), None))
    waiting.start()
    time.sleep(0.05)
    # The only turn is free while the slow client is still sending: another request runs.
    finished = threading.Event()
    threading.Thread(target=lambda: (limited(_environ(b"b=2"), None), finished.set())).start()
    assert finished.wait(2)
    assert served == [b"b=2"]
    slow.release.set()
    waiting.join(2)
    assert served == [b"b=2", b"a=1"]  # the slow body reached the app whole


def test_bodies_over_the_limit_or_without_length_are_left_to_the_app():
    seen = []

    def app(environ, start_response):  # noqa: ANN001
        seen.append(environ["wsgi.input"])
        return [b"ok"]

    limited = ActiveRequestLimit(app, 2, 4)
    big, chunked, odd = io.BytesIO(b"x" * 10), io.BytesIO(b"abc"), io.BytesIO(b"abc")
    limited(_environ(length="10", stream=big), None)
    limited(_environ(length="", stream=chunked), None)
    limited(_environ(length="trois", stream=odd), None)
    assert seen == [big, chunked, odd]  # untouched: the app refuses or reads them itself


def test_a_short_body_reaches_the_app_short():
    def app(environ, start_response):  # noqa: ANN001
        return [environ["wsgi.input"].read()]

    assert ActiveRequestLimit(app, 1, 100)(_environ(length="10", stream=io.BytesIO(b"abc")), None) == [b"abc"]


def test_the_limit_setting(monkeypatch):
    monkeypatch.delenv("RELOGEMENT_ACTIVE_REQUESTS", raising=False)
    assert active_requests({}) == 4
    monkeypatch.setenv("RELOGEMENT_ACTIVE_REQUESTS", "2")
    assert active_requests({}) == 2
    assert active_requests({"RELOGEMENT_ACTIVE_REQUESTS": 0}) == 0


def test_the_app_runs_under_the_limit_and_forms_still_post(world, web_app, client_for):
    assert isinstance(web_app.wsgi_app, ActiveRequestLimit)
    client = client_for("vcl.charge")
    assert client.get("/offres").status_code == 200
    # A form's body goes through the middleware: logging out (a POST) works.
    response = client.post("/deconnexion")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_full_collections_run_on_the_timer_only():
    before = gc.get_threshold()
    timed = time_full_collections(every=1.0)
    try:
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        probe = _Cycle()
        gone = threading.Event()
        import weakref

        watch = weakref.ref(probe, lambda _: gone.set())
        gc.collect(1)  # alive through a young pass: now in the oldest generation
        del probe  # garbage that only a full pass can free
        for _ in range(50):
            _ = [[] for _ in range(10_000)]  # many young passes meanwhile
            gc.collect(1)
        assert watch() is not None
        assert gone.wait(5)  # the timer's full pass did
    finally:
        timed.stop()
    assert gc.get_threshold() == before


def test_timed_collections_can_be_turned_off(monkeypatch):
    monkeypatch.setenv("RELOGEMENT_FULL_COLLECTION_SECONDS", "0")
    before = gc.get_threshold()
    assert time_full_collections() is None
    assert gc.get_threshold() == before


def test_each_worker_listens_on_its_own_socket_with_client_timeouts():
    assert gunicorn_conf.reuse_port is True
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", 0))
        gunicorn_conf.post_fork(SimpleNamespace(), SimpleNamespace(sockets=[SimpleNamespace(sock=listener)]))
        read = struct.unpack("ll", listener.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16))
        sent = struct.unpack("ll", listener.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 16))
        assert read == (gunicorn_conf.CLIENT_READ_TIMEOUT, 0)
        assert sent == (gunicorn_conf.CLIENT_SEND_TIMEOUT, 0)
    finally:
        listener.close()


@pytest.mark.parametrize("path", ["/offres", "/menages"])
def test_the_session_cookie_is_not_signed_again_on_every_page(world, client_for, path):
    client = client_for("vcl.charge")
    client.get("/offres")  # the login's message, shown once, changes the session
    response = client.get(path)
    assert response.status_code == 200
    assert "relogement_session" not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_worker_ahead_of_the_least_loaded_hands_connections_over():
    from relogement.web.worker_balance import ConnectionShares

    first = ConnectionShares(slots=4)
    second = copy_of(first)  # the arbiter makes the shares once; each worker sees them
    first.claim(1001)
    second.claim(1002)
    assert first.should_hand_over(10)  # the other has published nothing yet (0)
    assert not second.should_hand_over(9)  # 9 is not above 10 + 1
    assert first.should_hand_over(11)  # 11 > 9 + 1
    assert not first.should_hand_over(10)  # 10 is within one of 9
    assert second.should_hand_over(12)  # now the second one is ahead


def test_hand_over_closes_the_connection_after_its_answer():
    from relogement.web.worker_balance import ConnectionShares, hand_over_if_ahead

    shares = ConnectionShares(slots=4)
    other = copy_of(shares)
    shares.claim(2001)
    other.claim(2002)
    other.should_hand_over(3)  # the other worker publishes 3 connections
    request = SimpleNamespace(must_close=False)
    hand_over_if_ahead(shares, SimpleNamespace(nr_conns=4), request)
    assert request.must_close is False  # 4 is within one of 3
    hand_over_if_ahead(shares, SimpleNamespace(nr_conns=5), request)
    assert request.must_close is True
    quiet = SimpleNamespace(must_close=False)
    hand_over_if_ahead(shares, SimpleNamespace(), quiet)  # not a gthread worker: nothing
    assert quiet.must_close is False


def test_a_worker_hands_over_one_connection_per_gap(monkeypatch):
    """The requests running while a handed-over connection closes still see the old count:
    they keep theirs until the gap has passed (else the spread overshoots and swings)."""
    from relogement.web import worker_balance as wb

    now = [100.0]
    monkeypatch.setattr(wb.time, "monotonic", lambda: now[0])
    shares = wb.ConnectionShares(slots=4)
    other = copy_of(shares)
    shares.claim(3001)
    other.claim(3002)
    other.should_hand_over(6)
    worker = SimpleNamespace(nr_conns=14)
    requests = [SimpleNamespace(must_close=False) for _ in range(4)]
    for request in requests:  # four requests at once, the count not yet down
        wb.hand_over_if_ahead(shares, worker, request)
    assert [r.must_close for r in requests] == [True, False, False, False]
    now[0] += wb.HAND_OVER_GAP / 2
    late = SimpleNamespace(must_close=False)
    worker.nr_conns = 12
    wb.hand_over_if_ahead(shares, worker, late)
    assert late.must_close is False
    # Within the gap the count is still published: the other worker compares with 12.
    assert other.should_hand_over(14) is True and other.should_hand_over(13) is False
    other.should_hand_over(6)
    now[0] += wb.HAND_OVER_GAP
    worker.nr_conns = 13
    after = SimpleNamespace(must_close=False)
    wb.hand_over_if_ahead(shares, worker, after)
    assert after.must_close is True


def test_an_exited_worker_frees_its_slot_and_stops_counting():
    from relogement.web.worker_balance import ConnectionShares

    shares = ConnectionShares(slots=2)
    other = copy_of(shares)
    shares.claim(3001)
    other.claim(3002)
    other.should_hand_over(0)
    assert shares.should_hand_over(5)
    shares.release(3002)  # the arbiter, when the worker exits
    assert not shares.should_hand_over(50)  # alone: nobody to hand over to
    late = copy_of(shares)
    late.claim(3003)  # its replacement takes the free slot
    assert not late.should_hand_over(0)
    assert shares.should_hand_over(5)


def copy_of(shares):  # noqa: ANN001, ANN201
    """The same shared memory as another process sees it after the fork, its own slot unset."""
    import copy

    seen = copy.copy(shares)
    seen._slot = None
    return seen
