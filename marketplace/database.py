"""Database engine settings that the ORM cannot express: SQLite's pragmas and transactions,
PostgreSQL's session options."""
from sqlalchemy import event
from sqlalchemy.engine import Engine


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
