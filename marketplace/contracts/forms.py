"""Contract forms (issue 13 §1-2): recording or changing a contract, terminating it, deciding an
extension option. The service checks every rule; the forms carry what was typed to it, with the
API's field names, so the service's messages land on the right fields."""
import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovRadioInput, GovSelect,
                                                GovSubmitInput, GovTextArea, GovTextInput)
from wtforms import (BooleanField, RadioField, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..placements import fees
from ..placements.fee_views import UpliftRuleForm
from ..web.forms import GovDateField, PoundsField, parse_pounds_fields
from .models import ContractService, ExtensionDecisionKind, UpliftConvention

RULE_FIELDS = ("kind", "percent", "index", "reference_month", "cap", "floor", "review_above")


class ContractForm(UpliftRuleForm):
    """A contract's fields; the uplift rule's are placements' uplift rule form's (``kind``,
    ``percent``, ``index``, ``reference_month``, ``cap``, ``floor``, ``review_above``)."""

    notice_months = None  # a placement's notice for proposals: not a contract's
    title = StringField("Title", widget=GovTextInput(), validators=[Optional()],
                        description="For example, Speech and language therapy in special "
                                    "schools")
    service = RadioField("Service", widget=GovRadioInput(), validate_choice=False,
                         validators=[Optional()],
                         choices=[SelectChoice(s.value, s.label) for s in ContractService])
    supplier_provider_id = SelectField("Supplier registered here", widget=GovSelect(),
                                       validate_choice=False, validators=[Optional()])
    supplier_name = StringField("Or the supplier's name, if it is not registered here",
                                widget=GovTextInput(), validators=[Optional()],
                                description="For example, an NHS trust")
    annual_value = PoundsField("Annual value", description="In pounds a year, for example "
                                                           "916502.00")
    start_date = GovDateField("Start date", error_label="start date",
                              description="For example, 1 9 2025", validators=[Optional()])
    initial_term_months = StringField("Initial term in months", widget=GovTextInput(),
                                      validators=[Optional()], description="For example, 48")
    extension_options = StringField(
        "Extension options (optional)", widget=GovTextInput(), validators=[Optional()],
        description="Each option's length in months, in the order they may be taken, separated "
                    "by commas: for example, 12, 12, 12")
    decision_notice_months = StringField(
        "Months before the current end that an option must be decided", widget=GovTextInput(),
        validators=[Optional()], default="6", description="Usually 6")
    uplift_convention = RadioField(
        "When the uplift starts", widget=GovRadioInput(), validate_choice=False,
        validators=[Optional()], default=UpliftConvention.FROM_FIRST_ANNIVERSARY.value,
        choices=[SelectChoice(u.value, u.label) for u in UpliftConvention])
    decision_reference = StringField("Decision reference (optional)", widget=GovTextInput(),
                                     validators=[Optional()],
                                     description="For example, a cabinet key decision number "
                                                 "such as KD-2025-041")
    retrospective = BooleanField("This contract is recorded after it started (retrospective)",
                                 widget=GovCheckboxInput())
    retrospective_note = TextAreaField("Why it is recorded after its start", widget=GovTextArea(),
                                       validators=[Optional()],
                                       description="Needed for a retrospective contract")
    description = TextAreaField("Description (optional)", widget=GovTextArea(),
                                validators=[Optional()])
    status = RadioField("Status", widget=GovRadioInput(), validate_choice=False,
                        validators=[Optional()], default="draft",
                        choices=[SelectChoice("draft", "Draft: not yet in force"),
                                 SelectChoice("active", "Active: signed and in force")])
    submit = SubmitField("Save the contract", widget=GovSubmitInput())

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.supplier_provider_id.choices = [SelectChoice("", "Not registered here")] + [
            SelectChoice(str(p.id), p.name) for p in providers]
        self.index.choices = [SelectChoice("", "Choose an index")] + [
            SelectChoice(s.code, f"{s.code}: {s.name}") for s in fees.list_index_series(None)]
        self.kind.label.text = "How the annual value goes up"

    @staticmethod
    def field_for(name):
        """The form field a service error names: ``extension_options.0.months`` is the options
        field, ``uplift_rule.percent`` the percent field."""
        if name.startswith("extension_options"):
            return "extension_options"
        if name.startswith("uplift_rule."):
            field = name.split(".", 1)[1]
            return field if field in RULE_FIELDS else "kind"
        return name

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return parse_pounds_fields([self.annual_value]) and valid

    def service_fields(self, *, with_status):
        """What was typed, as the service takes it (text that is not a number stays text, so
        the service's message names it); None where a field's own message is shown."""
        rule = {}
        for name in ("percent", "cap", "floor", "review_above"):
            text = (self[name].data or "").strip()
            try:
                rule[f"{name}_bp"] = fees.parse_percent(text) if text else None
            except ValueError:
                self[name].errors = [*self[name].errors, "Enter a percentage with up to two "
                                                         "decimal places, for example 2.5"]
        options = []
        for part in (p.strip() for p in (self.extension_options.data or "").split(",")):
            if part:
                options.append({"months": _number(part)})
        if any(field.errors for field in self):
            return None
        month = self.reference_month.data
        values = {
            "title": self.title.data, "service": self.service.data,
            "description": self.description.data,
            "supplier_provider_id": (int(self.supplier_provider_id.data)
                                     if (self.supplier_provider_id.data or "").isdigit()
                                     else None),
            "supplier_name": self.supplier_name.data,
            "annual_value_pence": self.annual_value.pence,
            "start_date": self.start_date.data,
            "initial_term_months": _number(self.initial_term_months.data),
            "extension_options": options,
            "uplift_rule": {"kind": self.kind.data or "none", "percent_bp": rule["percent_bp"],
                            "index_code": self.index.data or None,
                            "reference_month": int(month) if month and month.isdigit()
                            else None,
                            "cap_bp": rule["cap_bp"], "floor_bp": rule["floor_bp"],
                            "review_above_bp": rule["review_above_bp"]},
            "uplift_convention": self.uplift_convention.data or None,
            "decision_notice_months": _number(self.decision_notice_months.data),
            "decision_reference": self.decision_reference.data,
            "retrospective": bool(self.retrospective.data),
            "retrospective_note": self.retrospective_note.data,
        }
        if with_status:
            values["status"] = self.status.data or "draft"
        return values

    def fill_from(self, contract):
        """The form's fields from a stored contract (the edit page's first view)."""
        self.title.data, self.service.data = contract.title, contract.service.value
        self.description.data = contract.description
        self.supplier_provider_id.data = (str(contract.supplier_provider_id)
                                          if contract.supplier_provider_id else "")
        self.supplier_name.data = contract.supplier_name
        self.annual_value.data = f"{contract.annual_value_pence / 100:.2f}"
        self.start_date.data = contract.start_date
        self.initial_term_months.data = str(contract.initial_term_months)
        self.extension_options.data = ", ".join(str(e.months) for e in contract.extensions)
        self.decision_notice_months.data = str(contract.decision_notice_months)
        self.uplift_convention.data = contract.uplift_convention.value
        self.decision_reference.data = contract.decision_reference
        self.retrospective.data = contract.retrospective
        self.retrospective_note.data = contract.retrospective_note
        rule = fees.rule_of(contract)
        self.kind.data = rule.kind
        self.percent.data = fees.format_percent(rule.percent_bp) or ""
        self.index.data = rule.index_code or ""
        self.reference_month.data = str(rule.reference_month or "")
        self.cap.data = fees.format_percent(rule.cap_bp) or ""
        self.floor.data = fees.format_percent(rule.floor_bp) or ""
        self.review_above.data = fees.format_percent(rule.review_above_bp) or ""


def _number(text):
    """Whole numbers (a leading minus kept) as int; anything else stays text, so the service's
    message names it."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"-?\d{1,6}", text) else (text or None)


class TerminateForm(FlaskForm):
    terminated_on = GovDateField("Date the contract ends", error_label="date the contract ends",
                                 description="Its last day, for example 31 3 2027",
                                 validators=[Optional()])
    termination_reason = TextAreaField("Why the contract is terminated early",
                                       widget=GovTextArea(), validators=[Optional()])
    submit = SubmitField("Terminate the contract", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(), validate_choice=False,
                          validators=[Optional()],
                          choices=[SelectChoice(ExtensionDecisionKind.TAKEN.value,
                                                "Take the option: extend the contract"),
                                   SelectChoice(ExtensionDecisionKind.DECLINED.value,
                                                "Decline the option: later options lapse")])
    reason = TextAreaField("Reason for the decision", widget=GovTextArea(),
                           validators=[Optional()],
                           description="For example, the key decision or the performance seen")
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class ActivateForm(FlaskForm):
    submit = SubmitField("Activate the contract", widget=GovSubmitInput())
