"""What a process needs to do work: settings, the database and Redis. No Flask here.

The web app keeps one `Runtime` in `app.extensions`; each rq worker builds its own at start
(see workers/bootstrap.py). Redis is connected lazily so that a Redis outage never stops a
webhook from answering from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db import make_engine, make_session_factory, writer_factory
from app.redis_conn import connect
from app.repositories.instance import instance_id
from app.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    _redis: Redis | None = field(default=None, repr=False)
    #: Sessions for units of work that write (web requests other than GET/HEAD, jobs, the CLI):
    #: on SQLite every transaction begins IMMEDIATE. `session_factory` is for pure reads.
    write_session_factory: sessionmaker[Session] = field(init=False, repr=False)

    _instance_id: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.write_session_factory = writer_factory(self.session_factory)

    @property
    def instance_id(self) -> str:
        """The database's own id, read once: every rq job id starts with it, so jobs of two
        databases (a reset, a restore, a second service on one Redis) never share an id."""
        if self._instance_id is None:
            with self.session_factory() as session:
                self._instance_id = instance_id(session)
        return self._instance_id

    @classmethod
    def build(cls, settings: Settings, engine: Engine | None = None) -> Runtime:
        engine = engine or make_engine(settings.database_url)
        return cls(settings=settings, engine=engine, session_factory=make_session_factory(engine))

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            self._redis = connect(self.settings)
        return self._redis

    def use_redis(self, connection: Redis) -> None:
        """Tests and `serve` hand over a connection they already made."""
        self._redis = connection
