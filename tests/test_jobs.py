"""Background jobs: in-process on the embedded default, on Redis when it is configured."""
from marketplace import jobs


def add(a, b):
    return a + b


def test_jobs_run_in_process_or_reach_the_real_redis(app):
    job = jobs.enqueue(add, 2, 3)
    if app.config["REDIS_URL"]:
        assert job.get_status() == "queued"
        assert job.id in jobs.get_queue().job_ids
        job.cancel()
        job.delete()
    else:
        assert job.get_status() == "finished" and job.return_value() == 5
