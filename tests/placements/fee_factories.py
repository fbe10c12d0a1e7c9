"""Placements made directly (as an accepted award or an off-framework record would make them),
with fees and an uplift rule, for the fee and uplift tests."""
import itertools
from datetime import date

from sqlalchemy import select

import tenants
from marketplace.extensions import db
from marketplace.placements.models import IndexSeries, IndexValue, Placement
from marketplace.purchasing.models import PlacementType

_numbers = itertools.count(1)


def placement(authority, provider, *, start=date(2025, 9, 1), end=date(2028, 7, 31),
              core=150000, support=20000, therapies=3333, other=0,
              placement_type=PlacementType.RESIDENTIAL_52, **uplift):
    """A placement of ``authority``'s with ``provider``, fees in pence; ``uplift`` gives the
    rule's columns without their ``uplift_`` prefix (kind="fixed_april", percent_bp=250)."""
    number = next(_numbers)
    with tenants.scoped_to(authority):
        made = Placement(
            reference=f"PL-T{number:05d}", provider_id=provider.id if provider else None,
            provider_name=None if provider else "A school not on the system",
            case_reference=f"CASE-{number}", birth_year=2014, gender="female",
            primary_need="ASD", secondary_needs=[], postcode_district="M20",
            placement_type=placement_type, start_date=start, end_date=end,
            core_weekly_pence=core, support_weekly_pence=support,
            therapies_weekly_pence=therapies, other_weekly_pence=other,
            weekly_total_pence=core + support + therapies + other,
            **{f"uplift_{name}": value for name, value in uplift.items()})
        db.session.add(made)
        db.session.commit()
        return made


def cpi(host, values):
    """The host's CPI series with ``values`` {(year, month): bp}."""
    with tenants.scoped_to(host):
        series = db.session.scalar(select(IndexSeries).where(IndexSeries.code == "CPI"))
        if series is None:
            series = IndexSeries(code="CPI", name="Consumer Prices Index")
            db.session.add(series)
        for (year, month), bp in values.items():
            series.values.append(IndexValue(year=year, month=month, value_bp=bp))
        db.session.commit()
        return series


def proposal(provider_user, placement, percent_bp=300):
    """The provider's proposal of an uplift from the placement's last day (always ahead)."""
    from marketplace.placements import fees

    with tenants.scoped_to(provider_user.organisation):
        return fees.propose_uplift(provider_user, placement.id,
                                   effective_from=placement.last_day, reason="Pay award.",
                                   percent_bp=percent_bp)
