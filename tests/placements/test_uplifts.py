"""The daily uplift job (issue 12 §4, "Done when": applied late, the clock moved past two
1 Aprils, it creates exactly the right fee changes once). Figures worked by hand below."""
from datetime import date

from sqlalchemy import func, select

import tenants
from marketplace import worker
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.placements import jobs
from marketplace.placements.history import events_of
from marketplace.placements.models import FeeChangeReason, Placement, PlacementFeeChange

from ..helpers import assert_constant_queries, count_queries
from . import fee_factories as factories


def _changes(authority, placement):
    with tenants.scoped_to(authority):
        return [(c.effective_from, c.uplift_due_on, c.core_weekly_pence, c.support_weekly_pence,
                 c.therapies_weekly_pence, c.other_weekly_pence, c.weekly_total_pence,
                 c.uplift_percent_bp, c.review_triggered, c.reason)
                for c in db.session.scalars(select(PlacementFeeChange).where(
                    PlacementFeeChange.placement_id == placement.id).order_by(
                    PlacementFeeChange.effective_from).execution_options(
                    populate_existing=True))]


# A fixed 2.5% each 1 April on £1,500.00 core + £200.00 support + £33.33 therapies (£1,733.33):
#   1 April 2026: 150000 × 1.025 = 153750; 20000 × 1.025 = 20500;
#                 3333 × 1.025 = 3416.325 → 3416;                total 177666
#   1 April 2027, on those: 153750 × 1.025 = 157593.75 → 157594; 20500 × 1.025 = 21012.5 →
#                 21013 (half up); 3416 × 1.025 = 3501.4 → 3501;  total 182108
# (compounded per component: 3333 × 1.025² would be 3501.73 → 3502, which is not what was
# agreed: each year's uplift is on the fee in force the day before, rounded to the penny).
APRIL_2026 = (date(2026, 4, 1), date(2026, 4, 1), 153750, 20500, 3416, 0, 177666, 250, False,
              FeeChangeReason.UPLIFT)
APRIL_2027 = (date(2027, 4, 1), date(2027, 4, 1), 157594, 21013, 3501, 0, 182108, 250, False,
              FeeChangeReason.UPLIFT)


def test_the_job_run_late_past_two_1_aprils_applies_both_uplifts_once(world, time_machine):
    fixed = factories.placement(world.member, world.provider, kind="fixed_april",
                                percent_bp=250)
    # Stockport's anniversary uplift of 3% on a placement from 15 June 2025 (£1,000.00 core):
    # 15 June 2026 → 103000; 15 June 2027 is after the day the job runs, so not yet.
    anniversary = factories.placement(world.other_member, world.other_provider,
                                      start=date(2025, 6, 15), core=100000, support=0,
                                      therapies=0, kind="fixed_anniversary", percent_bp=300)
    untouched = factories.placement(world.member, world.provider, kind="none")
    # Ended on 31 December 2026: only the 1 April 2026 uplift falls within its life.
    ended = factories.placement(world.member, world.provider, core=100000, support=0,
                                therapies=0, kind="fixed_april", percent_bp=250)
    with tenants.scoped_to(world.member):
        ended.ended_on = date(2026, 12, 31)
        db.session.commit()

    time_machine.move_to("2027-05-10 06:00 +01:00", tick=False)
    run = jobs.apply_due_uplifts()
    assert (run.applied, run.waiting_for_index, run.raced) == (4, 0, 0)
    assert _changes(world.member, fixed) == [APRIL_2026, APRIL_2027]
    assert _changes(world.other_member, anniversary) == [
        (date(2026, 6, 15), date(2026, 6, 15), 103000, 0, 0, 0, 103000, 300, False,
         FeeChangeReason.UPLIFT)]
    assert _changes(world.member, untouched) == []
    # 100000 × 1.025 = 102500 from 1 April 2026, and nothing on 1 April 2027 (after its end).
    assert [c[:7] for c in _changes(world.member, ended)] == [
        (date(2026, 4, 1), date(2026, 4, 1), 102500, 0, 0, 0, 102500)]

    # The whole-life values follow (52-week: weekly fee × days ÷ 7, rounded once at the end):
    # 1 September 2025–31 March 2026, 212 days at 173333; the year from 1 April 2026, 365 days
    # at 177666; 1 April 2027–31 July 2028, 488 days (29 February 2028 in it) at 182108:
    # (36746596 + 64848090 + 88868704) ÷ 7 = 190463390 ÷ 7 = 27209055.71 → £272,090.56.
    # The ended one: (212 × 100000 + 275 × 102500) ÷ 7 = 7055357.14 → £70,553.57.
    with tenants.scoped_to(world.member):
        assert db.session.scalars(select(Placement.total_value_pence).where(
            Placement.id.in_([fixed.id, ended.id])).order_by(Placement.id)).all() == [
            27209056, 7055357]

    # Each uplift is in the placement's history and in its authority's audit trail.
    with tenants.scoped_to(world.member):
        summaries = [e.summary for e in events_of(fixed)]
        assert summaries == [
            "Uplift of 2.5% from 1 April 2026: weekly total £1,733.33 to £1,776.66",
            "Uplift of 2.5% from 1 April 2027: weekly total £1,776.66 to £1,821.08"]
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "placement.uplift_applied")) == 3

    # Running again, that day or later, creates nothing more.
    assert jobs.apply_due_uplifts().applied == 0
    time_machine.move_to("2027-06-01 06:00 +01:00", tick=False)
    assert worker.run_daily()["uplifts_applied"] == 0
    assert _changes(world.member, fixed) == [APRIL_2026, APRIL_2027]


