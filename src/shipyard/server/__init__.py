"""The Shipyard server: a thin FastAPI adapter over the tracking and token services."""

from shipyard.server.app import create_app
from shipyard.server.serve import is_loopback, serve

__all__ = ["create_app", "is_loopback", "serve"]
