"""Who and what the bench measures, chosen by SQL from whatever data is in the database.

No id or name is hard-coded: each target is "the X with the most Y" (the heaviest page) and,
for the SQL-statement check, "the X with the fewest (at least one) Y" (a light page of the
same kind), so the instrumented run can show the count does not grow with the data.
"""
from dataclasses import dataclass

import psycopg


def libpq_url(url):
    """postgresql+psycopg://... (SQLAlchemy) -> postgresql://... (libpq)."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix):]
    return url


@dataclass(frozen=True)
class User:
    email: str
    role: str
    organisation_id: int
    organisation: str

    def __str__(self):
        return f"{self.email} ({self.organisation})"


def _user(cur, organisation_id, role):
    cur.execute(
        """SELECT c.email, u.role, o.id, o.name FROM user_account u
           JOIN credential c ON c.user_id = u.id JOIN organisation o ON o.id = u.organisation_id
           WHERE u.organisation_id = %s AND u.role = %s AND u.status = 'active'
             AND c.password_hash IS NOT NULL
           ORDER BY u.id LIMIT 1""", (organisation_id, role))
    row = cur.fetchone()
    return User(*row) if row else None


def _ranked(cur, sql, params=()):
    cur.execute(sql, params)
    return [r[0] for r in cur.fetchall()]


def _first_with_user(cur, organisation_ids, role):
    for organisation_id in organisation_ids:
        user = _user(cur, organisation_id, role)
        if user:
            return user
    return None


@dataclass
class Targets:
    officer: User               # member authority with the most call-offs
    manager: User               # an authority manager (same authority if it has one)
    provider: User              # provider with the most invitations
    evaluation_call_off: int    # past its deadline, most offers
    evaluation_offers: int
    evaluation_officer: User
    placements_authority: User  # authority with the most placements (an officer)
    placements_provider: User   # provider with the most placements
    host_admin: User
    # Light counterparts for the SQL-statement check (None when the data has no second one).
    light: dict

    def users(self):
        seen = {}
        for u in (self.officer, self.manager, self.provider, self.evaluation_officer,
                  self.placements_authority, self.placements_provider, self.host_admin,
                  *[v for v in self.light.values() if isinstance(v, User)]):
            if u is not None:
                seen[u.email] = u
        return list(seen.values())


MEMBER_CALL_OFFS = """
    SELECT co.organisation_id FROM call_off co JOIN authority a ON a.id = co.organisation_id
    WHERE a.role = 'member' GROUP BY co.organisation_id
    ORDER BY count(*) {order}, co.organisation_id"""
PROVIDER_INVITATIONS = """
    SELECT provider_id FROM call_off_invitation GROUP BY provider_id
    ORDER BY count(*) {order}, provider_id"""
EVALUATION = """
    SELECT co.id, count(o.id), co.organisation_id
    FROM call_off co JOIN offer o ON o.call_off_id = co.id
    WHERE co.response_deadline < now() AND co.status IN ('open', 'evaluating', 'awarded', 'placed')
    GROUP BY co.id ORDER BY count(o.id) {order}, co.id LIMIT 20"""
AUTHORITY_PLACEMENTS = """
    SELECT organisation_id FROM placement GROUP BY organisation_id
    ORDER BY count(*) {order}, organisation_id"""
PROVIDER_PLACEMENTS = """
    SELECT provider_id FROM placement GROUP BY provider_id ORDER BY count(*) {order}, provider_id"""


def choose(database_url):
    with psycopg.connect(libpq_url(database_url)) as conn, conn.cursor() as cur:
        def best(sql, role, order="DESC"):
            return _first_with_user(cur, _ranked(cur, sql.format(order=order)), role)

        officer = best(MEMBER_CALL_OFFS, "placement_officer")
        manager = (_user(cur, officer.organisation_id, "authority_manager") if officer else None) \
            or best(MEMBER_CALL_OFFS, "authority_manager")
        provider = best(PROVIDER_INVITATIONS, "provider_user")

        def evaluation(order):
            cur.execute(EVALUATION.format(order=order))
            for call_off_id, offers, authority_id in cur.fetchall():
                user = _user(cur, authority_id, "placement_officer")
                if user:
                    return call_off_id, offers, user
            return None, 0, None

        call_off_id, offers, evaluation_officer = evaluation("DESC")
        placements_authority = best(AUTHORITY_PLACEMENTS, "placement_officer")
        placements_provider = best(PROVIDER_PLACEMENTS, "provider_user")
        cur.execute("SELECT id FROM authority WHERE role = 'host' ORDER BY id")
        host_admin = _first_with_user(cur, [r[0] for r in cur.fetchall()], "host_admin")

        light_call_off, light_offers, light_evaluation_officer = evaluation("ASC")
        light = {
            "officer": best(MEMBER_CALL_OFFS, "placement_officer", "ASC"),
            "manager": best(MEMBER_CALL_OFFS, "authority_manager", "ASC"),
            "provider": best(PROVIDER_INVITATIONS, "provider_user", "ASC"),
            "evaluation_call_off": light_call_off,
            "evaluation_offers": light_offers,
            "evaluation_officer": light_evaluation_officer,
            "placements_authority": best(AUTHORITY_PLACEMENTS, "placement_officer", "ASC"),
            "placements_provider": best(PROVIDER_PLACEMENTS, "provider_user", "ASC"),
        }
    missing = [name for name, value in (("officer", officer), ("provider", provider),
                                        ("host administrator", host_admin),
                                        ("evaluation call-off", call_off_id)) if value is None]
    if missing:
        raise SystemExit(f"bench: the database has no {', '.join(missing)}: "
                         "run `flask demo seed` (or `flask demo national`) first")
    return Targets(officer, manager, provider, call_off_id, offers, evaluation_officer,
                   placements_authority, placements_provider, host_admin, light)


SIZE_TABLES = ("authority", "provider", "user_account", "call_off", "call_off_invitation",
               "offer", "placement", "vacancy", "audit_event")


NATIONAL_MARKER = "demo.national_generated"  # marketplace/national/build.py: MARKER_ACTION


@dataclass(frozen=True)
class Scale:
    """What data a database holds, from the marker the generators leave in the audit log."""
    value: float = None   # the national generator's --scale, None for other data
    seed: int = None
    marker: str = None    # the newest demo.* audit event otherwise (e.g. "demo.seeded")
    database: str = ""

    @property
    def short(self):
        """For column headings: "scale 1.0", or the database's name when no scale is recorded."""
        return f"scale {self.value}" if self.value is not None else self.database

    def __str__(self):
        if self.value is not None:
            return f"scale {self.value} (flask demo national, seed {self.seed})"
        if self.marker == "demo.seeded":
            return "the demo region (flask demo seed), no national scale recorded"
        return f"no scale recorded (newest marker: {self.marker or 'none'})"


def _scale(cur, database):
    cur.execute("SELECT after FROM audit_event WHERE action = %s ORDER BY id DESC LIMIT 1",
                (NATIONAL_MARKER,))
    row = cur.fetchone()
    if row and isinstance(row[0], dict) and row[0].get("scale") is not None:
        return Scale(value=float(row[0]["scale"]), seed=row[0].get("seed"),
                     marker=NATIONAL_MARKER, database=database)
    cur.execute("SELECT action FROM audit_event WHERE action LIKE 'demo.%%' "
                "ORDER BY id DESC LIMIT 1")
    row = cur.fetchone()
    return Scale(marker=row[0] if row else None, database=database)


def data_size(database_url):
    """Row counts of the tables that make the scale, the generator's scale, the server's
    version and the schema's migration (alembic) revision."""
    with psycopg.connect(libpq_url(database_url)) as conn, conn.cursor() as cur:
        counts = {}
        for table in SIZE_TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed names)
            counts[table] = cur.fetchone()[0]
        scale = _scale(cur, conn.info.dbname)
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        cur.execute("SELECT version_num FROM alembic_version")
        revision = ",".join(sorted(r[0] for r in cur.fetchall()))
    return counts, scale, version, revision
