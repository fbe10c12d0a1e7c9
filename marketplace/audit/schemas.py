from marshmallow import Schema, fields


class AuditEventSchema(Schema):
    id = fields.String(dump_only=True)
    occurred_at = fields.DateTime(dump_only=True)
    action = fields.String(dump_only=True)
    object_type = fields.String(dump_only=True, allow_none=True)
    object_id = fields.String(dump_only=True, allow_none=True)
    organisation_id = fields.String(dump_only=True, allow_none=True)
    actor_user_id = fields.String(dump_only=True, allow_none=True)
    actor_organisation_id = fields.String(dump_only=True, allow_none=True)
    before = fields.Dict(dump_only=True, allow_none=True)
    after = fields.Dict(dump_only=True, allow_none=True)
    hash = fields.String(dump_only=True)
    previous_hash = fields.String(dump_only=True, allow_none=True)
