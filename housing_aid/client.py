"""What the app uses to simulate housing aid: one HTTP call per batch, with a timeout.

The web workers never load OpenFisca: they send the OpenFisca Web API's ``/calculate`` JSON
to the simulation service (``RELOGEMENT_SIMULATION_URL``, default http://127.0.0.1:5001)
and read the model's version from its ``Country-Package-Version`` header.

When the service is down, slow or answers nonsense, the answer is "indisponible" and the
caller goes on without the figure; after a failure the service is not asked again for
``RETRY_AFTER_SECONDS``, so no page waits for the timeout twice in a row.

Figures are cached by their inputs (the household's composition and resources, the
dwelling's rent, charges, typology and commune, the month): a change of any of them is a
new key, so the cache never serves a figure whose inputs changed. The keys are tuples
(:func:`dwelling_key`), so a ranking of two thousand offers looks them up in about a
millisecond, and builds a situation only for the figures it sends.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections import ChainMap, OrderedDict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from relogement.housing_aid import situation as sit
from relogement.housing_aid.communes import insee_code
from relogement.platform.simulated_aid import SimulatedAid

log = logging.getLogger("relogement.housing_aid.client")

DEFAULT_URL = "http://127.0.0.1:5001"
DEFAULT_TIMEOUT_SECONDS = 5.0
RETRY_AFTER_SECONDS = 30.0
CACHE_SIZE = 50_000
MODEL = "OpenFisca-France"
UNAVAILABLE = "Simulation indisponible"
UNKNOWN_COMMUNE = "commune inconnue de la table des codes INSEE"


class SameReason(Mapping[str, str]):
    """Each of ``keys`` has ``reason``: a view of the keys, not a copy. A ranking asks for a
    pool of two thousand offers and reads the reasons of the ten it shows: with the service
    down, copying the pool's keys into a dict at every request cost more than the page's rows."""

    def __init__(self, keys: Collection[str], reason: str) -> None:
        self._keys, self._reason = keys, reason

    def __getitem__(self, key: str) -> str:
        if key in self._keys:
            return self._reason
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


@dataclass
class Estimates:
    """Simulated aid per dwelling key; ``reasons`` says why a key has none."""

    aids: dict[str, SimulatedAid] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)
    available: bool = True

    def get(self, key: str) -> SimulatedAid | None:
        return self.aids.get(key)


class AidSimulator:
    def __init__(self, url: str = DEFAULT_URL, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._down_until = 0.0
        self._cache: OrderedDict[tuple, dict[tuple, SimulatedAid]] = OrderedDict()
        self._size = 0  # figures cached, all households together
        self._lock = threading.Lock()

    # -- the call -----------------------------------------------------------
    def _post(self, situation: dict) -> tuple[dict, str]:
        request = urllib.request.Request(
            f"{self.url}/calculate", data=json.dumps(situation).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            model_version = response.headers.get("Country-Package-Version", "")
            return json.loads(response.read()), model_version

    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def simulate(
        self, ages: Iterable[int], resources_cents: int, dwellings: dict[str, dict], month: date
    ) -> Estimates:
        """One batched call for every dwelling (key → dwelling dict) not already cached."""
        return self.simulate_keyed(ages, resources_cents, [(k, dwelling_key(d)) for k, d in dwellings.items()],
                                   month)

    def simulate_keyed(
        self, ages: Iterable[int], resources_cents: int, dwellings: Iterable[tuple[str, tuple]], month: date
    ) -> Estimates:
        """As :meth:`simulate`, the dwellings given as (key, :func:`dwelling_key`): a ranking
        builds its offers' keys once per pool, and each request only looks them up."""
        month = month.replace(day=1)
        ages = tuple(ages)
        result = Estimates()
        household = (self.url, month, ages, resources_cents)
        with self._lock:
            figures = self._cache.get(household)
            if figures is not None:
                self._cache.move_to_end(household)
                figures = dict(figures)  # a copy: the lookups below need no lock
        if figures:
            aids = result.aids
            todo = []
            for key, dwelling in dwellings:
                cached = figures.get(dwelling)
                if cached is not None:
                    aids[key] = cached
                else:
                    todo.append((key, dwelling))
        else:
            todo = dwellings if isinstance(dwellings, list) else list(dwellings)
        # The caller's whole list (a pool's, built once per read position) is split once.
        unknown, todo, todo_keys = _split(todo, remember=todo is dwellings)
        if unknown:
            result.reasons = SameReason(unknown, UNKNOWN_COMMUNE)
        if not todo:
            return result
        if not self.available():
            # Failed recently: the figures not cached are "indisponible", nothing is built.
            return self._unavailable(result, todo_keys)
        batch = sit.empty()
        names = {key: f"c{i}" for i, (key, _) in enumerate(todo)}
        cases = {key: sit.inputs_of(list(ages), resources_cents, _dwelling(dwelling)) for key, dwelling in todo}
        for key, inputs in cases.items():
            sit.add_case(batch, names[key], inputs, month)
        try:
            answer, model_version = self._post(batch)
            new = {}
            for key, dwelling in todo:
                cents, zone = sit.read_case(answer, names[key], month)
                new[dwelling] = result.aids[key] = SimulatedAid(
                    amount_cents=cents, model=MODEL, model_version=model_version or "inconnue",
                    legislation_date=month, zone=zone, inputs=cases[key],
                )
        except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError) as error:
            # Down, slow (timeout), or an answer that is not the contract's: no figure.
            log.warning("simulation service unavailable: %s", type(error).__name__)
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return self._unavailable(result, todo_keys)
        self._remember(household, new)
        return result

    def _remember(self, household: tuple, new: dict[tuple, SimulatedAid]) -> None:
        # By household (URL, month, ages, resources), then by dwelling; the households read
        # least recently are forgotten first, beyond CACHE_SIZE figures in all.
        with self._lock:
            figures = self._cache.setdefault(household, {})
            self._size += len(new) - len(figures.keys() & new.keys())
            figures.update(new)
            self._cache.move_to_end(household)
            while self._size > CACHE_SIZE and len(self._cache) > 1:
                self._size -= len(self._cache.popitem(last=False)[1])

    @staticmethod
    def _unavailable(result: Estimates, todo: Iterable[str]) -> Estimates:
        result.available = False
        keys = todo if isinstance(todo, frozenset) else frozenset(todo)
        result.reasons = ChainMap(SameReason(keys, UNAVAILABLE), result.reasons) if result.reasons else (
            SameReason(keys, UNAVAILABLE))
        return result


