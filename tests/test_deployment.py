"""docker-compose.yml and the Dockerfile name commands the project really has.

No Docker engine here: the file is parsed and every command is checked against the
project's entry points (the ``relogement`` console script and its subcommands, the
gunicorn application factory).
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlparse

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _argv(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(a) for a in command]


def _console_script(name: str):
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, attr = scripts[name].partition(":")
    return getattr(__import__(module, fromlist=[attr]), attr)


def test_services_and_database_url(compose):
    services = compose["services"]
    assert {"db", "web", "scheduler"} <= set(services)
    assert services["db"]["image"] == "postgres:16"
    for name in ("web", "scheduler"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert urlparse(re.sub(r"\$\{[^}]*\}", "pw", url)).hostname == "db", name
        assert url.startswith("postgresql://")
        assert "db" in services[name]["depends_on"]


def test_relogement_commands_exist(compose):
    main = _console_script("relogement")
    assert isinstance(main, click.Group)
    checked = 0
    for name, service in compose["services"].items():
        if "command" not in service or _argv(service)[0] != "relogement":
            continue
        argv = _argv(service)[1:]
        command = main.get_command(click.Context(main), argv[0])
        assert command is not None, f"{name}: unknown command {argv[0]}"
        command.make_context(argv[0], argv[1:])  # options parse (raises on a bad option)
        checked += 1
    assert checked >= 2  # init-db and scheduler


def test_exactly_one_scheduler_process(compose):
    schedulers = [
        name
        for name, service in compose["services"].items()
        if "command" in service and _argv(service)[:2] == ["relogement", "scheduler"]
    ]
    assert schedulers == ["scheduler"]
    assert compose["services"]["scheduler"].get("deploy", {}).get("replicas", 1) == 1
    web_argv = _argv(compose["services"]["web"])
    assert "scheduler" not in " ".join(web_argv)


def test_gunicorn_target_builds_the_flask_app(compose, tmp_path, monkeypatch):
    argv = _argv(compose["services"]["web"])
    assert argv[0] == "gunicorn"
    target = argv[-1]
    assert target == "relogement.web:create_app()"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'events.sqlite'}")
    monkeypatch.setenv("RELOGEMENT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test-only")
    from flask import Flask
    from gunicorn.util import import_app

    app = import_app(target)  # exactly what gunicorn does with the argument
    assert isinstance(app, Flask)


def test_dockerfile_matches_compose(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert cmd is not None
    assert yaml.safe_load(cmd.group(1)) == _argv(compose["services"]["web"])
    for folder in re.findall(r"^COPY (\w+) \1$", dockerfile, re.M):
        assert (ROOT / folder).is_dir(), folder
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    assert set(packages.values()) <= copied  # every package of the project is in the image
