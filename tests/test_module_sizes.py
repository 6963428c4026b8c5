"""A module has one job and fits in a head: none of the packages' modules is over 500
lines (tests and bench excluded). A module that grows past it is split by job."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("events", "platform", "projections", "web", "runtime", "simulation")
LIMIT = 500


def test_no_module_over_500_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }
    assert len(sizes) > 50  # the packages were found
    too_long = {name: lines for name, lines in sizes.items() if lines > LIMIT}
    assert not too_long, f"modules de plus de {LIMIT} lignes : {too_long}"
