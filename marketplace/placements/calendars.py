"""Term calendars: a provider's (its school's) term dates per academic year and the region's
default calendar, kept by the host (issue 12 §5; DESIGN §3, cost engine).

Who may do what:
- Anyone signed in reads the default calendar, and a provider's calendar where they may see the
  provider (another provider is told it does not exist, as for its profile).
- A provider's own users save their provider's calendar; the host authority's administrators
  save the default. Nobody else changes either.

The cost engine counts a term-time placement's school days (the weekdays inside its terms) on
the provider's calendar for the academic year, else the default, else estimates them from the
chargeable school days, a system setting. :func:`calendars_for` hands it those calendars.
"""
import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import tenants

from .. import audit
from ..accounts.permissions import is_host_admin, is_provider
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..formatting import govuk_date
from ..purchasing.services import get_system
from . import engine
from .models import TermCalendar, TermCalendarTerm

MAX_TERMS = 20
NAME_LENGTH = 60
# The years a calendar may be kept for: wide enough for any placement, narrow enough that a typo
# ("2206-07") is caught rather than stored.
FIRST_YEAR, LAST_YEAR = 2000, 2099
CSV_MAX_BYTES = 64 * 1024
CSV_COLUMNS = ("term", "starts_on", "ends_on")
DEFAULT = "default"
PROVIDER = "provider"


@dataclass(frozen=True)
class Saved:
    """A calendar as saved, with its school days (the weekdays inside its terms)."""

    calendar: TermCalendar
    school_days: int


# ---------------------------------------------------------------- years

def parse_academic_year(label):
    """An academic year from its label ("2026-27" → 2026), NotFound saying why for anything
    else, or a year outside those the service keeps calendars for."""
    try:
        year = engine.parse_year_label(label)
    except ValueError as error:
        raise NotFound(str(error)) from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(f"term dates are kept for the academic years "
                       f"{engine.year_label(FIRST_YEAR)} to {engine.year_label(LAST_YEAR)}")
    return year


def school_days(calendar):
    """The weekdays inside a stored calendar's terms (issue 12 §6: a term-time placement's
    school days)."""
    return sum(engine.weekdays_between(term.starts_on, term.ends_on) for term in calendar.terms)


# ---------------------------------------------------------------- reading

def _host():
    return db.session.scalars(select(tenants.Authority).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).first()


def owner_of(actor, provider_id=None):
    """The organisation whose calendar it is: the provider (NotFound where the actor may not
    see it), or the host for the default (NotFound before there is a host)."""
    if provider_id is None:
        host = _host()
        if host is None:
            raise NotFound("the host authority")
        return host
    from ..providers.services import get_provider

    return get_provider(actor, provider_id)


def _find(owner_id, academic_year, *, for_update=False):
    statement = select(TermCalendar).where(TermCalendar.organisation_id == owner_id,
                                           TermCalendar.academic_year == academic_year)
    if for_update:
        statement = statement.with_for_update()
    return db.session.scalars(statement).one_or_none()


def get_calendar(actor, academic_year, provider_id=None):
    """The provider's calendar for the academic year (the region's default when ``provider_id``
    is None), or None when none has been saved. Anyone signed in reads the default; a provider's
    calendar is read by those who may see the provider (issue 12 §5)."""
    return _find(owner_of(actor, provider_id).id, academic_year)


def list_calendars(actor, provider_id=None):
    """The provider's calendars (or the default's), earliest academic year first."""
    owner = owner_of(actor, provider_id)
    return db.session.scalars(select(TermCalendar).where(
        TermCalendar.organisation_id == owner.id).order_by(TermCalendar.academic_year)).all()


def can_save(actor, provider_id=None):
    """Whether pages should offer the actor changes to this calendar."""
    if provider_id is None:
        return is_host_admin(actor)
    return is_provider(actor) and actor.organisation_id == provider_id


# ---------------------------------------------------------------- saving

def _as_date(value):
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value).strip()
    if not text:
        return None
    return date.fromisoformat(text)


def _blank(row):
    return not any(str(row.get(key) or "").strip() for key in ("name", "starts_on", "ends_on"))


