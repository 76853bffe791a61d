"""Engine creation, the unit of work, and the one command that brings a database up to date.

SQLite gets foreign keys, WAL and a busy timeout, and SQLAlchemy (not pysqlite) controls
transactions so that SAVEPOINTs work (pysqlite's own BEGIN handling breaks them). SQLite
transactions begin IMMEDIATE: writers queue instead of failing; a session marked
`reading_only` (page GETs, GraphQL queries, /readyz) begins DEFERRED instead, so that in WAL
mode it reads its snapshot without waiting for any writer. A writer that waits longer than
`LOCK_TIMEOUT_SECONDS` fails with an error `is_lock_timeout` recognises; the pages and the API
answer it 503 with Retry-After. PostgreSQL is the database for concurrent production load.
Engines hide statement parameters from their errors and logs: a failed INSERT must not write
a person's e-mail address into a log file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Table, event, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel, create_engine

from facility.errors import DomainError

# Constraint names that Alembic can rely on, on both databases.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for bulk statements (SQLModel sets `__table__` at run time,
    where mypy cannot see it)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def _migrations_dir() -> Path:
    """The Alembic scripts: inside the installed package (the wheel copies them there, see
    setup.py), or the repository's `alembic/` folder in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "migrations"
    return installed if (installed / "env.py").is_file() else package.parent / "alembic"


ALEMBIC_DIR = _migrations_dir()


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class DatabaseNotReady(DomainError):
    """The database a command needs does not exist yet, or has no tables."""


def existing_engine(url: str) -> Engine:
    """An engine on a database that exists and is migrated; else DatabaseNotReady, with nothing
    created (SQLite would otherwise leave an empty file behind)."""
    hint = "create it with `facility db upgrade` (or `facility demo` for the demo data)"
    parsed = make_url(normalise_url(url))
    if is_sqlite(url) and parsed.database not in (None, "", ":memory:") and \
            not Path(parsed.database).exists():
        raise DatabaseNotReady(f"database: there is no database at {parsed.database}; {hint}")
    engine = make_engine(url)
    try:
        migrated = inspect(engine).has_table("alembic_version")
    except OperationalError as error:
        engine.dispose()
        raise DatabaseNotReady(f"database: cannot connect to {parsed.render_as_string()} "
                               f"({type(error.orig).__name__})") from None
    if not migrated:
        engine.dispose()
        raise DatabaseNotReady(f"database: {parsed.render_as_string()} has no tables yet; {hint}")
    return engine


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


POOL_SIZE = 10  # PostgreSQL connections kept open, and as many again on demand
LOCK_TIMEOUT_SECONDS = 10.0  # how long a writer waits for SQLite's lock (or a pool connection)
RETRY_AFTER_SECONDS = 2  # what a 503 for a lock timeout tells the client
_READ_ONLY = "facility_read_only"


def reading_only(session: Session) -> None:
    """Mark a session that will only read, before its first statement: on SQLite it begins a
    DEFERRED transaction, which never waits for the write lock. (A write in it still works,
    but may fail at once with "database is locked" while another writer is active.) A session
    bound to a connection already in a transaction (the tests') is left as it is."""
    if isinstance(session.get_bind(), Engine) and not session.in_transaction():
        session.connection(execution_options={_READ_ONLY: True})


POSTGRES_WRITERS = 4


def concurrent_writers(bind: Engine | Connection) -> int:
    """How many requests may write at once per process (the others wait on the event loop,
    holding no thread). SQLite has one writer anyway. On PostgreSQL a few overlap their round
    trips; more would only take the interpreter's time (one GIL) from the readers."""
    return 1 if bind.dialect.name == "sqlite" else POSTGRES_WRITERS


def is_lock_timeout(error: BaseException) -> bool:
    """Whether `error` is a wait for the database that ran out: SQLite's "database is locked",
    PostgreSQL's lock_timeout, or no pool connection free in time."""
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.OperationalError):
        orig = error.orig
        text = str(orig).lower()
        return ("database is locked" in text or "database table is locked" in text
                or getattr(orig, "sqlstate", None) == "55P03")  # lock_not_available
    return False


def make_engine(url: str, *, echo: bool = False,
                lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> Engine:
    """Create an engine with the per-database settings the platform relies on."""
    url = normalise_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": lock_timeout},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if make_url(url).database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout * 1000)}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_on_begin(conn):
            # IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
            # transaction that reads, then writes after another writer committed, fails at
            # once with "database is locked" instead of waiting. A reader needs no lock.
            read_only = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=POOL_SIZE,
                         max_overflow=POOL_SIZE, pool_timeout=lock_timeout, hide_parameters=True)


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back when it raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Autogenerate ignores what only SQL manages: the FTS5 index and the tsvector column."""
    if type_ == "table" and name and name.startswith("recommendation_fts"):
        return False
    return name not in ("text_search", "ix_recommendation_text_search")


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (Alembic); facility.bootstrap.upgrade also loads the data."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
