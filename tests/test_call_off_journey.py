"""One child's placement found through the web pages, start to finish: a placement officer and
two competing providers, each in their own browser session. The same journey through the API is
tests/test_call_off_round.py; the rules are pinned package by package in tests/calloffs/."""
import re

from sqlalchemy import select

from marketplace.calloffs.models import Award, AwardStatus, CallOff, CallOffStatus, Offer
from marketplace.placements.models import Placement
from marketplace.extensions import db
from tests.calloffs import factories as f
from tests.conftest import IsolatedClient
from tests.helpers import sign_in


def _session(app, user):
    """A browser of its own for ``user``."""
    return sign_in(IsolatedClient(app, app.response_class, use_cookies=True), user)


def _ok(response, status=302):
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response


def _offer(core, statement):
    return {"can_meet_need": "yes", "core_weekly": core, "support_weekly": "120",
            "therapies_weekly": "80", "other_weekly": "", "other_description": "",
            "available_from": ["25", "1", "2027"], "statement": statement, "decline_reason": ""}


def _rows(scoped, organisation, model, *where):
    with scoped(organisation):
        return db.session.scalars(select(model).where(*where)
                                  .execution_options(populate_existing=True)).all()


def test_a_child_is_placed_through_the_web_pages(app, world, scoped, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    lot = f.market(world)
    officer = _session(app, world.officer)
    brookvale = _session(app, world.provider_user)
    larchfield = _session(app, world.other_provider_user)

    # The officer drafts the call-off and publishes it to both admitted providers.
    _ok(officer.post("/call-offs/new", data={
        "case_reference": "MCR-2291", "birth_year": "2015", "gender": "male",
        "primary_need": "ASD", "secondary_needs": ["SLCN"], "postcode_district": "M20",
        "ehcp_summary": "Needs a small, calm class.", "lot_id": str(lot.id),
        "placement_type": "day", "start_date": ["25", "1", "2027"], "length_weeks": "52",
        "requirements": "", "local_schedule_id": "", "quality_weight": "60",
        "price_weight": "40", "route": "competition", "deadline_date": ["4", "12", "2026"],
        "deadline_time": "12:00"}))
    [call_off] = _rows(scoped, world.member, CallOff)
    url = f"/call-offs/{call_off.id}"
    _ok(officer.post(f"{url}/publish", data={"publish-deadline_date": ["4", "12", "2026"],
                                             "publish-deadline_time": "12:00"}))
    for provider in (brookvale, larchfield):
        assert call_off.reference in provider.get("/call-offs").get_data(as_text=True)

    # Brookvale asks a question; the officer answers; Larchfield reads the answer, not the asker.
    _ok(brookvale.post(f"{url}/questions/ask", data={"question": "Is transport provided?"}))
    [question_id] = re.findall(rf'{url}/questions/(\d+)/answer',
                               officer.get(f"{url}/questions").get_data(as_text=True))
    _ok(officer.post(f"{url}/questions/{question_id}/answer",
                     data={"answer": "Yes, by the authority."}))
    answers = larchfield.get(f"{url}/questions").get_data(as_text=True)
    assert "Is transport provided?" in answers and "Yes, by the authority." in answers
    assert world.provider.name not in answers

    # Both offer; Brookvale revises its fee; Larchfield withdraws and offers again.
    _ok(brookvale.post(f"{url}/offer", data=_offer("1,550", "Our autism class.")))
    _ok(larchfield.post(f"{url}/offer", data=_offer("1,700", "Small class, on-site therapy.")))
    _ok(brookvale.post(f"{url}/offer", data=_offer("1,500", "Our autism class, revised.")))
    offer_page = larchfield.get(f"{url}/offer").get_data(as_text=True)
    [larchfield_offer] = re.findall(r'action="/offers/(\d+)/withdraw"', offer_page)
    _ok(larchfield.post(f"/offers/{larchfield_offer}/withdraw", data={"confirm": "yes"}))
    _ok(larchfield.post(f"{url}/offer", data=_offer("1,650", "Small class, on-site therapy.")))
    sealed = officer.get(f"{url}/evaluation")
    assert sealed.status_code == 409 and "1,650" not in sealed.get_data(as_text=True)

    # The deadline passes. The officer marks both offers and awards off-rank, with a reason.
    f.after_deadline(time_machine, call_off)
    officer, brookvale, larchfield = (_session(app, u) for u in (
        world.officer, world.provider_user, world.other_provider_user))
    table = officer.get(f"{url}/evaluation").get_data(as_text=True)
    # (1,500 + 120 + 80) and (1,650 + 120 + 80) a week, for 38 weeks.
    assert "£64,600.00" in table and "£70,300.00" in table
    marks = {offer.organisation_id: offer.id
             for offer in _rows(scoped, world.member, Offer)}
    _ok(officer.post(f"{url}/evaluation/{marks[world.provider.id]}",
                     data={"mark": "80", "notes": "Strong autism practice."}))
    _ok(officer.post(f"{url}/evaluation/{marks[world.other_provider.id]}",
                     data={"mark": "70", "notes": "Good therapy offer."}))
    page = officer.post(f"{url}/award", data={"offer_id": marks[world.other_provider.id],
                                              "justification": ""})
    assert page.status_code == 422 and "not ranked first" in page.get_data(as_text=True)
    _ok(officer.post(f"{url}/award", data={"offer_id": marks[world.other_provider.id],
                                           "justification": "Parental preference."}))
    [first] = _rows(scoped, world.member, Award)

    # Larchfield declines; the officer awards the next, Brookvale, which accepts.
    _ok(larchfield.post(f"/awards/{first.id}/decline",
                        data={"reason": "Our last place has just been filled."}))
    _ok(officer.post(f"{url}/award", data={"offer_id": marks[world.provider.id]}))
    [second] = _rows(scoped, world.member, Award, Award.status == AwardStatus.AWARDED)
    _ok(brookvale.post(f"/awards/{second.id}/accept"))

    [placement] = _rows(scoped, world.member, Placement)
    assert (placement.provider_id, placement.weekly_total_pence) == (world.provider.id, 170000)
    assert _rows(scoped, world.member, CallOff)[0].status == CallOffStatus.PLACED
    for session in (officer, brookvale):
        assert placement.reference in session.get("/placements").get_data(as_text=True)
        pdf = session.get(f"/placements/{placement.id}/agreement.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert larchfield.get(f"/placements/{placement.id}").status_code == 404
    # Larchfield still reads its own offer.
    assert "1,650.00" in larchfield.get(f"{url}/offer").get_data(as_text=True)
