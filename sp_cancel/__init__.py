"""sp_cancel: every Amazon seller cancellation workflow through the Selling Partner API."""

from sp_cancel._version import __version__

__all__ = ["__version__"]
