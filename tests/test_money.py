"""Money shown to people and written to spreadsheets is worked out from integer pence, exactly."""
from decimal import Decimal

import pytest

from marketplace.money import decimal_pounds, display_pounds


@pytest.mark.parametrize("pence, shown", [
    (0, "£0.00"), (5, "£0.05"), (125000, "£1,250.00"), (5_548_000, "£55,480.00"),
    (123456789, "£1,234,567.89"), (-1050, "-£10.50"), (None, "£0.00"),
])
def test_pounds_for_people(pence, shown):
    assert display_pounds(pence) == shown


def test_pounds_for_spreadsheets_are_exact():
    # 0.1 + 0.2 pounds as floats is not 0.3; as Decimal from pence it is.
    assert decimal_pounds(10) + decimal_pounds(20) == Decimal("0.30")
    assert decimal_pounds(5_548_000) == Decimal("55480")
