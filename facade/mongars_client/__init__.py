"""mongars-client: the Python SDK for the monGARS API."""

from mongars_client._version import __version__

__all__ = ["__version__"]
