"""The child a call-off and a placement are for, pseudonymised (DESIGN §3): an authority's own
case reference, birth year, gender, primary and secondary needs (DfE codes), home postcode
district. No names, no full dates of birth, no full postcodes."""
import enum


class ChildGender(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def label(self):
        return {ChildGender.FEMALE: "Girl", ChildGender.MALE: "Boy"}[self]