def test_run_on_each_day_it_gives_the_same_fee_changes_as_run_late(world, time_machine):
    fixed = factories.placement(world.member, world.provider, kind="fixed_april",
                                percent_bp=250)
    time_machine.move_to("2026-03-31 23:00 +00:00", tick=False)  # 1 April in London
    assert jobs.apply_due_uplifts().applied == 1
    assert jobs.apply_due_uplifts().applied == 0
    time_machine.move_to("2027-03-31 22:59 +00:00", tick=False)  # still 31 March in London
    assert jobs.apply_due_uplifts().applied == 0
    time_machine.move_to("2027-04-01 09:00 +01:00", tick=False)
    assert jobs.apply_due_uplifts().applied == 1
    assert _changes(world.member, fixed) == [APRIL_2026, APRIL_2027]


def test_an_index_linked_uplift_waits_for_its_index_value(world, time_machine):
    # "The lower of 1.5% and CPI, reviewed when CPI exceeds 3%", CPI at September. For
    # 1 April 2026 CPI September 2025 is 3.8%: 1.5% applies and a review is triggered:
    # 200000 × 1.015 = 203000. For 1 April 2027 September 2026 is not entered yet: it waits.
    factories.cpi(world.host, {(2025, 9): 380, (2025, 10): 360})
    linked = factories.placement(world.member, world.provider, core=200000, support=0,
                                 therapies=0, kind="index_linked", index_code="CPI",
                                 reference_month=9, cap_bp=150, review_above_bp=300)
    time_machine.move_to("2027-04-02 09:00 +01:00", tick=False)
    run = jobs.apply_due_uplifts()
    assert (run.applied, run.waiting_for_index) == (1, 1)
    assert _changes(world.member, linked) == [
        (date(2026, 4, 1), date(2026, 4, 1), 203000, 0, 0, 0, 203000, 150, True,
         FeeChangeReason.UPLIFT)]
    with tenants.scoped_to(world.member):
        assert "review threshold" in events_of(linked)[-1].summary
    assert jobs.apply_due_uplifts().waiting_for_index == 1

    # September 2026 at 2.4%: above the 1.5% cap, below the 3% review threshold, so 1.5%
    # with no review: 203000 × 1.015 = 206045 from 1 April 2027, applied late on the next run.
    factories.cpi(world.host, {(2026, 9): 240})
    run = jobs.apply_due_uplifts()
    assert (run.applied, run.waiting_for_index) == (1, 0)
    assert _changes(world.member, linked)[-1] == (
        date(2027, 4, 1), date(2027, 4, 1), 206045, 0, 0, 0, 206045, 150, False,
        FeeChangeReason.UPLIFT)
    assert jobs.apply_due_uplifts().applied == 0


