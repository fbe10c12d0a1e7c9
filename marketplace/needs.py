"""The DfE special educational need codes (the SEN2 / school census primary need types)."""
import csv
from functools import cache
from importlib import resources


@cache
def need_codes():
    """``{code: description}`` in the DfE's order."""
    text = resources.files("marketplace").joinpath("data/sen_primary_need.csv").read_text("utf-8")
    return {row["code"]: row["description"] for row in csv.DictReader(text.splitlines())}


def need_label(code):
    return need_codes().get(code, code)
