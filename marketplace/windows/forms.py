import re
from datetime import datetime, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (BooleanField, IntegerField, RadioField, SelectMultipleField, StringField,
                     SubmitField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..formatting import LONDON
from ..purchasing.models import PlacementType
from ..web.forms import GovDateField
from .models import QuestionCategory, QuestionKind

TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_time(text):
    """A 24-hour clock time like 09:00 or 17.30; ValueError if it is not one."""
    match = TIME.match(text or "")
    if not match or not (0 <= int(match[1]) <= 23 and 0 <= int(match[2]) <= 59):
        raise ValueError(text)
    return time(int(match[1]), int(match[2]))


def london_datetime(day, clock):
    """A date and a time entered in UK time, as an aware datetime (or None if either is missing)."""
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=LONDON)


class TimeField(StringField):
    """A 24-hour time (``data`` is the text; ``time`` the parsed value, or None)."""

    def __init__(self, label=None, validators=None, *, error_label="time", **kwargs):
        kwargs.setdefault("description", "Use the 24-hour clock, like 09:00 or 17:30")
        super().__init__(label, validators, widget=GovTextInput(), **kwargs)
        self.error_label = error_label
        self.time = None

    def pre_validate(self, form):
        self.time = None
        if self.data and self.data.strip():
            try:
                self.time = parse_time(self.data)
            except ValueError:
                raise ValidationError(
                    f"Enter the {self.error_label} as a 24-hour time, like 09:00 or 17:30"
                ) from None


class QuestionForm(FlaskForm):
    kind = RadioField("Kind of question", widget=GovRadioInput(),
                      choices=[SelectChoice(k.value, k.label) for k in QuestionKind],
                      validators=[InputRequired("Select whether the question is pass or fail, "
                                                "or scored")])
    text = StringField("Question", widget=GovTextArea(),
                       validators=[InputRequired("Enter the question")])
    guidance = StringField("Guidance for providers (optional)", widget=GovTextArea(),
                           description="What a good answer covers, or the evidence to attach")
    category = RadioField("What it checks (pass or fail questions)", widget=GovRadioInput(),
                          choices=[SelectChoice(c.value, c.label) for c in QuestionCategory],
                          validators=[Optional()])
    weight = IntegerField("Weight (scored questions)", widget=GovTextInput(),
                          description="Per cent of the quality score; the weights of all "
                                      "scored questions must add up to 100",
                          validators=[Optional()])
    submit = SubmitField("Save question", widget=GovSubmitInput())

    def service_fields(self):
        return {"kind": self.kind.data, "text": self.text.data, "guidance": self.guidance.data,
                "category": self.category.data, "weight": self.weight.data}


class PassMarkForm(FlaskForm):
    pass_mark = IntegerField("Pass mark", widget=GovTextInput(),
                             description="Out of 100, on the weighted quality score",
                             validators=[InputRequired("Enter the pass mark, like 60"),
                                         NumberRange(0, 100, "Enter the pass mark as a whole "
                                                             "number from 0 to 100")])
    submit = SubmitField("Save pass mark", widget=GovSubmitInput())


