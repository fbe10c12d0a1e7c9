"""A member's statement as a download (issue 14 §5): the same figures as its page — its own
contribution and workings, the region totals and the MoU terms applied — as an XLSX workbook or
a PDF (fpdf2, core Helvetica font). Never another member's figures: a statement holds only its
member's line and the region totals."""
from ..evaluation.letters import latin1
from ..money import decimal_pounds, display_pounds

MEASURE_NAMES = {"placement_days": "placement days", "placement_spend": "placement spend",
                 "calloffs": "call-offs published", "population": "population"}


def _percent(bp_value):
    whole, part = divmod(bp_value or 0, 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")


def terms_text(terms):
    """The MoU terms a statement applied, in a sentence."""
    rest = (MEASURE_NAMES.get(terms.get("usage_measure"), "a blend of measures")
            if terms.get("usage_measure") else "a blend of measures")
    text = (f"A fixed part of {_percent(terms.get('fixed_percent_bp'))}% of the net cost shared "
            f"equally, pro rata to the days of membership; the rest by {rest}")
    if terms.get("damping_percent_bp") is not None:
        text += (f"; no contribution rising more than {_percent(terms['damping_percent_bp'])}% "
                 f"over the last approved year")
    return text + (f"; true-ups skipped where a usage share moved by less than "
                   f"{_percent(terms.get('tolerance_bp'))} percentage points.")


def rows(statement):
    """(label, value, is money) rows: the member's figures, the region totals, the terms, then
    the workings line by line."""
    c = statement.contribution
    totals = statement.totals
    yield (f"{c.name}: {statement.kind.label.lower()} statement, cost sharing "
           f"{statement.label} (run {statement.run_id})", None, False)
    yield ("Your contribution", c.amount_pence, True)
    yield ("Days of membership", f"{c.membership_days} of {totals['days_in_year']}", False)
    yield ("Fixed part", c.fixed_pence, True)
    yield ("Usage part", c.usage_pence, True)
    yield ("Caps and damping", c.adjustment_pence, True)
    if c.true_up_pence is not None:
        yield ("True-up (outturn less budget)", c.true_up_pence, True)
    yield ("", None, False)
    yield ("Region totals", None, False)
    yield ("Running costs", totals["costs_pence"], True)
    yield ("Income", totals["income_pence"], True)
    yield ("Net cost shared", statement.net_cost_pence, True)
    yield ("Paid by the members", statement.contributions_pence, True)
    yield ("The host's net cost", statement.host_net_cost_pence, True)
    yield ("Authorities sharing", statement.participants, False)
    yield ("", None, False)
    yield ("The MoU terms applied", terms_text(totals["terms"]), False)
    yield ("", None, False)
    yield ("Your workings", None, False)
    for number, line in enumerate(c.lines, 1):
        yield (f"{number}.", line, False)


def _safe(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def statement_xlsx(statement):
    """The statement as an XLSX workbook: money as numbers of pounds, text never a formula."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Statement")
    for label, value, money in rows(statement):
        cells = [WriteOnlyCell(sheet, value=_safe(label))]
        if value is not None:
            cell = WriteOnlyCell(sheet, value=decimal_pounds(value) if money else _safe(value))
            if money:
                cell.number_format = "#,##0.00"
            elif cell.data_type == "f":
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def statement_pdf(statement):
    """The statement as PDF bytes."""
    from fpdf import FPDF  # here, not at import: fpdf2 and its fonts cost the app's start-up

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(f"Cost-sharing statement {statement.label}"))
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.epw
    first = True
    for label, value, money in rows(statement):
        if first:
            pdf.set_font("Helvetica", "B", 15)
            pdf.multi_cell(width, 7, latin1(label), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
            first = False
            continue
        if not label and value is None:
            pdf.ln(3)
            continue
        if value is None:
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(width, 7, latin1(label), new_x="LMARGIN", new_y="NEXT")
            continue
        text = display_pounds(value) if money else str(value)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(width, 5, latin1(f"{label} {text}" if label.endswith(".")
                                        else f"{label}: {text}"),
                       new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def filename(statement, extension):
    return (f"cost-sharing-statement-{statement.label}-{statement.kind.value}-run-"
            f"{statement.run_id}-authority-{statement.authority_id}.{extension}")