def clean_terms(academic_year, terms):
    """The terms of one academic year, checked: each row's name and dates given, its last day on
    or after its first, inside the academic year (1 September to 31 August), the terms in date
    order without overlapping. Blank rows are left out. Every message names its row, under a key
    like ``terms-2-ends_on`` (the third row's last day). Returns [(name, first, last), ...];
    ValidationFailed otherwise (issue 12 §5 and its list of bad input)."""
    first_day, last_day = engine.academic_year_range(academic_year)
    label = engine.year_label(academic_year)
    errors, cleaned = {}, []
    rows = list(terms or [])
    if len(rows) > MAX_TERMS:
        raise ValidationFailed({"terms": f"Enter at most {MAX_TERMS} terms"})
    previous = None  # (number, first, last) of the last good row
    for index, row in enumerate(rows):
        row = row or {}
        if _blank(row):
            continue
        number, key = index + 1, f"terms-{index}"
        name = str(row.get("name") or "").strip()
        if not name:
            errors[f"{key}-name"] = f"Enter the name of term {number}"
        elif len(name) > NAME_LENGTH:
            errors[f"{key}-name"] = (f"The name of term {number} must be {NAME_LENGTH} "
                                     "characters or fewer")
        dates = {}
        for field, what in (("starts_on", "first day"), ("ends_on", "last day")):
            try:
                dates[field] = _as_date(row.get(field))
            except ValueError:
                errors[f"{key}-{field}"] = f"The {what} of term {number} must be a real date"
                continue
            if dates[field] is None:
                errors[f"{key}-{field}"] = f"Enter the {what} of term {number}"
            elif not first_day <= dates[field] <= last_day:
                errors[f"{key}-{field}"] = (
                    f"The {what} of term {number} must be within the academic year {label} "
                    f"({govuk_date(first_day)} to {govuk_date(last_day)})")
        starts_on, ends_on = dates.get("starts_on"), dates.get("ends_on")
        if f"{key}-starts_on" in errors or f"{key}-ends_on" in errors:
            continue
        if ends_on < starts_on:
            errors[f"{key}-ends_on"] = (f"The last day of term {number} must be the same as or "
                                        "after its first day")
            continue
        if previous is not None:
            earlier, earlier_start, earlier_end = previous
            if starts_on < earlier_start:
                errors[f"{key}-starts_on"] = (
                    f"Term {number} starts before term {earlier}: put the terms in date order")
            elif starts_on <= earlier_end:
                errors[f"{key}-starts_on"] = (
                    f"Term {number} overlaps term {earlier}: its first day must be after "
                    f"{govuk_date(earlier_end)}, the last day of term {earlier}")
        previous = (number, starts_on, ends_on)
        cleaned.append((name, starts_on, ends_on))
    if not errors and not cleaned:
        errors["terms"] = "Enter at least one term"
    if not errors:
        # The engine's own check, so a calendar saved here is always one it accepts.
        problems = engine.validate_terms(academic_year, [(a, b) for _, a, b in cleaned])
        if problems:
            errors["terms"] = " ".join(problems)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _describe(calendar):
    if calendar is None:
        return None
    return {"academic_year": engine.year_label(calendar.academic_year),
            "terms": [{"name": t.name, "starts_on": t.starts_on.isoformat(),
                       "ends_on": t.ends_on.isoformat()} for t in calendar.terms],
            "school_days": school_days(calendar)}


def require_can_save(actor, provider_id=None):
    """The calendar's owner, for a change: a provider's own users change its calendar, the
    host's administrators the default (PermissionDenied for others who may read it, NotFound
    for those who may not)."""
    owner = owner_of(actor, provider_id)
    if not can_save(actor, provider_id):
        raise PermissionDenied("only the provider's own users change its term dates"
                               if provider_id is not None else
                               "only the host authority's administrators change the default "
                               "term dates")
    return owner


