"""The demonstration region: the North West system hosted by Cheshire East."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

import tenants

from . import audit
from .accounts import services as accounts
from .accounts.models import Role, User
from .calloffs import demo as calloffs
from .extensions import db
from .evaluation import demo as evaluation
from .providers import Provider
from .providers import demo as providers
from .purchasing import demo as purchasing
from .specifications import demo as specifications
from .windows import demo as windows

DEMO_PASSWORD = "demo-password-2026"
HOST_ONS_CODE = "E06000049"  # Cheshire East
REGION_STARTED = date(2025, 4, 1)

PROVIDERS = [
    # legal name, Companies House, charity, DfE URN, Ofsted URN (all fictional)
    ("Brookvale Independent Special School Ltd", "09876543", None, "149001", "2650001"),
    ("Hillside Learning Trust", None, "1187001", "149002", "2650002"),
    ("Meadowbank Residential School Ltd", "10234567", None, "149003", "SC480001"),
    ("Riverside Specialist College", None, "1187002", "149004", "2650004"),
    ("Cedar House School Ltd", "11345678", None, "149005", "2650005"),
    ("Oakwood House School Ltd", "12456789", None, "149006", "SC480002"),
]

# role, email, organisation (authority slug or provider name), full name
USERS = [
    (Role.HOST_ADMIN, "host.admin@cheshire-east.example.com", "cheshire-east", "Hana Adeyemi"),
    (Role.EVALUATOR, "evaluator@cheshire-east.example.com", "cheshire-east", "Evan Lowe"),
    (Role.AUTHORITY_MANAGER, "manager@manchester.example.com", "manchester", "Mina Patel"),
    (Role.PLACEMENT_OFFICER, "officer@manchester.example.com", "manchester", "Owen Clarke"),
    (Role.PLACEMENT_OFFICER, "officer@stockport.example.com", "stockport", "Sara Quinn"),
    (Role.PROVIDER_USER, "admissions@brookvale.example.com", PROVIDERS[0][0], "Priya Shah"),
]


@dataclass
class SeedResult:
    created: bool
    logins: list = field(default_factory=list)


def logins():
    """(role label, email, organisation name) of every user in the database, the host's first,
    then the member authorities' and the providers'. Read from the database, not from the seed's
    lists: the package seeds add users of their own."""
    from .accounts.models import Credential, User

    by_organisation = {}
    for credential in db.session.scalars(select(Credential).order_by(Credential.id)):
        by_organisation.setdefault(credential.organisation_id, []).append(credential)
    organisations = db.session.scalars(select(tenants.Organisation).where(
        tenants.Organisation.id.in_(by_organisation))).all()
    roles = list(Role)
    found = []
    for organisation in sorted(organisations, key=lambda o: (
            not o.is_host, o.kind != tenants.OrganisationKind.AUTHORITY, o.name)):
        with tenants.scoped_to(organisation):
            users = {u.id: u for u in db.session.scalars(select(User))}
        people = sorted(((users[c.user_id].role, c.email) for c in by_organisation[organisation.id]
                         if c.user_id in users), key=lambda p: (roles.index(p[0]), p[1]))
        found += [(role.label, email, organisation.name) for role, email in people]
    return found


def seed(password=DEMO_PASSWORD):
    """Create the demo region, its providers and one user per role, unless it exists already."""
    if db.session.scalars(select(tenants.Authority.id)).first() is not None:
        return SeedResult(created=False, logins=logins())

    for ref in tenants.reference_authorities():
        is_host = ref.ons_code == HOST_ONS_CODE
        db.session.add(tenants.Authority(
            name=ref.name, ons_code=ref.ons_code, slug=ref.slug, joined_on=REGION_STARTED,
            role=tenants.AuthorityRole.HOST if is_host else tenants.AuthorityRole.MEMBER))
    for name, company, charity, dfe_urn, ofsted_urn in PROVIDERS:
        db.session.add(Provider(name=name, companies_house_number=company,
                                charity_number=charity, dfe_urn=dfe_urn, ofsted_urn=ofsted_urn))
    audit.record("demo.seeded", organisation_id=None)
    db.session.commit()

    for role, email, organisation, full_name in USERS:
        accounts.create_user(tenants.find_organisation(db.session, organisation), email=email,
                             full_name=full_name, role=role, password=password)
    for package in (purchasing, providers, specifications, windows, evaluation, calloffs):
        package.seed()
    from .placements.calendars import seed_default_calendars

    seed_default_calendars((2025, 2026, 2027))
    _seed_index_series()
    _seed_contracts()
    from .costsharing import demo as cost_sharing_demo

    cost_sharing_demo.seed()
    return SeedResult(created=True, logins=logins())


def _seed_index_series():
    """The host keeps a CPI series (monthly values January 2024 to October 2026) for
    index-linked uplifts (issue 12 §4)."""
    from .placements.fees import seed_index_series

    host = db.session.scalar(select(tenants.Authority).where(
        tenants.Authority.ons_code == HOST_ONS_CODE))
    with tenants.scoped_to(host):
        seed_index_series()
    _seed_uplift_proposal()


def _seed_uplift_proposal():
    """The demo placement's provider proposes an uplift from its last day (issue 12 §4)."""
    from .placements.fees import propose_uplift
    from .placements.models import Placement

    manchester = tenants.find_organisation(db.session, "manchester")
    if manchester is None:
        return
    with tenants.scoped_to(manchester):
        placement = db.session.scalars(select(Placement).order_by(Placement.id)).first()
    if placement is None or placement.provider is None:
        return
    with tenants.scoped_to(placement.provider):
        user = db.session.scalars(select(User).order_by(User.id)).first()
        if user is not None:
            propose_uplift(user, placement.id, effective_from=placement.last_day, percent_bp=350,
                           reason="The national pay award for support staff.")


