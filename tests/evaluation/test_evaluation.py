"""Evaluating applications: assignment, conflicts of interest, blind scoring and moderation."""
from datetime import timedelta

import pytest
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.evaluation import services
from marketplace.evaluation.models import DecisionOutcome
from marketplace.extensions import db
from tests.helpers import bearer_token

from . import factories


def api_client(app):
    """A client with no browser session: changes through the API need a bearer token alone."""
    from tests.conftest import IsolatedClient

    return IsolatedClient(app, app.response_class)


def _api(client, user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def test_evaluators_are_assigned_only_once_the_window_has_closed(world, scoped):
    made_window = factories.window(world.host, closes_at=tenants.utcnow() + timedelta(days=1))
    application = factories.application(world.provider, made_window)
    with scoped(world.host), pytest.raises(Conflict):
        services.assign_evaluator(world.host_admin, application.id, world.evaluator.id)


def test_assigning_stamps_the_window_and_emails_the_evaluator(world, scoped):
    made_window = factories.window(world.host)
    application = factories.application(world.provider, made_window)
    with scoped(world.host):
        services.assign_evaluator(world.host_admin, application.id, world.evaluator.id)
        db.session.refresh(made_window)
        assert made_window.evaluation_started_at is not None
        assert made_window.status.value == "evaluating"
        from marketplace.notifications import OutboxMessage
        assert db.session.scalars(select(OutboxMessage.template).where(
            OutboxMessage.recipient == world.evaluator.email)).all() == ["evaluation_assigned"]


def test_only_host_evaluators_can_be_assigned(world, scoped):
    application = factories.application(world.provider, factories.window(world.host))
    with scoped(world.host), pytest.raises(ValidationFailed) as error:
        services.assign_evaluator(world.host_admin, application.id, world.officer.id)
    assert "evaluator_id" in error.value.errors


def test_the_application_is_not_shown_before_conflict_is_declared(world, scoped, as_user):
    """The scoring page sends the evaluator to declare first, and the API refuses with 409;
    neither shows the provider's answers."""
    application = factories.application(world.provider, factories.window(world.host))
    with scoped(world.host):
        services.assign_evaluator(world.host_admin, application.id, world.evaluator.id)
    client = as_user(world.evaluator)
    response = client.get(f"/applications/{application.id}/scores")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{application.id}/conflict")
    page = client.get(f"/applications/{application.id}/conflict")
    assert page.status_code == 200
    assert b"Declare any conflict of interest" in page.data
    assert b"Our answer to question 3" not in page.data
    api = client.get(f"/api/v1/applications/{application.id}/scores",
                     headers=_api(client, world.evaluator))
    assert api.status_code == 409
    assert b"Our answer" not in api.data

    declared = client.post(f"/applications/{application.id}/conflict",
                           data={"conflict": "no", "csrf_token": ""})
    assert declared.status_code == 302
    page = client.get(f"/applications/{application.id}/scores")
    assert b"Our answer to question 3" in page.data


def test_a_declared_conflict_withdraws_the_evaluator(world, scoped):
    application = factories.application(world.provider, factories.window(world.host))
    second = factories.evaluator(world.host)
    with scoped(world.host):
        services.assign_evaluator(world.host_admin, application.id, world.evaluator.id)
        services.assign_evaluator(world.host_admin, application.id, second.id)
        with pytest.raises(ValidationFailed):
            services.declare_conflict(world.evaluator, application.id, conflict=True, note="")
        services.declare_conflict(world.evaluator, application.id, conflict=True,
                                  note="My sister teaches there")
        with pytest.raises(PermissionDenied):
            services.get_scoring(world.evaluator, application.id)
        overview = services.assignment_overview(world.host_admin, application.id)
        assert overview.needed == 1
        assert world.evaluator not in overview.candidates
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "evaluation.conflict_declared")).one()
        assert event.after["note"] == "My sister teaches there"


