"""marshmallow fields shared by the packages' API schemas."""
from marshmallow import ValidationError, fields

from ..money import MAX_FEE_PENCE, format_pounds, parse_pounds

POUNDS_PATTERN = r"^\d{1,9}(\.\d{1,2})?$"


class Pounds(fields.Field):
    """Money as the API writes it, a decimal string in pounds with two places ("1250.00"), held
    as integer pence inside. Give the pence attribute's name as the field name and the API's
    name as ``data_key``."""

    def __init__(self, *, maximum=MAX_FEE_PENCE, **kwargs):
        self.maximum = maximum
        metadata = {"type": "string", "pattern": POUNDS_PATTERN, "example": "1250.00",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_pounds(value)

    def _deserialize(self, value, attr, data, **kwargs):
        message = 'Give an amount in pounds as a string with up to two decimal places, like "1250.00"'
        if not isinstance(value, str):
            raise ValidationError(message)
        try:
            pence = parse_pounds(value)
        except ValueError:
            raise ValidationError(message) from None
        if pence > self.maximum:
            raise ValidationError(f"Give an amount of at most {format_pounds(self.maximum)}")
        return pence
