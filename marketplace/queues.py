"""Work queues (issue 15 §1): what waits for one person, counted, with the first few items.

A queue is two statements whatever its length: the count of everything pending, and the first
``limit`` rows in the order the work is due (soonest deadline first). The services that own
each kind of work build the statement; the tenant scope decides whose rows it reads, so no
queue filters by organisation itself."""
from dataclasses import dataclass, field

from sqlalchemy import func, select

from .extensions import db

QUEUE_LENGTH = 5


@dataclass
class Queue:
    count: int = 0
    items: list = field(default_factory=list)

    @property
    def more(self):
        """How many pending items are not shown."""
        return max(0, self.count - len(self.items))


def first_of(statement, limit=QUEUE_LENGTH, *, rows=False):
    """The queue of ``statement`` (ordered soonest first): its count and first ``limit`` items,
    as entities (or, with ``rows``, as result rows of several columns). Always two statements,
    so a dashboard's cost does not depend on what is pending."""
    count = db.session.scalar(select(func.count()).select_from(
        statement.order_by(None).subquery()))
    found = db.session.execute(statement.limit(limit))
    return Queue(count or 0, list(found.all() if rows else found.unique().scalars().all()))


def of_list(items, limit=QUEUE_LENGTH):
    """A queue of an already worked-out list (in its order)."""
    items = list(items)
    return Queue(len(items), items[:limit])
