"""What every web worker would otherwise build on its first requests, built once before fork.

gunicorn loads the app in its master and forks the workers from it (deploy/gunicorn.conf.py,
`preload_app`); it also replaces each worker after `max_requests`. A worker that starts cold
spends its first requests on one-off work (the ORM's mapper configuration, the flow's YAML,
the safeguarding lists, the phone-number metadata: about 0.4 s together), while the texts
that reach it wait. Built in the master, all of it is inherited by every worker, new or
replaced. Nothing here opens a database or Redis connection: the workers must not share one.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import configure_mappers

from app.domain.phone import parse_phone
from app.domain.safeguarding import find_safeguarding_phrases
from app.runtime import Runtime
from app.services.conversations.state import default_flow

#: A number of the kind most texts come from (an Ofcom drama number): it loads the metadata.
_SAMPLE_NUMBER = "07700 900000"


def warm_caches(app: Flask) -> None:
    """Fill the process's caches that the webhooks use, without any connection."""
    runtime: Runtime = app.extensions["here2help"]
    settings = runtime.settings
    configure_mappers()
    default_flow(settings)
    find_safeguarding_phrases("hello", settings.safeguarding_phrases_file)
    parse_phone(_SAMPLE_NUMBER, settings.default_region)
