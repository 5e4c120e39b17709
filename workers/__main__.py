"""`python -m workers`: one rq worker on every queue, with rq's scheduler and the periodic jobs.

This is what `here2help worker` (and so `here2help serve`) runs. It is an entry point of its own
so that the web app and the CLI never import the workers: they only name jobs (app.jobs).
"""

from __future__ import annotations

import logging
import sys

import click

from app.cli.common import check_redis, run_guarded, runtime_or_exit
from workers.runner import run_worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then exit.")
def main(burst: bool) -> None:
    """Run an rq worker until SIGINT/SIGTERM (the current job finishes first)."""
    runtime = runtime_or_exit()
    check_redis(runtime.settings, runtime.redis)
    logging.getLogger("workers").setLevel(logging.INFO)
    run_worker(runtime, burst=burst)


if __name__ == "__main__":
    sys.exit(run_guarded(main, sys.argv[1:]))
