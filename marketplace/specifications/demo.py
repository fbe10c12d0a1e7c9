"""The specifications part of the demo region (called by marketplace.demo.seed, in package order):
the core specification (version 1 in force, version 2 coming into force in three weeks, a draft
version 3), the contract terms, a specification per demo lot, the demo providers' acceptances of
what is in force, and a local schedule for Manchester."""
from datetime import date, timedelta

from sqlalchemy import select

import tenants

from ..accounts.models import Role, User
from ..extensions import db
from ..providers import Provider
from ..purchasing.models import Lot
from .models import (LocalSchedule, LocalScheduleRevision, Specification, SpecificationAcceptance,
                     SpecificationKind, SpecificationVersion)
from .services import london_date, start_of_day

REGION_STARTED = date(2025, 4, 1)

CORE_V1 = """\
# Introduction

This specification sets out what every provider admitted to the North West SEND Independent
Placements Flexible Purchasing System must deliver for each child placed with it. It applies
to day, 38-week residential and 52-week residential placements, together with the
specification of the lot under which a placement is made and any local schedule the placing
authority attaches to its call-off.

The placing authority is the council that issues the call-off and pays for the placement. The
provider is the school, college or children's home admitted to the system.

# Outcomes for children

Providers must work towards the outcomes in each child's education, health and care (EHC)
plan. In particular, the provider must:

- agree with the placing authority, within 20 school days of the start of the placement, a
  provision map showing how each outcome in section E of the EHC plan will be met
- review progress against those outcomes at least termly and share a written summary with
  the placing authority and the child's parents or carers
- contribute a written report to every annual review, sent at least two weeks before the
  review meeting
- tell the placing authority within 5 school days if it believes it can no longer meet the
  child's needs

# Safeguarding

The provider must comply with *Keeping children safe in education* and, for residential
provision, the relevant national minimum standards or children's homes regulations.

1. A designated safeguarding lead must be available whenever children are on site.
2. Every member of staff working with children must have an enhanced DBS check with a
   barred list check before starting work.
3. Any allegation against a member of staff must be reported to the local authority
   designated officer (LADO) within one working day.
4. The placing authority must be told of any notifiable incident involving the child on
   the same day.

# Staffing

Staff must be trained to meet the needs of the children placed, including in positive
behaviour support. Where the EHC plan specifies 1:1 support, it must be delivered by named
staff and recorded daily.

# Attendance and reporting

| Report | Frequency | Sent to |
|---|---|---|
| Attendance | Weekly | Placing authority |
| Incidents and restraint | Within 24 hours | Placing authority and parents or carers |
| Progress against outcomes | Termly | Placing authority and parents or carers |
| Annual review report | Yearly | Placing authority |

# Fees and invoicing

Fees are those agreed in the Individual Placement Agreement. Invoices must be sent termly in
arrears, quote the placing authority's purchase order number, and show separately the core
fee and any additional support or therapies.
"""

CORE_V2 = CORE_V1.replace(
    "- tell the placing authority within 5 school days if it believes it can no longer meet the\n"
    "  child's needs\n",
    "- tell the placing authority within 5 school days if it believes it can no longer meet the\n"
    "  child's needs, and take part in an emergency review before giving notice\n"
    "- record the child's views on their progress, in a form suited to how the child\n"
    "  communicates, for every review\n",
).replace(
    "Staff must be trained to meet the needs of the children placed, including in positive\n"
    "behaviour support.",
    "Staff must be trained to meet the needs of the children placed, including in positive\n"
    "behaviour support and in reducing restrictive practice. Physical intervention may be used\n"
    "only as a last resort, and every use must be recorded and reviewed within 48 hours.",
).replace(
    "| Annual review report | Yearly | Placing authority |\n",
    "| Annual review report | Yearly | Placing authority |\n"
    "| Exclusions and part-time timetables | Same day | Placing authority |\n",
)

CORE_V2_SUMMARY = (
    "Adds an emergency review before a provider gives notice, asks for the child's views at "
    "every review, strengthens the training and recording requirements on restrictive "
    "practice, and adds same-day reporting of exclusions and part-time timetables.")

CORE_V3_DRAFT = CORE_V2 + """
# Transitions

Where a child is moving to adult services or further education, the provider must take part
in transition planning from Year 9 and share the information the receiving setting needs.
"""

