"""The provider's forms: a clarification question, the offer (or a decline), and the answer to
an award. Formats are checked here (pounds, dates); every rule is the service's."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovRadioInput, GovSubmitInput, GovTextArea,
                                                GovTextInput)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..money import format_pounds
from ..web.forms import GovDateField, PoundsField, parse_pounds_fields

FEES = (("core_weekly", "core_weekly_pence"), ("support_weekly", "support_weekly_pence"),
        ("therapies_weekly", "therapies_weekly_pence"), ("other_weekly", "other_weekly_pence"))


class QuestionForm(FlaskForm):
    question = TextAreaField(
        "Your question", widget=GovTextArea(),
        description="The authority publishes its answer, with your question but not your "
                    "organisation's name, to every invited provider",
        validators=[Optional(), Length(max=5000, message="Your question must be 5,000 "
                                                         "characters or fewer")])
    submit = SubmitField("Send question", widget=GovSubmitInput())


class OfferForm(FlaskForm):
    can_meet_need = RadioField(
        "Can you meet the child's needs?", widget=GovRadioInput(),
        description="The authority cannot read your response until the response deadline",
        choices=[SelectChoice("yes", "Yes, we can offer a place"),
                 SelectChoice("no", "No, we cannot offer a place")],
        validators=[InputRequired("Select whether you can meet the child's needs")])
    decline_reason = TextAreaField("Why can you not offer a place?", widget=GovTextArea(),
                                   validators=[Optional(), Length(max=10000)])
    core_weekly = PoundsField("Core weekly fee")
    support_weekly = PoundsField("Additional 1:1 support (optional)")
    therapies_weekly = PoundsField("Therapies (optional)")
    other_weekly = PoundsField("Other costs (optional)")
    other_description = StringField("What the other costs are for", widget=GovTextInput(),
                                    description="Needed if you enter other costs",
                                    validators=[Optional(), Length(max=200)])
    available_from = GovDateField("Place available from", error_label="available-from date",
                                  description="For example, 6 1 2027", validators=[Optional()])
    statement = TextAreaField("How you will meet the child's needs", widget=GovTextArea(),
                              validators=[Optional(), Length(max=10000)])
    submit = SubmitField("Save your response", widget=GovSubmitInput())

    # The service's field names where they differ from the form's.
    service_names = {service: field for field, service in FEES}

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        offering = self.can_meet_need.data == "yes"
        fees = [self[name] for name, _ in FEES]
        if offering:
            valid = parse_pounds_fields(fees) and valid
        else:
            for field in fees:
                field.pence = None
        if not offering and self.available_from.errors:
            # A half-typed date among the offer's fields does not stop a decline.
            self.available_from.errors = []
            self.available_from.data = None
            valid = not any(f.errors for f in self)
        return valid

    def service_fields(self):
        offering = self.can_meet_need.data == "yes"
        fields = {"can_meet_need": self.can_meet_need.data,
                  "decline_reason": self.decline_reason.data,
                  "other_description": self.other_description.data if offering else None,
                  "available_from": self.available_from.data if offering else None,
                  "statement": self.statement.data}
        for name, service_name in FEES:
            fields[service_name] = self[name].pence if offering else None
        return fields

    @classmethod
    def data_for(cls, offer):
        """The saved response as the form shows it, for revising."""
        if offer is None or offer.withdrawn:
            return {}
        data = {"can_meet_need": "yes" if offer.can_meet_need else "no",
                "decline_reason": offer.decline_reason or "", "statement": offer.statement,
                "other_description": offer.other_description or "",
                "available_from": offer.available_from}
        for name, service_name in FEES:
            pence = getattr(offer, service_name)
            data[name] = format_pounds(pence) if (pence or name == "core_weekly") and \
                offer.can_meet_need else ""
        return data


class AwardDeclineForm(FlaskForm):
    reason = TextAreaField("Why are you declining the award?", widget=GovTextArea(),
                           validators=[Optional(), Length(max=10000)])
    submit = SubmitField("Decline the award", widget=GovSubmitInput())
