from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Optional

from ..needs import need_codes
from ..purchasing.models import PlacementType
from ..web.forms import GovDateField
from .models import DocumentKind, Gender, OfstedRating
from .services import OFFERED_TYPES


def _need_choices():
    return [SelectChoice(code, f"{label} ({code})") for code, label in need_codes().items()]


_TYPE_CHOICES = [SelectChoice(t.value, t.label) for t in OFFERED_TYPES]


class _OrganisationFields(FlaskForm):
    name = StringField("Legal name of the organisation", widget=GovTextInput(),
                       validators=[InputRequired("Enter the organisation's legal name")])
    companies_house_number = StringField(
        "Companies House number", widget=GovTextInput(),
        description="8 characters, like 09876543. Leave blank if you are a charity that is not "
                    "a company")
    charity_number = StringField("Charity number (if you have one)", widget=GovTextInput(),
                                 description="Like 1187001")
    dfe_urn = StringField("DfE unique reference number (URN)", widget=GovTextInput(),
                          description="6 digits, like 149001, from Get Information about Schools")
    ofsted_urn = StringField("Ofsted unique reference number (URN)", widget=GovTextInput())
    address_line_1 = StringField("Address line 1", widget=GovTextInput(),
                                 validators=[InputRequired("Enter the first line of the address")])
    address_line_2 = StringField("Address line 2 (optional)", widget=GovTextInput())
    town = StringField("Town or city", widget=GovTextInput(),
                       validators=[InputRequired("Enter the town or city")])
    postcode = StringField("Postcode", widget=GovTextInput(),
                           validators=[InputRequired("Enter the postcode")])


class RegistrationForm(_OrganisationFields):
    full_name = StringField("Your full name", widget=GovTextInput(),
                            validators=[InputRequired("Enter your full name")])
    email = EmailField(
        "Your email address", widget=GovTextInput(),
        description="We will send you a link to confirm it and set your password",
        validators=[InputRequired("Enter your email address"),
                    Email("Enter an email address in the correct format, like name@example.org")])
    submit = SubmitField("Register", widget=GovSubmitInput())


class ProfileForm(_OrganisationFields):
    ofsted_rating = RadioField(
        "Latest Ofsted rating", widget=GovRadioInput(), validators=[Optional()],
        choices=[SelectChoice(r.value, r.label) for r in OfstedRating])
    ofsted_inspected_on = GovDateField("Date of the latest inspection",
                                       error_label="inspection date",
                                       description="For example, 27 3 2025",
                                       validators=[Optional()])
    need_codes = SelectMultipleField("Needs you cater for", widget=GovCheckboxesInput(),
                                     validators=[Optional()])
    age_from = StringField("Youngest age", widget=GovTextInput())
    age_to = StringField("Oldest age", widget=GovTextInput())
    genders = SelectMultipleField("Genders accepted", widget=GovCheckboxesInput(),
                                  choices=[SelectChoice(g.value, g.label) for g in Gender],
                                  validators=[Optional()])
    placement_types = SelectMultipleField("Placement types offered",
                                          widget=GovCheckboxesInput(), choices=_TYPE_CHOICES,
                                          validators=[Optional()])
    childrens_home_urn = StringField(
        "Children's home registration (Ofsted SC URN)", widget=GovTextInput(),
        description="Needed if you offer 52-week residential placements, like SC480001")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_codes.choices = _need_choices()


class DocumentForm(FlaskForm):
    kind = RadioField("Kind of document", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in DocumentKind],
                      validators=[InputRequired("Select the kind of document")])
    title = StringField("Title (needed for other documents)", widget=GovTextInput())
    expires_on = GovDateField("Expiry date", error_label="expiry date",
                              description="For example, 31 3 2027",
                              validators=[InputRequired("Enter the date the document expires")])
    file = FileField("File", widget=GovFileInput(),
                     description="A PDF, Word document (DOCX), JPG or PNG, smaller than 10MB")
    submit = SubmitField("Upload", widget=GovSubmitInput())


def rate_card_form(placement_types, current):
    """A form with a weekly fee field for each placement type offered, filled with the current
    fees (``current``: placement type -> pounds)."""
    class RateCardForm(FlaskForm):
        submit = SubmitField("Save fees", widget=GovSubmitInput())

    for placement_type in placement_types:
        setattr(RateCardForm, f"fee_{placement_type.value}", StringField(
            f"{placement_type.label}: weekly fee", widget=GovTextInput(),
            description="In pounds, like 1250.00"))
    return RateCardForm(data={f"fee_{t.value}": pounds for t, pounds in current.items()})


class VacancyForm(FlaskForm):
    placement_type = RadioField("Placement type", widget=GovRadioInput(), choices=_TYPE_CHOICES,
                                validators=[InputRequired("Select the placement type")])
    need_codes = SelectMultipleField("Needs the places are for", widget=GovCheckboxesInput(),
                                     validators=[InputRequired("Select at least one need")])
    age_from = StringField("Youngest age", widget=GovTextInput(),
                           validators=[InputRequired("Enter the youngest age")])
    age_to = StringField("Oldest age", widget=GovTextInput(),
                         validators=[InputRequired("Enter the oldest age")])
    available_from = GovDateField("Available from", error_label="date available from",
                                  description="For example, 1 9 2026",
                                  validators=[InputRequired("Enter the date the places are "
                                                            "available from")])
    places = StringField("Number of places", widget=GovTextInput(),
                         validators=[InputRequired("Enter the number of places")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_codes.choices = _need_choices()


class FilterForm(FlaskForm):
    """The directory's and vacancy list's filters (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    need_code = SelectField("Need", widget=GovSelect(), validators=[Optional()])
    placement_type = SelectField("Placement type", widget=GovSelect(), validators=[Optional()],
                                 choices=[SelectChoice("", "Any placement type"),
                                          *[SelectChoice(t.value, t.label) for t in PlacementType
                                            if t in OFFERED_TYPES]])
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.need_code.choices = [SelectChoice("", "Any need"), *_need_choices()]


class VacancyFilterForm(FilterForm):
    """The vacancy board's filters: the directory's, and the child's age."""

    age = StringField("Child's age", widget=GovTextInput(), validators=[Optional()],
                      description="In years, for example 11")
