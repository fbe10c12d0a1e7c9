"""Term dates pages (issue 12 §5): a provider's term dates per academic year, with the region's
default beside them, and the host's default term dates; each year changed through a form of
rows (a term's name, first and last day) or a CSV file."""
import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField

import tenants

from ..accounts.permissions import is_provider
from ..errors import ValidationFailed
from ..formatting import london_date
from ..web.forms import GovDateField, show_errors
from . import calendars, engine

bp = Blueprint("term_calendars", __name__, url_prefix="/term-dates")

BLANK_ROWS = 8  # rows a year's form offers at least
MORE_ROWS = 4  # rows "Add more rows" adds


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"year_label": engine.year_label, "school_days": calendars.school_days,
            "term_days": lambda term: engine.weekdays_between(term.starts_on, term.ends_on)}


# ---------------------------------------------------------------- forms

def terms_form(rows, data=None):
    """A form of ``rows`` term rows, each a name and two GOV.UK date inputs, named as the
    service names them (``terms-2-ends_on``), so its messages land on their fields."""

    class TermsForm(FlaskForm):
        submit = SubmitField("Save term dates", widget=GovSubmitInput())
        add_rows = SubmitField("Add more rows", widget=GovSubmitInput())

    for index in range(rows):
        number = index + 1
        setattr(TermsForm, f"terms-{index}-name", StringField(
            f"Name of term {number}", widget=GovTextInput()))
        setattr(TermsForm, f"terms-{index}-starts_on", GovDateField(
            f"First day of term {number}", error_label=f"first day of term {number}"))
        setattr(TermsForm, f"terms-{index}-ends_on", GovDateField(
            f"Last day of term {number}", error_label=f"last day of term {number}"))
    return TermsForm(data=data)


class UploadForm(FlaskForm):
    file = FileField("Upload a CSV file", widget=GovFileInput(),
                     validators=[FileRequired("Select a CSV file")])
    submit = SubmitField("Upload term dates", widget=GovSubmitInput())


_ROW = re.compile(r"terms-(\d+)-(?:name|starts_on|ends_on)")


def _posted_rows():
    indices = [int(m.group(1)) for key in request.form if (m := _ROW.fullmatch(key))]
    return min(max(indices, default=-1) + 1, calendars.MAX_TERMS)


def _form_data(calendar):
    data = {}
    for index, term in enumerate(calendar.terms if calendar is not None else []):
        data.update({f"terms-{index}-name": term.name, f"terms-{index}-starts_on": term.starts_on,
                     f"terms-{index}-ends_on": term.ends_on})
    return data


def _rows_of(form, rows):
    return [{"name": form[f"terms-{i}-name"].data, "starts_on": form[f"terms-{i}-starts_on"].data,
             "ends_on": form[f"terms-{i}-ends_on"].data} for i in range(rows)]


# ---------------------------------------------------------------- what each page is about

def _subject(provider_id):
    """The calendar's owner for the page: the provider or the host (the default)."""
    return calendars.owner_of(current_user, provider_id)


def _years(*calendar_lists):
    """The academic years a list page shows: those with term dates saved, and this year and
    the next two, so they can be added."""
    this_year = engine.academic_year(london_date(tenants.utcnow()))
    years = {this_year, this_year + 1, this_year + 2}
    for found in calendar_lists:
        years.update(c.academic_year for c in found)
    return sorted(years)


def _links(provider_id):
    if provider_id is None:
        return {"list": url_for(".default_calendars"),
                "year": lambda label: url_for(".default_year", academic_year=label),
                "edit": lambda label: url_for(".edit_default", academic_year=label),
                "upload": lambda label: url_for(".upload_default", academic_year=label)}
    return {"list": url_for(".provider_calendars", provider_id=provider_id),
            "year": lambda label: url_for(".provider_year", provider_id=provider_id,
                                          academic_year=label),
            "edit": lambda label: url_for(".edit_provider", provider_id=provider_id,
                                          academic_year=label),
            "upload": lambda label: url_for(".upload_provider", provider_id=provider_id,
                                            academic_year=label)}


def _list(provider_id):
    owner = _subject(provider_id)
    own = calendars.list_calendars(current_user, provider_id)
    default = own if provider_id is None else calendars.list_calendars(current_user)
    return render_template(
        "placements/calendars/calendars.html", owner=owner, provider_id=provider_id,
        own={c.academic_year: c for c in own},
        default={c.academic_year: c for c in default}, years=_years(own, default),
        links=_links(provider_id), can_save=calendars.can_save(current_user, provider_id))


