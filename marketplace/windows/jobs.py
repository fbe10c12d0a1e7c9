"""Periodic work for windows, run by ``flask jobs run-due`` every minute (so it must be idempotent
and cheap when there is nothing to do)."""
from . import services


def run_due():
    """Tell providers a window has opened, and remind them before it closes (each once)."""
    counts = services.notify_due()
    return {"window_openings_announced": counts.opened,
            "window_close_reminders_sent": counts.reminded}
