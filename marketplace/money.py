"""Money: integer pence inside, pounds as people and the API write them outside."""
import re
from decimal import Decimal

POUNDS = re.compile(r"^£?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
# £50,000 a week or an hour: anything above is a typing mistake.
MAX_FEE_PENCE = 5_000_000


def parse_pounds(text):
    """Pounds as written ("1250", "1,250.00", "£1250.5") to integer pence; ValueError if not."""
    text = (text or "").strip().replace(" ", "") if isinstance(text, str) else str(text)
    if not POUNDS.match(text):
        raise ValueError(text)
    return int(Decimal(text.lstrip("£").replace(",", "")) * 100)


def format_pounds(pence):
    """Integer pence as a decimal string with two places, the API's money format: "1250.00"."""
    return f"{pence // 100}.{pence % 100:02d}"


def display_pounds(pence):
    """Integer pence as people read money on pages and in letters: "£1,250.00" (no floats)."""
    pence = pence or 0
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def decimal_pounds(pence):
    """Integer pence as an exact Decimal number of pounds (for spreadsheets)."""
    return Decimal(pence or 0) / 100
