from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovPasswordInput, GovRadioInput, GovSubmitInput,
                                                GovTextInput)
from wtforms import EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length

from .services import PASSWORD_MIN_LENGTH


class SignInForm(FlaskForm):
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter your email address")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


def _new_password_validators(label):
    return [
        InputRequired(f"Enter {label}"),
        Length(min=PASSWORD_MIN_LENGTH,
               message=f"Password must be {PASSWORD_MIN_LENGTH} characters or more"),
    ]


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter your current password")])
    new_password = PasswordField("New password", widget=GovPasswordInput(),
                                 validators=_new_password_validators("a new password"))
    confirm_password = PasswordField(
        "Confirm new password", widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your new password"),
                    EqualTo("new_password", "The passwords do not match")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField("Create a password", widget=GovPasswordInput(),
                             validators=_new_password_validators("a password"))
    confirm_password = PasswordField(
        "Confirm password", widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your password"),
                    EqualTo("password", "The passwords do not match")])
    submit = SubmitField("Set password and continue", widget=GovSubmitInput())


class InviteUserForm(FlaskForm):
    full_name = StringField("Full name", widget=GovTextInput(),
                            validators=[InputRequired("Enter the person's full name"),
                                        Length(max=200, message="Name must be 200 characters or fewer")])
    email = EmailField("Email address", widget=GovTextInput(),
                       validators=[InputRequired("Enter the person's email address"),
                                   Email("Enter an email address in the correct format, like name@example.org"),
                                   Length(max=254, message="Email address must be 254 characters or fewer")])
    # Radios, not a select: a select always submits an option (its first, Host administrator
    # for the host), so the most powerful role would be chosen for an inviter who did not.
    role = RadioField("Role", widget=GovRadioInput(),
                      validators=[InputRequired("Choose a role")])
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    def __init__(self, roles, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(role.value, role.label) for role in roles]


class ConfirmForm(FlaskForm):
    """A bare form for POST-only actions: it carries the CSRF token."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())
