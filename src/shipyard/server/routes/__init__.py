"""REST routes under ``/api/v1``; each module is one router."""

from shipyard.server.routes import (
    health,
    media,
    metrics,
    pipelines,
    projects,
    runs,
    schedules,
    tokens,
)

ROUTERS = (
    health.router, projects.router, runs.router, metrics.router, media.router, tokens.router,
    pipelines.router, schedules.router,
)  # fmt: skip

__all__ = ["ROUTERS"]
