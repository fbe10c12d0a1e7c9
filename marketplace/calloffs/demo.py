"""The call-offs part of the demo region (called by marketplace.demo.seed, last).

Manchester's placement officer has four call-offs for boys with social, emotional and mental
health needs (SEMH), whom Brookvale, Hillside and Cedar House can all take in the DAY lot:

- CO-…-0001, a draft;
- CO-…-0002, open: a clarification question asked by Brookvale and answered, and Brookvale's
  offer in (sealed: the officer sees only that one response has arrived);
- CO-…-0003, past its deadline and being evaluated: three offers, two marked;
- CO-…-0004, placed: awarded to the top-ranked offer and accepted, with its placement and
  Individual Placement Agreement;
- CO-…-0005 and CO-…-0006, drafts for an autistic boy in a 38-week residential placement and
  an autistic girl in a 52-week one, each with at least two providers (with users) to invite:
  Hillside, Meadowbank and Oakwood House for the first; Meadowbank and Oakwood House, both
  registered children's homes, for the second.

Each attaches Manchester's local schedule (if the specifications seed made it).

Everything goes through the services. Offers can only be made before a deadline, and a deadline
must be days ahead, so the two finished call-offs are published and answered now and their
timetable stamps are then moved back a fortnight, as if it had all happened then. Hillside and
Cedar House get a provider user each, to make their offers. Rows are looked up, not assumed:
if an earlier seed is missing, the call-offs are skipped.
"""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

import tenants

from ..accounts import services as accounts
from ..accounts.models import Credential, Role, User
from ..extensions import db
from ..purchasing.models import Lot
from ..specifications.models import LocalSchedule
from . import services
from .models import CallOff, CallOffInvitation, Offer, OfferReceipt

LONDON = ZoneInfo("Europe/London")
PROVIDER_USERS = [
    ("Hillside Learning Trust", "admissions@hillside.example.com", "Tom Okafor"),
    ("Cedar House School Ltd", "office@cedarhouse.example.com", "Grace Lin"),
]
# Provider name → (core weekly fee, 1:1 support, therapies) in pence; quality mark.
OFFERS = {
    "Brookvale Independent Special School Ltd": ((1250_00, 150_00, 60_00), 78),
    "Hillside Learning Trust": ((1040_00, 0, 45_00), 64),
    "Cedar House School Ltd": ((1180_00, 200_00, 0), 70),
}


def _user(email):
    credential = db.session.scalars(select(Credential).where(Credential.email == email)).first()
    return db.session.get(User, credential.user_id) if credential else None


def _provider_user(name, email, full_name, password):
    provider = tenants.find_organisation(db.session, name)
    if provider is None:
        return None
    with tenants.scoped_to(provider):
        return _user(email) or accounts.create_user(provider, email=email, full_name=full_name,
                                                    role=Role.PROVIDER_USER, password=password)


def _child(lot, schedule_id, today, reference, birth_offset, district, **changes):
    return {"case_reference": reference, "birth_year": today.year - birth_offset,
            "gender": "male", "primary_need": "SEMH", "secondary_needs": ["SLCN"],
            "postcode_district": district,
            "ehcp_summary": ("Needs a small, structured class with a consistent key adult, and "
                             "weekly speech and language therapy (EHC plan section F)."),
            "lot_id": lot.id, "placement_type": "day",
            "start_date": today + timedelta(days=70), "length_weeks": 104,
            "requirements": ("Home-to-school transport is arranged by Manchester. The school "
                             "reports progress against the EHC plan outcomes each term."),
            "quality_weight": 60, "price_weight": 40, "local_schedule_id": schedule_id,
            **changes}


def _respond(users, call_off, statement_for):
    for name, user in users.items():
        fees, _ = OFFERS[name]
        with tenants.scoped_to(user.organisation):
            services.submit_offer(
                user, call_off.id, can_meet_need=True, core_weekly_pence=fees[0],
                support_weekly_pence=fees[1], therapies_weekly_pence=fees[2],
                other_weekly_pence=0, available_from=call_off.start_date,
                statement=statement_for(name))


def _move_back(call_off, users, days):
    """Move a published call-off's timetable (and its offers) ``days`` into the past."""
    shift = timedelta(days=days)
    with tenants.scoped_to(call_off.authority):
        call_off.published_at -= shift
        call_off.questions_close_at -= shift
        call_off.response_deadline -= shift
        for invitation in db.session.scalars(select(CallOffInvitation).where(
                CallOffInvitation.call_off_id == call_off.id)):
            invitation.invited_at -= shift
        db.session.commit()
    for user in users.values():
        with tenants.scoped_to(user.organisation):
            for row in db.session.scalars(select(Offer).where(Offer.call_off_id == call_off.id)):
                row.submitted_at -= shift
                row.updated_at -= shift
            for row in db.session.scalars(select(OfferReceipt).where(
                    OfferReceipt.call_off_id == call_off.id)):
                row.received_at -= shift
            db.session.commit()


