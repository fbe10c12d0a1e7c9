"""Pages for a placement's fees over time (issue 12 §3, §4): its fee history with a form to
record a change, its uplift rule, the region's default rule and the index series the host
keeps. The forms carry what was typed to ``fees``, whose messages name the fields (the form's
fields have the API's names)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

import tenants

from ..accounts.permissions import is_provider, require_host_admin, require_provider
from ..errors import ValidationFailed
from ..formatting import london_date
from ..money import format_pounds, parse_pounds
from ..uplift_rules import UpliftKind
from ..web.forms import GovDateField, show_errors
from . import fees
from . import models  # noqa: F401  (the tables exist for every app)
from .models import FeeChangeReason

bp = Blueprint("placement_fees", __name__)

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


@bp.before_request
@login_required
def _require_sign_in():
    pass


@bp.context_processor
def _helpers():
    from ..money import display_pounds

    return {"pounds": display_pounds, "percent": fees.display_percent,
            "describe_rule": fees.describe_rule, "month_name": lambda m: MONTHS[m - 1]}


def _today():
    return london_date(tenants.utcnow())


# ---------------------------------------------------------------- forms

class FeeChangeForm(FlaskForm):
    effective_from = GovDateField("Date the new fees take effect",
                                  error_label="date the new fees take effect",
                                  description="For example, 1 4 2027")
    core_weekly_fee = StringField("Core weekly fee", widget=GovTextInput())
    support_weekly_fee = StringField("Additional 1:1 support", widget=GovTextInput())
    therapies_weekly_fee = StringField("Therapies", widget=GovTextInput())
    other_weekly_fee = StringField("Other", widget=GovTextInput())
    reason = RadioField("Reason for the change", widget=GovRadioInput(), validate_choice=False,
                        choices=[SelectChoice(r.value, r.label) for r in FeeChangeReason])
    agreed_by = StringField("Who agreed it (optional)", widget=GovTextInput(),
                            description="For example, the provider's finance director")
    note = TextAreaField("Note (optional)", widget=GovTextArea())
    submit = SubmitField("Record the fee change", widget=GovSubmitInput())


class UpliftRuleForm(FlaskForm):
    kind = RadioField("How the fees go up", widget=GovRadioInput(), validate_choice=False,
                      choices=[SelectChoice(k.value, k.label) for k in UpliftKind])
    percent = StringField("Fixed percentage (for a fixed uplift)", widget=GovTextInput(),
                          description="For example, 2.5")
    index = SelectField("Index (for an index-linked uplift)", widget=GovSelect(),
                        validate_choice=False)
    reference_month = SelectField("Reference month of the index", widget=GovSelect(),
                                  validate_choice=False,
                                  choices=[SelectChoice("", "Choose a month")] + [
                                      SelectChoice(str(i), name)
                                      for i, name in enumerate(MONTHS, start=1)])
    cap = StringField("Cap: at most this percentage (optional)", widget=GovTextInput())
    floor = StringField("Floor: at least this percentage (optional)", widget=GovTextInput())
    review_above = StringField("Review the fee when the index is above (optional)",
                               widget=GovTextInput())
    notice_months = StringField("Months' notice a provider's proposal needs",
                                widget=GovTextInput(), description="2 means by 31 January for "
                                                                   "1 April")
    submit = SubmitField("Save the uplift rule", widget=GovSubmitInput())


class IndexSeriesForm(FlaskForm):
    code = StringField("Code", widget=GovTextInput(), description="For example, CPI")
    name = StringField("Name", widget=GovTextInput())
    source = StringField("Source (optional)", widget=GovTextInput())
    submit = SubmitField("Add the index", widget=GovSubmitInput())


class IndexValueForm(FlaskForm):
    month = StringField("Month", widget=GovTextInput(), description="As YYYY-MM, for example "
                                                                     "2026-09")
    value = StringField("Value (percentage)", widget=GovTextInput(),
                        description="The annual rate, for example 3.8")
    submit = SubmitField("Save the value", widget=GovSubmitInput())


def _pence(form, name, into):
    """A pounds field's pence, or the field's own message (nothing typed: None, for the
    service to name)."""
    text = (getattr(form, name).data or "").strip()
    if not text:
        into[name] = None
        return
    try:
        into[name] = parse_pounds(text)
    except ValueError:
        into[name] = None
        getattr(form, name).errors = [
            f"Enter the {getattr(form, name).label.text.lower()} in pounds, for example 1250.00"]


def _percent(form, name, into):
    text = (getattr(form, name).data or "").strip()
    if not text:
        into[name] = None
        return
    try:
        into[name] = fees.parse_percent(text)
    except ValueError:
        into[name] = None
        getattr(form, name).errors = ["Enter a percentage with up to two decimal places, for "
                                      "example 2.5"]


# ---------------------------------------------------------------- fee history

@bp.get("/placements/<id:placement_id>/fees")
def fee_history(placement_id):
    history = fees.fee_history(current_user, placement_id, _today())
    return render_template("placements/fees/history.html", history=history,
                           placement=history.placement, today=_today())


@bp.route("/placements/<id:placement_id>/fees/change", methods=["GET", "POST"])
def record_fee_change(placement_id):
    fees.own_placement(current_user, placement_id)
    history = fees.fee_history(current_user, placement_id, _today())
    placement = history.placement
    current = history.current
    form = FeeChangeForm(data={
        "core_weekly_fee": format_pounds(current["core_weekly_pence"]),
        "support_weekly_fee": format_pounds(current["support_weekly_pence"]),
        "therapies_weekly_fee": format_pounds(current["therapies_weekly_pence"]),
        "other_weekly_fee": format_pounds(current["other_weekly_pence"])}
        if request.method == "GET" else None)
    if request.method == "POST":
        form.validate()
        typed = {}
        for name in fees.FEE_NAMES.values():
            _pence(form, name, typed)
        if not any(field.errors for field in form):
            try:
                fees.record_fee_change(
                    current_user, placement_id, form.effective_from.data,
                    typed["core_weekly_fee"], typed["support_weekly_fee"],
                    typed["therapies_weekly_fee"], typed["other_weekly_fee"],
                    form.reason.data, form.note.data, form.agreed_by.data)
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash("Fee change recorded.", "success")
                return redirect(url_for("placement_fees.fee_history", placement_id=placement_id))
    errors = any(field.errors for field in form)
    return render_template("placements/fees/change.html", form=form, placement=placement,
                           history=history), (422 if errors else 200)


# ---------------------------------------------------------------- uplift rules

def _index_choices(form):
    form.index.choices = [SelectChoice("", "Choose an index")] + [
        SelectChoice(s.code, f"{s.code}: {s.name}") for s in fees.list_index_series(current_user)]


def _rule_form_data(rule):
    return {"kind": rule.kind, "percent": fees.format_percent(rule.percent_bp) or "",
            "index": rule.index_code or "",
            "reference_month": str(rule.reference_month or ""),
            "cap": fees.format_percent(rule.cap_bp) or "",
            "floor": fees.format_percent(rule.floor_bp) or "",
            "review_above": fees.format_percent(rule.review_above_bp) or "",
            "notice_months": str(rule.notice_months)}


def _rule_from_form(form):
    """The typed rule for the service, or None where a field's own message is shown."""
    typed = {}
    for name in ("percent", "cap", "floor", "review_above"):
        _percent(form, name, typed)
    notice = (form.notice_months.data or "").strip()
    if notice and not notice.isdigit():
        form.notice_months.errors = ["Enter the notice as a whole number of months, for "
                                     "example 2"]
    if any(field.errors for field in form):
        return None
    month = form.reference_month.data
    return {"kind": form.kind.data, "percent_bp": typed["percent"],
            "index_code": form.index.data or None,
            "reference_month": int(month) if month and month.isdigit() else None,
            "cap_bp": typed["cap"], "floor_bp": typed["floor"],
            "review_above_bp": typed["review_above"],
            "notice_months": int(notice) if notice else None}



