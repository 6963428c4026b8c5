"""A ranked row's head and explanation written in Python (web/matching_html.row_head and
row_body, used by the pages) are the HTML the template's macros ``row_head`` and
``row_body`` give, character for character, on random rows: hard limits or none, every criterion, negative and zero figures, « — » for a
figure that cannot be computed, texts with characters to escape."""

from __future__ import annotations

import random
from dataclasses import replace

from relogement.platform import matching as m
from relogement.platform.aid_estimate import AidEstimate
from relogement.web import matching_html
from relogement.web.matching_reader import Ranked
from tests.test_matching_explain import _pairs


def test_row_body_is_the_macros_html(web_app):
    with web_app.app_context():
        module = web_app.jinja_env.get_template("matching/_match.html").module
        macro, head = module.row_body, module.row_head
        labels = m.criteria_labels()
        rng = random.Random(5)
        rows = with_limits = 0
        for s, h, o, aid in _pairs(21, 800):
            match = m.explain(m.Prepared(h, s), o, AidEstimate(aid, "aide"), s)
            if rng.random() < .1:  # characters autoescape changes, in a label and a text
                match = replace(match, lines=(*match.lines, m.Line("x", "<b>&\"'", "a < b & c > \"d\" 'e'", 3, 7)),
                                limits=(*match.limits, m.Line("y", "L<i>", "t & <u>", None, None)))
            item = Ranked(rng.randint(1, 500), match)
            assert matching_html.row_body(item, labels) == macro(item, labels)
            title = rng.choice([f"{o.reference} — {o.typology}, {o.commune} — <Org> & \"Cie\"", f"{h.reference} — 2"])
            assert matching_html.row_head(item, title) == head(item, title)
            rows += 1
            with_limits += bool(match.limits)
        assert rows == 800 and 100 < with_limits < 700
