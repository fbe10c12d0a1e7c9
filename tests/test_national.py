"""``flask demo national`` at a tiny scale: the rows keep the services' rules, the audit chains
hold, and the pages read the data as if the services had written it."""
import json

import pytest
from sqlalchemy import select, text

import tenants
from config import TestConfig
from marketplace import audit, demo, national
from marketplace.accounts.models import Role, User
from marketplace.calloffs import services as calloffs
from marketplace.calloffs.models import (Award, AwardStatus, CallOff, CallOffInvitation,
                                         CallOffStatus, Offer, Route)
from marketplace.placements.models import Placement
from marketplace.extensions import db
from marketplace.national.shape import Plan

from .conftest import IsolatedClient
from .helpers import sign_in

TINY = 0.002
ON_POSTGRES = (TestConfig.SQLALCHEMY_DATABASE_URI or "").startswith("postgresql")


@pytest.fixture
def built():
    """The tiny set's summary; ``seeded`` is the highest call-off id of the demo seed's own."""
    demo.seed()
    seeded = db.session.connection().scalar(text("SELECT max(id) FROM call_off"))
    summary = national.build(scale=TINY, seed=7, vacuum=False)
    summary["seeded"] = seeded
    return summary


def _sql(statement, **params):
    return db.session.connection().execute(text(statement), params)


def _user(role, organisation_id):
    user_id = _sql("SELECT id FROM user_account WHERE organisation_id = :o AND role = :r "
                   "ORDER BY id LIMIT 1", o=organisation_id, r=role.value).scalar()
    organisation = db.session.get(tenants.Organisation, organisation_id)
    with tenants.scoped_to(organisation):
        return db.session.get(User, user_id)


def test_the_tiny_national_set_is_built_and_its_audit_chains_hold(built):
    assert built["call_off"] == Plan(TINY, 7).call_offs
    assert built["offer"] > 0 and built["placement"] > 0 and built["audit_event"] > 0
    assert _sql("SELECT count(*) FROM authority").scalar() == 30
    assert audit.verify_chains() == []
    marker = _sql("SELECT after FROM audit_event WHERE action = 'demo.national_generated'")
    assert marker.scalar() is not None


def test_a_second_build_is_refused(built):
    with pytest.raises(national.NationalRefused, match="already here"):
        national.build(scale=TINY)


def test_generated_authorities_cannot_be_mistaken_for_real_ones(built):
    rows = _sql("SELECT o.name, a.ons_code FROM authority a JOIN organisation o ON o.id = a.id "
                "WHERE a.ons_code LIKE 'E1099%'").all()
    assert rows and all(" Sample " in name for name, _ in rows)
    real = {ref.ons_code for ref in tenants.reference_authorities()}
    assert not real & {code for _, code in rows}


def test_each_call_off_invites_exactly_whom_the_publishing_service_would(built):
    """calloffs.services._candidates at the moment of publication is the rule; an admission
    suspended or removed since then was active when the call-off was published."""
    changed = {row.provider_id for row in _sql(
        "SELECT provider_id FROM admission WHERE status != 'active'")}
    published = _sql("SELECT id, organisation_id FROM call_off WHERE published_at IS NOT NULL "
                     "AND id > :seeded ORDER BY id", seeded=built["seeded"]).all()
    assert published
    for call_off_id, authority_id in published:
        with tenants.scoped_to(db.session.get(tenants.Authority, authority_id)):
            call_off = db.session.get(CallOff, call_off_id)
            invited = set(db.session.scalars(select(CallOffInvitation.provider_id).where(
                CallOffInvitation.call_off_id == call_off_id)))
            expected = {c.provider.id for c in calloffs._candidates(call_off,
                                                                     call_off.published_at)
                        if c.invited}
        assert expected <= invited, call_off.reference
        assert invited - expected <= changed, call_off.reference


def test_offers_arrive_in_time_and_live_ones_have_receipts(built):
    late = _sql("SELECT count(*) FROM offer o JOIN call_off c ON c.id = o.call_off_id "
                "WHERE o.submitted_at >= c.response_deadline "
                "OR o.submitted_at < c.published_at").scalar()
    assert late == 0
    uninvited = _sql("SELECT count(*) FROM offer o LEFT JOIN call_off_invitation i "
                     "ON i.call_off_id = o.call_off_id AND i.provider_id = o.organisation_id "
                     "WHERE i.id IS NULL").scalar()
    assert uninvited == 0
    mismatched = _sql(
        "SELECT count(*) FROM offer o LEFT JOIN offer_receipt r ON r.call_off_id = o.call_off_id "
        "AND r.organisation_id = o.organisation_id "
        "WHERE (o.withdrawn_at IS NULL) != (r.id IS NOT NULL)").scalar()
    assert mismatched == 0


