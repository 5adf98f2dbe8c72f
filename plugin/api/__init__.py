"""The JSON API under ``/api/v1``."""

from .views import blueprint

__all__ = ["blueprint"]
