"""Cost-sharing pages (issue 14 §1–§5): the host's administrator sets the MoU terms and a year's
costs and income, makes, previews, approves and recalculates runs and reads each member's
workings; a member's managers read their own statements with the region totals."""
import re

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovRadioInput, GovSelect,
                                                GovSubmitInput, GovTextInput)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField

import tenants

from ..errors import ValidationFailed
from ..formatting import london_date
from ..money import display_pounds, parse_pounds
from ..placements import engine
from ..web.forms import GovDateField, show_errors
from . import downloads, services
from .models import CostCategory

bp = Blueprint("cost_sharing", __name__, url_prefix="/cost-sharing")

MEASURE_CHOICES = [(tenants.PLACEMENT_DAYS, "Placement days in the year"),
                   (tenants.PLACEMENT_SPEND, "Placement spend in the year"),
                   (tenants.CALLOFFS, "Call-offs published in the year"),
                   (tenants.POPULATION, "Population (the figures you enter)")]
BLEND = "blend"
YES_NO = [("yes", "Yes"), ("no", "No")]
COST_ROWS, INCOME_ROWS = 8, 4


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    return {"pounds": display_pounds, "percent": _percent_text,
            "measure_label": dict(MEASURE_CHOICES).get,
            "year_label": engine.year_label}


