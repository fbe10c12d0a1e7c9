"""The forms of a contract's monitoring pages (issue 13 §1). The fields have the API's names, so
the service's messages land on them; the rules are the service's (``monitoring``), not here."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (GovFileInput, GovRadioInput, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..web.forms import GovDateField
from .models import KpiFrequency, Rag


class KpiForm(FlaskForm):
    name = StringField("Name of the KPI", widget=GovTextInput(),
                       description="For example, children seen within 6 weeks of referral")
    target = StringField("Target (optional)", widget=GovTextInput(),
                         description="For example, 90%")
    frequency = RadioField("How often it is reported", widget=GovRadioInput(),
                           validate_choice=False,
                           choices=[SelectChoice(f.value, f.label) for f in KpiFrequency])
    submit = SubmitField("Add the KPI", widget=GovSubmitInput())


class KpiReturnForm(FlaskForm):
    period_start = GovDateField("Period starts", error_label="date the period starts",
                                description="For example, 1 7 2026")
    period_end = GovDateField("Period ends", error_label="date the period ends",
                              description="For example, 30 9 2026")
    figure = StringField("Figure reported", widget=GovTextInput(),
                         description="As the supplier reported it, for example 87%")
    rag = RadioField("RAG rating", widget=GovRadioInput(), validate_choice=False,
                     choices=[SelectChoice(r.value, r.label) for r in Rag])
    note = TextAreaField("Note (optional)", widget=GovTextArea())
    submit = SubmitField("Record the return", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    held_on = GovDateField("Date of the review", error_label="date of the review",
                           description="For example, 14 10 2026")
    notes = TextAreaField("Notes", widget=GovTextArea())
    submit = SubmitField("Record the review", widget=GovSubmitInput())


class ContractDocumentForm(FlaskForm):
    title = StringField("Title", widget=GovTextInput(),
                        description="For example, signed contract or variation 1")
    file = FileField("File", widget=GovFileInput(),
                     description="A PDF, Word document (DOCX), JPG or PNG, smaller than 10MB")
    submit = SubmitField("Upload", widget=GovSubmitInput())