def _seed_contracts():
    """Manchester's contract register (issue 13): its speech and language therapy contract with
    its NHS trust (£916,502 a year, 2.5% on each anniversary, 48 months from 1 September 2025
    and three 12-month options, key decision KD-2025-041), and a 17-month occupational therapy
    contract with Brookvale. Recorded through the register's service, so each one starting
    before the day the demo is seeded is marked retrospective, as the register asks."""
    from .contracts import services as contracts
    from .formatting import london_date

    manchester = tenants.find_organisation(db.session, "manchester")
    brookvale = db.session.scalar(select(Provider).where(Provider.name == PROVIDERS[0][0]))
    if manchester is None or brookvale is None:
        return
    today = london_date(tenants.utcnow())
    note = "Recorded when the register was set up, after the contract had started."
    with tenants.scoped_to(manchester):
        manager = db.session.scalars(select(User).where(
            User.role == Role.AUTHORITY_MANAGER).order_by(User.id)).first()
        for values in (
            dict(title="Speech and language therapy in special schools",
                 service="speech_and_language",
                 supplier_name="Manchester University NHS Foundation Trust",
                 annual_value_pence=91_650_200, start_date=date(2025, 9, 1),
                 initial_term_months=48, extension_options=[{"months": 12}] * 3,
                 uplift_rule={"kind": "fixed_anniversary", "percent_bp": 250},
                 decision_reference="KD-2025-041",
                 description="Speech and language therapy for children with EHC plans in "
                             "the city's special schools and resourced provision."),
            dict(title="Occupational therapy in special schools",
                 service="occupational_therapy", supplier_provider_id=brookvale.id,
                 annual_value_pence=18_400_000, start_date=date(2027, 4, 1),
                 initial_term_months=17, extension_options=[{"months": 12}],
                 uplift_rule={"kind": "fixed_april", "percent_bp": 200},
                 decision_reference="DD-2026-117"),
        ):
            late = values["start_date"] < today
            contracts.record_contract(manager, status="active", retrospective=late,
                                      retrospective_note=note if late else None, **values)


def find_organisation(identifier):
    return tenants.find_organisation(db.session, identifier)