@bp.route("/placements/<id:placement_id>/uplift-rule", methods=["GET", "POST"])
def uplift_rule(placement_id):
    placement = fees.own_placement(current_user, placement_id)
    form = UpliftRuleForm(data=_rule_form_data(fees.rule_of(placement))
                          if request.method == "GET" else None)
    _index_choices(form)
    if request.method == "POST":
        form.validate()
        rule = _rule_from_form(form)
        if rule is not None:
            try:
                fees.set_uplift_rule(current_user, placement_id, **rule)
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash("Uplift rule saved.", "success")
                return redirect(url_for("placement_fees.fee_history", placement_id=placement_id))
    errors = any(field.errors for field in form)
    return render_template("placements/fees/uplift_rule.html", form=form, placement=placement,
                           default=None), (422 if errors else 200)


@bp.route("/uplift-rule", methods=["GET", "POST"])
def default_uplift_rule():
    require_host_admin(current_user)
    form = UpliftRuleForm(data=_rule_form_data(fees.default_rule())
                          if request.method == "GET" else None)
    form.submit.label.text = "Save the default rule"
    _index_choices(form)
    if request.method == "POST":
        form.validate()
        rule = _rule_from_form(form)
        if rule is not None:
            try:
                fees.set_default_uplift_rule(current_user, **rule)
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash("Default uplift rule saved.", "success")
                return redirect(url_for("placement_fees.default_uplift_rule"))
    errors = any(field.errors for field in form)
    return render_template("placements/fees/uplift_rule.html", form=form, placement=None,
                           default=fees.default_rule()), (422 if errors else 200)


# ---------------------------------------------------------------- index series

