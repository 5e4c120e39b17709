"""argon2 at its cheapest inside the test process, so a sign-in costs microseconds, not 0.15 s.

The service hashes staff passwords with argon2-cffi's defaults (RFC 9106's low-memory profile),
slow on purpose; the suite signs in hundreds of times, which cost minutes of CI. Inside this
process every new hash is made with `argon2.profiles.CHEAPEST` and the "no such account" dummy
hash too, so both sign-in paths stay alike. A hash made elsewhere (the CLI in a real process,
the demo data) still verifies: argon2 reads the parameters from the hash itself.
`PRODUCTION_PARAMETERS` keeps what the service uses, for the test that pins it.
"""

from __future__ import annotations

import pytest
from argon2 import Parameters, PasswordHasher, profiles

PRODUCTION_PARAMETERS: Parameters | None = None


def pytest_configure(config: pytest.Config) -> None:
    global PRODUCTION_PARAMETERS
    from app.services.staff import passwords

    PRODUCTION_PARAMETERS = passwords._hasher._parameters
    passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    passwords._dummy_hash.cache_clear()
