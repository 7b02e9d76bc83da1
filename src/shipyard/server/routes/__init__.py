"""REST routes under ``/api/v1``; each module is one router."""

from shipyard.server.routes import health, projects, runs, tokens

ROUTERS = (health.router, projects.router, runs.router, tokens.router)

__all__ = ["ROUTERS"]
