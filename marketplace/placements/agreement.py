"""The Individual Placement Agreement: what the authority and the provider agreed for one
child's placement, as data for the HTML page and as a PDF (fpdf2, core Helvetica font, text
made Latin-1 safe the way the feedback letters are)."""
from dataclasses import dataclass
from functools import lru_cache

from ..evaluation.letters import latin1
from ..formatting import LONDON, govuk_date
from ..money import display_pounds
from ..needs import need_label
from ..specifications.documents import markdown_for_print


@dataclass
class AgreementDocument:
    reference: str
    authority_name: str
    provider_name: str
    issued_on: str
    child: list  # (label, value): pseudonymised only
    placement: list  # (label, value)
    fees: list  # (label, amount text)
    weekly_total: str
    annual_cost: str
    whole_life: str
    chargeable_weeks: str
    versions: list  # (specification title, version label, effective date)
    schedule_title: str | None
    schedule_revision: int | None
    schedule_body: str | None

    @property
    def title(self):
        return f"Individual Placement Agreement {self.reference}"

    @property
    def opening(self):
        return (f"This agreement is made between {self.authority_name} (the authority) and "
                f"{self.provider_name} (the provider) for the placement of the child described "
                "below, on the terms of the specification versions listed and the authority's "
                "local schedule. The child is identified only by the authority's case "
                "reference.")


def funding_text(placement):
    """"100% education" or "50% education, 30% social care, 20% health" (issue 12 §8)."""
    parts = [(placement.funding_education_percent, "education"),
             (placement.funding_social_care_percent, "social care"),
             (placement.funding_health_percent, "health")]
    return ", ".join(f"{share}% {name}" for share, name in parts if share)


def agreement_for(agreement):
    """The agreement's content from ``services.agreement``'s answer."""
    placement = agreement.placement
    secondary = ", ".join(need_label(code) for code in placement.secondary_needs or []) or "None"
    weeks = (f" ({agreement.chargeable_weeks} chargeable weeks a year)"
             if agreement.chargeable_weeks else "")
    agreed = placement.agreed_at.astimezone(LONDON).date() if placement.agreed_at else None
    return AgreementDocument(
        reference=placement.reference,
        authority_name=agreement.authority.name, provider_name=placement.provider_label,
        issued_on=govuk_date(agreed),
        child=[("Case reference", placement.case_reference),
               ("Year of birth", str(placement.birth_year)),
               ("Gender", placement.gender.label),
               ("Primary need", need_label(placement.primary_need)),
               ("Secondary needs", secondary),
               ("Home postcode district", placement.postcode_district)],
        placement=[("Placement type", placement.placement_type.label),
                   ("Start date", govuk_date(placement.start_date)),
                   ("End date", govuk_date(placement.end_date)),
                   ("Notice period", f"{placement.notice_weeks} weeks"),
                   ("Funding", funding_text(placement)),
                   ("Off-framework", "Yes" if placement.off_framework else "No")],
        fees=[(label, display_pounds(pence)) for label, pence in placement.fee_components],
        weekly_total=display_pounds(placement.weekly_total_pence),
        annual_cost=display_pounds(placement.annual_cost_pence) + weeks,
        whole_life=display_pounds(agreement.whole_life_pence)
        + f" (from {govuk_date(placement.start_date)} to {govuk_date(placement.end_date)}, "
          "at the agreed fees)",
        chargeable_weeks=agreement.chargeable_weeks,
        versions=[(v.specification.title, v.label,
                   govuk_date(v.effective_at.astimezone(LONDON).date()) if v.effective_at else "")
                  for v in agreement.versions],
        schedule_title=placement.local_schedule_title,
        schedule_revision=placement.local_schedule_revision,
        schedule_body=placement.local_schedule_body)


# The schedule's headings sit under the agreement's own 13pt section headings; all in black
# Helvetica (fpdf2's defaults are dark red Times).
_HEADING_SIZES = {"h3": 12, "h4": 11, "h5": 11, "h6": 11}


@lru_cache(maxsize=1)
def _schedule_styles():
    from fpdf.fonts import TextStyle

    styles = {
        tag: TextStyle(font_family="Helvetica", font_style="B", font_size_pt=size, color=0,
                       t_margin=3, b_margin=1)
        for tag, size in _HEADING_SIZES.items()}
    styles["blockquote"] = TextStyle(color=0, t_margin=2, l_margin=8, b_margin=2)
    return styles


def _write_markdown(pdf, text):
    """The local schedule's Markdown, laid out by fpdf2 from the same safe HTML the pages use
    (raw HTML in the text is escaped, so it prints as typed)."""
    pdf.set_font("Helvetica", "", 11)
    pdf.write_html(latin1(markdown_for_print(text, top=3)), font_family="Helvetica",
                   tag_styles=_schedule_styles(), li_prefix_color=0, ul_bullet_char="\x95",
                   warn_on_tags_not_matching=False)


def agreement_pdf(document):
    """The agreement as PDF bytes."""
    from fpdf import FPDF  # here, not at import: fpdf2 and its fonts cost the app's start-up

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(document.title))
    pdf.set_author(latin1(document.authority_name))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw

    def para(text, size=11, style="", gap=3):
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(width, 6, latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def pairs(heading, rows):
        para(heading, 13, "B", gap=1)
        for label, value in rows:
            para(f"{label}: {value}", gap=0)
        pdf.ln(3)

    para(document.title, 16, "B")
    para(f"Agreed on {document.issued_on}", 10)
    para(document.opening)
    pairs("Parties", [("Authority", document.authority_name),
                      ("Provider", document.provider_name)])
    pairs("The child", document.child)
    pairs("The placement", document.placement)
    pairs("Agreed weekly fees", [*document.fees, ("Weekly total", document.weekly_total),
                                 ("Annual cost", document.annual_cost),
                                 ("Whole-life value", document.whole_life)])
    para("Specification versions in force", 13, "B", gap=1)
    if document.versions:
        for title, label, effective in document.versions:
            para(f"{title}: {label}" + (f", in force from {effective}" if effective else ""),
                 gap=0)
    else:
        para("None recorded", gap=0)
    pdf.ln(3)
    para("Local schedule", 13, "B", gap=1)
    if document.schedule_title:
        para(f"{document.schedule_title} (revision {document.schedule_revision})", 11, "B",
             gap=1)
        _write_markdown(pdf, document.schedule_body)
    else:
        para("No local schedule applies.")
    return bytes(pdf.output())
