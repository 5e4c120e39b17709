"""Here2Help Line: the Flask application (webhooks, console, JSON API) and its domain.

`create_app` is the only entry point; importing this package does no I/O.
"""

from __future__ import annotations

import logging

from flask import Flask

from app.runtime import Runtime
from app.settings import Settings, load_settings

log = logging.getLogger(__name__)

#: Twilio's bodies are small; anything bigger than this is refused with 413 before parsing.
MAX_CONTENT_LENGTH = 256 * 1024


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Flask:
    settings = settings or (runtime.settings if runtime else load_settings())
    runtime = runtime or Runtime.build(settings)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        TESTING=settings.testing,
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if settings.secret_key_is_generated and not settings.testing:
        log.warning("SECRET_KEY is not set: using the one kept in instance/secret-key")
    app.extensions["here2help"] = runtime
    if settings.trusted_proxy_count:
        # The client's address, scheme and host as the N trusted proxies saw them: sign-in
        # limits and the access log need the real address, and Twilio's signature the real URL.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.trusted_proxy_count
        proxied = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
        app.wsgi_app = proxied  # type: ignore[method-assign]

    # Imported here, not at the top: every `app.*` import runs this package first, and the
    # workers and the CLI must not load (or depend on) the whole web stack to name a job.
    from app.web import register

    register(app)
    return app