def test_an_uplift_compounds_on_a_fee_change_agreed_before_it(world, time_machine):
    # A negotiated change from 1 January 2026 to £1,600.00 core (others as agreed, £200.00 and
    # £33.33: £1,833.33); 1 April 2026 uplifts those: 164000, 20500, 3416: total 187916.
    from marketplace.placements import fees

    fixed = factories.placement(world.member, world.provider, kind="fixed_april",
                                percent_bp=250)
    time_machine.move_to("2025-12-01 10:00 +00:00", tick=False)
    with tenants.scoped_to(world.member):
        fees.record_fee_change(world.officer, fixed.id, date(2026, 1, 1), 160000, 20000, 3333,
                               0, "negotiated", agreed_by="Brookvale's bursar")
    time_machine.move_to("2026-04-01 10:00 +01:00", tick=False)
    jobs.apply_due_uplifts()
    assert [c[:7] for c in _changes(world.member, fixed)] == [
        (date(2026, 1, 1), None, 160000, 20000, 3333, 0, 183333),
        (date(2026, 4, 1), date(2026, 4, 1), 164000, 20500, 3416, 0, 187916)]


def test_a_run_that_loses_the_race_for_a_due_date_creates_nothing(world, time_machine):
    """Two runs at once: the second to insert a due date is refused by the unique due date per
    placement and leaves that placement to the first (a savepoint per placement)."""
    fixed = factories.placement(world.member, world.provider, kind="fixed_april",
                                percent_bp=250)
    time_machine.move_to("2026-04-02 10:00 +01:00", tick=False)
    assert jobs.apply_due_uplifts().applied == 1
    with tenants.scoped_to(world.member):
        from marketplace.placements.fees import rule_of

        # What a concurrent run read before this one committed: no fee changes yet.
        run = jobs.UpliftRun()
        made = jobs.apply_placement_uplifts(fixed, rule_of(fixed), [date(2026, 4, 1)], [], {},
                                            run)
        db.session.commit()
    assert (made, run.applied, run.raced) == ([], 0, 1)
    assert _changes(world.member, fixed) == [APRIL_2026]


def test_the_job_reads_a_constant_number_of_statements_when_nothing_is_due(world,
                                                                             time_machine):
    time_machine.move_to("2025-08-01 10:00 +01:00", tick=False)

    def make_rows(count):
        for _ in range(count):
            factories.placement(world.member, world.provider, kind="fixed_april",
                                percent_bp=250)
            factories.placement(world.other_member, world.other_provider,
                                kind="fixed_anniversary", percent_bp=300)
        time_machine.move_to("2027-05-10 10:00 +01:00", tick=False)
        jobs.apply_due_uplifts()  # applies everything due

    def request():
        assert jobs.apply_due_uplifts().applied == 0

    assert_constant_queries(make_rows, request)


def test_applying_uplifts_reads_a_bounded_number_of_statements(world, time_machine):
    """Reading is constant per authority; the rest is the writes each fee change needs (the
    change, its audit event with the chain head it extends, its history line, a savepoint)."""
    counts = []
    for size in (1, 5):
        with tenants.scoped_to(world.member):
            db.session.execute(PlacementFeeChange.__table__.delete())
            db.session.commit()
        for _ in range(size - (1 if counts else 0)):
            factories.placement(world.member, world.provider, kind="fixed_april",
                                percent_bp=250)
        time_machine.move_to("2026-04-02 10:00 +01:00", tick=False)
        with count_queries() as counter:
            assert jobs.apply_due_uplifts().applied == size
        counts.append(counter.count)
        time_machine.move_to("2025-08-01 10:00 +01:00", tick=False)
    per_change = (counts[1] - counts[0]) / 4
    assert per_change <= 8, counts


