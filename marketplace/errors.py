"""Domain errors raised by services and mapped to HTTP by the views."""


class DomainError(Exception):
    """Base for errors a service raises on purpose."""


class NotFound(DomainError):
    """The object does not exist or is not visible to the caller (the two look the same)."""


class PermissionDenied(DomainError):
    """The caller may see the object but not do this to it."""


class ValidationFailed(DomainError):
    """Input broke a rule; ``errors`` maps each field name to its message."""

    def __init__(self, errors):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class AuthenticationFailed(DomainError):
    """The caller could not be identified (wrong email or password, bad token)."""


class Conflict(DomainError):
    """The object's state does not allow this now."""
