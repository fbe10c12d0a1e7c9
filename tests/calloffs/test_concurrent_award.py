"""Two officers award the same call-off at the same moment, in two real PostgreSQL transactions
on two connections: exactly one award is made and the other officer is told why.

The rest of the suite runs each test inside one rolled-back transaction, where nothing is ever
concurrent; this test builds its own database, commits for real and drops it afterwards. SQLite
serialises writers, so it runs against PostgreSQL only (CI sets TEST_DATABASE_URL).
"""
import threading

import pytest
from sqlalchemy import func, select

import tenants
from marketplace.accounts.models import User
from marketplace.calloffs import services
from marketplace.calloffs.models import Award, CallOffStatus
from marketplace.errors import Conflict
from marketplace.extensions import db
from tests import factories
from tests.calloffs import factories as call_offs
from tests.conftest import make_world

pytestmark = pytest.mark.own_database  # own_app (tests/conftest.py) skips it on SQLite


def test_two_officers_awarding_at_once_make_exactly_one_award(own_app):
    with own_app.app_context():
        world = make_world()
        second_officer = factories.user(world.member, full_name="Second Officer")
        lot = call_offs.market(world)
        call_off = call_offs.published(world.officer, lot)
        first = call_offs.offer(world.provider_user, call_off, core=150000)
        second = call_offs.offer(world.other_provider_user, call_off, core=120000)
        call_offs.move_back(call_off)
        with tenants.scoped_to(world.member):
            services.record_quality_mark(world.officer, call_off.id, first.id, mark=90)
            services.record_quality_mark(world.officer, call_off.id, second.id, mark=50)
        people = [(world.officer.id, first.id, None),
                  (second_officer.id, second.id, "Parental preference")]
        member, call_off_id = tenants.Scope.of(world.member), call_off.id
        db.session.remove()

    start = threading.Barrier(len(people))
    outcomes = []

    def award(user_id, offer_id, justification):
        with own_app.app_context():
            token = tenants.set_scope(member)
            try:
                officer = db.session.get(User, user_id)
                start.wait(timeout=10)
                services.award(officer, call_off_id, offer_id, justification=justification)
                outcomes.append("awarded")
            except Conflict as refused:
                outcomes.append(str(refused))
            finally:
                db.session.remove()
                tenants.reset_scope(token)

    threads = [threading.Thread(target=award, args=person) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["a call-off that is awarded cannot be awarded", "awarded"]
    with own_app.app_context(), tenants.scoped_to(world.member):
        assert db.session.scalar(select(func.count()).select_from(Award)) == 1
        assert services.get_call_off(world.officer, call_off_id).status == CallOffStatus.AWARDED
