"""Applications: drafts, submission by the clock, and who may read them."""
from datetime import datetime, timedelta, timezone

import pytest

import tenants
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.extensions import db
from marketplace.notifications import OutboxMessage
from marketplace.purchasing import PlacementType
from marketplace.windows import services
from marketplace.windows.models import Application, ApplicationLot

from ..helpers import assert_constant_queries, bearer_token
from ..purchasing import factories as purchasing
from . import factories

CLOSE = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def open_window(world, time_machine):
    time_machine.move_to(CLOSE - timedelta(days=5), tick=False)
    return factories.window(world.host, opens_at=CLOSE - timedelta(days=10), closes_at=CLOSE)


def _complete(world, window):
    with tenants.scoped_to(world.provider):
        application = services.start_application(world.provider_user, window.id)
        lot = window.lots[0]
        return services.update_application(
            world.provider_user, application.id, lot_ids=[lot.id],
            fees={str(lot.id): {"day": "1,250.00"}},
            answers=factories.complete_answers(window))


def test_a_provider_drafts_and_submits_an_application(world, open_window):
    """Lots, fees in pounds (kept as pence) and answers are saved as a draft, then submitted."""
    application = _complete(world, open_window)
    assert application.submitted_at is None
    assert [(a.lot_id, a.fees) for a in application.lots] == [
        (open_window.lots[0].id, {"day": 125000})]
    with tenants.scoped_to(world.provider):
        submitted = services.submit_application(world.provider_user, application.id)
        assert submitted.submitted_at == tenants.utcnow()
        receipts = db.session.scalars(db.select(OutboxMessage).where(
            OutboxMessage.template == "application_submitted")).all()
    assert [m.recipient for m in receipts] == [world.provider_user.email]


def test_one_second_before_the_close_a_submission_is_accepted(world, open_window,
                                                               time_machine):
    application = _complete(world, open_window)
    time_machine.move_to(CLOSE - timedelta(seconds=1), tick=False)
    with tenants.scoped_to(world.provider):
        assert services.submit_application(world.provider_user, application.id).submitted_at


def test_one_second_after_the_close_a_submission_is_refused(world, open_window, time_machine):
    """Refused by the clock, whatever jobs did (none has run), with a message naming the close."""
    application = _complete(world, open_window)
    time_machine.move_to(CLOSE + timedelta(seconds=1), tick=False)
    with tenants.scoped_to(world.provider):
        with pytest.raises(Conflict, match="closed on 4 December 2026 at midday"):
            services.submit_application(world.provider_user, application.id)
        assert db.session.get(Application, application.id).submitted_at is None


def test_at_the_closing_time_itself_the_window_is_closed(world, open_window, time_machine):
    application = _complete(world, open_window)
    time_machine.move_to(CLOSE, tick=False)
    with tenants.scoped_to(world.provider):
        with pytest.raises(Conflict):
            services.submit_application(world.provider_user, application.id)


def test_edits_after_the_close_are_refused(world, open_window, time_machine):
    application = _complete(world, open_window)
    time_machine.move_to(CLOSE + timedelta(seconds=1), tick=False)
    with tenants.scoped_to(world.provider):
        with pytest.raises(Conflict, match="can no longer be made or changed"):
            services.update_application(world.provider_user, application.id,
                                        answers={str(open_window.questions[0].id):
                                                 {"answer": "no"}})


def test_a_submitted_application_stays_editable_until_the_close(world, open_window,
                                                                 time_machine):
    """A change re-submits it, so it must stay complete."""
    application = _complete(world, open_window)
    scored = open_window.scored_questions[0]
    with tenants.scoped_to(world.provider):
        services.submit_application(world.provider_user, application.id)
        time_machine.move_to(CLOSE - timedelta(seconds=1), tick=False)
        changed = services.update_application(
            world.provider_user, application.id,
            answers={str(scored.id): {"answer": "A better answer", "evidence": ""}})
        assert changed.answers[str(scored.id)]["answer"] == "A better answer"
        assert changed.submitted_at == CLOSE - timedelta(seconds=1)
        with pytest.raises(ValidationFailed) as error:
            services.update_application(world.provider_user, application.id,
                                        answers={str(scored.id): {"answer": ""}})
        assert f"answers.{scored.id}.answer" in error.value.errors
        assert db.session.get(Application, application.id).answers[str(scored.id)][
            "answer"] == "A better answer"


