"""Running jobs: the organisation's scope around each job, ``flask worker`` on a real Redis,
RQ's retries, and the cron configuration for ``run-due``."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask import current_app
from rq import Worker
from rq.cron import CronScheduler
from rq.registry import StartedJobRegistry
from rq.scheduler import RQScheduler
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


def hold_first_attempt(key):
    """A job whose first attempt holds on until its worker is killed; a retry returns."""
    if current_app.extensions["redis"].set(key, "first attempt", nx=True):
        time.sleep(60)
    return "retried"


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


def test_the_cron_configuration_runs_run_due_every_minute_and_run_daily_each_morning(app):
    import fakeredis

    cron = CronScheduler(connection=fakeredis.FakeRedis())
    cron.load_config_from_file("marketplace.cron")
    job, daily = cron.get_jobs()
    assert (job.cron, job.queue_name, job.func, job.args) == (
        "* * * * *", "default", jobs.run, ("marketplace.worker.run_due", None))
    assert (daily.cron, daily.func, daily.args) == (
        "30 5 * * *", jobs.run, ("marketplace.worker.run_daily", None))
    assert set(daily.func(*daily.args).values()) == {0}
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


def _start_worker(app, queue):
    """``flask worker QUEUE`` in a process group of its own (its scheduler and work horse are
    forked children), so the whole group can be killed as a machine loses it."""
    env = {**os.environ, "APP_ENV": "development", "REDIS_URL": app.config["REDIS_URL"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", queue],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _within(seconds, condition, what):
    """Poll ``condition`` until it holds; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


def _worker_state(redis, queue, pid):
    workers = [w for w in Worker.all(connection=redis, queue=jobs.get_queue(queue)) if w.pid == pid]
    return workers[0].get_state() if workers else None


@needs_redis
def test_after_a_worker_is_killed_a_new_one_takes_the_scheduler_over_and_retries_its_job(
        app, monkeypatch):
    """A worker killed with kill -9 mid-job leaves RQ's scheduler lock and the job's started
    entry to expire (61 s and 60 s past their last refresh: RQ's own fixed grace). A replacement
    started meanwhile must take the scheduler over and retry the job, by its retry policy, soon
    after they expire, not at its next ten-minute maintenance as RQ's defaults had it.

    The test does not wait out RQ's grace: once the replacement is running it expires the dead
    worker's lock and the job's heartbeat in Redis, as that minute passing would."""
    monkeypatch.setitem(app.config, "RETRY_INTERVALS", (1, 1))
    redis = app.extensions["redis"]
    queue = f"test-takeover-{uuid.uuid4().hex}"
    attempted = f"{queue}:attempted"
    lock = RQScheduler.get_locking_key(queue)
    started = StartedJobRegistry(queue, connection=redis)
    job = jobs.enqueue(hold_first_attempt, attempted, queue=queue, retry=True)
    processes = []
    try:
        processes.append(first := _start_worker(app, queue))
        _within(20, lambda: job.get_status(refresh=True) == "started" and redis.get(lock),
                "the first worker holds the scheduler lock and runs the job")
        dead_scheduler = redis.get(lock)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert redis.ttl(lock) > 30 and started.get_job_ids() == [job.id]

        processes.append(second := _start_worker(app, queue))
        _within(20, lambda: _worker_state(redis, queue, second.pid) == "idle",
                "the replacement has started and done its start-up maintenance")
        assert redis.get(lock) == dead_scheduler  # still the dead one's: it has not expired
        # A minute passes for Redis: the dead scheduler's lock and the job's heartbeat lapse.
        redis.pexpire(lock, 1)
        redis.zadd(started.key, {member: 1 for member in redis.zrange(started.key, 0, -1)})

        _within(20, lambda: job.get_status(refresh=True) == "finished",
                "the replacement retried the dead worker's job and ran the retry")
        job.refresh()
        assert job.return_value() == "retried"
        assert job.retries_left == 1  # one of the two retries was used on the abandoned attempt
        assert redis.get(lock) not in (None, dead_scheduler)  # the replacement's scheduler
        assert started.get_job_ids() == []
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        used = jobs.get_queue(queue)
        used.delete(delete_jobs=True)
        redis.delete(lock, attempted, *(registry.key for registry in (
            used.finished_job_registry, used.failed_job_registry, used.started_job_registry,
            used.scheduled_job_registry)))