def seed():
    from ..demo import DEMO_PASSWORD

    manchester = tenants.find_organisation(db.session, "manchester")
    if manchester is None:
        return
    with tenants.scoped_to(manchester):
        lots = {lot.code: lot for lot in db.session.scalars(select(Lot))}
        lot = lots.get("DAY")
        schedule = db.session.scalars(select(LocalSchedule).order_by(LocalSchedule.id)).first()
        officer = _user("officer@manchester.example.com")
        manager = _user("manager@manchester.example.com")
        if None in (lot, officer, manager) or db.session.scalars(select(CallOff.id)).first():
            return
    brookvale_school = tenants.find_organisation(db.session,
                                                 "Brookvale Independent Special School Ltd")
    brookvale = None
    if brookvale_school is not None:
        with tenants.scoped_to(brookvale_school):
            brookvale = _user("admissions@brookvale.example.com")
    users = {"Brookvale Independent Special School Ltd": brookvale}
    for name, email, full_name in PROVIDER_USERS:
        if (user := _provider_user(name, email, full_name, DEMO_PASSWORD)) is not None:
            users[name] = user
    users = {name: user for name, user in users.items() if user is not None}

    def statement(name):
        return (f"{name.split(' ')[0]} has a place in a class of eight with a key adult, and an "
                "on-site speech and language therapist two days a week.")

    now = tenants.utcnow()
    today = now.astimezone(LONDON).date()
    schedule_id = schedule.id if schedule is not None else None
    deadline = datetime.combine(services.earliest_deadline_date(today) + timedelta(days=2),
                                time(12, 0), tzinfo=LONDON)
    with tenants.scoped_to(manchester):
        services.set_delegation_limit(manager, 250_000_00)  # whole-life
        services.create_call_off(officer, **_child(lot, schedule_id, today, "MCR-3104", 9, "M22"))
        open_call_off = services.create_call_off(officer, **_child(
            lot, schedule_id, today, "MCR-2291", 12, "M20", response_deadline=deadline))
        services.publish_call_off(officer, open_call_off.id)
        evaluating = services.create_call_off(officer, **_child(
            lot, schedule_id, today, "MCR-2417", 13, "M14", response_deadline=deadline))
        services.publish_call_off(officer, evaluating.id)
        placed = services.create_call_off(officer, **_child(
            lot, schedule_id, today, "MCR-1988", 12, "M21", response_deadline=deadline))
        services.publish_call_off(officer, placed.id)
        for code, reference, age, district, gender, weeks in (
                ("RES38", "MCR-3350", 13, "M9", "male", 76),
                ("RES52", "MCR-3412", 14, "M11", "female", 104)):
            if code in lots:
                services.create_call_off(officer, **_child(
                    lots[code], schedule_id, today, reference, age, district, gender=gender,
                    primary_need="ASD", placement_type=lots[code].placement_types[0],
                    length_weeks=weeks,
                    ehcp_summary=("Needs a waking-day curriculum with a consistent team across "
                                  "school and residence, and a sensory diet (EHC plan "
                                  "sections F and H).")))

    if brookvale is not None:
        with tenants.scoped_to(brookvale.organisation):
            question = services.ask_question(
                brookvale, open_call_off.id,
                "Is the start date fixed, or could the placement start after the February "
                "half term?")
        with tenants.scoped_to(manchester):
            services.answer_question(officer, open_call_off.id, question.id,
                                     "The start date can move by up to four weeks; say in "
                                     "your offer when a place is available.")
        _respond({"Brookvale Independent Special School Ltd": brookvale}, open_call_off,
                 statement)

    for call_off in (evaluating, placed):
        _respond(users, call_off, statement)
        _move_back(call_off, users, (deadline.date() - today).days + 14)

    with tenants.scoped_to(manchester):
        for call_off, marked in ((evaluating, 2), (placed, len(users))):
            offers = services.list_offers(officer, call_off.id)
            for offer in offers[:marked]:
                services.record_quality_mark(
                    officer, call_off.id, offer.id, mark=OFFERS[offer.provider.name][1],
                    notes="Meets the outcomes in section F; visited the class.")
        top = services.evaluation(officer, placed.id).top
        award = services.award(officer, placed.id, top.offer.id) if top else None
    if award is not None:
        winner = users[award.provider.name]
        with tenants.scoped_to(winner.organisation):
            services.accept_award(winner, award.id)
