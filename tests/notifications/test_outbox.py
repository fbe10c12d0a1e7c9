"""The outbox: emails are written with the change that causes them and delivered exactly once,
whether or not Redis is there when the change happens."""
from datetime import date, datetime, timedelta, timezone

from redis import Redis
from sqlalchemy import select

import tenants
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Credential, Role, User
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage, OutboxStatus, deliver

from .factories import failed_message
from .helpers import run_queued_jobs

DEAD_REDIS = "redis://127.0.0.1:1/0"


def _messages(organisation, **where):
    with tenants.scoped_to(organisation):
        return db.session.scalars(
            select(OutboxMessage).filter_by(organisation_id=organisation.id, **where)
            .order_by(OutboxMessage.id).execution_options(populate_existing=True)).all()


def _invite(client, email, full_name="Nia Officer"):
    return client.post("/users/invite", data={"full_name": full_name, "email": email,
                                              "role": "placement_officer"})


def _link_on(page):
    return "http://localhost" + page.split("http://localhost")[1].split("<")[0].strip()


def _text(email):
    return email.get_body(("plain",)).get_content()


def _html(email):
    return email.get_body(("html",)).get_content()


def test_an_invitation_writes_one_outbox_row_and_emails_the_link(client, world, as_user, app,
                                                                  sent):
    page = _invite(as_user(world.manager), "nia@manchester.example.com").get_data(as_text=True)
    assert "We have emailed Nia Officer at nia@manchester.example.com" in page
    token = _link_on(page).rsplit("/", 1)[1]
    run_queued_jobs(app)

    [message] = _messages(world.member)
    assert (message.recipient, message.template, message.status, message.attempts) == (
        "nia@manchester.example.com", "invitation", OutboxStatus.SENT, 1)
    assert message.sent_at is not None and message.last_error is None
    assert message.context is None  # the one-time link is not kept once sent
    [email] = sent
    link = f"http://127.0.0.1:5000/invitations/{token}"
    assert email["To"] == "nia@manchester.example.com"
    assert email["Subject"] == "Set up your account on the SEND placements marketplace"
    assert email["Message-ID"].startswith(f"<outbox-{message.id}.")
    text = _text(email)
    assert text.startswith("Dear Nia Officer,")
    assert f"{world.manager.full_name} has invited you to join Manchester" in text
    assert "as a placement officer" in text and link in text
    assert f'<a href="{link}"' in _html(email)
    # The link in the email is the one that works.
    client.post("/sign-out")
    assert "Set up your account" in client.get(f"/invitations/{token}").get_data(as_text=True)


def test_the_outbox_row_commits_or_rolls_back_with_the_change(app, world, sent):
    """The email exists if and only if the change does, and nothing is sent before commit."""
    wirral = tenants.Authority(name="Wirral", ons_code="E08000015", slug="wirral",
                               joined_on=date(2026, 4, 1))
    db.session.add(wirral)
    db.session.flush()
    accounts.invite_first_user(world.host_admin, wirral, email="wren@wirral.example.com",
                               full_name="Wren Manager", role=Role.AUTHORITY_MANAGER)
    assert [m.status for m in _messages(wirral)] == [OutboxStatus.PENDING]
    assert sent == []
    db.session.rollback()
    assert db.session.scalars(select(Credential).where(
        Credential.email == "wren@wirral.example.com")).first() is None
    assert db.session.scalars(select(tenants.Authority).filter_by(slug="wirral")).first() is None
    run_queued_jobs(app)
    assert sent == []

    db.session.add(wirral := tenants.Authority(name="Wirral", ons_code="E08000015",
                                               slug="wirral", joined_on=date(2026, 4, 1)))
    db.session.flush()
    accounts.invite_first_user(world.host_admin, wirral, email="wren@wirral.example.com",
                               full_name="Wren Manager", role=Role.AUTHORITY_MANAGER)
    db.session.commit()
    run_queued_jobs(app)
    [message] = _messages(wirral)
    assert message.status == OutboxStatus.SENT
    assert [e["To"] for e in sent] == ["wren@wirral.example.com"]


def test_a_reissued_invitation_and_a_new_authority_email_their_links(client, world, as_user,
                                                                    app, sent):
    as_user(world.manager)
    first = _link_on(_invite(client, "nia@manchester.example.com").get_data(as_text=True))
    with tenants.scoped_to(world.member):
        nia = db.session.scalars(select(User).filter_by(full_name="Nia Officer")).one()
    second = _link_on(client.post(f"/users/{nia.id}/invitation").get_data(as_text=True))
    as_user(world.host_admin)
    page = client.post("/authorities/new", data={
        "name": "Wirral", "ons_code": "E08000015", "joined_on": ["1", "4", "2026"],
        "manager_full_name": "Wren Manager", "manager_email": "wren@wirral.example.com",
    }).get_data(as_text=True)
    assert "We have emailed the authority's manager" in page
    third = _link_on(page)
    run_queued_jobs(app)

    tokens = [link.rsplit("/", 1)[1] for link in (first, second, third)]
    assert first != second
    assert [(e["To"], tokens[i] in _text(e)) for i, e in enumerate(sent)] == [
        ("nia@manchester.example.com", True), ("nia@manchester.example.com", True),
        ("wren@wirral.example.com", True)]
    assert "Cheshire East" not in _text(sent[2]) and "join Wirral" in _text(sent[2])


