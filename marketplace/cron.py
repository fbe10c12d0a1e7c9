"""RQ's cron configuration: ``rq cron marketplace.cron --url $REDIS_URL``.

Every minute it queues the periodic work (what ``flask jobs run-due`` does) for the workers,
which run it inside the app; once a day, the daily work (``flask jobs run-daily``: uplifts,
review reminders and contracts' extension decision warnings). One cron process per deployment is enough; a second would only
queue duplicate runs, which are harmless because run-due is idempotent.
"""
from rq import cron

from marketplace import jobs, worker

cron.register(jobs.run, "default", args=(jobs.name_of(worker.run_due), None),
              cron="* * * * *", name="run-due", job_timeout=600, result_ttl=3600)
# Uplifts and review reminders once a day, at 05:30 UTC (before the working day in London).
cron.register(jobs.run, "default", args=(jobs.name_of(worker.run_daily), None),
              cron="30 5 * * *", name="run-daily", job_timeout=3600, result_ttl=86400)
