"""A run's frozen snapshot is every input (issue 14 §3: an approved run is frozen): stored as
JSON and read back, it gives exactly the contributions the arithmetic gave for the inputs
themselves; and each member's stored parts (to the penny, for reading) add up to its
contribution within the pennies the rounding moved. Pure: no database."""
import json
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

import tenants
from marketplace.costsharing import services

settings.register_profile("cost_sharing_snapshot", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile("cost_sharing_snapshot")

YEAR = 2026


@st.composite
def snapshots(draw):
    count = draw(st.integers(1, 6))
    members = []
    for i in range(count):
        joined = date(2026, 4, 1) + timedelta(days=draw(st.integers(-400, 300)))
        left = draw(st.one_of(st.none(), st.integers(0, 500)))
        members.append({
            "authority_id": i + 1, "name": f"Authority {i + 1}", "ons_code": f"E0{i + 1}",
            "is_host": False, "joined_on": joined.isoformat(),
            "left_on": None if left is None else (joined + timedelta(days=left)).isoformat(),
            "usage": {tenants.PLACEMENT_DAYS: str(draw(st.integers(0, 5000))),
                      tenants.PLACEMENT_SPEND: str(draw(st.integers(0, 10 ** 9))),
                      tenants.POPULATION: str(draw(st.integers(0, 10 ** 6)))},
            "last_approved": draw(st.one_of(st.none(), st.integers(0, 10 ** 7)))})
    weights = draw(st.sampled_from([
        {"usage_measure": tenants.PLACEMENT_DAYS, "usage_weights_bp": None},
        {"usage_measure": None, "usage_weights_bp": {tenants.PLACEMENT_SPEND: 5050,
                                                     tenants.POPULATION: 4950}}]))
    terms = {"fixed_percent_bp": draw(st.integers(0, 10000)), **weights,
             "host_pays_share": False, "participants": None, "caps": {},
             "damping_percent_bp": draw(st.one_of(st.none(), st.integers(0, 5000))),
             "tolerance_bp": 0, "include_off_framework": True}
    return {"financial_year": YEAR, "net_cost_pence": draw(st.integers(0, 10 ** 9)),
            "terms": terms, "members": members}


@PROFILE
@given(snapshot=snapshots())
def test_a_stored_snapshot_gives_the_same_contributions(snapshot):
    try:
        direct = services.apportion_snapshot(snapshot)
    except tenants.CostSharingError:
        return  # nobody a member in the year: refused either way
    stored = json.loads(json.dumps(snapshot))
    again = services.apportion_snapshot(stored)
    assert again.amounts == direct.amounts
    assert sum(again.amounts.values()) == snapshot["net_cost_pence"]
    by_id = {m["authority_id"]: m for m in snapshot["members"]}
    for contribution in again.contributions:
        record = services._record(contribution, by_id[contribution.authority_id])
        parts = record["fixed_pence"] + record["usage_pence"] + record["adjustment_pence"]
        # Three parts each within half a penny of exact, and the penny rounding under one.
        assert abs(parts - record["amount_pence"]) <= 2
        assert json.loads(json.dumps(record)) == record
