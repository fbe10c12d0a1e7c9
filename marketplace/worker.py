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
    worker = Worker([Queue(name, connection=connection) for name in queues or ["default"]],
                    connection=connection)
    worker.work(burst=burst, with_scheduler=True)
