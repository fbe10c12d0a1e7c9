"""Each authority keeps its own local schedules of additional requirements; nobody else sees
them, and every save keeps a revision."""
import pytest
from sqlalchemy import select

from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, NotFound, PermissionDenied
from marketplace.extensions import db
from marketplace.specifications import services
from marketplace.specifications.models import LocalSchedule, LocalScheduleRevision

from ..helpers import assert_constant_queries, bearer_token
from . import factories


def test_an_officer_writes_changes_and_archives_a_schedule_in_the_browser(
        world, as_user, scoped):
    client = as_user(world.officer)
    response = client.post("/local-schedules/new", data={
        "title": "Manchester requirements", "body": "- Termly returns\n"})
    assert response.status_code == 302
    with scoped(world.member):
        schedule = db.session.scalars(select(LocalSchedule)).one()
    page = client.get(response.location)
    assert b"Manchester requirements" in page.data
    assert b'<ul class="govuk-list govuk-list--bullet">' in page.data

    response = client.post(f"/local-schedules/{schedule.id}/edit", data={
        "title": "Manchester requirements",
        "body": "- Termly returns\n- Invite the social worker\n"})
    assert response.status_code == 302
    with scoped(world.member):
        db.session.refresh(schedule)
        revisions = db.session.scalars(select(LocalScheduleRevision).order_by(
            LocalScheduleRevision.number)).all()
        assert schedule.revision == 2
        assert [(r.number, r.body, r.saved_by_id) for r in revisions] == [
            (1, "- Termly returns\n", world.officer.id),
            (2, "- Termly returns\n- Invite the social worker\n", world.officer.id)]
        assert services.get_schedule_revision(world.officer, schedule.id, 1).body == (
            "- Termly returns\n")

    response = client.post(f"/local-schedules/{schedule.id}/archive")
    assert response.status_code == 302
    page = client.get("/local-schedules")
    assert b"Archived" in page.data
    with scoped(world.member):
        db.session.refresh(schedule)
        assert schedule.archived and schedule.archived_at is not None
        assert [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "LocalSchedule").order_by(AuditEvent.id))] == [
            "local_schedule.created", "local_schedule.changed", "local_schedule.archived"]
        with pytest.raises(Conflict, match="archived"):
            services.update_local_schedule(world.officer, schedule.id, body="More")


def test_a_schedule_needs_a_title_and_requirements(world, as_user):
    response = as_user(world.manager).post("/local-schedules/new", data={"title": "", "body": ""})
    assert response.status_code == 200
    assert b"Enter a title" in response.data and b"Enter the local requirements" in response.data


def test_other_organisations_never_see_a_schedule(world, scoped, as_user):
    schedule = factories.local_schedule(world.member)
    for user, organisation in ((world.other_manager, world.other_member),
                               (world.provider_user, world.provider),
                               (world.host_admin, world.host)):
        with scoped(organisation):
            with pytest.raises(NotFound):
                services.get_local_schedule(user, schedule.id)
        assert as_user(user).get(f"/local-schedules/{schedule.id}").status_code == 404
    with scoped(world.other_member):
        assert services.list_local_schedules(world.other_officer) == []


def test_providers_and_the_hosts_administrators_do_not_keep_schedules(world, scoped, as_user):
    with scoped(world.provider):
        with pytest.raises(PermissionDenied):
            services.create_local_schedule(world.provider_user, title="x", body="y")
    assert as_user(world.provider_user).get("/local-schedules").status_code == 403
    assert as_user(world.host_admin).get("/local-schedules/new").status_code == 403


def test_only_officers_and_managers_see_the_local_schedules_navigation(world, as_user):
    assert b'href="/local-schedules"' in as_user(world.officer).get("/specifications").data
    assert b'href="/local-schedules"' not in as_user(world.provider_user).get(
        "/specifications").data


def test_local_schedules_in_the_api(world, client, scoped):
    headers = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    created = client.post("/api/v1/local-schedules", headers=headers,
                          json={"title": "Local", "body": "Termly returns"})
    assert created.status_code == 201 and created.json["revision"] == 1
    schedule_id = created.json["id"]
    changed = client.patch(f"/api/v1/local-schedules/{schedule_id}", headers=headers,
                           json={"body": "Termly returns and reviews"})
    assert changed.json["revision"] == 2 and changed.json["title"] == "Local"
    bad = client.post("/api/v1/local-schedules", headers=headers, json={"title": ""})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.json["errors"]} == {"title", "body"}
    archived = client.post(f"/api/v1/local-schedules/{schedule_id}/archive", headers=headers)
    assert archived.json["archived"] is True
    again = client.post(f"/api/v1/local-schedules/{schedule_id}/archive", headers=headers)
    assert again.status_code == 409
    other = {"Authorization": f"Bearer {bearer_token(world.other_manager).token}"}
    assert client.get(f"/api/v1/local-schedules/{schedule_id}", headers=other).status_code == 404
    assert client.get("/api/v1/local-schedules", headers=other).json == []


def test_the_list_has_constant_queries(world, as_user):
    client = as_user(world.manager)
    made = []

    def make_rows(n):
        made.extend(factories.local_schedule(world.member, title=f"Schedule {len(made) + i}")
                    for i in range(n))

    def request():
        page = client.get("/local-schedules")
        assert page.data.count(b'href="/local-schedules/') == len(made) + 1  # + "new"

    assert_constant_queries(make_rows, request)
