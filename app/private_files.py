"""Files under instance/ hold personal data and secrets: folders 0700, files 0600.

The SQLite database, the embedded Redis's data and append-only files, the generated secrets and
the fallback journal live there. A world-readable default (umask 022) would let any local user
read residents' phone numbers, so every writer creates its files through these helpers.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create the folder (and parents) and make it 0700 if this process owns it."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # someone else's folder: leave it be
        if path.stat().st_uid == os.getuid():
            path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create the file empty if missing (0600); an existing file of ours is made 0600."""
    private_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
    os.close(fd)
    with contextlib.suppress(PermissionError):
        if path.stat().st_uid == os.getuid():
            path.chmod(PRIVATE_FILE_MODE)
    return path


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files created meanwhile (and by child processes started meanwhile) are owner-only."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)
