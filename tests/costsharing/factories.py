"""A region sharing its costs: the MoU terms, a year's costs and income and placements, made
through the services as the host's administrator would."""
from datetime import date

import tenants
from marketplace.costsharing import services

from ..placements import fee_factories

YEAR = "2026-27"


def terms(world, *, fixed_percent_bp=5000, usage_measure=tenants.PLACEMENT_DAYS, **changes):
    values = {"effective_from": date(2026, 4, 1), "fixed_percent_bp": fixed_percent_bp,
              "usage_measure": usage_measure, **changes}
    with tenants.scoped_to(world.host):
        return services.set_terms(world.host_admin, services.TermsInput(**values))


def costs(world, year=YEAR, lines=None, income=None):
    """£60,000 staff and £40,000 system costs less £10,000 income: a net cost of £90,000."""
    lines = lines if lines is not None else [
        {"category": "staff", "amount": 6_000_000, "note": "Hub team", "evidence": "Payroll"},
        {"category": "system", "amount": 4_000_000, "note": "Hosting"}]
    income = income if income is not None else [
        {"source": "Provider fees", "amount": 1_000_000}]
    with tenants.scoped_to(world.host):
        return services.set_costs(world.host_admin, year, lines, income)


def placements(world):
    """Manchester placed a child all of 2026-27 (365 days); Stockport from 1 October (182
    days), both 52-week placements at £1,000 a week."""
    return (
        fee_factories.placement(world.member, world.provider, start=date(2026, 4, 1),
                                end=date(2027, 3, 31), core=100_000, support=0, therapies=0),
        fee_factories.placement(world.other_member, world.provider, start=date(2026, 10, 1),
                                end=date(2027, 3, 31), core=100_000, support=0, therapies=0),
    )


def region(world):
    """Terms (50% fixed, the rest by placement days), the year's costs and the placements."""
    terms(world)
    costs(world)
    return placements(world)


def run(world, kind="budget", **options):
    with tenants.scoped_to(world.host):
        return services.create_run(world.host_admin, YEAR, kind, **options)


def approve(world, run_id):
    with tenants.scoped_to(world.host):
        return services.approve_run(world.host_admin, run_id)
