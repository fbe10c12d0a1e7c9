"""The rate card: indicative weekly fees per placement type, changeable at any time, with
history; read by every authority and the provider, never by another provider."""
from sqlalchemy import select

import tenants
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.providers.models import RateCardEntry

from ..helpers import bearer_token
from . import factories


def _entries(provider):
    with tenants.scoped_to(provider):
        return db.session.scalars(select(RateCardEntry).order_by(RateCardEntry.id)).all()


def test_fees_are_entered_in_pounds_and_kept_with_history(client, world, as_user, time_machine):
    time_machine.move_to("2026-09-01 09:00 +01:00", tick=False)
    factories.profile(world.provider_user, placement_types=["day", "residential_38"])
    as_user(world.provider_user)
    url = f"/providers/{world.provider.id}/rate-card/edit"
    client.post(url, data={"fee_day": "1,150", "fee_residential_38": "£3400.50"})
    time_machine.move_to("2026-11-24 10:00 +00:00", tick=False)
    as_user(world.provider_user)  # the September session has long expired
    client.post(url, data={"fee_day": "1250.00", "fee_residential_38": "3400.50"})

    entries = _entries(world.provider)
    assert [(e.placement_type.value, e.weekly_fee_pence, e.effective_from.isoformat(),
             e.set_by_id) for e in entries] == [
        ("day", 115000, "2026-09-01T08:00:00+00:00", world.provider_user.id),
        ("residential_38", 340050, "2026-09-01T08:00:00+00:00", world.provider_user.id),
        ("day", 125000, "2026-11-24T10:00:00+00:00", world.provider_user.id),
    ]
    with tenants.scoped_to(world.provider):
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "provider.rates_changed").order_by(AuditEvent.id)).all()
    assert [(e.before, e.after) for e in events] == [
        ({"day": None, "residential_38": None}, {"day": "1150.00", "residential_38": "3400.50"}),
        ({"day": "1150.00"}, {"day": "1250.00"}),
    ]

    page = as_user(world.other_officer).get(
        f"/providers/{world.provider.id}/rate-card").get_data(as_text=True)
    current = page.split("Current fees")[1].split("History")[0]
    assert "£1,250.00" in current and "£3,400.50" in current and "£1,150.00" not in current
    history = page.split("History")[1]
    assert history.index("£1,250.00") < history.index("£1,150.00")
    assert "Change your fees" not in page


def test_bad_fees_are_explained(client, world, as_user):
    factories.profile(world.provider_user, placement_types=["day"])
    as_user(world.provider_user)
    url = f"/providers/{world.provider.id}/rate-card/edit"
    for text, message in (("12.345", "Enter the weekly fee in pounds and pence, like 1250.00"),
                          ("abc", "Enter the weekly fee in pounds and pence"),
                          ("0", "The weekly fee must be more than £0"),
                          ("60000", "at most £50,000")):
        page = client.post(url, data={"fee_day": text}).get_data(as_text=True)
        assert "<title>Error:" in page and message in page, text
    assert _entries(world.provider) == []


def test_the_rate_card_through_the_api(client, world):
    factories.profile(world.provider_user, placement_types=["day"])
    headers = {"Authorization": f"Bearer {bearer_token(world.provider_user).token}"}
    url = f"/api/v1/providers/{world.provider.id}/rate-card"
    bad = client.patch(url, json={"fees": {"day": "12.345", "residential_52": "9000"}},
                       headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert {e["field"] for e in bad.json["errors"]} == {"fees.day", "fees.residential_52"}

    response = client.patch(url, json={"fees": {"day": "1250.00"}}, headers=headers)
    assert response.status_code == 200
    assert [(e["placement_type"], e["weekly_fee"]) for e in response.json["current"]] == [
        ("day", "1250.00")]
    member = {"Authorization": f"Bearer {bearer_token(world.manager).token}"}
    read = client.get(url, headers=member)
    assert read.json["history"][0]["weekly_fee"] == "1250.00"
    assert client.patch(url, json={"fees": {"day": "1.00"}}, headers=member).status_code == 403
    other = {"Authorization": f"Bearer {bearer_token(world.other_provider_user).token}"}
    assert client.get(url, headers=other).status_code == 404
