"""Issuing decisions, feedback letters, standstill, and admissions."""
import re
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, ValidationFailed
from marketplace.evaluation import admissions, jobs, services
from marketplace.evaluation.models import Admission, AdmissionStatus
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage
from marketplace.purchasing.models import StandstillRule
from tests.helpers import assert_constant_queries, bearer_token

from . import factories
from .test_evaluation import api_client

FRIDAY_19_DECEMBER = datetime(2025, 12, 19, 15, 0, tzinfo=timezone.utc)


def _outbox(template):
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.template == template).execution_options(**{tenants.UNSCOPED: True})).all()


def test_issuing_notifies_starts_standstill_and_creates_pending_admissions(
        world, scoped, time_machine):
    """Under the PCR 2015 rule (10 calendar days) a decision notified on Friday 19 December
    2025 admits the provider from 00:00 on Tuesday 30 December 2025."""
    time_machine.move_to(FRIDAY_19_DECEMBER, tick=False)
    application, decision = factories.decided(world)
    with scoped(world.host):
        db.session.refresh(decision)
        assert decision.notified_at == FRIDAY_19_DECEMBER
        assert decision.standstill_rule == StandstillRule.CALENDAR_DAYS_10
        ends = datetime(2025, 12, 30, tzinfo=timezone.utc)
        assert decision.standstill_ends_at == ends
        made = db.session.scalars(select(Admission).order_by(Admission.lot_id)).all()
        assert [(a.provider_id, a.lot_id, a.effective_at) for a in made] == [
            (world.provider.id, lot.id, ends) for lot in application.window.lots]
        window = application.window
        db.session.refresh(window)
        assert window.decisions_issued_at == FRIDAY_19_DECEMBER
        assert window.standstill_ends_at == ends
        assert window.status.value == "standstill"
        with pytest.raises(Conflict):
            services.issue_window_decisions(world.host_admin, window.id)
    assert [m.recipient for m in _outbox("decision_issued")] == [world.provider_user.email]


def test_decisions_wait_until_every_application_is_moderated(world, scoped):
    made_window = factories.window(world.host)
    factories.scored_application(world, made_window)
    with scoped(world.host), pytest.raises(Conflict):
        services.issue_window_decisions(world.host_admin, made_window.id)


def test_a_windowed_decision_is_not_issued_on_its_own(world, scoped):
    application, decision = factories.decided(world, issue=False)
    with scoped(world.host), pytest.raises(Conflict):
        services.issue_decision(world.host_admin, application.id)


def test_an_always_open_window_issues_each_decision(world, scoped):
    made_window = factories.window(world.host, always_open=True)
    application, decision = factories.decided(world, issue=False, made_window=made_window)
    with scoped(world.host):
        issued = services.issue_decision(world.host_admin, application.id)
        assert issued.notified_at is not None
        assert len(admissions.active_admissions(made_window.lots[0].id,
                                                issued.standstill_ends_at)) == 1


def test_the_admission_becomes_active_exactly_when_standstill_ends(world, scoped, time_machine):
    """Procurement Act 2023 s.51: 8 working days beginning with the day of the notice. Notified
    Friday 19 December 2025: Fri 19 (1), Mon 22 (2), Tue 23 (3), Wed 24 (4), [Christmas Day,
    Boxing Day, weekend], Mon 29 (5), Tue 30 (6), Wed 31 (7), [1 January, 2 January (Scotland),
    weekend], Mon 5 January (8). Active from 00:00 on Tuesday 6 January 2026 (GMT, so 00:00
    UTC), not a second before, with no job needed. (Counting from the day after, as the code
    once did, made it a working day late: Wednesday 7 January.)"""
    from marketplace.purchasing.models import PurchasingSystem

    system = factories.purchasing_factories.system(world.host)
    with scoped(world.host):
        db.session.get(PurchasingSystem, system.id).admission_standstill = \
            StandstillRule.WORKING_DAYS_8
        db.session.commit()
    time_machine.move_to(FRIDAY_19_DECEMBER, tick=False)
    application, decision = factories.decided(world)
    lot = application.window.lots[0]
    starts = datetime(2026, 1, 6, tzinfo=timezone.utc)
    with scoped(world.member):
        time_machine.move_to(starts - timedelta(seconds=1), tick=False)
        assert admissions.active_admissions(lot.id) == []
        assert admissions.admitted_lot_ids(world.provider.id) == {
            lot.id for lot in application.window.lots}
        time_machine.move_to(starts, tick=False)
        assert [a.provider_id for a in admissions.active_admissions(lot.id)] == [
            world.provider.id]
        assert admissions.is_admitted(world.provider.id, lot.id)


