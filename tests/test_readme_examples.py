"""Every example of the README's "Command line" block runs on the demo (issue 23, point 18:
`export anru --project LS` failed on the demo, whose project is MEL).

The demo is the realistic generator's (project MEL), kept small (12 households) for speed;
each README line maps to the command lines run here, with the placeholders (``<uuid>``,
``DIR``, ``FILE.jsonl``) filled in. A README line without a mapping fails the test, so a new
example is run too. Both databases.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from relogement.runtime.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"

# The README line's command (before its comment) → what is run, or why it is not.
# ``{uuid}``: a household of the demo; ``{tmp}``: a fresh folder of the test.
RUN: dict[str, list[list[str]] | str] = {
    "relogement init-db": [["init-db"]],
    "relogement demo": "loads the demo: the store the others run on (with --households 12)",
    "relogement demo --households 6000 --seed 1": "the same command, 6,000 households (bench/)",
    "relogement demo --small": [["demo", "--small"]],  # refused: the store is not empty (exit 1)
    "relogement demo-accounts": [["demo-accounts"]],
    "relogement run": "a server that runs until stopped (tests/web/ serve the same app)",
    "relogement scheduler": [["scheduler", "--once"]],
    "relogement history <uuid>": [["history", "{uuid}"]],
    "relogement replay": [["replay"]],
    "relogement projections rebuild|catch-up": [["projections", "rebuild"], ["projections", "catch-up"]],
    "relogement projections status": [["projections", "status"]],
    "relogement projections tableaux-de-bord": [["projections", "tableaux-de-bord"]],
    "relogement export anru --project MEL -o anru.xlsx [--as-of 30/06/2026]": [
        ["export", "anru", "--project", "MEL", "-o", "{tmp}/anru.xlsx"],
        ["export", "anru", "--project", "MEL", "-o", "{tmp}/anru.xlsx", "--as-of", "30/06/2026"],
    ],
    "relogement export open-data --project MEL [--as-of 2026-06-30] DIR": [
        ["export", "open-data", "--project", "MEL", "{tmp}/ouvert"],
        ["export", "open-data", "--project", "MEL", "--as-of", "2026-06-30", "{tmp}/ouvert-juin"],
    ],
    "relogement audit verify|export FILE.jsonl": [["audit", "verify"], ["audit", "export", "{tmp}/h.jsonl"]],
    "relogement privacy due|erase|access-log": [
        ["privacy", "due"],
        ["privacy", "access-log"],
        ["privacy", "erase", "{uuid}", "--reason", "demande", "--motive", "demande écrite", "--by", "admin"],
    ],
    "relogement privacy clear-identity": [["privacy", "clear-identity"]],
    "relogement org-create / user-create / users": [
        ["org-create", "--name", "Bailleur de test", "--kind", "bailleur", "--code", "BTEST"],
        ["user-create", "--login", "essai", "--org", "BTEST", "--role", "charge_relogement",
         "--password", "mot-de-passe-essai"],
        ["users"],
    ],
}
REFUSED = {("demo", "--small"): "déjà des événements"}  # run on purpose, refused in French


def readme_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text[text.index("## Command line"):]
    block = block[block.index("```bash") + len("```bash"): block.index("```", block.index("```bash") + 7)]
    return [re.split(r"\s+#", line)[0].strip() for line in block.strip().splitlines() if line.strip()]


def test_every_readme_command_line_is_covered():
    assert sorted(readme_commands()) == sorted(RUN)


def test_readme_examples_run_on_the_demo(database_url, tmp_path):
    from relogement.projections import queries as q
    from relogement.runtime import bootstrap

    cli = CliRunner()
    base = ["--database", database_url]
    loaded = cli.invoke(main, [*base, "demo", "--households", "12", "--seed", "1"])
    assert loaded.exit_code == 0, loaded.output
    app = bootstrap.build_application(database_url)
    try:
        from relogement.projections import build_runner

        runner = build_runner(app)
        runner.catch_up()
        household = q.list_households(runner.engine)[0]["household_id"]
        runner.close()
    finally:
        app.close()
    values = {"uuid": str(household), "tmp": str(tmp_path)}
    for line, commands in RUN.items():
        if isinstance(commands, str):
            continue
        for command in commands:
            args = [part.format(**values) for part in command]
            result = cli.invoke(main, [*base, *args], input="o\n")
            refused = REFUSED.get(tuple(command))
            if refused:
                assert result.exit_code != 0 and refused in result.output, (line, result.output)
            else:
                assert result.exit_code == 0, (line, args, result.output)
    assert (tmp_path / "anru.xlsx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "ouvert-juin" / "datapackage.json").exists()
