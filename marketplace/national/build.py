"""The national data set's generator (see the package's docstring for the rules it keeps)."""
import bisect
import functools
import hashlib
import heapq
import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

import tenants

from .. import working_days
from ..audit.models import AuditEvent
from ..placements import costing, engine
from ..extensions import db
from ..purchasing import standstill
from ..purchasing.models import Lot, PurchasingSystem, StandstillRule
from ..specifications.services import versions_in_force
from . import shape
from .writer import Writer

MAX_SQLITE_SCALE = 0.05
MARKER_ACTION = "demo.national_generated"
# The share of call-offs that end in a placement (measured on the generated data): the rest of
# the plan's placements are recorded off-framework.
PLACED_SHARE = 0.78
LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc
LOT_BASES = {"day": ("DAY", "Day placements"),
             "residential_38": ("RES38", "38-week residential placements"),
             "residential_52": ("RES52", "52-week residential placements")}


class NationalRefused(Exception):
    """The data set cannot be built here; the message says why and what to do."""


def build(scale=0.1, seed=2026, *, progress=None, now=None, vacuum=True):
    """Add the national data set at ``scale`` to the demo region, in one transaction; return a
    summary (table → rows written). ``progress(step, done, total)`` is told as it goes.

    On PostgreSQL the tables are then vacuumed and analysed (``vacuum``), as autovacuum would
    in time: without the visibility map, index-only scans read the heap, and the first hours
    of a benchmark would measure that instead of the service."""
    connection = db.session.connection()
    if not 0 < scale <= 1.0:
        raise NationalRefused("The scale must be more than 0 and at most 1.0")
    if connection.dialect.name != "postgresql" and scale > MAX_SQLITE_SCALE:
        raise NationalRefused(
            f"SQLite takes the national data set up to scale {MAX_SQLITE_SCALE} only; set "
            "DATABASE_URL to a PostgreSQL database for larger scales")
    if connection.scalar(text("SELECT count(*) FROM purchasing_system")) == 0:
        raise NationalRefused("There is no demo region to add to: run `flask demo seed` first")
    if connection.scalar(text("SELECT count(*) FROM audit_event WHERE action = :a"),
                         {"a": MARKER_ACTION}):
        raise NationalRefused("The national data set is already here: build it on a fresh "
                              "database (`flask db upgrade`, `flask demo seed`, then this)")
    generator = _Generator(connection, shape.Plan(scale, seed), now or tenants.utcnow(),
                           progress or (lambda *args: None))
    summary = generator.run()
    db.session.commit()
    if vacuum and connection.dialect.name == "postgresql":
        progress = progress or (lambda *args: None)
        progress("vacuum and analyse", 0, 1)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.exec_driver_sql("VACUUM ANALYZE")
        progress("vacuum and analyse", 1, 1)
    return summary


# ---------------------------------------------------------------- small helpers

def _london(day, hour, minute=0, second=0):
    return datetime.combine(day, time(hour, minute, second), tzinfo=LONDON).astimezone(UTC)


def _london_date(at):
    return at.astimezone(LONDON).date()


@functools.lru_cache(maxsize=None)
def _working_days_after(day, count):
    return working_days.working_days_after(day, count)


@functools.lru_cache(maxsize=None)
def _working_days_before(day, count):
    return working_days.working_days_before(day, count)


@functools.lru_cache(maxsize=None)
def _working_day_on_or_after(day):
    return working_days.working_day_on_or_after(day)


def _office_time(rng, day):
    """A moment in office hours (08:30-17:30 UK time) on a working day on or after ``day``."""
    day = _working_day_on_or_after(day)
    return _london(day, 8, 30) + timedelta(seconds=rng.randrange(9 * 3600))


def _seconds(at):
    return at.replace(microsecond=0)


@dataclass
class _Org:
    id: int
    name: str
    weight: float = 1.0
    region: str = "NW"
    joined_at: datetime = None
    officers: list = field(default_factory=list)
    managers: list = field(default_factory=list)
    ons_code: str = ""
    delegation_limit: int | None = None
    references: dict = field(default_factory=dict)  # London year → last number used
    postcode_areas: list = field(default_factory=list)
    off_framework: int = 0


@dataclass
class _Provider:
    id: int
    name: str
    region: str
    needs: frozenset
    types: tuple
    age_from: int
    age_to: int
    genders: tuple
    valid_until: date | None
    accepted: frozenset
    users: list
    quality: float  # the officer's usual mark for this provider's offers
    response: float  # how often it responds to an invitation
    fees: dict  # placement type → current weekly core fee (pence)
    admissions: dict = field(default_factory=dict)  # lot id → (effective_at, ended_at or None)
    created_at: datetime | None = None


