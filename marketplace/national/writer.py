"""Bulk writing for the national data set: rows buffered per table and written in batches, by
PostgreSQL's COPY (psycopg 3's ``cursor.copy``) or, on SQLite, by executemany.

Ids are given here, not by the database, so a row can name its parents before they are
written; the sequences are moved past them at the end. Batches are written parents first (the
metadata's dependency order), so every foreign key is checked by the database as it arrives.
"""
import json

from sqlalchemy import JSON, LargeBinary, func, select, text

import tenants

BATCH_ROWS = 50_000


class Writer:
    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.tables = {table.name: table for table in tenants.Base.metadata.sorted_tables}
        self.order = [table.name for table in tenants.Base.metadata.sorted_tables]
        self.columns = {}
        self.buffers = {}
        self.next_ids = {}
        self.written = {}
        self.pending = 0

    def register(self, table, columns):
        """Name the columns, in order, of the rows ``add`` will be given for ``table``."""
        known = set(self.tables[table].columns.keys())
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(f"{table} has no column(s) {', '.join(unknown)}")
        missing = [c.name for c in self.tables[table].columns
                   if not c.nullable and c.name not in columns and c.server_default is None
                   and not (c.primary_key and c.autoincrement is True and c.name == "id")]
        if missing:
            raise ValueError(f"{table}: no value for the required column(s) {', '.join(missing)}")
        self.columns[table] = tuple(columns)
        self.buffers[table] = []
        self.written.setdefault(table, 0)

    def new_id(self, table):
        if table not in self.next_ids:
            column = self.tables[table].c.id
            self.next_ids[table] = (self.connection.scalar(select(func.max(column))) or 0) + 1
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table, row):
        self.buffers[table].append(row)
        self.pending += 1

    def flush_if_full(self):
        """Write the batch once it is big enough. Called between whole units of work (a
        call-off with its rows), never inside one, so no row arrives before its parent."""
        if self.pending >= BATCH_ROWS:
            self.flush()

    def flush(self):
        for table in self.order:
            rows = self.buffers.get(table)
            if rows:
                self._write(table, rows)
                self.written[table] += len(rows)
                self.buffers[table] = []
        self.pending = 0

    def _write(self, table, rows):
        columns = self.columns[table]
        if self.postgres:
            self._copy(table, columns, rows)
        else:
            self.connection.execute(self.tables[table].insert(),
                                    [dict(zip(columns, row)) for row in rows])

    def _copy(self, table, columns, rows):
        types = self.tables[table].columns
        json_at = [i for i, c in enumerate(columns) if isinstance(types[c].type, JSON)]
        bytes_at = [i for i, c in enumerate(columns) if isinstance(types[c].type, LargeBinary)]
        cursor = self.connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            if not json_at and not bytes_at:
                for row in rows:
                    copy.write_row(row)
            else:
                for row in rows:
                    row = list(row)
                    for i in json_at:
                        if row[i] is not None:
                            row[i] = json.dumps(row[i])
                    for i in bytes_at:
                        if row[i] is not None:
                            row[i] = "\\x" + row[i].hex()
                    copy.write_row(row)

    def finish(self):
        """Write what is left and move every sequence past the ids given."""
        self.flush()
        if self.postgres:
            for table in self.next_ids:
                self.connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT max(id) FROM \"{table}\"))"))

