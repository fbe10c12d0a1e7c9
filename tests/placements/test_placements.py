"""The provider's answer to an award, and placements with their Individual Placement
Agreement (HTML and PDF) for both parties only."""
import re
import zlib

import pytest
from sqlalchemy import select

import tenants
from marketplace.calloffs import services
from marketplace.calloffs.models import Award, AwardStatus, CallOffStatus
from marketplace.placements.models import Placement
from marketplace.extensions import db

from ..helpers import assert_constant_queries
from ..specifications import factories as specifications
from ..calloffs import factories


@pytest.fixture
def lot(world, time_machine):
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    return factories.market(world)


def _award(world, lot, time_machine, *, to=None, **call_off_fields):
    """A call-off with two offers, marked and awarded (to the world's provider, ranked first,
    unless ``to`` names the other's user)."""
    call_off = factories.published(world.officer, lot, **call_off_fields)
    mine = factories.offer(world.provider_user, call_off, core=150000, support=20000)
    theirs = factories.offer(world.other_provider_user, call_off, core=170000)
    factories.after_deadline(time_machine, call_off)
    with tenants.scoped_to(world.member):
        services.record_quality_mark(world.officer, call_off.id, mine.id, mark=70)
        services.record_quality_mark(world.officer, call_off.id, theirs.id, mark=70)
        chosen = theirs if to is world.other_provider_user else mine
        record = services.award(world.officer, call_off.id, chosen.id,
                                justification=None if chosen is mine else "Parental preference")
    assert record.status == AwardStatus.AWARDED
    return call_off, record


def _state(organisation, model, object_id):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(model).where(model.id == object_id)
                                  .execution_options(populate_existing=True)).one()


def _pdf_text(data):
    chunks = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(stream))
        except zlib.error:
            chunks.append(stream)
    return b"".join(chunks)


def test_the_provider_accepts_an_award_and_both_parties_have_the_placement(
        world, lot, time_machine, as_user):
    core = specifications.version(world.host, specifications.specification(
        world.host, title="Core service specification"))
    for user in (world.provider_user, world.other_provider_user):
        specifications.acceptance(user.organisation, core)
    schedule = specifications.local_schedule(
        world.member, title="Manchester schedule",
        body="Termly reviews — with the family.\n\nMonthly attendance returns.")
    call_off, record = _award(world, lot, time_machine, local_schedule_id=schedule.id)
    provider = as_user(world.provider_user)
    body = provider.get(f"/awards/{record.id}").get_data(as_text=True)
    assert call_off.reference in body
    assert "£1,700.00" in body  # weekly total of its own offer
    assert "£64,600.00" in body  # x 38 chargeable weeks of a day placement
    assert "No standstill applies" in body and "Accept the award" in body
    assert world.other_provider.name not in body

    # The invitation list and the call-off page say it is awarded to this provider.
    assert "Awarded: accept or decline" in provider.get("/call-offs").get_data(as_text=True)
    assert f"/awards/{record.id}" in provider.get(f"/call-offs/{call_off.id}").get_data(
        as_text=True)

    # Until it is accepted the other provider learns nothing of the award.
    other_list = as_user(world.other_provider_user).get("/call-offs").get_data(as_text=True)
    assert "Closed: being evaluated" in other_list and "Award" not in other_list
    provider = as_user(world.provider_user)

    response = provider.post(f"/awards/{record.id}/accept")
    assert response.status_code == 302
    with tenants.scoped_to(world.member):
        placement = db.session.scalar(select(Placement))
    assert response.headers["Location"].endswith(f"/placements/{placement.id}")
    assert (placement.provider_id, placement.weekly_total_pence,
            placement.annual_cost_pence) == (world.provider.id, 170000, 6460000)
    assert _state(world.member, Award, record.id).status == AwardStatus.ACCEPTED
    assert _state(world.member, type(call_off), call_off.id).status == CallOffStatus.PLACED

    for user in (world.provider_user, world.officer):
        signed_in = as_user(user)
        listing = signed_in.get("/placements").get_data(as_text=True)
        assert placement.reference in listing and "£64,600.00" in listing
        detail = signed_in.get(f"/placements/{placement.id}").get_data(as_text=True)
        assert "MCR-2291" in detail and "M20" in detail and "£1,500.00" in detail
        assert "£200.00" in detail and "£1,700.00" in detail and "£64,600.00" in detail
        assert "Brookvale School Ltd" in detail and "Manchester" in detail
        html = signed_in.get(f"/placements/{placement.id}/agreement")
        assert html.status_code == 200
        text = html.get_data(as_text=True)
        assert f"Individual Placement Agreement {placement.reference}" in text
        assert "Core weekly fee" in text and "£64,600.00 (38 chargeable weeks a year)" in text
        assert "Core service specification: Version 1" in text
        assert "Manchester schedule (revision 1)" in text
        assert "Termly reviews — with the family." in text
        pdf = signed_in.get(f"/placements/{placement.id}/agreement.pdf")
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF")
        content = _pdf_text(pdf.data)
        assert placement.reference.encode() in content and b"Brookvale School Ltd" in content
        assert b"Weekly total" in content and b"Core service specification: Version 1" in content
        assert b"Termly reviews - with the family." in content

    # The other provider and another authority know nothing of it.
    for user in (world.other_provider_user, world.other_officer):
        signed_in = as_user(user)
        assert placement.reference not in signed_in.get("/placements").get_data(as_text=True)
        for path in ("", "/agreement", "/agreement.pdf"):
            assert signed_in.get(f"/placements/{placement.id}{path}").status_code == 404
    other = as_user(world.other_provider_user)
    assert other.get(f"/awards/{record.id}").status_code == 404
    assert other.post(f"/awards/{record.id}/accept").status_code == 404
    assert "Placed with another provider" in other.get("/call-offs").get_data(as_text=True)