def save_calendar(actor, academic_year, terms, provider_id=None):
    """Replace the academic year's terms of the provider's calendar (the region's default when
    ``provider_id`` is None), creating the calendar the first time. ``terms`` is a list of
    ``{name, starts_on, ends_on}`` (dates, or ISO text); checked by :func:`clean_terms`.
    A provider's own users save its calendar; the host's administrators save the default;
    audited with the terms before and after; commits (issue 12 §5)."""
    owner = require_can_save(actor, provider_id)
    if not FIRST_YEAR <= academic_year <= LAST_YEAR:
        raise ValidationFailed({"academic_year": "Enter an academic year from "
                                f"{engine.year_label(FIRST_YEAR)} to "
                                f"{engine.year_label(LAST_YEAR)}"})
    cleaned = clean_terms(academic_year, terms)
    calendar = _find(owner.id, academic_year, for_update=True)
    before = _describe(calendar)
    if calendar is None:
        calendar = TermCalendar(organisation_id=owner.id, academic_year=academic_year)
        db.session.add(calendar)
    calendar.terms = [TermCalendarTerm(organisation_id=owner.id, name=name, starts_on=first,
                                       ends_on=last) for name, first, last in cleaned]
    calendar.updated_at = tenants.utcnow()
    calendar.updated_by_id = actor.id
    try:
        db.session.flush()
    except IntegrityError:  # another's first save of the year, at the same moment
        db.session.rollback()
        raise Conflict(f"the term dates for {engine.year_label(academic_year)} were saved by "
                       "someone else at the same moment: try again") from None
    after = _describe(calendar)
    audit.record("term_calendar.saved", calendar, actor=actor, before=before, after={
        **after, "owner": DEFAULT if provider_id is None else PROVIDER})
    db.session.commit()
    return Saved(calendar, after["school_days"])


# ---------------------------------------------------------------- CSV

_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _csv_date(text):
    text = text.strip()
    if match := _UK_DATE.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text)
    raise ValueError(text)


def parse_terms_csv(data):
    """Terms from a CSV file for :func:`save_calendar`: a header row ``term,starts_on,ends_on``
    (in any order, any case), then a row per term with dates written 2026-09-03 or 03/09/2026;
    blank lines are skipped. At most 64 KB and :data:`MAX_TERMS` terms. Every bad row gets its
    own message naming it by its line in the file (the header is line 1), under a key
    ``row-<line>``; ValidationFailed (issue 12 §5: CSV upload as well as a form)."""
    if not data:
        raise ValidationFailed({"file": "The selected file is empty"})
    if len(data) > CSV_MAX_BYTES:
        raise ValidationFailed({"file": f"The selected file must be smaller than "
                                        f"{CSV_MAX_BYTES // 1024} KB"})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "The selected file must be a CSV file saved as UTF-8 "
                                        "text"}) from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValidationFailed({"file": f"The selected file is not a CSV file ({error})"}) \
            from None
    numbered = [(number, row) for number, row in enumerate(lines, 1)
                if any(cell.strip() for cell in row)]
    if not numbered:
        raise ValidationFailed({"file": "The selected file is empty"})
    header_line, header = numbered[0]
    columns = [cell.strip().lower() for cell in header]
    missing = [name for name in CSV_COLUMNS if name not in columns]
    if missing:
        raise ValidationFailed({"file": "The first row of the file must name the columns "
                                        f"{', '.join(CSV_COLUMNS)} (it lacks "
                                        f"{', '.join(missing)})"})
    where = {name: columns.index(name) for name in CSV_COLUMNS}
    rows = numbered[1:]
    if not rows:
        raise ValidationFailed({"file": "The selected file has no terms under its header row"})
    if len(rows) > MAX_TERMS:
        raise ValidationFailed({"file": f"The selected file must have at most {MAX_TERMS} "
                                        "terms"})
    errors, terms = {}, []
    for number, row in rows:
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in where.items()}
        problems, term = [], {"name": cells["term"]}
        if not cells["term"]:
            problems.append("enter the term's name")
        elif len(cells["term"]) > NAME_LENGTH:
            problems.append(f"the term's name must be {NAME_LENGTH} characters or fewer")
        for field, what in (("starts_on", "first day"), ("ends_on", "last day")):
            if not cells[field]:
                problems.append(f"enter the {what} ({field})")
                continue
            try:
                term[field] = _csv_date(cells[field])
            except ValueError:
                problems.append(f'the {what} ({field}) "{cells[field]}" must be a real date '
                                "written like 2026-09-03 or 03/09/2026")
        if problems:
            errors[f"row-{number}"] = f"Line {number}: {'; '.join(problems)}"
        else:
            terms.append(term)
    if errors:
        raise ValidationFailed(errors)
    return terms


