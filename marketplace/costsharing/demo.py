"""The demo region's cost sharing (issue 14): MoU terms, the host's costs and income for
2026-27, an approved budget run and its invoices (one paid), made through the services by the
host's administrator."""
from datetime import date

from sqlalchemy import select

import tenants

from ..accounts.models import Role, User
from ..extensions import db
from ..formatting import london_date
from . import services

YEAR = "2026-27"


def seed():
    host = db.session.scalar(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST))
    if host is None:
        return
    with tenants.scoped_to(host):
        admin = db.session.scalars(select(User).where(User.role == Role.HOST_ADMIN)
                                   .order_by(User.id)).first()
        if admin is None:
            return
        services.set_terms(admin, services.TermsInput(
            effective_from=date(2025, 4, 1), fixed_percent_bp=4000,
            usage_measure=tenants.PLACEMENT_DAYS, tolerance_bp=300))
        services.set_costs(admin, YEAR, [
            {"category": "staff", "amount": 18_500_000, "note": "Hub team: 3.5 FTE",
             "evidence": "Payroll extract, cost centre SEN-HUB"},
            {"category": "system", "amount": 4_200_000, "note": "Hosting and support"},
            {"category": "legal", "amount": 1_500_000, "note": "Terms and conditions review"},
            {"category": "procurement", "amount": 2_300_000, "note": "Admission round 7"}],
            [{"source": "Provider admission fees", "amount": 1_200_000}])
        run = services.create_run(admin, YEAR, "budget")
        services.approve_run(admin, run.id)
        # Dated by the clock's today at the latest (the demo may be seeded on any day).
        today = london_date()
        raised_on = min(date(2026, 4, 10), today)
        invoices = services.raise_invoices(admin, run.id, raised_on=raised_on)
        if invoices:
            services.record_payment(admin, invoices[0].id, min(date(2026, 5, 1), today),
                                    "BACS 2026-0412")
