"""here2help serve | web | worker | seed-demo."""

from __future__ import annotations

import click

from app.cli.common import not_built_yet


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Run web, worker and scheduler together (applies pending migrations first)."""
    not_built_yet("serve", "issue 2")


@click.command("web")
def web() -> None:
    """Run only the web server (gunicorn)."""
    not_built_yet("web", "issue 2")


@click.command("worker")
def worker() -> None:
    """Run only an rq worker with the scheduler."""
    not_built_yet("worker", "issue 2")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load a demo directory, volunteers and flow, clearly marked as demo data."""
    not_built_yet("seed-demo", "issue 2")


def register(cli: click.Group) -> None:
    for command in (serve, web, worker, seed_demo):
        cli.add_command(command)
