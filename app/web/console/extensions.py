"""The console's Flask extensions, made unbound here and bound to the app by `init_console`.

A module of their own so the page modules can use them (e.g. the limiter on sign-in) while the
package's `__init__` imports those page modules to register their routes.
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])
login_manager = LoginManager()
