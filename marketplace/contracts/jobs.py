"""The contract register's daily work (issue 13 §2), run by ``flask jobs run-daily`` and its RQ
cron each morning: the managers of an authority are warned by email once ahead of each
extension option's decision date (``CONTRACT_DECISION_WARNING_DAYS``, default 30 days before)
and once when the date has passed undecided.

Each warning is stamped on its option when written (``ahead_warned_at``, ``overdue_warned_at``)
in the same transaction as its emails, so a second run sends nothing. A run that comes late
sends what is due on its own day: past the decision date only the overdue warning (the ahead
one would come too late to help), and nothing once the contract has ended. The pages show the
same warnings from the clock (``services.warning_for``), whether or not the job has run."""
from datetime import timedelta

from sqlalchemy import select

import tenants

from .. import audit, notifications
from ..accounts.models import Role, User, UserStatus
from ..extensions import db
from ..formatting import govuk_date
from . import services
from .models import Contract, ContractStatus


def run_due():
    """The daily warnings, counted for ``flask jobs run-daily``."""
    ahead, overdue = send_decision_warnings()
    return {"contract_decisions_warned": ahead, "contract_decisions_overdue_warned": overdue}


def send_decision_warnings(today=None):
    """Email each authority's managers about extension decisions (issue 13 §2): once when the
    next undecided option's decision date is within the warning days (``due``), once when it has
    passed undecided while the contract runs (``overdue``). Runs in each authority's scope, one
    statement for its contracts (their options load with them); idempotent. Returns (ahead,
    overdue) counts."""
    today = today or services.today()
    days = services.warning_days()
    ahead = overdue = 0
    for authority in db.session.scalars(select(tenants.Authority).order_by(
            tenants.Authority.id)).all():
        with tenants.scoped_to(authority):
            contracts = db.session.scalars(select(Contract).where(
                Contract.state == ContractStatus.ACTIVE,
                Contract.next_decision_due.is_not(None),
                Contract.next_decision_due <= today + timedelta(days=days),
                Contract.end_date >= today).order_by(Contract.id)
                # Two runs at once take turns per contract (each decision locks it too).
                .with_for_update(of=Contract, skip_locked=True)
                .execution_options(populate_existing=True)).all()
            due = []
            for contract in contracts:
                warning = services.warning_for(contract, today, days)
                if warning is None:
                    continue
                stamp = ("overdue_warned_at" if warning.kind == "overdue"
                         else "ahead_warned_at")
                if getattr(warning.extension, stamp) is None:
                    due.append((warning, stamp))
            if not due:
                continue
            managers = db.session.scalars(select(User).where(
                User.role == Role.AUTHORITY_MANAGER, User.status == UserStatus.ACTIVE)
                .order_by(User.id)).all()
            now = tenants.utcnow()
            for warning, stamp in due:
                setattr(warning.extension, stamp, now)
                contract = warning.contract
                context = {
                    "reference": contract.reference, "title": contract.title,
                    "supplier": contract.supplier_label, "number": warning.extension.number,
                    "months": warning.extension.months, "due_on": govuk_date(warning.due),
                    "end_date": govuk_date(contract.end_date),
                    "overdue": warning.kind == "overdue",
                    "link": notifications.external_url("contracts.show",
                                                       contract_id=contract.id)}
                for manager in managers:
                    notifications.notify(manager.email, "contract_decision_due",
                                         {**context, "full_name": manager.full_name})
                audit.record("contract.decision_warned", contract, after={
                    "number": warning.extension.number, "kind": warning.kind,
                    "decision_due": warning.due.isoformat()})
                if warning.kind == "overdue":
                    overdue += 1
                else:
                    ahead += 1
            db.session.commit()
    return ahead, overdue
