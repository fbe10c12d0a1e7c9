from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional


class AssignEvaluatorForm(FlaskForm):
    evaluator_id = SelectField("Evaluator", widget=GovSelect(), coerce=int,
                               validators=[InputRequired("Choose an evaluator")])
    submit = SubmitField("Assign evaluator", widget=GovSubmitInput())


class ConflictForm(FlaskForm):
    conflict = RadioField(
        "Do you have a conflict of interest with this provider?", widget=GovRadioInput(),
        choices=[SelectChoice("no", "No, I have no conflict of interest"),
                 SelectChoice("yes", "Yes, I have a conflict of interest")],
        validators=[InputRequired("Select whether you have a conflict of interest")])
    note = TextAreaField("Describe the conflict", widget=GovTextArea(),
                         description="For example, a family member works for the provider",
                         validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Declare", widget=GovSubmitInput())


class ScoresForm(FlaskForm):
    """Carries the CSRF token and the action; the per-question fields are read from the request
    by name (``q<question id>-passed|mark|comment``), since the questions vary by window."""

    action = StringField()


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[InputRequired("Give the reason"), Length(max=2000)])
    submit = SubmitField("Confirm", widget=GovSubmitInput())