def _split(todo: list[tuple[str, tuple]], remember: bool
           ) -> tuple[frozenset[str], list[tuple[str, tuple]], frozenset[str]]:
    """(keys with no INSEE code: not simulated, the others, their keys). With ``remember``,
    kept by the list's identity: a ranking's pool (``ranking_aid.dwelling_keys``: one list
    per read position, never changed) is split once, not at every request."""
    found = _SPLIT.get(id(todo)) if remember else None
    if found is not None and found[0] is todo:
        return found[1]
    unknown = frozenset(key for key, dwelling in todo if dwelling[4] is None)
    known = [(key, dwelling) for key, dwelling in todo if dwelling[4] is not None] if unknown else todo
    split = (unknown, known, frozenset(key for key, _ in known))
    if not remember:
        return split
    if len(_SPLIT) >= _SPLIT_MAX:
        _SPLIT.clear()
    _SPLIT[id(todo)] = (todo, split)  # the list kept alive: its id is not reused meanwhile
    return split


_SPLIT: dict[int, tuple[list, tuple]] = {}
_SPLIT_MAX = 32


def dwelling_key(dwelling: dict) -> tuple:
    """What the simulation reads of a dwelling, as a key: (rent, charges, typology, commune,
    INSEE code or None). With the household's ages and resources, the month and the
    service's URL, it keys the cached figure: any change of these figures is a new key."""
    commune = dwelling.get("commune", "")
    return (dwelling["rent_cents"], dwelling["charges_cents"], dwelling.get("typology", ""), commune,
            insee_code(commune))


def _dwelling(key: tuple) -> dict:
    return {"rent_cents": key[0], "charges_cents": key[1], "typology": key[2], "commune": key[3]}


def aid_estimates(
    simulator: AidSimulator | None, situation: dict, offers: Iterable[tuple[str, dict]], month: date
) -> Estimates:
    """The aid-estimate provider for rankings: one batch for one household and many offers.

    ``situation``: the household's situation as recorded (``Situation.to_dict()``: ages,
    resources_cents); ``offers``: (key, offer's dwelling dict). Cached by inputs.
    """
    dwellings = dict(offers)
    if simulator is None:
        return AidSimulator._unavailable(Estimates(), dwellings)
    return simulator.simulate(situation["ages"], situation["resources_cents"], dwellings, month)


def keyed_estimates(
    simulator: AidSimulator | None, situation: dict, offers: Sequence[tuple[str, tuple]], month: date
) -> Estimates:
    """As :func:`aid_estimates`, each offer given as (key, :func:`dwelling_key`)."""
    if simulator is None:
        return AidSimulator._unavailable(Estimates(), (key for key, _ in offers))
    return simulator.simulate_keyed(situation["ages"], situation["resources_cents"], offers, month)


def service_ready(url: str, timeout: float = 2.0) -> str | None:
    """None if the service at ``url`` answers ``/health``; else why not (for tests and status)."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/health", timeout=timeout) as response:
            return None if response.status == 200 else f"HTTP {response.status}"
    except (OSError, urllib.error.URLError) as error:
        return f"simulation service not reachable at {url} ({type(error).__name__})"


def url_from_env(env: dict | None = None) -> str:
    import os

    return (env if env is not None else os.environ).get("RELOGEMENT_SIMULATION_URL", DEFAULT_URL)