def test_nothing_is_lost_while_redis_is_down(client, world, as_user, app, runner, monkeypatch,
                                             sent):
    """Redis unreachable while people work: nothing fails for them, the emails wait in the
    outbox, and run-due delivers each exactly once when it runs again."""
    monkeypatch.setitem(app.config, "REDIS_URL", DEAD_REDIS)
    monkeypatch.setitem(app.extensions, "redis", Redis.from_url(DEAD_REDIS))
    as_user(world.manager)
    for n in range(3):
        page = _invite(client, f"person{n}@manchester.example.com", f"Person {n}")
        assert "Invitation ready" in page.get_data(as_text=True)
    with tenants.scoped_to(world.member):
        person0 = db.session.scalars(select(User).filter_by(full_name="Person 0")).one()
    assert client.post(f"/users/{person0.id}/invitation").status_code == 200
    as_user(world.host_admin)
    page = client.post("/authorities/new", data={
        "name": "Wirral", "ons_code": "E08000015", "joined_on": ["1", "4", "2026"],
        "manager_full_name": "Wren Manager", "manager_email": "wren@wirral.example.com"})
    assert "Authority added" in page.get_data(as_text=True)
    wirral = db.session.scalars(select(tenants.Authority).filter_by(slug="wirral")).one()
    waiting = _messages(world.member) + _messages(wirral)
    assert [m.status for m in waiting] == [OutboxStatus.PENDING] * 5
    assert sent == []

    monkeypatch.undo()
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0 and "Emails sent: 5;" in result.output, result.output
    again = runner.invoke(args=["jobs", "run-due"])
    assert again.exit_code == 0 and "Emails sent: 0;" in again.output
    run_queued_jobs(app)  # and nothing the queue may still hold sends anything twice

    delivered = _messages(world.member) + _messages(wirral)
    assert [(m.status, m.attempts) for m in delivered] == [(OutboxStatus.SENT, 1)] * 5
    assert sorted(e["X-Outbox-Id"] for e in sent) == sorted(str(m.id) for m in delivered)
    assert sorted(e["To"] for e in sent) == [
        "person0@manchester.example.com", "person0@manchester.example.com",
        "person1@manchester.example.com", "person2@manchester.example.com",
        "wren@wirral.example.com"]


def test_delivering_twice_sends_once(app, world, sent):
    """A second delivery of the same message (a retry racing run-due) finds nothing to do."""
    with tenants.scoped_to(world.member):
        accounts.invite_user(world.manager, email="nia@manchester.example.com",
                             full_name="Nia Officer", role="placement_officer")
        [message] = _messages(world.member)
        for _ in range(3):
            deliver(message.id)
    run_queued_jobs(app)
    assert len(sent) == 1
    assert _messages(world.member)[0].attempts == 1


def test_an_attempt_cut_short_leaves_the_message_to_the_retry_once_its_lease_lapses(
        app, world, sent, time_machine):
    """A worker killed mid-send leaves its message claimed. The claim lasts a little longer than
    RQ lets a delivery job run (so a slow attempt is never overlapped and sent twice), and no
    longer: the dead worker's job is retried about a minute and a half after the kill."""
    from marketplace.notifications import services as outbox

    time_machine.move_to("2026-12-02 09:00 +00:00", tick=False)
    message = failed_message(world.member)
    with tenants.scoped_to(world.member):
        message.status, message.attempts = OutboxStatus.PENDING, 1
        message.next_attempt_at = tenants.utcnow()
        db.session.commit()
        assert outbox._claim(message.id, tenants.utcnow())  # the attempt that died
    assert timedelta(seconds=outbox.DELIVERY_JOB_TIMEOUT) < outbox.ATTEMPT_LEASE <= timedelta(
        seconds=90)

    time_machine.move_to(datetime(2026, 12, 2, 9, tzinfo=timezone.utc) + outbox.ATTEMPT_LEASE
                         - timedelta(seconds=1), tick=False)
    with tenants.scoped_to(world.member):
        assert deliver(message.id) is False
    assert sent == []
    time_machine.move_to(datetime(2026, 12, 2, 9, tzinfo=timezone.utc) + outbox.ATTEMPT_LEASE,
                         tick=False)
    with tenants.scoped_to(world.member):
        assert deliver(message.id) is True
    [email] = sent
    assert email["To"] == "lost@example.org"
    [row] = _messages(world.member)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 3)


def test_delivery_is_refused_outside_the_owners_scope(world, sent):
    message = failed_message(world.member)
    with tenants.scoped_to(world.member):
        message.status, message.next_attempt_at = OutboxStatus.PENDING, tenants.utcnow()
        db.session.commit()
    with tenants.scoped_to(world.other_member):
        assert deliver(message.id) is False
    assert sent == [] and _messages(world.member)[0].attempts == 5


def test_emailing_another_organisations_users_writes_in_their_scope(world):
    """The host tells a provider something: each of the provider's active users gets a message
    owned by the provider (invited and deactivated users get none); the host's scope is back
    afterwards."""
    from marketplace.notifications import notify_organisation

    from .. import factories

    factories.user(world.provider, Role.PROVIDER_USER)  # a second active user
    with tenants.scoped_to(world.provider):
        accounts.invite_user(world.provider_user, email="new@brookvale.example.com",
                             full_name="New Person", role="provider_user")
        db.session.commit()
    with tenants.scoped_to(world.host):
        written = notify_organisation(
            world.provider, "invitation",
            {"organisation_name": "Brookvale", "link": "https://example.org/x"})
        assert tenants.current_scope().organisation_id == world.host.id
        names = {m.context["full_name"] for m in written}
        db.session.commit()
    ids = {m.id for m in written}
    sent = [m for m in _messages(world.provider, template="invitation") if m.id in ids]
    assert len(sent) == len(written)
    with tenants.scoped_to(world.provider):
        active = set(db.session.scalars(select(Credential.email).join(User).where(
            User.status == "active")).all())
    assert {m.recipient for m in sent} == active and len(active) == 2
    assert world.provider_user.full_name in names
    assert all(m.organisation_id == world.provider.id for m in sent)
    assert _messages(world.host, template="invitation") == []
