"""A child's placement from draft to accepted placement through the API, as other systems would
run it: the officer drafts and publishes to two providers, a question is asked and answered
for everyone, both offer (one revises, one withdraws and offers again), the deadline passes,
the officer marks and awards off-rank with a justification, that provider declines, the next
is awarded and accepts, and both parties hold the placement."""
from datetime import date, datetime, timedelta

from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.calloffs.models import Award, CallOff
from marketplace.placements.models import Placement
from marketplace.extensions import db

from .calloffs import factories
from .helpers import bearer_token
from .notifications.helpers import mailbox, run_queued_jobs

PUBLISHED = "2026-11-24 10:00 +00:00"  # a Tuesday


def _auth(user):
    return {"Authorization": f"Bearer {bearer_token(user).token}"}


def _ok(response, status=200):
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _offer(core, statement):
    return {"can_meet_need": True, "core_weekly_fee": core, "support_weekly_fee": "120.00",
            "therapies_weekly_fee": "80.00", "other_weekly_fee": "0.00",
            "available_from": "2027-01-25", "statement": statement}


def test_a_whole_call_off_through_the_api(app, client, world, time_machine):
    time_machine.move_to(PUBLISHED, tick=False)
    lot = factories.market(world)
    officer = _auth(world.officer)
    brookvale = _auth(world.provider_user)
    larchfield = _auth(world.other_provider_user)
    api = "/api/v1"

    # The officer drafts the call-off and checks who would be invited.
    draft = _ok(client.post(f"{api}/call-offs", headers=officer, json={
        "case_reference": "MCR-2291", "birth_year": 2015, "gender": "male",
        "primary_need": "ASD", "secondary_needs": ["SLCN"], "postcode_district": "M20",
        "ehcp_summary": "Needs a small, calm class and speech and language therapy.",
        "lot_id": lot.id, "placement_type": "day", "start_date": "2027-01-25",
        "length_weeks": 52, "requirements": "Transport is arranged by the authority.",
        "quality_weight": 60, "price_weight": 40}), 201)
    call_off_id = draft["id"]
    assert draft["status"] == "draft" and draft["response_deadline"] is None
    invitees = _ok(client.get(f"{api}/call-offs/{call_off_id}/invitees", headers=officer))
    assert sorted(c["provider"]["name"] for c in invitees["invited"]) == [
        "Brookvale School Ltd", "Larchfield School Ltd"]
    assert invitees["warning"].startswith("Only 2 providers will be invited")

    # Publishing fixes the timetable and invites both; providers now see the call-off.
    sent = mailbox(app)
    published = _ok(client.post(f"{api}/call-offs/{call_off_id}/publish", headers=officer,
                                json={"response_deadline": "2026-12-04T12:00:00+00:00"}))
    assert published["status"] == "open"
    assert published["response_deadline"] == "2026-12-04T12:00:00+00:00"
    run_queued_jobs(app)
    assert {m["To"] for m in sent} >= {world.provider_user.email,
                                       world.other_provider_user.email}
    for provider in (brookvale, larchfield):
        listed = _ok(client.get(f"{api}/call-offs", headers=provider))
        assert [c["id"] for c in listed] == [call_off_id]
        assert listed[0]["postcode_district"] == "M20"

    # Brookvale asks; the officer sees the question and answers it once, for everyone.
    question = _ok(client.post(f"{api}/call-offs/{call_off_id}/questions", headers=brookvale,
                               json={"question": "Is transport to therapy sessions included?"}),
                   201)
    seen = _ok(client.get(f"{api}/call-offs/{call_off_id}/questions", headers=officer))
    assert [q["question"] for q in seen["questions"]] == [
        "Is transport to therapy sessions included?"]
    assert seen["questions"][0]["answer"] is None
    sent.clear()
    _ok(client.post(f"{api}/call-offs/{call_off_id}/questions/{question['id']}/answer",
                    headers=officer, json={"answer": "Yes: the authority arranges it."}), 201)
    run_queued_jobs(app)
    answer_emails = [m for m in sent if "clarification" in m["Subject"]]
    assert {m["To"] for m in answer_emails} == {world.provider_user.email,
                                                world.other_provider_user.email}
    for provider in (brookvale, larchfield):
        qa = _ok(client.get(f"{api}/call-offs/{call_off_id}/questions", headers=provider))
        assert [(a["question"], a["answer"]) for a in qa["answers"]] == [
            ("Is transport to therapy sessions included?", "Yes: the authority arranges it.")]
        assert set(qa["answers"][0]) == {"id", "question", "answer", "published_at"}
        assert "Brookvale" not in str(qa) and world.provider_user.email not in str(qa)
    assert len(_ok(client.get(f"{api}/call-offs/{call_off_id}/questions",
                              headers=brookvale))["questions"]) == 1  # its own
    assert _ok(client.get(f"{api}/call-offs/{call_off_id}/questions",
                          headers=larchfield))["questions"] == []  # never another's

    # Both offer; Brookvale revises; Larchfield withdraws and offers again.
    first = _ok(client.post(f"{api}/call-offs/{call_off_id}/offers", headers=brookvale,
                            json=_offer("1550.00", "Our autism-specialist class.")))
    second = _ok(client.post(f"{api}/call-offs/{call_off_id}/offers", headers=larchfield,
                             json=_offer("1700.00", "A small class with on-site therapists.")))
    revised = _ok(client.post(f"{api}/call-offs/{call_off_id}/offers", headers=brookvale,
                              json=_offer("1500", "Our autism-specialist class, revised.")))
    assert revised["id"] == first["id"] and revised["revision"] == 2
    assert revised["weekly_total"] == "1700.00"  # 1500 + 120 + 80
    assert revised["annual_cost"] == "64600.00" and revised["chargeable_weeks"] == "38"
    withdrawn = _ok(client.post(f"{api}/offers/{second['id']}/withdraw", headers=larchfield))
    assert withdrawn["withdrawn_at"]
    again = _ok(client.post(f"{api}/call-offs/{call_off_id}/offers", headers=larchfield,
                            json=_offer("1,650.00", "A small class with on-site therapists.")))
    assert again["id"] == second["id"] and again["withdrawn_at"] is None
    sealed = client.get(f"{api}/call-offs/{call_off_id}/offers", headers=officer)
    assert sealed.status_code == 409 and sealed.json["opens_at"]

    # The deadline passes: offers open, and the officer marks them.
    time_machine.move_to(datetime.fromisoformat("2026-12-04T12:00:01+00:00"), tick=False)
    opened = _ok(client.get(f"{api}/call-offs/{call_off_id}/offers", headers=officer))
    assert sorted(o["core_weekly_fee"] for o in opened) == ["1500.00", "1650.00"]
    brookvale_offer, larchfield_offer = first["id"], second["id"]
    _ok(client.put(f"{api}/call-offs/{call_off_id}/evaluation/{brookvale_offer}",
                   headers=officer, json={"mark": 80, "notes": "Strong autism practice."}))
    _ok(client.put(f"{api}/call-offs/{call_off_id}/evaluation/{larchfield_offer}",
                   headers=officer, json={"mark": 75, "notes": "Good therapy offer."}))
    table = _ok(client.get(f"{api}/call-offs/{call_off_id}/evaluation", headers=officer))
    assert table["status"] == "evaluating" and table["all_marked"]
    ranked = [(r["offer"]["id"], r["rank"], r["quality_score"], r["price_score"], r["total"])
              for r in table["rows"]]
    # Brookvale: 80% of 60 + 40 (lowest); Larchfield: 75% of 60 + 170/185 of 40.
    assert ranked == [(brookvale_offer, 1, "48.00", "40.00", "88.00"),
                      (larchfield_offer, 2, "45.00", "36.76", "81.76")]

    # Awarding off-rank needs a justification; Larchfield then declines.
    refused = client.post(f"{api}/call-offs/{call_off_id}/award", headers=officer,
                          json={"offer_id": int(larchfield_offer)})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["justification"]
    off_rank = _ok(client.post(f"{api}/call-offs/{call_off_id}/award", headers=officer, json={
        "offer_id": int(larchfield_offer),
        "justification": "Parental preference: the family asked for Larchfield."}), 201)
    assert off_rank["status"] == "awarded" and off_rank["rank"] == 2
    # The award is not announced until accepted: to providers the call-off is still being
    # evaluated (Larchfield learns of its award from the award itself).
    for viewer, status in ((officer, "awarded"), (brookvale, "evaluating"),
                           (larchfield, "evaluating")):
        assert _ok(client.get(f"{api}/call-offs/{call_off_id}", headers=viewer))[
            "status"] == status
    declined = _ok(client.post(f"{api}/offers/{larchfield_offer}/decline", headers=larchfield,
                               json={"reason": "The place has just been filled."}))
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == "The place has just been filled."

    # The officer awards the next; Brookvale accepts and the placement is made.
    table = _ok(client.get(f"{api}/call-offs/{call_off_id}/evaluation", headers=officer))
    assert [(r["offer"]["id"], r["rank"], r["award_status"]) for r in table["rows"]] == [
        (brookvale_offer, 1, None), (larchfield_offer, None, "declined")]
    second_award = _ok(client.post(f"{api}/call-offs/{call_off_id}/award", headers=officer,
                                   json={"offer_id": int(brookvale_offer)}), 201)
    assert second_award["rank"] == 1 and second_award["justification"] is None
    run_queued_jobs(app)  # on a real Redis, what was queued so far is sent now, not below
    sent.clear()
    placement = _ok(client.post(f"{api}/offers/{brookvale_offer}/accept", headers=brookvale))
    run_queued_jobs(app)
    assert placement["provider"]["name"] == "Brookvale School Ltd"
    assert placement["authority"]["name"] == "Manchester"
    assert (placement["core_weekly_fee"], placement["weekly_total"],
            placement["annual_cost"]) == ("1500.00", "1700.00", "64600.00")
    assert placement["start_date"] == "2027-01-25" and placement["case_reference"] == "MCR-2291"

    for party in (officer, brookvale):
        assert [p["id"] for p in _ok(client.get(f"{api}/placements", headers=party))] == [
            placement["id"]]
        assert _ok(client.get(f"{api}/placements/{placement['id']}", headers=party))[
            "reference"] == placement["reference"]
    assert _ok(client.get(f"{api}/call-offs/{call_off_id}", headers=officer))[
        "status"] == "placed"

    # Larchfield sees the outcome, and still its own offer, but not the placement.
    assert _ok(client.get(f"{api}/call-offs/{call_off_id}", headers=larchfield))[
        "status"] == "placed"
    outcome = [m for m in sent if m["To"] == world.other_provider_user.email]
    assert [m["Subject"] for m in outcome] == [f"The outcome of call-off {draft['reference']}"]
    own = _ok(client.get(f"{api}/offers/{larchfield_offer}", headers=larchfield))
    assert own["core_weekly_fee"] == "1650.00" and own["revision"] == 2
    assert _ok(client.get(f"{api}/awards/{off_rank['id']}", headers=larchfield))[
        "status"] == "declined"
    assert _ok(client.get(f"{api}/placements", headers=larchfield)) == []
    assert client.get(f"{api}/placements/{placement['id']}", headers=larchfield
                      ).status_code == 404

    # The database agrees, and the audit trail has every step.
    with tenants.scoped_to(world.member):
        stored = db.session.get(CallOff, int(call_off_id), populate_existing=True)
        assert stored.status.value == "placed"
        awards = db.session.scalars(select(Award).where(
            Award.call_off_id == stored.id).order_by(Award.id)).all()
        assert [(a.offer_id, a.status.value) for a in awards] == [
            (int(larchfield_offer), "declined"), (int(brookvale_offer), "accepted")]
        made = db.session.scalars(select(Placement)).one()
        assert made.provider_id == world.provider.id and made.award_id == awards[1].id
        assert (made.start_date, made.end_date) == (date(2027, 1, 25),
                                                    date(2027, 1, 25) + timedelta(weeks=52))
    with tenants.scoped_to(world.host):
        actions = set(db.session.scalars(select(AuditEvent.action).execution_options(
            **{tenants.UNSCOPED: True})))
    assert {"call_off.created", "call_off.published", "call_off.question_asked",
            "call_off.answer_published", "call_off.offer_submitted", "call_off.offer_revised",
            "call_off.offer_withdrawn", "call_off.quality_marked", "call_off.awarded",
            "call_off.award_declined", "call_off.award_accepted",
            "placement.created"} <= actions
