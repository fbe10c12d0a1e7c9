"""Running jobs: the organisation's scope around each job, ``flask worker`` on a real Redis,
RQ's retries, and the cron configuration for ``run-due``."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from rq.cron import CronScheduler
from sqlalchemy import select

import tenants
from marketplace import jobs, worker
from marketplace.accounts import services as accounts
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage, OutboxStatus

from .notifications.helpers import empty_queue, mailbox, run_queued_jobs

ROOT = Path(__file__).resolve().parents[1]
needs_redis = pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"),
                                 reason="needs a real Redis (TEST_REDIS_URL)")


def scope_seen():
    scope = tenants.current_scope()
    return scope.organisation_id if scope else None


@pytest.fixture(autouse=True)
def _empty_queue(app):
    empty_queue(app)
    yield
    empty_queue(app)


def test_a_job_runs_within_its_organisations_scope(app, world):
    for organisation_id, expected in ((world.member.id, world.member.id), (None, None),
                                      (999_999, None)):
        job = jobs.enqueue(scope_seen, organisation_id=organisation_id)
        run_queued_jobs(app)
        assert job.get_status(refresh=True) == "finished"
        assert job.return_value(refresh=True) == expected


def test_flask_worker_needs_redis(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output


def test_the_cron_configuration_runs_run_due_every_minute(app):
    import fakeredis

    cron = CronScheduler(connection=fakeredis.FakeRedis())
    cron.load_config_from_file("marketplace.cron")
    [job] = cron.get_jobs()
    assert (job.cron, job.queue_name, job.func, job.args) == (
        "* * * * *", "default", jobs.run, ("marketplace.worker.run_due", None))
    # What the worker will execute, here on an empty outbox.
    done = job.func(*job.args)
    assert {"emails_sent": 0, "email_attempts_failed": 0}.items() <= done.items()
    assert set(done.values()) == {0}


@needs_redis
def test_flask_worker_processes_jobs_the_app_queued_on_the_real_redis(app):
    """A separate ``flask worker --burst`` process, on the same Redis and database, runs what
    the app queued. (It cannot see this test's uncommitted rows, so the jobs need none.)"""
    queue = f"test-worker-{uuid.uuid4().hex}"
    ping = jobs.enqueue(jobs.ping, queue=queue)
    due = jobs.enqueue(worker.run_due, queue=queue)
    assert ping.get_status() == due.get_status() == "queued"
    env = {**os.environ, "APP_ENV": "development", "REDIS_URL": app.config["REDIS_URL"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", queue],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert ping.get_status(refresh=True) == "finished", result.stderr
        seen = ping.return_value(refresh=True)
        assert seen["pid"] != os.getpid()
        assert seen["database"] == db.engine.dialect.name
        done = due.return_value(refresh=True)
        assert done["emails_sent"] == 0 and set(done.values()) == {0}
    finally:
        used = jobs.get_queue(queue)
        used.delete(delete_jobs=True)
        app.extensions["redis"].delete(*(registry.key for registry in (
            used.finished_job_registry, used.failed_job_registry, used.started_job_registry)))


@needs_redis
def test_rq_retries_a_failing_delivery_then_it_is_marked_failed(app, world, monkeypatch):
    """With the mail server down, RQ runs the delivery job once and retries it once per back-off
    interval (set to 0 here so a burst worker runs them all); the last attempt marks the
    message failed with its error, and RQ records the job as failed too."""
    monkeypatch.setitem(app.config, "RETRY_INTERVALS", (0, 0, 0, 0))
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)
    with tenants.scoped_to(world.member):
        accounts.invite_user(world.manager, email="nia@manchester.example.com",
                             full_name="Nia Officer", role="placement_officer")
    queue = jobs.get_queue()
    [job] = queue.get_jobs()
    run_queued_jobs(app)

    with tenants.scoped_to(world.member):
        message = db.session.scalars(select(OutboxMessage).execution_options(
            populate_existing=True)).one()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 5)
    assert message.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert job.args[2] == message.id
    job.refresh()
    assert job.get_status() == "failed" and job.retries_left == 0
    assert queue.failed_job_registry.get_job_ids() == [job.id]
    assert "DeliveryFailed" in job.latest_result().exc_string
    assert mailbox(app) == []
