"""Emails the mail server will not take: tried again with back-off, then marked failed with the
error, listed for the host's administrators and sent again from that page."""
from datetime import timedelta

from sqlalchemy import select

import tenants
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage, OutboxStatus

from .. import factories
from .factories import failed_message
from .helpers import run_queued_jobs

CLOSED_PORT = 1  # nothing listens there: the mail server is down


def _message(organisation):
    with tenants.scoped_to(organisation):
        return db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.organisation_id == organisation.id)
            .execution_options(populate_existing=True)).one()


def _mail_server_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", CLOSED_PORT)


def test_a_failing_delivery_backs_off_then_is_marked_failed_and_can_be_sent_again(
        client, world, as_user, app, runner, monkeypatch, time_machine, sent):
    time_machine.move_to("2026-11-24 09:00 +00:00", tick=False)
    _mail_server_down(app, monkeypatch)
    page = as_user(world.manager).post("/users/invite", data={
        "full_name": "Nia Officer", "email": "nia@manchester.example.com",
        "role": "placement_officer"})
    assert "Invitation ready" in page.get_data(as_text=True)  # the person sees no failure

    def run_due():
        result = runner.invoke(args=["jobs", "run-due"])
        assert result.exit_code == 0, result.output
        return _message(world.member)

    # The first attempt ran in-process after commit, or runs now when jobs go to Redis.
    message = run_due()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert message.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert message.next_attempt_at == tenants.utcnow() + timedelta(seconds=60)
    assert run_due().attempts == 1  # not due again until the back-off has passed

    intervals = app.config["RETRY_INTERVALS"]
    for attempt, interval in enumerate(intervals, start=2):
        time_machine.shift(timedelta(seconds=interval))
        message = run_due()
        assert message.attempts == attempt
    assert (message.status, message.attempts, message.next_attempt_at) == (
        OutboxStatus.FAILED, len(intervals) + 1, None)
    assert "Connection refused" in message.last_error
    time_machine.shift(timedelta(days=1))
    assert run_due().attempts == len(intervals) + 1  # failed means no more attempts
    assert sent == []

    listed = as_user(world.host_admin).get("/deliveries/failed").get_data(as_text=True)
    assert "nia@manchester.example.com" in listed and "Connection refused" in listed
    monkeypatch.undo()  # the mail server is back
    time_machine.move_to("2026-11-25 12:00 +00:00", tick=False)
    response = client.post(f"/deliveries/{message.id}/retry")
    assert response.location == "/deliveries/failed"
    run_queued_jobs(app)
    message = _message(world.member)
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 1)
    assert [e["To"] for e in sent] == ["nia@manchester.example.com"]
    page = client.get("/deliveries/failed").get_data(as_text=True)
    assert "The email to nia@manchester.example.com will be sent again." in page
    assert "There are no emails that could not be sent." in page


def test_the_host_admin_sees_every_organisations_failed_emails(client, world, as_user):
    failed_message(world.member, recipient="lost@manchester.example.com")
    failed_message(world.other_member, recipient="gone@stockport.example.com",
                   error="SMTPRecipientsRefused: 550 mailbox unavailable")
    page = as_user(world.host_admin).get("/deliveries/failed").get_data(as_text=True)
    assert "lost@manchester.example.com" in page and "gone@stockport.example.com" in page
    assert "Manchester" in page and "Stockport" in page
    assert "550 mailbox unavailable" in page
    administration = as_user(world.host_admin).get("/administration").get_data(as_text=True)
    assert 'href="/deliveries/failed"' in administration
    assert "You see every organisation&#39;s." in administration


def test_a_manager_sees_only_their_organisations_failed_emails(client, world, as_user):
    failed_message(world.member, recipient="lost@manchester.example.com")
    failed_message(world.other_member, recipient="gone@stockport.example.com")
    page = as_user(world.manager).get("/deliveries/failed").get_data(as_text=True)
    assert "lost@manchester.example.com" in page
    assert "gone@stockport.example.com" not in page


def test_the_hosts_own_managers_see_only_the_hosts_failed_emails(client, world, as_user):
    """Seeing the region's failed mail is for the administrators who run the service, not for
    everyone in the host authority."""
    host_manager = factories.user(world.host, Role.AUTHORITY_MANAGER)
    theirs = failed_message(world.member, recipient="lost@manchester.example.com")
    failed_message(world.host, recipient="lost@cheshire-east.example.com")
    page = as_user(host_manager).get("/deliveries/failed").get_data(as_text=True)
    assert "lost@cheshire-east.example.com" in page
    assert "lost@manchester.example.com" not in page
    assert client.post(f"/deliveries/{theirs.id}/retry").status_code == 404
    assert _message(world.member).status == OutboxStatus.FAILED


def test_the_host_sees_no_other_organisations_mail_that_has_not_failed(world, sent):
    failed_message(world.member, recipient="lost@manchester.example.com")
    with tenants.scoped_to(world.member):
        ok = db.session.scalars(select(OutboxMessage)).one()
        ok.status = OutboxStatus.SENT
        db.session.commit()
    with tenants.scoped_to(world.host):
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_only_managers_see_failed_emails(client, world, as_user):
    failed_message(world.member, recipient="lost@manchester.example.com")
    for person in (world.officer, world.evaluator, world.other_officer):
        assert as_user(person).get("/deliveries/failed").status_code == 403
    # Providers manage their own people (and so their invitations), but see only their own.
    page = as_user(world.provider_user).get("/deliveries/failed").get_data(as_text=True)
    assert "There are no emails that could not be sent." in page
    assert 'href="/deliveries/failed"' not in as_user(world.manager).get(
        "/dashboard").get_data(as_text=True)
    for person in (world.officer, world.evaluator):
        assert 'href="/deliveries/failed"' not in as_user(person).get(
            "/administration").get_data(as_text=True)


def test_the_host_admin_sends_a_members_failed_email_again(client, world, as_user, app, sent):
    message = failed_message(world.member, recipient="lost@manchester.example.com")
    as_user(world.host_admin)
    assert client.post(f"/deliveries/{message.id}/retry").status_code == 302
    run_queued_jobs(app)
    assert _message(world.member).status == OutboxStatus.SENT
    assert [e["To"] for e in sent] == ["lost@manchester.example.com"]
    with tenants.scoped_to(world.member):
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "notification.retried")).all()
    assert (event.object_id, event.actor_user_id, event.organisation_id) == (
        str(message.id), world.host_admin.id, world.member.id)
    # Sent now, so no longer the host's to see, let alone send again.
    assert client.post(f"/deliveries/{message.id}/retry").status_code == 404
    page = as_user(world.manager).post(f"/deliveries/{message.id}/retry",
                                       follow_redirects=True).get_data(as_text=True)
    assert "This email has not failed, so it cannot be retried" in page
    assert len(sent) == 1


def test_failed_emails_are_listed_a_page_at_a_time(client, world, as_user):
    for n in range(51):
        failed_message(world.member, recipient=f"lost{n}@manchester.example.com")
    as_user(world.manager)
    first = client.get("/deliveries/failed").get_data(as_text=True)
    second = client.get("/deliveries/failed?page=2").get_data(as_text=True)
    assert first.count("Send again") == 50 and "lost50@" in first and "lost0@" not in first
    assert second.count("Send again") == 1 and "lost0@" in second
    assert 'href="/deliveries/failed?page=2"' in first
    assert client.get("/deliveries/failed?page=99999999999999999999").status_code == 200
