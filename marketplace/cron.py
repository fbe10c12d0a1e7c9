"""RQ's cron configuration: ``rq cron marketplace.cron --url $REDIS_URL``.

Every minute it queues the periodic work (what ``flask jobs run-due`` does) for the workers,
which run it inside the app. One cron process per deployment is enough; a second would only
queue duplicate runs, which are harmless because run-due is idempotent.
"""
from rq import cron

from marketplace import jobs, worker

cron.register(jobs.run, "default", args=(jobs.name_of(worker.run_due), None),
              cron="* * * * *", name="run-due", job_timeout=600, result_ttl=3600)
