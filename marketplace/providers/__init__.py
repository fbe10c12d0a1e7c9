"""Provider organisations."""
from .models import Provider

__all__ = ["Provider"]