def test_the_job_tells_the_provider_once_when_the_admission_becomes_active(
        world, time_machine):
    time_machine.move_to(FRIDAY_19_DECEMBER, tick=False)
    factories.decided(world)
    assert jobs.run_due() == {"admissions_activated": 0}
    time_machine.move_to(datetime(2025, 12, 30, 0, 0, 1, tzinfo=timezone.utc), tick=False)
    assert jobs.run_due() == {"admissions_activated": 2}
    assert jobs.run_due() == {"admissions_activated": 0}
    assert len(_outbox("admission_active")) == 2


def test_a_rejected_provider_gets_no_admission(world, scoped):
    application, decision = factories.decided(world, mark=1)
    with scoped(world.host):
        assert db.session.scalars(select(Admission)).all() == []
        assert admissions.admitted_lot_ids(world.provider.id) == set()


# ---------------------------------------------------------------- decision and letter

def test_the_provider_sees_its_decision_and_letter_once_issued(world, as_user):
    application, decision = factories.decided(world, issue=False)
    client = as_user(world.provider_user)
    page = client.get(f"/applications/{application.id}/decision")
    assert page.status_code == 200 and b"No decision has been issued" in page.data
    assert client.get(f"/applications/{application.id}/letter").status_code == 409
    with tenants.scoped_to(world.host):
        services.issue_window_decisions(world.host_admin, application.window_id)
    page = client.get(f"/applications/{application.id}/decision")
    assert b"Admitted" in page.data and b"Strong answers throughout." in page.data
    letter = client.get(f"/applications/{application.id}/letter")
    assert letter.status_code == 200
    assert b"80.00 of 100" in letter.data and b"Pass mark 60" in letter.data


@pytest.mark.parametrize("outsider", ["other_provider_user", "manager", "other_officer"])
@pytest.mark.parametrize("path", ["decision", "letter", "letter.pdf"])
def test_decision_and_letter_are_404_to_other_providers_and_members(world, as_user, outsider,
                                                                    path):
    application, decision = factories.decided(world)
    response = as_user(getattr(world, outsider)).get(f"/applications/{application.id}/{path}")
    assert response.status_code == 404


