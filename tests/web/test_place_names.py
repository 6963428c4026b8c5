"""A quartier's or operation's label: its name, the code in a tooltip, both escaped; worked
out once per page, code and project (a list asks it for every row)."""

from __future__ import annotations

from relogement.web import place_names
from relogement.web.place_names import operation_label, quartier_label


def test_labels_escaped_and_worked_out_once_per_page_code_and_project(web_app, monkeypatch):
    names = {"p1": {"Q<1>": 'Moulins & "Belfort"', "SANS": "SANS"}, "p2": {"Q<1>": "Autre quartier"}}
    asked: list[tuple[str, str]] = []

    def fake_names(kind: str, project_id: str) -> dict[str, str]:
        asked.append((kind, project_id))
        return names[project_id]

    monkeypatch.setattr(place_names, "_names", fake_names)
    with web_app.test_request_context("/menages"):
        first = quartier_label("Q<1>", "p1")
        assert first == '<span title="Q&lt;1&gt;">Moulins &amp; &#34;Belfort&#34;</span>'
        assert quartier_label("Q<1>", "p2") == '<span title="Q&lt;1&gt;">Autre quartier</span>'
        assert quartier_label("Q<1>", "p1") == first
        assert quartier_label("SANS", "p1") == "SANS"  # a name equal to its code: no tooltip
        assert quartier_label("", "p1") == "—"
        assert operation_label("Q<1>", "p1") == first  # same names here, asked apart
        assert asked == [("quartiers", "p1"), ("quartiers", "p2"), ("quartiers", "p1"), ("operations", "p1")]
    with web_app.test_request_context("/menages"):  # another page asks again (its own position)
        quartier_label("Q<1>", "p1")
    assert asked[-1] == ("quartiers", "p1") and len(asked) == 5
