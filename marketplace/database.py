"""Database engine settings that the ORM cannot express."""
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
