"""The North West purchasing system with its three lots."""
from datetime import date

from ..extensions import db
from ..needs import need_codes
from .models import Lot, PlacementType, PurchasingSystem, Regime, StandstillRule

LOTS = [
    ("DAY", "Day placements in independent and non-maintained special schools",
     [PlacementType.DAY]),
    ("RES38", "38-week residential placements", [PlacementType.RESIDENTIAL_38]),
    ("RES52", "52-week residential placements", [PlacementType.RESIDENTIAL_52]),
]


def seed():
    """The host's flexible purchasing system (PCR 2015 light-touch), in force from April 2025."""
    import tenants

    host = db.session.scalars(db.select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).one()
    with tenants.scoped_to(host):
        system = PurchasingSystem(
            name="North West SEND Independent Placements Flexible Purchasing System",
            reference="NW-SEND-FPS-2025", regime=Regime.PCR2015_FPS,
            term_start=date(2025, 4, 1), term_end=date(2031, 3, 31),
            admission_standstill=StandstillRule.CALENDAR_DAYS_10,
            call_off_standstill=StandstillRule.NONE, chargeable_school_days=190)
        db.session.add(system)
        for code, title, types in LOTS:
            db.session.add(Lot(system=system, code=code, title=title,
                               placement_types=[t.value for t in types],
                               need_codes=list(need_codes())))
        db.session.commit()
