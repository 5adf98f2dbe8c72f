"""helpdesk-goals: service goals for open-source helpdesks."""

__version__ = "0.1.0"
