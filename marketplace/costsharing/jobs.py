"""Cost sharing's daily work (issue 14 §5): overdue invoices flagged to the host's
administrators and the member's managers reminded, once per invoice. Idempotent and right when
run late (``flask jobs run-daily``)."""
from sqlalchemy import select

import tenants

from ..accounts.models import Role, User, UserStatus
from ..extensions import db
from ..formatting import govuk_date, london_date
from ..money import display_pounds
from ..notifications.services import external_url, notify
from .models import CostSharingInvoice


def _people(organisation, role):
    with tenants.scoped_to(organisation):
        return db.session.scalars(select(User).where(
            User.role == role, User.status == UserStatus.ACTIVE)).all()


def send_overdue_reminders(today=None):
    """Each invoice unpaid after its due date and not yet reminded: its member's managers and
    the host's administrators get an email (the messages are each organisation's own); it is
    then marked reminded. Runs in the host's scope; returns how many invoices were reminded."""
    today = today or london_date(tenants.utcnow())
    host = db.session.scalar(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST))
    if host is None:
        return 0
    with tenants.scoped_to(host):
        overdue = db.session.scalars(select(CostSharingInvoice).where(
            CostSharingInvoice.paid_on.is_(None), CostSharingInvoice.reminded_at.is_(None),
            CostSharingInvoice.due_on < today).order_by(CostSharingInvoice.id)).all()
        if not overdue:
            return 0
        now = tenants.utcnow()
        for invoice in overdue:
            invoice.reminded_at = now
        db.session.flush()
        admins = _people(host, Role.HOST_ADMIN)
        for invoice in overdue:
            context = {"reference": invoice.reference, "amount": display_pounds(
                invoice.amount_pence), "due_on": govuk_date(invoice.due_on),
                "authority_name": invoice.authority.name, "host_name": host.name}
            for manager in _people(invoice.authority, Role.AUTHORITY_MANAGER):
                with tenants.scoped_to(invoice.authority):
                    notify(manager.email, "cost_sharing_invoice_overdue",
                           {**context, "full_name": manager.full_name, "to_host": False,
                            "link": external_url("cost_sharing.invoices")})
                    db.session.flush()
            for admin in admins:
                notify(admin.email, "cost_sharing_invoice_overdue",
                       {**context, "full_name": admin.full_name, "to_host": True,
                        "link": external_url("cost_sharing.run", run_id=invoice.run_id)})
        db.session.flush()
        db.session.commit()
    return len(overdue)


def run_due():
    """The daily work for cost sharing."""
    return {"cost_sharing_overdue_reminders": send_overdue_reminders()}
