"""A small market for call-off tests, made through the services: a DAY lot, both of the world's
providers eligible for it (profile, documents, admission), and call-offs and offers."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import CallOff
from marketplace.extensions import db
from tests.evaluation import factories as evaluation_factories
from tests.providers import factories as provider_factories
from tests.purchasing import factories as purchasing_factories

LONDON = ZoneInfo("Europe/London")


def eligible(host, provider_user, lot, **profile):
    """Make ``provider_user``'s provider invitable to call-offs in ``lot``: a profile that
    caters for ASD and SEMH day placements for ages 7-19, every mandatory document, and an
    admission that took effect a month ago."""
    provider_factories.profile(provider_user, **profile)
    provider_factories.all_documents(provider_user)
    return evaluation_factories.admission(
        host, provider_user.organisation, lot,
        effective_at=tenants.utcnow() - timedelta(days=30))


def market(world, code="DAY"):
    """A lot with both of the world's providers eligible; returns the lot."""
    lot = purchasing_factories.lot(world.host, code)
    eligible(world.host, world.provider_user, lot)
    eligible(world.host, world.other_provider_user, lot)
    return lot


def deadline(days=10, at=time(12, 0)):
    """Noon (UK time) ``days`` calendar days from today: comfortably past the minimum."""
    day = tenants.utcnow().astimezone(LONDON).date() + timedelta(days=days)
    return datetime.combine(day, at, tzinfo=LONDON)


def fields(lot, **overrides):
    today = tenants.utcnow().astimezone(LONDON).date()
    return {"case_reference": "MCR-2291", "birth_year": today.year - 11, "gender": "male",
            "primary_need": "ASD", "secondary_needs": ["SLCN"], "postcode_district": "M20",
            "ehcp_summary": "Needs a small, calm class and speech and language therapy.",
            "lot_id": lot.id, "placement_type": "day", "start_date": today + timedelta(days=60),
            "length_weeks": 52, "requirements": "Transport is arranged by the authority.",
            "quality_weight": 60, "price_weight": 40, "response_deadline": deadline(),
            **overrides}


def draft(officer, lot, **overrides):
    with tenants.scoped_to(officer.organisation):
        return services.create_call_off(officer, **fields(lot, **overrides))


def published(officer, lot, **overrides):
    made = draft(officer, lot, **overrides)
    with tenants.scoped_to(officer.organisation):
        return services.publish_call_off(officer, made.id)


def offer(provider_user, call_off, *, core=150000, support=0, therapies=0, other=0,
          can_meet_need=True, **overrides):
    """The provider's offer (fees in pence a week), or a decline with ``can_meet_need=False``."""
    values = {"can_meet_need": can_meet_need, "core_weekly_pence": core,
              "support_weekly_pence": support, "therapies_weekly_pence": therapies,
              "other_weekly_pence": other,
              "other_description": "Transport escort" if other else None,
              "available_from": call_off.start_date,
              "statement": "We will meet the need with our autism-specialist class.",
              "decline_reason": None if can_meet_need else "We have no places this year.",
              **overrides}
    with tenants.scoped_to(provider_user.organisation):
        return services.submit_offer(provider_user, call_off.id, **values)


def after_deadline(time_machine, call_off, seconds=1):
    """Move the clock to ``seconds`` after the call-off's response deadline."""
    with tenants.scoped_to(call_off.authority):
        deadline_at = db.session.get(CallOff, call_off.id).response_deadline
    time_machine.move_to(deadline_at + timedelta(seconds=seconds), tick=False)


def move_back(call_off, days=30):
    """Move a published call-off's timetable ``days`` into the past, as if it had been published
    then (its deadline has passed, without moving the clock)."""
    shift = timedelta(days=days)
    with tenants.scoped_to(call_off.authority):
        made = db.session.get(CallOff, call_off.id)
        made.published_at -= shift
        made.questions_close_at -= shift
        made.response_deadline -= shift
        db.session.commit()
        return made


def case(world):
    """One whole call-off, cached on the world (the isolation matrix asks for its call-off,
    question, offer, award and placement separately; they must belong together): Manchester's
    officer removes Larchfield with a reason and publishes, Brookvale asks a question that is
    answered, offers, the deadline passes, and Brookvale is awarded and accepts. Larchfield
    (``other_provider``) is therefore an outsider to all of it."""
    made = getattr(world, "_call_off_case", None)
    if made is not None:
        return made
    from types import SimpleNamespace

    lot = market(world)
    call_off = draft(world.officer, lot)
    with tenants.scoped_to(world.member):
        services.exclude_provider(world.officer, call_off.id, world.other_provider.id,
                                  "Too far from home for daily travel.")
        services.publish_call_off(world.officer, call_off.id)
    with tenants.scoped_to(world.provider):
        question = services.ask_question(world.provider_user, call_off.id, "Is transport provided?")
    with tenants.scoped_to(world.member):
        services.answer_question(world.officer, call_off.id, question.id, "Yes.")
    made_offer = offer(world.provider_user, call_off)
    move_back(call_off)
    with tenants.scoped_to(world.member):
        services.record_quality_mark(world.officer, call_off.id, made_offer.id, mark=70)
        award = services.award(world.officer, call_off.id, made_offer.id)
    with tenants.scoped_to(world.provider):
        placement = services.accept_award(world.provider_user, award.id)
    from marketplace.placements import reviews

    with tenants.scoped_to(world.member):
        review = reviews.schedule_review(world.officer, placement.id,
                                         placement.start_date + timedelta(days=180))
    made = SimpleNamespace(call_off=call_off, question=question, offer=made_offer, award=award,
                           placement=placement, review=review)
    world._call_off_case = made
    return made