def test_the_decision_api_is_404_to_another_provider(world, app):
    application, decision = factories.decided(world)
    client = api_client(app)
    token = bearer_token(world.other_provider_user).token
    response = client.get(f"/api/v1/applications/{application.id}/decision",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    token = bearer_token(world.provider_user).token
    response = client.get(f"/api/v1/applications/{application.id}/decision",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json["outcome"] == "admitted" and response.json["weighted_score"] == 80


def _pdf_text(data):
    chunks = [data]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            pass
    return b"".join(chunks)


def test_the_letter_pdf_names_the_provider_and_its_scores(world, as_user):
    application, decision = factories.decided(world)
    response = as_user(world.provider_user).get(f"/applications/{application.id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = _pdf_text(response.data)
    assert b"Brookvale School Ltd" in text
    assert b"Pass mark: 60" in text


def test_the_pdf_survives_text_outside_latin_1(world, scoped):
    from marketplace.evaluation import letters

    application, decision = factories.decided(world, issue=False)
    with scoped(world.host):
        decision.reasons = "Excellent — “evidenced” work ✓ 日本"
        pdf = letters.letter_pdf(letters.letter_for(decision, application))
    assert pdf.startswith(b"%PDF")
    assert b'Excellent - "evidenced" work ? ??' in _pdf_text(pdf)


# ---------------------------------------------------------------- admissions

def test_suspending_and_removing_need_a_reason_and_are_audited(world, scoped):
    application, decision = factories.decided(world)
    with scoped(world.host):
        admission = db.session.scalars(select(Admission)).first()
        with pytest.raises(ValidationFailed):
            services.suspend_admission(world.host_admin, admission.id, " ")
        services.suspend_admission(world.host_admin, admission.id, "Ofsted inadequate")
        assert admission.status == AdmissionStatus.SUSPENDED
        with pytest.raises(Conflict):
            services.suspend_admission(world.host_admin, admission.id, "again")
        services.reinstate_admission(world.host_admin, admission.id, "Re-inspected: good")
        services.remove_admission(world.host_admin, admission.id, "Closed the school")
        assert admission.status == AdmissionStatus.REMOVED
        with pytest.raises(Conflict):
            services.reinstate_admission(world.host_admin, admission.id, "Oops")
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "Admission").order_by(AuditEvent.id)).all()
    assert [(e.action, e.before["status"], e.after["status"], e.after["reason"])
            for e in events] == [
        ("admission.suspended", "active", "suspended", "Ofsted inadequate"),
        ("admission.reinstated", "suspended", "active", "Re-inspected: good"),
        ("admission.removed", "active", "removed", "Closed the school"),
    ]
    assert len(_outbox("admission_status_changed")) == 3
    with scoped(world.member):
        assert admissions.admitted_lot_ids(world.provider.id) == {
            lot.id for lot in application.window.lots} - {admission.lot_id}


def test_only_the_host_administrator_changes_admissions(world, scoped, as_user):
    made = factories.admission(world.host, world.provider)
    response = as_user(world.manager).post(f"/admissions/{made.id}/suspend",
                                           data={"reason": "No"})
    assert response.status_code == 403
    response = as_user(world.host_admin).post(f"/admissions/{made.id}/suspend",
                                              data={"reason": "Safeguarding concern"})
    assert response.status_code == 302
    page = as_user(world.manager).get(f"/admissions/{made.id}")
    assert b"Suspended" in page.data and b"Safeguarding concern" in page.data


def test_the_admission_api_suspends_with_a_reason(world, app):
    made = factories.admission(world.host, world.provider)
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    client = api_client(app)
    response = client.post(f"/api/v1/admissions/{made.id}/suspend", json={}, headers=headers)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "reason"
    response = client.post(f"/api/v1/admissions/{made.id}/suspend",
                           json={"reason": "Insurance lapsed"}, headers=headers)
    assert response.status_code == 200
    assert response.json["status"] == "suspended"
    assert response.json["status_reason"] == "Insurance lapsed"


def test_every_authority_reads_the_admissions_but_providers_do_not(world, as_user):
    made = factories.admission(world.host, world.provider)
    page = as_user(world.other_officer).get("/admissions")
    assert page.status_code == 200 and b"Brookvale School Ltd" in page.data
    assert as_user(world.provider_user).get("/admissions").status_code == 403
    assert as_user(world.other_officer).get(f"/admissions/{made.id}").status_code == 200


def test_another_providers_admission_does_not_exist_for_a_provider(world, as_user):
    """Another organisation's object answers 404, never 403 (the developers' guide); the report
    found /admissions/<id> answering 403 to other providers."""
    theirs = factories.admission(world.host, world.other_provider)
    mine = factories.admission(world.host, world.provider)
    client = as_user(world.provider_user)
    page = client.get(f"/admissions/{theirs.id}")
    assert page.status_code == 404 and b"Page not found" in page.data
    assert client.get(f"/admissions/{mine.id}").status_code == 403


def test_the_admissions_list_filters(world, as_user, time_machine):
    time_machine.move_to(datetime(2026, 1, 1, tzinfo=timezone.utc), tick=False)
    from tests.purchasing import factories as purchasing_factories

    day = purchasing_factories.lot(world.host, "DAY")
    res = purchasing_factories.lot(world.host, "RES52")
    factories.admission(world.host, world.provider, day,
                        effective_at=datetime(2025, 12, 1, tzinfo=timezone.utc))
    factories.admission(world.host, world.other_provider, res,
                        effective_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    client = as_user(world.manager)
    page = client.get(f"/admissions?lot={day.id}")
    assert b">Brookvale School Ltd</a>" in page.data
    assert b">Larchfield School Ltd</a>" not in page.data
    page = client.get("/admissions?status=pending")
    assert b">Larchfield School Ltd</a>" in page.data
    assert b">Brookvale School Ltd</a>" not in page.data
    api = client.get("/api/v1/admissions?status=active")
    assert [a["provider"]["name"] for a in api.json] == ["Brookvale School Ltd"]


def test_the_admissions_list_keeps_a_constant_query_count(world, as_user):
    from tests import factories as base_factories

    client = as_user(world.host_admin)

    def make_rows(n):
        for _ in range(n):
            factories.admission(world.host, base_factories.provider())

    def request():
        assert client.get("/admissions").status_code == 200
        assert client.get("/api/v1/admissions").status_code == 200

    assert_constant_queries(make_rows, request)