def test_an_incomplete_application_is_refused_with_every_missing_field(world, open_window):
    with tenants.scoped_to(world.provider):
        application = services.start_application(world.provider_user, open_window.id)
        with pytest.raises(ValidationFailed) as error:
            services.submit_application(world.provider_user, application.id)
    expected = {"lot_ids"} | {f"answers.{q.id}.answer" for q in open_window.questions}
    assert set(error.value.errors) == expected


def test_fees_must_be_given_for_every_placement_type_of_a_chosen_lot(world, time_machine):
    time_machine.move_to(CLOSE - timedelta(days=5), tick=False)
    lot = purchasing.lot(world.host, placement_types=(PlacementType.DAY, PlacementType.RESIDENTIAL_38))
    window = factories.window(world.host, closes_at=CLOSE, lots=[lot])
    with tenants.scoped_to(world.provider):
        application = services.start_application(
            world.provider_user, window.id, lot_ids=[lot.id],
            fees={str(lot.id): {"day": "900"}}, answers=factories.complete_answers(window))
        with pytest.raises(ValidationFailed) as error:
            services.submit_application(world.provider_user, application.id)
    assert error.value.errors == {
        f"fees.{lot.id}.residential_38":
            "Enter your indicative weekly fee for 38-week residential in lot " + lot.code}


@pytest.mark.parametrize("text", ["12.345", "abc", "-5", "0", "£60,000.00"])
def test_bad_fees_are_refused_naming_the_field(world, open_window, text):
    lot = open_window.lots[0]
    with tenants.scoped_to(world.provider):
        application = services.start_application(world.provider_user, open_window.id)
        with pytest.raises(ValidationFailed) as error:
            services.update_application(world.provider_user, application.id, lot_ids=[lot.id],
                                        fees={str(lot.id): {"day": text}})
    assert list(error.value.errors) == [f"fees.{lot.id}.day"]


@pytest.mark.parametrize("text, pence", [("1250", 125000), ("1,250.00", 125000),
                                         ("£1250.5", 125050), ("0.01", 1)])
def test_pounds_are_read_as_pence(text, pence):
    assert services.parse_pounds(text) == pence


def test_one_application_per_provider_per_window(world, open_window):
    with tenants.scoped_to(world.provider):
        services.start_application(world.provider_user, open_window.id)
        with pytest.raises(Conflict, match="already started"):
            services.start_application(world.provider_user, open_window.id)


def test_no_application_before_the_window_opens(world, time_machine):
    time_machine.move_to(CLOSE - timedelta(days=20), tick=False)
    window = factories.window(world.host, opens_at=CLOSE - timedelta(days=10), closes_at=CLOSE)
    with tenants.scoped_to(world.provider):
        with pytest.raises(Conflict, match="opens on"):
            services.start_application(world.provider_user, window.id)


def test_only_providers_apply(world, open_window):
    with tenants.scoped_to(world.member):
        with pytest.raises(PermissionDenied):
            services.start_application(world.officer, open_window.id)


def test_a_provider_already_admitted_applies_only_for_new_lots(world, open_window,
                                                               monkeypatch):
    admitted, new = open_window.lots[0], purchasing.lot(world.host)
    with tenants.scoped_to(world.host):
        window = db.session.get(type(open_window), open_window.id)
        window.lots.append(db.session.get(type(new), new.id))
        db.session.commit()
    monkeypatch.setattr(services, "_admitted_lot_ids",
                        lambda provider_id: {admitted.id} if provider_id == world.provider.id
                        else set())
    with tenants.scoped_to(world.provider):
        application = services.start_application(world.provider_user, window.id)
        assert [lot.id for lot in services.lots_open_to(world.provider_user, window)] == [new.id]
        with pytest.raises(ValidationFailed, match="already admitted"):
            services.update_application(world.provider_user, application.id,
                                        lot_ids=[admitted.id])
        services.update_application(world.provider_user, application.id, lot_ids=[new.id])


