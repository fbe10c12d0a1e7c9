from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..web.forms import GovDateField
from .models import SpecificationKind


class SpecificationForm(FlaskForm):
    """The kind and lot are checked by the service (one core, one contract terms, one per lot)."""

    kind = RadioField("What kind of document is it?", widget=GovRadioInput(),
                      validate_choice=False,
                      choices=[SelectChoice(k.value, k.label) for k in SpecificationKind],
                      validators=[InputRequired("Select what kind of document this is")])
    lot_id = SelectField("Lot", widget=GovSelect(), validate_choice=False,
                         description="Only for a lot specification")
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired("Enter a title")])
    submit = SubmitField("Add specification", widget=GovSubmitInput())

    def __init__(self, *args, lots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lot_id.choices = [SelectChoice("", "Not a lot specification")] + [
            SelectChoice(str(lot.id), f"{lot.code}: {lot.title}") for lot in lots]


class VersionForm(FlaskForm):
    body = TextAreaField("Text", widget=GovTextArea(),
                         description="In Markdown: # for headings, - for lists, a blank line "
                                     "between paragraphs")
    summary_of_changes = TextAreaField(
        "Summary of changes", widget=GovTextArea(),
        description="What changed from the previous version, for providers to read before "
                    "they accept it")
    submit = SubmitField("Save draft", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    effective_on = GovDateField(
        "Date it comes into force", error_label="date it comes into force",
        description="From the start of this day (UK time). Providers must accept it by then. "
                    "For example, 1 4 2027",
        validators=[InputRequired("Enter the date this version comes into force")])
    submit = SubmitField("Publish", widget=GovSubmitInput())


class LocalScheduleForm(FlaskForm):
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired("Enter a title")])
    body = TextAreaField("Local requirements", widget=GovTextArea(),
                         description="In Markdown: # for headings, - for lists, a blank line "
                                     "between paragraphs",
                         validators=[InputRequired("Enter the local requirements")])
    submit = SubmitField("Save", widget=GovSubmitInput())
