"""Feedback letters: the decision, its reasons and the provider's scores against the pass mark,
as data for the HTML page and as a PDF (fpdf2, core Helvetica font).

The core PDF fonts cover Latin-1 only, so text is sanitised: common typographic characters are
replaced by their plain equivalents and anything else outside Latin-1 by "?".
"""
from dataclasses import dataclass

from ..formatting import govuk_date, london_date
from .models import MAX_MARK, DecisionOutcome

_PLAIN = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "\u2026": "...", "\u00a0": " ", "\u2022": "-", "\u2264": "<=", "\u2265": ">=",
})


def latin1(text):
    """``text`` made safe for a core PDF font."""
    return (str(text or "").translate(_PLAIN)
            .encode("latin-1", errors="replace").decode("latin-1"))


@dataclass
class Letter:
    provider_name: str
    window_title: str
    system_name: str
    outcome: str
    lots: list
    reasons: str
    scores: list
    weighted_score: float
    pass_mark: int
    all_passed: bool
    issued_on: str
    standstill: str

    @property
    def paragraphs(self):
        if self.outcome == DecisionOutcome.ADMITTED:
            opening = (f"We are pleased to tell you that your application in {self.window_title} "
                       f"has been successful. You are admitted to the {self.system_name} for: "
                       + "; ".join(self.lots) + ".")
        else:
            opening = (f"We are sorry to tell you that your application in {self.window_title} "
                       f"has not been successful, and you have not been admitted to any lot of "
                       f"the {self.system_name}.")
        result = (f"Your weighted quality score is {self.weighted_score:.2f} out of 100 against a "
                  f"pass mark of {self.pass_mark}. "
                  + ("You passed every pass/fail question." if self.all_passed
                     else "You did not pass every pass/fail question, so the application could "
                          "not succeed whatever its quality score."))
        return [opening, result]


def letter_for(decision, application):
    """The letter's content for an issued (or, for the host's preview, recorded) decision."""
    from .services import decision_lots

    window = application.window
    issued = decision.notified_at
    return Letter(
        provider_name=decision.provider.name, window_title=window.title,
        system_name=window.system.name, outcome=decision.outcome,
        lots=[f"{lot.code} {lot.title}" for lot in decision_lots(decision)],
        reasons=decision.reasons, scores=decision.scores,
        weighted_score=decision.weighted_score, pass_mark=decision.pass_mark,
        all_passed=decision.all_passed,
        issued_on=govuk_date(london_date(issued)) if issued else "Not yet issued",
        standstill=(decision.standstill.sentence("the admission takes effect") if issued and
                    decision.outcome == DecisionOutcome.ADMITTED else ""),
    )


def _result(score):
    if score["kind"] == "pass_fail":
        return "Pass" if score["passed"] else "Fail"
    return f"{score['mark']} of {MAX_MARK} ({score['normalised']}/100), weight {score['weight']}%"


def letter_pdf(letter):
    """The letter as PDF bytes."""
    from fpdf import FPDF  # here, not at import: fpdf2 and its fonts cost the app's start-up

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Decision on your application - {letter.window_title}"))
    pdf.set_author(latin1(letter.system_name))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw

    def para(text, size=11, style="", gap=3):
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(letter.system_name, 10, gap=1)
    para(f"Date: {letter.issued_on}", 10)
    para(f"To: {letter.provider_name}", 11, "B")
    para(f"Decision on your application: {letter.window_title}", 16, "B")
    para(f"Outcome: {'Admitted' if letter.outcome == DecisionOutcome.ADMITTED else 'Rejected'}",
         12, "B")
    for text in letter.paragraphs:
        para(text)
    para("Reasons", 13, "B", gap=1)
    para(letter.reasons)
    para("Your scores", 13, "B", gap=1)
    for score in letter.scores:
        para(f"Question {score['number']}: {score['text']}", 11, "B", gap=0)
        para(f"Result: {_result(score)}", 11, gap=0)
        if score.get("note"):
            para(f"Feedback: {score['note']}", 11, gap=0)
        pdf.ln(3)
    para(f"Weighted quality score: {letter.weighted_score:.2f} / 100. Pass mark: "
         f"{letter.pass_mark}.", 11, "B")
    if letter.standstill:
        para(letter.standstill)
    return bytes(pdf.output())


__all__ = ["Letter", "latin1", "letter_for", "letter_pdf"]