def _percent_text(bp_value):
    if bp_value is None:
        return ""
    whole, part = divmod(bp_value, 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")


def _this_year():
    return engine.year_label(engine.financial_year(london_date()))


# ---------------------------------------------------------------- the terms

def _form(cls, data, blank):
    """The form from the request's data, or (``blank``) from ``data`` alone."""
    return cls(formdata=None, data=data) if blank else cls()


def terms_form(authorities, data=None, blank=False):
    """The MoU terms form, with a cap for each authority (``cap-<id>``)."""

    class TermsForm(FlaskForm):
        effective_from = GovDateField("Date the terms take effect",
                                      error_label="date the terms take effect")
        fixed_percent = StringField("Fixed part (percentage of the net cost)",
                                    widget=GovTextInput(),
                                    description="Shared equally, pro rata to the days of "
                                                "membership in the year. For example, 30")
        usage_measure = RadioField("How the rest is shared", widget=GovRadioInput(),
                                   choices=[*MEASURE_CHOICES, (BLEND, "A blend of measures")],
                                   validate_choice=False)
        include_off_framework = RadioField("Count off-framework placements as usage?",
                                           widget=GovRadioInput(), choices=YES_NO,
                                           validate_choice=False)
        host_pays_share = RadioField("Does the host pay a share?", widget=GovRadioInput(),
                                     choices=YES_NO, validate_choice=False)
        participants = SelectMultipleField(
            "Authorities that take part", widget=GovCheckboxesInput(), coerce=int,
            choices=[(a.id, a.name) for a in authorities if not a.is_host],
            validate_choice=False,
            description="Every member takes part unless you untick it.")
        damping_percent = StringField(
            "Damping (most a contribution may rise over the last approved year, %)",
            widget=GovTextInput(), description="Leave blank for no damping")
        tolerance_points = StringField(
            "Tolerance for true-ups (percentage points)", widget=GovTextInput(),
            description="A member whose usage share moves by less than this keeps its budget "
                        "figure. For example, 3")
        submit = SubmitField("Save the terms", widget=GovSubmitInput())

    for measure, label in MEASURE_CHOICES:
        setattr(TermsForm, f"weight-{measure}", StringField(
            f"Weight of {label.lower()} (%)", widget=GovTextInput()))
    for authority in authorities:
        setattr(TermsForm, f"cap-{authority.id}", StringField(
            f"Cap for {authority.name} (£)", widget=GovTextInput()))
    return _form(TermsForm, data, blank)


def _terms_data(terms, authorities):
    if terms is None:
        return {"usage_measure": tenants.PLACEMENT_DAYS, "include_off_framework": "yes",
                "host_pays_share": "no", "tolerance_points": "0",
                "participants": [a.id for a in authorities if not a.is_host]}
    data = {"effective_from": terms.effective_from,
            "fixed_percent": _percent_text(terms.fixed_percent_bp),
            "usage_measure": terms.usage_measure or BLEND,
            "include_off_framework": "yes" if terms.include_off_framework else "no",
            "host_pays_share": "yes" if terms.host_pays_share else "no",
            "participants": terms.participants if terms.participants is not None
            else [a.id for a in authorities if not a.is_host],
            "damping_percent": _percent_text(terms.damping_percent_bp),
            "tolerance_points": _percent_text(terms.tolerance_bp)}
    for measure, weight in (terms.usage_weights or {}).items():
        data[f"weight-{measure}"] = _percent_text(weight)
    for authority_id, pence in (terms.caps or {}).items():
        data[f"cap-{authority_id}"] = f"{pence / 100:.2f}"
    return data


def _terms_input(form, authorities):
    """The form as the service's TermsInput; ValidationFailed naming each field it cannot
    read."""
    errors = {}

    def percent(name, optional=False):
        try:
            return services.parse_percent_bp(form[name].data, name, optional=optional)
        except ValidationFailed as error:
            errors.update(error.errors)

    fixed = percent("fixed_percent")
    damping = percent("damping_percent", optional=True)
    tolerance = percent("tolerance_points", optional=True)
    measure = form.usage_measure.data
    weights = None
    if measure == BLEND:
        weights = {}
        for key, _ in MEASURE_CHOICES:
            if (form[f"weight-{key}"].data or "").strip():
                value = percent(f"weight-{key}")
                if value:
                    weights[key] = value
        measure = None
    elif not measure:
        measure = None
    caps = {}
    for authority in authorities:
        text = (form[f"cap-{authority.id}"].data or "").strip()
        if text:
            try:
                caps[authority.id] = parse_pounds(text)
            except ValueError:
                errors[f"cap-{authority.id}"] = (f"Enter {authority.name}'s cap in pounds, "
                                                 f"like 25000")
    members = [a.id for a in authorities if not a.is_host]
    chosen = sorted(form.participants.data or [])
    if errors:
        raise ValidationFailed(errors)
    return services.TermsInput(
        effective_from=form.effective_from.data, fixed_percent_bp=fixed,
        usage_measure=measure, usage_weights_bp=weights,
        host_pays_share=form.host_pays_share.data == "yes",
        participants=None if chosen == members else chosen, caps=caps,
        damping_percent_bp=damping, tolerance_bp=tolerance or 0,
        include_off_framework=form.include_off_framework.data != "no")


def _terms_fields(authorities):
    """Where the service's messages go on the form."""
    first_cap = f"cap-{authorities[0].id}" if authorities else "fixed_percent"
    return {"usage_weights": f"weight-{tenants.PLACEMENT_DAYS}", "caps": first_cap,
            "participants": "participants"}


@bp.route("", methods=["GET", "POST"])
def terms():
    page = services.terms_page(current_user)
    if request.method == "POST":
        form = terms_form(page.authorities)
        if form.validate_on_submit():
            try:
                saved = services.set_terms(current_user, _terms_input(form, page.authorities))
            except ValidationFailed as error:
                show_errors(form, error, _terms_fields(page.authorities))
            else:
                flash(f"The MoU terms in force from "
                      f"{saved.effective_from.day} {saved.effective_from:%B %Y} are saved.",
                      "success")
                return redirect(url_for(".terms"))
        status = 422
    else:
        form = terms_form(page.authorities, data=_terms_data(page.terms, page.authorities),
                          blank=True)
        status = 200
    return render_template("costsharing/terms.html", page=page, form=form,
                           measures=MEASURE_CHOICES, this_year=_this_year()), status


# ---------------------------------------------------------------- a year's costs

def costs_form(data=None, blank=False):
    """The year's costs (``lines-<i>-…``) and income (``income-<i>-…``) as rows, named as the
    service names them, so its messages land on their fields."""

    class CostsForm(FlaskForm):
        submit = SubmitField("Save costs and income", widget=GovSubmitInput())

    categories = [("", "Choose a category"), *((c.value, c.label) for c in CostCategory)]
    for i in range(COST_ROWS):
        n = i + 1
        setattr(CostsForm, f"lines-{i}-category", SelectField(
            f"Category of cost {n}", widget=GovSelect(), choices=categories,
            validate_choice=False))
        setattr(CostsForm, f"lines-{i}-amount", StringField(
            f"Amount of cost {n} (£)", widget=GovTextInput()))
        setattr(CostsForm, f"lines-{i}-note", StringField(
            f"Note on cost {n}", widget=GovTextInput()))
        setattr(CostsForm, f"lines-{i}-evidence", StringField(
            f"Evidence for cost {n}", widget=GovTextInput(),
            description="For example, the ledger code or the invoice reference"))
    for i in range(INCOME_ROWS):
        n = i + 1
        setattr(CostsForm, f"income-{i}-source", StringField(
            f"Source of income {n}", widget=GovTextInput()))
        setattr(CostsForm, f"income-{i}-amount", StringField(
            f"Amount of income {n} (£)", widget=GovTextInput()))
        setattr(CostsForm, f"income-{i}-note", StringField(
            f"Note on income {n}", widget=GovTextInput()))
    return _form(CostsForm, data, blank)


def _costs_data(year_costs):
    data = {}
    for i, line in enumerate(year_costs.lines[:COST_ROWS]):
        data.update({f"lines-{i}-category": line.category.value,
                     f"lines-{i}-amount": f"{line.amount_pence / 100:.2f}",
                     f"lines-{i}-note": line.note, f"lines-{i}-evidence": line.evidence})
    for i, line in enumerate(year_costs.income[:INCOME_ROWS]):
        data.update({f"income-{i}-source": line.source,
                     f"income-{i}-amount": f"{line.amount_pence / 100:.2f}",
                     f"income-{i}-note": line.note})
    return data


def _rows(form, prefix, count, names):
    """The filled rows (blank ones left out) and each one's row number on the form."""
    rows, places = [], []
    for i in range(count):
        values = {name: (form[f"{prefix}-{i}-{name}"].data or "").strip() for name in names}
        if any(values.values()):
            rows.append(values)
            places.append(i)
    return rows, places


def _amounts(rows, places, prefix, errors):
    for row, place in zip(rows, places):
        try:
            row["amount"] = parse_pounds(row["amount"])
        except ValueError:
            errors[f"{prefix}-{place}-amount"] = "Enter the amount in pounds, like 12500.00"


_SERVICE_ROW = re.compile(r"(lines|income)\.(\d+)\.(\w+)")


@bp.route("/<financial_year>/costs", methods=["GET", "POST"])
def costs(financial_year):
    year_costs = services.year_costs(current_user, financial_year)
    status = 200
    if request.method == "POST":
        form = costs_form()
        if form.validate_on_submit():
            lines, line_places = _rows(form, "lines", COST_ROWS,
                                       ("category", "amount", "note", "evidence"))
            income, income_places = _rows(form, "income", INCOME_ROWS,
                                          ("source", "amount", "note"))
            errors = {}
            _amounts(lines, line_places, "lines", errors)
            _amounts(income, income_places, "income", errors)
            try:
                if errors:
                    raise ValidationFailed(errors)
                saved = services.set_costs(current_user, financial_year, lines, income)
            except ValidationFailed as error:
                places = {"lines": line_places, "income": income_places}
                named = {}
                for name, message in error.errors.items():
                    if match := _SERVICE_ROW.fullmatch(name):
                        kind, index, field = match.groups()
                        name = f"{kind}-{places[kind][int(index)]}-{field}"
                    elif name == "income":
                        name = "income-0-note"
                    named[name] = message
                show_errors(form, ValidationFailed(named))
            else:
                flash(f"Costs and income for {saved.label} saved: a net cost of "
                      f"{display_pounds(saved.net_cost_pence)}.", "success")
                return redirect(url_for(".costs", financial_year=saved.label))
        status = 422
    else:
        form = costs_form(data=_costs_data(year_costs), blank=True)
    return render_template("costsharing/costs.html", year_costs=year_costs, form=form,
                           cost_rows=COST_ROWS, income_rows=INCOME_ROWS), status


# ---------------------------------------------------------------- population

def population_form(lines, blank=False):
    """A population field per authority (``population-<id>``)."""

    class PopulationForm(FlaskForm):
        submit = SubmitField("Save population figures", widget=GovSubmitInput())

    for line in lines:
        setattr(PopulationForm, f"population-{line.authority_id}", StringField(
            f"{line.name}", widget=GovTextInput()))
    data = {f"population-{line.authority_id}": "" if line.population is None
            else str(line.population) for line in lines}
    return _form(PopulationForm, data, blank)


@bp.route("/<financial_year>/population", methods=["GET", "POST"])
def population(financial_year):
    lines = services.population_figures(current_user, financial_year)
    status = 200
    if request.method == "POST":
        form = population_form(lines)
        if form.validate_on_submit():
            figures, errors = {}, {}
            for line in lines:
                text = (form[f"population-{line.authority_id}"].data or "").strip()
                text = text.replace(",", "")
                if not text:
                    figures[line.authority_id] = None
                elif text.isdigit():
                    figures[line.authority_id] = int(text)
                else:
                    errors[f"population-{line.authority_id}"] = (
                        f"Enter {line.name}'s population as a whole number, like 285000")
            try:
                if errors:
                    raise ValidationFailed(errors)
                services.set_population(current_user, financial_year, figures)
            except ValidationFailed as error:
                show_errors(form, ValidationFailed({
                    name.replace("population.", "population-"): message
                    for name, message in error.errors.items()}))
            else:
                flash("Population figures saved.", "success")
                return redirect(url_for(".population", financial_year=financial_year))
        status = 422
    else:
        form = population_form(lines, blank=True)
    return render_template("costsharing/population.html", lines=lines, form=form,
                           financial_year=financial_year), status


# ---------------------------------------------------------------- runs

class RunForm(FlaskForm):
    kind = RadioField("Kind of run", widget=GovRadioInput(), validate_choice=False,
                      choices=[("budget", "Budget (at the start of the year)"),
                               ("outturn", "Outturn (after it, with true-ups)")])
    submit = SubmitField("Make a draft run", widget=GovSubmitInput())


class PreviewForm(FlaskForm):
    kind = RadioField("Kind of run", widget=GovRadioInput(), validate_choice=False,
                      choices=[("budget", "Budget"), ("outturn", "Outturn")])
    fixed_percent = StringField("Fixed part (%)", widget=GovTextInput(),
                                description="Leave blank to keep the terms in force")
    usage_measure = RadioField("Share the rest by", widget=GovRadioInput(),
                               choices=[("", "The terms in force"), *MEASURE_CHOICES],
                               validate_choice=False)
    submit = SubmitField("Preview", widget=GovSubmitInput())


def _runs_page(financial_year, run_form=None, preview_form=None, preview=None, status=200):
    runs = services.list_runs(current_user, financial_year)
    return render_template(
        "costsharing/runs.html", runs=runs, financial_year=financial_year,
        run_form=run_form or RunForm(formdata=None, data={"kind": "budget"}),
        preview_form=preview_form or PreviewForm(formdata=None, data={"kind": "budget"}),
        preview=preview), status


@bp.get("/<financial_year>/runs")
def runs(financial_year):
    return _runs_page(financial_year)


@bp.post("/<financial_year>/runs")
def create_run(financial_year):
    form = RunForm()
    if form.validate_on_submit():
        try:
            made = services.create_run(current_user, financial_year, form.kind.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash("Draft run made. Check each member's workings, then approve it.", "success")
            return redirect(url_for(".run", run_id=made.id))
    return _runs_page(financial_year, run_form=form, status=422)


@bp.post("/<financial_year>/preview")
def preview_run(financial_year):
    form = PreviewForm()
    preview, status = None, 422
    if form.validate_on_submit():
        try:
            terms = {}
            if (form.fixed_percent.data or "").strip():
                terms["fixed_percent_bp"] = services.parse_percent_bp(
                    form.fixed_percent.data, "fixed_percent")
            if form.usage_measure.data:
                terms["usage_measure"] = form.usage_measure.data
            preview = services.create_run(current_user, financial_year, form.kind.data,
                                          preview=True, terms=terms)
            status = 200
        except ValidationFailed as error:
            show_errors(form, error, {"usage_weights": "usage_measure"})
    return _runs_page(financial_year, preview_form=form, preview=preview, status=status)


class ApproveForm(FlaskForm):
    submit = SubmitField("Approve this run", widget=GovSubmitInput())


class RecalculateForm(FlaskForm):
    submit = SubmitField("Recalculate from today's figures", widget=GovSubmitInput())


class RaiseInvoicesForm(FlaskForm):
    submit = SubmitField("Raise the members' invoices", widget=GovSubmitInput())


class PaymentForm(FlaskForm):
    paid_on = GovDateField("Date paid", error_label="date paid")
    payment_reference = StringField("Payment reference", widget=GovTextInput(),
                                    description="For example, the remittance advice number")
    submit = SubmitField("Record the payment", widget=GovSubmitInput())


@bp.get("/runs/<id:run_id>")
def run(run_id):
    return render_template("costsharing/run.html", run=services.get_run(current_user, run_id),
                           approve_form=ApproveForm(), recalculate_form=RecalculateForm(),
                           invoices_form=RaiseInvoicesForm())


@bp.post("/runs/<id:run_id>/invoices")
def raise_invoices(run_id):
    form = RaiseInvoicesForm()
    if form.validate_on_submit():
        made = services.raise_invoices(current_user, run_id)
        flash(f"{len(made)} invoices raised.", "success")
    return redirect(url_for(".run", run_id=run_id))


@bp.route("/invoices/<id:invoice_id>/payment", methods=["GET", "POST"])
def record_payment(invoice_id):
    status = 200
    if request.method == "POST":
        form = PaymentForm()
        if form.validate_on_submit():
            try:
                paid = services.record_payment(current_user, invoice_id, form.paid_on.data,
                                               form.payment_reference.data)
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash(f"Invoice {paid.reference} recorded as paid.", "success")
                return redirect(url_for(".run", run_id=paid.run_id))
        status = 422
        invoice = services.get_invoice(current_user, invoice_id)
    else:
        invoice = services.get_invoice(current_user, invoice_id)
        form = PaymentForm(formdata=None)
    return render_template("costsharing/payment.html", invoice=invoice, form=form), status


@bp.get("/invoices")
def invoices():
    return render_template("costsharing/invoices.html",
                           invoices=services.my_invoices(current_user))


@bp.post("/runs/<id:run_id>/approve")
def approve_run(run_id):
    form = ApproveForm()
    if form.validate_on_submit():
        approved = services.approve_run(current_user, run_id)
        flash(f"Run approved: it is frozen, and each member's managers can read their "
              f"statement of {approved.label}.", "success")
    return redirect(url_for(".run", run_id=run_id))


@bp.post("/runs/<id:run_id>/recalculate")
def recalculate_run(run_id):
    form = RecalculateForm()
    if form.validate_on_submit():
        made = services.recalculate_run(current_user, run_id)
        flash("Recalculated as a new draft run: it supersedes the approved one once you "
              "approve it.", "success")
        return redirect(url_for(".run", run_id=made.id))
    return redirect(url_for(".run", run_id=run_id))


# ---------------------------------------------------------------- statements

@bp.get("/statements")
def statements():
    return render_template("costsharing/statements.html",
                           lines=services.my_statements(current_user))


@bp.get("/runs/<id:run_id>/statements/<id:authority_id>")
def statement(run_id, authority_id):
    return render_template("costsharing/statement.html",
                           statement=services.statement(current_user, run_id, authority_id))


def _download(run_id, authority_id, render, extension, mimetype):
    found = services.statement(current_user, run_id, authority_id)
    return Response(render(found), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{downloads.filename(found, extension)}"'})


@bp.get("/runs/<id:run_id>/statements/<id:authority_id>.pdf")
def statement_pdf(run_id, authority_id):
    return _download(run_id, authority_id, downloads.statement_pdf, "pdf", downloads.PDF)


@bp.get("/runs/<id:run_id>/statements/<id:authority_id>.xlsx")
def statement_xlsx(run_id, authority_id):
    return _download(run_id, authority_id, downloads.statement_xlsx, "xlsx", downloads.XLSX)
