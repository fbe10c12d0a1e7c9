"""Running jobs: ``flask worker`` (an RQ worker with its scheduler, inside the app) and
``flask jobs run-due`` (the periodic work, which ``rq cron marketplace/cron.py`` runs every
minute)."""
import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from rq import Queue, Worker

from . import notifications
from .extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs.")

# How soon a worker notices that another died without saying so (kill -9, a lost machine). RQ
# recovers from that by expiry alone: the dead scheduler's lock lapses 61 s after its last
# refresh (RQ's interval + 60, not configurable) and each started job's execution 60 s after its
# last heartbeat plus the heartbeat interval. What RQ leaves to configuration is how often the
# survivors look: by default a worker's maintenance (try for the scheduler lock, then clean the
# registries, which retries or fails abandoned jobs) runs every 10 minutes, and an idle worker
# blocks on Redis for 405 s between looks, so a replacement took the scheduler over, and retried
# the dead worker's job, up to ten minutes late. These bring both down to about a minute.
MAINTENANCE_SECONDS = 10  # RQ's default: 600
# An idle worker wakes from its blocking read this often (RQ waits worker_ttl - 15 seconds), so
# it keeps to the maintenance interval; a dead worker also leaves the workers list sooner.
WORKER_TTL_SECONDS = MAINTENANCE_SECONDS + 15  # RQ's default: 420
JOB_HEARTBEAT_SECONDS = 10  # RQ's default: 30; a running job's execution expires 60 s after


def run_due():
    """Do the periodic work that is due; idempotent, so running it late, twice or concurrently
    is harmless. Run by the cron job every minute and by ``flask jobs run-due``."""
    from .calloffs import jobs as call_off_jobs
    from .evaluation import jobs as evaluation_jobs
    from .providers import jobs as provider_jobs
    from .windows import jobs as window_jobs

    result = {}
    for package in (provider_jobs, window_jobs, evaluation_jobs, call_off_jobs):
        result.update(package.run_due())
    # Last, so the emails the work above wrote go out in this run.
    delivered = notifications.deliver_due()
    return {**result, "emails_sent": delivered.sent,
            "email_attempts_failed": delivered.failed_attempts}


def run_daily():
    """The once-a-day work (issue 12 §2, §4; issue 13 §2; issue 14 §5): placements' due uplifts,
    reminders of annual reviews, contracts' extension decision warnings, then overdue
    cost-sharing invoices; each idempotent and right when run late, so a missed day is made up
    by the next. Daily rather than every minute because it reads every placement with an uplift
    rule. Run by the cron job each morning and by ``flask jobs run-daily``."""
    from .contracts import jobs as contract_jobs
    from .costsharing import jobs as cost_sharing_jobs
    from .placements import jobs as placement_jobs
    from .placements import reviews as placement_reviews

    result = {**placement_jobs.run_due(), **placement_reviews.run_due(),
              **contract_jobs.run_due(), **cost_sharing_jobs.run_due()}
    delivered = notifications.deliver_due()
    return {**result, "emails_sent": delivered.sent,
            "email_attempts_failed": delivered.failed_attempts}


@jobs_cli.command("run-daily")
def run_daily_command():
    """Do the once-a-day work now (uplifts due, review reminders, contract decision warnings).
    Safe to run at any time."""
    result = run_daily()
    click.echo("; ".join(f"{name.replace('_', ' ').capitalize()}: {count}"
                         for name, count in result.items()) + ".")


@jobs_cli.command("run-due")
def run_due_command():
    """Do the periodic work that is due now (sends pending emails). Safe to run at any time."""
    result = run_due()
    click.echo("; ".join(f"{name.replace('_', ' ').capitalize()}: {count}"
                         for name, count in result.items()) + ".")


@click.command("worker")
@click.option("--burst", is_flag=True,
              help="Stop once the queues are empty instead of waiting for more jobs.")
@click.argument("queues", nargs=-1)
@with_appcontext
def worker_command(burst, queues):
    """Run an RQ worker, with the scheduler (retries, scheduled jobs), inside the app.

    Listens to QUEUES (default: "default") on the app's Redis.
    """
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        raise click.ClickException(
            "REDIS_URL is not set: jobs run in-process, so there is nothing for a worker to do.")
    connection = app.extensions["redis"]
    # Jobs run in forked work horses; each must open its own database connections rather than
    # share pooled ones inherited from this process.
    db.engine.dispose()
    worker = build_worker(connection, queues or ["default"])
    worker.work(burst=burst, with_scheduler=True)


def build_worker(connection, queue_names):
    """RQ's worker on ``queue_names``, tuned (above) so that after another worker dies it takes
    the scheduler over, and retries or fails the dead worker's started jobs (RQ's own
    StartedJobRegistry cleanup, by each job's retry policy), within about a minute. On start it
    does both at once for whatever has already expired."""
    return Worker([Queue(name, connection=connection) for name in queue_names],
                  connection=connection, maintenance_interval=MAINTENANCE_SECONDS,
                  worker_ttl=WORKER_TTL_SECONDS, job_monitoring_interval=JOB_HEARTBEAT_SECONDS)
