"""Commune name → INSEE code (``depcom``), from the reference table ``communes_insee.csv``."""

from __future__ import annotations

import csv
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("communes_insee.csv")


def _key(name: str) -> str:
    # "Marcq-en-Barœul", "marcq en baroeul" and "MARCQ-EN-BARŒUL" are one commune.
    text = name.strip().lower().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").replace("'", " ").split())


@cache
def _codes() -> dict[str, str]:
    with TABLE.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {_key(r["commune"]): r["code_insee"] for r in rows}


@lru_cache(maxsize=8192)
def insee_code(commune: str) -> str | None:
    """The commune's INSEE code; a five-digit code is taken as given; None if unknown.

    Memoised: a ranking asks it for every offer of the pool, a few dozen communes."""
    text = commune.strip()
    if len(text) == 5 and (text.isdigit() or text[:2] in ("2A", "2B")):
        return text
    return _codes().get(_key(text))
