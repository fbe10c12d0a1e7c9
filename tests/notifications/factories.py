"""Outbox rows for tests, made directly (as the delivery job would leave them)."""
import tenants
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage, OutboxStatus


def failed_message(organisation, *, recipient="lost@example.org",
                   error="SMTPRecipientsRefused: {'lost@example.org': (550, b'No such user')}"):
    """A message of ``organisation`` that used up its attempts."""
    with tenants.scoped_to(organisation):
        message = OutboxMessage(
            recipient=recipient, template="invitation", subject="Set up your account",
            context={"full_name": "Lost Person", "organisation_name": organisation.name,
                     "role": "Placement officer", "invited_by": None,
                     "link": "http://127.0.0.1:5000/invitations/x", "expires": "soon"},
            status=OutboxStatus.FAILED, attempts=5, last_error=error)
        db.session.add(message)
        db.session.commit()
    return message
