from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..web.forms import GovDateField


class AuthorityForm(FlaskForm):
    name = StringField("Authority name", widget=GovTextInput(),
                       validators=[InputRequired("Enter the authority's name"),
                                   Length(max=200, message="Name must be 200 characters or fewer")])
    ons_code = StringField("ONS code", widget=GovTextInput(),
                           description="The Office for National Statistics code, like E06000049",
                           validators=[InputRequired("Enter the authority's ONS code")])
    joined_on = GovDateField("Date joined", error_label="date joined",
                             description="For example, 1 4 2026",
                             validators=[InputRequired("Enter the date the authority joined")])
    manager_full_name = StringField("Manager's full name", widget=GovTextInput(),
                                    validators=[InputRequired("Enter the manager's full name")])
    manager_email = EmailField(
        "Manager's email address", widget=GovTextInput(),
        validators=[InputRequired("Enter the manager's email address"),
                    Email("Enter an email address in the correct format, like name@example.org")])
    submit = SubmitField("Add authority", widget=GovSubmitInput())


class MembershipForm(FlaskForm):
    left_on = GovDateField("Date left", error_label="date left",
                           description="Leave blank if the authority is still a member",
                           validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())
