"""Placement forms: an off-framework placement, its end, its reviews. The service checks every
rule; the forms carry what was typed back to it."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..purchasing.models import PlacementType
from ..web.child_fields import ChildFields
from ..web.forms import GovDateField, PoundsField, parse_pounds_fields
from .models import EarlyEnd, EndReason, OffFrameworkReason

FEES = (("core_weekly", "core_weekly_pence"), ("support_weekly", "support_weekly_pence"),
        ("therapies_weekly", "therapies_weekly_pence"), ("other_weekly", "other_weekly_pence"))
FUNDERS = (("funding_education", "education"), ("funding_social_care", "social_care"),
           ("funding_health", "health"))


class OffFrameworkForm(ChildFields, FlaskForm):
    provider_id = SelectField("Provider registered here", widget=GovSelect(),
                              validators=[Optional()])
    provider_name = StringField("Or the provider's name, if it is not registered here",
                                widget=GovTextInput(), validators=[Optional()])
    placement_type = RadioField(
        "Type of placement", widget=GovRadioInput(), validators=[Optional()],
        choices=[SelectChoice(t.value, t.label) for t in
                 (PlacementType.DAY, PlacementType.RESIDENTIAL_38, PlacementType.RESIDENTIAL_52)])
    start_date = GovDateField("Start date", error_label="start date",
                              description="For example, 1 9 2026", validators=[Optional()])
    end_date = GovDateField("End date", error_label="end date",
                            description="The last day, for example 31 8 2027",
                            validators=[Optional()])
    core_weekly = PoundsField("Core weekly fee")
    support_weekly = PoundsField("Additional 1:1 support (optional)")
    therapies_weekly = PoundsField("Therapies (optional)")
    other_weekly = PoundsField("Other costs (optional)")
    other_description = StringField("What the other costs are for", widget=GovTextInput(),
                                    validators=[Optional()])
    funding_education = StringField("Education (high-needs block), %", widget=GovTextInput(),
                                    default="100")
    funding_social_care = StringField("Social care, %", widget=GovTextInput(), default="0")
    funding_health = StringField("Health, %", widget=GovTextInput(), default="0")
    notice_weeks = StringField("Provider's notice period in weeks", widget=GovTextInput(),
                               default="13", description="One school term is 13 weeks")
    off_framework_reason = RadioField(
        "Why was the placement made outside the system?", widget=GovRadioInput(),
        validators=[Optional()],
        choices=[SelectChoice(r.value, r.label) for r in OffFrameworkReason])
    off_framework_note = TextAreaField("Details", widget=GovTextArea(), validators=[Optional()],
                                       description="Needed when the reason is 'Other'")
    submit = SubmitField("Record the placement", widget=GovSubmitInput())

    # The service's field names where they differ from the form's.
    service_names = {**{service.replace("_pence", "_fee"): field for field, service in FEES},
                     **{f"funding.{part}": field for field, part in FUNDERS},
                     "funding": "funding_education"}

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_need_choices()
        self.provider_id.choices = [SelectChoice("", "Not registered here")] + [
            SelectChoice(str(p.id), p.name) for p in providers]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return parse_pounds_fields([self[name] for name, _ in FEES]) and valid

    def service_fields(self):
        """What was typed, as the service takes it (text that is not a number stays text, so
        the service's own message names it)."""
        number = _number
        return {
            "provider_id": int(self.provider_id.data) if self.provider_id.data else None,
            "provider_name": self.provider_name.data,
            "case_reference": self.case_reference.data, "birth_year": self.birth_year.data,
            "gender": self.gender.data, "primary_need": self.primary_need.data,
            "secondary_needs": self.secondary_needs.data or [],
            "postcode_district": self.postcode_district.data,
            "placement_type": self.placement_type.data,
            "start_date": self.start_date.data, "end_date": self.end_date.data,
            **{service: self[name].pence or 0 for name, service in FEES},
            "other_description": self.other_description.data,
            "funding": {part: number(self[name].data) for name, part in FUNDERS},
            "notice_weeks": number(self.notice_weeks.data),
            "off_framework_reason": self.off_framework_reason.data,
            "off_framework_note": self.off_framework_note.data,
        }


def _number(text):
    """Whole numbers as int; anything else stays text, so the service's message names it."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else (text or None)


class TermsForm(FlaskForm):
    notice_weeks = StringField("Provider's notice period in weeks", widget=GovTextInput(),
                               description="One school term is 13 weeks")
    funding_education = StringField("Education (high-needs block), %", widget=GovTextInput())
    funding_social_care = StringField("Social care, %", widget=GovTextInput())
    funding_health = StringField("Health, %", widget=GovTextInput())
    invoiced_to = GovDateField("Invoiced up to (optional)", error_label="last invoiced day",
                               description="The last day the provider has invoiced for. The "
                                           "placement cannot then be ended on or before it",
                               validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())

    service_names = {**{f"funding.{part}": field for field, part in FUNDERS},
                     "funding": "funding_education"}

    def service_fields(self):
        return {"notice_weeks": _number(self.notice_weeks.data),
                "funding": {part: _number(self[name].data) for name, part in FUNDERS},
                "invoiced_to": self.invoiced_to.data}


class ReviewHeldForm(FlaskForm):
    held_on = GovDateField("Date the review was held", error_label="date the review was held",
                           description="For example, 12 3 2027", validators=[Optional()])
    notes = TextAreaField("What the review found or decided", widget=GovTextArea(),
                          validators=[Optional()])
    submit = SubmitField("Record the review", widget=GovSubmitInput())


class ReviewDateForm(FlaskForm):
    due_on = GovDateField("Next review date", error_label="next review date",
                          description="For example, 20 1 2028", validators=[Optional()])
    submit = SubmitField("Set the review date", widget=GovSubmitInput())


class EndForm(FlaskForm):
    end_date = GovDateField("Last day of the placement", error_label="last day",
                            description="For example, 31 3 2027", validators=[Optional()])
    reason = RadioField("Why is the placement ending?", widget=GovRadioInput(),
                        choices=[SelectChoice(r.value, r.label) for r in EndReason], validators=[Optional()])
    note = TextAreaField("Details", widget=GovTextArea(), validators=[Optional()],
                         description="Needed when the reason is 'Other'")
    notice_given_on = GovDateField("Date notice was given", error_label="date notice was given",
                                   description="Leave blank for today. For example, 1 3 2027",
                                   validators=[Optional()])
    early_end = RadioField(
        "If the last day is earlier than the provider's notice allows",
        widget=GovRadioInput(), choices=[SelectChoice(e.value, e.label) for e in EarlyEnd],
        validators=[Optional()])
    submit = SubmitField("Record the end", widget=GovSubmitInput())
