from marshmallow import Schema, fields, validate

from .models import SpecificationKind


class SpecificationLotSchema(Schema):
    id = fields.String(dump_only=True)
    code = fields.String(dump_only=True)
    title = fields.String(dump_only=True)


class VersionSummarySchema(Schema):
    id = fields.String(dump_only=True)
    number = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, metadata={
        "description": "draft (host only), in_force, upcoming or superseded"})
    effective_at = fields.DateTime(dump_only=True, allow_none=True, metadata={
        "description": "The start of the effective day in UK time, as a UTC time"})
    published_at = fields.DateTime(dump_only=True, allow_none=True)


class SpecificationSchema(Schema):
    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    lot = fields.Nested(SpecificationLotSchema, dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    version_in_force = fields.Nested(VersionSummarySchema, dump_only=True, allow_none=True,
                                     attribute="current_version")
    versions = fields.List(fields.Nested(VersionSummarySchema), dump_only=True)


class SpecificationInputSchema(Schema):
    kind = fields.String(required=True,
                         validate=validate.OneOf([k.value for k in SpecificationKind]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    lot_id = fields.Integer(load_default=None, allow_none=True,
                            validate=validate.Range(min=1, max=2**31 - 1),
                            metadata={"description": "Required for a lot specification"})


class SpecificationChangeSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))


class VersionSchema(VersionSummarySchema):
    specification_id = fields.String(dump_only=True)
    body = fields.String(dump_only=True, metadata={"description": "Markdown"})
    summary_of_changes = fields.String(dump_only=True)


class VersionInputSchema(Schema):
    """Changes to a draft."""

    body = fields.String(validate=validate.Length(max=200_000),
                         metadata={"description": "Markdown"})
    summary_of_changes = fields.String(validate=validate.Length(max=5000))


class DraftInputSchema(VersionInputSchema):
    """A new draft: its text, and what changed from the version before."""

    body = fields.String(required=True, validate=validate.Length(max=200_000),
                         metadata={"description": "Markdown"})


class PublishSchema(Schema):
    effective_on = fields.Date(required=True, metadata={
        "description": "The UK date the version comes into force, from the start of that day; "
                       "today or later, and not before the previous version's"})


class AcceptanceSchema(Schema):
    id = fields.String(dump_only=True)
    provider_id = fields.String(dump_only=True, attribute="organisation_id")
    provider_name = fields.String(dump_only=True, attribute="provider.name")
    version_id = fields.String(dump_only=True)
    specification_id = fields.String(dump_only=True, attribute="version.specification_id")
    version_number = fields.Integer(dump_only=True, attribute="version.number")
    accepted_at = fields.DateTime(dump_only=True)


class AcceptanceQuerySchema(Schema):
    version_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class InForceQuerySchema(Schema):
    at = fields.AwareDateTime(load_default=None, metadata={
        "description": "When (ISO 8601 with a time zone); now by default"})
    lot_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class LocalScheduleSchema(Schema):
    id = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True, metadata={"description": "Markdown"})
    revision = fields.Integer(dump_only=True)
    archived = fields.Boolean(dump_only=True)
    archived_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class LocalScheduleInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=200_000))


class LocalScheduleChangeSchema(Schema):
    """A new revision: the title, the text, or both."""

    title = fields.String(validate=validate.Length(min=1, max=200))
    body = fields.String(validate=validate.Length(min=1, max=200_000))
