"""Database engine settings that the ORM cannot express (SQLite's pragmas and transactions,
PostgreSQL's session options), and the session read-only reports run their queries in."""
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

REPLICA = "replica"  # the bind key of REPLICA_DATABASE_URL's engine


def _is_sqlite(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    # SQLite ignores foreign keys unless asked, every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    # pysqlite begins transactions lazily and mishandles savepoints; let SQLAlchemy emit BEGIN
    # itself (the documented recipe), so transactions and savepoints behave as on PostgreSQL.
    dbapi_connection.isolation_level = None


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


@event.listens_for(Engine, "do_connect")
def _postgresql_options(dialect, connection_record, cargs, cparams):
    if dialect.name != "postgresql":
        return
    # No JIT compilation: our statements are short OLTP queries, which JIT never speeds up and
    # can slow down badly (a mis-estimated scoped select spent 126 of its 227 ms compiling).
    # Set as a startup option of every connection the app opens, so it costs no round trip.
    options = cparams.get("options")
    cparams["options"] = f"{options} -c jit=off" if options else "-c jit=off"


def replica_bind(url, engine_options):
    """SQLALCHEMY_BINDS' entry for the replica: the primary's engine options, and on PostgreSQL
    every transaction read-only, so a write sent there fails even on a server that would take it
    (a hot standby refuses writes anyway)."""
    options = {**engine_options, "url": url}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    return options


class ReadOnlySession(Exception):
    """Something tried to flush changes through a report session on the replica."""


def _refuse_flush(session, flush_context, instances):
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySession("a report session reads from the replica and cannot write")


@contextmanager
def report_session():
    """The session for a read-only report's queries (dashboards' counts, the audit trail).

    With REPLICA_DATABASE_URL set it is a session of its own on the replica, scoped to the
    organisation in scope exactly as the primary's (the same session class carries the
    tenants hooks), refusing to flush and closed at the end; what the report returns must be
    loaded by then (columns and counts, no lazy relationships). Without a replica it is the
    request's own session, so nothing changes. Use it only for reads that may be a few seconds
    behind the primary, and never for a read that a write or an audit event then depends on.
    """
    from .extensions import AppSession, db

    engine = db.engines.get(REPLICA)
    if engine is None:
        yield db.session
        return
    session = AppSession(db, bind=engine, expire_on_commit=False, autoflush=False)
    event.listen(session, "before_flush", _refuse_flush)
    try:
        yield session
    finally:
        session.close()
