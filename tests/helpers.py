"""Helpers the tests share: counting SQL statements and signing people in."""
from contextlib import contextmanager

from sqlalchemy import event

from marketplace.extensions import db


class QueryCounter:
    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block: ``with count_queries() as q: ...``."""
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


def assert_constant_queries(make_rows, request, sizes=(1, 6)):
    """Assert a request's SQL statement count does not grow with its rows.

    ``make_rows(n)`` adds n more rows; ``request()`` makes the request (and checks its answer).
    """
    counts = []
    made = 0
    for size in sizes:
        make_rows(size - made)
        made = size
        with count_queries() as counter:
            request()
        counts.append(counter.count)
    assert len(set(counts)) == 1, f"statement counts grew with rows: {dict(zip(sizes, counts))}"
    return counts[0]


def sign_in(client, user):
    """Sign ``user`` in on ``client`` the way Flask-Login would after a correct password."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def bearer_token(user):
    """Issue an API token for ``user`` (whose password is the factories' default)."""
    from marketplace.accounts import tokens

    from .factories import PASSWORD

    return tokens.issue_token(user.email, PASSWORD, name="test")
