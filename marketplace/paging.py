"""Pages of query results for the services' list functions."""
from dataclasses import dataclass

from sqlalchemy import func, inspect, select

from .extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def has_next(self):
        return self.page * self.per_page < self.total


def paginate(statement, page, per_page, session=None, *, count=None):
    """Run ``statement`` (an ORM select, tenant-scoped as usual) for one page, with the total,
    in ``session`` (default: the request's). ``count``, if given, is a cheaper select with the
    same number of rows, whose rows are counted instead."""
    session = session or db.session
    page, per_page = max(page, 1), max(per_page, 1)
    total = _count(statement if count is None else count, session)
    offset = (page - 1) * per_page
    # A page past the end is empty; asking the database for it could overflow its integers.
    items = (session.scalars(statement.limit(per_page).offset(offset)).all()
             if offset < total else [])
    return Page(items, total, page, per_page)


def _count(statement, session):
    """How many rows ``statement`` gives. Counted on the first entity's primary key alone, so
    the count reads no wide row and no relationship joined for display (``lazy="joined"``),
    and an index can answer it; the tenant's visibility rule applies as to any ORM select."""
    entity = statement.column_descriptions[0].get("entity") if statement.column_descriptions \
        else None
    if entity is not None:
        statement = statement.with_only_columns(*inspect(entity).primary_key,
                                                maintain_column_froms=True)
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
