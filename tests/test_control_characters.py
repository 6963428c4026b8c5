"""Control characters are refused at the entry: one rule (values.check_text) in every
value type, and a last guard before any event is recorded; nothing is stored."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner

from relogement.platform.errors import InvalidValue
from relogement.platform.values import Dwelling, PersonalData, Wishes, check_text
from relogement.runtime.cli import main
from relogement.simulation import sample

BAD = ["\x00", "\x01", "\x1b"]


@pytest.mark.parametrize("bad", BAD)
def test_value_types_refuse_control_characters_naming_the_field(bad):
    with pytest.raises(InvalidValue) as error:
        PersonalData(name=f"Famille{bad}Martin")
    assert error.value.field == "name" and "« nom du ménage »" in error.value.message
    assert f"U+{ord(bad):04X}" in error.value.message
    with pytest.raises(InvalidValue) as error:
        replace(sample.dwelling(), address=f"3 rue{bad} de Douai")
    assert error.value.field == "address" and "« adresse »" in error.value.message
    with pytest.raises(InvalidValue) as error:
        Wishes(communes=(f"Li{bad}lle",))
    assert "« communes souhaitées »" in error.value.message
    with pytest.raises(InvalidValue) as error:
        PersonalData(name="Famille Martin", notes=f"ligne{bad}")
    assert "« notes de suivi »" in error.value.message


def test_tab_and_line_breaks_only_in_multi_line_fields():
    personal = PersonalData(name="Famille Martin", notes="1.\tvisite\r\n2.\tappel\n", constraints="a\nb")
    assert personal.notes == "1.\tvisite\r\n2.\tappel\n"
    for text in ("Famille\tMartin", "Famille\nMartin"):
        with pytest.raises(InvalidValue, match="nom du ménage"):
            PersonalData(name=text)
    with pytest.raises(InvalidValue, match="« adresse »"):
        replace(sample.dwelling(), address="3 rue\nde Douai")
    assert check_text("notes", "a\tb\nc", multiline=True) == "a\tb\nc"


def test_a_stored_dwelling_written_before_the_rule_still_reads():
    stored = {**sample.dwelling().to_dict(), "address": "3 rue\x00 de Douai"}
    assert Dwelling.from_dict(stored).address == "3 rue de Douai"


def _count(app) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.mark.parametrize("bad", BAD)
def test_the_last_guard_refuses_any_event_text_and_stores_nothing(app, bad):
    world = sample.build_world(app)
    offer = app.publish_offer(world.project_id, sample.dwelling(), world.actor("LMH"))
    before = _count(app)
    # A command whose text reaches an event without a value type of its own.
    with pytest.raises(InvalidValue) as error:
        app.withdraw_offer(offer, f"Travaux{bad}", world.actor("LMH"))
    assert "« motif »" in error.value.message
    with pytest.raises(InvalidValue):
        app.register_organisation(f"Bailleur{bad}", "bailleur", "BX", by_user="admin")
    assert _count(app) == before
    # Line breaks are storable: a multi-line reason passes the last guard.
    app.withdraw_offer(offer, "Travaux\ttoiture\nétanchéité", world.actor("LMH"))
    assert _count(app) == before + 1


@pytest.mark.parametrize("bad", BAD)
def test_cli_refuses_control_characters_in_french_naming_the_field(database_url, bad):
    cli = CliRunner()
    result = cli.invoke(
        main, ["--database", database_url, "org-create", "--name", f"Bailleur{bad}Nord", "--kind", "bailleur",
               "--code", "BN"],
    )
    assert result.exit_code != 0
    assert "« nom de l'organisation »" in result.output and "caractère de contrôle" in result.output
    from relogement.runtime.application import RelocationApp

    app = RelocationApp(database_url)
    try:
        assert _count(app) == 0
    finally:
        app.close()
