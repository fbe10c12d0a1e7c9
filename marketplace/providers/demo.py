"""The providers part of the demo region (called by marketplace.demo.seed, in package order):
profiles, documents (one provider's insurance expires within 30 days, another's safeguarding
policy has expired, so the warning and the suspension show), rate cards and vacancies."""
import hashlib
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

import tenants

from ..extensions import db
from ..purchasing.models import PlacementType
from . import services
from .models import (DocumentFile, DocumentKind, OfstedRating, Provider, ProviderDocument,
                     ProviderNeed, ProviderPlacementType, RateCardEntry, Vacancy, VacancyNeed)

DAY, RES38, RES52 = PlacementType.DAY, PlacementType.RESIDENTIAL_38, PlacementType.RESIDENTIAL_52

# legal name: address, rating and inspection date, placement types, needs, ages, genders,
# children's home registration, weekly fees in pounds per type (earlier, now)
PROFILES = {
    "Brookvale Independent Special School Ltd": dict(
        address=("Brookvale House", "Mill Lane", "Macclesfield", "SK10 2AB"),
        rating=(OfstedRating.GOOD, date(2024, 5, 14)), types=[DAY, RES38],
        needs=["ASD", "SLCN", "SEMH"], ages=(7, 19), genders=["female", "male"], sc_urn=None,
        fees={DAY: (1150_00, 1250_00), RES38: (3400_00, 3550_00)}),
    "Hillside Learning Trust": dict(
        address=("Hillside Campus", "Moor Road", "Bolton", "BL1 4RT"),
        rating=(OfstedRating.OUTSTANDING, date(2023, 11, 2)), types=[DAY, RES38],
        needs=["SEMH", "MLD", "SPLD", "ASD"], ages=(11, 18), genders=["female", "male"],
        sc_urn=None, fees={DAY: (980_00, 1040_00), RES38: (3650_00, 3780_00)}),
    "Meadowbank Residential School Ltd": dict(
        address=("Meadowbank", "Chester Road", "Northwich", "CW8 1LP"),
        rating=(OfstedRating.GOOD, date(2025, 2, 20)), types=[DAY, RES38, RES52],
        needs=["ASD", "PMLD", "SLD", "MSI"], ages=(5, 19), genders=["female", "male"],
        sc_urn="SC480001",
        fees={DAY: (1500_00, 1575_00), RES38: (4200_00, 4400_00), RES52: (6800_00, 7150_00)}),
    "Riverside Specialist College": dict(
        address=("Riverside College", "Quay Street", "Warrington", "WA1 2QQ"),
        rating=(OfstedRating.REQUIRES_IMPROVEMENT, date(2025, 6, 10)), types=[DAY, RES38],
        needs=["SLD", "PMLD", "PD"], ages=(16, 25), genders=["female", "male"], sc_urn=None,
        fees={DAY: (1300_00, 1300_00), RES38: (3900_00, 3990_00)}),
    "Cedar House School Ltd": dict(
        address=("Cedar House", "Park Avenue", "Stockport", "SK4 3DE"),
        rating=(OfstedRating.GOOD, date(2024, 9, 25)), types=[DAY],
        needs=["SEMH"], ages=(11, 16), genders=["male"], sc_urn=None,
        fees={DAY: (1100_00, 1180_00)}),
    "Oakwood House School Ltd": dict(
        address=("Oakwood House", "Forest Road", "Delamere", "CW6 9EX"),
        rating=(OfstedRating.GOOD, date(2025, 3, 12)), types=[RES38, RES52],
        needs=["ASD", "SLD", "PMLD", "SEMH"], ages=(8, 19), genders=["female", "male"],
        sc_urn="SC480002",
        fees={RES38: (4050_00, 4150_00), RES52: (6600_00, 6900_00)}),
}

# The provider whose insurance expires within 30 days, and the one whose safeguarding policy
# has expired (suspended from new call-offs).
EXPIRING = ("Hillside Learning Trust", DocumentKind.INSURANCE, 20)
EXPIRED = ("Riverside Specialist College", DocumentKind.SAFEGUARDING_POLICY, -10)

