from marshmallow import Schema, fields


class AuthoritySchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    ons_code = fields.String(dump_only=True)
    slug = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    joined_on = fields.Date(dump_only=True)
    left_on = fields.Date(dump_only=True, allow_none=True)