class _Generator:
    def __init__(self, connection, plan, now, progress):
        self.connection = connection
        self.plan = plan
        self.now = _seconds(now)
        self.today = _london_date(self.now)
        self.rng = random.Random(plan.seed)
        self.progress = progress
        self.writer = Writer(connection)
        start_year = self.today.year - plan.years
        self.start = _london(date(start_year, self.today.month, 1), 0)
        self.events = []  # heap of (occurred_at, sequence, event fields)
        self.sequence = itertools.count()
        self.heads = {}
        self.placed = 0
        self._register_tables()

    # ------------------------------------------------------------ tables

    def _register_tables(self):
        w = self.writer
        w.register("organisation", ("id", "kind", "name", "created_at"))
        w.register("authority", ("id", "ons_code", "slug", "role", "joined_on", "status"))
        w.register("provider", (
            "id", "companies_house_number", "charity_number", "dfe_urn", "ofsted_urn",
            "address_line_1", "town", "postcode", "ofsted_rating", "ofsted_inspected_on",
            "childrens_home_urn", "age_from", "age_to", "genders", "documents_valid_until",
            "suspension_recorded_at"))
        w.register("provider_need", ("provider_id", "code"))
        w.register("provider_placement_type", ("provider_id", "placement_type"))
        w.register("user_account", ("id", "organisation_id", "full_name", "role", "status",
                                    "created_at", "session_version"))
        w.register("credential", ("id", "user_id", "organisation_id", "email", "password_hash",
                                  "password_changed_at"))
        w.register("document_file", ("id", "organisation_id", "content"))
        w.register("provider_document", (
            "id", "organisation_id", "kind", "title", "filename", "content_type", "size",
            "sha256", "expires_on", "uploaded_at", "uploaded_by_id", "expiry_warning_sent_at",
            "file_id"))
        w.register("rate_card_entry", ("id", "organisation_id", "placement_type",
                                       "weekly_fee_pence", "effective_from", "set_by_id"))
        w.register("vacancy", ("id", "organisation_id", "placement_type", "age_from", "age_to",
                               "available_from", "places", "created_at", "updated_at",
                               "withdrawn_at"))
        w.register("vacancy_need", ("vacancy_id", "code"))
        w.register("lot", ("id", "organisation_id", "system_id", "code", "title",
                           "placement_types", "need_codes"))
        w.register("admission", ("id", "organisation_id", "provider_id", "lot_id",
                                 "effective_at", "status", "status_reason", "status_changed_at",
                                 "activation_notified_at", "created_at"))
        w.register("specification_acceptance", ("id", "organisation_id", "version_id",
                                                "accepted_at", "accepted_by_id"))
        w.register("delegation_limit", ("id", "organisation_id", "annual_limit_pence",
                                        "set_by_id", "set_at"))
        w.register("call_off", (
            "id", "organisation_id", "reference", "route", "direct_award_reason",
            "direct_award_note", "direct_provider_id", "case_reference", "birth_year", "gender",
            "primary_need", "secondary_needs", "postcode_district", "ehcp_summary", "lot_id",
            "placement_type", "start_date", "length_weeks", "requirements", "quality_weight",
            "price_weight", "response_deadline", "questions_close_at", "urgent",
            "urgent_reason", "published_at", "specification_version_ids", "status",
            "status_reason", "status_changed_at", "reminder_sent_at", "opened_notice_sent_at",
            "created_by_id", "created_at", "updated_at"))
        w.register("call_off_invitation", ("id", "organisation_id", "call_off_id",
                                           "provider_id", "invited_at", "reminder_sent_at"))
        w.register("clarification_question", ("id", "organisation_id", "call_off_id",
                                              "question", "asked_by_id", "asked_at"))
        w.register("clarification_answer", ("id", "organisation_id", "call_off_id",
                                            "question_id", "question", "answer",
                                            "answered_by_id", "published_at"))
        w.register("offer", (
            "id", "organisation_id", "call_off_id", "can_meet_need", "decline_reason",
            "core_weekly_pence", "support_weekly_pence", "therapies_weekly_pence",
            "other_weekly_pence", "other_description", "weekly_total_pence",
            "annual_cost_pence", "total_value_pence", "chargeable_weeks", "available_from", "statement", "revision",
            "submitted_by_id", "submitted_at", "updated_at", "withdrawn_at"))
        w.register("offer_receipt", ("id", "organisation_id", "call_off_id", "received_at"))
        w.register("quality_mark", ("id", "organisation_id", "call_off_id", "offer_id", "mark",
                                    "notes", "marked_by_id", "marked_at"))
        w.register("award", (
            "id", "organisation_id", "call_off_id", "offer_id", "provider_id", "status", "rank",
            "justification", "annual_cost_pence", "total_value_pence", "requested_by_id",
            "requested_at",
            "approved_by_id", "approved_at", "approval_note", "made_at", "standstill_rule",
            "standstill_ends_at", "responded_at", "responded_by_id", "decline_reason"))
        w.register("placement", (
            "id", "organisation_id", "reference", "call_off_id", "award_id", "provider_id",
            "lot_id", "off_framework", "case_reference", "birth_year", "gender", "primary_need",
            "secondary_needs", "postcode_district", "placement_type", "start_date", "end_date",
            "specification_version_ids", "local_schedule_revision", "local_schedule_title",
            "local_schedule_body", "core_weekly_pence", "support_weekly_pence",
            "therapies_weekly_pence", "other_weekly_pence", "other_description",
            "weekly_total_pence", "annual_cost_pence", "total_value_pence", "status", "ended_on",
            "end_reason",
            "agreed_at", "created_at"))
        w.register("audit_event", (
            "id", "organisation_id", "occurred_at", "actor_user_id", "actor_organisation_id",
            "action", "object_type", "object_id", "before", "after", "remote_addr",
            "previous_hash", "hash"))

    # ------------------------------------------------------------ audit

    def event(self, at, organisation_id, action, obj_type=None, obj_id=None, *, actor=None,
              before=None, after=None):
        """Queue an audit event; events are written in time order (see ``_drain``)."""
        if at > self.now:
            raise AssertionError(f"{action} at {at} is in the future")
        actor_id, actor_org = actor if actor else (None, None)
        heapq.heappush(self.events, (at, next(self.sequence), organisation_id, actor_id,
                                     actor_org, action, obj_type, obj_id, before, after))

    def _drain(self, until=None):
        """Write the queued events older than ``until`` (all when None), each linked to the
        previous event of its organisation's chain."""
        events = self.events
        add = self.writer.add
        new_id = self.writer.new_id
        heads = self.heads
        while events and (until is None or events[0][0] < until):
            (at, _, org, actor_id, actor_org, action, obj_type, obj_id, before,
             after) = heapq.heappop(events)
            chain = org or 0
            row = SimpleNamespace(
                previous_hash=heads.get(chain), occurred_at=at, organisation_id=org,
                actor_user_id=actor_id, actor_organisation_id=actor_org, action=action,
                object_type=obj_type, object_id=None if obj_id is None else str(obj_id),
                before=before, after=after, remote_addr=None)
            digest = AuditEvent.compute_hash(row)
            event_id = new_id("audit_event")
            add("audit_event", (event_id, org, at, actor_id, actor_org, action, obj_type,
                                row.object_id, before, after, None, row.previous_hash, digest))
            heads[chain] = digest
            self.head_ids[chain] = event_id

    def _load_heads(self):
        self.heads = {}
        self.head_ids = {}
        for chain, last_hash, last_id in self.connection.execute(text(
                "SELECT chain, last_hash, last_event_id FROM audit_chain_head")):
            self.heads[chain] = last_hash
            self.head_ids[chain] = last_id
        self.existing_heads = set(self.heads)

    def _write_heads(self):
        for chain, last_hash in self.heads.items():
            values = {"c": chain, "h": last_hash, "i": self.head_ids.get(chain)}
            if chain in self.existing_heads:
                self.connection.execute(text(
                    "UPDATE audit_chain_head SET last_hash = :h, last_event_id = :i "
                    "WHERE chain = :c"), values)
            else:
                self.connection.execute(text(
                    "INSERT INTO audit_chain_head (chain, last_hash, last_event_id) "
                    "VALUES (:c, :h, :i)"), values)

    # ------------------------------------------------------------ the run

    def run(self):
        self._load_context()
        self._load_heads()
        self.progress("organisations", 0, 1)
        self._lots()
        self._authorities()
        self._providers()
        self.progress("organisations", 1, 1)
        self._call_offs_and_placements()
        self.event(self.now, None, MARKER_ACTION, after={
            "scale": self.plan.scale, "seed": self.plan.seed,
            "call_offs": self.plan.call_offs, "providers": self.plan.providers})
        self._drain()
        self.writer.finish()
        self._write_heads()
        return {name: count for name, count in self.writer.written.items() if count}

    def _load_context(self):
        c = self.connection
        self.host_id = c.scalar(text("SELECT id FROM authority WHERE role = 'host'"))
        self.host_admin = c.execute(text(
            "SELECT id FROM user_account WHERE organisation_id = :h AND role = 'host_admin' "
            "ORDER BY id LIMIT 1"), {"h": self.host_id}).scalar()
        host = db.session.get(tenants.Authority, self.host_id)
        with tenants.scoped_to(host):
            system = db.session.scalars(select(PurchasingSystem)).first()
            self.system_id = system.id
            self.school_days = system.chargeable_school_days
            self.questions_close_days = system.call_off_questions_close_days
            self.min_response_days = system.call_off_min_response_days
            self.standstill_rule = StandstillRule(system.call_off_standstill)
            self.lots = {lot.id: lot.placement_types[0] for lot in
                         db.session.scalars(select(Lot))}
            self.nw_lots = {}
            for lot in db.session.scalars(select(Lot).order_by(Lot.id)):
                for kind in lot.placement_types:
                    self.nw_lots.setdefault(kind, lot.id)
            self.versions = {}  # version id → (published_at, effective_at)
            rows = c.execute(text(
                "SELECT id, published_at, effective_at FROM specification_version "
                "WHERE published_at IS NOT NULL")).all()
            for version_id, published_at, effective_at in rows:
                self.versions[version_id] = (_aware(published_at), _aware(effective_at))
            self.boundaries = sorted({v[1] for v in self.versions.values()})
            self._in_force_cache = {}
            self._host = host
        self.password_hash = c.scalar(text(
            "SELECT password_hash FROM credential WHERE password_hash IS NOT NULL "
            "ORDER BY id LIMIT 1"))
        self.emails = set(c.scalars(text("SELECT email FROM credential")))
        self.weeks = {"day": Fraction(self.school_days, 5),
                      "residential_38": Fraction(self.school_days, 5),
                      "residential_52": Fraction(52)}
        # The region has no term calendars yet: term-time costs are the engine's estimate.
        self.calendars = engine.Calendars(chargeable_days=self.school_days)

    def values(self, kind, weekly, start, last_day, ended_on=None):
        """An offer's or placement's annual cost and whole-life value from the cost engine, as
        ``placements.costing.offer_values`` works them out (at a flat fee; an early end cuts the
        whole-life value short)."""
        basis = engine.basis_for(kind)
        terms = engine.CostTerms(basis, start, ended_on or last_day,
                                 (engine.FeeStep(start, weekly),), self.calendars)
        year_terms, first, last = costing.a_year(basis, weekly, start, self.calendars)
        return (engine.total_pence(year_terms, first, last),
                engine.total_pence(terms, start, ended_on or last_day))

    def in_force(self, at, lot_id):
        """The ids of the specification versions in force at ``at`` for ``lot_id``, by the
        specifications service (asked once per interval between effective dates)."""
        index = bisect.bisect_right(self.boundaries, at)
        key = (index, lot_id)
        if key not in self._in_force_cache:
            moment = self.boundaries[index - 1] if index else self.start - timedelta(days=1)
            with tenants.scoped_to(self._host):
                self._in_force_cache[key] = tuple(
                    v.id for v in versions_in_force(moment, lot_id))
        return self._in_force_cache[key]

    # ------------------------------------------------------------ lots

    def _lots(self):
        """The other regions' lots on the host's system (the North West's are the seed's)."""
        self.region_lots = {"NW": dict(self.nw_lots)}
        from ..needs import need_codes
        codes = list(need_codes())
        for region, name in self.plan.regions[1:]:
            self.region_lots[region] = {}
            for kind, (base, title) in LOT_BASES.items():
                lot_id = self.writer.new_id("lot")
                self.writer.add("lot", (lot_id, self.host_id, self.system_id,
                                        f"{base}-{region}", f"{title}: {name}", [kind], codes))
                self.region_lots[region][kind] = lot_id
                self.lots[lot_id] = kind
                self.event(self.start, self.host_id, "purchasing.lot_added", "Lot", lot_id,
                           actor=(self.host_admin, self.host_id),
                           after={"code": f"{base}-{region}", "region": name})

    # ------------------------------------------------------------ authorities

    def _user(self, org_id, role, full_name, email_local, domain, created_at):
        user_id = self.writer.new_id("user_account")
        email = f"{email_local}@{domain}"
        n = 1
        while email in self.emails:
            n += 1
            email = f"{email_local}{n}@{domain}"
        self.emails.add(email)
        self.writer.add("user_account", (user_id, org_id, full_name, role, "active",
                                         created_at, 1))
        self.writer.add("credential", (self.writer.new_id("credential"), user_id, org_id, email,
                                       self.password_hash, created_at))
        return (user_id, org_id)

    def _person(self):
        return f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_LAST_NAMES)}"

    def _authorities(self):
        rng = self.rng
        c = self.connection
        existing = c.execute(text(
            "SELECT a.id, o.name, a.slug, a.ons_code, a.joined_on, a.role FROM authority a "
            "JOIN organisation o ON o.id = a.id ORDER BY a.id")).all()
        users = {}
        for user_id, org_id, role in c.execute(text(
                "SELECT id, organisation_id, role FROM user_account WHERE status = 'active'")):
            users.setdefault(org_id, []).append((user_id, role))
        limits = dict(c.execute(text(
            "SELECT organisation_id, annual_limit_pence FROM delegation_limit")).all())
        references = {}
        for org_id, reference in c.execute(text("SELECT organisation_id, reference "
                                                "FROM call_off")):
            year, number = reference.removeprefix("CO-").split("-")
            key = (org_id, int(year))
            references[key] = max(references.get(key, 0), int(number))
        kinds = {ref.ons_code: ref.kind for ref in tenants.reference_authorities()}
        self.authorities = []
        for org_id, name, slug, ons_code, joined_on, role in existing:
            kind = kinds.get(ons_code, "unitary")
            weight = {"county": 4.0, "metropolitan": 1.6}.get(kind.split()[0].lower(), 1.0)
            org = _Org(org_id, name, weight * math.exp(rng.gauss(0, 0.35)), "NW",
                       _london(_as_date(joined_on), 0), ons_code=ons_code,
                       delegation_limit=limits.get(org_id),
                       postcode_areas=shape.POSTCODE_AREAS["NW"])
            org.references = {y: n for (o, y), n in references.items() if o == org_id}
            org.officers = [(u, org_id) for u, r in users.get(org_id, [])
                            if r == "placement_officer"]
            org.managers = [(u, org_id) for u, r in users.get(org_id, [])
                            if r == "authority_manager"]
            if role == "host" and not org.officers:
                org.weight *= 0.6
            self._staff(org, slug, org.joined_at)
            self.authorities.append(org)
        regions = [code for code, _ in self.plan.regions]
        names = dict(shape.REGIONS)
        generated = self.plan.authorities - len(existing)
        counters = {}
        for n in range(max(0, generated)):
            region = regions[n % len(regions)] if len(regions) > 1 else "NW"
            kind = rng.choice(shape.GENERATED_AUTHORITY_KINDS)
            counters[(region, kind)] = counters.get((region, kind), 0) + 1
            name = f"{names[region]} Sample {kind} {counters[(region, kind)]}"
            slug = "-".join(name.lower().split())
            org_id = self.writer.new_id("organisation")
            # E10 99xxxx: an English county code far past the real ones (E10000002-34).
            ons_code = f"E1099{n + 1:04d}"
            weight = {"County": 3.0, "City": 1.5}.get(kind, 1.0) * math.exp(rng.gauss(0, 0.6))
            org = _Org(org_id, name, weight, region, self.start, ons_code=ons_code,
                       postcode_areas=shape.POSTCODE_AREAS[region])
            self.writer.add("organisation", (org_id, "authority", name, self.start))
            self.writer.add("authority", (org_id, ons_code, slug, "member",
                                          _london_date(self.start), "active"))
            self.event(self.start, org_id, "authority.created", "Authority", org_id,
                       actor=(self.host_admin, self.host_id),
                       after={"name": name, "ons_code": ons_code,
                              "joined_on": _london_date(self.start).isoformat()})
            self._staff(org, slug, self.start)
            self.authorities.append(org)
            self.writer.flush_if_full()
        for org in self.authorities:
            if org.delegation_limit is None and rng.random() < 0.6 and org.managers:
                # On the whole-life value (issue 12 §7): two years of a day placement.
                org.delegation_limit = rng.choice([150_000_00, 200_000_00, 250_000_00,
                                                   300_000_00])
                limit_id = self.writer.new_id("delegation_limit")
                self.writer.add("delegation_limit", (limit_id, org.id, org.delegation_limit,
                                                     org.managers[0][0], org.joined_at))
                self.event(org.joined_at, org.id, "authority.delegation_limit_set",
                           "DelegationLimit", limit_id, actor=org.managers[0],
                           after={"annual_limit_pence": org.delegation_limit})

    def _staff(self, org, slug, created_at):
        """A manager and officers in proportion to the authority's size, beside any it has."""
        domain = f"{slug}.example.com"
        wanted = max(2, min(8, round(1 + org.weight * 1.5)))
        while len(org.managers) < 1:
            org.managers.append(self._user(org.id, "authority_manager", self._person(),
                                           "manager", domain, created_at))
        while len(org.officers) < wanted:
            org.officers.append(self._user(org.id, "placement_officer", self._person(),
                                           f"officer{len(org.officers) + 1}", domain,
                                           created_at))

    # ------------------------------------------------------------ providers

    def _providers(self):
        rng = self.rng
        c = self.connection
        self.providers = {}
        accepted = {}
        for org_id, version_id in c.execute(text(
                "SELECT organisation_id, version_id FROM specification_acceptance")):
            accepted.setdefault(org_id, set()).add(version_id)
        provider_users = {}
        for user_id, org_id in c.execute(text(
                "SELECT id, organisation_id FROM user_account WHERE role = 'provider_user' "
                "AND status = 'active'")):
            provider_users.setdefault(org_id, []).append((user_id, org_id))
        for row in c.execute(text(
                "SELECT p.id, o.name, p.age_from, p.age_to, p.genders, "
                "p.documents_valid_until FROM provider p JOIN organisation o ON o.id = p.id")):
            needs = frozenset(c.scalars(text("SELECT code FROM provider_need WHERE "
                                             "provider_id = :p"), {"p": row.id}))
            types = tuple(c.scalars(text("SELECT placement_type FROM provider_placement_type "
                                         "WHERE provider_id = :p"), {"p": row.id}))
            genders = row.genders if isinstance(row.genders, list) else _json(row.genders)
            users = provider_users.get(row.id, [])
            if not users:
                users = [self._user(row.id, "provider_user", self._person(), "admissions",
                                    f"{_slug(row.name)}.example.com", self.start)]
            fees = {kind: shape.lognormal_pence(rng, shape.FEE_MEDIAN[kind], shape.FEE_SIGMA)
                    for kind in types}
            self.providers[row.id] = _Provider(
                row.id, row.name, "NW", needs, types, row.age_from or 0, row.age_to or 0,
                tuple(genders or ()), _as_date(row.documents_valid_until),
                frozenset(accepted.get(row.id, ())), users, 70 + rng.random() * 15, 0.6, fees)
        for provider_id, lot_id, effective_at, status, changed_at in c.execute(text(
                "SELECT provider_id, lot_id, effective_at, status, status_changed_at "
                "FROM admission")):
            if provider_id in self.providers:
                ended = None if status == "active" else _aware(changed_at) or self.now
                self.providers[provider_id].admissions[lot_id] = (_aware(effective_at), ended)

        wanted = self.plan.providers - len(self.providers)
        regions = [code for code, _ in self.plan.regions]
        windows = self._window_dates()
        names = set()
        for n in range(max(0, wanted)):
            self._provider(n, regions[n % len(regions)], windows, names)
            self.writer.flush_if_full()
        self.progress("providers", 1, 1)
        self._index_providers()

    def _window_dates(self):
        """When admissions took effect: the system's start, then two windows a year (1 April
        and 1 October, UK midnight), up to today."""
        found = [self.start]
        year = self.start.year
        while True:
            for month in (4, 10):
                at = _london(date(year, month, 1), 0)
                if at > self.start and at <= self.now:
                    found.append(at)
            year += 1
            if _london(date(year, 4, 1), 0) > self.now:
                return found

    def _provider(self, n, region, windows, names):
        rng = self.rng
        w = self.writer
        provider_id = w.new_id("organisation")
        while True:
            name = (f"{rng.choice(_PLACES)}{rng.choice(_PLACE_ENDINGS)} "
                    f"{rng.choice(_SCHOOL_KINDS)}")
            if name not in names:
                break
        names.add(name)
        legal = name + (" Ltd" if rng.random() < 0.7 else "")
        types = shape.weighted(rng, shape.PROVIDER_TYPE_MIX)
        ages = shape.weighted(rng, shape.AGE_RANGES)
        genders = shape.weighted(rng, shape.GENDER_MIX)
        popular = rng.random() < 0.08
        need_count = rng.choice((1, 1, 2, 2)) + (1 if popular else 0)
        # About one registered provider in three holds no admission (not yet admitted, or not
        # successful in a window): it is in the directory but never invited.
        admitted = popular or rng.random() < 0.65
        needs = set()
        while len(needs) < need_count:
            needs.add(shape.weighted(rng, shape.NEED_WEIGHTS))
        joined = windows[0] if rng.random() < 0.3 else rng.choice(windows)
        created_at = joined - timedelta(days=rng.randrange(20, 90))
        if created_at < self.start:
            created_at = self.start
        area = rng.choice(shape.POSTCODE_AREAS[region])
        postcode = f"{area}{rng.randrange(1, 30)} {rng.randrange(1, 10)}" \
                   f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        residential = any(t != "day" for t in types)
        # Documents: the four mandatory kinds, most valid for a year or more; about one
        # provider in fifty let one expire and is suspended.
        suspended_on = None
        if rng.random() < 0.02:
            suspended_on = self.today - timedelta(days=rng.randrange(1, 700))
        expiries = []
        user = self._user(provider_id, "provider_user", self._person(), "admissions",
                          f"{_slug(name)}.example.com", created_at)
        users = [user]
        if rng.random() < 0.4:
            users.append(self._user(provider_id, "provider_user", self._person(), "office",
                                    f"{_slug(name)}.example.com", created_at))
        w.add("organisation", (provider_id, "provider", legal, created_at))
        for i, kind in enumerate(("insurance", "ofsted_registration", "safeguarding_policy",
                                  "dbs_policy")):
            expires = self.today + timedelta(days=rng.randrange(60, 900))
            if suspended_on is not None and i == 0:
                expires = suspended_on - timedelta(days=1)
            expiries.append(expires)
            uploaded = max(created_at, _london(expires - timedelta(days=365), 10))
            uploaded = min(uploaded, self.now)
            content = f"%PDF-1.4\n% {legal}: {kind} (sample document)\n".encode()
            file_id = w.new_id("document_file")
            w.add("document_file", (file_id, provider_id, content))
            document_id = w.new_id("provider_document")
            warned = (_london(expires - timedelta(days=30), 7)
                      if expires - timedelta(days=30) <= self.today else None)
            w.add("provider_document", (
                document_id, provider_id, kind, None, f"{kind}.pdf", "application/pdf",
                len(content), hashlib.sha256(content).hexdigest(), expires, uploaded,
                user[0], warned, file_id))
            self.event(uploaded, provider_id, "provider.document_uploaded", "ProviderDocument",
                       document_id, actor=user, after={"kind": kind,
                                                       "expires_on": expires.isoformat()})
        valid_until = min(expiries)
        w.add("provider", (
            provider_id, f"{rng.randrange(10**7, 10**8)}",
            f"{rng.randrange(10**6, 10**7)}" if rng.random() < 0.3 else None,
            f"9{n:06d}", f"SC9{n:05d}" if residential else f"29{n:05d}",
            f"{rng.randrange(1, 200)} {rng.choice(_STREETS)}", rng.choice(_PLACES) + "ton",
            postcode, shape.weighted(rng, [("outstanding", 20), ("good", 60),
                                           ("requires_improvement", 15), ("inadequate", 5)]),
            self.today - timedelta(days=rng.randrange(30, 1400)),
            f"SC8{n:05d}" if "residential_52" in types else None, ages[0], ages[1],
            list(genders), valid_until,
            _london(suspended_on, 7) if suspended_on else None))
        if suspended_on is not None:
            self.event(_london(suspended_on, 7), provider_id, "provider.suspended", "Provider",
                       provider_id, after={"documents_valid_until": valid_until.isoformat()})
        for code in sorted(needs):
            w.add("provider_need", (provider_id, code))
        fees = {}
        for kind in types:
            w.add("provider_placement_type", (provider_id, kind))
            fee = shape.lognormal_pence(rng, shape.FEE_MEDIAN[kind], shape.FEE_SIGMA)
            # The rate card's history: a few yearly rises to today's fee.
            history = rng.randrange(1, 5)
            for step in range(history):
                at = max(created_at, self.now - timedelta(days=365 * (history - step - 1)
                                                          + rng.randrange(1, 300)))
                rate = int(fee / (1.03 ** (history - step - 1)) // 500 * 500)
                w.add("rate_card_entry", (w.new_id("rate_card_entry"), provider_id, kind,
                                          rate, at, user[0]))
            fees[kind] = fee
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                vacancy_id = w.new_id("vacancy")
                created = self.now - timedelta(days=rng.randrange(1, 200))
                withdrawn = created + timedelta(days=rng.randrange(1, 60)) \
                    if rng.random() < 0.3 else None
                if withdrawn and withdrawn > self.now:
                    withdrawn = None
                w.add("vacancy", (vacancy_id, provider_id, kind, ages[0], ages[1],
                                  self.today + timedelta(days=rng.randrange(-30, 200)),
                                  rng.randrange(1, 4), created, created, withdrawn))
                for code in sorted(needs)[:2]:
                    w.add("vacancy_need", (vacancy_id, code))
        # Admissions: one per lot of its placement types in its region's lots, from a window.
        admissions = {}
        lots = self.region_lots.get(region, self.region_lots["NW"])
        for kind in types if admitted else ():
            lot_id = lots[kind]
            status, reason, changed = "active", None, None
            roll = rng.random()
            if roll < 0.01:
                status, reason = "suspended", "Safeguarding concern under investigation"
            elif roll < 0.02:
                status, reason = "removed", "Left the system at its own request"
            if status != "active":
                changed = joined + (self.now - joined) * rng.uniform(0.3, 0.95)
                changed = _seconds(changed)
            admission_id = w.new_id("admission")
            w.add("admission", (admission_id, self.host_id, provider_id, lot_id, joined, status,
                                reason, changed, joined, joined - timedelta(days=10)))
            admissions[lot_id] = (joined, changed)
        # Acceptances: every published version, once it was published (a few providers have
        # not yet accepted the newest).
        accepted = set()
        newest = max(self.versions, key=lambda v: self.versions[v][1], default=None)
        for version_id, (published_at, _) in self.versions.items():
            if version_id == newest and rng.random() < 0.05:
                continue
            at = min(self.now, published_at + timedelta(minutes=rng.randrange(1, 600)))
            w.add("specification_acceptance", (w.new_id("specification_acceptance"),
                                               provider_id, version_id, at, user[0]))
            accepted.add(version_id)
        quality = rng.uniform(78, 92) if popular else rng.uniform(50, 80)
        self.providers[provider_id] = _Provider(
            provider_id, legal, region, frozenset(needs), tuple(types), ages[0], ages[1],
            tuple(genders), valid_until, frozenset(accepted), users, quality,
            0.7 if popular else rng.uniform(0.3, 0.5), fees, admissions, created_at)

    def _index_providers(self):
        """Providers by lot and need, for the invitation rule."""
        self.by_lot_need = {}
        for provider in self.providers.values():
            for lot_id in provider.admissions:
                for need in provider.needs:
                    self.by_lot_need.setdefault((lot_id, need), []).append(provider)
        for providers in self.by_lot_need.values():
            providers.sort(key=lambda p: p.id)
        self.by_lot = {}
        for provider in self.providers.values():
            for lot_id in provider.admissions:
                self.by_lot.setdefault(lot_id, []).append(provider)

    def invitable(self, provider, lot_id, at, required):
        """The publishing service's rule, at ``at``: active admission to the lot after
        standstill, documents valid that day, every version in force accepted."""
        effective, ended = provider.admissions.get(lot_id, (None, None))
        if effective is None or effective > at or (ended is not None and ended <= at):
            return False
        if provider.valid_until is None or _london_date(at) > provider.valid_until:
            return False
        return provider.accepted.issuperset(required)

    # ------------------------------------------------------------ call-offs

    def _call_offs_and_placements(self):
        """Call-offs and off-framework placements in time order, so the audit trail is too."""
        rng = self.rng
        total = self.plan.call_offs
        span = (self.now - self.start).total_seconds()
        growth = math.log(1.08) * self.plan.years  # 8% more call-offs each year
        call_offs = sorted(
            self.start + timedelta(seconds=span * math.log1p(rng.random() * math.expm1(growth))
                                   / growth) for _ in range(total))
        recorded = max(0, self.plan.placements - round(total * PLACED_SHARE))
        off_framework = sorted(self.start + timedelta(seconds=span * rng.random() ** 0.8)
                               for _ in range(recorded))
        providers = sorted(self.providers.values(), key=lambda p: (-p.quality, p.id))
        self.zipf = (providers, list(itertools.accumulate(
            1 / (rank + 1) ** 0.9 for rank in range(len(providers)))))
        timeline = list(heapq.merge(((m, 0) for m in call_offs), ((m, 1) for m in off_framework)))
        weights_at = {}
        for index, (moment, kind) in enumerate(timeline):
            self._drain(until=_london(_london_date(moment), 0))
            members = [a for a in self.authorities if a.joined_at <= moment]
            if len(members) not in weights_at:
                weights_at[len(members)] = list(itertools.accumulate(a.weight for a in members))
            authority = rng.choices(members, cum_weights=weights_at[len(members)])[0]
            if kind == 0:
                self._call_off(authority, moment)
            else:
                self._off_framework(authority, moment, index)
            self.writer.flush_if_full()
            if index % 2000 == 0:
                self.progress("call-offs and placements", index, len(timeline))
        self.progress("call-offs and placements", len(timeline), len(timeline))

    def _reference(self, authority, at):
        year = _london_date(at).year
        number = authority.references.get(year, 0) + 1
        authority.references[year] = number
        return f"CO-{year}-{number:04d}"

    def _call_off(self, authority, moment):
        rng = self.rng
        w = self.writer
        created_at = _seconds(_office_time(rng, _london_date(moment)))
        if created_at > self.now:
            created_at = _seconds(moment)
        officer = rng.choice(authority.officers)
        kind = shape.weighted(rng, shape.PLACEMENT_TYPE_WEIGHTS)
        lots = self.region_lots.get(authority.region, self.region_lots["NW"])
        lot_id = lots[kind]
        need = shape.weighted(rng, shape.NEED_WEIGHTS)
        gender = "male" if rng.random() < 0.74 else "female"
        start_date = _london_date(created_at) + timedelta(weeks=rng.randrange(4, 14))
        age = rng.randrange(5, 18) if kind == "day" else rng.randrange(8, 18)
        birth_year = start_date.year - age
        published_at = _seconds(_office_time(rng, _london_date(created_at)
                                             + timedelta(days=rng.randrange(0, 4))))
        if published_at <= created_at:
            published_at = created_at + timedelta(minutes=rng.randrange(10, 120))
        required = self.in_force(published_at, lot_id)
        direct = rng.random() < 0.06
        invited = []
        direct_provider = None
        if direct:
            candidates = [p for p in self.by_lot.get(lot_id, ())
                          if self.invitable(p, lot_id, published_at, required)]
            if candidates:
                direct_provider = max(rng.sample(candidates, min(3, len(candidates))),
                                      key=lambda p: p.quality)
                invited = [direct_provider]
            else:
                direct = False
        if not direct:
            ages = (start_date.year - birth_year - 1, start_date.year - birth_year)
            for provider in self.by_lot_need.get((lot_id, need), ()):
                if (gender in provider.genders and kind in provider.types
                        and any(provider.age_from <= a <= provider.age_to for a in ages)
                        and self.invitable(provider, lot_id, published_at, required)):
                    invited.append(provider)
        call_off_id = w.new_id("call_off")
        reference = self._reference(authority, created_at)
        row = dict(
            id=call_off_id, organisation_id=authority.id, reference=reference,
            route="direct_award" if direct else "competition",
            direct_award_reason=rng.choice(["parental_preference", "tribunal_order",
                                            "continuity"]) if direct else None,
            direct_award_note=("The EHC plan names the school after the parents' request "
                               "(Children and Families Act 2014, s.39).") if direct else None,
            direct_provider_id=direct_provider.id if direct_provider else None,
            case_reference=f"{authority.ons_code[-4:]}-{call_off_id:07d}",
            birth_year=birth_year, gender=gender, primary_need=need,
            secondary_needs=sorted({shape.weighted(rng, shape.NEED_WEIGHTS)
                                    for _ in range(rng.choice((0, 1, 1, 2)))} - {need}),
            postcode_district=f"{rng.choice(authority.postcode_areas)}{rng.randrange(1, 30)}",
            ehcp_summary=rng.choice(_EHCP_SUMMARIES), lot_id=lot_id, placement_type=kind,
            start_date=start_date,
            length_weeks=shape.weighted(rng, [(38, 45), (76, 30), (114, 15), (152, 10)]),
            requirements=rng.choice(_REQUIREMENTS),
            quality_weight=None, price_weight=None, response_deadline=None,
            questions_close_at=None, urgent=False, urgent_reason=None, published_at=None,
            specification_version_ids=[], status="draft", status_reason=None,
            status_changed_at=None, reminder_sent_at=None, opened_notice_sent_at=None,
            created_by_id=officer[0], created_at=created_at, updated_at=created_at)
        row["quality_weight"] = rng.choice((60, 60, 60, 70, 50))
        row["price_weight"] = 100 - row["quality_weight"]
        self.event(created_at, authority.id, "call_off.created", "CallOff", call_off_id,
                   actor=officer, after={"reference": reference, "route": row["route"],
                                         "lot_id": lot_id, "placement_type": kind})
        abandoned = rng.random() < 0.01
        if not invited or abandoned or published_at > self.now:
            self._write_call_off(row)
            return
        # Published: the timetable, as the publishing service fixes it.
        urgent = not direct and rng.random() < 0.03
        published_on = _london_date(published_at)
        if urgent:
            deadline_day = _working_days_after(published_on, rng.choice((1, 2)))
        else:
            deadline_day = _working_days_after(published_on,
                                               self.min_response_days + rng.randrange(0, 6))
        deadline = _london(deadline_day, 12)
        closes_day = _working_days_before(deadline_day, self.questions_close_days)
        questions_close = _london(closes_day, 12)
        if questions_close <= published_at:
            questions_close = _seconds(published_at + (deadline - published_at) / 2)
        row.update(response_deadline=deadline, questions_close_at=questions_close,
                   urgent=urgent, urgent_reason=("The child is out of school after a placement "
                                                 "ended; a place is needed within days.")
                   if urgent else None,
                   published_at=published_at, specification_version_ids=list(required),
                   status="open", status_changed_at=published_at, updated_at=published_at)
        reminder_at = deadline - timedelta(hours=48)
        for provider in invited:
            w.add("call_off_invitation", (
                w.new_id("call_off_invitation"), authority.id, call_off_id, provider.id,
                published_at, reminder_at if reminder_at <= self.now else None))
        self.event(published_at, authority.id, "call_off.published", "CallOff", call_off_id,
                   actor=officer, after={
                       "response_deadline": deadline.isoformat(),
                       "questions_close_at": questions_close.isoformat(),
                       "urgent": urgent, "urgent_reason": row["urgent_reason"],
                       "invited": [p.id for p in invited], "excluded": [],
                       "specification_version_ids": list(required)})
        if direct:
            row["status"] = "open"
        self._questions(row, authority, officer, invited)
        offers = self._offers(row, authority, invited)
        self._outcome(row, authority, officer, offers)
        self._write_call_off(row)

    def _write_call_off(self, row):
        self.writer.add("call_off", tuple(row[c] for c in self.writer.columns["call_off"]))

    def _questions(self, row, authority, officer, invited):
        rng = self.rng
        if row["route"] != "competition" or rng.random() > 0.12:
            return
        opened, closes = row["published_at"], row["questions_close_at"]
        for asker in rng.sample(invited, min(len(invited), rng.choice((1, 1, 2)))):
            asked = _seconds(opened + (closes - opened) * rng.uniform(0.05, 0.9))
            if asked > self.now:
                continue
            user = rng.choice(asker.users)
            text_, answer = rng.choice(_QUESTIONS)
            question_id = self.writer.new_id("clarification_question")
            self.writer.add("clarification_question", (question_id, asker.id, row["id"],
                                                       text_, user[0], asked))
            self.event(asked, asker.id, "call_off.question_asked", "ClarificationQuestion",
                       question_id, actor=user, after={"call_off_id": row["id"]})
            answered = _seconds(asked + (closes - asked) * rng.uniform(0.1, 0.9))
            if answered > self.now:
                continue
            answer_id = self.writer.new_id("clarification_answer")
            self.writer.add("clarification_answer", (answer_id, authority.id, row["id"],
                                                     question_id, text_, answer, officer[0],
                                                     answered))
            self.event(answered, authority.id, "call_off.answer_published",
                       "ClarificationAnswer", answer_id, actor=officer,
                       after={"call_off_id": row["id"], "question_id": question_id})

    def _offers(self, row, authority, invited):
        """Each invited provider's response, as it stands now: (offer fields dict, provider)."""
        rng = self.rng
        w = self.writer
        kind = row["placement_type"]
        weeks = self.weeks[kind]
        weeks_label = str(weeks.numerator) if weeks.denominator == 1 else f"{float(weeks):g}"
        opened, deadline = row["published_at"], row["response_deadline"]
        window = (deadline - opened).total_seconds()
        made = []
        for provider in invited:
            chance = 0.95 if row["route"] == "direct_award" else provider.response
            if rng.random() > chance:
                continue
            first = _seconds(opened + timedelta(seconds=window * rng.uniform(0.02, 0.98)))
            if first >= deadline:
                first = deadline - timedelta(seconds=1)
            if first > self.now:
                continue
            user = rng.choice(provider.users)
            can_meet = rng.random() < (0.97 if row["route"] == "direct_award" else 0.85)
            core = support = therapies = other = 0
            other_description = decline = None
            if can_meet:
                base = provider.fees.get(kind) or shape.lognormal_pence(
                    rng, shape.FEE_MEDIAN[kind], shape.FEE_SIGMA)
                core = max(500, int(base * rng.uniform(0.93, 1.08)) // 500 * 500)
                if rng.random() < 0.4:
                    support = rng.randrange(30, 121) * 500
                if rng.random() < 0.5:
                    therapies = rng.randrange(8, 51) * 500
                if rng.random() < 0.05:
                    other, other_description = rng.randrange(4, 21) * 500, "Transport escort"
            else:
                decline = rng.choice(_DECLINES)
            weekly = core + support + therapies + other
            offer_id = w.new_id("offer")
            revisions = [first]
            while rng.random() < 0.15 and len(revisions) < 4:
                later = _seconds(revisions[-1] + (deadline - revisions[-1]) * rng.uniform(
                    0.1, 0.9))
                if later >= deadline or later > self.now or later <= revisions[-1]:
                    break
                revisions.append(later)
            withdrawn_at = None
            if rng.random() < 0.02:
                candidate = _seconds(revisions[-1] + (deadline - revisions[-1]) * 0.5)
                if revisions[-1] < candidate < deadline and candidate <= self.now:
                    withdrawn_at = candidate
            for number, at in enumerate(revisions, start=1):
                self.event(at, provider.id, "call_off.offer_submitted" if number == 1
                           else "call_off.offer_revised", "Offer", offer_id, actor=user,
                           after={"call_off_id": row["id"], "revision": number,
                                  "can_meet_need": can_meet})
            last = revisions[-1]
            available = max(row["start_date"], _london_date(last)) if can_meet else None
            annual, whole = (self.values(kind, weekly, available,
                                         available + timedelta(weeks=row["length_weeks"]))
                             if can_meet else (0, 0))
            offer = {
                "id": offer_id, "provider": provider, "can_meet_need": can_meet,
                "annual_cost_pence": annual, "total_value_pence": whole,
                "submitted_at": last, "withdrawn_at": withdrawn_at}
            w.add("offer", (
                offer_id, provider.id, row["id"], can_meet, decline, core, support, therapies,
                other, other_description, weekly, offer["annual_cost_pence"],
                offer["total_value_pence"], weeks_label, available,
                rng.choice(_STATEMENTS) if can_meet else "", len(revisions), user[0], last,
                withdrawn_at or last, withdrawn_at))
            if withdrawn_at:
                self.event(withdrawn_at, provider.id, "call_off.offer_withdrawn", "Offer",
                           offer_id, actor=user, after={"call_off_id": row["id"]})
            else:
                w.add("offer_receipt", (w.new_id("offer_receipt"), provider.id, row["id"],
                                        first))
            offer["user"] = user
            offer["core"] = (core, support, therapies, other, other_description, weekly)
            made.append(offer)
        return made

    def _outcome(self, row, authority, officer, offers):
        """Evaluation, award, acceptance and placement, as far as they have got by now."""
        rng = self.rng
        w = self.writer
        deadline = row["response_deadline"]
        if deadline <= self.now and row["route"] == "competition":
            row["opened_notice_sent_at"] = deadline + timedelta(minutes=1)
        if deadline > self.now:
            return
        live = [o for o in offers if o["can_meet_need"] and not o["withdrawn_at"]]
        roll = rng.random()
        if roll < 0.07:
            at = _seconds(deadline + timedelta(days=rng.uniform(1, 15)))
            if at <= self.now:
                self._close(row, authority, officer, "cancelled", at)
            return
        if not live or roll < 0.12:
            at = _seconds(deadline + timedelta(days=rng.uniform(2, 20)))
            if at <= self.now:
                self._close(row, authority, officer, "no_suitable_offer", at)
            return
        # Marks (competition only), then the ranking by the service's arithmetic.
        at = _seconds(_office_time(rng, _london_date(deadline) + timedelta(
            days=rng.randrange(1, 6))))
        marks = {}
        if row["route"] == "competition":
            for offer in live:
                if at > self.now:
                    return
                mark = max(0, min(100, round(offer["provider"].quality + rng.gauss(0, 8))))
                marks[offer["id"]] = mark
                w.add("quality_mark", (w.new_id("quality_mark"), authority.id, row["id"],
                                       offer["id"], mark, rng.choice(_MARK_NOTES), officer[0],
                                       at))
                if row["status"] == "open":
                    row["status"], row["status_changed_at"] = "evaluating", at
                row["updated_at"] = at
                self.event(at, authority.id, "call_off.quality_marked", "CallOff", row["id"],
                           actor=officer, after={"offer_id": offer["id"], "mark": mark})
                at = at + timedelta(minutes=rng.randrange(5, 90))
        declined = set()
        for attempt in range(2):
            ranked = self._ranked(row, live, marks, declined)
            if not ranked:
                return
            choice, rank, justification = ranked[0], 1, None
            if row["route"] == "direct_award":
                rank = None
            elif len(ranked) > 1 and rng.random() < 0.08:
                choice, rank = ranked[1], 2
                justification = rng.choice(_JUSTIFICATIONS)
            requested = _seconds(at + timedelta(hours=rng.uniform(1, 48)))
            if requested > self.now:
                return
            needs_approval = (authority.delegation_limit is not None
                              and choice["total_value_pence"] > authority.delegation_limit)
            award_id = w.new_id("award")
            award = dict(id=award_id, status="awaiting_approval", rank=rank,
                         justification=justification, requested_at=requested,
                         approved_by_id=None, approved_at=None, approval_note=None,
                         made_at=None, standstill_rule=None, standstill_ends_at=None,
                         responded_at=None, responded_by_id=None, decline_reason=None)
            self.event(requested, authority.id, "call_off.award_requested", "Award", award_id,
                       actor=officer, after={
                           "call_off_id": row["id"], "offer_id": choice["id"], "rank": rank,
                           "justification": justification,
                           "annual_cost_pence": choice["annual_cost_pence"],
                           "needs_approval": needs_approval})
            made_at, maker = requested, officer
            if needs_approval:
                row["status"], row["status_changed_at"] = "evaluating", requested
                made_at = _seconds(requested + timedelta(hours=rng.uniform(2, 72)))
                if made_at > self.now:
                    self._write_award(row, authority, officer, choice, award)
                    return
                maker = authority.managers[0]
                award.update(approved_by_id=maker[0], approved_at=made_at,
                             approval_note="Within the high-needs budget for the year.")
                self.event(made_at, authority.id, "call_off.award_approved", "Award",
                           award_id, actor=maker, after={"note": award["approval_note"]})
            ends = standstill.standstill_end(self.standstill_rule, made_at)
            award.update(status="awarded", made_at=made_at,
                         standstill_rule=self.standstill_rule.value, standstill_ends_at=ends)
            row.update(status="awarded", status_changed_at=made_at, updated_at=made_at)
            self.event(made_at, authority.id, "call_off.awarded", "Award", award_id,
                       actor=maker, after={
                           "call_off_id": row["id"], "provider_id": choice["provider"].id,
                           "standstill_rule": self.standstill_rule.value,
                           "standstill_ends_at": ends.isoformat()})
            responded = _seconds(max(ends, made_at) + timedelta(hours=rng.uniform(4, 160)))
            if responded > self.now:
                self._write_award(row, authority, officer, choice, award)
                return
            user = choice["user"]
            if attempt == 0 and rng.random() < 0.04:
                award.update(status="declined", responded_at=responded,
                             responded_by_id=user[0],
                             decline_reason="The place has been filled since our offer.")
                row.update(status="evaluating", status_changed_at=responded,
                           updated_at=responded)
                self.event(responded, choice["provider"].id, "call_off.award_declined",
                           "Award", award_id, actor=user,
                           after={"reason": award["decline_reason"]})
                self._write_award(row, authority, officer, choice, award)
                declined.add(choice["id"])
                at = responded
                continue
            award.update(status="accepted", responded_at=responded, responded_by_id=user[0])
            row.update(status="placed", status_changed_at=responded, updated_at=responded)
            self.event(responded, choice["provider"].id, "call_off.award_accepted", "Award",
                       award_id, actor=user, after={"call_off_id": row["id"]})
            self._write_award(row, authority, officer, choice, award)
            self._placement_from(row, authority, choice, award, responded)
            return

    def _ranked(self, row, live, marks, declined):
        """The evaluation's ranking (calloffs.services.evaluation): price score = lowest annual
        cost ÷ this one × price weight; quality = mark ÷ 100 × quality weight; ties by lower
        cost, then earlier submission. A direct award has one offer and no ranking."""
        rankable = [o for o in live if o["id"] not in declined]
        if row["route"] == "direct_award":
            return rankable[:1]
        lowest = min((o["annual_cost_pence"] for o in rankable if o["annual_cost_pence"] > 0),
                     default=None)
        if not lowest:
            return []
        scored = []
        for offer in rankable:
            total = (Fraction(marks[offer["id"]], 100) * row["quality_weight"]
                     + Fraction(lowest, offer["annual_cost_pence"]) * row["price_weight"])
            scored.append((-total, offer["annual_cost_pence"], offer["submitted_at"], offer))
        scored.sort(key=lambda s: s[:3])
        return [s[3] for s in scored]

    def _write_award(self, row, authority, officer, offer, award):
        self.writer.add("award", (
            award["id"], authority.id, row["id"], offer["id"], offer["provider"].id,
            award["status"], award["rank"], award["justification"], offer["annual_cost_pence"],
            offer["total_value_pence"], officer[0], award["requested_at"], award["approved_by_id"], award["approved_at"],
            award["approval_note"], award["made_at"], award["standstill_rule"],
            award["standstill_ends_at"], award["responded_at"], award["responded_by_id"],
            award["decline_reason"]))

    def _close(self, row, authority, officer, status, at):
        before = "open" if row["status"] == "open" and at < row["response_deadline"] else (
            "closed" if row["status"] == "open" else row["status"])
        reason = self.rng.choice(_CLOSE_REASONS[status])
        row.update(status=status, status_reason=reason, status_changed_at=at, updated_at=at)
        self.event(at, authority.id, f"call_off.{status}", "CallOff", row["id"], actor=officer,
                   before={"status": before}, after={"status": status, "reason": reason})

    # ------------------------------------------------------------ placements

    def _placement_from(self, row, authority, offer, award, agreed_at):
        # As calloffs.services._agreed: from the requested start, or later if the place
        # is only available later (the offer's available-from date, set as below).
        start = max(row["start_date"], _london_date(offer["submitted_at"]))
        end = start + timedelta(weeks=row["length_weeks"])
        reference = f"PL-{authority.ons_code}-{row['reference'].removeprefix('CO-')}"
        self._placement(authority, offer["provider"], reference, row["id"], award["id"],
                        row["lot_id"], False, row, start, end, offer["core"],
                        offer["annual_cost_pence"], agreed_at)
        self.event(agreed_at, authority.id, "placement.created", "Placement",
                   self._last_placement, after={
                       "call_off_id": row["id"], "provider_id": offer["provider"].id,
                       "reference": reference,
                       "annual_cost_pence": offer["annual_cost_pence"]})

    def _placement(self, authority, provider, reference, call_off_id, award_id, lot_id,
                   off_framework, child, start, end, fees, annual, agreed_at):
        rng = self.rng
        status, ended_on, end_reason = "planned", None, None
        early = rng.random() < 0.12
        if early:
            ended_on = start + timedelta(days=rng.randrange(56, max(57, (end - start).days)))
        elif end <= self.today:
            ended_on = end
        if ended_on is not None and ended_on <= self.today:
            status = "ended"
            end_reason = "completed" if not early else shape.weighted(
                rng, [r for r in shape.END_REASONS if r[0] != "completed"])
        else:
            ended_on = None
        placement_id = self.writer.new_id("placement")
        self._last_placement = placement_id
        core, support, therapies, other, other_description, weekly = fees
        self.writer.add("placement", (
            placement_id, authority.id, reference, call_off_id, award_id, provider.id, lot_id,
            off_framework, child["case_reference"], child["birth_year"], child["gender"],
            child["primary_need"], child["secondary_needs"], child["postcode_district"],
            child["placement_type"], start, end, child.get("specification_version_ids", []),
            None, None, None, core, support, therapies, other, other_description, weekly,
            annual, self.values(child["placement_type"], weekly, start, end, ended_on)[1], status,
            ended_on, end_reason, agreed_at, agreed_at))
        self.placed += 1

    def _off_framework(self, authority, moment, index):
        """A placement made outside the system (spot-purchased, or before the authority
        joined), recorded so the authority's spend is whole. A few providers take most."""
        rng = self.rng
        agreed_at = _seconds(_office_time(rng, _london_date(moment)))
        if agreed_at > self.now:
            agreed_at = _seconds(moment)
        providers, weights = self.zipf
        for _ in range(8):
            provider = rng.choices(providers, cum_weights=weights)[0]
            if provider.types and provider.created_at and provider.created_at <= agreed_at:
                break
        else:
            return
        kind = provider.types[0]
        start = _london_date(agreed_at) + timedelta(weeks=rng.randrange(2, 10))
        end = start + timedelta(weeks=shape.weighted(rng, [(38, 45), (76, 30), (114, 15),
                                                           (152, 10)]))
        core = max(500, int(provider.fees[kind] * rng.uniform(0.9, 1.1)) // 500 * 500)
        support = rng.randrange(30, 121) * 500 if rng.random() < 0.35 else 0
        weekly = core + support
        annual, _ = self.values(kind, weekly, start, end)
        authority.off_framework += 1
        reference = f"PL-{authority.ons_code}-OF{authority.off_framework:06d}"
        child = {"case_reference": f"{authority.ons_code[-4:]}-OF{index:07d}",
                 "birth_year": start.year - rng.randrange(6, 18),
                 "gender": "male" if rng.random() < 0.74 else "female",
                 "primary_need": min(provider.needs, default="OTH"), "secondary_needs": [],
                 "postcode_district": f"{rng.choice(authority.postcode_areas)}"
                                      f"{rng.randrange(1, 30)}",
                 "placement_type": kind}
        self._placement(authority, provider, reference, None, None, None, True, child, start,
                        end, (core, support, 0, 0, None, weekly), annual, agreed_at)
        self.event(agreed_at, authority.id, "placement.created", "Placement",
                   self._last_placement, actor=rng.choice(authority.officers), after={
                       "call_off_id": None, "provider_id": provider.id, "reference": reference,
                       "off_framework": True, "annual_cost_pence": annual})


# ---------------------------------------------------------------- conversions

def _aware(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value):
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value)


def _json(value):
    import json
    return json.loads(value) if value else []


def _slug(name):
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-").replace(
        "--", "-")[:40]


# ---------------------------------------------------------------- words

_FIRST_NAMES = ["Aisha", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla",
                "Jack", "Kiran", "Leah", "Mo", "Nia", "Oscar", "Priya", "Quinn", "Rosa", "Sam",
                "Tariq", "Uma", "Vik", "Wren", "Yusuf", "Zara"]
_LAST_NAMES = ["Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes",
               "Iqbal", "Jones", "Khan", "Lewis", "Morris", "Nolan", "Owen", "Patel", "Reid",
               "Singh", "Taylor", "Walsh", "Young"]
_PLACES = ["Alder", "Birch", "Cedar", "Elm", "Hazel", "Holly", "Larch", "Maple", "Oak", "Rowan",
           "Willow", "Ash", "Beech", "Brook", "Fern", "Heather", "Meadow", "River", "Stone",
           "Thorn", "Wood", "Hill", "Vale", "Glen", "Moor"]
_PLACE_ENDINGS = ["bank", "brook", "croft", "dene", "field", "gate", "hurst", "lea", "mead",
                  "mount", "side", "view", "wood", "combe", "holme"]
_SCHOOL_KINDS = ["House School", "Hall School", "Specialist College", "Learning Centre",
                 "Independent School", "Park School", "Grange School", "Lodge School"]
_STREETS = ["Station Road", "Church Lane", "Mill Lane", "Park Road", "High Street",
            "School Lane", "Green Lane", "Manor Road"]
_EHCP_SUMMARIES = [
    "Needs a small, structured class with a consistent key adult, and weekly speech and "
    "language therapy (EHC plan section F).",
    "Needs a low-arousal environment with a sensory diet and occupational therapy input "
    "(EHC plan sections F and G).",
    "Needs a therapeutic setting with trauma-informed staff and access to a clinical "
    "psychologist (EHC plan section F).",
    "Needs a waking-day curriculum with a consistent team across school and residence "
    "(EHC plan sections F and H).",
]
_REQUIREMENTS = [
    "Home-to-school transport is arranged by the authority. The school reports progress "
    "against the EHC plan outcomes each term.",
    "The placement starts with a phased transition over two weeks, agreed with the family.",
    "Termly review meetings with the family and the authority's SEN caseworker.",
]
_QUESTIONS = [
    ("Is the start date fixed, or could the placement start after the half term?",
     "The start date can move by up to four weeks; say in your offer when a place is "
     "available."),
    ("Does the authority arrange transport, or should it be included in the fee?",
     "The authority arranges transport; do not include it."),
    ("Is an overnight respite element expected during the holidays?",
     "No: the placement is for term time only."),
]
_DECLINES = ["We have no place for a child of this age in the coming year.",
             "The child's needs are outside our registration.",
             "Our class for this need is full until next September."]
_STATEMENTS = [
    "A place in a class of eight with a key adult, and an on-site speech and language "
    "therapist two days a week.",
    "A place in our autism-specialist base, with occupational therapy weekly and a sensory "
    "room.",
    "A therapeutic day place with a clinical team on site and a consistent key worker.",
]
_MARK_NOTES = ["Meets the outcomes in section F; visited the class.",
               "Strong therapy offer; transition plan is thin.",
               "Good fit for the child's needs; the family liked the visit."]
_JUSTIFICATIONS = ["Parental preference after a visit to both schools.",
                   "Closer to home: a shorter journey the child can manage."]
_CLOSE_REASONS = {
    "cancelled": ["The child's needs are now met in a maintained school.",
                  "The family moved out of the area.",
                  "The EHC plan was amended and names a different type of school."],
    "no_suitable_offer": ["No offer could meet the child's needs.",
                          "The offers made were above the available budget and did not "
                          "meet section F."],
}