class WindowForm(FlaskForm):
    title = StringField("Title", widget=GovTextInput(), description="For example, Round 7",
                        validators=[InputRequired("Enter the window's title, like Round 7")])
    lot_ids = SelectMultipleField("Lots offered", widget=GovCheckboxesInput(), coerce=int,
                                  validators=[InputRequired("Select at least one lot the "
                                                            "window offers")])
    opens_on = GovDateField("Opening date", error_label="opening date",
                            description="For example, 2 3 2027",
                            validators=[InputRequired("Enter the date the window opens")])
    opens_time = TimeField("Opening time", error_label="opening time",
                           validators=[InputRequired("Enter the time the window opens")])
    closes_on = GovDateField("Closing date", error_label="closing date",
                             description="For example, 30 3 2027", validators=[Optional()])
    closes_time = TimeField("Closing time", error_label="closing time", validators=[Optional()])
    # Offered once the service has said the new close is short notice for an open window.
    confirm_short_notice = BooleanField(
        "Yes, bring the close forward: providers with drafts will be emailed the new time",
        widget=GovCheckboxInput())
    submit = SubmitField("Save window", widget=GovSubmitInput())

    def __init__(self, *args, lots=(), always_open=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot_ids.choices = [SelectChoice(lot.id, f"{lot.code}: {lot.title}") for lot in lots]
        self.always_open = always_open
        if not always_open:
            # Checked here, with the other fields, so a blank close is in the error summary
            # whatever else is wrong (the service's own check runs only on a valid form).
            self.closes_on.validators = [InputRequired("Enter the date the window closes")]
            self.closes_time.validators = [InputRequired("Enter the time the window closes")]

    def service_fields(self):
        return {"title": self.title.data, "lot_ids": self.lot_ids.data,
                "opens_at": london_datetime(self.opens_on.data, self.opens_time.time),
                "closes_at": london_datetime(self.closes_on.data, self.closes_time.time)}

    @classmethod
    def data_for(cls, window):
        opens = window.opens_at.astimezone(LONDON)
        closes = window.closes_at.astimezone(LONDON) if window.closes_at else None
        return {"title": window.title, "lot_ids": [lot.id for lot in window.lots],
                "opens_on": opens.date(), "opens_time": f"{opens:%H:%M}",
                "closes_on": closes.date() if closes else None,
                "closes_time": f"{closes:%H:%M}" if closes else ""}


# The application's forms have a field per lot and question of the window, so they are built
# for it. Their field names map to the service's error keys through ``service_names``.

def fee_field(lot_id, placement_type):
    return f"fee_{lot_id}_{placement_type}"


def answer_field(question_id, part):
    return f"q{question_id}_{part}"


def lots_form(window, lots, application, formdata=None):
    """Lots to apply for and an indicative fee for each placement type of each lot."""

    class LotsForm(FlaskForm):
        lot_ids = SelectMultipleField(
            "Lots you are applying for", widget=GovCheckboxesInput(), coerce=int,
            choices=[SelectChoice(lot.id, f"{lot.code}: {lot.title}") for lot in lots],
            validators=[InputRequired("Select at least one lot you are applying for")])
        submit = SubmitField("Save and continue", widget=GovSubmitInput())

    names = {"lot_ids": "lot_ids"}
    data = {"lot_ids": application.lot_ids}
    fees = {a.lot_id: a.fees or {} for a in application.lots}
    for lot in lots:
        for placement_type in lot.placement_types:
            kind = PlacementType(placement_type)
            name = fee_field(lot.id, placement_type)
            setattr(LotsForm, name, StringField(
                f"{kind.label}: {kind.unit}ly fee for lot {lot.code}", widget=GovTextInput(),
                description="In pounds, like 1250.00"))
            names[f"fees.{lot.id}.{placement_type}"] = name
            if placement_type in fees.get(lot.id, {}):
                pence = fees[lot.id][placement_type]
                data[name] = f"{pence // 100}.{pence % 100:02d}"
    form = LotsForm(formdata=formdata, data=data) if formdata is not None else LotsForm(data=data)
    form.service_names = names
    form.lots = lots
    return form


def lots_changes(form):
    """The service's lot_ids and fees from a submitted lots form."""
    fees = {}
    for lot in form.lots:
        fees[str(lot.id)] = {t: form[fee_field(lot.id, t)].data or ""
                             for t in lot.placement_types}
    return {"lot_ids": form.lot_ids.data or [], "fees": fees}


def answers_form(window, application, formdata=None):
    """An answer (yes/no or text) and evidence for each of the window's questions."""

    class AnswersForm(FlaskForm):
        submit = SubmitField("Save answers", widget=GovSubmitInput())

    names, data = {}, {}
    for question in window.questions:
        answer_name, evidence_name = (answer_field(question.id, "answer"),
                                      answer_field(question.id, "evidence"))
        label = f"{question.number}. {question.text}"
        if question.kind == QuestionKind.PASS_FAIL:
            setattr(AnswersForm, answer_name, RadioField(
                label, widget=GovRadioInput(),
                choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
                description=question.guidance, validators=[Optional()]))
            setattr(AnswersForm, evidence_name, StringField(
                f"Evidence for question {question.number} (optional)", widget=GovTextArea()))
        else:
            setattr(AnswersForm, answer_name, StringField(
                label, widget=GovTextArea(), description=question.guidance))
            setattr(AnswersForm, evidence_name, StringField(
                f"Supporting evidence for question {question.number} (optional)",
                widget=GovTextArea()))
        names[f"answers.{question.id}.answer"] = answer_name
        names[f"answers.{question.id}"] = answer_name
        names[f"answers.{question.id}.evidence"] = evidence_name
        given = application.answer_to(question)
        data[answer_name] = given.get("answer") or None
        data[evidence_name] = given.get("evidence") or ""
    form = (AnswersForm(formdata=formdata, data=data) if formdata is not None
            else AnswersForm(data=data))
    form.service_names = names
    form.questions = window.questions
    return form


def answers_changes(form):
    return {"answers": {str(q.id): {"answer": form[answer_field(q.id, "answer")].data or "",
                                    "evidence": form[answer_field(q.id, "evidence")].data or ""}
                        for q in form.questions}}
