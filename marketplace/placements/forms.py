"""Placement forms: the end of a placement."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..web.forms import GovDateField
from .models import EarlyEnd, EndReason


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