# ---------------------------------------------------------------- proposals

def _api(client, user):
    from ..helpers import bearer_token

    headers = {"Authorization": f"Bearer {bearer_token(user).token}"}
    return lambda method, url, body=None: client.open(url, method=method, headers=headers,
                                                      json=body)


def test_a_proposal_received_after_31_january_for_1_april_is_late(world, time_machine, client):
    placement = factories.placement(world.member, world.provider, kind="fixed_april",
                                    percent_bp=250)
    provider = _api(client, world.provider_user)
    url = f"/api/v1/placements/{placement.id}/uplift-proposals"
    body = {"effective_from": "2027-04-01", "percent": "3.5", "reason": "Staff pay award."}
    # Notice 2 months: on time up to and including 31 January 2027 (UK time).
    time_machine.move_to("2027-01-31 23:30 +00:00", tick=False)
    on_time = provider("POST", url, body)
    assert on_time.status_code == 201, on_time.json
    assert (on_time.json["late"], on_time.json["percent"], on_time.json["status"],
            on_time.json["decision"]) == (False, "3.5", "pending", None)
    time_machine.move_to("2027-02-01 00:30 +00:00", tick=False)
    late = provider("POST", url, body)
    assert late.json["late"] is True
    # The authority's users are told, each time.
    with tenants.scoped_to(world.member):
        from marketplace.notifications.models import OutboxMessage

        subjects = {m.subject for m in db.session.scalars(select(OutboxMessage))}
        assert subjects == {f"Placement {placement.reference}: Brookvale School Ltd proposes "
                            f"an uplift"}
    listed = _api(client, world.officer)("GET", url)
    assert [p["late"] for p in listed.json] == [True, False]
    # Bad input, by field; the authority cannot propose; others are told it is not there.
    bad = provider("POST", url, {"effective_from": "2027-04-01", "percent": "3",
                                 "core_weekly_fee": "1600.00"})
    assert {e["field"]: e["message"] for e in bad.json["errors"]} == {
        "percent": "Propose a percentage or new weekly fees, not both",
        "reason": "Enter why you propose the uplift"}
    assert _api(client, world.officer)("POST", url, body).status_code == 403
    for user in (world.other_provider_user, world.other_officer):
        assert _api(client, user)("GET", url).status_code == 404
        assert _api(client, user)("POST", url, body).status_code == 404