def test_a_buyer_opening_the_award_goes_to_the_evaluation(world, lot, time_machine, as_user):
    call_off, record = _award(world, lot, time_machine)
    response = as_user(world.officer).get(f"/awards/{record.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/call-offs/{call_off.id}/evaluation")
    assert as_user(world.other_officer).get(f"/awards/{record.id}").status_code == 404


def test_the_provider_declines_an_award_with_a_reason(world, lot, time_machine, as_user):
    call_off, record = _award(world, lot, time_machine)
    provider = as_user(world.provider_user)
    response = provider.post(f"/awards/{record.id}/decline", data={"reason": " "})
    body = response.get_data(as_text=True)
    assert "<title>Error: " in body and "Enter why you are declining the award" in body
    assert 'href="#reason"' in body
    assert _state(world.member, Award, record.id).status == AwardStatus.AWARDED

    response = provider.post(f"/awards/{record.id}/decline",
                             data={"reason": "Our last place was filled yesterday."},
                             follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "You have declined the award" in body
    assert "Our last place was filled yesterday." in body
    declined = _state(world.member, Award, record.id)
    assert (declined.status, declined.decline_reason) == (
        AwardStatus.DECLINED, "Our last place was filled yesterday.")
    assert _state(world.member, type(call_off), call_off.id).status == CallOffStatus.EVALUATING
    # Nothing left to answer: accepting now is refused, and no placement is made.
    response = provider.post(f"/awards/{record.id}/accept", follow_redirects=True)
    assert "The award was not accepted" in response.get_data(as_text=True)
    with tenants.scoped_to(world.member):
        assert db.session.scalars(select(Placement)).all() == []


@pytest.mark.parametrize("party", ["provider_user", "officer"])
def test_the_placements_list_keeps_a_constant_query_count(world, lot, time_machine, as_user,
                                                          party):
    made = []

    def make_rows(count):
        for _ in range(count):
            time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
            call_off, record = _award(world, lot, time_machine)
            with tenants.scoped_to(world.provider):
                made.append(services.accept_award(world.provider_user, record.id))
        as_user(getattr(world, party))  # signed in again after the clock moved

    def request():
        response = as_user(getattr(world, party)).get("/placements")
        assert response.status_code == 200
        assert all(p.reference in response.get_data(as_text=True) for p in made)

    assert_constant_queries(make_rows, request)


def test_an_award_in_standstill_cannot_be_accepted_until_it_ends(world, lot, time_machine,
                                                                  as_user):
    from marketplace.purchasing.models import StandstillRule
    from marketplace.purchasing.services import get_system

    with tenants.scoped_to(world.host):
        get_system().call_off_standstill = StandstillRule.CALENDAR_DAYS_10
        db.session.commit()
    call_off, record = _award(world, lot, time_machine)
    provider = as_user(world.provider_user)
    body = provider.get(f"/awards/{record.id}").get_data(as_text=True)
    assert "You can accept the award once standstill ends at midnight at the end of" in body
    assert 'action="/awards/%d/accept"' % record.id not in body
    response = provider.post(f"/awards/{record.id}/accept", follow_redirects=True)
    assert "The award was not accepted: standstill ends at midnight at the end of" in response.get_data(as_text=True)
    assert _state(world.member, Award, record.id).status == AwardStatus.AWARDED

    time_machine.move_to(record.standstill_ends_at, tick=False)
    response = as_user(world.provider_user).post(f"/awards/{record.id}/accept")
    assert response.status_code == 302 and "/placements/" in response.headers["Location"]


SCHEDULE_MARKDOWN = ("# Reporting\n\nThe school **reports** each term.\n\n"
                     "- Termly progress reports\n- Monthly attendance returns\n\n"
                     "<script>alert('schedule')</script>\n")


def _no_markdown_syntax(text):
    return not re.search(r"(^|[>\n(])\s*(#+ |- |\* )|\*\*", text)


def test_the_local_schedules_markdown_is_rendered_on_every_page_and_in_the_pdf(
        world, lot, time_machine, as_user):
    """Issue 10: the schedule appeared as raw Markdown ("# …", "- …") in the agreement PDF and
    on the provider's pages. Headings, lists and bold are laid out; raw HTML stays escaped."""
    schedule = specifications.local_schedule(world.member, title="Manchester schedule",
                                             body=SCHEDULE_MARKDOWN)
    call_off, record = _award(world, lot, time_machine, local_schedule_id=schedule.id)
    provider = as_user(world.provider_user)
    page = provider.get(f"/call-offs/{call_off.id}").get_data(as_text=True)
    section = page.split("Local schedule</h2>")[1].split("<h2")[0]
    assert '<h4 class="govuk-heading-s">Reporting</h4>' in section
    assert "<li>Termly progress reports</li>" in section
    assert "<strong>reports</strong>" in section
    assert "&lt;script&gt;" in section and "<script>alert" not in section
    assert "# Reporting" not in section and "- Termly" not in section

    provider.post(f"/awards/{record.id}/accept")
    with tenants.scoped_to(world.member):
        placement = db.session.scalar(select(Placement))
    for user in (world.provider_user, world.officer):
        signed_in = as_user(user)
        for path in ("", "/agreement"):
            page = signed_in.get(f"/placements/{placement.id}{path}").get_data(as_text=True)
            section = page.split("Local schedule</h2>")[1]
            assert '<h3 class="govuk-heading-m">Reporting</h3>' in section
            assert "<li>Monthly attendance returns</li>" in section
            assert "&lt;script&gt;" in section and "<script>alert" not in section
            assert "# Reporting" not in section and "- Monthly" not in section
        pdf = _pdf_text(signed_in.get(f"/placements/{placement.id}/agreement.pdf").data)
        shown = b"\n".join(re.findall(rb"\((.*?)\) ?Tj", pdf)).decode("latin-1")
        schedule_text = shown.split("Manchester schedule \\(revision 1\\)")[1]
        lines = [line.strip() for line in schedule_text.splitlines() if line.strip()]
        assert lines[:2] == ["Reporting", "The school"] and "reports" in lines
        assert "Termly progress reports" in lines and "Monthly attendance returns" in lines
        assert _no_markdown_syntax(schedule_text), schedule_text
        assert "<script>alert" in schedule_text  # printed as typed, never run