def _year(provider_id, label):
    year = calendars.parse_academic_year(label)
    owner = _subject(provider_id)
    calendar = calendars.get_calendar(current_user, year, provider_id)
    default = (calendar if provider_id is None
               else calendars.get_calendar(current_user, year))
    return render_template(
        "placements/calendars/year.html", owner=owner, provider_id=provider_id, year=year,
        calendar=calendar, default=default, links=_links(provider_id),
        can_save=calendars.can_save(current_user, provider_id))


def _saved(saved, provider_id):
    flash(f"Term dates for {engine.year_label(saved.calendar.academic_year)} saved: "
          f"{saved.school_days} school days.", "success")
    return redirect(_links(provider_id)["year"](engine.year_label(saved.calendar.academic_year)))


def _edit(provider_id, label):
    year = calendars.parse_academic_year(label)
    owner = calendars.require_can_save(current_user, provider_id)
    calendar = calendars.get_calendar(current_user, year, provider_id)
    if request.method == "POST":
        rows = _posted_rows()
        if "add_rows" in request.form:
            rows = min(max(rows, BLANK_ROWS) + MORE_ROWS, calendars.MAX_TERMS)
        rows = max(rows, 1)
        form = terms_form(rows)
        if "add_rows" not in request.form and form.validate_on_submit():
            try:
                saved = calendars.save_calendar(current_user, year, _rows_of(form, rows),
                                                provider_id)
            except ValidationFailed as error:
                show_errors(form, error, {"terms": "terms-0-name",
                                          "academic_year": "terms-0-name"})
            else:
                return _saved(saved, provider_id)
    else:
        count = len(calendar.terms) if calendar is not None else 0
        rows = min(max(BLANK_ROWS, count + 2), calendars.MAX_TERMS)
        form = terms_form(rows, _form_data(calendar))
    return render_template("placements/calendars/edit.html", owner=owner,
                           provider_id=provider_id, year=year, form=form, rows=rows,
                           links=_links(provider_id),
                           can_add=rows < calendars.MAX_TERMS)


def _upload(provider_id, label):
    year = calendars.parse_academic_year(label)
    owner = calendars.require_can_save(current_user, provider_id)
    form = UploadForm()
    if form.validate_on_submit():
        try:
            terms = calendars.parse_terms_csv(
                form.file.data.stream.read(calendars.CSV_MAX_BYTES + 1))
            saved = calendars.save_calendar(current_user, year, terms, provider_id)
        except ValidationFailed as error:
            form.file.errors = [*form.file.errors, *_file_messages(error)]
        else:
            return _saved(saved, provider_id)
    return render_template("placements/calendars/upload.html", owner=owner,
                           provider_id=provider_id, year=year, form=form,
                           links=_links(provider_id), columns=calendars.CSV_COLUMNS)


_TERM_KEY = re.compile(r"terms-(\d+)-\w+")


def _file_messages(error):
    """The messages of a file's rows, each naming its line in the file: the parser names its
    lines; the service's term N is the file's line N + 1 (after the header)."""
    messages = []
    for key, message in error.errors.items():
        if match := _TERM_KEY.fullmatch(key):
            messages.append(f"Line {int(match.group(1)) + 2}: {message}")
        else:
            messages.append(message)
    return messages


# ---------------------------------------------------------------- routes

@bp.get("/")
def calendars_home():
    """The navigation's "Term dates": a provider's own, else the default."""
    if is_provider(current_user):
        return redirect(url_for(".provider_calendars", provider_id=current_user.organisation_id))
    return redirect(url_for(".default_calendars"))


@bp.get("/default")
def default_calendars():
    return _list(None)


@bp.get("/default/<academic_year>")
def default_year(academic_year):
    return _year(None, academic_year)


@bp.route("/default/<academic_year>/edit", methods=["GET", "POST"])
def edit_default(academic_year):
    return _edit(None, academic_year)


@bp.route("/default/<academic_year>/upload", methods=["GET", "POST"])
def upload_default(academic_year):
    return _upload(None, academic_year)


@bp.get("/providers/<id:provider_id>")
def provider_calendars(provider_id):
    return _list(provider_id)


@bp.get("/providers/<id:provider_id>/<academic_year>")
def provider_year(provider_id, academic_year):
    return _year(provider_id, academic_year)


@bp.route("/providers/<id:provider_id>/<academic_year>/edit", methods=["GET", "POST"])
def edit_provider(provider_id, academic_year):
    return _edit(provider_id, academic_year)


@bp.route("/providers/<id:provider_id>/<academic_year>/upload", methods=["GET", "POST"])
def upload_provider(provider_id, academic_year):
    return _upload(provider_id, academic_year)
