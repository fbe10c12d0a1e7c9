from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from .services import format_pounds, london_date


class ProviderSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    companies_house_number = fields.String(dump_only=True, allow_none=True)
    charity_number = fields.String(dump_only=True, allow_none=True)
    dfe_urn = fields.String(dump_only=True, allow_none=True)
    ofsted_urn = fields.String(dump_only=True, allow_none=True)
    address_line_1 = fields.String(dump_only=True, allow_none=True)
    address_line_2 = fields.String(dump_only=True, allow_none=True)
    town = fields.String(dump_only=True, allow_none=True)
    postcode = fields.String(dump_only=True, allow_none=True)
    ofsted_rating = fields.String(dump_only=True, allow_none=True)
    ofsted_inspected_on = fields.Date(dump_only=True, allow_none=True)
    need_codes = fields.List(fields.String(), dump_only=True)
    age_from = fields.Integer(dump_only=True, allow_none=True)
    age_to = fields.Integer(dump_only=True, allow_none=True)
    genders = fields.List(fields.String(), dump_only=True)
    placement_types = fields.List(fields.String(), dump_only=True)
    childrens_home_urn = fields.String(dump_only=True, allow_none=True)
    documents_valid_until = fields.Date(
        dump_only=True, allow_none=True,
        metadata={"description": "The earliest expiry among the current mandatory documents "
                                 "(null while one is missing)."})
    in_good_standing = fields.Function(
        lambda provider: provider.in_good_standing(london_date()), dump_only=True,
        metadata={"description": "Every mandatory document present and in date today: may be "
                                 "invited to new call-offs."})


class ProviderFilterSchema(Schema):
    need_code = fields.String(load_default=None)
    placement_type = fields.String(load_default=None)


class RegistrationSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    companies_house_number = fields.String(load_default=None)
    charity_number = fields.String(load_default=None)
    dfe_urn = fields.String(load_default=None)
    ofsted_urn = fields.String(load_default=None)
    address_line_1 = fields.String(required=True)
    address_line_2 = fields.String(load_default=None)
    town = fields.String(required=True)
    postcode = fields.String(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)


class RegisteredSchema(Schema):
    provider = fields.Nested(ProviderSchema, dump_only=True)
    email = fields.String(dump_only=True, metadata={
        "description": "Where the link to confirm the address and set a password was sent."})


class ProfileChangeSchema(Schema):
    """Any of the profile's fields."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    companies_house_number = fields.String(allow_none=True)
    charity_number = fields.String(allow_none=True)
    dfe_urn = fields.String(allow_none=True)
    ofsted_urn = fields.String(allow_none=True)
    address_line_1 = fields.String()
    address_line_2 = fields.String(allow_none=True)
    town = fields.String()
    postcode = fields.String()
    ofsted_rating = fields.String(allow_none=True)
    ofsted_inspected_on = fields.Date(allow_none=True)
    need_codes = fields.List(fields.String())
    age_from = fields.Integer(allow_none=True)
    age_to = fields.Integer(allow_none=True)
    genders = fields.List(fields.String())
    placement_types = fields.List(fields.String())
    childrens_home_urn = fields.String(allow_none=True)


class DocumentSchema(Schema):
    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    title = fields.String(dump_only=True, allow_none=True)
    filename = fields.String(dump_only=True)
    content_type = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True)
    sha256 = fields.String(dump_only=True)
    expires_on = fields.Date(dump_only=True)
    uploaded_at = fields.DateTime(dump_only=True)


class DocumentUploadSchema(Schema):
    """A multipart/form-data upload. Both kind and expiry date are needed; the service names
    what is missing (or wrong with the file) once it knows the provider is yours."""

    kind = fields.String(load_default=None)
    expires_on = fields.Date(load_default=None)
    title = fields.String(load_default=None)
    # Documented here; the view takes the file itself from the request's files.
    file = Upload(load_only=True,
                  metadata={"description": "PDF, DOCX, JPG or PNG, smaller than 10MB"})


class RateEntrySchema(Schema):
    placement_type = fields.String(dump_only=True)
    weekly_fee = fields.Function(lambda entry: format_pounds(entry.weekly_fee_pence),
                                 dump_only=True, metadata={"description": "Pounds, like 1250.00"})
    effective_from = fields.DateTime(dump_only=True)


class RateCardSchema(Schema):
    provider_id = fields.String(dump_only=True)
    current = fields.List(fields.Nested(RateEntrySchema), dump_only=True)
    history = fields.List(fields.Nested(RateEntrySchema), dump_only=True,
                          metadata={"description": "Every fee ever set, newest first."})


class RateCardChangeSchema(Schema):
    fees = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                       metadata={"description": 'Placement type to weekly fee in pounds, like '
                                                '{"day": "1250.00"}; others stay as they are.'})


class VacancySchema(Schema):
    id = fields.String(dump_only=True)
    provider_id = fields.Function(lambda vacancy: str(vacancy.organisation_id), dump_only=True)
    provider_name = fields.Function(lambda vacancy: vacancy.provider.name, dump_only=True)
    placement_type = fields.String(dump_only=True)
    need_codes = fields.List(fields.String(), dump_only=True)
    age_from = fields.Integer(dump_only=True)
    age_to = fields.Integer(dump_only=True)
    available_from = fields.Date(dump_only=True)
    places = fields.Integer(dump_only=True)
    status = fields.Function(lambda vacancy: "withdrawn" if vacancy.is_withdrawn else "open",
                             dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    withdrawn_at = fields.DateTime(dump_only=True, allow_none=True)


class VacancyChangeSchema(Schema):
    """Changing a vacancy: any of its fields."""

    placement_type = fields.String()
    need_codes = fields.List(fields.String())
    age_from = fields.Integer()
    age_to = fields.Integer()
    available_from = fields.Date()
    places = fields.Integer()


class VacancyInputSchema(Schema):
    """Declaring a vacancy: every field is needed (the service names any that is missing, once
    it knows the provider is yours)."""

    placement_type = fields.String(load_default=None)
    need_codes = fields.List(fields.String(), load_default=list)
    age_from = fields.Integer(load_default=None)
    age_to = fields.Integer(load_default=None)
    available_from = fields.Date(load_default=None)
    places = fields.Integer(load_default=None)
