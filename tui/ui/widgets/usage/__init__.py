"""The Usage panel: the usage-log cache as rows and analytics, synced from the gateway."""

from .panel import UsagePanel

__all__ = ["UsagePanel"]
