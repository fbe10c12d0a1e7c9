"""Who a call-off may invite from a lot: the rules of the purchasing system, by the clock."""
from datetime import date, datetime, timedelta, timezone

import time_machine

from marketplace.evaluation.admissions import invitable_admissions
from marketplace.evaluation.models import AdmissionStatus
from marketplace.extensions import db

from ..providers import factories as provider_factories
from ..purchasing import factories as purchasing_factories
from ..specifications import factories as specification_factories
from . import factories

V2_EFFECTIVE = date(2026, 12, 15)  # 00:00 UK time (GMT in December)
NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)


def _invited(lot, at):
    return {admission.provider_id for admission in invitable_admissions(lot.id, at)}


@time_machine.travel(NOW, tick=False)
def test_only_admitted_providers_in_good_standing_that_accepted_the_specification(world, scoped):
    """A provider that has not accepted the new core specification is invited until the new
    version's effective date and not after it, until it accepts; one with an expired mandatory
    document or a suspended admission is never invited."""
    lot = purchasing_factories.lot(world.host, "DAY")
    core = specification_factories.specification(world.host)
    v1 = specification_factories.version(world.host, core)
    v2 = specification_factories.version(world.host, core, effective_on=V2_EFFECTIVE,
                                         summary="New safeguarding section")
    for user in (world.provider_user, world.other_provider_user):
        provider_factories.all_documents(user, expires_on=date(2027, 6, 30))
        specification_factories.acceptance(user.organisation, v1)
        factories.admission(world.host, user.organisation, lot)
    specification_factories.acceptance(world.other_provider, v2)  # only Larchfield accepts v2

    before = datetime(2026, 12, 14, 23, 59, 59, tzinfo=timezone.utc)
    after = datetime(2026, 12, 15, 0, 0, tzinfo=timezone.utc)
    with scoped(world.member):
        assert _invited(lot, before) == {world.provider.id, world.other_provider.id}
        assert _invited(lot, after) == {world.other_provider.id}

    specification_factories.acceptance(world.provider, v2)
    with scoped(world.member):
        assert _invited(lot, after) == {world.provider.id, world.other_provider.id}
        # A mandatory document expiring on 30 June 2027 still counts that day, not the next.
        assert _invited(lot, datetime(2027, 6, 30, 22, tzinfo=timezone.utc)) == {
            world.provider.id, world.other_provider.id}
        assert _invited(lot, datetime(2027, 6, 30, 23, 0, 1, tzinfo=timezone.utc)) == set()


@time_machine.travel(NOW, tick=False)
def test_a_suspended_or_pending_admission_is_not_invited(world, scoped):
    lot = purchasing_factories.lot(world.host, "RES38")
    for user in (world.provider_user, world.other_provider_user):
        provider_factories.all_documents(user)
    suspended = factories.admission(world.host, world.provider, lot)
    factories.admission(world.host, world.other_provider, lot,
                        effective_at=NOW + timedelta(days=3))  # still in standstill
    with scoped(world.host):
        suspended.status = AdmissionStatus.SUSPENDED
        db.session.commit()
    with scoped(world.member):
        assert _invited(lot, NOW) == set()
        assert _invited(lot, NOW + timedelta(days=3)) == {world.other_provider.id}
