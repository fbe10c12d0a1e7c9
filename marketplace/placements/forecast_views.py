"""Forecast pages for an authority's placement officers and managers (issue 12 §10): the year
picker, the totals and splits, the CSV and XLSX downloads, and the manager's assumed rate."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField

from ..accounts.permissions import is_manager
from ..errors import ValidationFailed
from ..formatting import london_date
from ..money import display_pounds
from ..web.forms import show_errors
from . import engine, forecasts

bp = Blueprint("forecasts", __name__)

YEARS_BACK, YEARS_AHEAD = 2, 3  # the picker's choice of years around this one


class AssumedRateForm(FlaskForm):
    assumed_index_rate = StringField(
        "Assumed yearly rate for index-linked uplifts", widget=GovTextInput(),
        description="Used where the index value an uplift follows is not yet published. "
                    "A percentage from -20 to 50, for example 2.5")
    submit = SubmitField("Save rate", widget=GovSubmitInput())


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds, "percent": forecasts.percent_text}


def _year_arguments():
    """The year asked for: ``financial_year`` or ``academic_year`` (as the API takes them), or
    the picker's ``year_type`` and ``year``; the current financial year when none is given."""
    args = request.args
    if args.get("year_type") or args.get("year"):
        kind = args.get("year_type") or forecasts.FINANCIAL
        if kind not in (forecasts.FINANCIAL, forecasts.ACADEMIC):
            kind = forecasts.FINANCIAL
        return {f"{kind}_year": args.get("year", "")}
    given = {name: args[name] for name in ("financial_year", "academic_year") if args.get(name)}
    return given or {"financial_year": forecasts.current_financial_year()}


def _year_choices():
    this = engine.financial_year(london_date())
    return [engine.year_label(year) for year in range(this - YEARS_BACK, this + YEARS_AHEAD + 1)]


def _page(form=None, status=200):
    arguments = _year_arguments()
    result, errors = None, {}
    try:
        result = forecasts.forecast(current_user, **arguments)
    except ValidationFailed as error:
        errors, status = error.errors, 422
    if form is None:
        form = AssumedRateForm()
        rate, _ = forecasts.assumed_rate(current_user)
        form.assumed_index_rate.data = forecasts.percent_text(rate)
    kind, label = next(iter(arguments.items()))
    return render_template(
        "placements/forecasts/forecast.html", forecast=result, errors=errors, form=form,
        year_kind=kind.removesuffix("_year"), year_label=label, years=_year_choices(),
        may_set_rate=is_manager(current_user), arguments=arguments), status


@bp.get("/forecasts")
def forecast():
    return _page()


@bp.post("/forecasts/assumed-index-rate")
def set_assumed_rate():
    form = AssumedRateForm()
    if form.validate_on_submit():
        try:
            forecasts.set_assumed_rate(current_user, form.assumed_index_rate.data or "")
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Assumed rate saved: forecasts project index-linked uplifts at "
                  f"{forecasts.percent_text(forecasts.assumed_rate(current_user)[0])}% "
                  "where the index is not yet known.", "success")
            return redirect(url_for("forecasts.forecast", **_year_arguments()))
    return _page(form, 422)


def _download(render, extension, mimetype):
    result = forecasts.forecast(current_user, **_year_arguments())
    name = f"forecast-{result.kind}-year-{result.label}.{extension}"
    return Response(render(result), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/forecasts.csv")
def forecast_csv():
    return _download(forecasts.csv_bytes, "csv", "text/csv")


@bp.get("/forecasts.xlsx")
def forecast_xlsx():
    return _download(forecasts.xlsx_bytes, "xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
