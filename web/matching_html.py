"""A ranked row's head and explanation as HTML, written in Python (issue 18 point 6).

The macros ``row_head`` and ``row_body`` of ``templates/matching/_match.html`` render the
same text; a first view of a ranking page renders ten of each (≈ 20 and 140 µs of Jinja,
a sixth of the page's CPU), so the pages call :func:`row_head` and :func:`row_body`
instead (kept with the ranked page, see ``matching_reader.kept``). Every value goes through the filters the macro uses and is
escaped as autoescape does; tests/web/test_matching_html.py checks that both give the
same HTML on random rows, and the pages' HTML was compared with 549d323's.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from relogement.web.filters import euros, euros_per_day, percent, signed


def row_head(item: Any, title: str) -> Markup:
    """The macro ``row_head(item, title)``'s HTML: the row's head and its costs."""
    x = item.match
    o = x.offer
    rank = escape(item.rank)
    return Markup("".join([
        '\n<article class="bloc rang', " rang-limite" if x.limits else "", '" id="rang-', rank,
        '">\n  <div class="entete">\n    <h3><span class="muted">n° ', rank, "</span> ", escape(title),
        '</h3>\n    <span class="score" title="points obtenus sur le total des poids du projet"><strong>',
        escape(x.score), "</strong> / ", escape(x.max_score), " points</span>\n  </div>\n  <p>Loyer ",
        escape(euros(o.rent_cents)), " + annexes ", escape(euros(o.annex_rent_cents)), " + charges ",
        escape(euros(o.charges_cents)), " − aide ", escape(euros(x.aid.cents)), ' <span class="muted petit">(',
        escape(x.aid.source), ")</span>",
    ]))


def row_body(item: Any, labels: Any = None) -> Markup:
    """The macro ``row_body(item, labels)``'s HTML (``labels`` is not read by either)."""
    x = item.match
    i = x.indicators
    after, before, evolution = i["after"], i["before"], i["evolution"]
    out = [
        " = reste à charge <strong>", escape(euros(after["reste_a_charge_cents"])),
        "</strong>.\n  Taux d'effort ", escape(percent(before["taux_effort"])),
        " → <strong>", escape(percent(after["taux_effort"])),
        "</strong> (", escape(signed(evolution["taux_effort_points"])),
        " points) ;\n  reste-à-vivre ", escape(euros_per_day(after["rav_person_day"])),
        " par personne, ", escape(euros_per_day(after["rav_uc_day"])), " par UC.</p>\n  ",
    ]
    if x.limits:
        out.append('\n  <ul class="limites">\n    ')
        for line in x.limits:
            out += ['<li><span class="badge badge-rouge">', escape(line.label), "</span> ", escape(line.text),
                    "</li>"]
        out.append("\n  </ul>\n  ")
    out.append(
        '\n  <details class="groupe"><summary>Pourquoi ce rang ?</summary>\n'
        '    <div class="table-scroll" tabindex="0" role="region" aria-label="Pourquoi ce rang"><table>\n'
        '      <thead><tr><th>Critère</th><th>Explication</th><th class="num">Points / poids</th></tr></thead>\n'
        "      <tbody>\n      "
    )
    for line in x.lines:
        # points and weights are integers (None prints as such): nothing in them to escape
        out += ["<tr><td>", escape(line.label), "</td><td>", escape(line.text), '</td><td class="num">',
                _plain(line.points), " / ", _plain(line.weight), "</td></tr>"]
    out += ['\n      <tr><th colspan="2">Total</th><th class="num">', _plain(x.score), " / ", _plain(x.max_score),
            "</th></tr>\n      </tbody>\n    </table></div>\n  </details>"]
    return Markup("".join(out))


def _plain(value: int | None) -> str:
    """An integer (or None) as autoescape prints it: digits and a sign need no escaping."""
    return str(value) if value is None or type(value) is int else escape(value)
