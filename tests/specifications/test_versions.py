"""The host keeps specifications as numbered versions: drafts only it reads, published versions
that cannot change and that supersede the one before from their effective date."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage
from marketplace.specifications import services
from marketplace.specifications.models import (ImmutableVersion, Specification,
                                               SpecificationKind, SpecificationVersion)

from ..notifications.helpers import mailbox, run_queued_jobs
from . import factories

NOW = "2026-11-24 10:00 +00:00"


@pytest.fixture
def core(world):
    spec = factories.specification(world.host, title="Core service specification")
    factories.version(world.host, spec, body="# Version one\n\nFirst text.\n")
    return spec


def test_the_host_admin_adds_a_specification_and_publishes_versions_in_the_browser(
        world, as_user, core, scoped, time_machine):
    time_machine.move_to(NOW, tick=False)
    client = as_user(world.host_admin)
    page = client.get(f"/specifications/{core.id}/versions/new")
    assert b"First text." in page.data  # the draft starts from the latest published text

    response = client.post(f"/specifications/{core.id}/versions/new", data={
        "body": "# Version two\n\nSecond text.\n", "summary_of_changes": "Rewritten."})
    assert response.status_code == 302
    with scoped(world.host):
        draft = db.session.scalars(select(SpecificationVersion).where(
            SpecificationVersion.specification_id == core.id,
            SpecificationVersion.number == 2)).one()
    assert draft.published_at is None and draft.body == "# Version two\n\nSecond text.\n"

    page = client.get(f"/specifications/versions/{draft.id}/publish")
    assert b"Publish version 2" in page.data and b"cannot be changed" in page.data
    response = client.post(f"/specifications/versions/{draft.id}/publish", data={
        "effective_on": ["15", "12", "2026"]})
    assert response.status_code == 302
    page = client.get(response.location)
    assert b"Version 2 is published" in page.data
    assert b"Comes into force 15 December 2026" in page.data

    with scoped(world.host):
        db.session.refresh(draft)
        assert draft.effective_at == datetime(2026, 12, 15, tzinfo=timezone.utc)
        assert draft.published_at == datetime(2026, 11, 24, 10, tzinfo=timezone.utc)
        assert draft.published_by_id == world.host_admin.id
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "specification.published")).one()
        assert event.after == {"specification": "Core service specification", "number": 2,
                               "effective_on": "2026-12-15"}


def test_a_new_specification_is_added_from_the_form(world, as_user, scoped):
    client = as_user(world.host_admin)
    response = client.post("/specifications/new", data={
        "kind": "contract_terms", "lot_id": "", "title": "Call-off terms"})
    assert response.status_code == 302
    with scoped(world.host):
        spec = db.session.scalars(select(Specification)).one()
    assert (spec.kind, spec.title, spec.lot_id) == (
        SpecificationKind.CONTRACT_TERMS, "Call-off terms", None)
    again = client.post("/specifications/new", data={
        "kind": "contract_terms", "lot_id": "", "title": "Another"})
    assert again.status_code == 200
    assert b"There is already a contract terms document" in again.data
    assert b"<title>Error: " in again.data


def test_a_lot_specification_needs_its_lot(world, scoped):
    with scoped(world.host):
        with pytest.raises(ValidationFailed) as error:
            services.create_specification(world.host_admin, kind="lot", title="Lot spec")
    assert error.value.errors == {"lot_id": "Select the lot this specification is for"}


def test_an_effective_date_is_the_start_of_that_day_in_uk_time(world, core, scoped,
                                                                 time_machine):
    time_machine.move_to(NOW, tick=False)
    with scoped(world.host):
        draft = services.create_draft(world.host_admin, core.id, summary_of_changes="Summer")
        services.publish_version(world.host_admin, draft.id, effective_on=date(2027, 6, 1))
    # British Summer Time: midnight in London is 11pm the day before in UTC.
    assert draft.effective_at == datetime(2027, 5, 31, 23, tzinfo=timezone.utc)


def test_publishing_refuses_a_date_in_the_past_or_before_the_previous_version(
        world, core, scoped, time_machine):
    time_machine.move_to(NOW, tick=False)
    with scoped(world.host):
        draft = services.create_draft(world.host_admin, core.id, summary_of_changes="Changes")
        with pytest.raises(ValidationFailed) as error:
            services.publish_version(world.host_admin, draft.id, effective_on=date(2026, 11, 23))
        assert error.value.errors == {
            "effective_on": "The date it comes into force must be today or in the future"}
        services.publish_version(world.host_admin, draft.id, effective_on=date(2027, 1, 10))
        third = services.create_draft(world.host_admin, core.id, summary_of_changes="More")
        with pytest.raises(ValidationFailed) as error:
            services.publish_version(world.host_admin, third.id, effective_on=date(2027, 1, 9))
        assert error.value.errors == {"effective_on": (
            "The date it comes into force must be on or after 10 January 2027, when "
            "Version 2 comes into force")}
        assert third.published_at is None
        # Today is allowed, and so is the same day as the previous version.
        services.publish_version(world.host_admin, third.id, effective_on=date(2027, 1, 10))


def test_a_later_version_needs_a_summary_of_changes(world, core, scoped, time_machine):
    time_machine.move_to(NOW, tick=False)
    with scoped(world.host):
        draft = services.create_draft(world.host_admin, core.id)
        with pytest.raises(ValidationFailed) as error:
            services.publish_version(world.host_admin, draft.id, effective_on=date(2027, 1, 1))
    assert "summary_of_changes" in error.value.errors


def test_a_published_version_cannot_be_changed(world, core, scoped):
    version_one = core.versions[0]
    with scoped(world.host):
        with pytest.raises(Conflict, match="was published on 1 April 2025 and cannot be "
                                           "changed: create a new version instead"):
            services.update_draft(world.host_admin, version_one.id, body="Sneaky edit")
        with pytest.raises(Conflict):
            services.publish_version(world.host_admin, version_one.id,
                                     effective_on=date(2030, 1, 1))
        assert db.session.get(SpecificationVersion, version_one.id).body == (
            "# Version one\n\nFirst text.\n")


def test_the_database_layer_refuses_to_change_a_published_version_too(world, core, scoped):
    version_one = core.versions[0]
    with scoped(world.host):
        version_one.body = "Changed behind the service's back"
        with pytest.raises(ImmutableVersion):
            db.session.flush()
        db.session.rollback()
        db.session.expire_all()
        version_one = db.session.get(SpecificationVersion, version_one.id)
        with pytest.raises(ImmutableVersion):
            db.session.delete(version_one)
            db.session.flush()
        db.session.rollback()


def test_the_edit_page_of_a_published_version_says_it_cannot_change(world, as_user, core):
    client = as_user(world.host_admin)
    response = client.get(f"/specifications/versions/{core.versions[0].id}/edit",
                          follow_redirects=True)
    assert b"Version 1 is published and cannot be changed" in response.data
    response = client.post(f"/specifications/versions/{core.versions[0].id}/edit",
                           data={"body": "x", "summary_of_changes": ""}, follow_redirects=True)
    assert b"cannot be changed: create a new version instead" in response.data


def test_one_draft_at_a_time(world, core, scoped):
    with scoped(world.host):
        services.create_draft(world.host_admin, core.id)
        with pytest.raises(Conflict, match="Version 2 is already a draft"):
            services.create_draft(world.host_admin, core.id)


def test_only_the_host_admin_keeps_specifications(world, core, scoped, as_user):
    for user, organisation in ((world.manager, world.member),
                               (world.provider_user, world.provider),
                               (world.evaluator, world.host)):
        with scoped(organisation):
            with pytest.raises(PermissionDenied):
                services.create_draft(user, core.id)
            with pytest.raises(PermissionDenied):
                services.create_specification(user, kind="core", title="Mine")
    assert as_user(world.manager).get("/specifications/new").status_code == 403
    assert as_user(world.manager).get(
        f"/specifications/{core.id}/versions/new").status_code == 403


def test_publishing_asks_every_provider_to_accept_by_the_effective_date(
        app, world, core, scoped, time_machine):
    time_machine.move_to(NOW, tick=False)
    sent = mailbox(app)
    with scoped(world.host):
        draft = services.create_draft(world.host_admin, core.id,
                                      summary_of_changes="New safeguarding section.")
        services.publish_version(world.host_admin, draft.id, effective_on=date(2026, 12, 15))
    run_queued_jobs(app)
    for provider, user in ((world.provider, world.provider_user),
                           (world.other_provider, world.other_provider_user)):
        with scoped(provider):
            messages = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.recipient, m.subject) for m in messages] == [
            (user.email, "Accept version 2 of Core service specification by 15 December 2026")]
        assert messages[0].template == "specification_published"
    assert sorted(email["To"] for email in sent) == sorted(
        [world.provider_user.email, world.other_provider_user.email])
    text = sent[0].get_body(("plain",)).get_content()
    assert "New safeguarding section." in text
    assert "accept it for your organisation by 15 December 2026" in text
    assert "/specifications/acceptances" in text
    with scoped(world.member):
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_the_version_in_force_follows_the_clock(world, core, scoped, time_machine):
    time_machine.move_to(NOW, tick=False)
    with scoped(world.host):
        draft = services.create_draft(world.host_admin, core.id, summary_of_changes="v2")
        services.publish_version(world.host_admin, draft.id, effective_on=date(2026, 12, 15))
        spec = services.get_specification(core.id)
        before = datetime(2026, 12, 14, 23, 59, 59, tzinfo=timezone.utc)
        assert spec.version_in_force(before).number == 1
        assert spec.version_in_force(datetime(2026, 12, 15, tzinfo=timezone.utc)).number == 2
        assert spec.status_of(spec.versions[0], before) == "in_force"
        assert spec.status_of(spec.versions[1], before) == "upcoming"
        later = datetime(2027, 1, 1, tzinfo=timezone.utc)
        assert spec.status_of(spec.versions[0], later) == "superseded"


def test_drafts_are_hidden_from_everyone_but_the_host(world, core, as_user, client, scoped):
    """A draft is 404 to members and providers, on the web and in the API, and is not listed."""
    with scoped(world.host):
        draft = services.create_draft(world.host_admin, core.id, body="Secret draft text")
    from tests.helpers import bearer_token
    for user in (world.manager, world.officer, world.provider_user, world.other_provider_user):
        as_user(user)
        for path in (f"/specifications/versions/{draft.id}",
                     f"/specifications/versions/{draft.id}/edit",
                     f"/specifications/versions/{draft.id}/publish"):
            response = client.get(path)
            assert response.status_code == 404, (user, path)
        assert client.post(f"/specifications/versions/{draft.id}/accept").status_code == 404
        page = client.get(f"/specifications/{core.id}")
        assert b"Version 2" not in page.data and b"Version 1" in page.data
        headers = {"Authorization": f"Bearer {bearer_token(user).token}"}
        response = client.get(f"/api/v1/specifications/{core.id}/versions/{draft.id}",
                              headers=headers)
        assert response.status_code == 404
        listed = client.get(f"/api/v1/specifications/{core.id}/versions", headers=headers)
        assert [v["number"] for v in listed.json] == [1]
    host_page = as_user(world.host_admin).get(f"/specifications/versions/{draft.id}")
    assert host_page.status_code == 200 and b"Secret draft text" in host_page.data


def test_everyone_signed_in_reads_published_versions_rendered_safely(world, as_user, scoped):
    spec = factories.specification(world.host, title="Core")
    version = factories.version(world.host, spec,
                                body="# Duties\n\nRead <em>this</em> [now](javascript:alert(1))")
    for user in (world.officer, world.provider_user, world.evaluator):
        page = as_user(user).get(f"/specifications/versions/{version.id}")
        assert page.status_code == 200
        assert b'<h2 class="govuk-heading-l">Duties</h2>' in page.data
        assert b"&lt;em&gt;this&lt;/em&gt;" in page.data
        assert b'href="javascript' not in page.data


def test_the_list_shows_what_is_in_force_and_what_comes_next_in_constant_queries(
        world, as_user, scoped, time_machine):
    from tests.helpers import assert_constant_queries

    time_machine.move_to(NOW, tick=False)
    client = as_user(world.officer)
    made = []

    def make_rows(n):
        for _ in range(n):
            spec = factories.specification(world.host, SpecificationKind.LOT,
                                           title=f"Spec {len(made)}", lot=_lot(world))
            factories.version(world.host, spec)
            factories.version(world.host, spec, effective_on=date(2027, 3, 1))
            made.append(spec)

    def request():
        page = client.get("/specifications")
        assert page.status_code == 200
        assert page.data.count(b"Version 2, from 1 March 2027") == len(made)

    assert_constant_queries(make_rows, request)


def _lot(world):
    from tests.purchasing import factories as purchasing_factories
    return purchasing_factories.lot(world.host)


def test_the_new_specification_form_offers_the_lots(world, as_user):
    lot = _lot(world)
    page = as_user(world.host_admin).get("/specifications/new")
    assert f'<option value="{lot.id}">{lot.code}: {lot.title}</option>'.encode() in page.data
    assert b'<option value="">Not a lot specification</option>' in page.data
    assert b'value="contract_terms"' in page.data and b"Contract terms" in page.data
