"""A whole admission round through the API, as another system would run it: the host plans a
window, a provider registers and applies, two evaluators score blind, a moderator agrees, the
decision is issued, standstill ends and the provider is admitted."""
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

import tenants
from marketplace.accounts import services as accounts
from marketplace.accounts.models import Credential
from marketplace.extensions import db
from marketplace.evaluation.admissions import is_admitted
from marketplace.providers import Provider
from marketplace.purchasing import PlacementType
from marketplace.windows.models import WindowQuestion

from . import factories
from .helpers import bearer_token
from .notifications.helpers import mailbox, run_queued_jobs
from .purchasing import factories as purchasing
from .windows import factories as windows

PLANNED = datetime(2025, 12, 1, 10, tzinfo=timezone.utc)
OPENS = datetime(2025, 12, 2, 9, tzinfo=timezone.utc)
CLOSES = datetime(2025, 12, 12, 17, tzinfo=timezone.utc)
DECIDED = datetime(2025, 12, 19, 12, tzinfo=timezone.utc)  # Friday 19 December 2025


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_a_whole_round_through_the_api(app, client, world):
    lot = purchasing.lot(world.host, "RES38", placement_types=(PlacementType.RESIDENTIAL_38,))  # PCR 2015: 10 calendar days' standstill
    windows.questionnaire(world.host)
    second_evaluator = factories.user(world.host, "evaluator", full_name="Ellis Grant")
    host = _auth(world.host_admin)

    with time_machine.travel(PLANNED, tick=False) as clock:
        window = _ok(client.post("/api/v1/windows", headers=host, json={
            "title": "Round 7", "lot_ids": [str(lot.id)], "opens_at": OPENS.isoformat(),
            "closes_at": CLOSES.isoformat()}), 201)
        assert window["status"] == "scheduled"

        # A new provider registers; the emailed link sets its user's password.
        sent = mailbox(app)
        _ok(client.post("/api/v1/providers/registrations", json={
            "name": "Oakwood School Ltd", "companies_house_number": "12345678",
            "address_line_1": "1 Oak Lane", "town": "Macclesfield", "postcode": "SK10 1AA",
            "full_name": "Olu Head", "email": "olu@oakwood.example.com"}), 201)
        run_queued_jobs(app)
        (email,) = [m for m in sent if m["To"] == "olu@oakwood.example.com"]
        link = email.get_body(("plain",)).get_content().split("/invitations/")[1].split()[0]
        accounts.accept_invitation(link, factories.PASSWORD)
        oakwood = db.session.scalars(select(Provider).where(
            Provider.name == "Oakwood School Ltd")).one()
        with tenants.scoped_to(oakwood):
            credential = db.session.scalars(select(Credential).where(
                Credential.email == "olu@oakwood.example.com")).one()
            olu = credential.user
        provider = _auth(olu)

        clock.move_to(OPENS)
        assert _ok(client.get(f"/api/v1/windows/{window['id']}", headers=provider))[
            "status"] == "open"
        application = _ok(client.post(f"/api/v1/windows/{window['id']}/applications",
                                      headers=provider, json={}), 201)
        with tenants.scoped_to(world.host):
            questions = db.session.scalars(select(WindowQuestion).where(
                WindowQuestion.window_id == int(window["id"])).order_by(
                WindowQuestion.number)).all()
        answers = {str(q.id): {"answer": "yes" if q.kind == "pass_fail" else "We do this well.",
                               "evidence": "Policy attached"} for q in questions}
        _ok(client.patch(f"/api/v1/applications/{application['id']}", headers=provider, json={
            "lots": [{"lot_id": str(lot.id), "fees": {"residential_38": "4250.00"}}],
            "answers": answers}))
        # The host cannot see a draft.
        assert client.get(f"/api/v1/applications/{application['id']}",
                          headers=host).status_code == 404
        assert _ok(client.post(f"/api/v1/applications/{application['id']}/submit",
                               headers=provider))["status"] == "submitted"

        clock.move_to(CLOSES)
        refused = client.post(f"/api/v1/applications/{application['id']}/submit",
                              headers=provider)
        assert refused.status_code == 409

        # Two evaluators, each declaring no conflict and scoring blind.
        url = f"/api/v1/applications/{application['id']}"
        for evaluator in (world.evaluator, second_evaluator):
            _ok(client.post(f"{url}/assignments", headers=host,
                            json={"evaluator_id": evaluator.id}), 201)
        marks = []
        for evaluator, mark in ((world.evaluator, 4), (second_evaluator, 3)):
            headers = _auth(evaluator)
            _ok(client.post(f"{url}/conflict", headers=headers, json={"conflict": False}))
            view = _ok(client.get(f"{url}/scores", headers=headers))
            assert view["others"] == [] and view["scores"] == []  # blind to the other's marks
            marks.append(_ok(client.put(f"{url}/scores", headers=headers, json={
                "submit": True,
                "scores": [{"question_id": q.id, "passed": True} if q.kind == "pass_fail"
                           else {"question_id": q.id, "mark": mark, "comment": "Good"}
                           for q in questions]})))
        # Once both have submitted, each sees the other's marks.
        others = marks[-1]["others"][0]["scores"]
        assert [s["mark"] for s in others if s["mark"] is not None] == [4, 4]

        moderation = _ok(client.put(f"{url}/moderation", headers=host, json={
            "agreed": [{"question_id": q.id, "passed": True} if q.kind == "pass_fail"
                       else {"question_id": q.id, "mark": 4, "note": "Agreed at 4"}
                       for q in questions],
            "lot_ids": [lot.id], "reasons": "Meets every requirement."}))
        assert moderation["weighted_score"] == 80

        clock.move_to(DECIDED)
        _ok(client.post(f"/api/v1/evaluations/windows/{window['id']}/issue", headers=host))
        decision = _ok(client.get(f"{url}/decision", headers=provider))
        assert decision["outcome"] == "admitted"

        (admission,) = _ok(client.get(f"/api/v1/admissions?provider_id={oakwood.id}",
                                      headers=host))
        # 10 calendar days from Friday 19 December: the last day is Monday 29 December, and the
        # admission takes effect at the start of Tuesday 30 December (UK time, GMT).
        assert admission["effective_at"].startswith("2025-12-30T00:00:00")
        with tenants.scoped_to(world.member):
            assert not is_admitted(oakwood.id, lot.id)
            clock.move_to(datetime(2025, 12, 30, 0, 0, tzinfo=timezone.utc))
            assert is_admitted(oakwood.id, lot.id)
