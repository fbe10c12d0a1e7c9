from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..needs import need_codes
from ..web.forms import GovDateField
from .models import PlacementType, Regime, StandstillRule


class SystemForm(FlaskForm):
    name = StringField("Name", widget=GovTextInput(),
                       validators=[InputRequired("Enter the system's name")])
    reference = StringField("Reference", widget=GovTextInput(),
                            description="The reference in your contracts register, like NW-FPS-2025",
                            validators=[InputRequired("Enter the system's reference")])
    regime = RadioField("Procurement regime", widget=GovRadioInput(),
                        choices=[SelectChoice(r.value, r.label) for r in Regime],
                        validators=[InputRequired("Select the procurement regime")])
    term_start = GovDateField("Term starts", error_label="term start",
                              validators=[InputRequired("Enter the date the term starts")])
    term_end = GovDateField("Term ends", error_label="term end",
                            validators=[InputRequired("Enter the date the term ends")])
    admission_standstill = RadioField(
        "Standstill before an admission takes effect", widget=GovRadioInput(),
        choices=[SelectChoice(r.value, r.label) for r in StandstillRule],
        validators=[InputRequired("Select the standstill for admissions")])
    call_off_standstill = RadioField(
        "Standstill before a call-off award takes effect", widget=GovRadioInput(),
        choices=[SelectChoice(r.value, r.label) for r in StandstillRule],
        validators=[InputRequired("Select the standstill for call-offs")])
    chargeable_school_days = IntegerField(
        "Chargeable school days a year", widget=GovTextInput(),
        description="Term-time placements are charged for these days; 190 days is 38 weeks",
        validators=[InputRequired("Enter the chargeable school days, like 190")])
    call_off_min_response_days = IntegerField(
        "Shortest call-off response period, in working days", widget=GovTextInput(),
        description="Providers get at least this many UK working days after publication to "
                    "respond, unless the call-off is recorded as urgent",
        validators=[InputRequired("Enter the shortest response period, like 5")])
    call_off_questions_close_days = IntegerField(
        "Clarification questions close, in working days before the deadline",
        widget=GovTextInput(),
        validators=[InputRequired("Enter when questions close, like 2")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class LotForm(FlaskForm):
    """The choices are checked by the service, which knows what the system's regime allows."""

    code = StringField("Code", widget=GovTextInput(), description="For example, RES52",
                       validators=[InputRequired("Enter the lot's code")])
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired("Enter the lot's title")])
    placement_types = SelectMultipleField(
        "Placement types", widget=GovCheckboxesInput(), validate_choice=False,
        choices=[SelectChoice(t.value, t.label) for t in PlacementType],
        validators=[InputRequired("Select at least one placement type")])
    need_codes = SelectMultipleField(
        "Needs covered", widget=GovCheckboxesInput(), validate_choice=False,
        validators=[InputRequired("Select at least one need the lot covers")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, regime=None, **kwargs):
        super().__init__(*args, **kwargs)
        types = PlacementType.for_regime(regime) if regime else list(PlacementType)
        self.placement_types.choices = [SelectChoice(t.value, t.label) for t in types]
        self.need_codes.choices = [SelectChoice(code, f"{label} ({code})")
                                   for code, label in need_codes().items()]
