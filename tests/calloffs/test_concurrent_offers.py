"""One provider's users respond to a call-off at the same moment, in real PostgreSQL transactions
on separate connections: each submission or revision either succeeds or is refused with a clear
409, never a 500, and the offer ends with one row whose revision counts every success.

The report: 2 of 50 parallel first offers from one provider answered 500 (both found no offer and
both inserted). Like test_concurrent_award.py, this runs in a database of its own (own_app in
tests/conftest.py), committing for real; SQLite serialises writers, so PostgreSQL only.
"""
import threading

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.accounts.models import User
from marketplace.calloffs import services
from marketplace.calloffs.models import Offer, OfferReceipt
from marketplace.errors import Conflict
from marketplace.extensions import db
from tests import factories
from tests.calloffs import factories as call_offs
from tests.conftest import IsolatedClient, make_world
from tests.helpers import bearer_token

pytestmark = pytest.mark.own_database

PARALLEL = 8


def _values(call_off, core):
    return {"can_meet_need": True, "core_weekly_pence": core, "support_weekly_pence": 0,
            "therapies_weekly_pence": 0, "other_weekly_pence": 0, "other_description": None,
            "available_from": call_off.start_date, "decline_reason": None,
            "statement": "We will meet the need with our autism-specialist class."}


@pytest.fixture
def race(own_app):
    """A published call-off Brookvale is invited to, and PARALLEL of Brookvale's users."""
    with own_app.app_context():
        world = make_world()
        lot = call_offs.market(world)
        call_off = call_offs.published(world.officer, lot)
        users = [world.provider_user] + [factories.user(world.provider)
                                         for _ in range(PARALLEL - 1)]
        race = {"world": world, "call_off": call_off, "user_ids": [u.id for u in users],
                "scope": tenants.Scope.of(world.provider)}
        db.session.remove()
    return race


def _run_together(own_app, race, act):
    """Run ``act(user, call_off)`` for every user at once; the outcome of each, in any order."""
    start = threading.Barrier(len(race["user_ids"]))
    outcomes = []

    def one(user_id):
        with own_app.app_context():
            token = tenants.set_scope(race["scope"])
            try:
                user = db.session.get(User, user_id)
                start.wait(timeout=10)
                act(user, race["call_off"])
                outcomes.append("ok")
            except Conflict as refused:
                outcomes.append(f"409 {refused}")
            except Exception as error:  # the defect: anything else is a 500
                outcomes.append(f"500 {type(error).__name__}: {error}")
            finally:
                db.session.remove()
                tenants.reset_scope(token)

    threads = [threading.Thread(target=one, args=(user_id,)) for user_id in race["user_ids"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _offer_rows(own_app, race):
    with own_app.app_context(), tenants.scoped_to(race["world"].provider):
        offers = db.session.scalars(select(Offer)).all()
        receipts = db.session.scalar(select(func.count()).select_from(OfferReceipt))
        return offers, receipts


def test_first_offers_submitted_at_once_make_one_offer(own_app, race):
    outcomes = _run_together(own_app, race, lambda user, call_off: services.submit_offer(
        user, call_off.id, **_values(call_off, 150000 + user.id)))
    assert not [o for o in outcomes if o.startswith("500")], outcomes
    assert len(outcomes) == PARALLEL
    successes = outcomes.count("ok")
    [offer], receipts = _offer_rows(own_app, race)
    assert receipts == 1
    assert successes >= 1 and offer.revision == successes
    assert all(o == "ok" or o.startswith("409 ") for o in outcomes)


def test_revisions_at_once_are_each_counted(own_app, race):
    with own_app.app_context():
        first = call_offs.offer(race["world"].provider_user, race["call_off"])
        db.session.remove()
    outcomes = _run_together(own_app, race, lambda user, call_off: services.submit_offer(
        user, call_off.id, **_values(call_off, 160000 + user.id)))
    assert outcomes == ["ok"] * PARALLEL
    [offer], receipts = _offer_rows(own_app, race)
    assert offer.id == first.id and receipts == 1
    assert offer.revision == 1 + PARALLEL  # no revision lost to another
    assert offer.core_weekly_pence - 160000 in race["user_ids"]


def test_first_offers_through_the_api_answer_200_or_409(own_app, race):
    with own_app.app_context(), tenants.scoped_to(race["world"].provider):
        tokens = [bearer_token(db.session.get(User, user_id)).token
                  for user_id in race["user_ids"]]
        db.session.remove()
    body = {"can_meet_need": True, "core_weekly_fee": "1500.00",
            "available_from": race["call_off"].start_date.isoformat(),
            "statement": "We will meet the need with our autism-specialist class."}
    start = threading.Barrier(len(tokens))
    answers = []

    def post(token):
        client = IsolatedClient(own_app)
        start.wait(timeout=10)
        try:
            response = client.post(f"/api/v1/call-offs/{race['call_off'].id}/offers", json=body,
                                   headers={"Authorization": f"Bearer {token}"})
        except Exception as error:  # the test app propagates what would be a 500
            answers.append((500, f"{type(error).__name__}: {error}"))
        else:
            answers.append((response.status_code, response.mimetype))

    threads = [threading.Thread(target=post, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == PARALLEL
    assert {status for status, _ in answers} <= {200, 409}, answers
    assert all(kind == "application/problem+json" for status, kind in answers if status == 409)
    [offer], receipts = _offer_rows(own_app, race)
    assert receipts == 1 and offer.revision == [s for s, _ in answers].count(200)
