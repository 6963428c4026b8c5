"""The report's chart is kept by what it shows (web/reports.py, issue 19).

The running semester's report is at a new position after every event; its chart, drawn by
matplotlib (≈ 100 ms), only shows the relocations per destination, which most events leave
as they were. So the image is kept by those numbers, not by the report's key.
"""

from __future__ import annotations

from relogement.projections import report_output as ro
from relogement.web import reports as module


def _report(semester: int, cumulated: int) -> dict:
    def destinations(first: int) -> dict:
        return {"destinations": {key: {"nombre": first if i == 0 else i} for i, key in enumerate(ro.DESTINATIONS)}}

    return {"semestre_relogements": destinations(semester), "cumul_relogements": destinations(cumulated)}


def test_the_chart_is_drawn_again_only_when_what_it_shows_changes(monkeypatch):
    drawn = []
    monkeypatch.setattr(module.ro, "chart_data_uri", lambda report: drawn.append(report) or f"image {len(drawn)}")
    reports = module.Reports(None)
    try:
        figures = {"k1": _report(2, 10), "k2": _report(2, 10), "k3": _report(3, 11)}
        reports.report = lambda key: figures[key[0]]
        first = reports.chart(("k1",))
        assert reports.chart(("k2",)) == first  # another position, the same destinations
        assert len(drawn) == 1
        assert reports.chart(("k3",)) != first  # one more relocation: drawn again
        assert len(drawn) == 2
        assert ro.chart_series(figures["k3"])[0][0] == 3 and ro.chart_series(figures["k3"])[1][0] == 11
    finally:
        reports.close()