def test_the_host_cannot_read_a_draft(world, open_window):
    draft = factories.application(world.provider, open_window)
    with tenants.scoped_to(world.host):
        with pytest.raises(NotFound):
            services.get_application(world.host_admin, draft.id)
        assert services.list_applications(world.host_admin, open_window.id) == []
        assert db.session.scalars(db.select(ApplicationLot)).all() == []


def test_the_host_reads_a_submitted_application_with_its_lots(world, open_window):
    submitted = factories.application(world.provider, open_window, submitted=True)
    with tenants.scoped_to(world.host):
        read = services.get_application(world.host_admin, submitted.id)
        assert read.provider.name == "Brookvale School Ltd"
        assert [a.fees for a in read.lots] == [{"day": 125000}]
        assert services.list_applications(world.host_admin, open_window.id) == [read]


def test_other_providers_and_authorities_cannot_read_an_application(world, open_window):
    submitted = factories.application(world.provider, open_window, submitted=True)
    for organisation, user in ((world.other_provider, world.other_provider_user),
                               (world.member, world.manager)):
        with tenants.scoped_to(organisation):
            with pytest.raises(NotFound):
                services.get_application(user, submitted.id)


def test_host_evaluators_do_not_read_applications_here(world, open_window):
    submitted = factories.application(world.provider, open_window, submitted=True)
    with tenants.scoped_to(world.host):
        with pytest.raises(PermissionDenied):
            services.get_application(world.evaluator, submitted.id)


# Pages and API -------------------------------------------------------------------------------

