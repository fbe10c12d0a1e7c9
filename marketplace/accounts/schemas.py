from marshmallow import Schema, fields, validate

from ..accounts.tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS


class OrganisationRefSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)


class UserSchema(Schema):
    id = fields.String(dump_only=True)
    full_name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    organisation = fields.Nested(OrganisationRefSchema, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    last_signed_in_at = fields.DateTime(dump_only=True, allow_none=True)


class TokenRequestSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    name = fields.String(load_default="API token", validate=validate.Length(min=1, max=100))
    expires_in_days = fields.Integer(
        load_default=DEFAULT_LIFETIME_DAYS,
        validate=validate.Range(min=1, max=MAX_LIFETIME_DAYS))


class TokenSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)


class IssuedTokenSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "Shown once; keep it safe."})
