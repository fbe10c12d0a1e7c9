"""The app as gunicorn serves it, plus a count of the SQL statements each request runs.

A SQLAlchemy ``before_cursor_execute`` listener on the app's engine counts, per thread, every
statement sent to the database while a request is being served (the user loader, the tenant
scope, the service's queries, the session refresh: everything), and a WSGI wrapper reports the
count in the ``X-Bench-SQL-Statements`` response header. Used only for the bench's
instrumented run (``gunicorn bench.instrumented:app``), never for timing.
"""
import threading

from sqlalchemy import event

from marketplace import create_app
from marketplace.extensions import db

HEADER = "X-Bench-SQL-Statements"
_counter = threading.local()

app = create_app()


def _count(conn, cursor, statement, parameters, context, executemany):
    if getattr(_counter, "active", False):
        _counter.n += 1


with app.app_context():
    event.listen(db.engine, "before_cursor_execute", _count)


_inner = app.wsgi_app


def _counting(environ, start_response):
    _counter.active, _counter.n = True, 0

    def start(status, headers, exc_info=None):
        # Flask has run the view (and rendered the template) before it starts the response.
        headers.append((HEADER, str(_counter.n)))
        return start_response(status, headers, exc_info)

    try:
        return _inner(environ, start)
    finally:
        _counter.active = False


app.wsgi_app = _counting
