"""Contracts made directly, as the register's service would record them, for tests of what
reads contracts (forecasts, the pipeline, the planner, monitoring) apart from how they are
recorded."""
import itertools
from datetime import date

import tenants
from marketplace.contracts import terms
from marketplace.contracts.models import (Contract, ContractExtension, ContractService,
                                          ContractStatus, ExtensionDecisionKind,
                                          UpliftConvention)
from marketplace.extensions import db

_numbers = itertools.count(1)


def contract(authority, supplier=None, *, supplier_name=None, title="Speech and language therapy",
             service=ContractService.SPEECH_AND_LANGUAGE, annual_value_pence=91650200,
             start=date(2026, 9, 1), months=48, extensions=(12, 12, 12), decisions=(),
             state=ContractStatus.ACTIVE, convention=UpliftConvention.FROM_FIRST_ANNIVERSARY,
             terminated_on=None, **uplift):
    """A contract of ``authority``'s with the provider ``supplier`` (or one named only), its
    extension options (months each) with ``decisions`` for the first few ("taken" or
    "declined"); ``uplift`` gives the rule's columns without their ``uplift_`` prefix
    (kind="fixed_anniversary", percent_bp=250). ``end_date`` and ``next_decision_due`` are set
    as the service keeps them."""
    number = next(_numbers)
    with tenants.scoped_to(authority):
        made = Contract(
            reference=f"CT-T{number:05d}", title=title, service=service,
            supplier_provider_id=supplier.id if supplier else None,
            supplier_name=None if supplier else (supplier_name or "An NHS trust"),
            annual_value_pence=annual_value_pence, start_date=start,
            initial_term_months=months, end_date=start, state=state,
            uplift_convention=convention, terminated_on=terminated_on,
            **{f"uplift_{name}": value for name, value in ({"kind": "none"} | uplift).items()})
        for n, option in enumerate(extensions, start=1):
            decision = decisions[n - 1] if n <= len(decisions) else None
            made.extensions.append(ContractExtension(
                number=n, months=option, supplier_provider_id=made.supplier_provider_id,
                decision=ExtensionDecisionKind(decision) if decision else None,
                decided_at=tenants.utcnow() if decision else None,
                reason="Decided in the test" if decision else None))
        made.end_date = terminated_on or made.committed_end
        following = made.next_extension
        made.next_decision_due = (terms.decision_due(made.end_date, made.decision_notice_months
                                                     or 6) if following else None)
        db.session.add(made)
        db.session.commit()
        return made