@bp.route("/index-series", methods=["GET", "POST"])
def index_series_list():
    form = IndexSeriesForm()
    if request.method == "POST" and form.validate():
        try:
            series = fees.create_index_series(current_user, form.code.data, form.name.data,
                                              form.source.data)
        except ValidationFailed as error:
            show_errors(form, error)
        else:
            flash(f"Index {series.code} added.", "success")
            return redirect(url_for("placement_fees.index_series", index_code=series.code))
    errors = any(field.errors for field in form)
    return render_template("placements/fees/index_series_list.html", form=form,
                           series=fees.list_index_series(current_user),
                           can_keep=fees.can_keep_index_series(current_user)), (
        422 if errors else 200)


@bp.route("/index-series/<index_code>", methods=["GET", "POST"])
def index_series(index_code):
    series = fees.get_index_series(current_user, index_code)
    form = IndexValueForm()
    if request.method == "POST" and form.validate():
        try:
            fees.set_index_values(current_user, series.code, [
                {"month": form.month.data, "value": form.value.data}])
        except ValidationFailed as error:
            show_errors(form, error, {"values.0.month": "month", "values.0.value": "value",
                                      "values": "month"})
        else:
            flash("Value saved.", "success")
            return redirect(url_for("placement_fees.index_series", index_code=series.code))
    errors = any(field.errors for field in form)
    values = sorted(series.values, key=lambda v: (v.year, v.month), reverse=True)
    return render_template("placements/fees/index_series.html", form=form, series=series,
                           values=values, can_keep=fees.can_keep_index_series(current_user)), (
        422 if errors else 200)


# ---------------------------------------------------------------- uplift proposals

class ProposalForm(FlaskForm):
    effective_from = GovDateField("Date the uplift would take effect",
                                  error_label="date the uplift would take effect",
                                  description="For example, 1 4 2027")
    percent = StringField("Percentage uplift", widget=GovTextInput(),
                          description="For example, 3.5. Or leave it empty and give the new "
                                      "weekly fees below.")
    core_weekly_fee = StringField("New core weekly fee", widget=GovTextInput())
    support_weekly_fee = StringField("New additional 1:1 support", widget=GovTextInput())
    therapies_weekly_fee = StringField("New therapies fee", widget=GovTextInput())
    other_weekly_fee = StringField("New other fee", widget=GovTextInput())
    reason = TextAreaField("Why you propose it", widget=GovTextArea())
    submit = SubmitField("Send the proposal", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", widget=GovRadioInput(), validate_choice=False,
                          choices=[SelectChoice("accept", "Accept"),
                                   SelectChoice("refuse", "Refuse"),
                                   SelectChoice("counter", "Counter with another percentage")])
    counter_percent = StringField("Percentage you offer instead (to counter)",
                                  widget=GovTextInput())
    reason = TextAreaField("Reason (needed to refuse or counter)", widget=GovTextArea())
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


@bp.route("/placements/<id:placement_id>/uplift-proposals", methods=["GET", "POST"])
def uplift_proposals(placement_id):
    placement, proposals = fees.proposals_of(current_user, placement_id)
    # A provider that can see the placement is its provider (the tenant scope decides).
    is_its_provider = is_provider(current_user)
    form = ProposalForm()
    if request.method == "POST":
        if not is_its_provider:
            require_provider(current_user)
        form.validate()
        typed = {}
        _percent(form, "percent", typed)
        for name in fees.FEE_NAMES.values():
            _pence(form, name, typed)
        if not any(field.errors for field in form):
            try:
                fees.propose_uplift(
                    current_user, placement_id, effective_from=form.effective_from.data,
                    reason=form.reason.data, percent_bp=typed["percent"],
                    core_weekly_pence=typed["core_weekly_fee"],
                    support_weekly_pence=typed["support_weekly_fee"],
                    therapies_weekly_pence=typed["therapies_weekly_fee"],
                    other_weekly_pence=typed["other_weekly_fee"])
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash("Proposal sent to the authority.", "success")
                return redirect(url_for("placement_fees.uplift_proposals",
                                        placement_id=placement_id))
    errors = any(field.errors for field in form)
    return render_template("placements/fees/proposals.html", form=form, placement=placement,
                           proposals=proposals, can_propose=is_its_provider,
                           deadline=fees.proposal_deadline), (422 if errors else 200)


@bp.route("/uplift-proposals/<id:proposal_id>", methods=["GET", "POST"])
def uplift_proposal(proposal_id):
    proposal = fees.get_proposal(current_user, proposal_id)
    can_decide = fees.may_decide(current_user, proposal)
    form = DecisionForm()
    if request.method == "POST":
        form.validate()
        typed = {}
        _percent(form, "counter_percent", typed)
        if not any(field.errors for field in form):
            try:
                fees.decide_proposal(current_user, proposal_id, form.decision.data,
                                     form.reason.data, typed["counter_percent"])
            except ValidationFailed as error:
                show_errors(form, error)
            else:
                flash("Decision recorded.", "success")
                return redirect(url_for("placement_fees.uplift_proposal",
                                        proposal_id=proposal_id))
    errors = any(field.errors for field in form)
    return render_template("placements/fees/proposal.html", form=form, proposal=proposal,
                           placement=proposal.placement, can_decide=can_decide), (
        422 if errors else 200)
