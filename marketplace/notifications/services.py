"""Notifications: the outbox that services write to, and its delivery by email.

A service that changes state calls :func:`notify`, which adds an outbox row to the service's own
transaction; once that transaction commits, a delivery job is queued. Delivery is idempotent and
retried; whatever is left pending (Redis was down, the worker died, the mail server refused) is
picked up by :func:`deliver_due`, which ``flask jobs run-due`` runs every minute.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import event, inspect, select, update

import tenants

from .. import audit, jobs
from ..accounts.models import Role
from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..extensions import AppSession, db
from .backends import get_backend
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# How long one attempt may take before another may try the same message (a worker that dies
# mid-send leaves the message pending and claimed). RQ stops a delivery job that runs past
# DELIVERY_JOB_TIMEOUT, so no attempt outlives its lease and none is sent twice; and the lease
# lapses before the dead worker's job is retried (about a minute and a half after the kill, see
# marketplace/worker.py), so that retry sends the message rather than finding it still claimed.
DELIVERY_JOB_TIMEOUT = 60  # seconds: an SMTP exchange is a handful of MAIL_TIMEOUT-bound steps
ATTEMPT_LEASE = timedelta(seconds=DELIVERY_JOB_TIMEOUT + 15)
# At most this many messages per run of deliver_due; the next run takes the rest.
DUE_BATCH = 500
FAILED_PER_PAGE = 50
MAX_PAGE = 100_000
DELIVERY_MANAGER_ROLES = (Role.HOST_ADMIN, Role.AUTHORITY_MANAGER, Role.PROVIDER_USER)
_AFTER_COMMIT = "outbox_after_commit"


class DeliveryFailed(Exception):
    """An attempt to send a message failed; the error is recorded on the message."""


def external_url(endpoint, **values):
    """An absolute link for an email, built from ``BASE_URL``: a job has no request to take the
    host name from."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def _template(name, kind):
    return current_app.jinja_env.get_template(f"notifications/{name}.{kind}")


def _render_context(context):
    return {**(context or {}), "service_name": current_app.config["SERVICE_NAME"]}


def notify(recipient, template, context, organisation_id=None):
    """Add an email to the outbox, to be sent once the caller's transaction commits.

    ``template`` names ``notifications/<template>.txt`` and ``.html``; the ``.txt`` sets
    ``subject``. ``context`` must be JSON-safe. The row belongs to ``organisation_id``, by
    default the organisation in scope (which must be the same: writes are scoped). The calling
    service commits it with its own change, so the email exists if and only if the change does.
    """
    if organisation_id is None:
        scope = tenants.current_scope()
        if scope is None:
            raise ValueError("notify() needs an organisation in scope to own the message")
        organisation_id = scope.organisation_id
    subject = _template(template, "txt").make_module(_render_context(context)).subject
    message = OutboxMessage(organisation_id=organisation_id, recipient=recipient,
                            template=template, context=context, subject=subject.strip(),
                            status=OutboxStatus.PENDING, attempts=0,
                            next_attempt_at=tenants.utcnow())
    db.session.add(message)
    _deliver_after_commit(message)
    return message


def notify_organisation(organisation, template, context):
    """Email every active user of ``organisation`` (e.g. a provider told by the host that a window
    has opened). The messages belong to that organisation, so they are written in its scope; the
    caller's transaction commits them with its own change."""
    from ..accounts.models import User, UserStatus

    with tenants.scoped_to(organisation):
        users = db.session.scalars(select(User).where(User.status == UserStatus.ACTIVE)).all()
        messages = [notify(user.email, template, {**context, "full_name": user.full_name})
                    for user in users]
        db.session.flush()
    return messages


def _deliver_after_commit(message):
    db.session.info.setdefault(_AFTER_COMMIT, []).append(message)


@event.listens_for(AppSession, "after_commit")
def _enqueue_committed_messages(session):
    messages = session.info.pop(_AFTER_COMMIT, [])
    for message in messages:
        # A message added in a transaction that was rolled back is no longer in the session.
        if not inspect(message).persistent:
            continue
        try:
            jobs.enqueue(deliver, message.id, organisation_id=message.organisation_id,
                         retry=True, job_timeout=DELIVERY_JOB_TIMEOUT)
        except Exception:
            # The change is committed and the person must not see it fail: the message stays
            # pending and run-due sends it (Redis down, or an in-process delivery that broke).
            log.exception("could not queue delivery of outbox message %s; run-due will send it",
                          message.id)


