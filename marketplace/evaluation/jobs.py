"""Periodic work for evaluation, run by ``flask jobs run-due`` every minute (so it must be idempotent
and cheap when there is nothing to do)."""


def run_due():
    """Tell providers once that an admission has become active (standstill has ended); the
    admission itself is active by the clock whether or not this has run."""
    from .services import notify_active_admissions

    return {"admissions_activated": notify_active_admissions()}