def test_the_host_gets_404_for_a_draft_page_and_api(world, open_window, client, as_user):
    draft = factories.application(world.provider, open_window)
    as_user(world.host_admin)
    assert client.get(f"/applications/{draft.id}").status_code == 404
    token = bearer_token(world.host_admin).token
    response = client.get(f"/api/v1/applications/{draft.id}",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_window_page_lists_submitted_applications_only(world, open_window, client, as_user):
    factories.application(world.provider, open_window)
    factories.application(world.other_provider, open_window, submitted=True)
    page = as_user(world.host_admin).get(f"/windows/{open_window.id}").get_data(as_text=True)
    assert "1 submitted application." in page
    assert "Larchfield School Ltd" in page
    assert "Brookvale School Ltd" not in page


def test_a_provider_applies_through_the_pages(world, open_window, client, as_user):
    as_user(world.provider_user)
    response = client.post(f"/windows/{open_window.id}/apply")
    assert response.status_code == 302
    with tenants.scoped_to(world.provider):
        application = db.session.scalars(db.select(Application)).one()
    lot = open_window.lots[0]
    response = client.post(f"/applications/{application.id}/lots",
                           data={"lot_ids": [str(lot.id)], f"fee_{lot.id}_day": "1250.00"})
    assert response.status_code == 302
    answers = {}
    for q in open_window.questions:
        answers[f"q{q.id}_answer"] = "yes" if q.kind == "pass_fail" else "We do it well."
    assert client.post(f"/applications/{application.id}/edit", data=answers).status_code == 302
    page = client.get(f"/applications/{application.id}/submit").get_data(as_text=True)
    assert "Submit application" in page
    assert client.post(f"/applications/{application.id}/submit").status_code == 302
    with tenants.scoped_to(world.provider):
        db.session.expire_all()
        stored = db.session.get(Application, application.id)
        assert stored.submitted_at is not None
        assert stored.lots[0].fees == {"day": 125000}


def test_the_submit_page_lists_what_is_missing(world, open_window, client, as_user):
    draft = factories.application(world.provider, open_window)
    page = as_user(world.provider_user).post(
        f"/applications/{draft.id}/submit").get_data(as_text=True)
    assert "There is a problem" in page
    assert "Select at least one lot you are applying for" in page
    assert "<title>Error: " in page


def test_the_lots_page_after_the_close_says_so(world, open_window, client, as_user,
                                               time_machine):
    draft = factories.application(world.provider, open_window)
    lot = open_window.lots[0]
    time_machine.move_to(CLOSE + timedelta(seconds=1), tick=False)
    page = as_user(world.provider_user).post(
        f"/applications/{draft.id}/lots",
        data={"lot_ids": [str(lot.id)], f"fee_{lot.id}_day": "1250.00"}).get_data(as_text=True)
    assert "applications can no longer be made or changed" in page


def test_a_provider_applies_through_the_api(world, open_window, client):
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    lot = open_window.lots[0]
    response = client.post(f"/api/v1/windows/{open_window.id}/applications", headers=headers,
                           json={"lots": [{"lot_id": str(lot.id), "fees": {"day": "1250.00"}}]})
    assert response.status_code == 201, response.json
    application_id = response.json["id"]
    assert response.json["status"] == "draft"
    assert response.json["lots"] == [{"lot_id": str(lot.id), "lot_code": lot.code,
                                      "fees": {"day": "1250.00"}}]
    response = client.post(f"/api/v1/applications/{application_id}/submit", headers=headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {
        f"answers.{q.id}.answer" for q in open_window.questions}
    answers = {k: v for k, v in factories.complete_answers(open_window).items()}
    response = client.patch(f"/api/v1/applications/{application_id}", headers=headers,
                            json={"answers": answers})
    assert response.status_code == 200
    response = client.post(f"/api/v1/applications/{application_id}/submit", headers=headers)
    assert response.status_code == 200
    assert response.json["status"] == "submitted"


def test_the_api_refuses_a_submission_after_the_close_with_409(world, open_window, client,
                                                                time_machine):
    application = factories.application(world.provider, open_window, complete=True)
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    time_machine.move_to(CLOSE + timedelta(seconds=1), tick=False)
    response = client.post(f"/api/v1/applications/{application.id}/submit", headers=headers)
    assert response.status_code == 409
    assert "closed on 4 December 2026 at midday" in response.json["detail"]


def test_the_hosts_applications_list_runs_a_constant_number_of_queries(
        world, open_window, client, as_user):
    """The window page and the API list, as submitted applications grow."""
    from .. import factories as base_factories

    def make_rows(n):
        for _ in range(n):
            factories.application(base_factories.provider(), open_window, submitted=True)
            factories.application(base_factories.provider(), open_window)  # a draft

    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}

    def page():
        response = client.get(f"/windows/{open_window.id}")
        assert response.status_code == 200

    def api():
        response = client.get(f"/api/v1/windows/{open_window.id}/applications", headers=headers)
        assert response.status_code == 200
        assert all(a["status"] == "submitted" for a in response.json)

    as_user(world.host_admin)
    assert_constant_queries(make_rows, page, sizes=(1, 4))
    assert_constant_queries(make_rows, api, sizes=(5, 8))


def test_another_provider_gets_404_for_an_application_page_and_api(
        world, open_window, client, as_user):
    submitted = factories.application(world.provider, open_window, submitted=True)
    as_user(world.other_provider_user)
    assert client.get(f"/applications/{submitted.id}").status_code == 404
    headers = {"Authorization": f"Bearer {bearer_token(world.other_provider_user).token}"}
    assert client.get(f"/api/v1/applications/{submitted.id}",
                      headers=headers).status_code == 404
    listed = client.get(f"/api/v1/windows/{open_window.id}/applications", headers=headers)
    assert listed.json == []


def test_the_host_reads_a_submitted_application_through_the_api(world, open_window, client):
    submitted = factories.application(world.provider, open_window, submitted=True)
    headers = {"Authorization": f"Bearer {bearer_token(world.host_admin).token}"}
    response = client.get(f"/api/v1/applications/{submitted.id}", headers=headers)
    assert response.status_code == 200
    assert response.json["provider"] == {"id": str(world.provider.id),
                                         "name": "Brookvale School Ltd"}
    assert response.json["lots"][0]["fees"] == {"day": "1250.00"}
    response = client.patch(f"/api/v1/applications/{submitted.id}", headers=headers, json={})
    assert response.status_code == 403