def _claim(message_id, now):
    """Take the message for one attempt, or return False if it is not ours to send now.

    A conditional UPDATE, committed before sending: of two jobs racing for one message only one
    matches, and a sent or failed message never matches again. The scoping hook covers only
    selects, so the owner check is written here.
    """
    scope = tenants.current_scope()
    if scope is None:
        raise RuntimeError("delivery runs in the message owner's scope (see jobs.run)")
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               OutboxMessage.organisation_id == scope.organisation_id,
               OutboxMessage.status == OutboxStatus.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + ATTEMPT_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _compose(message):
    config = current_app.config
    context = _render_context(message.context)
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    # Stable per message, so a mail system that sees it twice (a crash after the server
    # accepted it but before we recorded that) can tell it is the same message.
    domain = config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<outbox-{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    email["X-Outbox-Id"] = str(message.id)
    email.set_content(_template(message.template, "txt").render(context))
    email.add_alternative(_template(message.template, "html").render(context), subtype="html")
    return email


def deliver(message_id):
    """Send one outbox message: pending → sent, or record the error and schedule the next
    attempt; the last attempt's failure makes it failed.

    The delivery job, run in the owner's scope. Safe to run any number of times: a message is
    sent at most once (see :func:`_claim`); a message not due, already sent or failed is left
    alone. Raises :class:`DeliveryFailed` after recording a failure, so RQ retries the job.
    """
    now = tenants.utcnow()
    if not _claim(message_id, now):
        return False
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)
                                 .execution_options(populate_existing=True)).one()
    try:
        get_backend().send(_compose(message))
    except Exception as error:
        intervals = current_app.config["RETRY_INTERVALS"]
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts > len(intervals):
            message.status = OutboxStatus.FAILED
            message.next_attempt_at = None
        else:
            message.next_attempt_at = now + timedelta(seconds=intervals[message.attempts - 1])
        db.session.commit()
        raise DeliveryFailed(f"outbox message {message_id}, attempt {message.attempts}: "
                             f"{message.last_error}") from error
    message.status = OutboxStatus.SENT
    message.sent_at = tenants.utcnow()
    message.next_attempt_at = None
    message.context = None
    db.session.commit()
    return True


@dataclass
class DueRun:
    sent: int = 0
    failed_attempts: int = 0


def deliver_due():
    """Send every pending message whose time has come, organisation by organisation.

    Periodic (``flask jobs run-due``): picks up what the queue lost while Redis was down, what a
    dead worker left, and the next attempt of what failed. Idempotent, and safe to run while
    delivery jobs run too. For the operator and the scheduler; no user triggers it.
    """
    result = DueRun()
    organisations = db.session.scalars(
        select(tenants.Organisation).order_by(tenants.Organisation.id)).all()
    for organisation in organisations:
        remaining = DUE_BATCH - result.sent - result.failed_attempts
        if remaining <= 0:
            break
        with tenants.scoped_to(organisation):
            due = db.session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.organisation_id == organisation.id,
                       OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.next_attempt_at <= tenants.utcnow())
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(remaining)).all()
            for message_id in due:
                try:
                    if deliver(message_id):
                        result.sent += 1
                except DeliveryFailed as error:
                    log.warning("%s", error)
                    result.failed_attempts += 1
    return result


def _require_delivery_manager(actor):
    if actor.role not in DELIVERY_MANAGER_ROLES:
        raise PermissionDenied("only managers can see and retry failed emails")


def _sees_every_organisation(actor):
    # The host authority's scope shows every organisation's failed messages; of its people only
    # the administrators, who run the service, act on other organisations' mail.
    return actor.is_host_admin and actor.organisation.is_host


@dataclass
class FailedPage:
    rows: list
    page: int
    has_next: bool


def list_failed(actor, page=1):
    """Failed messages with their owner's name, newest first, a page at a time: an
    organisation's own, and for the host's administrators every organisation's. For managers
    and host administrators."""
    _require_delivery_manager(actor)
    # Bounded so an absurd page number cannot overflow the database's integers.
    page = min(max(page, 1), MAX_PAGE)
    statement = (
        select(OutboxMessage, tenants.Organisation.name)
        .join(tenants.Organisation, tenants.Organisation.id == OutboxMessage.organisation_id)
        .where(OutboxMessage.status == OutboxStatus.FAILED))
    if not _sees_every_organisation(actor):
        statement = statement.where(OutboxMessage.organisation_id == actor.organisation_id)
    rows = db.session.execute(
        statement.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(FAILED_PER_PAGE + 1).offset((page - 1) * FAILED_PER_PAGE)
    ).all()
    return FailedPage(rows[:FAILED_PER_PAGE], page, len(rows) > FAILED_PER_PAGE)


def retry_delivery(actor, message_id):
    """Failed → pending, due now, with its attempts counted afresh; delivery is queued.

    For the host's administrators (any organisation's failed message) and an organisation's
    managers (their own). The row is written within its owner's scope, as every write is.
    """
    message = db.session.get(OutboxMessage, message_id)
    if message is None or not (message.organisation_id == actor.organisation_id
                               or _sees_every_organisation(actor)):
        raise NotFound(f"outbox message {message_id}")
    _require_delivery_manager(actor)
    if message.status != OutboxStatus.FAILED:
        raise ValidationFailed({"message": "This email has not failed, so it cannot be retried"})
    owner = db.session.get(tenants.Organisation, message.organisation_id)
    with tenants.scoped_to(owner):
        message.status = OutboxStatus.PENDING
        message.attempts = 0
        message.next_attempt_at = tenants.utcnow()
        audit.record("notification.retried", message, actor=actor,
                     after={"recipient": message.recipient, "template": message.template})
        _deliver_after_commit(message)
        db.session.commit()
    return message
