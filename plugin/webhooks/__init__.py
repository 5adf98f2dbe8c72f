"""The webhook receiver blueprint."""

from .views import blueprint

__all__ = ["blueprint"]
