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
    assert target == "relogement.runtime:create_app()"
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


def test_gunicorn_production_config_survives_slow_clients(compose):
    # The web command loads the config module (tests/test_production_server.py runs it).
    argv = _argv(compose["services"]["web"])
    assert argv[argv.index("-c") + 1] == "python:relogement.web.gunicorn_conf"
    from relogement.web import gunicorn_conf as conf

    assert conf.worker_class == "gthread"
    assert conf.workers == 2 and conf.threads >= 16
    assert conf.timeout == 60 and conf.keepalive <= 10
    assert 0 < conf.CLIENT_READ_TIMEOUT <= 30
    from gunicorn.config import Config

    config = Config()
    for name in ("worker_class", "workers", "threads", "timeout", "keepalive", "limit_request_line"):
        config.set(name, getattr(conf, name))  # gunicorn accepts every value


def test_only_the_proxy_is_published(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    source, target = proxy["volumes"][0].split(":")[:2]
    assert (ROOT / source).is_file() and target == "/etc/nginx/nginx.conf"
    assert "web" in proxy["depends_on"]
    assert services["web"]["environment"]["RELOGEMENT_TRUSTED_PROXIES"] == 1
    nginx = (ROOT / source).read_text()
    for directive in ("client_header_timeout 10s", "client_body_timeout 10s",
                      "proxy_request_buffering on", "server web:8000",
                      "proxy_set_header X-Forwarded-For $remote_addr"):
        assert directive in nginx, directive
    assert f"listen {proxy['ports'][0].split(':')[1]};" in nginx


def test_nginx_accepts_its_config(tmp_path):
    import os
    import shutil
    import subprocess

    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true and nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed")
    # The compose host name "web" does not resolve here: the same file on 127.0.0.1.
    text = (ROOT / "deploy" / "nginx.conf").read_text().replace("server web:8000", "server 127.0.0.1:8000")
    (tmp_path / "nginx.conf").write_text(text)
    (tmp_path / "logs").mkdir()
    done = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-g", f"pid {tmp_path / 'nginx.pid'};"],
        capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 0, done.stderr