def test_evaluator_b_sees_nothing_of_a_s_scores_until_b_has_submitted(world, scoped, as_user,
                                                                      app):
    """A has submitted; B has not: B's page and API show nothing of A's marks or comments.
    Once B submits (and so everyone has), B sees A's scores."""
    made_window = factories.window(world.host)
    application, second = factories.scored_application(world, made_window, marks=(2, 5),
                                                       submit=(True, None))
    a_comment = b"Mark 2 comment"
    client = as_user(second)
    page = client.get(f"/applications/{application.id}/scores")
    assert page.status_code == 200
    assert a_comment not in page.data and world.evaluator.full_name.encode() not in page.data
    api = client.get(f"/api/v1/applications/{application.id}/scores",
                     headers=_api(client, second))
    assert api.json["others_visible"] is False and api.json["others"] == []
    assert api.json["scores"] == []

    # B saves a draft: still nothing of A's.
    with scoped(world.host):
        services.save_scores(second, application.id, factories.results(made_window, mark=5))
    api = client.get(f"/api/v1/applications/{application.id}/scores",
                     headers=_api(client, second))
    assert api.json["others"] == [] and a_comment not in api.data

    response = api_client(app).put(f"/api/v1/applications/{application.id}/scores",
                          headers=_api(client, second), json={"submit": True, "scores": [
                              {"question_id": q, **v} for q, v in
                              factories.results(made_window, mark=5).items()]})
    assert response.status_code == 200, response.json
    assert response.json["others_visible"] is True
    assert [o["evaluator"]["name"] for o in response.json["others"]] == [
        world.evaluator.full_name]
    page = client.get(f"/applications/{application.id}/scores")
    assert a_comment in page.data


def test_a_submitted_evaluator_waits_for_the_others(world, scoped, as_user):
    """A, having submitted, still sees nothing of B's draft."""
    made_window = factories.window(world.host)
    application, second = factories.scored_application(world, made_window, marks=(2, 5),
                                                       submit=(True, False))
    page = as_user(world.evaluator).get(f"/applications/{application.id}/scores")
    assert b"Mark 5 comment" not in page.data
    assert b"once every evaluator has submitted" in page.data


def test_the_host_administrator_sees_progress_but_no_marks_before_all_submit(world, as_user):
    application, second = factories.scored_application(world, marks=(2, 5),
                                                       submit=(True, False))
    client = as_user(world.host_admin)
    page = client.get(f"/applications/{application.id}/assignments")
    assert page.status_code == 200
    assert b"Scores submitted" in page.data and b"Scoring" in page.data
    assert b"Mark 2 comment" not in page.data
    assert client.get(f"/applications/{application.id}/moderation").status_code == 409


def test_submitting_needs_every_question_answered(world, scoped):
    application = factories.application(world.provider, factories.window(world.host))
    with scoped(world.host):
        services.assign_evaluator(world.host_admin, application.id, world.evaluator.id)
        services.declare_conflict(world.evaluator, application.id, conflict=False)
        with pytest.raises(ValidationFailed) as error:
            services.save_scores(world.evaluator, application.id, {}, submit=True)
    assert len(error.value.errors) >= 4


def test_marks_outside_0_to_5_are_refused_on_the_page(world, scoped, as_user):
    made_window = factories.window(world.host)
    application = factories.application(world.provider, made_window)
    with scoped(world.host):
        services.assign_evaluator(world.host_admin, application.id, world.evaluator.id)
        services.declare_conflict(world.evaluator, application.id, conflict=False)
    scored = made_window.questions[2]
    page = as_user(world.evaluator).post(f"/applications/{application.id}/scores", data={
        "action": "save", f"q{scored.id}-mark": "9"})
    assert page.status_code == 200
    assert b"Error: " in page.data and b"whole number from 0 to 5" in page.data


# ---------------------------------------------------------------- moderation

def test_the_moderator_cannot_be_an_evaluator(world, scoped):
    application = factories.application(world.provider, factories.window(world.host))
    with scoped(world.host):
        services.assign_evaluator(world.host_admin, application.id, world.host_admin.id)
        with pytest.raises(PermissionDenied):
            services.get_moderation(world.host_admin, application.id)


