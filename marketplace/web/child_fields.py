"""The pseudonymised child's questions, shared by the call-off form and the off-framework
placement form (DESIGN §3: case reference, year of birth, gender, DfE need codes, postcode
district; never a name, a full date of birth or a full postcode)."""
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovRadioInput, GovSelect,
                                                GovTextInput)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from ..children import ChildGender
from ..needs import need_codes


def need_choices():
    return [SelectChoice(code, f"{description} ({code})")
            for code, description in need_codes().items()]


class ChildFields:
    """Mix into a FlaskForm; call :meth:`set_need_choices` from its ``__init__``."""

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

    def set_need_choices(self):
        needs = need_choices()
        self.primary_need.choices = [SelectChoice("", "Choose the primary need")] + needs
        self.secondary_needs.choices = needs
