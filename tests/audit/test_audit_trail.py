"""The audit trail is append-only and hash-chained, so tampering is detectable."""
import pytest
from sqlalchemy import bindparam, select, text

import tenants
from marketplace import audit
from marketplace.audit.models import AuditEvent, AuditTrailIsAppendOnly
from marketplace.extensions import db

from .. import factories


def _events(organisation):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(AuditEvent).where(
            AuditEvent.organisation_id == organisation.id).order_by(AuditEvent.id)).all()


@pytest.fixture
def history(world, client):
    """Some real events: sign-ins (good and bad), an invitation, a system event."""
    client.post("/sign-in", data={"email": world.officer.email, "password": factories.PASSWORD})
    client.post("/sign-out")
    client.post("/sign-in", data={"email": world.officer.email, "password": "wrong wrong wrong"})
    client.post("/sign-in", data={"email": "stranger@example.org", "password": "whatever it is"})
    return world


def test_each_organisations_events_form_a_chain(history):
    events = _events(history.member)
    assert len(events) >= 4
    assert events[0].previous_hash is None
    for before, after in zip(events, events[1:]):
        assert after.previous_hash == before.hash
        assert after.hash == after.compute_hash()


def test_verify_passes_on_an_untouched_trail(history, runner):
    assert audit.verify_chains() == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output


def test_verify_finds_a_row_altered_in_sql(history, runner):
    target = _events(history.member)[2]
    db.session.execute(text("UPDATE audit_event SET action = 'nothing.happened' WHERE id = :id"),
                       {"id": target.id})
    [found] = audit.verify_chains()
    assert found.event_id == target.id and "altered" in found.problem
    assert found.chain.startswith(f"organisation {history.member.id}")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"event {target.id}" in result.output


def test_verify_finds_a_row_deleted_in_sql(history):
    events = _events(history.member)
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[1].id})
    [found] = audit.verify_chains()
    assert found.event_id == events[2].id and "removed" in found.problem


@pytest.mark.parametrize("newest", [1, 2, "all"])
def test_verify_finds_the_newest_events_deleted_in_sql(history, runner, newest):
    """Removing the tail of a chain leaves every remaining link intact: the chain's head, which
    names its last event, is what shows the loss."""
    events = _events(history.member)
    gone = events if newest == "all" else events[-newest:]
    db.session.execute(text("DELETE FROM audit_event WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)), {"ids": [e.id for e in gone]})
    [found] = audit.verify_chains()
    assert found.chain.startswith(f"organisation {history.member.id}")
    assert found.event_id == events[-1].id and "newest" in found.problem
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN organisation {history.member.id} (Manchester): event {events[-1].id}" in (
        result.output)
    assert "intact" not in result.output


def test_verify_finds_the_newest_system_event_deleted_in_sql(history, runner):
    with tenants.scoped_to(history.host):
        newest = db.session.scalars(select(AuditEvent).where(
            AuditEvent.organisation_id.is_(None)).order_by(AuditEvent.id.desc())).first()
    db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": newest.id})
    [found] = audit.verify_chains()
    assert found.chain == "system events" and found.event_id == newest.id


def test_the_chain_head_follows_every_append(history):
    from marketplace.audit.models import AuditChainHead

    events = _events(history.member)
    head = db.session.get(AuditChainHead, history.member.id)
    assert (head.last_event_id, head.last_hash) == (events[-1].id, events[-1].hash)


def test_verify_checks_the_system_chain_too(history):
    with tenants.scoped_to(history.host):
        system = db.session.scalars(select(AuditEvent).where(
            AuditEvent.organisation_id.is_(None))).first()
    db.session.execute(text("UPDATE audit_event SET after = NULL WHERE id = :id"),
                       {"id": system.id})
    [found] = audit.verify_chains()
    assert found.chain == "system events" and found.event_id == system.id


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_orm_refuses_to_change_or_delete_an_event(history, change):
    event = _events(history.member)[0]
    with tenants.scoped_to(history.member):
        if change == "update":
            event.action = "rewritten"
        else:
            db.session.delete(event)
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
    db.session.rollback()


def test_a_manager_reads_their_organisations_trail_only(client, history, as_user):
    page = as_user(history.manager).get("/audit").get_data(as_text=True)
    assert "Audit trail" in page and "Signed in" in page and "Failed sign-in" in page
    assert history.officer.full_name in page
    assert "stranger@example.org" not in page


def test_the_host_admin_sees_system_events_and_officers_see_none(client, history, as_user):
    page = as_user(history.host_admin).get("/audit").get_data(as_text=True)
    assert "Failed sign-in" in page and "The system" in page
    assert as_user(history.officer).get("/audit").status_code == 403


def test_the_trail_pages_with_a_constant_number_of_queries(client, world, as_user):
    from ..helpers import assert_constant_queries

    as_user(world.manager)

    def add_events(n):
        with tenants.scoped_to(world.member):
            for _ in range(n):
                audit.record("user.signed_in", world.officer, actor=world.officer)
            db.session.commit()

    def load():
        assert client.get("/audit").status_code == 200

    assert_constant_queries(add_events, load, sizes=(1, 60))
    page2 = client.get("/audit?page=2").get_data(as_text=True)
    assert "Previous" in page2 and "Signed in" in page2