def test_failing_a_pass_fail_question_means_rejection(world, scoped):
    application, decision = factories.decided(world, passed=False, mark=5, issue=False)
    assert decision.outcome == DecisionOutcome.REJECTED
    assert decision.lot_ids == [] and decision.all_passed is False
    assert decision.weighted_score == 100


def test_a_weighted_score_below_the_pass_mark_means_rejection(world):
    """Marks of 2 of 5 count 40 of 100; weighted 40 < pass mark 60."""
    application, decision = factories.decided(world, mark=2, issue=False)
    assert decision.outcome == DecisionOutcome.REJECTED and decision.weighted_score == 40


def test_the_pass_mark_itself_passes(world):
    """Marks of 3 of 5 count 60: exactly the pass mark of 60 is a pass."""
    application, decision = factories.decided(world, mark=3, issue=False)
    assert decision.outcome == DecisionOutcome.ADMITTED and decision.weighted_score == 60
    assert decision.lot_ids == sorted(lot.id for lot in application.window.lots)


def test_the_weighted_score_uses_the_weights(world, scoped):
    """Question 3 (weight 60) agreed 5 → 100; question 4 (weight 40) agreed 1 → 20:
    (60 × 100 + 40 × 20) / 100 = 68."""
    application, second = factories.scored_application(world)
    agreed = factories.results(application.window)
    q3, q4 = application.window.questions[2:]
    agreed[q3.id]["mark"], agreed[q4.id]["mark"] = 5, 1
    with scoped(world.host):
        decision = services.record_moderation(world.host_admin, application.id, agreed=agreed,
                                              lot_ids=[application.window.lots[0].id],
                                              reasons="Good")
    assert decision.weighted_score == 68
    assert decision.lot_ids == [application.window.lots[0].id]


def test_admitting_needs_lots_the_provider_applied_for(world, scoped):
    made_window = factories.window(world.host)
    application, second = factories.scored_application(world, made_window)
    with scoped(world.host):
        with pytest.raises(ValidationFailed) as error:
            services.record_moderation(world.host_admin, application.id,
                                       agreed=factories.results(made_window), lot_ids=[],
                                       reasons="Good")
        assert "lot_ids" in error.value.errors
        with pytest.raises(ValidationFailed) as error:
            services.record_moderation(world.host_admin, application.id,
                                       agreed=factories.results(made_window), lot_ids=[999999],
                                       reasons="Good")
        assert "lot_ids" in error.value.errors


def test_moderation_page_shows_scores_side_by_side_and_records_the_decision(world, as_user):
    made_window = factories.window(world.host)
    application, second = factories.scored_application(world, made_window, marks=(2, 5))
    client = as_user(world.host_admin)
    page = client.get(f"/applications/{application.id}/moderation")
    assert page.status_code == 200
    assert b"Mark 2 comment" in page.data and b"Mark 5 comment" in page.data
    data = {"reasons": "Consistent, evidenced answers.",
            "lot_ids": [str(made_window.lots[0].id)]}
    for q in made_window.questions:
        if q.kind.value == "pass_fail":
            data[f"q{q.id}-passed"] = "pass"
        else:
            data[f"q{q.id}-mark"] = "4"
        data[f"q{q.id}-comment"] = f"Agreed on {q.number}"
    response = client.post(f"/applications/{application.id}/moderation", data=data)
    assert response.status_code == 302
    page = client.get(f"/applications/{application.id}/decision")
    assert b"Admitted" in page.data and b"80.00 of 100" in page.data


def test_moderation_errors_are_shown_on_the_page(world, as_user):
    application, second = factories.scored_application(world)
    page = as_user(world.host_admin).post(f"/applications/{application.id}/moderation",
                                          data={"reasons": ""})
    assert page.status_code == 200
    assert b"Error: " in page.data and b"Give the reasons for the decision" in page.data