def test_the_authority_accepts_refuses_or_counters_and_decides_once(world, time_machine,
                                                                     client):
    # Fees £1,500.00 + £200.00 + £33.33 (173333) from 1 September 2025; no uplift rule.
    placement = factories.placement(world.member, world.provider, kind="none")
    time_machine.move_to("2026-12-01 10:00 +00:00", tick=False)
    provider = _api(client, world.provider_user)
    officer = _api(client, world.officer)
    url = f"/api/v1/placements/{placement.id}/uplift-proposals"
    by_percent = provider("POST", url, {"effective_from": "2027-04-01", "percent": "4",
                                        "reason": "Staff pay award."}).json
    by_fees = provider("POST", url, {"effective_from": "2027-09-01", "reason": "New therapist.",
                                     "core_weekly_fee": "1500.00", "support_weekly_fee":
                                     "200.00", "therapies_weekly_fee": "120.00",
                                     "other_weekly_fee": "0.00"}).json
    refused = provider("POST", url, {"effective_from": "2027-04-01", "percent": "9",
                                     "reason": "Costs."}).json

    decide = f"/api/v1/uplift-proposals/{by_percent['id']}/decision"
    bad = officer("POST", decide, {"decision": "counter"})
    assert {e["field"] for e in bad.json["errors"]} == {"reason", "counter_percent"}
    assert provider("POST", decide, {"decision": "accept"}).status_code == 403
    assert _api(client, world.other_officer)("POST", decide, {"decision": "accept"}
                                             ).status_code == 404
    # Countered at 2.5% from 1 April 2027 on the fees in force the day before:
    # 150000 × 1.025 = 153750; 20000 × 1.025 = 20500; 3333 × 1.025 = 3416.325 → 3416: 177666.
    countered = officer("POST", decide, {"decision": "counter", "counter_percent": "2.5",
                                         "reason": "Within our budget for the year."})
    assert countered.status_code == 200, countered.json
    assert (countered.json["status"], countered.json["decision"]["decision"],
            countered.json["decision"]["counter_percent"]) == ("countered", "countered", "2.5")
    assert officer("POST", decide, {"decision": "accept"}).status_code == 409

    # Accepted new fees apply as proposed from 1 September 2027: 150000 + 20000 + 12000.
    accepted = officer("POST", f"/api/v1/uplift-proposals/{by_fees['id']}/decision",
                       {"decision": "accept"})
    assert accepted.json["status"] == "accepted"
    # Refused needs its reason and makes no fee change.
    refuse = f"/api/v1/uplift-proposals/{refused['id']}/decision"
    assert officer("POST", refuse, {"decision": "refuse"}).json["errors"] == [{
        "field": "reason", "in": "json", "message": "Enter why you refuse the proposal"}]
    assert officer("POST", refuse, {"decision": "refuse", "reason": "Above the agreed rule."}
                   ).json["decision"]["reason"] == "Above the agreed rule."

    assert [c[:8] for c in _changes(world.member, placement)] == [
        (date(2027, 4, 1), None, 153750, 20500, 3416, 0, 177666, 250),
        (date(2027, 9, 1), None, 150000, 20000, 12000, 0, 182000, None)]
    with tenants.scoped_to(world.member):
        assert {c.proposal_id for c in db.session.scalars(select(PlacementFeeChange))} == {
            int(by_percent["id"]), int(by_fees["id"])}
    # The provider sees each decision, and is told of each.
    listed = provider("GET", url).json
    assert {p["id"]: p["status"] for p in listed} == {
        by_percent["id"]: "countered", by_fees["id"]: "accepted", refused["id"]: "refused"}
    with tenants.scoped_to(world.provider):
        from marketplace.notifications.models import OutboxMessage

        subjects = sorted(m.subject for m in db.session.scalars(select(OutboxMessage)))
        assert subjects == [f"Placement {placement.reference}: your uplift proposal was "
                            f"{word}" for word in ("accepted", "countered with 2.5%",
                                                   "refused")]


def test_the_proposal_pages(world, time_machine, as_user):
    placement = factories.placement(world.member, world.provider, kind="none")
    time_machine.move_to("2026-12-01 10:00 +00:00", tick=False)
    provider = as_user(world.provider_user)
    page = f"/placements/{placement.id}/uplift-proposals"
    bad = provider.post(page, data={"effective_from": ["1", "4", "2027"], "percent": "lots",
                                    "reason": ""})
    assert bad.status_code == 422 and "Enter a percentage with up to two decimal places" in (
        bad.get_data(as_text=True))
    done = provider.post(page, follow_redirects=True, data={
        "effective_from": ["1", "4", "2027"], "percent": "3", "reason": "Pay award."})
    assert "Proposal sent to the authority." in done.get_data(as_text=True)
    with tenants.scoped_to(world.provider):
        from marketplace.placements.models import UpliftProposal

        proposal = db.session.scalar(select(UpliftProposal))
    officer = as_user(world.officer)
    assert "3%" in officer.get(page).get_data(as_text=True)
    detail = f"/uplift-proposals/{proposal.id}"
    bad = officer.post(detail, data={"decision": "refuse", "reason": ""})
    assert bad.status_code == 422 and "Enter why you refuse the proposal" in bad.get_data(
        as_text=True)
    done = officer.post(detail, follow_redirects=True, data={"decision": "accept", "reason": ""})
    assert "Decision recorded." in done.get_data(as_text=True) and "Accepted" in done.get_data(
        as_text=True)
    assert as_user(world.other_officer).get(detail).status_code == 404
    assert as_user(world.other_provider_user).get(page).status_code == 404
