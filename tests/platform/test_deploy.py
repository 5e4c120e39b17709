"""deploy/ agrees with the code: every setting documented, commands that exist, safe limits."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import yaml

from app.cli import _register, cli
from app.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
_register()


def _settings_variables() -> set[str]:
    source = (PROJECT_ROOT / "app" / "settings.py").read_text()
    names = set(re.findall(r'"([A-Z][A-Z0-9_]*[A-Z0-9])"', source))
    return names - {"ENG", "GB", "AC"}  # default values, not variable names


def test_env_example_documents_every_setting() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(),
                                re.MULTILINE))
    missing = _settings_variables() - documented
    assert not missing, f"add to deploy/env.example: {sorted(missing)}"


def test_gunicorn_config_keeps_webhooks_inside_twilios_limit(monkeypatch) -> None:
    for name in ("GUNICORN_TIMEOUT", "WEB_CONCURRENCY", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["timeout"] < 15 and config["graceful_timeout"] < 15
    assert config["workers"] >= 1 and config["preload_app"] is True
    assert callable(config["post_fork"]) and callable(config["when_ready"])
    assert "%(q)s" not in config["access_log_format"]  # query strings can hold phone numbers
    assert config["forwarded_allow_ips"] == "127.0.0.1"


def _here2help_commands(lines: list[str]) -> list[list[str]]:
    return [line.split("here2help ", 1)[1].split() for line in lines if "bin/here2help " in line]


def test_systemd_units_run_commands_that_exist() -> None:
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {"here2help-web.service", "here2help-worker@.service"}
    for text in units.values():
        execs = [line for line in text.splitlines() if line.startswith("Exec")]
        for argv in _here2help_commands(execs):
            assert argv[0] in cli.commands, argv
        assert "EnvironmentFile=/etc/here2help/env" in text


def test_compose_runs_redis_safely_and_two_workers() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    redis_cmd = services["redis"]["command"]
    assert redis_cmd[redis_cmd.index("--maxmemory-policy") + 1] == "noeviction"
    assert redis_cmd[redis_cmd.index("--appendonly") + 1] == "yes"
    assert services["worker"]["deploy"]["replicas"] >= 2
    for name in ("web", "worker", "migrate"):
        assert services[name]["command"][0] in cli.commands


def test_dockerfile_entrypoint_is_the_cli() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["here2help"]' in text and 'CMD ["web"]' in text
    for copied in re.findall(r"^COPY (\S+)", text, re.MULTILINE):
        assert (PROJECT_ROOT / copied).exists(), copied


def test_scaling_guide_exists_and_names_the_essentials() -> None:
    text = Path(DEPLOY / "SCALING.md").read_text()
    for phrase in ("noeviction", "scheduler", "statement_timeout",
                   "fallback", "PUBLIC_BASE_URL", "SECRET_KEY"):
        assert phrase in text


def test_loading_the_app_opens_no_connection(settings, monkeypatch) -> None:
    """gunicorn loads the app in its master and forks the workers from it (preload_app): a
    database or Redis connection opened while loading would be shared by every worker."""
    import redis.connection
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from app import create_app

    opened: list[str] = []
    real_connect = redis.connection.AbstractConnection.connect

    def redis_connect(self) -> None:
        opened.append("redis")
        real_connect(self)

    def database_connect(*_args) -> None:
        opened.append("database")

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", redis_connect)
    event.listen(Pool, "connect", database_connect)
    try:
        app = create_app(settings)
        assert "here2help" in app.extensions
        _master_with(app)  # and warming the caches before the workers fork
    finally:
        event.remove(Pool, "connect", database_connect)
    assert opened == []


class _LoadedApp:
    def __init__(self, app) -> None:
        self._app = app

    def wsgi(self):
        return self._app


class _Master:
    """What gunicorn's hooks use of the arbiter: the loaded app and its log."""

    def __init__(self, app) -> None:
        import logging

        self.app = _LoadedApp(app)
        self.log = logging.getLogger("test.gunicorn")


def _master_with(app) -> None:
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    config["when_ready"](_Master(app))


def test_the_master_builds_what_the_webhooks_cache_before_forking(settings) -> None:
    from app import create_app
    from app.domain import phone, safeguarding
    from app.services.conversations import state

    app = create_app(settings)
    for cached in (state._load_cached, safeguarding._load, phone._parse_cached):
        cached.cache_clear()
    _master_with(app)
    assert state._load_cached.cache_info().currsize == 1  # the flow, parsed
    assert safeguarding._load.cache_info().currsize >= 1  # the lists, read
    assert phone._parse_cached.cache_info().currsize == 1  # the number metadata, loaded


def test_a_master_whose_flow_cannot_load_still_starts(settings, tmp_path, caplog) -> None:
    from dataclasses import replace

    from app import create_app

    app = create_app(replace(settings, flows_dir=tmp_path / "no-flows-here"))
    _master_with(app)
    assert "start cold" in caplog.text
