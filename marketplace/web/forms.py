"""Helpers shared by the web views' forms."""
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, StringField

from ..money import parse_pounds


def error_summary_params(form):
    """govuk-frontend-wtf's error summary for ``form`` (every field with an error), with a
    date's link going to its day box: the GOV.UK pattern links to the first input of a date,
    and the date's own id is only its fieldset's wrapper."""
    params = wtforms_errors(form)
    dates = {f"#{field.id}" for field in form if isinstance(field.widget, GovDateInput)}
    for item in params["errorList"]:
        if item["href"] in dates:
            item["href"] += "-day"
    return params



def show_errors(form, error, fields=None):
    """Put a service's ValidationFailed messages on the form's fields for the error summary.

    ``fields`` maps a service's field names to the form's where they differ.
    """
    fields = fields or {}
    for name, message in error.errors.items():
        field = getattr(form, fields.get(name, name), None)
        if field is None or not hasattr(field, "errors"):
            field = next(iter(form))
        field.errors = [*field.errors, message]


class GovDateField(DateField):
    """A day/month/year date input with GOV.UK error messages."""

    def __init__(self, label=None, validators=None, *, error_label="date", **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.error_label = error_label

    def process_formdata(self, valuelist):
        if len(valuelist) != 3:
            # Posted without its day, month and year: the widget could not unpack raw_data.
            self.raw_data = None
        if not valuelist or not any(part.strip() for part in valuelist):
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(f"{self.error_label.capitalize()} must be a real date") from None


class PoundsField(StringField):
    """An amount in pounds a week; ``pence`` holds it once the form has validated (see
    :func:`parse_pounds_fields`)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", "In pounds a week, for example 1250.00")
        super().__init__(label, validators, widget=GovTextInput(), **kwargs)
        self.pence = None


def parse_pounds_fields(fields):
    """Set each PoundsField's ``pence`` from its text (blank: None); an error on each that is
    not an amount. True if all parsed."""
    valid = True
    for field in fields:
        field.pence = None
        text = (field.data or "").strip()
        if not text:
            continue
        try:
            field.pence = parse_pounds(text)
        except ValueError:
            what = field.label.text.replace(" (optional)", "").lower()
            field.errors = [*field.errors, f"Enter {what} in pounds, for example 1250.00"]
            valid = False
    return valid
