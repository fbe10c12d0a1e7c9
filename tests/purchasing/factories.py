"""The purchasing system and lots, made in the host's scope."""
from datetime import date

import tenants
from marketplace.extensions import db
from marketplace.purchasing import Lot, PlacementType, PurchasingSystem, Regime, StandstillRule
from marketplace.purchasing.services import get_system


def system(host, *, regime=Regime.PCR2015_FPS, admission_standstill=None,
           call_off_standstill=StandstillRule.NONE, term_start=date(2025, 4, 1),
           term_end=date(2031, 3, 31)):
    """The region's system (the existing one if there is one)."""
    with tenants.scoped_to(host):
        if (existing := get_system()) is not None:
            return existing
        made = PurchasingSystem(
            name="North West SEND FPS", reference="NW-FPS", regime=regime,
            term_start=term_start, term_end=term_end,
            admission_standstill=admission_standstill or regime.default_standstill,
            call_off_standstill=call_off_standstill, chargeable_school_days=190)
        db.session.add(made)
        db.session.commit()
        return made


def lot(host, code=None, *, placement_types=(PlacementType.DAY,), need_codes=("ASD", "SEMH")):
    made_system = system(host)
    with tenants.scoped_to(host):
        code = code or f"LOT{len(made_system.lots) + 1}"
        made = Lot(system=made_system, code=code, title=f"Lot {code}",
                   placement_types=[t.value for t in placement_types],
                   need_codes=list(need_codes))
        db.session.add(made)
        db.session.commit()
        return made
