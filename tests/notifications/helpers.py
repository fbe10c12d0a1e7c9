"""Helpers for tests of jobs and notifications, shared with tests/test_worker.py."""
from rq import SimpleWorker

from marketplace import jobs
from marketplace.notifications.backends import MEMORY_MAILBOX


def mailbox(app):
    """The memory backend's list of sent emails, emptied."""
    sent = app.extensions.setdefault(MEMORY_MAILBOX, [])
    sent.clear()
    return sent


def empty_queue(app):
    """Drop jobs queued on a real Redis by earlier tests (their transactions were rolled back)."""
    if app.config["REDIS_URL"]:
        queue = jobs.get_queue()
        queue.empty()
        for job_id in queue.failed_job_registry.get_job_ids():
            queue.failed_job_registry.remove(job_id, delete_job=True)


def run_queued_jobs(app):
    """Run what the test queued on a real Redis (TEST_REDIS_URL), in this process so the jobs
    see the test's transaction. Without Redis the jobs already ran in-process."""
    if app.config["REDIS_URL"]:
        SimpleWorker([jobs.get_queue()], connection=app.extensions["redis"]).work(burst=True)
