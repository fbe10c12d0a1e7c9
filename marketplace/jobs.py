"""The one place that enqueues background jobs.

With ``REDIS_URL`` set jobs go to RQ on that Redis; with none (the embedded default) they run
in-process at once, on an in-memory fakeredis because RQ needs a connection even then.
"""
from flask import current_app
from redis import Redis
from rq import Queue


def init_app(app):
    url = app.config["REDIS_URL"]
    if url:
        connection = Redis.from_url(url)
    else:
        import fakeredis

        connection = fakeredis.FakeRedis()
    app.extensions["redis"] = connection


def get_queue(name="default"):
    app = current_app._get_current_object()
    return Queue(name, connection=app.extensions["redis"],
                 is_async=bool(app.config["REDIS_URL"]))


def enqueue(func, *args, **kwargs):
    """Queue ``func(*args, **kwargs)``; arguments must be JSON-safe ids, never ORM objects."""
    return get_queue().enqueue(func, *args, **kwargs)