def test_awards_follow_the_ranking_and_placements_their_accepted_award(built):
    placed = _sql("SELECT id, organisation_id, route FROM call_off WHERE status = 'placed'").all()
    assert placed
    for call_off_id, authority_id, route in placed:
        officer = _user(Role.PLACEMENT_OFFICER, authority_id)
        with tenants.scoped_to(officer.organisation):
            awards = db.session.scalars(select(Award).where(Award.call_off_id == call_off_id)
                                        ).all()
            [accepted] = [a for a in awards if a.status == AwardStatus.ACCEPTED]
            assert {a.status for a in awards} <= {AwardStatus.ACCEPTED, AwardStatus.DECLINED}
            placement = db.session.scalars(select(Placement).where(
                Placement.call_off_id == call_off_id)).one()
            assert (placement.award_id, placement.provider_id) == (accepted.id,
                                                                   accepted.provider_id)
            offer = db.session.get(Offer, accepted.offer_id)
            assert placement.annual_cost_pence == offer.annual_cost_pence
            if route == Route.COMPETITION.value and accepted.justification is None:
                table = calloffs.evaluation(officer, call_off_id)
                ranked = [r for r in table.rows if r.rank is not None]
                assert ranked and ranked[0].offer.id == accepted.offer_id


def test_the_pages_read_the_generated_data(built, app, client):
    busiest = _sql("SELECT organisation_id FROM call_off GROUP BY organisation_id "
                   "ORDER BY count(*) DESC LIMIT 1").scalar()
    officer = _user(Role.PLACEMENT_OFFICER, busiest)
    with tenants.scoped_to(officer.organisation):
        newest = db.session.scalars(select(CallOff).order_by(CallOff.created_at.desc(),
                                                             CallOff.id.desc())).first()
        evaluated = db.session.scalars(select(CallOff).where(
            CallOff.status == CallOffStatus.PLACED)).first()
    sign_in(client, officer)
    page = client.get("/call-offs")
    assert page.status_code == 200 and newest.reference in page.text
    if evaluated is not None:
        assert client.get(f"/call-offs/{evaluated.id}/evaluation").status_code == 200
    assert client.get("/placements").status_code == 200
    assert client.get("/dashboard").status_code == 200

    provider_id = _sql("SELECT provider_id FROM call_off_invitation GROUP BY provider_id "
                       "ORDER BY count(*) DESC LIMIT 1").scalar()
    provider_user = _user(Role.PROVIDER_USER, provider_id)
    provider = sign_in(IsolatedClient(app, app.response_class, use_cookies=True), provider_user)
    assert provider.get("/call-offs").status_code == 200
    listed = provider.get("/api/v1/call-offs?page_size=100")
    invited = _sql("SELECT call_off_id FROM call_off_invitation WHERE provider_id = :p "
                   "ORDER BY invited_at DESC, id DESC", p=provider_id).scalars().all()
    assert json.loads(listed.headers["X-Pagination"])["total"] == len(invited)
    assert [int(c["id"]) for c in listed.json] == invited[:100]
    assert provider.get("/placements").status_code == 200


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite limit")
def test_sqlite_refuses_scales_above_its_limit():
    demo.seed()
    with pytest.raises(national.NationalRefused, match="PostgreSQL"):
        national.build(scale=national.MAX_SQLITE_SCALE * 1.2)
    assert db.session.connection().scalar(text("SELECT count(*) FROM call_off")) == 6


def test_the_command_reports_what_it_built(runner):
    runner.invoke(args=["demo", "seed"])
    # No VACUUM ANALYZE here: it would take the statistics of the suite's database while this
    # test's rows are uncommitted, and mislead the planner in the EXPLAIN tests after it.
    result = runner.invoke(args=["demo", "national", "--scale", str(TINY), "--seed", "3",
                                 "--no-vacuum"])
    assert result.exit_code == 0, result.output
    assert "call_off" in result.output and f"Built scale {TINY}" in result.output
    again = runner.invoke(args=["demo", "national", "--scale", str(TINY)])
    assert again.exit_code == 1 and "already here" in again.output
