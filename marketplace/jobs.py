"""The one place that enqueues background jobs.

With ``REDIS_URL`` set jobs go to RQ on that Redis; with none (the embedded default) they run
in-process at once, on an in-memory fakeredis because RQ needs a connection even then.

A job is a service function called with JSON-safe ids, on behalf of one organisation: RQ runs
:func:`run`, which opens an app context and that organisation's scope before calling it.
"""
import logging
import os

from flask import current_app
from redis import Redis
from rq import Queue, Retry
from rq.utils import import_attribute

import tenants

log = logging.getLogger(__name__)


def init_app(app):
    url = app.config["REDIS_URL"]
    if url:
        # Bounded waits: a Redis that has gone silent must not hang the request that queues a
        # job (the outbox keeps the work). The worker raises the read timeout for its own
        # blocking reads.
        connection = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=10)
    else:
        import fakeredis

        connection = fakeredis.FakeRedis()
    app.extensions["redis"] = connection


def get_queue(name="default"):
    app = current_app._get_current_object()
    return Queue(name, connection=app.extensions["redis"],
                 is_async=bool(app.config["REDIS_URL"]))


def enqueue(func, *args, organisation_id=None, retry=False, queue="default", **kwargs):
    """Queue ``func(*args, **kwargs)`` to run on behalf of ``organisation_id``.

    Arguments must be JSON-safe ids, never ORM objects: the job reloads what it needs, in its
    own transaction. ``organisation_id=None`` runs the job with no organisation in scope (system
    work such as run-due, which opens each organisation's scope itself). ``retry=True`` is for
    jobs that talk to the outside: they are tried again with back-off (``RETRY_INTERVALS``), which
    needs a worker running the scheduler. RQ's own options (``job_timeout``, ``ttl``...) pass
    through. Raises redis' ``ConnectionError`` when Redis cannot be reached.
    """
    name = name_of(func)
    if retry:
        kwargs["retry"] = retry_policy()
    kwargs.setdefault("description", f"{name}{args!r} for organisation {organisation_id}")
    return get_queue(queue).enqueue(run, name, organisation_id, *args, **kwargs)


def name_of(func):
    """The import path a worker finds ``func`` by."""
    return f"{func.__module__}.{func.__qualname__}"


def retry_policy():
    """Back-off for jobs that talk to the outside: one retry per interval in ``RETRY_INTERVALS``."""
    intervals = list(current_app.config["RETRY_INTERVALS"])
    return Retry(max=len(intervals), interval=intervals)


def run(name, organisation_id, *args, **kwargs):
    """What a worker executes: ``name(*args, **kwargs)`` in a fresh app context (so its own
    database session) within the organisation's scope.

    The worker command keeps the app's context pushed, so ``current_app`` is the worker's app
    here; in-process jobs run inside the app that enqueued them.
    """
    from .extensions import db

    func = import_attribute(name)
    with current_app._get_current_object().app_context():
        if organisation_id is None:
            return func(*args, **kwargs)
        organisation = db.session.get(tenants.Organisation, organisation_id)
        if organisation is None:
            # Queued by a transaction that was rolled back, or the organisation has gone.
            log.warning("job %s skipped: no organisation %s", name, organisation_id)
            return None
        with tenants.scoped_to(organisation):
            return func(*args, **kwargs)


def ping():
    """A job that only says where it ran: proves a worker runs jobs inside the app, on its
    database (``flask worker`` checks in tests and by operators)."""
    from sqlalchemy import func, select

    from .extensions import db

    return {"pid": os.getpid(), "database": db.engine.dialect.name,
            "organisations": db.session.scalar(select(func.count(tenants.Organisation.id)))}
