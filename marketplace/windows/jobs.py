"""Periodic work for windows, run by ``flask jobs run-due`` every minute (so it must be idempotent
and cheap when there is nothing to do)."""


def run_due():
    """Do what is due now; return counts for the run-due summary, e.g. {"name": n}."""
    return {}
