"""The console's Flask extensions, made unbound here and bound to the app by `init_console`.

A module of their own so the page modules can use them (e.g. the limiter on sign-in) while the
package's `__init__` imports those page modules to register their routes. The limiter counts
in Redis (the app's REDIS_URL), shared by every web process.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
#: Storage comes from the app's config (RATELIMIT_STORAGE_URI, set by `limiter_storage_uri`).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def limiter_storage_uri(redis_url: str | None, testing: bool) -> str:
    """The app's Redis, so every web process shares one count (per-process memory would let
    each process grant the limit again, and a restart forget it). Tests keep a fresh in-memory
    count per app; an app with no Redis URL (the embedded server, not started in this process)
    falls back to memory too."""
    if testing or not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url
login_manager = LoginManager()
