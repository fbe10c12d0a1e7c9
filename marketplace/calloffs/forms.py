"""The officer's forms: the draft call-off and the delegation limit. The service checks every
rule; these forms only carry what was typed back to it (text stays text, so nothing typed is
lost and the service's own messages explain what is wrong)."""
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput,
                                                GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import (BooleanField, RadioField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from ..formatting import LONDON
from ..needs import need_codes
from ..purchasing.models import PlacementType
from ..web.forms import GovDateField
from ..windows.forms import TimeField, london_datetime
from .models import ChildGender, DirectAwardReason, Route

# The service's field names that the form spells differently.
SERVICE_NAMES = {"response_deadline": "deadline_date"}

_TEXT_FIELDS = ("case_reference", "birth_year", "postcode_district", "ehcp_summary",
                "length_weeks", "requirements", "quality_weight", "price_weight",
                "direct_award_note", "urgent_reason")


def _need_choices():
    return [SelectChoice(code, f"{description} ({code})")
            for code, description in need_codes().items()]


class CallOffForm(FlaskForm):
    # The child (pseudonymised)
    case_reference = StringField(
        "Your case reference", widget=GovTextInput(),
        description="Your authority's own reference for the child, not their name")
    birth_year = StringField("Year of birth", widget=GovTextInput(),
                             description="Year only, not the full date of birth. For example, "
                                         "2014")
    gender = RadioField("Gender", widget=GovRadioInput(), validators=[Optional()],
                        choices=[SelectChoice(g.value, g.label) for g in ChildGender])
    primary_need = SelectField("Primary need", widget=GovSelect(), validators=[Optional()])
    secondary_needs = SelectMultipleField("Secondary needs (optional)",
                                          widget=GovCheckboxesInput(), validators=[Optional()])
    postcode_district = StringField(
        "Home postcode district", widget=GovTextInput(),
        description="The first half of the postcode, for example SK10")
    ehcp_summary = TextAreaField("Summary of the EHC plan", widget=GovTextArea(),
                                 description="The needs and provision a school must meet. Do "
                                             "not include names or other identifying details")

    # The placement
    lot_id = SelectField("Lot", widget=GovSelect(), validators=[Optional()])
    placement_type = RadioField("Type of placement", widget=GovRadioInput(),
                                validators=[Optional()])
    start_date = GovDateField("Start date", error_label="start date",
                              description="For example, 1 9 2027", validators=[Optional()])
    length_weeks = StringField("Length of the placement in weeks", widget=GovTextInput(),
                               description="For example, 52")
    requirements = TextAreaField("Requirements", widget=GovTextArea(),
                                 description="Anything else providers must know or provide, "
                                             "for example transport")
    local_schedule_id = SelectField("Local schedule", widget=GovSelect(),
                                    validators=[Optional()],
                                    description="Your authority's requirements, attached to "
                                                "the call-off as they stand when it is "
                                                "published")
    quality_weight = StringField("Quality weight (per cent)", widget=GovTextInput(),
                                 description="Quality and price weights add up to 100")
    price_weight = StringField("Price weight (per cent)", widget=GovTextInput())

    # Route
    route = RadioField("How will the placement be found?", widget=GovRadioInput(),
                       validators=[Optional()],
                       choices=[SelectChoice(r.value, r.label) for r in Route])
    direct_award_reason = RadioField("Reason for the direct award", widget=GovRadioInput(),
                                     validators=[Optional()],
                                     choices=[SelectChoice(r.value, r.label)
                                              for r in DirectAwardReason])
    direct_award_note = TextAreaField(
        "Explain the direct award", widget=GovTextArea(),
        description="For example, the tribunal order's reference or the parents' request")
    direct_provider_id = SelectField("Provider to award to", widget=GovSelect(),
                                     validators=[Optional()])

    # Timetable
    deadline_date = GovDateField("Response deadline", error_label="response deadline",
                                 description="The last day providers can respond, for example "
                                             "8 12 2026. You can confirm it when you publish",
                                 validators=[Optional()])
    deadline_time = TimeField("Response deadline time (UK time)",
                              error_label="response deadline time", validators=[Optional()])
    urgent = BooleanField("This call-off is urgent", widget=GovCheckboxInput(),
                          description="An urgent call-off may have a shorter deadline than "
                                      "usual; record why")
    urgent_reason = TextAreaField("If it is urgent, why? (for example, the current placement ends this week)", widget=GovTextArea())

    submit = SubmitField("Save draft", widget=GovSubmitInput())

    def __init__(self, *args, lots=(), schedules=(), providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        needs = _need_choices()
        self.primary_need.choices = [SelectChoice("", "Choose the primary need")] + needs
        self.secondary_needs.choices = needs
        self.lot_id.choices = [SelectChoice("", "Choose a lot")] + [
            SelectChoice(str(lot.id), f"{lot.code}: {lot.title}") for lot in lots]
        types = {t for lot in lots for t in lot.placement_types} or {t.value for t in PlacementType}
        self.placement_type.choices = [SelectChoice(t.value, t.label) for t in PlacementType
                                       if t.value in types]
        self.local_schedule_id.choices = [SelectChoice("", "None")] + [
            SelectChoice(str(s.id), s.title) for s in schedules]
        self.direct_provider_id.choices = [SelectChoice("", "Choose a provider")] + [
            SelectChoice(str(p.id), p.name) for p in providers]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        date, clock = self.deadline_date, self.deadline_time
        if (date.data is None) != (clock.time is None) and not (date.errors or clock.errors):
            clock.errors = [*clock.errors,
                            "Enter both the date and the time of the response deadline"]
            valid = False
        return valid

    def service_fields(self):
        """The draft's fields as :func:`services.create_call_off` takes them."""
        values = {name: self[name].data or "" for name in _TEXT_FIELDS}
        values.update({
            "gender": self.gender.data, "primary_need": self.primary_need.data,
            "secondary_needs": self.secondary_needs.data or [],
            "lot_id": self.lot_id.data or None,
            "placement_type": self.placement_type.data,
            "start_date": self.start_date.data,
            "local_schedule_id": self.local_schedule_id.data or None,
            "route": self.route.data or Route.COMPETITION.value,
            "direct_award_reason": self.direct_award_reason.data,
            "direct_provider_id": self.direct_provider_id.data or None,
            "response_deadline": london_datetime(self.deadline_date.data,
                                                 self.deadline_time.time),
            "urgent": bool(self.urgent.data),
        })
        return values

    @classmethod
    def data_for(cls, values):
        """Form data from :func:`services.editable_values` of a draft."""
        data = {name: "" if values.get(name) is None else str(values[name])
                for name in _TEXT_FIELDS}
        deadline = values.get("response_deadline")
        local = deadline.astimezone(LONDON) if deadline else None
        data.update({
            "gender": _value(values.get("gender")),
            "primary_need": values.get("primary_need"),
            "secondary_needs": list(values.get("secondary_needs") or []),
            "lot_id": str(values["lot_id"]) if values.get("lot_id") else "",
            "placement_type": _value(values.get("placement_type")),
            "start_date": values.get("start_date"),
            "local_schedule_id": (str(values["local_schedule_id"])
                                  if values.get("local_schedule_id") else ""),
            "route": _value(values.get("route")) or Route.COMPETITION.value,
            "direct_award_reason": _value(values.get("direct_award_reason")),
            "direct_provider_id": (str(values["direct_provider_id"])
                                   if values.get("direct_provider_id") else ""),
            "deadline_date": local.date() if local else None,
            "deadline_time": f"{local:%H:%M}" if local else "",
            "urgent": bool(values.get("urgent")),
        })
        return data


def _value(member):
    return getattr(member, "value", member)


class DelegationLimitForm(FlaskForm):
    whole_life_limit = StringField(
        "Whole-life limit in pounds", widget=GovTextInput(),
        description="Awards whose whole-life value (the cost over the placement's whole length) "
                    "is above this need a manager's approval. For example, 120000",
        validators=[InputRequired("Enter the whole-life limit in pounds, for example 120000")])
    submit = SubmitField("Save limit", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    """Publishing confirms the timetable; its fields carry the prefix ``publish-``."""

    deadline_date = GovDateField("Response deadline", error_label="response deadline",
                                 validators=[Optional()])
    deadline_time = TimeField("Response deadline time (UK time)",
                              error_label="response deadline time", validators=[Optional()])
    urgent = BooleanField("This call-off is urgent", widget=GovCheckboxInput())
    urgent_reason = TextAreaField("If it is urgent, why? (for example, the current placement ends this week)", widget=GovTextArea())
    submit = SubmitField("Publish and invite providers", widget=GovSubmitInput())

    def service_fields(self):
        return {"response_deadline": london_datetime(self.deadline_date.data,
                                                     self.deadline_time.time),
                "urgent": bool(self.urgent.data),
                "urgent_reason": self.urgent_reason.data or None}

    @classmethod
    def data_for(cls, call_off):
        local = (call_off.response_deadline.astimezone(LONDON)
                 if call_off.response_deadline else None)
        return {"deadline_date": local.date() if local else None,
                "deadline_time": f"{local:%H:%M}" if local else "",
                "urgent": call_off.urgent, "urgent_reason": call_off.urgent_reason or ""}