def terms_csv(calendar):
    """A calendar's terms as a CSV file :func:`parse_terms_csv` reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for term in (calendar.terms if calendar is not None else []):
        writer.writerow((term.name, term.starts_on.isoformat(), term.ends_on.isoformat()))
    return out.getvalue()


# ---------------------------------------------------------------- for the cost engine

def calendars_for(provider_ids):
    """For each provider id (and None, for a placement with no provider calendar to use), the
    engine's :class:`~engine.Calendars`: the provider's own calendars by academic year, the
    region's default ones, and the chargeable school days from the purchasing system (190 before
    it is set up). Three SQL statements however many providers (issue 12 §5 and §10: forecasts
    over thousands of placements)."""
    provider_ids = sorted({int(i) for i in provider_ids if i is not None})
    host_id = db.session.scalars(select(tenants.Authority.id).where(
        tenants.Authority.role == tenants.AuthorityRole.HOST)).first()
    owners = [*provider_ids, *([host_id] if host_id is not None else [])]
    rows = db.session.execute(
        select(TermCalendar.organisation_id, TermCalendar.academic_year,
               TermCalendarTerm.starts_on, TermCalendarTerm.ends_on)
        .join(TermCalendarTerm, TermCalendarTerm.calendar_id == TermCalendar.id)
        .where(TermCalendar.organisation_id.in_(owners))
        .order_by(TermCalendar.organisation_id, TermCalendar.academic_year,
                  TermCalendarTerm.starts_on)).all() if owners else []
    system = get_system()
    chargeable = (system.chargeable_school_days if system is not None
                  and system.chargeable_school_days else engine.DEFAULT_CHARGEABLE_DAYS)
    terms = {}
    for owner_id, year, starts_on, ends_on in rows:
        terms.setdefault(owner_id, {}).setdefault(year, []).append((starts_on, ends_on))

    def built(owner_id, source):
        return {year: engine.TermCalendar(year, tuple(pairs), source)
                for year, pairs in terms.get(owner_id, {}).items()}

    default = built(host_id, DEFAULT) if host_id is not None else {}
    found = {None: engine.Calendars(provider={}, default=default, chargeable_days=chargeable)}
    for provider_id in provider_ids:
        found[provider_id] = engine.Calendars(provider=built(provider_id, PROVIDER),
                                              default=default, chargeable_days=chargeable)
    return found


# ---------------------------------------------------------------- the demo region's default

# A realistic England calendar: six half-terms a year with the October and February half-terms,
# Christmas, Easter (Good Friday 3 April 2026, 26 March 2027, 14 April 2028) and the late May
# half-term between them; pupils' days only (INSET days, at the start of the year and of some
# half-terms, are left out), 190 weekdays in term each year.
ENGLAND_TERMS = {
    2025: [("Autumn 1", date(2025, 9, 3), date(2025, 10, 24)),
           ("Autumn 2", date(2025, 11, 4), date(2025, 12, 19)),
           ("Spring 1", date(2026, 1, 6), date(2026, 2, 13)),
           ("Spring 2", date(2026, 2, 23), date(2026, 3, 27)),
           ("Summer 1", date(2026, 4, 13), date(2026, 5, 22)),
           ("Summer 2", date(2026, 6, 2), date(2026, 7, 17))],
    2026: [("Autumn 1", date(2026, 9, 3), date(2026, 10, 23)),
           ("Autumn 2", date(2026, 11, 3), date(2026, 12, 18)),
           ("Spring 1", date(2027, 1, 5), date(2027, 2, 12)),
           ("Spring 2", date(2027, 2, 22), date(2027, 3, 25)),
           ("Summer 1", date(2027, 4, 12), date(2027, 5, 28)),
           ("Summer 2", date(2027, 6, 8), date(2027, 7, 20))],
    2027: [("Autumn 1", date(2027, 9, 2), date(2027, 10, 22)),
           ("Autumn 2", date(2027, 11, 2), date(2027, 12, 17)),
           ("Spring 1", date(2028, 1, 5), date(2028, 2, 11)),
           ("Spring 2", date(2028, 2, 21), date(2028, 4, 7)),
           ("Summer 1", date(2028, 4, 24), date(2028, 5, 26)),
           ("Summer 2", date(2028, 6, 6), date(2028, 7, 18))],
}


def seed_default_calendars(years=(2025, 2026, 2027)):
    """The demo region's default calendars for ``years`` (from :data:`ENGLAND_TERMS`), saved as
    the host's first administrator would; a year that already has one is left alone."""
    from ..accounts.models import Role, User

    host = _host()
    with tenants.scoped_to(host):
        admin = db.session.scalars(select(User).where(User.role == Role.HOST_ADMIN)
                                   .order_by(User.id)).first()
        for year in years:
            if _find(host.id, year) is None:
                save_calendar(admin, year, [
                    {"name": name, "starts_on": first, "ends_on": last}
                    for name, first, last in ENGLAND_TERMS[year]])
