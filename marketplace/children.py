"""The child a call-off and a placement are for, pseudonymised (DESIGN §3): an authority's own
case reference, birth year, gender, primary and secondary needs (DfE codes), home postcode
district. No names, no full dates of birth, no full postcodes."""
import enum
import re

from .needs import need_codes

_FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$")
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/\-_. ]{0,29}$")


class ChildGender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def label(self):
        return {ChildGender.FEMALE: "Girl", ChildGender.MALE: "Boy"}[self]


def _year(value, errors, name, message, low, high):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = message
        return None
    if not low <= number <= high:
        errors[name] = message
        return None
    return number


def clean_child(fields, errors, today):
    """The pseudonymised child from a form or the API (DESIGN §3): case reference, birth year
    (never a full date of birth), gender, DfE need codes and home postcode district (never a
    full postcode). Adds a message per bad field to ``errors``; returns the cleaned values."""
    values = {}
    reference = (fields.get("case_reference") or "").strip()[:100]
    if not reference:
        errors["case_reference"] = "Enter your authority's case reference for the child"
    elif not _CASE_REFERENCE.match(reference):
        errors["case_reference"] = ("Case reference must be 30 characters or fewer, using "
                                    "letters, numbers, spaces and / - _ .")
    values["case_reference"] = reference

    raw_year = str(fields.get("birth_year") or "").strip()
    if re.search(r"\d{1,2}\s*[/\-.]\s*\d{1,2}|\d{1,2}\s+[A-Za-z]+\s+\d{4}", raw_year):
        errors["birth_year"] = ("Enter the year of birth only, for example 2014: do not give "
                                "the child's full date of birth")
        values["birth_year"] = None
    else:
        values["birth_year"] = _year(raw_year, errors, "birth_year",
                                    f"Enter a year of birth between {today.year - 25} and "
                                    f"{today.year}, for example 2014", today.year - 25, today.year)

    try:
        values["gender"] = ChildGender(fields.get("gender"))
    except ValueError:
        values["gender"] = None
        errors["gender"] = "Select the child's gender"

    codes = need_codes()
    primary = (fields.get("primary_need") or "").strip().upper()
    if primary not in codes:
        errors["primary_need"] = "Select the child's primary need"
    values["primary_need"] = primary
    secondary = fields.get("secondary_needs") or []
    if isinstance(secondary, str):
        secondary = [secondary]
    secondary = [str(code).strip().upper() for code in secondary]
    if any(code not in codes for code in secondary):
        errors["secondary_needs"] = "Select secondary needs from the list"
    values["secondary_needs"] = sorted({c for c in secondary if c in codes and c != primary})

    district = re.sub(r"\s+", " ", str(fields.get("postcode_district") or "").strip().upper())
    if _FULL_POSTCODE.match(district):
        errors["postcode_district"] = ("Enter only the postcode district, the first half of the "
                                       "postcode (for example SK10): do not give the child's "
                                       "full postcode")
    elif not _DISTRICT.match(district):
        errors["postcode_district"] = "Enter a postcode district, for example SK10"
    values["postcode_district"] = district
    return values
