"""The pages' shared cache: a missing result is computed once, however many ask at once."""

import threading

import pytest

from relogement.web.cache import Cache


def _ask_together(cache: Cache, compute, readers: int = 4) -> list:
    results: list = []
    errors: list = []

    def read() -> None:
        try:
            results.append(cache.get(("dashboard", 1), compute))
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    return threads, results, errors


def test_concurrent_readers_of_a_missing_result_share_one_computation():
    cache, calls, release = Cache(8), [], threading.Event()

    def compute():
        calls.append(1)
        release.wait(5)
        return {"figures": 42}

    threads, results, errors = _ask_together(cache, compute)
    while not calls:
        pass
    release.set()
    for t in threads:
        t.join(5)
    assert (len(calls), errors) == (1, [])
    assert results == [{"figures": 42}] * 4 and all(r is results[0] for r in results)
    assert cache.get(("dashboard", 1), lambda: pytest.fail("computed again")) == {"figures": 42}


def test_a_failed_computation_is_not_cached_and_waiting_readers_try_again():
    cache, calls, release = Cache(8), [], threading.Event()

    def compute():
        calls.append(1)
        if len(calls) == 1:
            release.wait(5)
            raise RuntimeError("database gone")
        return "ok"

    threads, results, errors = _ask_together(cache, compute, readers=3)
    while not calls:
        pass
    release.set()
    for t in threads:
        t.join(5)
    assert [str(e) for e in errors] == ["database gone"]
    assert results == ["ok", "ok"]
    assert cache.get(("dashboard", 1), lambda: "recomputed") == "ok"