CONTRACT_TERMS = """\
# Terms and conditions for call-off contracts

These terms form part of every Individual Placement Agreement made under the system.

## Term and notice

A placement lasts for the period in its Individual Placement Agreement. Either party may end
it on one full term's notice, or sooner by agreement after an emergency review.

## Payment

The placing authority pays undisputed invoices within 30 days of receipt. Fees change only
under the uplift rule in the Individual Placement Agreement.

## Information

The provider must process personal data only for the purposes of the placement and must keep
records for the periods the placing authority's retention schedule sets.

## Disputes

Disputes are first escalated to the placing authority's head of service and the provider's
head teacher or principal, then to mediation.
"""

LOT_TEXT = {
    "DAY": """\
# Day placements

Placements in term time only, 190 days a year. The provider must arrange with the placing
authority how the child travels to and from school, and must tell it the same day when a child
does not arrive.
""",
    "RES38": """\
# 38-week residential placements

Boarding in term time. The provider must meet the residential special schools national
minimum standards, keep the child in regular contact with their family, and agree weekend and
holiday arrangements with the placing authority before the placement starts.
""",
    "RES52": """\
# 52-week residential placements

All-year placements. The provider must hold children's home registration with Ofsted, meet
the Children's Homes (England) Regulations 2015 and the quality standards, and notify the
placing authority's social worker of any significant event within 24 hours.
""",
}

MANCHESTER_SCHEDULE = """\
# Manchester local requirements

In addition to the core specification, Manchester City Council asks providers to:

- send termly attendance and progress returns using the council's template
- invite the child's social worker, where they have one, to every review
- use the council's independent advocacy service for children in residential placements
"""


def _published(specification, number, body, summary, effective_on, published_on, admin):
    return SpecificationVersion(
        specification=specification, number=number, body=body, summary_of_changes=summary,
        effective_at=start_of_day(effective_on), published_at=start_of_day(published_on),
        published_by_id=admin.id)


def seed():
    """Add the specifications, acceptances and Manchester's local schedule. Versions in force
    are dated in the past (the demo region started in April 2025), which the publishing service
    would refuse, so they are written directly."""
    host = db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).one()
    today = london_date()
    with tenants.scoped_to(host):
        admin = db.session.scalars(select(User).where(User.role == Role.HOST_ADMIN)).first()
        core = Specification(kind=SpecificationKind.CORE,
                             title="Core service specification for SEND placements")
        terms = Specification(kind=SpecificationKind.CONTRACT_TERMS,
                              title="Call-off contract terms")
        db.session.add_all([core, terms])
        in_force = [
            _published(core, 1, CORE_V1, "", REGION_STARTED, REGION_STARTED, admin),
            _published(terms, 1, CONTRACT_TERMS, "", REGION_STARTED, REGION_STARTED, admin),
        ]
        db.session.add_all(in_force)
        db.session.add(_published(core, 2, CORE_V2, CORE_V2_SUMMARY,
                                  today + timedelta(days=21), today, admin))
        db.session.add(SpecificationVersion(
            specification=core, number=3, body=CORE_V3_DRAFT,
            summary_of_changes="Adds requirements for transition planning from Year 9."))
        lots = db.session.scalars(select(Lot).where(Lot.code.in_(LOT_TEXT))
                                  .order_by(Lot.code)).all()
        for lot in lots:
            specification = Specification(kind=SpecificationKind.LOT, lot=lot,
                                          title=f"Lot {lot.code} specification: {lot.title}")
            db.session.add(specification)
            in_force.append(_published(specification, 1, LOT_TEXT[lot.code], "",
                                       REGION_STARTED, REGION_STARTED, admin))
            db.session.add(in_force[-1])
        db.session.commit()

    for provider in db.session.scalars(select(Provider).order_by(Provider.id)).all():
        with tenants.scoped_to(provider):
            user = db.session.scalars(select(User).order_by(User.id)).first()
            for version in in_force:
                db.session.add(SpecificationAcceptance(
                    version_id=version.id, accepted_by_id=user.id if user else None,
                    accepted_at=start_of_day(REGION_STARTED + timedelta(days=7))))
            db.session.commit()

    manchester = tenants.find_organisation(db.session, "manchester")
    if manchester is not None:
        with tenants.scoped_to(manchester):
            officer = db.session.scalars(select(User).where(
                User.role.in_([Role.PLACEMENT_OFFICER, Role.AUTHORITY_MANAGER]))).first()
            now = tenants.utcnow()
            schedule = LocalSchedule(title="Manchester local requirements",
                                     body=MANCHESTER_SCHEDULE, revision=1, archived=False,
                                     created_at=now, updated_at=now)
            db.session.add(schedule)
            db.session.add(LocalScheduleRevision(
                schedule=schedule, number=1, title=schedule.title, body=schedule.body,
                saved_at=now, saved_by_id=officer.id if officer else None))
            db.session.commit()
