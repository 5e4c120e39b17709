"""Serve a Flask app on a real port in a thread, so the simulator talks HTTP to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server


@pytest.fixture
def serve() -> Iterator[Callable[[Flask], str]]:
    """`serve(app)` -> its base URL (http://127.0.0.1:PORT); stopped after the test."""
    servers = []

    def start(app: Flask) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def cli_env(test_env: dict[str, str], tmp_path) -> dict[str, str]:
    """The environment `here2help simulate` runs with (the test token and numbers)."""
    return {**test_env, "HERE2HELP_INSTANCE": str(tmp_path / "cli-instance")}
