"""Periodic work for call-offs, run by ``flask jobs run-due`` every minute (idempotent, cheap when
there is nothing to do). Deadlines and sealing follow the clock in the services; these only send
the reminders and notices."""


def run_due():
    """Remind invited providers that have not responded as a deadline nears, and tell officers
    when their offers have opened."""
    from .services import announce_opened_offers, send_deadline_reminders

    return {"call_off_reminders": send_deadline_reminders(),
            "call_offs_opened": announce_opened_offers()}