# legal name: (type, needs, ages, days from today, places)
VACANCIES = {
    "Brookvale Independent Special School Ltd": [
        (DAY, ["ASD", "SLCN"], (8, 14), 14, 2), (RES38, ["ASD"], (11, 18), 60, 1)],
    "Meadowbank Residential School Ltd": [(RES52, ["PMLD", "SLD"], (10, 19), 30, 1)],
    "Cedar House School Ltd": [(DAY, ["SEMH"], (11, 16), 7, 3)],
    "Oakwood House School Ltd": [(RES52, ["ASD", "SLD"], (10, 19), 21, 1)],
}


# The residential providers' users (the other package seeds add the rest).
USERS = {"Meadowbank Residential School Ltd": ("admissions@meadowbank.example.com", "Maya Hughes"),
         "Oakwood House School Ltd": ("office@oakwoodhouse.example.com", "Olu Bankole")}


def _pdf(title):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=title)
    return bytes(pdf.output())


def _document(provider, kind, expires_on, uploaded_at):
    content = _pdf(f"{provider.name}: {kind.label} (demonstration)")
    db.session.add(ProviderDocument(
        kind=kind, filename=f"{kind.value.replace('_', '-')}.pdf",
        content_type="application/pdf", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), expires_on=expires_on,
        uploaded_at=uploaded_at, file=DocumentFile(content=content)))


def seed():
    """Profiles, documents, rate cards, vacancies and users for the demo providers."""
    from ..accounts import services as accounts
    from ..accounts.models import Role
    from ..demo import DEMO_PASSWORD

    today = services.london_date()
    now = tenants.utcnow()
    earlier = datetime(2025, 9, 1, 9, tzinfo=timezone.utc)
    for provider in db.session.scalars(select(Provider).order_by(Provider.id)).all():
        profile = PROFILES.get(provider.name)
        if profile is None:
            continue
        (provider.address_line_1, provider.address_line_2, provider.town,
         provider.postcode) = profile["address"]
        provider.ofsted_rating, provider.ofsted_inspected_on = profile["rating"]
        provider.placement_type_rows = [ProviderPlacementType(placement_type=t)
                                        for t in profile["types"]]
        provider.need_rows = [ProviderNeed(code=code) for code in profile["needs"]]
        provider.age_from, provider.age_to = profile["ages"]
        provider.genders = profile["genders"]
        provider.childrens_home_urn = profile["sc_urn"]
        with tenants.scoped_to(provider):
            for kind in DocumentKind.mandatory_kinds():
                expires_on = today + timedelta(days=300)
                for name, special_kind, days in (EXPIRING, EXPIRED):
                    if provider.name == name and kind == special_kind:
                        # The previous year's document, then the current one (history shows).
                        _document(provider, kind, today + timedelta(days=days - 365),
                                  earlier - timedelta(days=365))
                        expires_on = today + timedelta(days=days)
                _document(provider, kind, expires_on, earlier)
            for placement_type, (before, after) in profile["fees"].items():
                db.session.add(RateCardEntry(placement_type=placement_type,
                                             weekly_fee_pence=before, effective_from=earlier))
                if after != before:
                    db.session.add(RateCardEntry(placement_type=placement_type,
                                                 weekly_fee_pence=after,
                                                 effective_from=now - timedelta(days=30)))
            for placement_type, needs, (young, old), days, places in VACANCIES.get(
                    provider.name, []):
                db.session.add(Vacancy(
                    placement_type=placement_type, age_from=young, age_to=old,
                    available_from=today + timedelta(days=days), places=places,
                    need_rows=[VacancyNeed(code=code) for code in needs]))
            db.session.flush()
            services.refresh_standing(provider)
        db.session.commit()
        if provider.name in USERS:
            email, full_name = USERS[provider.name]
            accounts.create_user(provider, email=email, full_name=full_name,
                                 role=Role.PROVIDER_USER, password=DEMO_PASSWORD)
    # What the daily job would do at once: the warning and the suspension are recorded.
    for provider in services.providers_to_review():
        with tenants.scoped_to(provider):
            services.review_document_expiry(provider)
